"""Tables: one way to show rows (dash-ag-grid, sortable and filterable) and to export what
the viewer sees as CSV, for every page.

A grid, its export button and its download are pattern-matching ids named by the page
(``table("quality-departments", ...)``). The export is made on the server by
:mod:`dashboards.exports` from the rows the viewer's sort and filters left, under the same
rules as the XLSX export (ID numbers scrubbed, formulas defused), which AG Grid's own CSV
export in the browser would not apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

GRID = "grid"
EXPORT = "grid-export"
CSV_DOWNLOAD = "grid-download-csv"


def table(
    name: str,
    columns: Sequence[dict[str, Any]],
    rows: Sequence[dict[str, Any]] = (),
    *,
    export_label: str,
    file_name: str | None = None,
    height: str = "420px",
) -> html.Div:
    """A grid with ``columns`` (AG Grid column definitions) over ``rows``, and a button that
    downloads its visible rows as ``<file_name>.csv``. Update it with
    ``Output(grid_id(name), "rowData")``."""
    return html.Div(
        [
            html.Button(export_label, id={"type": EXPORT, "name": name}, className="export"),
            dcc.Download(id={"type": CSV_DOWNLOAD, "name": name}),
            dag.AgGrid(
                id=grid_id(name),
                columnDefs=list(columns),
                rowData=list(rows),
                defaultColDef={"sortable": True, "filter": True, "resizable": True},
                columnSize="responsiveSizeToFit",
                # The export's file name (dashboards.exports reads it from here).
                csvExportParams={"fileName": f"{file_name or name}.csv"},
                dashGridOptions={"pagination": True, "paginationPageSize": 50},
                style={"height": height},
            ),
        ],
        className="table",
    )


def grid_id(name: str) -> dict[str, str]:
    return {"type": GRID, "name": name}
