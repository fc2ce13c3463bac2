"""Schemathesis against the app's own OpenAPI, over real HTTP with a real Neo4j: no input
may produce a 5xx (503 from a Neo4j outage is not provoked here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from graph.store.repository import Repository


@pytest.fixture(scope="module")
def api_schema(api_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{api_url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_produces_a_server_error(
    case: Any, make_key: Callable[[str], dict[str, str]], repo: Repository
) -> None:
    response = case.call(headers=make_key("admin"))
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
