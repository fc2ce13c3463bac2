"""The keys an initial load has accepted so far, answering the look-ups of
:func:`graph.ingest.writes.check_in_graph` as the graph would had the rows been written one
batch at a time: the same reference checks, the same minors check, the same record
identities, with no graph to ask.

Memory is what decides the shape. A province has ~14M organisations and more persons; a
Python set of their keys would take several GiB. Organisations and persons are kept as
sorted arrays of 64-bit hashes of their keys (8 bytes each, 12 with a person's ``adult_on``):
~110 MB for 14M organisations. Two keys sharing a hash (about 1 in 30,000 at 14M + 20M
keys) would let a reference to an absent subject through; the importer then finds the
relationship's end missing and the import stops (it runs with ``--bad-tolerance=0``), so a
collision fails loudly and never loads a wrong graph. Departments are few and kept as they
are; so are the identities of records (what ``identity_changed`` compares), which number a
tenth of the organisations.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.store.queries import ingest as q
from graph.store.queries import resolution as merges

NO_DAY = np.iinfo(np.int32).min


def key_hash(key: object) -> int:
    """A 64-bit hash of a key (a string, or a tuple of a composite key's parts).

    Python's own (SipHash, keyed per process): a string caches it, and the workers of a
    conversion are forked from its main process, so all share one key and agree."""
    return hash(key)


class HashedKeys:
    """A growing set of keys, as hashes, with an optional day per key (the last one given
    wins, as the last row of a key does)."""

    def __init__(self) -> None:
        self._hashes = array("q")
        self._days = array("i")
        self._sorted: npt.NDArray[np.int64] | None = None
        self._sorted_days: npt.NDArray[np.int32] | None = None

    def add(self, key: str, day: date | None = None) -> None:
        self.add_hash(key_hash(key), day.toordinal() if day is not None else NO_DAY)

    def add_hash(self, hashed: int, day: int = NO_DAY) -> None:
        self._hashes.append(hashed)
        self._days.append(day)
        self._sorted = None

    def __len__(self) -> int:
        return len(self.freeze()[0])

    def freeze(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        if self._sorted is None or self._sorted_days is None:
            hashes = np.frombuffer(self._hashes, dtype=np.int64)
            days = np.frombuffer(self._days, dtype=np.int32)
            # Stable sort by hash keeps rows in their order within a hash: the last is kept.
            order = np.argsort(hashes, kind="stable")
            hashes, days = hashes[order], days[order]
            last = np.ones(len(hashes), dtype=bool)
            last[:-1] = hashes[1:] != hashes[:-1]
            self._sorted, self._sorted_days = hashes[last], days[last]
        return self._sorted, self._sorted_days

    def found(self, keys: Sequence[str]) -> tuple[list[str], list[tuple[str, date]]]:
        """The given keys that are present, and the day of each present one that has one."""
        hashes, days = self.freeze()
        if not keys or not len(hashes):
            return [], []
        wanted = np.array([key_hash(k) for k in keys], dtype=np.int64)
        at = np.minimum(np.searchsorted(hashes, wanted), len(hashes) - 1)
        hit = hashes[at] == wanted
        present = [k for k, h in zip(keys, hit.tolist(), strict=True) if h]
        dated = [
            (k, date.fromordinal(int(d)))
            for k, h, d in zip(keys, hit.tolist(), days[at].tolist(), strict=True)
            if h and d != NO_DAY
        ]
        return present, dated


class LoadKeys:
    """:class:`graph.store.repository.Reader` over the keys of this load. No subject is
    merged yet; an ``orgcode:`` key is not joined to a USCC organisation of the same load
    here but merged into it after the import (:func:`~graph.resolution.decisions.
    merge_deterministic`), as an online load does when both arrive in one batch."""

    def __init__(self) -> None:
        self.organizations = HashedKeys()
        self.persons = HashedKeys()
        self.departments: set[str] = set()
        self.records: dict[str, dict[str, Any]] = {}  # record_id → its identity

    def read_one(self, query: str, **params: Any) -> dict[str, Any] | None:
        if query == merges.MERGED_COUNT:
            return {"merged": 0}
        keys: list[str] = params["keys"]
        if query == q.EXISTING_ORGANIZATIONS:
            return {"found": self.organizations.found(keys)[0]}
        if query == q.EXISTING_PERSONS:
            found, adult_on = self.persons.found(keys)
            return {"found": found, "adult_on": [list(pair) for pair in adult_on]}
        if query == q.EXISTING_DEPARTMENTS:
            return {"found": [k for k in keys if k in self.departments]}
        raise ValueError("not a look-up of an initial load")

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        if query == q.ORGANIZATIONS_BY_ORG_CODE:
            return []
        if query != q.RECORD_IDENTITIES:
            raise ValueError("not a look-up of an initial load")
        ids: Iterable[str] = params["keys"]
        return [{"record_id": i, **self.records[i]} for i in ids if i in self.records]
