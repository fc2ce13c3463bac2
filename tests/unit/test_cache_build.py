"""A cache entry of the embedded Neo4j is built once, however many processes ask at once.

Two real processes race on an empty cache directory; the build is a slow Python function
rather than Maven or javac, so the race is wide and the test needs neither.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graph.store.embedded.server import _build_once

# Each child waits for the go file, so both ask for the entry at the same moment; its build
# logs itself and sleeps, so the other child arrives mid-build.
CHILD = """
import sys, time
from pathlib import Path
from graph.store.embedded.server import _build_once

cache, log, go = (Path(arg) for arg in sys.argv[1:4])
while not go.exists():
    time.sleep(0.01)

def build(staging):
    with log.open("a") as f:
        f.write(f"{staging.name}\\n")
    time.sleep(1.0)
    (staging / "payload").write_text("whole")
    (staging / "done").touch()

print(_build_once(cache / "entry", "done", build))
"""


def test_two_first_starts_build_once_and_both_find_the_entry(tmp_path: Path) -> None:
    cache, log, go = tmp_path / "cache", tmp_path / "builds.log", tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(cache), str(log), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    outcomes = [child.communicate(timeout=60) for child in children]

    for child, (out, err) in zip(children, outcomes, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == str(cache / "entry")
    assert len(log.read_text().splitlines()) == 1
    assert (cache / "entry" / "payload").read_text() == "whole"
    assert sorted(p.name for p in cache.iterdir()) == ["entry", "entry.lock"]


def test_a_failed_build_leaves_nothing_and_the_next_one_builds(tmp_path: Path) -> None:
    def failing(staging: Path) -> None:
        (staging / "half").touch()
        raise RuntimeError("network down")

    def working(staging: Path) -> None:
        (staging / "done").touch()

    with pytest.raises(RuntimeError, match="network down"):
        _build_once(tmp_path / "entry", "done", failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.lock"]
    assert _build_once(tmp_path / "entry", "done", working) == tmp_path / "entry"
    assert (tmp_path / "entry" / "done").exists()
