"""Propagation runs and their change feeds, as typed models, and whether the stored flags
were derived under the rules being served.

Each run of :mod:`graph.propagation.recompute` leaves a ``PropagationRun`` node and, per flag
gained, lost or changed, a ``FlagChange`` node holding the flag before and after as JSON text
(Neo4j properties cannot hold maps). This module is where that text is read back.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Literal

from pydantic import BaseModel, field_validator

from graph.model import PathStep
from graph.propagation.reach import Reach, reach_warnings
from graph.store.queries import propagation as q
from graph.store.repository import Repository, Row


class PropagationRun(BaseModel):
    run_id: str
    mode: Literal["full", "incremental"]
    status: Literal["running", "completed"]  # a run that died half-way stays `running`
    as_of: date
    rules_version: str
    started_at: str
    finished_at: str | None = None
    record_ids: list[str] = []  # the records an incremental run recomputed
    records: int | None = None
    flags: int | None = None
    gained: int | None = None
    lost: int | None = None
    changed: int | None = None
    seconds: float | None = None
    # What the run's records reached after it and before it (none until it completes).
    reach: Reach | None = None
    reach_before: Reach | None = None

    @field_validator("reach", "reach_before", mode="before")
    @classmethod
    def _from_json_text(cls, value: object) -> object:
        # Stored as JSON text on the node; given as a Reach when built in Python.
        return Reach.model_validate_json(value) if isinstance(value, str) else value

    def reach_warnings(self, factor: float) -> list[str]:
        """Where the run multiplied its records' reach by more than ``factor``."""
        if self.reach is None or self.reach_before is None:
            return []
        return reach_warnings(self.reach_before, self.reach, factor)


class FlagSnapshot(BaseModel):
    """A flag as a run found or left it, with its rule, path and basis."""

    subject: str
    record_id: str
    rule: str
    kind: Literal["extended", "associated", "pending"]
    score: float
    hops: int
    path: list[PathStep]
    basis: str
    rules_version: str


class ChangeFeedEntry(BaseModel):
    """One line of a run's change feed: who gained, lost or changed a flag."""

    seq: int
    change: Literal["gained", "lost", "changed"]
    subject: str
    record_id: str
    before: FlagSnapshot | None  # none for a gained flag
    after: FlagSnapshot | None  # none for a lost flag


def list_runs(repo: Repository, skip: int = 0, limit: int = 50) -> list[PropagationRun]:
    """Runs, newest first."""
    rows = repo.read(q.LIST_RUNS, skip=skip, limit=limit)
    return [PropagationRun.model_validate(row["run"]) for row in rows]


def find_run(repo: Repository, run_id: str) -> PropagationRun | None:
    row = repo.read_one(q.RUN_BY_ID, run_id=run_id)
    return None if row is None else PropagationRun.model_validate(row["run"])


def changes_of_run(
    repo: Repository, run_id: str, skip: int = 0, limit: int = 500
) -> list[ChangeFeedEntry]:
    """A run's change feed in the order the run wrote it."""
    rows = repo.read(q.CHANGES_OF_RUN, run_id=run_id, skip=skip, limit=limit)
    return [_change(row) for row in rows]


def _change(row: Row) -> ChangeFeedEntry:
    return ChangeFeedEntry(
        **{**row, "before": _snapshot(row["before"]), "after": _snapshot(row["after"])}
    )


def _snapshot(text: str | None) -> FlagSnapshot | None:
    return None if text is None else FlagSnapshot.model_validate(json.loads(text))


def latest_completed_runs(repo: Repository) -> list[PropagationRun]:
    """The latest completed full run and the latest completed incremental run, if any.

    Both, not only the latest: a full run is what follows a rules change, and the filings and
    loads after it run incrementally; its reach warning must not vanish at the next filing.
    """
    found = (repo.read_one(q.LATEST_COMPLETED_RUN, mode=mode) for mode in ("full", "incremental"))
    return [PropagationRun.model_validate(row["run"]) for row in found if row is not None]


def other_flag_rules_versions(repo: Repository, rules_version: str) -> list[str]:
    """Rules versions other than ``rules_version`` that stored flags were derived under:
    empty when every flag is current (or there are none).

    At most one version below and one above ``rules_version`` is named, which is enough to
    say the flags are stale; two index seeks answer it on a graph of any size.
    """
    rows = repo.read(q.OTHER_FLAG_RULES_VERSIONS, rules_version=rules_version)
    return sorted(row["rules_version"] for row in rows)
