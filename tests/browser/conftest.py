"""The dashboards in a real browser: Debian's chromium, driven by Playwright for Python,
against the real app (API and dashboards in one server) over the suite's Neo4j holding a
generated province.

Playwright's own browser download is never used: the browser is ``/usr/bin/chromium``
(``make test`` installs it). Every test fails on a console error in any page it opened, and
:func:`screenshot` keeps a picture of each page under ``tests/browser/screenshots/``
(ignored by git) for a person to look at after a run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from graph.access import create_key
from graph.services import Services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


# Per module, not per session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and the tests after the browser's (asyncio.run in a unit test) must
# find none.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` (as root) installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def dashboards(api_url: str, province: Path) -> str:
    """The dashboards' address, over the module's loaded province."""
    return f"{api_url}/dashboards/"


@dataclass
class ConsoleWatch:
    """Errors a page wrote to its console or threw."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Fresh pages, each in a context of its own (its own cookies); the test fails if any of
    them logged a console error."""
    watch = ConsoleWatch()
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        watch.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not watch.errors, "browser console errors:\n" + "\n".join(watch.errors)


def wait_for_dash(page: Page) -> None:
    """Until the page's callbacks have answered and nothing shows as loading."""
    page.wait_for_selector("#_pages_content")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")


def sign_in_on(page: Page, dashboards: str, key: str, purpose: str = "browser test") -> None:
    page.goto(dashboards + "session/sign-in")
    page.fill("#sign-in-key", key)
    page.fill("#sign-in-purpose", purpose)
    page.click("#sign-in-submit")
    wait_for_dash(page)


@pytest.fixture
def signed_in(
    new_page: Callable[[], Page], dashboards: str, services: Services
) -> Callable[..., Page]:
    """``signed_in(role, purpose=...)``: a page signed in with a fresh key of ``role``, on
    the overview."""

    def sign_in(role: str, purpose: str = "browser test") -> Page:
        _, key = create_key(
            services.repository,
            role,
            f"browser {role}",
            own_province=services.settings.province_code,
        )
        page = new_page()
        sign_in_on(page, dashboards, key, purpose)
        return page

    return sign_in


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_-]', '_', name)}.png"), full_page=True
    )
