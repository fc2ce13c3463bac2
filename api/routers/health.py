"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from api.deps import RepositoryDep
from graph.schema import SCHEMA_VERSION, schema_version

router = APIRouter(tags=["health"])

READY_TIMEOUT_S = 5.0


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Neo4j answers and holds the expected schema version",
    responses={503: {"description": "Neo4j unreachable or schema version wrong"}},
)
async def readyz(repo: RepositoryDep) -> JSONResponse:
    try:
        found = await asyncio.wait_for(
            asyncio.to_thread(schema_version, repo), timeout=READY_TIMEOUT_S
        )
    except (ServiceUnavailable, SessionExpired, Neo4jError, OSError, TimeoutError) as exc:
        return JSONResponse(
            {"status": "unavailable", "neo4j": f"unreachable: {type(exc).__name__}"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    if found != SCHEMA_VERSION:
        return JSONResponse(
            {"status": "unavailable", "schema_version": found, "expected": SCHEMA_VERSION},
            status_code=503,
            headers={"Retry-After": "30"},
        )
    return JSONResponse({"status": "ready", "schema_version": found})
