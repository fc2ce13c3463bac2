"""Filing one record (an issuing authority, through the API): validate, check what it names,
write it through the one write path, and recompute its flags before returning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.errors import InvalidInput, NotFound
from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Invalid, RawRow, Target, quote, validate
from graph.ingest.writes import missing_references, upsert
from graph.propagation.recompute import RunSummary, incremental_recompute
from graph.propagation.rules import RuleSet
from graph.store.repository import Repository


@dataclass(frozen=True)
class Filed:
    record_id: str
    subject: str  # the subject's key (a USCC or a pid), never an ID number
    propagation: RunSummary


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

    ``provenance``: ``source``, ``batch_id``, ``loaded_at``, ``province``. Raises
    :class:`~graph.errors.InvalidInput` (the row, or an unknown issuing authority) or
    :class:`~graph.errors.NotFound` (the subject); nothing is written then.
    """
    checked = validate(Kind.RECORDS, raw, ctx)
    if isinstance(checked, Invalid):
        raise InvalidInput(
            "; ".join(f"{e.field}: {e.message}" for e in checked.errors),
            field=checked.errors[0].field,
        )
    row = checked.params
    wanted: dict[Target, set[str]] = {}
    for ref in checked.refs:
        wanted.setdefault(ref.target, set()).add(ref.key)
    missing = {target for target, _ in missing_references(repo, wanted)}
    if missing - {Target.DEPARTMENT}:
        raise NotFound("the record's subject is not in the credit graph", field="subject")
    if missing:
        raise InvalidInput(
            f"unknown issuing authority {quote(row['authority'])}", field="authority"
        )
    upsert(repo, Kind.RECORDS, [row], dict(provenance))
    # Always recomputed, even when the filing changed nothing: the answer says what the
    # record means now.
    run = incremental_recompute(repo, rules, today, [row["record_id"]])
    return Filed(row["record_id"], row["subject"], run)
