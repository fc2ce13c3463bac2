"""Why a write through :mod:`graph.ingest` was refused, with the field that is wrong.

Minimal on purpose: each maps to one HTTP status in the API's handler table, and a shared
``graph/errors.py`` hierarchy (NotFound, Conflict, InvalidInput) may absorb them.
"""

from __future__ import annotations


class IngestRefused(Exception):
    """The input cannot be written; ``field`` names what is wrong."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidRow(IngestRefused):
    """The row failed validation (every problem is in the message; the first in ``field``)."""


class UnknownSubject(IngestRefused):
    """The row names a subject that is not in the graph."""


class UnknownReference(IngestRefused):
    """The row names something else that is not in the graph (e.g. an issuing authority)."""
