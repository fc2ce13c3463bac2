"""The related-party explorer in a real browser, over the generated province: search →
network → expand → node click → inspector → path; an analyst never sees a person's name; a
deep link restores the view; the visible subgraph downloads as CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from graph.disclosure import PERSON_PLACEHOLDER
from graph.services import Services
from tests.browser.conftest import screenshot, wait_for_dash

# An organisation with a derived flag whose path passes a person, and another organisation
# that person also holds a post at: the path between them is the person.
FLAGGED_WITH_A_NEIGHBOUR = """
MATCH (o:Organization)-[f:FLAGGED]->(:Record)
WHERE f.hops >= 1 AND coalesce(o.hub, false) = false
MATCH (p:Person)-[:LEGAL_REP_OF|OFFICER_OF]->(o)
MATCH (p)-[:LEGAL_REP_OF|OFFICER_OF]->(b:Organization)
WHERE b <> o AND COUNT { (o)--() } < 60
RETURN o.uscc AS key, o.name AS name, p.pid AS person, b.uscc AS other, b.name AS other_name
ORDER BY size(o.name), o.uscc
LIMIT 1
"""
PERSON_NAMES = "MATCH (p:Person) RETURN collect(p.name) AS names"
VIEWS_OF = """
MATCH (e:AuditEvent {role: $role}) WHERE $key IN e.subjects
RETURN collect(DISTINCT e.action) AS actions
"""


@dataclass(frozen=True)
class Subject:
    key: str
    name: str
    person: str  # holds a post at both
    other: str
    other_name: str


@pytest.fixture(scope="module")
def subject(services: Services, province: Path) -> Subject:
    row = services.repository.read_one(FLAGGED_WITH_A_NEIGHBOUR)
    assert row is not None, "the generated province has a flagged organisation with a post"
    return Subject(**row)


def _cy(page: Page, script: str) -> Any:
    """Evaluate ``script`` with ``cy``, the explorer's cytoscape instance."""
    return page.evaluate(
        "() => { const cy = document.getElementById('explorer-graph')._cyreg.cy; " + script + " }"
    )


def _wait_for_network(page: Page, more_than: int = 1) -> int:
    page.wait_for_function(
        "n => { const el = document.getElementById('explorer-graph');"
        " return el && el._cyreg && el._cyreg.cy.nodes().length > n; }",
        arg=more_than,
    )
    wait_for_dash(page)
    return int(_cy(page, "return cy.elements().length;"))


def _tap(page: Page, key: str) -> None:
    """Click the node ``key`` where cytoscape drew it."""
    box = page.locator("#explorer-graph").bounding_box()
    assert box is not None
    _cy(page, f"cy.center(cy.getElementById({key!r})); return null;")
    pos = _cy(page, f"const p = cy.getElementById({key!r}).renderedPosition(); return [p.x, p.y];")
    page.mouse.click(box["x"] + pos[0], box["y"] + pos[1])
    wait_for_dash(page)


def _pick(page: Page, dropdown: str, text: str, value_label: str) -> None:
    """Type into a Dash 4 dropdown's search box (in its pop-over) and pick an option."""
    page.click(f"#{dropdown}")
    page.fill(".dash-dropdown-content input.dash-dropdown-search", text)
    option = page.locator(".dash-dropdown-content [role=option]", has_text=value_label).first
    option.wait_for()
    option.click()
    wait_for_dash(page)


