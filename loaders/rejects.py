"""The rejects file: one line per problem of a rejected row, for the department to fix.

Columns: source file, row (as :mod:`loaders.readers` numbers it), kind, field, reason (a
machine code) and message. Messages come from :mod:`graph.ingest.validate`, which never quotes
an ID number unmasked; no row value is written otherwise. UTF-8 with a BOM, so that Excel,
which most departments open it with, shows the Chinese text.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from graph.identifiers import scrub
from graph.ingest.validate import FieldError

COLUMNS = ("source_file", "row", "kind", "field", "reason", "message")


class RejectsWriter:
    """Writes lazily: the file exists only once a row is rejected, unless ``always``."""

    def __init__(self, path: Path, always: bool = False) -> None:
        self.path = path
        self.always = always
        self.rows = 0
        self._file: IO[str] | None = None
        self._writer: Any = None

    def add(self, source_file: str, row: int, kind: str, errors: tuple[FieldError, ...]) -> None:
        if self._writer is None:
            self._open()
        for error in errors:
            # Messages mask what they quote already; the file name is the sender's to choose.
            self._writer.writerow(
                (scrub(source_file), row, kind, error.field, error.reason, scrub(error.message))
            )
        self.rows += 1

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(COLUMNS)

    @property
    def written(self) -> bool:
        return self._file is not None

    def close(self) -> None:
        if self._file is None and self.always:
            self._open()
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
