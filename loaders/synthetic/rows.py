"""What is written: the columns of each CSV file, their value formats, the streaming writer."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Final

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "departments": ("code", "name", "province"),
    "organizations": (
        "uscc", "name", "kind", "region_code", "status", "established_on",
        "registered_capital", "hub", "stock_code",
    ),
    "persons": ("id_number", "person_key", "name", "region_code", "gender", "birth_year"),
    "legal_reps": ("id_number", "person_key", "uscc", "since", "until"),
    "officers": ("id_number", "person_key", "uscc", "role", "since", "until", "period"),
    "shareholdings": (
        "holder_uscc", "holder_id_number", "holder_person_key", "uscc", "ratio", "since", "until",
        "period",
    ),
    "branches": ("branch_uscc", "head_uscc"),
    "licences": (
        "id_number", "person_key", "occupation_code", "licence_no", "valid_until",
        "practises_at_uscc",
    ),
    "records": (
        "record_id", "subject_uscc", "subject_id_number", "subject_person_key", "list",
        "category", "level", "authority", "basis", "decided_on", "publish_from",
        "publish_until", "status", "source_province",
    ),
}  # fmt: skip

Subject = tuple[str, str, str]  # (uscc, id_number, person_key): exactly one is non-empty


class CodeTable:
    """Fixed-width ASCII codes in one bytearray: 18 bytes a code instead of a ~70-byte str."""

    __slots__ = ("_data",)
    WIDTH: Final = 18

    def __init__(self) -> None:
        self._data = bytearray()

    def append(self, code: str) -> None:
        self._data += code.encode("ascii").ljust(self.WIDTH)

    def __getitem__(self, index: int) -> str:
        start = index * self.WIDTH
        return self._data[start : start + self.WIDTH].decode("ascii").rstrip()

    def __len__(self) -> int:
        return len(self._data) // self.WIDTH


class Sink:
    """One CSV writer per kind; rows go to disk as they are made."""

    def __init__(self, out_dir: Path, stack: ExitStack) -> None:
        self.counts = dict.fromkeys(COLUMNS, 0)
        self._writers = {}
        for kind, columns in COLUMNS.items():
            path = out_dir / f"{kind}.csv"
            handle = stack.enter_context(
                path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
            )
            # "\n", not csv's "\r\n" default: the same bytes wherever it runs.
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            self._writers[kind] = writer

    def write(self, kind: str, row: Sequence[object]) -> None:
        self._writers[kind].writerow(row)
        self.counts[kind] += 1


def iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def optional_iso(ordinal: int | None) -> str:
    return "" if ordinal is None else iso(ordinal)


def ratio(points: int) -> str:
    """Basis points as a ratio string: 5100 → "0.51", 10000 → "1"."""
    return f"{points / 10000:.4f}".rstrip("0").rstrip(".")
