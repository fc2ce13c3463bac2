"""The credit review page in a real browser: keys pasted and uploaded → decisions with
reasons and paths → CSV and XLSX downloads, and the printable report with its diagrams."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page

from graph import audit
from graph.reads.risk import risk_network
from graph.services import Services
from tests.browser.conftest import screenshot, wait_for_dash

UNKNOWN = "x:no-such-org"


def _keys(services: Services) -> tuple[str, str]:
    """A sanctioned organisation and one only flagged, of the loaded province."""
    network = risk_network(services.repository, services.clock.today())

    def organisations(keys: frozenset[str]) -> list[str]:
        return sorted(k for k in keys if network.graph.nodes[k]["label"] == "Organization")

    sanctioned = organisations(network.sanctioned)[0]
    flagged = organisations(network.flagged - network.sanctioned)[0]
    return sanctioned, flagged


def _saved(download: object) -> bytes:
    return Path(download.path()).read_bytes()  # type: ignore[attr-defined]


def test_upload_review_and_download(
    signed_in: Callable[[str], Page], dashboards: str, services: Services, tmp_path: Path
) -> None:
    sanctioned, flagged = _keys(services)
    page = signed_in("regulator")
    page.goto(dashboards + "review")
    wait_for_dash(page)
    page.fill("#review-keys", f"{sanctioned}\n{UNKNOWN}, {sanctioned}")
    upload = tmp_path / "keys.csv"
    upload.write_text(f"统一社会信用代码\n{flagged}\n", encoding="utf-8")
    page.set_input_files("#review-upload input[type=file]", str(upload))
    page.wait_for_selector("#review-upload-name:has-text('keys.csv')")
    page.click("#review-context")
    page.get_by_role("option", name="政府采购").click()
    assert "政府采购" in page.locator("#review-context").inner_text()
    page.click("#review-run")

    rows = page.locator("#review-decisions-table .ag-center-cols-container .ag-row")
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'#review-decisions-table .ag-center-cols-container .ag-row').length === 3"
    )
    assert rows.count() == 3
    assert page.locator("#review-problems li").count() == 0  # every entry was a key
    assert page.locator("#review-progress").get_attribute("value") == "3"
    assert services.policy.version in page.locator("#review-summary").inner_text()
    decisions = page.locator(
        "#review-decisions-table .ag-center-cols-container [col-id='decision']"
    )
    assert {decisions.nth(i).text_content() for i in range(3)} <= {"block", "review", "pass"}

    # The decisions as CSV, the reasons (with rules and paths) as XLSX.
    with page.expect_download() as got:
        page.locator("#review-decisions-table").get_by_role("button", name="CSV").click()
    assert got.value.suggested_filename == "review-decisions.csv"
    table = list(csv.reader(io.StringIO(_saved(got.value).decode("utf-8-sig"))))
    assert [row[0] for row in table[1:]] == [sanctioned, UNKNOWN, flagged]
    with page.expect_download() as got:
        page.locator("#review-reasons-table").get_by_role("button", name="XLSX").click()
    assert got.value.suggested_filename == "review-reasons.xlsx"
    sheet = load_workbook(io.BytesIO(_saved(got.value))).active
    assert sheet is not None
    reasons = list(sheet.iter_rows(values_only=True))
    header = list(reasons[0])
    paths = [row[header.index("路径")] for row in reasons[1:] if row[0] == flagged]
    assert any(paths), "the flagged subject's reasons carry their paths"

    # The flagged subject is chosen first: its paths drawn, its printable report downloads.
    page.wait_for_selector("#review-paths img.path-diagram")
    screenshot(page, "review-regulator")
    with page.expect_download() as got:
        page.click("#review-report")
    assert got.value.suggested_filename == f"credit-report-{flagged}.html"
    report = _saved(got.value).decode("utf-8")
    assert '<svg class="path-diagram"' in report

    # Audited like the API's review, with the purpose given at sign-in.
    [event] = audit.query(services.repository, action="VIEW /dashboards/review", subject=flagged)
    assert sorted(event["subjects"]) == sorted([sanctioned, UNKNOWN, flagged])
    assert event["purpose"] == "browser test" and event["query"].startswith("context=procurement")
    [report_event] = audit.query(
        services.repository, action="VIEW /dashboards/review/report", subject=flagged
    )
    assert report_event["result_size"] == 1


def test_bad_keys_are_named_and_nothing_is_reviewed(
    signed_in: Callable[[str], Page], dashboards: str
) -> None:
    page = signed_in("regulator")
    page.goto(dashboards + "review")
    wait_for_dash(page)
    page.fill("#review-keys", "91320214745555318X\n<b>")
    page.click("#review-run")
    page.wait_for_selector("#review-problems li")
    problems = page.locator("#review-problems").inner_text()
    assert "1: " in problems and "2: " in problems
    assert page.locator("#review-decisions-table .ag-row").count() == 0
    screenshot(page, "review-problems")


def test_an_analyst_may_neither_review_nor_ask_why_connected(
    signed_in: Callable[[str], Page], dashboards: str
) -> None:
    # Subject-level, as the API's /reviews and /paths are (graph.access).
    page = signed_in("analyst")
    assert page.locator("#nav-review").count() == 0
    assert page.locator("#nav-explorer").count() == 1
    page.goto(dashboards + "review")
    wait_for_dash(page)
    assert page.locator("#review .notice").inner_text() == "信用审查仅向监管人员提供。"
    assert page.locator("#review-run").count() == 0
    page.goto(dashboards + "explorer")
    wait_for_dash(page)
    assert page.locator("#explorer-connect-go").is_hidden()
    screenshot(page, "review-analyst-refused")
