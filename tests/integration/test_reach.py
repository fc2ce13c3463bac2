"""Reach is visible: every run stores how far it reached, and a rules or data change that
multiplies it is a warning in `credit-graph propagate` and /readyz — over a real Neo4j, real
HTTP and the real command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import Result
from neo4j import Driver

from graph.propagation.recompute import full_recompute, incremental_recompute
from graph.propagation.rules import DEFAULT_RULES_PATH
from graph.propagation.runs import find_run, latest_completed_runs
from graph.services import Services
from graph.settings import Settings
from graph.store.queries import propagation as q
from graph.store.repository import Repository
from tests.conftest import WIPE_TEST_DATA
from tests.integration.test_rules_version import cli
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


def carol_represents_five_more_firms(g: GraphBuilder) -> None:
    """A data change: R2 now reaches D1..D5 from carol, so C reaches six where it reached one
    and the graph nine where it reached four (2 → 4.5 per sanctioned subject, ×2.25)."""
    for n in range(1, 6):
        g.rel(pid("carol"), "LEGAL_REP_OF", g.org(f"D{n}"))


def a_has_five_directors(g: GraphBuilder) -> None:
    for n in range(1, 6):
        g.rel(g.person(f"director {n}"), "OFFICER_OF", "A", role="director")


def rules_reaching_directors(directory: Path) -> Path:
    """The shipped rules, with R1 also reaching a unit's directors: a rules change."""
    raw = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    [r1] = [rule for rule in raw["rules"] if rule["id"] == "R1"]
    [officers] = [step for step in r1["steps"] if step["rel"] == "OFFICER_OF"]
    officers["roles"].append("director")
    path = directory / "rules.yaml"
    path.write_text(yaml.safe_dump({**raw, "version": "2099.1"}), encoding="utf-8")
    return path


def propagate(settings: Settings, **env: str) -> Result:
    result = cli(settings, "propagate", "--full", "--as-of", AS_OF.isoformat(), **env)
    assert result.exit_code == 0, result.output  # a warning never fails the command
    return result


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


def test_a_normal_rerun_warns_of_nothing(
    firms: GraphBuilder, settings: Settings, http: httpx.Client
) -> None:
    propagate(settings)
    rerun = propagate(settings)
    assert "WARNING" not in rerun.output
    assert "all flags" in rerun.output and "2 (4/2) → 2 (4/2)" in rerun.output
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["warnings"] == []


def test_a_data_change_that_more_than_doubles_reach_warns(
    firms: GraphBuilder, settings: Settings, http: httpx.Client
) -> None:
    propagate(settings)
    carol_represents_five_more_firms(firms)
    widened = propagate(settings)
    assert "WARNING: reach of all flags multiplied by 2.25 (more than 2)" in widened.output
    assert "WARNING: reach of rule R2 multiplied by 3.00" in widened.output
    assert "WARNING: reach of kind associated multiplied by 3.00" in widened.output
    assert "reach of rule R1" not in widened.output  # R1 reaches as far as before
    assert "2 (4/2) → 4.5 (9/2)" in widened.output

    # Ready, with the warning: the flags are what the served rules derive.
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    [total, r2, associated] = ready.json()["warnings"]
    assert total.startswith("full run ") and "reach of all flags multiplied by 2.25" in total
    assert "rule R2" in r2 and "kind associated" in associated

    # The next run compares with the widened flags: nothing new to warn of.
    assert "WARNING" not in propagate(settings).output
    assert http.get("/readyz").json()["warnings"] == []


def test_an_incremental_run_compares_its_records_with_their_reach_before(
    firms: GraphBuilder, services: Services, settings: Settings, http: httpx.Client
) -> None:
    full_recompute(firms.repo, services.rules, AS_OF)
    carol_represents_five_more_firms(firms)
    summary = incremental_recompute(firms.repo, services.rules, AS_OF, ["rC"])
    # Only rC: C reached carol; now carol and D1..D5.
    assert summary.reach_before.total.model_dump() == {"sanctioned": 1, "flagged": 1, "ratio": 1.0}
    assert summary.reach.total.model_dump() == {"sanctioned": 1, "flagged": 6, "ratio": 6.0}
    assert summary.reach.by_rule["R2"].model_dump() == {"sanctioned": 1, "flagged": 5, "ratio": 5.0}
    assert "R2" not in summary.reach_before.by_rule  # C reached no one through R2 before

    [full, incremental] = latest_completed_runs(firms.repo)
    assert (full.mode, incremental.run_id) == ("full", summary.run_id)
    assert full.reach_warnings(settings.reach_warning_factor) == []
    [warning] = incremental.reach_warnings(settings.reach_warning_factor)
    assert "all flags multiplied by 6.00" in warning
    [shown] = http.get("/readyz").json()["warnings"]
    assert shown.startswith(f"incremental run {summary.run_id}") and warning in shown


def test_a_rules_change_that_more_than_doubles_reach_warns(
    firms: GraphBuilder, settings: Settings, tmp_path: Path
) -> None:
    a_has_five_directors(firms)
    wider = {"CREDIT_GRAPH_RULES_PATH": str(rules_reaching_directors(tmp_path))}
    assert "WARNING" not in propagate(settings).output

    # R1 now reaches A's five directors: 4 → 9 flagged, ×2.25 in all, R1 1.5 → 4 (×2.67).
    tolerant = propagate(settings, CREDIT_GRAPH_REACH_WARNING_FACTOR="3", **wider)
    assert "WARNING" not in tolerant.output  # the factor is a setting
    assert "2 (4/2) → 4.5 (9/2)" in tolerant.output
    assert "WARNING" not in propagate(settings).output  # back to the shipped rules: narrower

    widened = propagate(settings, **wider)
    assert "WARNING: reach of all flags multiplied by 2.25 (more than 2)" in widened.output
    assert "WARNING: reach of rule R1 multiplied by 2.67" in widened.output
    assert "WARNING: reach of kind extended multiplied by 2.67" in widened.output
    assert "check the rules and the data" in widened.output
    assert "WARNING" not in propagate(settings, **wider).output


def test_readyz_reads_the_latest_run_by_index(driver: Driver, settings: Settings) -> None:
    # What keeps /readyz cheap however many runs there were: the plan, not a timing.
    with driver.session(database=settings.neo4j_database) as session:
        summary = session.run("EXPLAIN " + q.LATEST_COMPLETED_RUN, mode="full").consume()
    assert summary.plan is not None
    operators = list(_operators(summary.plan))
    assert [op for op in operators if "NodeIndexSeek" in op], operators
    assert not [op for op in operators if "Scan" in op or op.startswith("Sort")], operators


def _operators(plan: dict[str, Any]) -> Iterator[str]:
    yield plan["operatorType"]
    for child in plan.get("children", []):
        yield from _operators(child)
