"""Readers: a file in one of the supported formats, streamed as rows of text.

Every format yields the same thing: ``(row_number, {column: text or None})``, with values
stripped and empty cells as None. Everything is text, as the department wrote it: no type
guessing, so a stock code ``000001`` or an ID number stays what it was (typed cells of
XLSX, JSON Lines and Parquet are written back as their canonical text). Row numbers are
what a person finds the row by: the spreadsheet row for CSV and XLSX (the header is row 1),
the line for JSON Lines, the 1-based position for Parquet. Nested JSON is flattened to
dotted paths (:func:`flatten`).

A file that cannot be read raises :class:`UnreadableFile` naming the file, the place and
the cause, never quoting its content.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

TextRow = dict[str, str | None]
# The key under which a CSV row's surplus fields arrive (more fields than the header).
SURPLUS = "\x00surplus"

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".parquet": "parquet"}
_CHUNK = 1 << 20
_PARQUET_BATCH = 10_000


class UnreadableFile(Exception):
    """A file that cannot be parsed; the load stops before writing anything."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path.name}: {message}")
        self.path = path


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


@dataclass(frozen=True)
class Table:
    """An open-able tabular file: its header (None for JSON Lines, whose rows name their own
    columns) and a fresh stream of its rows on every call to :meth:`rows`."""

    path: Path
    format: str
    encoding: str | None
    columns: tuple[str, ...] | None

    def rows(self) -> Iterator[tuple[int, TextRow]]:
        return _ROW_READERS[self.format](self)

    def count(self) -> int:
        """How many rows :meth:`rows` gives (a CSV file is parsed, no row is made)."""
        if self.format == "csv":
            return sum(span.rows for span in _csv_spans(self, sys.maxsize))
        return sum(1 for _ in self.rows())

    def spans(self, records: int) -> Iterator[Span] | None:
        """The file cut into runs of ``records`` records that a process can each read on
        its own (:meth:`rows_of`); None for a format that cannot be cut (only CSV can)."""
        return _csv_spans(self, records) if self.format == "csv" else None

    def rows_of(self, span: Span) -> Iterator[tuple[int, TextRow]]:
        """The rows of one span, numbered as :meth:`rows` numbers them."""
        return _csv_rows(self, span)


@dataclass(frozen=True)
class Span:
    """A run of a CSV file's records: where it starts (the text stream's position, as
    ``tell`` gives it: a decoder's state included), the number of its first record, how
    many records it holds and how many of them are rows (not blank lines)."""

    start: int
    first: int
    records: int
    rows: int


def open_table(path: Path) -> Table:
    """Detect the format (and a CSV's encoding) and read the header."""
    fmt = format_of(path)
    if fmt is None:
        raise UnreadableFile(path, f"unsupported format {path.suffix!r} (use {', '.join(FORMATS)})")
    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    if fmt == "csv":
        encoding = detect_encoding(path)
        return Table(path, fmt, encoding, _csv_header(path, encoding))
    if fmt == "xlsx":
        return Table(path, fmt, None, _xlsx_header(path))
    if fmt == "parquet":
        return Table(path, fmt, None, _parquet_header(path))
    return Table(path, fmt, None, None)


def _header(path: Path, names: list[Any]) -> tuple[str, ...]:
    header = tuple(text(name) or "" for name in names)
    if not header or not any(header):
        raise UnreadableFile(path, "no header row")
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise UnreadableFile(path, f"column {name!r} appears twice in the header")
        seen.add(name)
    return header


