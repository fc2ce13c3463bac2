"""Route parameters more than one router shares: subject keys, record ids, the example USCC.

Routers import these from here, never from one another.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from graph.identifiers import validate_uscc
from graph.model import label_of
from graph.settings import Settings

EXAMPLE_USCC = "91320214745555318W"

SubjectKey = Annotated[
    str,
    Path(
        min_length=3,
        max_length=80,
        pattern=r"^[0-9A-Za-z:_\-~]+$",
        description="A USCC, an organisation surrogate key, or a person's pid.",
        examples=[EXAMPLE_USCC],
    ),
]

RecordId = Annotated[
    str,
    Path(min_length=1, max_length=128, pattern=r"^[\w\-.:/]+$", examples=["JS-SCJGJ-2026-00017"]),
]


def checked_key(key: str, settings: Settings) -> str:
    """Reject a malformed USCC with the reason (422) before asking the graph."""
    if label_of(key) == "Organization" and len(key) == 18 and ":" not in key:
        return validate_uscc(key, settings.uscc_allow_list)
    return key
