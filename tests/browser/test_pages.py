"""What the pages show, and to whom: no person's name to an analyst, exports, the audit."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from playwright.sync_api import Page, Response

from graph import audit
from graph.services import Services
from tests.browser.conftest import screenshot, wait_for_dash

PAGES = ["overview", "quality", "professionals", "crossregion"]


def _personal_values(services: Services) -> set[str]:
    """Every person's name and masked ID number in the graph, except names that are also
    part of an organisation's name (a sole trader's firm carries its owner's name openly)."""
    rows = services.repository.read(
        "MATCH (p:Person) RETURN p.name AS name, p.id_masked AS id_masked"
    )
    firms = " ".join(
        r["name"] for r in services.repository.read("MATCH (o:Organization) RETURN o.name AS name")
    )
    names = {r["name"] for r in rows if r["name"] and r["name"] not in firms}
    return names | {r["id_masked"] for r in rows if r["id_masked"]}


def test_an_analyst_never_sees_a_persons_name(
    signed_in: Callable[..., Page], dashboards: str, services: Services
) -> None:
    personal = _personal_values(services)
    assert personal, "the province has persons"
    page = signed_in("analyst")
    answers: list[str] = []

    def keep(response: Response) -> None:
        if "/_dash-update-component" in response.url:
            answers.append(response.text())

    page.on("response", keep)
    for name in PAGES:
        page.goto(dashboards + name)
        wait_for_dash(page)
        seen = page.content()
        leaked = sorted(value for value in personal if value in seen)
        assert not leaked, f"{name} shows {leaked[:5]}"
    # The practitioners of a few occupations, as data sent to the browser.
    for option in range(3):
        page.goto(dashboards + "professionals")
        wait_for_dash(page)
        page.click("#professionals-occupation")
        page.locator(".Select-option, [role=option]").nth(option).click()
        wait_for_dash(page)
    sent = "\n".join(answers)
    assert "professionals-practitioners" in sent
    leaked = sorted(value for value in personal if value in sent)
    assert not leaked, f"callbacks sent {leaked[:5]}"


def test_a_regulator_sees_practitioners_masked_as_stored(
    signed_in: Callable[..., Page], dashboards: str
) -> None:
    page = signed_in("regulator")
    page.goto(dashboards + "professionals")
    wait_for_dash(page)
    assert page.locator(".ag-header-cell-text", has_text="证件号（脱敏）").count() == 1
    screenshot(page, "professionals-regulator")


def test_a_table_exports_as_csv(signed_in: Callable[..., Page], dashboards: str) -> None:
    page = signed_in("analyst")
    page.goto(dashboards + "quality")
    wait_for_dash(page)
    with page.expect_download() as download:
        page.click("button.export >> nth=0")
    assert download.value.suggested_filename == "data-quality-by-department.csv"
    path = download.value.path()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["部门", "部门名称", "数据类别"]
    assert len(rows) > 1, "the province's load has measures"


def test_a_subject_level_view_is_audited_with_the_purpose(
    signed_in: Callable[..., Page], dashboards: str, services: Services
) -> None:
    page = signed_in("analyst", purpose="case 2026-118 practitioners")
    page.goto(dashboards + "professionals")
    wait_for_dash(page)
    events = audit.query(services.repository, action="VIEW /dashboards/professionals/practitioners")
    mine = [e for e in events if e["purpose"] == "case 2026-118 practitioners"]
    assert mine, "opening the practitioners' list is audited"
    assert mine[0]["role"] == "analyst"
    assert mine[0]["query"].startswith("occupation=")