def text(value: Any) -> str | None:
    """A cell's canonical text: None for empty; dates ISO; whole floats without ``.0``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # Spreadsheets store every number as a float: 1.0 was typed as 1.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


# --------------------------------------------------------------------------- CSV


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8 (with or without a BOM), else
    ``gb18030`` (a superset of GBK and GB2312, which departments' systems still export)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def _csv_reader(f: Any) -> Any:
    # strict: an unterminated quote is an error, not a field that swallows the rest.
    return csv.reader(f, strict=True)


def _csv_header(path: Path, encoding: str) -> tuple[str, ...]:
    try:
        with path.open(encoding=encoding, newline="") as f:
            first = next(_csv_reader(f), None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(path, f"header: {_cause(exc)}") from None
    if first is None:
        raise UnreadableFile(path, "empty file")
    return _header(path, first)


def _csv_rows(table: Table, span: Span | None = None) -> Iterator[tuple[int, TextRow]]:
    assert table.encoding is not None and table.columns is not None
    columns, width = table.columns, len(table.columns)
    first = 2 if span is None else span.first
    number = first - 1
    try:
        with table.path.open(encoding=table.encoding, newline="") as f:
            if span is None:
                reader = _csv_reader(f)
                next(reader)
                records = reader
            else:
                f.seek(span.start)
                records = islice(_csv_reader(f), span.records)
            for number, fields in enumerate(records, start=first):
                if not any(fields):
                    continue
                row: TextRow = {
                    name: (value.strip() or None)
                    for name, value in zip(columns, fields, strict=False)
                }
                # Trailing empty fields (a spreadsheet's habit) are harmless; others are not.
                if len(fields) > width and any(v.strip() for v in fields[width:]):
                    row[SURPLUS] = str(len(fields) - width)
                yield number, row
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(table.path, f"row {number + 1}: {_cause(exc)}") from None


def _csv_spans(table: Table, records: int) -> Iterator[Span]:
    """Parse the records (no rows are made) and note where every ``records``-th one ends.

    The file is read line by line through ``readline`` so that ``tell`` stays usable, and
    the reader takes lines only as a record needs them: after a record, the stream stands
    at the next one, a quoted field's line breaks included."""
    assert table.encoding is not None
    number = 1
    try:
        with table.path.open(encoding=table.encoding, newline="") as f:
            reader = _csv_reader(iter(f.readline, ""))
            next(reader)
            while True:
                start, first, blank = f.tell(), number + 1, 0
                for fields in islice(reader, records):
                    number += 1  # so that an error names its record
                    blank += not any(fields)  # a blank line is no row
                taken = number + 1 - first
                if not taken:
                    return
                yield Span(start, first, taken, taken - blank)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(table.path, f"row {number + 1}: {_cause(exc)}") from None


def _cause(exc: Exception) -> str:
    return "not valid UTF-8 or GB18030" if isinstance(exc, UnicodeDecodeError) else str(exc)


# --------------------------------------------------------------------------- XLSX


def _open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook  # imported here: only XLSX loads pay for it

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike for a bad file
        raise UnreadableFile(path, f"not a readable XLSX workbook ({type(exc).__name__})") from None


def _xlsx_header(path: Path) -> tuple[str, ...]:
    workbook = _open_workbook(path)
    try:
        first = next(workbook.worksheets[0].iter_rows(values_only=True), None)
    finally:
        workbook.close()
    if first is None:
        raise UnreadableFile(path, "empty sheet")
    return _header(path, list(first))


def _xlsx_rows(table: Table) -> Iterator[tuple[int, TextRow]]:
    assert table.columns is not None
    workbook = _open_workbook(table.path)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        next(rows)
        for number, cells in enumerate(rows, start=2):
            values = [text(cell) for cell in cells]
            if any(values):
                yield number, dict(zip(table.columns, values, strict=False))
    finally:
        workbook.close()


# --------------------------------------------------------------------------- JSON Lines


def _jsonl_rows(table: Table) -> Iterator[tuple[int, TextRow]]:
    number = 0
    try:
        with table.path.open(encoding="utf-8-sig") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise UnreadableFile(table.path, f"line {number}: not a JSON object")
                yield number, dict(flatten(obj))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        cause = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else exc.msg
        raise UnreadableFile(table.path, f"line {number}: {cause}") from None


def flatten(value: Any, path: str = "") -> Iterator[tuple[str, str | None]]:
    """A JSON object's leaves as ``(dotted path, text)``: ``{"a": {"b": [1]}}`` is
    ``("a.b.0", "1")``, so a mapping addresses nested values by path. An empty object or
    list is a missing value at its own path."""
    children: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        children = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        children = [(str(i), v) for i, v in enumerate(value)]
    else:
        yield path, text(value)
        return
    if not children and path:
        yield path, None
    for key, child in children:
        yield from flatten(child, f"{path}.{key}" if path else key)


# --------------------------------------------------------------------------- Parquet


def _parquet_file(path: Path) -> Any:
    import pyarrow.parquet as pq  # imported here: only Parquet loads pay for it

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError… for a bad file
        raise UnreadableFile(path, f"not a readable Parquet file ({type(exc).__name__})") from None


def _parquet_header(path: Path) -> tuple[str, ...]:
    return _header(path, list(_parquet_file(path).schema_arrow.names))


def _parquet_rows(table: Table) -> Iterator[tuple[int, TextRow]]:
    number = 0
    try:
        for batch in _parquet_file(table.path).iter_batches(batch_size=_PARQUET_BATCH):
            for record in batch.to_pylist():
                number += 1
                yield number, {k: text(v) for k, v in record.items()}
    except UnreadableFile:
        raise
    except Exception as exc:  # a corrupt page surfaces only when it is read
        raise UnreadableFile(table.path, f"row {number + 1}: {type(exc).__name__}") from None


_ROW_READERS = {
    "csv": _csv_rows,
    "xlsx": _xlsx_rows,
    "jsonl": _jsonl_rows,
    "parquet": _parquet_rows,
}
