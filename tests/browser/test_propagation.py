"""The propagation page in a real browser: it loads for each role without a console error,
an analyst sees persons only as aliases, and a findings table downloads as CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page

from graph.disclosure import PERSON_PLACEHOLDER
from tests.browser.conftest import screenshot, wait_for_dash

PID = re.compile(r"\b[0-9a-f]{64}\b")
TABLES = [
    "propagation-flags",
    "propagation-runs",
    "propagation-reach",
    "propagation-changes",
    "propagation-hubs",
    "propagation-clusters",
    "propagation-appointments",
    "propagation-conflicts",
]


def _open(page: Page, dashboards: str) -> None:
    page.goto(dashboards + "propagation")
    wait_for_dash(page)
    # The flags table fills once its callback answered: the province has flags.
    page.wait_for_selector("#propagation-flags-table .ag-row")


def _column(page: Page, table: str, field: str) -> list[str]:
    cells = page.locator(f"#{table}-table .ag-center-cols-container [col-id='{field}']")
    # text_content, not inner_text: a cell scrolled out of the grid's view has no layout.
    return [cells.nth(i).text_content() or "" for i in range(cells.count())]


@pytest.mark.parametrize("role", ["regulator", "analyst"])
def test_the_page_loads_every_section(
    signed_in: Callable[[str], Page], dashboards: str, role: str
) -> None:
    page = signed_in(role)
    _open(page, dashboards)
    for table in TABLES:
        assert page.locator(f"#{table}-table .ag-root").count() == 1, table
    assert page.locator("#propagation-score-figure .main-svg").count() >= 1
    for table in ("propagation-runs", "propagation-clusters", "propagation-appointments"):
        page.wait_for_selector(f"#{table}-table .ag-row")
    screenshot(page, f"propagation-{role}")


def test_an_analyst_sees_persons_only_as_aliases(
    signed_in: Callable[[str], Page], dashboards: str
) -> None:
    page = signed_in("analyst")
    _open(page, dashboards)
    page.wait_for_selector("#propagation-appointments-table .ag-row")
    assert set(_column(page, "propagation-appointments", "name")) == {PERSON_PLACEHOLDER}
    assert all(p.startswith("person~") for p in _column(page, "propagation-appointments", "person"))
    assert set(_column(page, "propagation-appointments", "id_masked")) <= {""}
    hubs = _column(page, "propagation-hubs", "name")
    assert set(hubs) <= {PERSON_PLACEHOLDER}
    page.wait_for_selector("#propagation-clusters-table .ag-row")
    members = " ".join(_column(page, "propagation-clusters", "members"))
    changes = " ".join(_column(page, "propagation-changes", "subject"))
    assert not PID.search(members + " " + changes), "no person key reaches an analyst"


def test_a_findings_table_downloads_as_csv_and_xlsx(
    signed_in: Callable[[str], Page], dashboards: str
) -> None:
    page = signed_in("regulator")
    _open(page, dashboards)
    page.wait_for_selector("#propagation-appointments-table .ag-row")
    shown = page.locator("#propagation-appointments-table .ag-center-cols-container .ag-row")
    block = page.locator("#propagation-appointments-table")
    with page.expect_download() as got:
        block.get_by_role("button", name="CSV").click()
    download = got.value
    assert download.suggested_filename == "propagation-appointments.csv"
    rows = list(csv.reader(io.StringIO(download_text(download.path()))))
    assert rows[0][:2] == ["人员", "名称"]
    assert len(rows) - 1 >= shown.count() > 0
    with page.expect_download() as got:
        block.get_by_role("button", name="XLSX").click()
    assert got.value.suggested_filename == "propagation-appointments.xlsx"
    # Playwright saves downloads without their extension, which openpyxl insists on.
    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    assert sheet is not None and sheet.max_row == len(rows)


def download_text(path: object) -> str:
    with open(str(path), encoding="utf-8-sig") as handle:
        return handle.read()
