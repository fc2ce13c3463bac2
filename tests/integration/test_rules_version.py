"""Flags derived under other rules than the served ones: reported by /readyz and by
`credit-graph propagate --check`, found by index seeks, over a real Neo4j."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result
from neo4j import Driver

from api.cli import main
from graph.propagation.recompute import full_recompute
from graph.propagation.rules import DEFAULT_RULES_PATH, RulesFileError
from graph.propagation.runs import other_flag_rules_versions
from graph.services import Services, open_services
from graph.settings import Settings
from graph.store.queries import propagation as q
from graph.store.repository import Repository
from tests.conftest import WIPE_TEST_DATA, _free_port
from tests.utils.factories import GraphBuilder

AS_OF = date(2026, 6, 1)
OLD = "2020.1"


@pytest.fixture
def flagged(repo: Repository) -> Iterator[Repository]:
    """A graph in which one record reaches a legal representative; wiped afterwards, since
    stale flags left behind would make the session's /readyz answer 503 for later tests."""
    g = GraphBuilder(repo)
    g.org("A")
    g.rel(g.person("rep"), "LEGAL_REP_OF", "A")
    g.record("A", "rec")
    yield repo
    repo.run_ddl(WIPE_TEST_DATA)


def propagate_under(repo: Repository, services: Services, version: str) -> None:
    full_recompute(repo, services.rules.model_copy(update={"version": version}), AS_OF)


def cli_environment(settings: Settings) -> dict[str, str]:
    return {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "CREDIT_GRAPH_ENVIRONMENT": settings.environment,
        "CREDIT_GRAPH_PID_KEY": settings.pid_key.get_secret_value(),
    }


def cli(settings: Settings, *args: str, **env: str) -> Result:
    """`credit-graph` in this process, configured through the environment as a shell would."""
    return CliRunner().invoke(main, list(args), env={**cli_environment(settings), **env})


def newer_rules(directory: Path, version: str) -> Path:
    """The shipped rules under another version, as a rules change would bring."""
    raw = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    path = directory / "rules.yaml"
    path.write_text(yaml.safe_dump({**raw, "version": version}), encoding="utf-8")
    return path


def run_count(repo: Repository) -> int:
    row = repo.read_one("MATCH (run:PropagationRun) RETURN count(run) AS runs")
    assert row is not None
    return int(row["runs"])


def test_readyz_names_both_versions_until_a_full_run(
    http: httpx.Client, flagged: Repository, services: Services
) -> None:
    served = services.rules.version
    propagate_under(flagged, services, OLD)
    stale = http.get("/readyz")
    assert stale.status_code == 503
    assert "Retry-After" in stale.headers
    body = stale.json()
    assert body["rules_version"] == served and body["flags_rules_versions"] == [OLD]
    assert OLD in body["detail"] and served in body["detail"]
    assert "credit-graph propagate --full" in body["detail"]

    full_recompute(flagged, services.rules, AS_OF)
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["rules_version"] == served


def test_mixed_versions_are_stale_in_either_direction(
    flagged: Repository, services: Services
) -> None:
    served = services.rules.version
    assert other_flag_rules_versions(flagged, served) == []  # no flags yet: nothing disagrees
    propagate_under(flagged, services, "9999.1")
    GraphBuilder(flagged).flag("A", "rec", [], rules_version=OLD)  # a flag of its own record
    assert other_flag_rules_versions(flagged, served) == [OLD, "9999.1"]


def test_propagate_check_fails_when_stale_and_passes_after_a_full_run(
    settings: Settings, flagged: Repository, services: Services
) -> None:
    propagate_under(flagged, services, OLD)
    runs = run_count(flagged)

    stale = cli(settings, "propagate", "--check")
    assert stale.exit_code == 1
    assert OLD in stale.output and services.rules.version in stale.output
    assert "propagate --full" in stale.output
    assert run_count(flagged) == runs  # a check writes nothing

    full = cli(settings, "propagate", "--full", "--as-of", AS_OF.isoformat())
    assert full.exit_code == 0, full.output
    current = cli(settings, "propagate", "--check")
    assert current.exit_code == 0, current.output
    assert f"current with rules {services.rules.version}" in current.output


