"""Schemathesis against the app's own OpenAPI, over real HTTP with a real Neo4j holding a
loaded province: no input may produce a 5xx (503 from a Neo4j outage is not provoked here),
and every response conforms to the document (status, content type, schema: the default
checks).

Generated keys are mixed with the province's real ones (organisations, persons, records),
so most calls reach a real subject rather than answering 404. The seed is pinned: a run
is repeatable, and a failure it finds is found again.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.problems import INVALID_REQUEST
from graph.access import create_key
from graph.identifiers import pid_for
from graph.review.credit_review import MAX_SUBJECTS
from graph.services import Services
from tests.conftest import LiveServer, _free_port

EXAMPLES = 40
# Every default check runs — no 5xx; statuses, content types, headers and bodies as the
# document declares; schema-violating input refused — except that schema-valid input may also
# be refused by the domain, whose rules JSON Schema cannot state (a check digit, a decision
# date after its publication, an unknown authority). `well_formed_input_is_not_refused_as_malformed`
# takes its place: such a refusal is a 422 titled by the domain, never the request validator's
# INVALID_REQUEST, which would mean the document promised a shape the app refuses.
NOT_CHECKED = [positive_data_acceptance]
ACCEPTED = range(200, 300)
REFUSED_BY_THE_DOMAIN = {401, 403, 404, 409, 422, 429}


@schemathesis.check
def well_formed_input_is_not_refused_as_malformed(ctx: Any, response: Any, case: Any) -> None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    status = response.status_code
    if status in ACCEPTED:
        return
    title = response.json().get("title") if status in REFUSED_BY_THE_DOMAIN else None
    assert status in REFUSED_BY_THE_DOMAIN and title != INVALID_REQUEST, (
        f"schema-valid input answered {status} {title or ''}: {response.text}"
    )


SUBJECT_PARAMETERS = {"key", "source", "target"}
BATCH_KEY = re.compile(r"[0-9A-Za-z:_\-~]{3,80}")
# Statuses answered per operation, to show the run reached real subjects.
ANSWERED: dict[str, list[int]] = {}


def _column(path: Path, name: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return sorted({row[name] for row in csv.DictReader(f) if row[name]})


def _real_keys(province: Path, services: Services) -> dict[str, list[str]]:
    pid_key = services.settings.pid_key.get_secret_value().encode()
    organizations = _column(province / "organizations.csv", "uscc")
    persons = [pid_for(n, pid_key) for n in _column(province / "persons.csv", "id_number")]
    return {
        "subject": organizations + persons,
        "record_id": _column(province / "records.csv", "record_id"),
    }


def _or_real(value: Any, real: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(value), st.sampled_from(real))


@pytest.fixture(scope="module")
def fuzz(services: Services, province: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The app, with a rate limit no run reaches, and an admin key's header (the purpose
    header is left to schemathesis, which sends good and bad ones)."""
    roomy = services.settings.model_copy(
        update={"rate_limit_per_s": 10_000.0, "rate_limit_burst": 10_000}
    )
    _, key = create_key(services.repository, "admin", "fuzz", own_province=roomy.province_code)
    with LiveServer(create_app(replace(services, settings=roomy)), _free_port()) as live:
        yield live.url, {"X-API-Key": key}


@pytest.fixture(scope="module")
def api_schema(fuzz: tuple[str, dict[str, str]], province: Path, services: Services) -> Any:
    url, _ = fuzz
    loaded = schemathesis.openapi.from_url(f"{url}/openapi.json")
    real = _real_keys(province, services)

    def parameters(ctx: Any, values: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        if not values:
            return st.just(values)
        drawn: dict[str, st.SearchStrategy[Any]] = {}
        for name, value in values.items():
            if name in SUBJECT_PARAMETERS:
                drawn[name] = _or_real(value, real["subject"])
            elif name == "record_id":
                drawn[name] = _or_real(value, real["record_id"])
            else:
                drawn[name] = st.just(value)
        return st.fixed_dictionaries(drawn)

    def body(ctx: Any, value: Any) -> st.SearchStrategy[Any]:
        # Only a review's subjects that are well formed are swapped for real ones: a negative
        # case's malformed list must stay malformed, or its refusal would not be tested.
        subjects = value.get("subjects") if isinstance(value, dict) else None
        if (
            ctx.operation.path == "/api/v1/reviews"
            and isinstance(subjects, list)
            and 1 <= len(subjects) <= MAX_SUBJECTS
            and all(isinstance(s, str) and BATCH_KEY.fullmatch(s) for s in subjects)
        ):
            real_subjects = st.lists(st.sampled_from(real["subject"]), min_size=1, max_size=20)
            return st.one_of(st.just(value), real_subjects.map(lambda s: {**value, "subjects": s}))
        return st.just(value)

    loaded.hook("flatmap_path_parameters")(parameters)
    loaded.hook("flatmap_query")(parameters)
    loaded.hook("flatmap_body")(body)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@seed(20261205)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # No example database: what a run generates depends on the seed alone, so a clean clone
    # (CI) and a developer's tree run the same cases.
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_produces_a_server_error(case: Any, fuzz: tuple[str, dict[str, str]]) -> None:
    _, headers = fuzz
    response = case.call_and_validate(
        headers=headers,
        excluded_checks=NOT_CHECKED,
        additional_checks=[well_formed_input_is_not_refused_as_malformed],
    )
    ANSWERED.setdefault(f"{case.method} {case.path}", []).append(response.status_code)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"


def test_the_fuzz_reached_real_subjects() -> None:
    reached = sorted(op for op, statuses in ANSWERED.items() if "{key}" in op and 200 in statuses)
    assert "GET /api/v1/subjects/{key}" in reached
    assert len(reached) >= 3, {op: ANSWERED[op] for op in ANSWERED if "{key}" in op}


def test_a_loaded_person_is_found_by_id_number(
    fuzz: tuple[str, dict[str, str]], province: Path, services: Services
) -> None:
    url, headers = fuzz
    with (province / "persons.csv").open(encoding="utf-8", newline="") as f:
        person = next(row for row in csv.DictReader(f) if row["id_number"])
    pid = pid_for(person["id_number"], services.settings.pid_key.get_secret_value().encode())

    response = httpx.post(
        f"{url}/api/v1/subjects/by-id-number",
        json={"id_number": person["id_number"]},
        headers={**headers, "X-Purpose": "automated test"},
        timeout=30,
    )

    assert response.status_code == 200, response.text
    assert [(s["key"], s["name"]) for s in response.json()] == [(pid, person["name"])]
    assert person["id_number"] not in response.text
