"""Routes date an absent ``as_of`` by the app's clock, in China: a fixed clock fixes them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from graph.clock import FixedClock
from graph.services import Services
from tests.conftest import LiveServer, _free_port

# 20:30 UTC on 31 December is already 1 January in Nanjing.
NEW_YEAR_IN_CHINA = FixedClock(datetime(2025, 12, 31, 20, 30, tzinfo=UTC))


@pytest.fixture(scope="module")
def fixed_url(services: Services) -> Iterator[str]:
    from api.app import create_app

    app = create_app(replace(services, clock=NEW_YEAR_IN_CHINA))
    with LiveServer(app, _free_port()) as live:
        yield live.url


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/reviews", {"subjects": ["91320214745555318W"], "context": "general"}),
        ("GET", "/api/v1/statistics", None),
        ("GET", "/api/v1/findings/appointments", None),
        ("GET", "/api/v1/findings/red-list-conflicts", None),
    ],
)
def test_an_absent_as_of_is_the_clocks_date_in_china(
    fixed_url: str,
    make_key: Callable[[str], dict[str, str]],
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    with httpx.Client(base_url=fixed_url, timeout=30) as http:
        response = http.request(method, path, json=body, headers=make_key("regulator"))
    assert response.status_code == 200, response.text
    assert response.json()["as_of"] == "2026-01-01"
