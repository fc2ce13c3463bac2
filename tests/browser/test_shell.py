"""Sign-in, sign-out, the language toggle, and every page loading for every role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import screenshot, wait_for_dash

PAGES = ["overview", "quality", "professionals", "crossregion"]


def test_sign_in_lands_on_the_overview(signed_in: Callable[..., Page]) -> None:
    page = signed_in("regulator")
    assert page.url.endswith("/dashboards/overview")
    assert page.locator("#shell-purpose").inner_text().endswith("browser test")


def test_a_page_asks_for_a_sign_in_first(new_page: Callable[[], Page], dashboards: str) -> None:
    page = new_page()
    page.goto(dashboards + "overview")
    assert "/dashboards/session/sign-in" in page.url
    page.fill("#sign-in-key", "cg_0000000000000000_" + "x" * 43)
    page.fill("#sign-in-purpose", "browser test")
    page.click("#sign-in-submit")
    assert page.locator("[role=alert]").is_visible()
    screenshot(page, "sign-in-refused")


def test_sign_out_ends_the_session(signed_in: Callable[..., Page], dashboards: str) -> None:
    page = signed_in("analyst")
    page.click("#shell-sign-out")
    page.wait_for_url("**/session/sign-in**")
    page.goto(dashboards + "overview")
    assert "/dashboards/session/sign-in" in page.url


def test_the_language_toggle_switches_and_stays_on_the_page(
    signed_in: Callable[..., Page],
) -> None:
    page = signed_in("analyst")
    assert page.locator("#nav-overview").inner_text() == "总览"
    page.click("#shell-lang")
    wait_for_dash(page)
    assert page.url.endswith("/dashboards/overview")
    assert page.locator("#nav-overview").inner_text() == "Overview"
    page.click("#shell-lang")
    wait_for_dash(page)
    assert page.locator("#nav-overview").inner_text() == "总览"


@pytest.mark.parametrize("role", ["regulator", "analyst", "admin"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_loads(
    signed_in: Callable[..., Page], dashboards: str, role: str, name: str
) -> None:
    page = signed_in(role)
    page.goto(dashboards + name)
    wait_for_dash(page)
    assert page.locator(f"#{name}").count() == 1, "the page's layout has its id"
    screenshot(page, f"{name}-{role}")
