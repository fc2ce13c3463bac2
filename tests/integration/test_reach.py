"""Reach is visible: every run stores how far it reached, and a rules or data change that
multiplies it is a warning in `credit-graph propagate` and /readyz — over a real Neo4j, real
HTTP and the real command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from graph.propagation.recompute import full_recompute
from graph.propagation.runs import find_run
from graph.services import Services
from graph.store.repository import Repository
from tests.conftest import WIPE_TEST_DATA
from tests.utils.factories import GraphBuilder, pid

KeyMaker = Callable[[str], dict[str, str]]
AS_OF = date(2026, 6, 1)

# The hand-built graph's reach under the shipped rules: records on A and C; A reaches its
# legal representative alice and chairman bob (R1) and, through alice, B (R2); C reaches
# carol (R1). Two sanctioned subjects, four flagged.
TOTAL = {"sanctioned": 2, "flagged": 4, "ratio": 2.0}
BY_RULE = {
    "R1": {"sanctioned": 2, "flagged": 3, "ratio": 1.5},
    "R2": {"sanctioned": 1, "flagged": 1, "ratio": 1.0},
}
BY_KIND = {"extended": BY_RULE["R1"], "associated": BY_RULE["R2"]}


@pytest.fixture
def firms(repo: Repository) -> Iterator[GraphBuilder]:
    """Wiped afterwards too: runs with warnings, or flags under other rules, left behind
    would change what /readyz answers in later tests."""
    g = GraphBuilder(repo)
    for org in ("A", "B", "C"):
        g.org(org)
    g.rel(g.person("alice"), "LEGAL_REP_OF", "A")
    g.rel(pid("alice"), "LEGAL_REP_OF", "B")
    g.rel(g.person("bob"), "OFFICER_OF", "A", role="chairman")
    g.rel(g.person("carol"), "LEGAL_REP_OF", "C")
    g.record("A", "rA")
    g.record("C", "rC")
    yield g
    repo.run_ddl(WIPE_TEST_DATA)


def stored_reach(repo: Repository, run_id: str) -> dict[str, Any]:
    row = repo.read_one(
        "MATCH (run:PropagationRun {run_id: $run_id}) RETURN run.reach AS reach",
        run_id=run_id,
    )
    assert row is not None
    return dict(json.loads(row["reach"]))


def test_a_run_stores_its_reach_by_rule_and_kind(
    firms: GraphBuilder, services: Services, http: httpx.Client, make_key: KeyMaker
) -> None:
    summary = full_recompute(firms.repo, services.rules, AS_OF)
    assert summary.reach.model_dump() == {"total": TOTAL, "by_rule": BY_RULE, "by_kind": BY_KIND}
    # On the node as JSON text (properties cannot hold maps), read back as the typed model.
    assert stored_reach(firms.repo, summary.run_id)["total"] == TOTAL
    run = find_run(firms.repo, summary.run_id)
    assert run is not None and run.reach == summary.reach
    assert run.reach_before is not None and run.reach_before.total.flagged == 0  # first run

    [listed] = http.get("/api/v1/propagation/runs", headers=make_key("regulator")).json()
    assert listed["run_id"] == summary.run_id and listed["flags"] == 4  # fields as before
    assert listed["reach"] == {"total": TOTAL, "by_rule": BY_RULE, "by_kind": BY_KIND}
    assert listed["reach_before"]["total"] == {"sanctioned": 0, "flagged": 0, "ratio": 0.0}
