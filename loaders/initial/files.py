"""The importer's CSV files: typed headers, one part per column set, and the de-duplication
of keys the online upsert would have written once.

Each part is a file group of its own (``--nodes=Subject:Organization=part.csv``) whose first
line is its header, so the columns follow whatever validation returns (a new property of
:mod:`graph.ingest.validate` lands here with no edit): a row that brings a column its part
lacks closes the part and opens one with the wider header. Values are typed by their Python
type (dates ``date``, floats ``double`` — Cypher's float is 64-bit — booleans ``boolean``,
lists ``string[]``); an empty cell is a missing value, as an absent one is online.

Every row carries the sequence number of the input row it came from (``_seq:IGNORE``: the
importer skips it). Where the online upsert keeps one row of a key (the last; the latest
period), the rows of the other sequence numbers are dropped from the parts at the end:
duplicates are rare, so the common case rewrites nothing.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from graph.store.embedded.importer import ImportFiles
from loaders.initial.keys import NO_DAY

SEQ = "_seq:IGNORE"
# For one duplicated key of a domain: its rows as (key hash, seq, period day), the seqs kept.
Latest = Callable[[str, list[tuple[int, int, int]]], set[int]]
ARRAY_DELIMITER = ";"  # the importer's default


@dataclass(frozen=True)
class Group:
    """Rows of one label set or relationship type between given id spaces, de-duplicated
    within ``domain``."""

    flag: str  # "nodes" or "relationships"
    what: str  # "Subject:Organization", "SHAREHOLDER_OF"
    ids: tuple[str, ...]  # the header's id cells: "uscc:ID(Organization)", ":START_ID(Person)"
    domain: str


def type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, list):
        return "string[]"
    return "string"


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(v) for v in value)
    return str(value)


@dataclass
class _Part:
    path: Path
    columns: list[str]  # property names, in header order
    known: set[str]
    header: list[str]
    file: IO[str]
    writer: Any


@dataclass
class _Domain:
    """The (key hash, sequence, period) of every row of a domain, and which to keep."""

    keep: str  # "last": the last row of a key; "latest": latest period, else last
    hashes: array[int] = field(default_factory=lambda: array("q"))
    seqs: array[int] = field(default_factory=lambda: array("q"))
    periods: array[int] = field(default_factory=lambda: array("i"))


class ImportWriter:
    """Writes the parts of every group under ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._open: dict[Group, _Part] = {}
        self._parts: dict[Group, list[Path]] = {}
        self._domains: dict[str, _Domain] = {}
        self._count = 0
        self.multiline = False  # a text value holds a line break: the importer must know

    def domain(self, name: str, keep: str = "last") -> None:
        self._domains.setdefault(name, _Domain(keep))

    def key(self, domain: str, seq: int, key_hash: int, period: date | None = None) -> None:
        d = self._domains[domain]
        d.hashes.append(key_hash)
        d.seqs.append(seq)
        d.periods.append(period.toordinal() if period is not None else NO_DAY)

    def row(self, group: Group, seq: int, ids: tuple[str, ...], props: dict[str, Any]) -> None:
        present = {k: v for k, v in props.items() if v is not None}
        part = self._open.get(group)
        if part is None or not present.keys() <= part.known:
            part = self._new_part(group, present, part)
        for value in present.values():
            if isinstance(value, str) and ("\n" in value or "\r" in value):
                self.multiline = True
        part.writer.writerow([*ids, seq, *(cell(present.get(c)) for c in part.columns)])

    def _new_part(self, group: Group, present: dict[str, Any], old: _Part | None) -> _Part:
        columns = list(old.columns) if old else []
        header = list(old.header[len(group.ids) + 1 :]) if old else []
        for name, value in present.items():
            if name not in columns:
                columns.append(name)
                header.append(f"{name}:{type_of(value)}")
        if old is not None:
            old.file.close()
        paths = self._parts.setdefault(group, [])
        self._count += 1
        # Numbered: two groups may share a label set or type (a holder of either label).
        path = self.directory / f"{self._count:04d}-{group.what.replace(':', '_')}.csv"
        paths.append(path)
        f = path.open("w", encoding="utf-8", newline="")
        writer = csv.writer(f)
        full_header = [*group.ids, SEQ, *header]
        writer.writerow(full_header)
        part = _Part(path, columns, set(columns), full_header, f, writer)
        self._open[group] = part
        return part

    def close(self) -> None:
        for part in self._open.values():
            part.file.close()
        self._open.clear()

    def kept(self, domain: str) -> int:
        """How many distinct keys a domain holds."""
        d = self._domains[domain]
        return len(np.unique(np.frombuffer(d.hashes, dtype=np.int64)))

    def drop_duplicates(self, latest: Latest) -> dict[str, set[int]]:
        """Remove the rows the online upsert would not have kept; returns the sequence
        numbers dropped, by domain.

        ``latest``: for the rows of one duplicated key of a "latest" domain, as
        ``(hash, seq, period)``, the sequence numbers to keep (the online rule itself).
        """
        self.close()
        by_domain: dict[str, set[int]] = {}
        for name, d in self._domains.items():
            dropped = _dropped(name, d, latest)
            if not dropped:
                continue
            by_domain[name] = dropped
            for group, paths in self._parts.items():
                if group.domain == name:
                    for path in paths:
                        _filter(path, len(group.ids), dropped)
        return by_domain

    def groups(self) -> tuple[list[ImportFiles], list[ImportFiles]]:
        """The ``--nodes`` and ``--relationships`` groups, one per part."""
        self.close()
        nodes: list[ImportFiles] = []
        rels: list[ImportFiles] = []
        for group, paths in self._parts.items():
            out = nodes if group.flag == "nodes" else rels
            out += [ImportFiles(group.what, (path,)) for path in paths]
        return nodes, rels


def _dropped(name: str, d: _Domain, latest: Latest) -> set[int]:
    hashes = np.frombuffer(d.hashes, dtype=np.int64)
    if len(np.unique(hashes)) == len(hashes):
        return set()
    seqs = np.frombuffer(d.seqs, dtype=np.int64)
    periods = np.frombuffer(d.periods, dtype=np.int32)
    order = np.lexsort((seqs, hashes))  # by hash, then in input order
    hashes, seqs, periods = hashes[order], seqs[order], periods[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    ends = np.r_[starts[1:], len(hashes)]
    dropped: set[int] = set()
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start == 1:
            continue
        rows = list(
            zip(
                hashes[start:end].tolist(),
                seqs[start:end].tolist(),
                periods[start:end].tolist(),
                strict=True,
            )
        )
        keep = {rows[-1][1]} if d.keep == "last" else latest(name, rows)
        dropped.update(seq for _, seq, _ in rows if seq not in keep)
    return dropped


def _filter(path: Path, id_cells: int, dropped: set[int]) -> None:
    kept = path.with_suffix(".kept")
    with (
        path.open(encoding="utf-8", newline="") as src,
        kept.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for row in reader:
            if int(row[id_cells]) not in dropped:
                writer.writerow(row)
    kept.replace(path)
