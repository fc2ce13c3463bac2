"""Applying a "same" decision to the graph, and taking it back.

:func:`merge` moves every relationship of the merged subject to the kept one, each tagged
``merged_from``, parks the ones the kept subject already has, removes the merged subject's
derived flags, logs each moved record for the linkage feed, and retires the node
(``:MergedSubject``, ``merged_into``, its labels kept in ``merged_labels``). :func:`unmerge`
is its inverse. Both run inside the decision's transaction (a :class:`Unit`), so a decision
and its effect commit together. Flags are brought up to date after the commit, from what they
return (:func:`refresh_flags`), as a load's are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from graph.errors import Conflict, NotFound
from graph.ingest.refresh import FlagRefresh
from graph.ingest.writes import Written
from graph.propagation.recompute import RunSummary
from graph.propagation.rules import RuleSet
from graph.resolution.scoring import SubjectKind
from graph.store.queries import resolution as q
from graph.store.repository import Repository, Unit


def merge(
    unit: Unit, kind: SubjectKind, kept: str, merged: str, at: datetime, province: str
) -> Written:
    """Merge ``merged`` into ``kept``; raises :class:`NotFound` if either is not a live
    subject of ``kind``. Returns what flags must be recomputed for."""
    ends = {"kept": kept, "merged": merged}
    dropped = unit.run(q.DROP_FLAGS[kind], **ends)
    if not dropped:
        raise NotFound(f"both subjects must be in the graph as {kind}s", field="keys")
    out = unit.run(q.MOVE_OUT[kind], **ends)[0]
    incoming = unit.run(q.MOVE_IN[kind], **ends)[0]
    if out["records"]:
        unit.run(q.LOG_MOVED_RECORDS, records=out["records"], province=province)
    unit.run(q.RETIRE[kind], at=at, **ends)
    return Written(
        touched={kept, *out["others"], *incoming["others"]},
        records={*dropped[0]["records"], *out["records"]},
    )


def unmerge(unit: Unit, kind: SubjectKind, kept: str, merged: str, province: str) -> Written:
    """Undo :func:`merge`: the node restored, every relationship tagged ``merged_from``
    ``merged`` moved back (those later loads created through the merge too), the parked
    ones restored."""
    found = unit.run(q.UNDO[kind], kept=kept, merged=merged)
    if not found:
        raise Conflict(
            "the merge cannot be undone: the kept subject was merged on into another since; "
            "undo that decision first",
            field="id",
        )
    records = [r for r in found[0]["records"] if r is not None]
    if records:
        unit.run(q.LOG_MOVED_RECORDS, records=records, province=province)
    return Written(touched={kept, merged, *found[0]["others"]}, records=set(records))


def refresh_flags(
    repo: Repository, rules: RuleSet, as_of: date, written: Iterable[Written]
) -> RunSummary | None:
    """Recompute the flags of the records a merge or undo may have changed: those of the
    subjects within reach of every end it touched, and those it moved."""
    refresh = FlagRefresh(repo, rules, as_of)
    for each in written:
        refresh.add(each)
    return refresh.finish()
