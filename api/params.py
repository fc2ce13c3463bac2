"""Route parameters more than one router shares: subject keys, record ids, dates, the example
USCC; and the refusal of query parameters a route does not take.

Routers import these from here, never from one another.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BeforeValidator

from graph.identifiers import validate_org_key
from graph.model import label_of
from graph.settings import Settings

EXAMPLE_USCC = "91320214745555318W"
# The shape of a resident ID number: 18 characters, or a first-generation card's 15 digits. The
# check character and the date are the domain's to verify (422 with the reason).
ID_NUMBER_PATTERN = r"^(\d{17}[0-9Xx]|\d{15})$"

# A subject key as routes take it: the longest organisation key is a `name:` key (200
# characters of name), before its normalisation.
SUBJECT_KEY_MAX_LENGTH = 256
# A person key: a name of up to 200 characters, the birth, gender, nationality and an
# organisation key.
PERSON_KEY_MAX_LENGTH = 512
SUBJECT_KEY_DESCRIPTION = (
    "A person's pid, or an organisation key: a USCC, or `orgcode:` + organisation code, "
    "`reg:` + 15-digit registration number, `listed:` + stock code and exchange "
    "(`listed:600000.SH`), `foreign:<jurisdiction>:<registry number>`, `ftm:<entity id>`, "
    '`name:<jurisdiction>:<name>` (loaders/LAYOUTS.md, "Keys"). An organisation key is '
    "read in its canonical form (`listed:600000` is `listed:600000.SH`); a malformed one is "
    "refused with the reason."
)
SubjectKey = Annotated[
    str,
    Path(
        min_length=3,
        max_length=SUBJECT_KEY_MAX_LENGTH,
        description=SUBJECT_KEY_DESCRIPTION,
        examples=[EXAMPLE_USCC, "listed:000008.SZ"],
    ),
]

RecordId = Annotated[
    str,
    Path(min_length=1, max_length=128, pattern=r"^[\w\-.:/]+$", examples=["JS-SCJGJ-2026-00017"]),
]


def checked_key(key: str, settings: Settings) -> str:
    """An organisation key in its canonical form, or a malformed one refused with the reason
    (422) before asking the graph; a pid as it is."""
    if label_of(key) == "Person":
        return key
    return validate_org_key(key, settings.uscc_allow_list)[0]


# Dates as the document declares them (`format: date`, `format: date-time`) and nothing else:
# pydantic alone reads `as_of=0` as 1970-01-01 and `until=0.5` as an instant of that day.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})?"
)


def _iso(pattern: re.Pattern[str], shape: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, date) or (isinstance(value, str) and pattern.fullmatch(value)):
            return value
        raise ValueError(f"expected {shape}")

    return BeforeValidator(check)


IsoDate = Annotated[date, _iso(_ISO_DATE, "a date as YYYY-MM-DD")]
IsoDateTime = Annotated[
    datetime, _iso(_ISO_DATETIME, "a date and time as YYYY-MM-DDTHH:MM[:SS][+08:00]")
]


def _route_key(route: APIRoute) -> tuple[str, frozenset[str]]:
    return route.path, frozenset(route.methods or ())


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not take is refused (422), not ignored: a misspelt
    ``asof=`` would otherwise answer for today without a word."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    # A route's declared names are found once, on its first request (walking its
    # dependencies each time was work for nothing), keyed by path and methods: a route is
    # not hashable. Two threads finding the same names at once store the same value.
    noted: dict[tuple[str, frozenset[str]], frozenset[str]] = request.app.state.query_names
    key = _route_key(route)
    declared = noted.get(key)
    if declared is None:
        declared = noted[key] = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "not a parameter of this route", "type": "extra"}
                for name in unknown
            ]
        )