def test_search_network_expand_inspect_and_path(
    signed_in: Callable[[str], Page], dashboards: str, subject: Subject
) -> None:
    page = signed_in("regulator")
    page.goto(dashboards + "explorer")
    wait_for_dash(page)
    # One hop, so that the neighbours have parties of their own left to open.
    page.locator("#explorer-hops input[value='1']").check()
    _pick(page, "explorer-search", subject.name[:6], subject.name)
    before = _wait_for_network(page)
    assert _cy(page, f"return cy.getElementById({subject.key!r}).hasClass('root');")
    # The inspector opens on the subject: its records with provenance, its flags.
    inspector = page.locator("#explorer-inspector")
    inspector.get_by_text(subject.name).first.wait_for()
    assert "batch" in inspector.inner_text() or "批次" in inspector.inner_text()

    # Click the person: its neighbourhood is highlighted, and its other post can be opened.
    _tap(page, subject.person)
    page.wait_for_function("() => document.querySelectorAll('.explorer-expand').length > 0")
    opener = page.locator(".explorer-expand:not([disabled])").first
    opener.click()
    wait_for_dash(page)
    page.wait_for_function(
        f"() => document.getElementById('explorer-graph')._cyreg.cy.elements().length > {before}"
    )
    assert _cy(page, f"return cy.getElementById({subject.other!r}).length;") == 1
    screenshot(page, "explorer-expanded")

    # Back on the subject, highlight the path that explains its flag.
    _tap(page, subject.key)
    path_button = page.locator(".explorer-flag-path").first
    path_button.wait_for()
    path_button.click()
    wait_for_dash(page)
    page.wait_for_function(
        "() => document.getElementById('explorer-graph')._cyreg.cy.edges()"
        ".some(e => e.style('line-color') === 'rgb(231,76,60)')"
    )

    # Why connected: the path to the other organisation runs through the shared person.
    _pick(page, "explorer-connect", subject.other_name[:6], subject.other_name)
    page.click("#explorer-connect-go")
    wait_for_dash(page)
    page.locator("#explorer-status").get_by_text("最短路径").wait_for()
    assert _cy(page, f"return cy.getElementById({subject.other!r}).length;") == 1
    screenshot(page, "explorer-path")


def test_an_analyst_never_sees_a_persons_name(
    signed_in: Callable[[str], Page], dashboards: str, subject: Subject, services: Services
) -> None:
    page = signed_in("analyst")
    page.goto(dashboards + f"explorer/{subject.key}?hops=2")
    _wait_for_network(page)
    labels: list[str] = _cy(page, "return cy.nodes().map(n => n.data('label'));")
    assert PERSON_PLACEHOLDER in labels
    row = services.repository.read_one(PERSON_NAMES)
    assert row is not None
    shown = "\n".join(labels) + page.locator("body").inner_text()
    _tap(page, _cy(page, "return cy.nodes('.person')[0].id();"))
    shown += page.locator("body").inner_text()
    seen = [name for name in row["names"] if name in shown]
    assert not seen, f"person names shown to an analyst: {seen[:5]}"
    # What was shown was audited as an API call would be, by view.
    audited = services.repository.read_one(VIEWS_OF, role="analyst", key=subject.key)
    assert audited is not None
    assert {"VIEW /dashboards/explorer/network", "VIEW /dashboards/explorer/profile"} <= set(
        audited["actions"]
    )
    screenshot(page, "explorer-analyst")


def test_a_deep_link_restores_the_view(
    signed_in: Callable[[str], Page], dashboards: str, subject: Subject
) -> None:
    page = signed_in("regulator")
    page.goto(dashboards + f"explorer/{subject.key}?hops=1&as_of=2025-03-01&mode=network")
    _wait_for_network(page, more_than=0)
    assert page.locator("#explorer-as-of-label").inner_text() == "2025-03-01"
    assert page.locator("#explorer-hops input[value='1']").is_checked()
    assert max(_cy(page, "return cy.nodes().map(n => n.data('hops'));")) <= 1
    href = page.locator("#explorer-link").get_attribute("href") or ""
    assert href.endswith(f"explorer/{subject.key}?hops=1&as_of=2025-03-01&mode=network")
    # The controller view is restored the same way.
    page.goto(dashboards + f"explorer/{subject.key}?mode=controller")
    _wait_for_network(page, more_than=0)
    assert page.locator("#explorer-mode input[value='controller']").is_checked()


def test_the_visible_subgraph_downloads_as_csv_and_png(
    signed_in: Callable[[str], Page], dashboards: str, subject: Subject, tmp_path: Path
) -> None:
    page = signed_in("regulator")
    page.goto(dashboards + f"explorer/{subject.key}")
    shown = _wait_for_network(page)
    # A clicked edge tells its ends, relationship, role or share, and dates.
    box = page.locator("#explorer-graph").bounding_box()
    assert box is not None
    mid = _cy(page, "const m = cy.edges()[0].renderedMidpoint(); return [m.x, m.y];")
    page.mouse.click(box["x"] + mid[0], box["y"] + mid[1])
    page.locator("#explorer-edge").get_by_text("→").wait_for()
    with page.expect_download() as download:
        page.click("#explorer-csv")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.DictReader(saved.open(encoding="utf-8-sig")))  # with a BOM, for Excel
    assert len(rows) == shown
    assert any(r["id"] == subject.key and r["element"] == "node" for r in rows)
    with page.expect_download() as image:
        page.click("#explorer-png")
    assert image.value.suggested_filename.endswith(".png")
