"""The FastAPI application: regulator/analyst API, partner linkage API, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from api import errors, metrics
from api.auth import KeyCache
from api.ratelimit import RateLimiter
from api.routers import (
    admin,
    findings,
    health,
    ownership,
    propagation,
    records,
    review,
    statistics,
    subjects,
)
from graph.audit import AuditWriter
from graph.clock import Clock
from graph.driver import create_driver
from graph.repository import Repository
from graph.rules import load_rules
from graph.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The app owns the process's one driver: opened here, closed on shutdown.
        driver = create_driver(settings)
        app.state.settings = settings
        app.state.repository = Repository(driver, settings.neo4j_database)
        app.state.rules = load_rules()
        app.state.key_cache = KeyCache(settings.api_key_cache_s)
        app.state.rate_limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
        app.state.audit_writer = AuditWriter(app.state.repository)
        try:
            yield
        finally:
            app.state.audit_writer.close()
            driver.close()

    app = FastAPI(
        title="credit-graph",
        summary="Joint supervision (联合奖惩) over Jiangsu's public credit graph",
        version="0.1.0",
        lifespan=lifespan,
    )

    # Set here, not in the lifespan, so a test can swap in a FixedClock before serving.
    app.state.clock = Clock()

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/docs")

    errors.install(app)
    metrics.install(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(subjects.router)
    app.include_router(review.router)
    app.include_router(records.router)
    app.include_router(admin.router)
    app.include_router(ownership.router)
    app.include_router(findings.router)
    app.include_router(statistics.router)
    app.include_router(propagation.router)
    return app
