"""Neo4j dying in the middle of a request: the request is answered 503 with Retry-After, as
is every request after it, and nothing hangs. The server killed is a dedicated one on its own
port and data directory, so the suite's server stays up."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from graph.access import create_key
from graph.services import open_services
from graph.settings import Settings
from graph.store.embedded import server
from graph.store.schema import apply_schema
from tests.conftest import LiveServer, _free_port

# Counts long enough to be under way when the server is killed.
SLOW = "UNWIND range(1, 1000000000) AS i WITH i WHERE i % 7 = 99 RETURN count(*) AS n"
# A hang guard only: the answer is expected within the driver's bounded timeouts.
HANG_GUARD_S = 120


@pytest.fixture
def doomed(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, server.ServerState]]:
    own = settings.model_copy(
        update={
            "embedded_port": _free_port(),
            "embedded_data_dir": tmp_path_factory.mktemp("doomed-neo4j"),
            "embedded_heap": "256m",
            "embedded_pagecache": "64m",
        }
    )
    state = server.start(own, tied_to_pid=os.getpid())
    try:
        yield own, state
    finally:
        server.stop(state, own)  # already dead: only its pid file is left to remove


def test_neo4j_dying_mid_request_is_503_with_retry_after(
    doomed: tuple[Settings, server.ServerState],
) -> None:
    own, state = doomed
    with open_services(own) as services:
        apply_schema(services.repository)
        _, key = create_key(services.repository, "regulator", "outage", own_province="32")
        headers = {"X-API-Key": key, "X-Purpose": "automated test"}
        app = create_app(services)
        running = threading.Event()

        @app.get("/slow")
        def slow() -> list[dict[str, Any]]:
            running.set()
            return services.repository.read(SLOW)

        with LiveServer(app, _free_port()) as live:
            # The key is verified (and cached) while Neo4j is up.
            assert httpx.get(
                f"{live.url}/api/v1/statistics", headers=headers, timeout=HANG_GUARD_S
            ).is_success
            answers: list[httpx.Response] = []
            request = threading.Thread(
                target=lambda: answers.append(httpx.get(f"{live.url}/slow", timeout=HANG_GUARD_S))
            )
            request.start()
            assert running.wait(HANG_GUARD_S)
            time.sleep(0.5)  # let the statement reach the server; not a timing assertion
            os.killpg(state.pid, signal.SIGKILL)
            request.join(HANG_GUARD_S)
            after = httpx.get(
                f"{live.url}/api/v1/subjects/91320214745555318W",
                headers=headers,
                timeout=HANG_GUARD_S,
            )

    assert not request.is_alive()
    for response in (*answers, after):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["Retry-After"]) >= 1
    assert len(answers) == 1
