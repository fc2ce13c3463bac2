"""Filing one record (an issuing authority, through the API): validate, check what it names,
write it through the one write path, and recompute its flags before returning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.errors import Conflict, InvalidInput, NotFound
from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Invalid, RawRow, Valid, validate
from graph.ingest.writes import IDENTITY_CHANGED, check_in_graph, upsert
from graph.propagation.recompute import RunSummary, incremental_recompute
from graph.propagation.rules import RuleSet
from graph.store.repository import Repository


@dataclass(frozen=True)
class Filed:
    record_id: str
    subject: str  # the subject's key (a USCC or a pid), never an ID number
    # None when the filing repeated what is stored: nothing was written or recomputed.
    propagation: RunSummary | None


def file_record(
    repo: Repository,
    rules: RuleSet,
    raw: RawRow,
    ctx: Context,
    provenance: Mapping[str, Any],
    today: date,
) -> Filed:
    """Validate one row of the canonical ``records`` layout and write it; its flags are
    recomputed as of ``today`` before this returns.

    Filing an existing ``record_id`` again with the same content writes nothing; with a new
    publicity period or a later status it amends the record; with another identity
    (:data:`~graph.ingest.writes.RECORD_IDENTITY`) it is refused.

    ``provenance``: ``source``, ``batch_id``, ``loaded_at``, ``province``. Raises
    :class:`~graph.errors.InvalidInput` (the row, or an unknown issuing authority),
    :class:`~graph.errors.NotFound` (the subject) or :class:`~graph.errors.Conflict` (the
    identity of the record filed under this id, naming every differing field); nothing is
    written then.
    """
    checked = validate(Kind.RECORDS, raw, ctx)
    if isinstance(checked, Valid):
        checked = check_in_graph(repo, Kind.RECORDS, [checked])[0]
    if isinstance(checked, Invalid):
        raise _refusal(checked)
    row = checked.params
    written = upsert(repo, Kind.RECORDS, [row], dict(provenance))
    if not written.records:
        return Filed(row["record_id"], row["subject"], None)
    run = incremental_recompute(repo, rules, today, [row["record_id"]])
    return Filed(row["record_id"], row["subject"], run)


def _refusal(invalid: Invalid) -> InvalidInput | NotFound | Conflict:
    errors = invalid.errors
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    first = errors[0]
    if first.reason == IDENTITY_CHANGED:
        fields = ", ".join(e.field for e in errors)
        return Conflict(f"differing fields: {fields}. {detail}", field=first.field)
    if first.reason == "unknown_reference":
        if first.field == "authority":
            return InvalidInput(detail, field="authority")
        return NotFound("the record's subject is not in the credit graph", field="subject")
    return InvalidInput(detail, field=first.field)
