"""The importer's CSV files: typed headers, parts written where the rows are made, and the
de-duplication of keys the online upsert would have written once.

A part's first line is its header, with the columns of the rows it holds, so the columns
follow whatever validation returns (a new property of :mod:`graph.ingest.validate` lands
here with no edit): a row that brings a column its part lacks closes the part and opens one
with the wider header. Parts of one label set (or type) with the same header are joined
into one file at the end (:meth:`ImportSet.groups`). Values are typed by their Python
type (dates ``date``, floats ``double`` — Cypher's float is 64-bit — booleans ``boolean``,
lists ``string[]``); an empty cell is a missing value, as an absent one is online.

Every row carries the sequence number of the input row it came from (``_seq:IGNORE``: the
importer skips it). Where the online upsert keeps one row of a key (the last; the latest
period), the rows of the other sequence numbers are dropped from the parts at the end:
duplicates are rare, and only the parts that hold one are rewritten.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from graph.store.embedded.importer import ImportFiles
from loaders.initial.keys import NO_DAY

SEQ = "_seq:IGNORE"
_COPY_BUFFER = 1 << 20
ARRAY_DELIMITER = ";"  # the importer's default
# For one duplicated key of a domain: its rows as (key hash, seq, period day), the seqs kept.
Latest = Callable[[str, list[tuple[int, int, int]]], set[int]]


@dataclass(frozen=True)
class Group:
    """Rows of one label set or relationship type between given id spaces, de-duplicated
    within ``domain``."""

    flag: str  # "nodes" or "relationships"
    what: str  # "Subject:Organization", "SHAREHOLDER_OF"
    ids: tuple[str, ...]  # the header's id cells: "uscc:ID(Organization)", ":START_ID(Person)"
    domain: str


class Typed(str):
    """A value already formatted, with its type: what every row repeats (the load's
    ``loaded_at``) is formatted once."""

    kind: str

    def __new__(cls, text: str, kind: str) -> Typed:
        typed = super().__new__(cls, text)
        typed.kind = kind
        return typed


def type_of(value: Any) -> str:
    if isinstance(value, Typed):
        return value.kind
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
    if isinstance(value, str):
        return value
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
    header: tuple[str, ...]
    file: IO[str]
    writer: Any
    # The cells (by position in a row) the csv module would not write as the importer reads
    # them (booleans, lists, date-times): formatted by :func:`cell`. Text, numbers and dates
    # it writes as they should be, and None as an empty cell.
    formatted: tuple[int, ...]
    rows: int = 0


@dataclass(frozen=True)
class Written:
    """What a :class:`PartWriter` wrote: its parts, and the keys of its rows."""

    parts: list[tuple[Group, tuple[str, ...], Path]]
    keys: list[tuple[str, int, int, int]]  # (domain, seq, key hash, period day)
    multiline: bool


class PartWriter:
    """Writes rows into parts named ``<prefix>-<n>.csv`` under ``directory`` (one writer
    per chunk of rows, in whichever process made them)."""

    def __init__(self, directory: Path, prefix: str) -> None:
        self.directory = directory
        self.prefix = prefix
        self._open: dict[Group, _Part] = {}
        self._parts: list[tuple[Group, tuple[str, ...], Path]] = []
        self._keys: list[tuple[str, int, int, int]] = []
        self._multiline = False

    def key(self, domain: str, seq: int, key_hash: int, period: date | None = None) -> None:
        self._keys.append((domain, seq, key_hash, period.toordinal() if period else NO_DAY))

    def row(self, group: Group, seq: int, ids: tuple[str, ...], props: dict[str, Any]) -> None:
        part = self._open.get(group)
        if part is None or any(props[k] is not None for k in props.keys() - part.known):
            part = self._new_part(group, {k: v for k, v in props.items() if v is not None}, part)
        cells = [*ids, seq, *map(props.get, part.columns)]
        for i in part.formatted:
            cells[i] = cell(cells[i])
        part.writer.writerow(cells)
        part.rows += 1

    def _new_part(self, group: Group, present: dict[str, Any], old: _Part | None) -> _Part:
        columns = list(old.columns) if old else []
        header = list(old.header[len(group.ids) + 1 :]) if old else []
        for name, value in present.items():
            if name not in columns:
                columns.append(name)
                header.append(f"{name}:{type_of(value)}")
        path = self.directory / f"{self.prefix}-{len(self._parts):03d}.csv"
        full = (*group.ids, SEQ, *header)
        self._parts.append((group, full, path))
        f = path.open("w", encoding="utf-8", newline="")
        writer = csv.writer(f)
        writer.writerow(full)
        first = len(group.ids) + 1
        formatted = tuple(
            first + i
            for i, column in enumerate(header)
            if column.rpartition(":")[2] in ("boolean", "string[]", "datetime")
        )
        if old is not None:
            self._close(old)
        part = _Part(path, columns, set(columns), full, f, writer, formatted)
        self._open[group] = part
        return part

    def _close(self, part: _Part) -> None:
        part.file.close()
        # Every row ends in the writer's "\r\n": more line breaks than rows lie in a field,
        # which the importer must then be told of (it reads such files on one thread).
        data = part.path.read_bytes()
        lines = part.rows + 1
        self._multiline |= data.count(b"\n") != lines or data.count(b"\r") != lines

    def close(self) -> Written:
        for part in self._open.values():
            self._close(part)
        self._open.clear()
        return Written(self._parts, self._keys, self._multiline)


# One key of a row: (key hash, seq, period day), as stored on disk until the end.
_KEY = np.dtype([("hash", "<i8"), ("seq", "<i8"), ("period", "<i4")])


class ImportSet:
    """Every part written, in the order of the input, and the keys of their rows.

    The keys go to a file per domain (20 bytes a row) rather than memory, and are read back
    one domain at a time at the end: memory then holds the largest domain's keys once, not
    every row of the load for its whole length.
    """

    def __init__(self, directory: Path, keep_latest: frozenset[str]) -> None:
        self.directory = directory
        self.keep_latest = keep_latest  # domains keeping the latest period, else the last row
        self.parts: list[tuple[Group, tuple[str, ...], Path]] = []
        # The sequence numbers a part's rows lie between: its writer's of the part's domain.
        self.seqs: dict[Path, tuple[int, int]] = {}
        self.domains: dict[str, IO[bytes]] = {}
        self.kept: dict[str, int] = {}  # distinct keys per domain, once de-duplicated
        self.multiline = False

    def add(self, written: Written) -> None:
        self.multiline |= written.multiline
        by_domain: dict[str, list[tuple[int, int, int]]] = {}
        for domain, seq, key_hash, period in written.keys:
            by_domain.setdefault(domain, []).append((key_hash, seq, period))
        for domain, rows in by_domain.items():
            f = self.domains.get(domain)
            if f is None:
                f = self.domains[domain] = (self.directory / f"keys-{domain}.bin").open("wb")
            np.array(rows, dtype=_KEY).tofile(f)
        for group, header, path in written.parts:
            self.parts.append((group, header, path))
            if keyed := by_domain.get(group.domain):
                seqs = [seq for _, seq, _ in keyed]
                self.seqs[path] = (min(seqs), max(seqs))

    def drop_duplicates(self, latest: Latest) -> dict[str, set[int]]:
        """Remove the rows the online upsert would not have kept, and count the keys kept;
        returns the sequence numbers dropped, by domain.

        ``latest``: for the rows of one duplicated key of a "latest" domain, as
        ``(hash, seq, period)``, the sequence numbers to keep (the online rule itself).
        Only the parts that hold a dropped row are rewritten.
        """
        by_domain: dict[str, set[int]] = {}
        for name, f in self.domains.items():
            f.flush()
            keys = np.fromfile(f.name, dtype=_KEY)
            dropped, self.kept[name] = _dropped(
                name, keys, latest if name in self.keep_latest else None
            )
            if not dropped:
                continue
            by_domain[name] = dropped
            ordered = np.array(sorted(dropped), dtype=np.int64)
            for group, _, path in self.parts:
                if group.domain == name and _holds(ordered, self.seqs.get(path)):
                    _filter(path, len(group.ids), dropped)
        return by_domain

    def close(self) -> None:
        """Remove the key files (the parts stay, for the importer)."""
        for f in self.domains.values():
            f.close()
            Path(f.name).unlink(missing_ok=True)
        self.domains.clear()

    def groups(self) -> tuple[list[ImportFiles], list[ImportFiles]]:
        """The ``--nodes`` and ``--relationships`` groups: the parts of one label set (or
        type) and header, in the order they were written, joined into one file.

        Joined because the importer, before it imports, samples each file on one thread to
        estimate the store: a part is smaller than its sample, so hundreds of parts were read
        whole (half a minute at 1M organisations), where one file per group is sampled once.
        """
        grouped: dict[tuple[str, str, tuple[str, ...]], list[Path]] = {}
        for group, header, path in self.parts:
            grouped.setdefault((group.flag, group.what, header), []).append(path)
        nodes: list[ImportFiles] = []
        rels: list[ImportFiles] = []
        for n, ((flag, what, _), paths) in enumerate(grouped.items()):
            joined = _joined(paths, self.directory / f"{flag}-{n:03d}.csv")
            (nodes if flag == "nodes" else rels).append(ImportFiles(what, (joined,)))
        return nodes, rels


def _joined(parts: list[Path], path: Path) -> Path:
    """The parts (each with the same header line) as one file, with that header once; the
    parts are removed."""
    if len(parts) == 1:
        return parts[0]
    with path.open("wb") as out:
        for i, part in enumerate(parts):
            with part.open("rb") as f:
                header = f.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(f, out, _COPY_BUFFER)
            part.unlink()
    return path


def _holds(dropped: npt.NDArray[np.int64], seqs: tuple[int, int] | None) -> bool:
    """Whether a sorted ``dropped`` has a number between ``seqs`` (a part's bounds)."""
    if seqs is None:
        return False
    at = int(np.searchsorted(dropped, seqs[0]))
    return at < len(dropped) and int(dropped[at]) <= seqs[1]


def _dropped(name: str, keys: npt.NDArray[np.void], latest: Latest | None) -> tuple[set[int], int]:
    """The sequence numbers of the rows not kept, and how many distinct keys there are
    (``keys`` holds at least one: a domain's file is opened by its first key)."""
    hashes, seqs, periods = keys["hash"], keys["seq"], keys["period"]
    order = np.lexsort((seqs, hashes))  # by hash, then in input order
    hashes, seqs, periods = hashes[order], seqs[order], periods[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    if len(starts) == len(hashes):
        return set(), len(starts)
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
        keep = {rows[-1][1]} if latest is None else latest(name, rows)
        dropped.update(seq for _, seq, _ in rows if seq not in keep)
    return dropped, len(starts)


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
