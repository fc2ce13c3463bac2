"""The firm `credit-graph demo` offers to try has what the README's calls show."""

from __future__ import annotations

import csv
from pathlib import Path

from api.cli import _firm_to_try
from loaders.synthetic import generate_province


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_firm_to_try_has_an_active_black_record_and_a_legal_rep(tmp_path: Path) -> None:
    generate_province(tmp_path, orgs=200, seed=1)

    uscc = _firm_to_try(tmp_path)

    assert uscc is not None
    assert any(
        r["subject_uscc"] == uscc and r["list"] == "black" and r["status"] == "active"
        for r in _rows(tmp_path / "records.csv")
    )
    assert any(r["uscc"] == uscc and not r["until"] for r in _rows(tmp_path / "legal_reps.csv"))
    # The showcase's sanctioned firm also holds a branch: a network to trace.
    assert any(r["head_uscc"] == uscc for r in _rows(tmp_path / "branches.csv"))
