"""The flag path diagram of the credit report: pure SVG, escaped, laid out as the path runs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from graph.model import PathStep
from graph.review.credit_report import (
    CreditReport,
    ReportFlag,
    ReportRecord,
    ReportSources,
    render_html,
)
from graph.review.path_diagram import path_svg

SVG = ""  # inline in HTML: no namespace declared
ORG = "91320214745555318W"
PARENT = "91320200MA1XYZ0001"
PID = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

R1_THEN_R2 = [
    PathStep(source=PARENT, rel="LEGAL_REP_OF", direction="in", target=PID, rule="R1"),
    PathStep(source=PID, rel="OFFICER_OF", direction="out", target=ORG, rule="R2"),
]
NAMES = {PARENT: "无锡示例集团有限公司", PID: "王五", ORG: "无锡示例机械有限公司"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_one_box_per_subject_in_path_order_with_names() -> None:
    root = _parse(path_svg(R1_THEN_R2, NAMES))
    boxes = root.findall(f"{SVG}g")
    subjects = [g for g in boxes if g.get("class") in ("organization", "person")]
    assert [g.findtext(f"{SVG}title") for g in subjects] == [NAMES[PARENT], "王五", NAMES[ORG]]
    assert [g.get("class") for g in subjects] == ["organization", "person", "organization"]
    xs = [float(g.find(f"{SVG}rect").get("x", "")) for g in subjects]  # type: ignore[union-attr]
    assert xs == sorted(xs)


def test_record_subject_and_flagged_subject_are_marked() -> None:
    root = _parse(path_svg(R1_THEN_R2, NAMES))
    rects = [g.find(f"{SVG}rect") for g in root.findall(f"{SVG}g") if g.get("class") != "link"]
    strokes = [r.get("stroke-width") for r in rects if r is not None]
    assert strokes == ["2", "1", "2.5"]


def test_arrowheads_follow_the_relationship_direction() -> None:
    root = _parse(path_svg(R1_THEN_R2, NAMES))
    links = [g for g in root.findall(f"{SVG}g") if g.get("class") == "link"]
    assert [t.text for g in links for t in g.findall(f"{SVG}text")] == [
        "法定代表人 legal…",
        "R1",
        "任职 officer",
        "R2",
    ]
    tips = []
    for g in links:
        line = g.find(f"{SVG}line")
        polygon = g.find(f"{SVG}polygon")
        assert line is not None and polygon is not None
        tip_x = float(polygon.get("points", "").split()[0].split(",")[0])
        tips.append("right" if tip_x == float(line.get("x2", "")) else "left")
    # LEGAL_REP_OF "in": the person represents the parent, the arrow points back at it.
    assert tips == ["left", "right"]


def test_text_is_escaped_and_long_names_cut() -> None:
    long_name = "<script>" + "很长的公司名称" * 5
    svg = path_svg(R1_THEN_R2, {**NAMES, ORG: long_name})
    assert "<script>" not in svg
    root = _parse(svg)
    last = [g for g in root.findall(f"{SVG}g") if g.get("class") == "organization"][-1]
    lines = [t.text or "" for t in last.iter(f"{SVG}tspan")]
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert last.findtext(f"{SVG}title") == long_name  # the full name on hover


def test_unknown_names_fall_back_to_keys_and_the_output_is_deterministic() -> None:
    assert path_svg(R1_THEN_R2, {}) == path_svg(R1_THEN_R2, {})
    assert ORG in path_svg(R1_THEN_R2, {})


def test_a_caller_showing_aliases_says_who_is_a_person() -> None:
    step = PathStep(source=ORG, rel="LEGAL_REP_OF", direction="in", target="person~ab", rule="R1")
    root = _parse(path_svg([step], {}, is_person=lambda key: key.startswith("person~")))
    assert [g.get("class") for g in root.findall(f"{SVG}g")][:2] == ["organization", "person"]


def test_a_standalone_diagram_declares_its_namespace() -> None:
    root = ET.fromstring(path_svg(R1_THEN_R2, NAMES, standalone=True))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_empty_path_draws_nothing() -> None:
    assert path_svg([], NAMES) == ""


def test_the_printable_report_embeds_the_diagram_of_each_flag() -> None:
    record = ReportRecord(
        record_id="JS-FY-2026-1",
        list="black",
        level="severe",
        status="active",
        decided_on=date(2026, 1, 10),
        active=True,
    )
    flag = ReportFlag(
        record_id=record.record_id,
        record_subject=PARENT,
        rule="R2",
        kind="associated",
        score=0.6,
        hops=2,
        path=R1_THEN_R2,
        basis="R2 basis",
        rules_version="2025.1",
        computed_at="2026-05-01T00:00:00Z",
        record=record,
        counts=True,
    )
    report = CreditReport(
        key=ORG,
        label="Organization",
        name=NAMES[ORG],
        as_of=date(2026, 5, 1),
        generated_at=datetime(2026, 5, 1, tzinfo=UTC),
        records=[],
        flags=[flag],
        honours=[],
        sources=ReportSources(departments=[], provinces=[]),
        names=NAMES,
    )
    html = render_html(report)
    assert html.count('<svg class="path-diagram"') == 1
    assert "http://" not in html  # inline SVG names no namespace: the report stays offline
    assert "&lt;svg" not in html  # embedded as markup, not escaped as text
    assert "<li>" in html  # the textual path stays beside the drawing
