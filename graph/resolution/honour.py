"""Loads and filings honour merges: a row naming a merged key is applied to the subject it
was merged into, never recreates the merged node.

One function, :func:`honour_merges`, called where a batch meets the graph
(:func:`graph.ingest.writes.check_in_graph`): one look-up for the batch's keys, then each
row's keys rewritten to the kept subject's, and ``merged_from`` set on the row, which the
relationship writes put on what they create (:mod:`graph.store.queries.ingest`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graph.ingest.validate import Invalid, Ref, Target, Valid
from graph.store.queries import resolution as q
from graph.store.repository import Reader, Repository

# The row parameters that hold a subject's key (graph.ingest.validate).
SUBJECT_PARAMS = ("pid", "uscc", "holder", "subject", "branch", "head", "practises_at")
# Identifiers of the merged key itself: a row naming it must not give them to the kept one.
IDENTITY_PROPS = ("key_kind", "org_code", "exchange", "stock_code", "id_masked", "ftm_id")
# A merged subject merged again (A into B, B into C) leads on: a few links at most.
MAX_CHAIN = 16


def honour_merges(repo: Reader, results: Sequence[Valid | Invalid]) -> list[Valid | Invalid]:
    """``results`` with every merged key replaced by the key it was merged into."""
    keys = {
        value
        for result in results
        if isinstance(result, Valid)
        for name in SUBJECT_PARAMS
        if isinstance(value := result.params.get(name), str)
    }
    kept = merged_into(repo, keys)
    if not kept:
        return list(results)
    return [_redirect(result, kept) if isinstance(result, Valid) else result for result in results]


def merged_into(repo: Reader, keys: set[str]) -> dict[str, str]:
    """For each of ``keys`` that was merged, the live subject it now is."""
    found: dict[str, str] = {}
    counted = repo.read_one(q.MERGED_COUNT) if keys else None
    if not counted or not counted["merged"]:
        return found
    pending = sorted(keys)
    for _ in range(MAX_CHAIN):
        if not pending:
            break
        step = {row["key"]: row["kept"] for row in repo.read(q.MERGED_INTO, keys=pending)}
        for key, target in step.items():
            for origin, current in found.items():
                if current == key:
                    found[origin] = target
            found.setdefault(key, target)
        pending = sorted(set(step.values()))
    return found


def kept_key(repo: Repository, key: str) -> str | None:
    """The live subject a merged ``key`` now is, or None if it was not merged: a request
    naming a merged subject is answered by the subject it was merged into."""
    return merged_into(repo, {key}).get(key)


def _redirect(result: Valid, kept: dict[str, str]) -> Valid:
    params = dict(result.params)
    merged_from = None
    for name in SUBJECT_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and value in kept:
            params[name] = kept[value]
            merged_from = merged_from or value
    if merged_from is None:
        return result
    params["merged_from"] = merged_from
    if isinstance(params.get("props"), dict):
        params["props"] = {k: v for k, v in params["props"].items() if k not in IDENTITY_PROPS}
    refs = tuple(
        Ref(ref.field, ref.target, kept.get(ref.key, ref.key))
        if ref.target is not Target.DEPARTMENT
        else ref
        for ref in result.refs
    )
    return replace(result, params=params, refs=refs)
