"""Shared fixtures: a real Neo4j, started and stopped by the suite itself.

The suite runs its own embedded server on a free port over a temporary data directory, so
it never touches the demo's data. With NEO4J_URI set (a CI service, a managed server) the
suite uses that server instead — and then wipes it between tests, so point it at a scratch
database only.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver

from graph.access import create_key
from graph.services import Services, open_services
from graph.settings import Settings
from graph.store.embedded import server
from graph.store.repository import Repository
from graph.store.schema import apply_schema
from loaders.pipeline import load_paths
from loaders.synthetic import generate_province

# The loaded province of the `province` fixture: small enough to load in seconds, large
# enough to hold every kind of subject, relation and record.
PROVINCE_ORGS = 300
PROVINCE_SEED = 11

TEST_SECRETS = {
    "neo4j_password": "credit-graph-test-neo4j",
    "pid_key": "credit-graph-test-pid-key",
}

# Reference data survives between tests; everything a test writes is removed.
WIPE_TEST_DATA = """
MATCH (n) WHERE NOT n:Region AND NOT n:Occupation AND NOT n:SchemaMeta
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        embedded_port=_free_port(),
        embedded_data_dir=tmp_path_factory.mktemp("neo4j"),
        embedded_heap="768m",
        embedded_pagecache="256m",
        rate_limit_per_s=50.0,
        rate_limit_burst=100,
        # The suite's server does not warm the dashboards after each run (test_dashboards_kept
        # does): tests make runs by the hundred.
        dashboard_warm_every_s=0,
        **TEST_SECRETS,
    )


@pytest.fixture(scope="session")
def neo4j_server(settings: Settings) -> Iterator[str]:
    if not settings.uses_embedded_neo4j:
        yield settings.bolt_uri
        return
    state = server.start(settings, tied_to_pid=os.getpid())
    try:
        yield state.uri
    finally:
        server.stop(state, settings)


@pytest.fixture(scope="session")
def services(neo4j_server: str, settings: Settings) -> Iterator[Services]:
    """The session's one composition root, as a process has one: the app and the tests'
    repositories share its driver."""
    with open_services(settings) as opened:
        opened.repository.ping()
        apply_schema(opened.repository)
        yield opened


@pytest.fixture(scope="session")
def driver(services: Services) -> Driver:
    return services.driver


@pytest.fixture
def repo(driver: Driver, settings: Settings) -> Repository:
    """A repository over a graph holding only the schema and reference data."""
    repository = Repository(
        driver,
        settings.neo4j_database,
        query_timeout_s=settings.query_timeout_s,
        bulk_timeout_s=settings.bulk_timeout_s,
    )
    repository.run_ddl(WIPE_TEST_DATA)
    return repository


@pytest.fixture(scope="module")
def province(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated province loaded through the one write path, its flags derived, for the
    tests of one module; returns the directory of its files. Those tests must not wipe the
    graph (the ``repo`` and ``make_key`` fixtures do)."""
    services.repository.run_ddl(WIPE_TEST_DATA)
    out = tmp_path_factory.mktemp("province")
    generate_province(out, PROVINCE_ORGS, PROVINCE_SEED)
    load_paths(
        services.repository,
        services.settings,
        [out],
        rejects_path=out / "rejects.csv",
        progress=False,
        rules=services.rules,
        as_of=services.clock.today(),
    )
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The layer is the folder; markers let `pytest -m "not integration"` run the fast part.
    for item in items:
        for layer in ("integration", "browser", "system"):
            if f"tests/{layer}/" in str(item.path):
                item.add_marker(getattr(pytest.mark, layer))


class LiveServer:
    """A uvicorn server in a background thread, so tests speak real HTTP to the app."""

    def __init__(self, app: object, port: int, **options: Any) -> None:
        import uvicorn

        self.url = f"http://127.0.0.1:{port}"
        options = {"log_level": "warning", **options}
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, **options)  # type: ignore[arg-type]
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


@pytest.fixture(scope="session")
def api_url(services: Services) -> Iterator[str]:
    from api.app import create_app

    with LiveServer(create_app(services), _free_port()) as live:
        yield live.url


@pytest.fixture
def http(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=30) as client:
        yield client


@pytest.fixture
def make_key(repo: Repository, settings: Settings) -> Callable[[str], dict[str, str]]:
    """Headers carrying a fresh API key of the given role (a fresh rate-limit bucket too)."""

    def make(role: str) -> dict[str, str]:
        _, key = create_key(repo, role, f"test {role}", own_province=settings.province_code)
        return {"X-API-Key": key, "X-Purpose": "automated test"}

    return make
