"""Cross-border subjects: the four provinces generated with one shared seed know the same
firms (USCC) and persons (ID number), and the rest of each province is its own."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from graph.identifiers import validate_id_number, validate_uscc
from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Invalid, validate
from loaders.synthetic import generate_province

SHARED_SEED = 2026
SHARED = 16  # eight pairs: every province registers four
PROVINCES = ("31", "32", "33", "34")


def read(out: Path, kind: str) -> list[dict[str, str]]:
    with (out / f"{kind}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def rows_after(out: Path, kind: str, own: int) -> list[dict[str, str]]:
    """The rows of ``kind`` that follow the province's own ``own`` rows: the shared block."""
    return read(out, kind)[own:]


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, int]]]:
    """Each province with its own seed and size, and the block of one shared seed."""
    generated = {}
    for n, code in enumerate(PROVINCES):
        out = tmp_path_factory.mktemp(f"province{code}")
        alone = generate_province(out / "alone", 120 + 10 * n, seed=n, province=code)
        counts = generate_province(
            out / "shared", 120 + 10 * n, seed=n, province=code,
            shared_seed=SHARED_SEED, shared_orgs=SHARED,
        )  # fmt: skip
        generated[code] = (out, alone)
        assert counts["organizations"] == alone["organizations"] + SHARED
    return generated


def shared_block(generated: tuple[Path, dict[str, int]], kind: str) -> list[dict[str, str]]:
    out, alone = generated
    return rows_after(out / "shared", kind, alone[kind])


def test_without_a_shared_seed_nothing_changes(
    four: dict[str, tuple[Path, dict[str, int]]],
) -> None:
    for out, alone in four.values():
        for kind, rows in alone.items():
            assert read(out / "shared", kind)[:rows] == read(out / "alone", kind), kind


def test_the_shared_block_is_identical_in_all_four(
    four: dict[str, tuple[Path, dict[str, int]]],
) -> None:
    for kind in ("organizations", "persons", "legal_reps", "shareholdings"):
        blocks = [shared_block(four[code], kind) for code in PROVINCES]
        assert blocks[0], kind
        assert all(block == blocks[0] for block in blocks), kind
    assert all(not shared_block(four[code], "records") for code in PROVINCES)
    assert all(not shared_block(four[code], "departments") for code in PROVINCES)


def test_shared_subjects_are_valid_and_registered_in_every_province(
    four: dict[str, tuple[Path, dict[str, int]]],
) -> None:
    orgs = shared_block(four["32"], "organizations")
    persons = shared_block(four["32"], "persons")
    assert len(orgs) == SHARED
    assert all(validate_uscc(row["uscc"]) for row in orgs)
    assert all(validate_id_number(row["id_number"]) for row in persons)
    assert Counter(row["region_code"][:2] for row in orgs) == dict.fromkeys(PROVINCES, SHARED // 4)
    # No own subject of a province is one of the block's.
    for code in PROVINCES:
        own = read(four[code][0] / "alone", "organizations")
        assert not {row["uscc"] for row in own} & {row["uscc"] for row in orgs}


def test_one_person_represents_firms_on_both_sides_of_a_border(
    four: dict[str, tuple[Path, dict[str, int]]],
) -> None:
    orgs = {row["uscc"]: row for row in shared_block(four["33"], "organizations")}
    provinces_of: dict[str, set[str]] = {}
    for rep in shared_block(four["33"], "legal_reps"):
        provinces_of.setdefault(rep["id_number"], set()).add(orgs[rep["uscc"]]["region_code"][:2])
    assert {"32", "33"} in provinces_of.values()  # a Zhejiang firm's rep runs a Jiangsu firm
    assert all(len(provinces) == 2 for provinces in provinces_of.values())


def test_the_shared_rows_pass_the_loaders_validation(
    four: dict[str, tuple[Path, dict[str, int]]],
) -> None:
    context = Context(pid_key=b"test", province="32", today=date(2026, 11, 1))
    for kind in ("organizations", "persons", "legal_reps", "shareholdings"):
        for row in shared_block(four["34"], kind):
            assert not isinstance(
                validate(Kind(kind), {k: v or None for k, v in row.items()}, context), Invalid
            ), (kind, row)


def test_the_cli_generates_a_partner_province_with_the_shared_block(tmp_path: Path) -> None:
    args = ["generate", "--orgs", "50", "--out", str(tmp_path / "zj"), "--province", "33"]
    result = CliRunner().invoke(main, [*args, "--shared-seed", "9", "--shared-orgs", "8"])
    assert result.exit_code == 0, result.output
    orgs = read(tmp_path / "zj", "organizations")
    assert len(orgs) == 58
    assert Counter(row["region_code"][:2] for row in orgs).most_common(1)[0][0] == "33"


def test_a_negative_block_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="shared_orgs"):
        generate_province(tmp_path, 10, seed=1, shared_seed=1, shared_orgs=-1)
