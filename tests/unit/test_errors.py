"""The domain's refusals reach HTTP through one table: status on the API class, field kept."""

from __future__ import annotations

import asyncio
import json

import pytest

from api.problems import HANDLERS
from graph import errors
from graph.identifiers import InvalidIdentifier
from graph.records import RecordNotFound, TransitionRefused


def _answer(exc: Exception) -> tuple[int, dict[str, object]]:
    handler = next(HANDLERS[c] for c in type(exc).__mro__ if c in HANDLERS)
    response = asyncio.run(handler(None, exc))
    return response.status_code, json.loads(response.body)


@pytest.mark.parametrize(
    ("exc", "status", "title", "field"),
    [
        (RecordNotFound("no record with id R-9", field="record_id"), 404, "Not found", "record_id"),
        (TransitionRefused("record R-1 is revoked", field="record_id"), 409, "Conflict",
         "record_id"),
        (InvalidIdentifier("uscc", "length", "a USCC has 18 characters"), 422,
         "Invalid identifier", "uscc"),
        (errors.InvalidInput("bad", field="types"), 422, "Invalid input", "types"),
        (errors.NotPermitted("analysts see no persons"), 403, "Forbidden", None),
    ],
)  # fmt: skip
def test_each_refusal_is_answered_by_its_class(
    exc: errors.DomainError, status: int, title: str, field: str | None
) -> None:
    code, body = _answer(exc)
    assert (code, body["status"], body["title"]) == (status, status, title)
    assert body["detail"] == str(exc)
    assert body["errors"] == ([{"field": field, "reason": str(exc)}] if field else [])


def test_the_domain_family_stays_catchable_as_builtins() -> None:
    # Loaders catch ValueError and LookupError; the family must not hide from them.
    assert issubclass(InvalidIdentifier, ValueError)
    assert issubclass(RecordNotFound, LookupError)
