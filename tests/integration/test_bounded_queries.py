"""Every query bounded: paths never expand a hub nor go past the hop limit, and every
statement runs under a transaction timeout whose breach a request answers with 503."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from neo4j import Driver

from api.app import create_app
from graph.reads import tracing
from graph.services import Services
from graph.settings import Settings
from graph.store.queries import tracing as q
from graph.store.repository import QueryTimedOut, Repository
from tests.conftest import LiveServer, _free_port
from tests.utils.factories import GraphBuilder

# Counts far enough that no server finishes it within the tests' tiny timeout.
SLOW = "UNWIND range(1, 1000000000) AS i WITH i WHERE i % 7 = 99 RETURN count(*) AS n"
TINY_TIMEOUT_S = 0.2


def _operators(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("children", []):
        yield from _operators(child)


@pytest.mark.parametrize("hops", range(1, tracing.MAX_PATH_HOPS + 1))
def test_the_path_search_is_bounded_in_its_pattern(driver: Driver, hops: int) -> None:
    with driver.session() as session:
        plan = session.run("EXPLAIN " + q.SHORTEST_PATHS[hops]).consume().plan
    assert plan is not None
    operators = list(_operators(plan))
    names = [op["operatorType"].split("@")[0] for op in operators]
    # One breadth-first search between the two bound endpoints: no expansion of every path.
    assert not [n for n in names if "VarLength" in n or n.startswith(("ShortestPath", "AllShort"))]
    if hops == 1:  # one relationship from a bound node: nothing to bound further
        return
    (search,) = [op for op in operators if op["operatorType"].startswith("StatefulShortestPath")]
    details = search["args"]["Details"]
    # The hop limit is the pattern's bound; the hub test is evaluated while expanding.
    assert "{0, " + str(hops - 1) + "}" in details
    assert "n.hub" in details and "$degree_cap" in details


@pytest.fixture
def detour(repo: Repository) -> GraphBuilder:
    """A reaches B in two hops through the hub H, or through the busy M, and in three
    through X and Y."""
    g = GraphBuilder(repo)
    for key in ("A", "B", "X", "Y", "M", "M1", "M2"):
        g.org(key)
    g.org("H", "省国资平台", hub=True)
    for source, target in [("H", "A"), ("H", "B"), ("M", "A"), ("M", "B"), ("M", "M1")]:
        g.rel(source, "SHAREHOLDER_OF", target, ratio=0.3)
    g.rel("M", "SHAREHOLDER_OF", "M2", ratio=0.3)
    for source, target in [("X", "A"), ("X", "Y"), ("Y", "B")]:
        g.rel(source, "BRANCH_OF", target)
    return g


def test_paths_go_around_marked_and_busy_hubs(repo: Repository, detour: GraphBuilder) -> None:
    # M has four relationships: over a cap of 3 it is a hub, under 4 it is not.
    around = tracing.paths_between(repo, "A", "B", max_hops=4, degree_cap=3)
    through = tracing.paths_between(repo, "A", "B", max_hops=4, degree_cap=4)

    assert around is not None and through is not None
    assert [[n.key for n in p.nodes] for p in around] == [["A", "X", "Y", "B"]]
    assert [[n.key for n in p.nodes] for p in through] == [["A", "M", "B"]]


def test_the_hop_limit_is_exact(repo: Repository, detour: GraphBuilder) -> None:
    assert tracing.paths_between(repo, "A", "B", max_hops=2, degree_cap=3) == []
    assert tracing.paths_between(repo, "A", "X", max_hops=1, degree_cap=3) is not None
    direct = tracing.paths_between(repo, "A", "X", max_hops=1, degree_cap=3)
    assert direct is not None and [[n.key for n in p.nodes] for p in direct] == [["A", "X"]]


def _timed_repository(driver: Driver, settings: Settings) -> Repository:
    return Repository(
        driver,
        settings.neo4j_database,
        query_timeout_s=TINY_TIMEOUT_S,
        bulk_timeout_s=TINY_TIMEOUT_S,
    )


def test_every_kind_of_statement_is_stopped_at_its_timeout(
    driver: Driver, settings: Settings
) -> None:
    timed = _timed_repository(driver, settings)
    with pytest.raises(QueryTimedOut):
        timed.read(SLOW)
    with pytest.raises(QueryTimedOut):
        list(timed.stream(SLOW))
    with pytest.raises(QueryTimedOut):
        timed.write_returning(SLOW)


@pytest.fixture(scope="module")
def timed_url(services: Services) -> Iterator[str]:
    """The app on a repository with a tiny timeout, plus one route that runs a slow
    statement through it (no production route is slow on a test-sized graph)."""
    settings = services.settings.model_copy(update={"query_timeout_s": TINY_TIMEOUT_S})
    timed = _timed_repository(services.driver, settings)
    app: FastAPI = create_app(replace(services, settings=settings, repository=timed))

    @app.get("/slow")
    def slow() -> list[dict[str, Any]]:
        return timed.read(SLOW)

    with LiveServer(app, _free_port()) as live:
        yield live.url


def test_a_request_over_the_timeout_is_503_problem(timed_url: str) -> None:
    response = httpx.get(f"{timed_url}/slow", timeout=60)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert "time limit" in response.json()["detail"]
