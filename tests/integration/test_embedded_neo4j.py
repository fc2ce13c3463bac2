"""The embedded Neo4j is a real server: Bolt, Cypher, clean stop, clear refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.settings import Settings
from graph.store.embedded import server
from graph.store.repository import Repository
from tests.conftest import TEST_SECRETS, _free_port

pytestmark = pytest.mark.skipif(
    "NEO4J_URI" in os.environ, reason="the suite runs against an external server"
)


def test_it_is_a_real_neo4j_community_server(repo: Repository) -> None:
    row = repo.read_one("CALL dbms.components() YIELD name, versions, edition RETURN *")
    assert row is not None
    assert row["name"] == "Neo4j Kernel"
    assert row["edition"] == "community"
    assert row["versions"][0].startswith("5.26.")


def test_a_busy_port_fails_fast(settings: Settings, neo4j_server: str, tmp_path: Path) -> None:
    with pytest.raises(server.EmbeddedNeo4jError, match=f"port {settings.embedded_port}"):
        server.start(settings, port=settings.embedded_port, data_dir=tmp_path / "other")


def test_a_locked_data_dir_fails_fast(settings: Settings, neo4j_server: str) -> None:
    with pytest.raises(server.EmbeddedNeo4jError, match="is locked by the server"):
        server.start(settings, port=_free_port(), data_dir=settings.embedded_data_dir)


# The console script installed beside the interpreter running the suite.
CLI = str(Path(sys.executable).parent / "credit-graph")


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=300)


def _java_pids_on(data_dir: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-f", str(data_dir)], capture_output=True, text=True)
    return found.stdout.split()


def test_cli_start_schema_status_restart_stop_leaves_no_jvm(
    settings: Settings, tmp_path: Path
) -> None:
    port, data_dir = _free_port(), tmp_path / "cli-db"
    env = {
        **os.environ,
        "CREDIT_GRAPH_ENVIRONMENT": "test",
        "NEO4J_PASSWORD": TEST_SECRETS["neo4j_password"],
        "CREDIT_GRAPH_PID_KEY": TEST_SECRETS["pid_key"],
        "CREDIT_GRAPH_EMBEDDED_HEAP": "512m",
        "CREDIT_GRAPH_EMBEDDED_PAGECACHE": "64m",
        "CREDIT_GRAPH_CACHE_DIR": str(settings.cache_dir),
    }
    env.pop("NEO4J_URI", None)
    started = _cli("neo4j", "start", "--port", str(port), "--data-dir", str(data_dir), env=env)
    assert started.returncode == 0, started.stderr
    assert f"ready at bolt://127.0.0.1:{port}" in started.stdout
    try:
        with_uri = {**env, "NEO4J_URI": f"bolt://127.0.0.1:{port}"}
        for _ in range(2):
            applied = _cli("schema", "apply", env=with_uri)
            assert applied.returncode == 0, applied.stderr
            assert "schema version" in applied.stdout
        status = _cli("neo4j", "status", env=env)
        assert f"bolt://127.0.0.1:{port}" in status.stdout
        assert "answers" in status.stdout
        # A restart over the existing store keeps data and credentials working.
        assert _cli("neo4j", "stop", "--port", str(port), env=env).returncode == 0
        again = _cli("neo4j", "start", "--port", str(port), "--data-dir", str(data_dir), env=env)
        assert again.returncode == 0, again.stderr
        assert "schema version" in _cli("schema", "apply", env=with_uri).stdout
    finally:
        stopped = _cli("neo4j", "stop", "--port", str(port), env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert _java_pids_on(data_dir) == []
    assert f"bolt://127.0.0.1:{port}" not in _cli("neo4j", "status", env=env).stdout


# A child asking for the launcher the way `start` does, once the go file appears.
LAUNCHER_CHILD = """
import sys, time
from pathlib import Path
from graph.store.embedded import server
from graph.settings import Settings

go = Path(sys.argv[1])
settings = Settings()
while not go.exists():
    time.sleep(0.01)
print(server.compiled_launcher(settings, server.ensure_jars(settings)))
"""


def test_two_first_starts_compile_the_launcher_once_into_an_empty_cache(
    settings: Settings, tmp_path: Path
) -> None:
    # The jars already fetched for the suite stand in for Maven, so only javac races.
    cache = tmp_path / "cache"
    libs = server.lib_dir(settings.model_copy(update={"cache_dir": cache}))
    libs.parent.mkdir(parents=True)
    libs.symlink_to(server.ensure_jars(settings))
    env = {**os.environ, "CREDIT_GRAPH_CACHE_DIR": str(cache), "NEO4J_PASSWORD": "unused"}
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", LAUNCHER_CHILD, str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    outcomes = [child.communicate(timeout=120) for child in children]

    for child, (_, err) in zip(children, outcomes, strict=True):
        assert child.returncode == 0, err
    (first, _), (second, _) = outcomes
    classes = Path(first.strip())
    assert second.strip() == str(classes)
    # Nothing half-built is left beside it.
    assert sorted(p.name for p in libs.parent.iterdir()) == sorted(
        ["lib", classes.name, classes.name + ".lock"]
    )
    # The class loads: javap reads it whole, against the same jars the server runs with.
    javap = subprocess.run(
        ["javap", "-cp", f"{libs}/*:{classes}", "Launcher"], capture_output=True, text=True
    )
    assert javap.returncode == 0, javap.stderr
    assert "public static void main" in javap.stdout
