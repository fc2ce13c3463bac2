"""The dashboards' session over real HTTP: the cookie's attributes, refusals, the gate."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from dashboards.app import create_dash
from dashboards.session import SESSION_COOKIE, SessionStore
from graph.access import create_key, revoke_key
from graph.clock import FixedClock
from graph.services import Services

KeyMaker = Callable[[str], dict[str, str]]


def _sign_in(http: httpx.Client, key: str, purpose: str = "case 2026-7") -> httpx.Response:
    return http.post(
        "/dashboards/session/sign-in",
        data={"key": key, "purpose": purpose, "next": "/overview"},
        follow_redirects=False,
    )


def test_the_session_cookie_is_httponly_strict_and_expires(
    http: httpx.Client, make_key: KeyMaker, services: Services
) -> None:
    response = _sign_in(http, make_key("analyst")["X-API-Key"])
    assert response.status_code == 302
    assert response.headers["location"] == "/dashboards/overview"
    cookie = response.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith("cg_session=")
    assert {"httponly", "samesite", "max-age", "expires", "path"} <= attributes
    assert "SameSite=Strict" in cookie
    assert f"Max-Age={int(services.settings.dashboard_session_hours * 3600)}" in cookie
    assert "Path=/dashboards/" in cookie
    # The key's secret is not in the cookie, only its id (signed).
    assert "cg_" not in cookie.removeprefix("cg_session=")


@pytest.mark.parametrize(
    ("key", "purpose", "message"),
    [
        ("cg_0123456789abcdef_" + "x" * 43, "case 2026-7", "bad_key"),
        ("not a key", "case 2026-7", "bad_key"),
        (None, "x", "bad_purpose"),
    ],
)
def test_a_refused_sign_in_sets_no_cookie(
    http: httpx.Client, make_key: KeyMaker, key: str | None, purpose: str, message: str
) -> None:
    response = _sign_in(http, key or make_key("regulator")["X-API-Key"], purpose)
    assert response.status_code == 303
    assert f"message={message}" in response.headers["location"]
    assert "set-cookie" not in response.headers


def test_partners_have_no_dashboard(http: httpx.Client, repo: object, services: Services) -> None:
    _, key = create_key(services.repository, "partner:31", "partner", own_province="32")
    response = _sign_in(http, key)
    assert "message=partner" in response.headers["location"]
    assert "set-cookie" not in response.headers


def test_a_page_without_a_session_redirects_to_the_sign_in(http: httpx.Client) -> None:
    response = http.get("/dashboards/overview", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/dashboards/session/sign-in?next=")


def test_a_forged_cookie_is_no_session(http: httpx.Client) -> None:
    http.cookies.set("cg_session", '{"key_id": "0123456789abcdef", "purpose": "x"}')
    response = http.post("/dashboards/_dash-update-component", json={}, follow_redirects=False)
    assert response.status_code == 401


def test_a_cross_site_sign_in_is_refused(http: httpx.Client, make_key: KeyMaker) -> None:
    response = http.post(
        "/dashboards/session/sign-in",
        data={"key": make_key("analyst")["X-API-Key"], "purpose": "case 2026-7"},
        headers={"Origin": "https://elsewhere.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_sign_out_clears_the_cookie(http: httpx.Client, make_key: KeyMaker) -> None:
    _sign_in(http, make_key("analyst")["X-API-Key"])
    response = http.post("/dashboards/session/sign-out", follow_redirects=False)
    assert response.status_code == 302
    assert (
        'cg_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in response.headers["set-cookie"]
    )


def test_a_revoked_key_ends_its_session(services: Services) -> None:
    # The store remembers a key as long as the API's key cache does; with no memory, a
    # revocation ends the session at the next request.
    settings = services.settings.model_copy(update={"api_key_cache_s": 0.0})
    store = SessionStore(dataclasses.replace(services, settings=settings))
    principal, _ = create_key(services.repository, "analyst", "revoked", own_province="32")
    cookies = {SESSION_COOKIE: store.issue(principal, "case 2026-7")}
    assert store.viewer(cookies) is not None
    revoke_key(services.repository, principal.key_id)
    assert store.viewer(cookies) is None


def test_a_session_ends_when_it_expires(services: Services) -> None:
    clock = FixedClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    store = SessionStore(dataclasses.replace(services, clock=clock))
    principal, _ = create_key(services.repository, "analyst", "expiring", own_province="32")
    cookies = {SESSION_COOKIE: store.issue(principal, "case 2026-7")}
    clock.advance(store.max_age_s - 1)
    assert store.viewer(cookies) is not None
    clock.advance(1)
    assert store.viewer(cookies) is None


def test_failed_sign_ins_are_limited_per_address(services: Services, make_key: KeyMaker) -> None:
    # Two failures allowed, refilled one per 1,000 s of the app's clock.
    settings = services.settings.model_copy(
        update={"sign_in_failures_burst": 2, "sign_in_failures_per_s": 0.001}
    )
    clock = FixedClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    app = create_dash(dataclasses.replace(services, settings=settings, clock=clock))
    client = app.server.test_client()
    guess = {"key": "cg_0123456789abcdef_" + "x" * 43, "purpose": "case 2026-7"}
    good = {"key": make_key("analyst")["X-API-Key"], "purpose": "case 2026-7"}
    for _ in range(2):
        assert "message=bad_key" in client.post("/session/sign-in", data=guess).location
    # Out of tokens, the address is refused before any key is looked up, a good one too.
    refused = client.post("/session/sign-in", data=good)
    assert refused.status_code == 303
    assert "message=too_many" in refused.location
    assert int(refused.headers["Retry-After"]) > 0
    assert "set-cookie" not in refused.headers
    clock.advance(1_000)
    assert client.post("/session/sign-in", data=good).status_code == 302
