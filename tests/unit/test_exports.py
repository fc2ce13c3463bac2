"""CSV and XLSX exports: the rows a grid shows, as a file a spreadsheet opens safely, both
under the one set of rules (dashboards.safe_cells)."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from dashboards.exports import (
    columns_of,
    table_download,
    table_xlsx,
)
from dashboards.safe_cells import safe_cell, table_csv
from graph.identifiers import make_id_number

COLUMN_DEFS: list[dict[str, Any]] = [
    {"field": "key", "headerName": "主体标识 / key"},
    {
        "headerName": "flag",
        "children": [{"field": "rule"}, {"field": "score", "headerName": "分值"}],
    },
    {"checkboxSelection": True},  # no field: not exported
]
ROWS: list[dict[str, Any]] = [
    {"key": "91320214745555318W", "rule": "R1", "score": 1.0, "extra": "not a column"},
    {"key": '=HYPERLINK("http://x")', "rule": None, "score": 0.25},
]


def test_columns_follow_the_grid_order_with_headers_and_groups_flattened() -> None:
    assert columns_of(COLUMN_DEFS) == [
        ("key", "主体标识 / key"),
        ("rule", "rule"),
        ("score", "分值"),
    ]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_formulas_are_defused(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_numbers_stay_numbers_and_lists_are_joined() -> None:
    assert safe_cell(-1.5) == -1.5
    assert safe_cell(None) is None
    assert safe_cell(["R1", "R2"]) == "R1; R2"


def test_an_id_number_in_free_text_is_scrubbed() -> None:
    number = make_id_number("320102", date(1980, 1, 1), 1)
    assert number not in str(safe_cell(f"持有人 {number}"))


def test_csv_applies_the_same_rules_under_the_grid_headers() -> None:
    number = make_id_number("320102", date(1980, 1, 1), 1)
    rows = [*ROWS, {"key": f"持有人 {number}", "rule": "@R2", "score": -0.5}]
    text = table_csv(rows, columns_of(COLUMN_DEFS))
    assert text.startswith("\ufeff")
    got = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert got[0] == ["主体标识 / key", "rule", "分值"]
    assert got[1] == ["91320214745555318W", "R1", "1.0"]
    assert got[2] == ['\'=HYPERLINK("http://x")', "", "0.25"]
    assert got[3][1:] == ["'@R2", "-0.5"]  # a number is no formula
    assert number not in text


def test_xlsx_holds_one_sheet_with_typed_cells() -> None:
    data = table_xlsx(ROWS, columns_of(COLUMN_DEFS), "propagation: findings/2026")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "propagation findings2026"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [
        ["主体标识 / key", "rule", "分值"],
        ["91320214745555318W", "R1", 1],
        ['\'=HYPERLINK("http://x")', None, 0.25],
    ]
    assert sheet.freeze_panes == "A2"


def test_a_download_names_the_file_after_the_grid() -> None:
    download = table_download(ROWS, COLUMN_DEFS, "review-decisions")
    assert download["filename"] == "review-decisions.xlsx"
    assert download["base64"] is True
    assert base64.b64decode(download["content"]).startswith(b"PK")  # a zip: the XLSX container


def test_an_empty_table_still_has_its_headers() -> None:
    sheet = load_workbook(io.BytesIO(table_xlsx([], [("key", "Key")], "t"))).active
    assert sheet is not None
    assert list(sheet.iter_rows(values_only=True)) == [("Key",)]
