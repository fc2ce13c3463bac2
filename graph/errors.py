"""The domain's refusals: one small family, each naming the field at fault where there is one.

The graph knows nothing of HTTP: the API maps each class to its status once, in the handler
table of :mod:`api.problems`, so a route lets these pass through rather than translating them.
Each is also the builtin it refines (an invalid input is a ``ValueError``, a missing one a
``LookupError``), so callers that caught those before still do.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; ``field`` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidInput(DomainError, ValueError):
    """A value the domain cannot accept, whatever the graph holds (a malformed identifier)."""


class NotFound(DomainError, LookupError):
    """What the request names is not in the graph."""


class Conflict(DomainError):
    """The graph's current state does not allow the step (repairing a revoked record)."""


class NotPermitted(DomainError):
    """The caller's audience may not see this (a person's profile for an analyst)."""


class Gone(DomainError):
    """What the request names existed but is kept no longer (a linkage feed cursor older
    than the retained window)."""
