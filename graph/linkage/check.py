"""A partner's batch check and related-party trace (PROTOCOL.md, "Endpoints").

A subject is named by USCC or by linkage key (never a pid, never an ID number). Answers hold
this province's own live records in the partner's categories and the flags they derive,
with every person on a flag's path aliased for the partner, and a trace with persons
aliased by the disclosure module: nothing personal crosses a border unmasked.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.disclosure import (
    PERSON_PLACEHOLDER,
    Audience,
    disclose_flag,
    disclose_network,
    linkage_subject,
)
from graph.errors import InvalidInput, NotFound
from graph.identifiers import InvalidIdentifier, validate_uscc
from graph.linkage.keys import is_linkage_key
from graph.reads.subjects import flag_from_row
from graph.reads.tracing import related_parties
from graph.store.queries import linkage as q
from graph.store.repository import Repository

MAX_KEYS = 1000
MAX_TRACE_HOPS = 2
TRACE_LIMIT = 200


@dataclass(frozen=True)
class SubjectKey:
    """One subject a partner asks about: by USCC or by linkage key."""

    uscc: str | None = None
    linkage_key: str | None = None

    @classmethod
    def parse(
        cls, text: str, current_version: str | None, allow_list: Collection[str] = ()
    ) -> SubjectKey:
        """A key as a path gives it: a linkage key (``v1:`` + 64 hex) or a USCC."""
        if is_linkage_key(text):
            return cls(linkage_key=text).checked(current_version, allow_list)
        return cls(uscc=text).checked(current_version, allow_list)

    def checked(self, current_version: str | None, allow_list: Collection[str] = ()) -> SubjectKey:
        """Raise :class:`~graph.errors.InvalidInput` for a malformed key (a USCC is checked
        as the loads check it, with their allow-list), or a linkage key of another version
        than the one this instance looks persons up by."""
        if (self.uscc is None) == (self.linkage_key is None):
            raise InvalidInput("give exactly one of uscc and linkage_key", field="subjects")
        if self.uscc is not None:
            try:
                return SubjectKey(uscc=validate_uscc(self.uscc, allow_list))
            except InvalidIdentifier as exc:
                raise InvalidInput(str(exc), field="uscc") from None
        assert self.linkage_key is not None
        if not is_linkage_key(self.linkage_key):
            raise InvalidInput("a linkage key is '<version>:' and 64 hex digits", field="key")
        version = self.linkage_key.split(":", 1)[0]
        if version != current_version:
            raise InvalidInput(
                f"linkage key version {version!r}: this instance looks persons up by "
                f"version {current_version!r} (see the catalogue)",
                field="linkage_key",
            )
        return self

    @property
    def shown(self) -> str:
        return self.uscc or self.linkage_key or ""


def check(
    repo: Repository,
    keys: Sequence[SubjectKey],
    *,
    partner: str,
    province: str,
    categories: list[str],
    as_of: date,
) -> list[dict[str, Any]]:
    """Per key, in order: whether it names a subject here, the subject as it crosses a
    border, its live records of ``province`` in ``categories`` on ``as_of``, and the flags
    those records derive for it (rule, kind, basis, path with persons aliased)."""
    if len(keys) > MAX_KEYS:
        raise InvalidInput(f"at most {MAX_KEYS} subjects per check", field="subjects")
    audience = Audience("partner", partner)
    rows = repo.read(
        q.CHECK,
        keys=[
            {"index": i, "uscc": k.uscc, "linkage_key": k.linkage_key} for i, k in enumerate(keys)
        ],
        province=province,
        categories=categories,
        as_of=as_of,
    )
    out = []
    for key, row in zip(keys, rows, strict=True):
        answer: dict[str, Any] = {"key": key.shown, "found": row["found"]}
        if row["found"]:
            answer["subject"] = linkage_subject(row["subject"])
            answer["records"] = [_jsonable(r) for r in row["records"]]
            answer["flags"] = [
                {
                    **disclose_flag(audience, flag_from_row(_flag_props(f))).model_dump(
                        mode="json", exclude={"rules_version", "computed_at"}
                    ),
                    "category": f["category"],
                }
                for f in row["flags"]
            ]
        else:
            answer.update(subject=None, records=[], flags=[])
        out.append(answer)
    return out


def _flag_props(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "category"}


def trace(
    repo: Repository, key: SubjectKey, *, partner: str, hops: int, as_of: date
) -> dict[str, Any]:
    """The subject's related parties within ``hops`` (at most 2), persons aliased for the
    partner, without the markers (sanctioned, flagged) that would speak of records outside
    its scope. Raises :class:`~graph.errors.NotFound` for a key that names no subject."""
    if not 1 <= hops <= MAX_TRACE_HOPS:
        raise InvalidInput(f"hops must be 1 or {MAX_TRACE_HOPS}", field="hops")
    root = key.uscc
    if key.linkage_key is not None:
        row = repo.read_one(q.PID_OF_LINKAGE_KEY, key=key.linkage_key)
        root = None if row is None else str(row["pid"])
    network = (
        None
        if root is None
        else related_parties(repo, root, as_of=as_of, hops=hops, limit=TRACE_LIMIT)
    )
    if network is None:
        raise NotFound(f"no subject with key {key.shown}", field="key")
    shown = disclose_network(Audience("partner", partner), network)
    return {
        "root": key.shown,
        "hops": hops,
        "as_of": as_of.isoformat(),
        "nodes": [
            {
                "key": key.shown if n.key == shown.root else n.key,
                "label": n.label,
                "name": n.name if n.label == "Organization" else PERSON_PLACEHOLDER,
                "region_code": n.region_code,
                "hops": n.hops,
                "hub": n.hub,
            }
            for n in shown.nodes
        ],
        "edges": [
            {
                **e.model_dump(mode="json"),
                "source": key.shown if e.source == shown.root else e.source,
                "target": key.shown if e.target == shown.root else e.target,
            }
            for e in shown.edges
        ],
        "total_nodes": shown.total_nodes,
        "truncated": shown.truncated or shown.total_nodes > TRACE_LIMIT,
    }


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in record.items()}
