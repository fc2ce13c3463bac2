"""The credit review page's pure builders: keys in (pasted, CSV, XLSX), rows and diagrams out."""

from __future__ import annotations

import base64
import io
from datetime import date

import pytest
from openpyxl import Workbook

from dashboards.figures.review import (
    decision_rows,
    parse_keys,
    pasted_entries,
    path_diagram_src,
    reason_rows,
    uploaded_entries,
)
from graph.identifiers import make_id_number
from graph.model import PathStep
from graph.review.credit_review import MAX_SUBJECTS, ReviewReason, ReviewResult, SubjectReview

USCC = "91320214745555318W"
PID = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _upload(data: bytes, media: str = "text/csv") -> str:
    return f"data:{media};base64," + base64.b64encode(data).decode()


def test_pasted_keys_split_on_any_separator_with_line_numbers() -> None:
    text = f"{USCC}, {PID}\n\n s:abc ；x:org-1"
    assert pasted_entries(text) == [(1, USCC), (1, PID), (3, "s:abc"), (3, "x:org-1")]


def test_keys_are_checked_deduplicated_and_problems_named_by_line() -> None:
    parsed = parse_keys([(1, USCC), (2, "91320214745555318X"), (3, USCC), (4, "<b>")])
    assert parsed.keys == [USCC]
    # The scrubber masks an 18-character code that could be an ID number; the reason stays.
    assert parsed.problems[0].startswith("2: ") and "check character" in parsed.problems[0]
    assert parsed.problems[1] == "4: '<b>' is not a subject key"


def test_an_id_number_pasted_by_mistake_is_never_echoed() -> None:
    number = make_id_number("320102", date(1980, 1, 1), 7)
    parsed = parse_keys(pasted_entries(number))
    assert parsed.keys == [] and parsed.problems
    assert number not in " ".join(parsed.problems)


def test_too_many_keys_are_refused() -> None:
    parsed = parse_keys([(i, f"x:org-{i}") for i in range(MAX_SUBJECTS + 1)])
    assert parsed.problems == [f"at most {MAX_SUBJECTS} subjects per review, got 1001"]


def test_csv_upload_reads_the_first_column_and_skips_the_header() -> None:
    data = f"统一社会信用代码,名称\n{USCC},甲公司\n{PID},\n".encode("gb18030")
    assert uploaded_entries(_upload(data), "keys.csv") == [(2, USCC), (3, PID)]


def test_xlsx_upload_reads_the_first_column() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["key"], [USCC], [None], ["s:abc"]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    assert uploaded_entries(_upload(out.getvalue()), "Keys.XLSX") == [(2, USCC), (4, "s:abc")]


def test_an_unreadable_upload_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match=r"keys\.xlsx: not an XLSX workbook"):
        uploaded_entries(_upload(b"not a zip"), "keys.xlsx")
    with pytest.raises(ValueError, match=r"keys\.csv: not a readable upload"):
        uploaded_entries("data:text/csv;base64,***", "keys.csv")


STEP = PathStep(source=USCC, rel="LEGAL_REP_OF", direction="in", target=PID, rule="R1")
RESULT = ReviewResult(
    context="procurement",
    as_of=date(2026, 5, 1),
    policy_version="2026.1",
    decisions={"block": 0, "review": 1, "pass": 0},
    incentives=0,
    subjects=[
        SubjectReview(
            key=PID,
            found=True,
            label="Person",
            name="王五",
            decision="review",
            incentive=False,
            reasons=[
                ReviewReason(
                    finding="flag",
                    summary="extended flag",
                    decision="review",
                    measure="复核",
                    basis=["b1", "R1 basis"],
                    path=[STEP],
                    record_id="JS-1",
                    record_subject=USCC,
                    rule="R1",
                    kind="extended",
                    score=1.0,
                    hops=1,
                ),
                ReviewReason(finding="clear", summary="nothing", decision="pass", measure="ok"),
            ],
        )
    ],
)


def test_decision_rows_lead_with_the_weightiest_reason() -> None:
    [row] = decision_rows(RESULT)
    assert (row["key"], row["decision"], row["reasons"], row["summary"]) == (
        PID,
        "review",
        2,
        "extended flag",
    )


def test_reason_rows_carry_rule_path_and_basis() -> None:
    rows = reason_rows(RESULT, {USCC: "甲公司"})
    assert rows[0]["path"] == "甲公司 ←LEGAL_REP_OF(R1)← 王五"
    assert rows[0]["basis"] == "b1 | R1 basis"
    assert rows[1]["finding"] == "clear" and rows[1]["path"] == ""


def test_the_path_diagram_is_an_svg_image_marking_aliased_persons() -> None:
    alias_step = STEP.model_copy(update={"target": "person~0123456789abcdef"})
    src = path_diagram_src([alias_step], {USCC: "甲公司"})
    assert src.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(src.partition(",")[2]).decode()
    assert 'class="person"' in svg and "甲公司" in svg