def test_the_rules_come_from_settings(
    settings: Settings, flagged: Repository, tmp_path: Path
) -> None:
    # A new rules file configured, the graph not yet propagated under it: stale.
    newer = newer_rules(tmp_path, "2099.1")
    configured = {"CREDIT_GRAPH_RULES_PATH": str(newer)}
    assert cli(settings, "propagate", "--full", "--as-of", AS_OF.isoformat()).exit_code == 0

    stale = cli(settings, "propagate", "--check", **configured)
    assert stale.exit_code == 1 and "2099.1" in stale.output

    assert cli(settings, "propagate", "--as-of", AS_OF.isoformat(), **configured).exit_code == 0
    assert cli(settings, "propagate", "--check", **configured).exit_code == 0
    assert other_flag_rules_versions(flagged, "2099.1") == []
    # `--rules` is gone: a second source of rules is what let flags and the API disagree.
    assert cli(settings, "propagate", "--rules", str(newer)).exit_code == 2


def test_serve_serves_the_configured_rules(
    settings: Settings, flagged: Repository, services: Services, tmp_path: Path
) -> None:
    # The real process: `credit-graph serve` builds its services from the environment.
    full_recompute(flagged, services.rules, AS_OF)
    newer = newer_rules(tmp_path, "2099.1")
    port = _free_port()
    environment = {
        **os.environ,
        **cli_environment(settings),
        "CREDIT_GRAPH_RULES_PATH": str(newer),
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=environment, stdout=DEVNULL, stderr=DEVNULL)
    try:
        ready = _readyz(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert ready.status_code == 503
    assert ready.json()["rules_version"] == "2099.1"
    assert ready.json()["flags_rules_versions"] == [services.rules.version]


def _readyz(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "credit-graph serve exited"
        try:
            return httpx.get(f"{url}/readyz", timeout=10)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("credit-graph serve did not answer within 60 s")


def test_a_broken_rules_file_is_refused_before_connecting(
    settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "rules.yaml"
    broken.write_text("version: [", encoding="utf-8")
    nowhere = settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{_free_port()}"})
    with pytest.raises(RulesFileError):
        open_services(nowhere.model_copy(update={"rules_path": broken}))
    result = cli(nowhere, "propagate", "--check", CREDIT_GRAPH_RULES_PATH=str(broken))
    assert result.exit_code == 1 and "cannot read rules" in result.output


def test_check_refuses_a_graph_of_another_schema_version(
    settings: Settings, flagged: Repository
) -> None:
    flagged.write("MATCH (m:SchemaMeta {id: 'schema'}) SET m.version = m.version - 1")
    try:
        result = cli(settings, "propagate", "--check")
    finally:
        flagged.write("MATCH (m:SchemaMeta {id: 'schema'}) SET m.version = m.version + 1")
    assert result.exit_code == 1 and "credit-graph schema apply" in result.output


def _operators(plan: dict[str, Any]) -> Iterator[str]:
    yield plan["operatorType"]
    for child in plan.get("children", []):
        yield from _operators(child)


def test_the_check_is_two_index_seeks_never_a_scan(driver: Driver, settings: Settings) -> None:
    # What keeps /readyz cheap on a 10^7-subject graph: the plan, not a timing.
    with driver.session(database=settings.neo4j_database) as session:
        summary = session.run("EXPLAIN " + q.OTHER_FLAG_RULES_VERSIONS, rules_version="x").consume()
    assert summary.plan is not None
    operators = list(_operators(summary.plan))
    seeks = [op for op in operators if "RelationshipIndexSeekByRange" in op]
    assert len(seeks) == 2, operators
    assert not [op for op in operators if "Scan" in op], operators
