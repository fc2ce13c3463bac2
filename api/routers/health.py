"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from api.deps import RepositoryDep, RulesDep, SettingsDep
from graph.propagation.runs import latest_completed_runs, other_flag_rules_versions
from graph.store.repository import Repository
from graph.store.schema import SCHEMA_VERSION, schema_version

router = APIRouter(tags=["health"])

READY_TIMEOUT_S = 5.0


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Neo4j answers, holds the expected schema version, and its flags were derived "
    "under the served rules; `warnings` names a recent run that multiplied its reach",
    responses={
        503: {
            "description": "Neo4j unreachable, schema version wrong, or flags derived under "
            "other rules than the served ones (run `credit-graph propagate --full`)"
        }
    },
)
async def readyz(repo: RepositoryDep, rules: RulesDep, settings: SettingsDep) -> JSONResponse:
    try:
        found, stale, warnings = await asyncio.wait_for(
            asyncio.to_thread(_graph_state, repo, rules.version, settings.reach_warning_factor),
            timeout=READY_TIMEOUT_S,
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
    # Not ready, rather than ready with a warning: reviews would block or pass on flags the
    # served rules do not derive, and explain them with those rules' bases. A wrong decision
    # with a plausible reason is worse than none; no probe or balancer reads a warning.
    if stale:
        return JSONResponse(
            {
                "status": "unavailable",
                "rules_version": rules.version,
                "flags_rules_versions": stale,
                "detail": f"stored flags were derived under rules {', '.join(stale)}, not the "
                f"served rules {rules.version}; run `credit-graph propagate --full`",
            },
            status_code=503,
            headers={"Retry-After": "60"},
        )
    # Ready, with a warning: unlike stale flags, a wider reach is what the served rules derive,
    # often on purpose (a new rule, a province's new links), and taking the API out of service
    # would stop every review, not only those it touches. The warning is for the people who
    # judge whether the reach is right; it stays until the next run of the same mode.
    return JSONResponse(
        {
            "status": "ready",
            "schema_version": found,
            "rules_version": rules.version,
            "warnings": warnings,
        }
    )


def _graph_state(
    repo: Repository, rules_version: str, reach_warning_factor: float
) -> tuple[int | None, list[str], list[str]]:
    found = schema_version(repo)
    # Without this schema's indexes the checks would scan every flag and every run.
    if found != SCHEMA_VERSION:
        return found, [], []
    warnings = [
        f"{run.mode} run {run.run_id} (rules {run.rules_version}, as of {run.as_of}): {warning}"
        for run in latest_completed_runs(repo)
        for warning in run.reach_warnings(reach_warning_factor)
    ]
    return found, other_flag_rules_versions(repo, rules_version), warnings
