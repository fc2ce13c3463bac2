"""Table exports: any dash-ag-grid table downloaded as CSV or XLSX, as the user sees it.

One way for every page: build the grid with :func:`grid_id` and put :func:`export_controls`
beside it. The one pattern-matching callback below then answers both buttons of every such
table with the rows the grid shows after the user's filters and sort (``virtualRowData``),
under the grid's column headers, in the grid's column order.

The file builders are pure (:func:`table_csv`, :func:`table_xlsx`) and defend the reader's
spreadsheet: a text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, tab, carriage return) is prefixed with an apostrophe (OWASP "CSV injection"), and
every text cell passes the identifier scrubber, so an ID number that slipped into free text
never leaves in a file.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from dash import ALL, MATCH, Input, Output, State, callback, ctx, dcc, html, no_update
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from graph.identifiers import scrub

ExportFormat = Literal["csv", "xlsx"]
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_COLUMN_WIDTH = 60

Cell = str | int | float | bool | None


def grid_id(name: str) -> dict[str, str]:
    """The id of an exportable grid; ``name`` is also the downloaded file's name."""
    return {"type": "export-grid", "grid": name}


def export_controls(name: str, labels: Mapping[str, str] | None = None) -> html.Div:
    """The CSV and XLSX buttons and the download of the grid :func:`grid_id` ``(name)``."""
    text = labels or {"csv": "CSV", "xlsx": "XLSX"}
    return html.Div(
        [
            *(
                html.Button(
                    text.get(fmt, fmt.upper()),
                    id={"type": "table-export", "grid": name, "format": fmt},
                    className="table-export",
                    n_clicks=0,
                )
                for fmt in FORMATS
            ),
            dcc.Download(id={"type": "table-download", "grid": name}),
        ],
        className="table-exports",
    )


def columns_of(column_defs: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(field, header)`` of each column of an AG Grid ``columnDefs`` (groups flattened)."""
    columns: list[tuple[str, str]] = []
    for column in column_defs:
        if "children" in column:
            columns += columns_of(column["children"])
        elif "field" in column:
            columns.append((column["field"], str(column.get("headerName") or column["field"])))
    return columns


def safe_cell(value: Any) -> Cell:
    """A cell value fit for a file a spreadsheet opens: scrubbed, never a formula."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        value = "; ".join("" if v is None else str(v) for v in value)
    text = scrub(str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def table_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark, so Excel reads the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow(["" if (c := safe_cell(row.get(f))) is None else c for f, _ in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]], sheet: str
) -> bytes:
    """The table as an XLSX workbook of one sheet, headers bold and frozen."""
    workbook = Workbook()
    worksheet = workbook.active
    # Excel refuses sheet titles over 31 characters or holding any of []:*?/\.
    worksheet.title = "".join(ch for ch in sheet if ch not in "[]:*?/\\")[:31] or "table"
    worksheet.append([header for _, header in columns])
    for row in rows:
        worksheet.append([safe_cell(row.get(field)) for field, _ in columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    worksheet.freeze_panes = "A2"
    for index, (field, header) in enumerate(columns, start=1):
        longest = max([len(header), *(len(str(row.get(field) or "")) for row in rows[:200])])
        width = min(longest + 2, XLSX_MAX_COLUMN_WIDTH)
        worksheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_download(
    rows: Sequence[Mapping[str, Any]],
    column_defs: Sequence[Mapping[str, Any]],
    fmt: ExportFormat,
    name: str,
) -> dict[str, Any]:
    """What a ``dcc.Download`` needs to save the table as ``<name>.<fmt>``."""
    columns = columns_of(column_defs)
    if fmt == "csv":
        return file_download(table_csv(rows, columns), f"{name}.csv", "text/csv")
    if fmt == "xlsx":
        return file_download(table_xlsx(rows, columns, name), f"{name}.xlsx", XLSX_MEDIA_TYPE)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")


def file_download(content: bytes, filename: str, media_type: str) -> dict[str, Any]:
    """The ``dcc.Download`` data of a file (what ``dcc.send_bytes`` builds, typed)."""
    return {
        "content": base64.b64encode(content).decode("ascii"),
        "filename": filename,
        "type": media_type,
        "base64": True,
    }


@callback(
    Output({"type": "table-download", "grid": MATCH}, "data"),
    Input({"type": "table-export", "grid": MATCH, "format": ALL}, "n_clicks"),
    State({"type": "export-grid", "grid": MATCH}, "virtualRowData"),
    State({"type": "export-grid", "grid": MATCH}, "rowData"),
    State({"type": "export-grid", "grid": MATCH}, "columnDefs"),
    prevent_initial_call=True,
)
def _export(
    clicks: list[int | None],
    shown: list[dict[str, Any]] | None,
    loaded: list[dict[str, Any]] | None,
    column_defs: list[dict[str, Any]] | None,
) -> Any:
    trigger = ctx.triggered_id
    if not trigger or not any(clicks):
        return no_update
    # virtualRowData is unset until the grid has rendered once; then it is all rows.
    rows = shown if shown is not None else loaded or []
    return table_download(rows, column_defs or [], trigger["format"], trigger["grid"])
