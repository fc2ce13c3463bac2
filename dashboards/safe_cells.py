"""The rules every file a viewer downloads follows, CSV and XLSX alike: a text cell passes
the identifier scrubber, so an ID number that slipped into free text never leaves in a file,
and a text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return) gets a leading apostrophe (OWASP "CSV injection"). Pure: no Dash here, so
the figure builders use it too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from graph.identifiers import scrub

# Characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV as UTF-8 (Chinese names and headers) only when it starts with a BOM.
UTF8_BOM = "\ufeff"

Cell = str | int | float | bool | None


def safe_cell(value: Any) -> Cell:
    """A cell value fit for a file a spreadsheet opens: scrubbed, never a formula."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        value = "; ".join("" if v is None else str(v) for v in value)
    text = scrub(str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def table_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """The rows as CSV under ``columns`` (``(field, header)`` pairs), every cell and header
    made safe by :func:`safe_cell`, starting with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(header) for _, header in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(field)) for field, _ in columns])
    return UTF8_BOM + out.getvalue()
