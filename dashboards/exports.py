"""CSV and XLSX exports of any grid made by :func:`dashboards.grids.table`, as the viewer
sees it.

Every table has its CSV button (:mod:`dashboards.grids`); put :func:`export_controls` beside
it for XLSX too. The pattern-matching callbacks below answer them on the server with the
rows the grid shows after the viewer's filters and sort (``virtualRowData``), under the
grid's column headers, in the grid's column order, through a ``dcc.Download``. Both are made
on the server so both follow the same rules (:mod:`dashboards.safe_cells`: ID numbers
scrubbed, formulas defused; openpyxl itself would store a text starting with ``=`` as a
formula), which the grid's own CSV export in the browser would not.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

from dash import MATCH, Input, Output, State, callback, ctx, dcc, html, no_update
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dashboards.grids import CSV_DOWNLOAD, GRID
from dashboards.grids import EXPORT as CSV_EXPORT
from dashboards.safe_cells import safe_cell, table_csv

EXPORT = "grid-export-xlsx"
DOWNLOAD = "grid-download-xlsx"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_COLUMN_WIDTH = 60


def export_controls(name: str, label: str = "XLSX") -> html.Div:
    """The XLSX button and download of the grid ``grids.table(name, …)``."""
    return html.Div(
        [
            html.Button(label, id={"type": EXPORT, "name": name}, className="export"),
            dcc.Download(id={"type": DOWNLOAD, "name": name}),
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
    rows: Sequence[Mapping[str, Any]], column_defs: Sequence[Mapping[str, Any]], name: str
) -> dict[str, Any]:
    """What a ``dcc.Download`` needs to save the table as ``<name>.xlsx``."""
    data = table_xlsx(rows, columns_of(column_defs), name)
    return file_download(data, f"{name}.xlsx", XLSX_MEDIA_TYPE)


def file_download(content: bytes, filename: str, media_type: str) -> dict[str, Any]:
    """The ``dcc.Download`` data of a file (what ``dcc.send_bytes`` builds, typed)."""
    return {
        "content": base64.b64encode(content).decode("ascii"),
        "filename": filename,
        "type": media_type,
        "base64": True,
    }


@callback(
    Output({"type": DOWNLOAD, "name": MATCH}, "data"),
    Input({"type": EXPORT, "name": MATCH}, "n_clicks"),
    State({"type": GRID, "name": MATCH}, "virtualRowData"),
    State({"type": GRID, "name": MATCH}, "rowData"),
    State({"type": GRID, "name": MATCH}, "columnDefs"),
    prevent_initial_call=True,
)
def _export(
    clicks: int | None,
    shown: list[dict[str, Any]] | None,
    loaded: list[dict[str, Any]] | None,
    column_defs: list[dict[str, Any]] | None,
) -> Any:
    trigger = ctx.triggered_id
    if not trigger or not clicks:
        return no_update
    return table_download(_shown(shown, loaded), column_defs or [], trigger["name"])


@callback(
    Output({"type": CSV_DOWNLOAD, "name": MATCH}, "data"),
    Input({"type": CSV_EXPORT, "name": MATCH}, "n_clicks"),
    State({"type": GRID, "name": MATCH}, "virtualRowData"),
    State({"type": GRID, "name": MATCH}, "rowData"),
    State({"type": GRID, "name": MATCH}, "columnDefs"),
    State({"type": GRID, "name": MATCH}, "csvExportParams"),
    prevent_initial_call=True,
)
def _export_csv(
    clicks: int | None,
    shown: list[dict[str, Any]] | None,
    loaded: list[dict[str, Any]] | None,
    column_defs: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> Any:
    trigger = ctx.triggered_id
    if not trigger or not clicks:
        return no_update
    text = table_csv(_shown(shown, loaded), columns_of(column_defs or []))
    name = (params or {}).get("fileName") or f"{trigger['name']}.csv"
    return file_download(text.encode("utf-8"), name, CSV_MEDIA_TYPE)


def _shown(
    shown: list[dict[str, Any]] | None, loaded: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    # virtualRowData is unset until the grid has rendered once; then it is all rows.
    return shown if shown is not None else loaded or []
