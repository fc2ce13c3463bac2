"""The propagation page in a real browser: it loads for each role without a console error,
an analyst sees persons only as aliases, and a findings table downloads as CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from graph.disclosure import PERSON_PLACEHOLDER
from graph.propagation import runs
from graph.propagation.recompute import full_recompute
from graph.services import Services
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


def test_the_change_feed_turns_pages(
    signed_in: Callable[[str], Page], dashboards: str, services: Services
) -> None:
    # A run far ahead, when every record has expired, loses every flag: a feed of pages.
    repo, rules = services.repository, services.rules
    full_recompute(repo, rules, date(2100, 1, 1))
    try:
        latest = runs.list_runs(repo, limit=1)[0]
        total = len(runs.changes_of_run(repo, latest.run_id, limit=100_000))
        assert total > 10
        page = signed_in("regulator")
        page.goto(dashboards + "propagation")  # no flags are left to wait for
        wait_for_dash(page)
        shown = page.locator("#propagation-changes-shown")
        previous = page.locator("#propagation-changes-previous")
        following = page.locator("#propagation-changes-next")
        expect(shown).to_have_text(f"第 1–{min(total, 200)} 条")
        page.locator("#propagation-changes-size").click()
        page.get_by_text("每页 10 条", exact=True).click()
        expect(shown).to_have_text("第 1–10 条")
        expect(page.locator("#propagation-changes-table .ag-row")).to_have_count(10)
        expect(previous).to_be_disabled()
        following.click()
        expect(shown).to_have_text(f"第 11–{min(total, 20)} 条")
        expect(previous).to_be_enabled()
        previous.click()
        expect(shown).to_have_text("第 1–10 条")
    finally:
        full_recompute(repo, rules, services.clock.today())


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
