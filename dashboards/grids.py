"""Tables: one way to show rows (dash-ag-grid, sortable and filterable) and to export what
the viewer sees as CSV, for every page.

A grid and its export button are a pair of pattern-matching ids named by the page
(``table("quality-departments", ...)``); one clientside callback, registered once by the
app, asks the grid to export when its button is clicked, so an export costs the server
nothing and exports exactly the rows the viewer's sort and filters left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
import dash_ag_grid as dag
from dash import MATCH, Input, Output, html

GRID = "grid"
EXPORT = "grid-export"


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
            dag.AgGrid(
                id=grid_id(name),
                columnDefs=list(columns),
                rowData=list(rows),
                defaultColDef={"sortable": True, "filter": True, "resizable": True},
                columnSize="responsiveSizeToFit",
                csvExportParams={"fileName": f"{file_name or name}.csv"},
                dashGridOptions={"pagination": True, "paginationPageSize": 50},
                style={"height": height},
            ),
        ],
        className="table",
    )


def grid_id(name: str) -> dict[str, str]:
    return {"type": GRID, "name": name}


def register_callbacks(app: dash.Dash) -> None:
    app.clientside_callback(
        "function (clicks) { return clicks ? true : window.dash_clientside.no_update; }",
        Output({"type": GRID, "name": MATCH}, "exportDataAsCsv"),
        Input({"type": EXPORT, "name": MATCH}, "n_clicks"),
        prevent_initial_call=True,
    )
