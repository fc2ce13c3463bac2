"""The professionals page's builders."""

from __future__ import annotations

from dashboards.figures import professionals as figures
from graph.model import Person
from graph.reads.professionals import FlaggedPractitioner, OccupationCount


def _count(code: str, holders: int, sanctioned: int = 0, flagged: int = 0) -> OccupationCount:
    return OccupationCount(
        code=code, name=code.upper(), holders=holders, sanctions=sanctioned, sanctioned=sanctioned,
        honours=0, flagged=flagged,
    )  # fmt: skip


def test_occupations_are_ordered_by_holders_with_three_series() -> None:
    figure = figures.occupations_figure([_count("cpa", 5, 1), _count("lawyer", 9, 0, 2)], "en")
    assert [trace.name for trace in figure.data] == ["holders", "sanctioned", "flagged"]
    holders, sanctioned, flagged = figure.data
    assert list(holders.y) == ["CPA", "LAWYER"]  # drawn bottom up: the largest on top
    assert (list(holders.x), list(sanctioned.x), list(flagged.x)) == ([5, 9], [1, 0], [0, 2])


def test_practitioner_rows_show_the_person_as_given_and_terms_in_the_language() -> None:
    practitioner = FlaggedPractitioner(
        person=Person(pid="person~07d8af1f95ccb440", name="自然人 (person)"),
        occupation="cpa",
        record_id="R1",
        list="black",
        level="severe",
        category="tax",
        rule="R1",
        kind="extended",
        score=0.6,
        practises_at=["甲公司", "乙公司"],
    )
    (row,) = figures.practitioner_rows([practitioner], "zh")
    assert row["person"] == "person~07d8af1f95ccb440"
    assert row["name"] == "自然人 (person)" and row["id_masked"] is None
    assert (row["list"], row["level"], row["category"]) == ("黑名单", "严重", "税务")
    assert row["practises_at"] == "甲公司、乙公司"
