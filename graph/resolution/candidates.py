"""Scored candidate pairs: subjects that may be one party, for a person to decide.

A province holds ~10^7 subjects, so nothing here holds the graph. Each subject carries its
matching keys (``match_key``: the matching form of its name; ``match_latin``: its toneless
Latin spelling), computed here in Python (:func:`index_names`: OpenCC and pinyin are not in
Cypher) and indexed. Blocks are the subjects sharing a key, streamed in index order, so one
block is in memory at a time; a block larger than ``max_block`` (a common name: 张伟) is
skipped and counted, not compared pairwise. Only pairs a decision could merge are scored:
two ID-bearing persons (two ID numbers) or two USCC organisations are two parties whatever
their names. Pairs a person decided ``not_same`` never come back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations, groupby
from typing import Any

from graph.resolution.normalise import is_latin, latin_key
from graph.resolution.scoring import Facts, SubjectKind, matching_name, score
from graph.store.queries import resolution as q
from graph.store.repository import Repository, Row

INDEX_BATCH = 5_000
FACTS_BATCH = 2_000
MAX_BLOCK = 200
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("person", "organization")

# Organisation key kinds from the strongest (kept in a merge) to the weakest.
_ORG_KEY_RANK = ("orgcode:", "reg:", "listed:", "foreign:", "ftm:", "name:")


@dataclass(frozen=True)
class Candidate:
    kind: SubjectKind
    kept: str  # the key a merge keeps (the stronger identifier)
    merged: str
    kept_name: str
    merged_name: str
    score: float
    reasons: tuple[str, ...]


@dataclass
class Scan:
    """What a scan looked at: blocks compared, blocks too large to compare."""

    blocks: int = 0
    oversized: int = 0
    pairs: int = 0
    candidates: list[Candidate] = field(default_factory=list)


def key_rank(kind: SubjectKind, key: str) -> tuple[int, str]:
    """Lower ranks first: the key a merge keeps. An ID-bearing person before a surrogate; a
    USCC before the typed identifiers, a name key last."""
    if kind == "person":
        return (1 if key.startswith("s:") else 0), key
    for rank, prefix in enumerate(_ORG_KEY_RANK, start=1):
        if key.startswith(prefix):
            return rank, key
    return (0 if ":" not in key else len(_ORG_KEY_RANK) + 1), key


def mergeable(kind: SubjectKind, a: str, b: str) -> bool:
    """Whether a decision may merge the pair: not two parties by their identifiers."""
    return a != b and (key_rank(kind, a)[0] > 0 or key_rank(kind, b)[0] > 0)


def ordered(kind: SubjectKind, a: str, b: str) -> tuple[str, str]:
    """(kept, merged)."""
    return (a, b) if key_rank(kind, a) <= key_rank(kind, b) else (b, a)


def index_names(repo: Repository) -> int:
    """Compute the matching keys of every subject whose name changed since (or never had
    them); returns how many were written."""
    written = 0
    for kind in SUBJECT_KINDS:
        rows = (
            {
                "key": row["key"],
                "name": row["name"],
                "match_key": (m := matching_name(kind, row["name"] or "")) or None,
                "match_latin": latin_key(m, kind == "person") or None,
            }
            for row in repo.stream(q.NAMES_TO_KEY[kind])
        )
        written += repo.write_batches(q.SET_MATCH_KEYS[kind], rows, INDEX_BATCH).properties_set
    return written


def facts_of(repo: Repository, kind: SubjectKind, keys: list[str]) -> dict[str, Facts]:
    return {row["key"]: _facts(kind, row) for row in repo.read(q.FACTS[kind], keys=keys)}


def _facts(kind: SubjectKind, row: Row) -> Facts:
    masked = row.get("id_masked")
    gender = row.get("gender")
    if gender is None and masked and masked[-2].isdigit():
        gender = "m" if int(masked[-2]) % 2 else "f"  # GB 11643: the 17th digit
    adult_on = row.get("adult_on")
    return Facts(
        key=row["key"],
        kind=kind,
        name=row["name"] or "",
        gender=gender,
        birth_year=adult_on.year - 18 if adult_on else None,
        region=row.get("region"),
        jurisdiction=row.get("jurisdiction") or _jurisdiction(row["key"]),
        neighbours=frozenset(row.get("neighbours") or ()),
    )


def _jurisdiction(key: str) -> str | None:
    for prefix in ("foreign:", "name:"):
        if key.startswith(prefix):
            return key[len(prefix) :].split(":", 1)[0]
    return None


def not_same_pairs(repo: Repository) -> set[frozenset[str]]:
    return {frozenset(row["keys"]) for row in repo.read(q.NOT_SAME_PAIRS)}


def candidates(
    repo: Repository,
    kind: SubjectKind,
    min_score: float,
    limit: int,
    max_block: int = MAX_BLOCK,
) -> Scan:
    """Up to ``limit`` candidate pairs of ``kind`` scoring at least ``min_score``, in the
    order the blocks are read, and what the scan looked at. Keys are indexed first."""
    index_names(repo)
    scan = Scan()
    refused = not_same_pairs(repo)
    for found in _scored(repo, kind, scan, refused, max_block):
        if found.score >= min_score:
            scan.candidates.append(found)
            if len(scan.candidates) >= limit:
                break
    return scan


def _scored(
    repo: Repository,
    kind: SubjectKind,
    scan: Scan,
    refused: set[frozenset[str]],
    max_block: int,
) -> Iterator[Candidate]:
    # A pinyin block only pairs across scripts, and two names in different scripts never
    # share a match_key: the two passes never score one pair twice.
    for key_name in ("match_key", "match_latin"):
        stream = repo.stream(q.BLOCKS[(kind, key_name)])
        blocks = (
            [row["key"] for row in rows]
            for _, rows in groupby(stream, key=lambda row: row["block"])
        )
        for batch in _batched((b for b in blocks if len(b) > 1), FACTS_BATCH):
            scan.blocks += len(batch)
            compared = [block for block in batch if len(block) <= max_block]
            scan.oversized += len(batch) - len(compared)
            facts = facts_of(repo, kind, [key for block in compared for key in block])
            for block in compared:
                scan.pairs += len(block) * (len(block) - 1) // 2
                yield from _pairs(kind, block, facts, refused, latin=key_name != "match_key")


def _pairs(
    kind: SubjectKind,
    block: list[str],
    facts: dict[str, Facts],
    refused: set[frozenset[str]],
    latin: bool,
) -> Iterator[Candidate]:
    for a, b in combinations(sorted(block), 2):
        if frozenset((a, b)) in refused or not mergeable(kind, a, b):
            continue
        fa, fb = facts.get(a), facts.get(b)
        if fa is None or fb is None:
            continue  # merged or removed since the block was read
        if latin and not _across_scripts(kind, fa, fb):
            continue  # a pinyin block pairs a Latin-script name with a Chinese one only
        result = score(fa, fb)
        kept, merged = ordered(kind, a, b)
        yield Candidate(
            kind,
            kept,
            merged,
            facts[kept].name,
            facts[merged].name,
            round(result.value, 4),
            result.reasons,
        )


def _across_scripts(kind: SubjectKind, a: Facts, b: Facts) -> bool:
    return is_latin(matching_name(kind, a.name)) != is_latin(matching_name(kind, b.name))


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Blocks grouped until they hold about ``size`` members, so facts are read in few
    statements."""
    iterator = iter(items)
    while True:
        batch: list[Any] = []
        members = 0
        for block in iterator:
            batch.append(block)
            members += len(block)
            if members >= size:
                break
        if not batch:
            return
        yield batch
