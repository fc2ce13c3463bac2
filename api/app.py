"""The FastAPI application: regulator/analyst API, partner linkage API, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from a2wsgi import WSGIMiddleware
from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse

from api import metrics, problems
from api.audit_trail import AuditMiddleware
from api.auth import KeyCache
from api.middleware import BodyLimit, NoStore
from api.params import refuse_unknown_query
from api.routers import (
    admin,
    findings,
    health,
    linkage,
    ownership,
    propagation,
    records,
    resolution,
    review,
    statistics,
    subjects,
)
from dashboards.app import MOUNT, create_dash, start_warming
from graph.ratelimit import RateLimiter
from graph.services import Services


def create_app(services: Services) -> FastAPI:
    """The API over ``services``, which the caller opened and will close: the app owns only
    what is the API's own (the key cache and the rate limiter), so the Dash app can be given
    the same services in the same process."""
    settings = services.settings
    dashboards = create_dash(services)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.key_cache = KeyCache(settings.api_key_cache_s)
        app.state.rate_limiter = RateLimiter(
            settings.rate_limit_per_s, settings.rate_limit_burst, services.clock.monotonic
        )
        warming = start_warming(dashboards, services)
        try:
            yield
        finally:
            warming.stop()

    app = FastAPI(
        title="credit-graph",
        summary="Joint supervision (联合奖惩) over Jiangsu's public credit graph",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
    )
    app.state.services = services
    app.state.query_names = {}  # api.params.refuse_unknown_query

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/docs")

    problems.install(app)
    # Added innermost first: the limit refuses a body before any other middleware or route
    # sees it, and the metrics count the refusals too.
    app.add_middleware(NoStore, prefix="/api/")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AuditMiddleware, writer=services.audit_writer)
    # Outermost, so the status counted and logged is the one the client got.
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
    app.include_router(linkage.router)
    app.include_router(resolution.router)
    # The analysts' dashboards, in the same process on the same services (Dash is WSGI).
    app.mount(MOUNT, WSGIMiddleware(dashboards.server))  # type: ignore[arg-type]
    return app
