"""The load report: which files lost rows and why, when a load fails, and columns that stay
in line whatever the width of a department's name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph.ingest.layouts import Kind
from loaders.load_report import FileRejections, LoadReport, fit, width
from tests.utils.canonical import id_number


def report() -> LoadReport:
    r = LoadReport("b1", "js-amr", datetime(2026, 1, 2, tzinfo=UTC))
    ok = r.file_rejections("organizations.csv", Kind.ORGANIZATIONS)
    ok.read, ok.rejected = 10, 1
    ok.reasons.update({("uscc", "check_char_18"): 1})
    lost = r.file_rejections(f"persons-{id_number(3)}.csv", Kind.PERSONS)
    lost.read, lost.rejected = 4, 4
    lost.reasons.update({("id_number", "check_char_18"): 3, ("name", "missing"): 2,
                         ("region_code", "region"): 1, ("persons", "other"): 1})  # fmt: skip
    return r


@pytest.mark.parametrize(
    ("read", "rejected", "share", "over"),
    [(4, 4, None, True), (4, 3, None, False), (0, 0, None, False),
     (10, 1, 0.1, False), (10, 2, 0.1, True), (10, 0, 0.0, False), (10, 1, 0.0, True)],
)  # fmt: skip
def test_a_file_fails_past_the_share_it_may_lose(
    read: int, rejected: int, share: float | None, over: bool
) -> None:
    assert FileRejections(read, rejected).over(share) is over


def test_over_limit_names_the_file_and_its_top_reasons_without_an_id_number() -> None:
    failed = report().over_limit()
    assert len(failed) == 1
    assert (
        "(persons): 4 of 4 rows rejected (id_number check_char_18 ×3, name missing ×2, "
        in (failed[0])
    )
    assert "persons other" not in failed[0]  # only the top three
    assert id_number(3) not in failed[0]
    assert [f.split(" (")[0] for f in report().over_limit(0.05)] == [
        "organizations.csv", failed[0].split(" (")[0],
    ]  # fmt: skip


def test_render_lists_rejections_by_file_and_keeps_columns_in_line() -> None:
    r = report()
    r.file_rejections("departments.csv", Kind.DEPARTMENTS).left_out = 5
    long_name = "江苏省市场监督管理局（知识产权局）信用监督管理处数据归集科" * 2
    for department in ("js-amr", long_name):
        tally = r.tally(department, Kind.RECORDS)
        tally.rows = tally.accepted = 3
        tally.required_cells = tally.present_cells = 9
    text = r.render()
    assert "  organizations.csv (organizations): 1 of 10 (10.0%); uscc check_char_18 ×1" in text
    assert "  departments.csv (departments): 0 of 0; 5 rows left out by `where`" in text
    assert id_number(3) not in text
    lines = text.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("department")))
    table = lines[header : header + 3]
    assert len({width(line) for line in table}) == 1, table
    assert "…" in table[2] and long_name not in text


def test_fit_pads_and_cuts_by_display_width() -> None:
    assert fit("abc", 6) == "abc   "
    assert fit("市场监管", 10) == "市场监管  "
    assert width(fit("市场监督管理局", 10)) == 10
    assert fit("市场监督管理局", 10) == "市场监督… "
