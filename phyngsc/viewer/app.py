"""The Dash application of ``phyngsc view`` (needs the ``viz`` extra: dash, dash-bio).

Layout: a summary header; drop-downs for the sub-block and the heatmap metric; range
sliders for the records (within the sub-block) and read positions; the quality
heatmap, nucleotide composition, read-length histogram, a filterable/sortable/paged
table of the selected records and an alignment chart of selected reads (or of reads
containing a pattern). The callbacks are thin wrappers around
:mod:`phyngsc.viewer.callbacks`.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from ..errors import UsageError
from . import callbacks as cb
from .data import ViewerData


def _imports():
    try:
        import dash
        import dash_bio
        from dash import Input, Output, dash_table, dcc, html
    except ImportError as exc:
        raise UsageError(f"the viewer needs the viz extra (pip install 'phyngsc[viz]'): "
                         f"{exc}") from None
    return dash, dash_bio, dash_table, dcc, html, Input, Output


TABLE_COLUMNS = [("record", "record", "numeric"), ("mate", "mate", "numeric"),
                 ("title", "title", "text"), ("length", "length", "numeric"),
                 ("mean_quality", "mean quality", "numeric"), ("gc", "GC %", "numeric"),
                 ("sequence", "sequence", "text")]


def _warm(data: ViewerData, first: dict) -> None:
    try:
        data.reads(0)
        data.subblock_quality(0, first["positions_max"] + 1)
    except Exception:  # noqa: BLE001 - the callbacks will report it to the page
        pass


def create_app(path: str) -> Any:
    """The Dash app for archive ``path`` (reads its footer and sub-block headers now)."""
    dash, dash_bio, dash_table, dcc, html, Input, Output = _imports()
    data = ViewerData(path)
    if not data.arch.n_subblocks:
        data.close()
        raise UsageError(f"{path}: the archive holds no records: nothing to view")
    first = cb.on_subblock(data, 0)
    # decode what the first page shows while the browser loads it
    threading.Thread(target=_warm, args=(data, first), daemon=True).start()
    app = dash.Dash(__name__, title=f"phyngsc: {os.path.basename(path)}",
                    assets_folder=os.path.join(os.path.dirname(__file__), "assets"))
    app.phyngsc_data = data   # for tests and for closing

    def control(label: str, child: Any, cid: str) -> Any:
        return html.Div([html.Label(label, htmlFor=cid), child], className="control")

    columns = [{"id": k, "name": n, "type": t} for k, n, t in TABLE_COLUMNS
               if k != "mate" or data.paired]
    app.layout = html.Div([
        html.Div([html.H1("phyngsc viewer"),
                  html.Dl([html.Div([html.Dt(k), html.Dd(v, id=f"summary-{k.replace(' ', '-')}")])
                           for k, v in cb.header(data)], className="summary")],
                 className="topbar"),
        html.Div([
            control("Sub-block", dcc.Dropdown(id="subblock", options=data.subblock_options(),
                                              value=0, clearable=False), "subblock"),
            control("Heatmap metric", dcc.Dropdown(
                id="metric", options=[{"label": v, "value": k} for k, v in cb.METRICS.items()],
                value="qdist", clearable=False), "metric"),
            control("Records (within the sub-block)", dcc.RangeSlider(
                id="records", min=0, max=first["records_max"], step=1,
                value=first["records_value"], allowCross=False,
                marks=None, tooltip={"placement": "bottom", "always_visible": True}), "records"),
            control("Read positions", dcc.RangeSlider(
                id="positions", min=0, max=first["positions_max"], step=1,
                value=first["positions_value"], allowCross=False,
                marks=None, tooltip={"placement": "bottom", "always_visible": True}),
                "positions"),
        ], className="controls"),
        html.Div([
            html.Div(dcc.Graph(id="heatmap"), className="panel"),
            html.Div(dcc.Graph(id="composition"), className="panel"),
            html.Div(dcc.Graph(id="lengths"), className="panel"),
            html.Div([html.Label("Reads containing (IUPAC, either strand; empty: the first "
                                 "selected reads)", htmlFor="pattern"),
                      dcc.Input(id="pattern", type="text", debounce=True, value=""),
                      html.P(id="alignment-note", className="note"),
                      dash_bio.AlignmentChart(id="alignment", data=">none\n-\n",
                                              showconservation=False, showgap=False,
                                              showconsensus=False, height=420,
                                              tilewidth=14)],
                     className="panel"),
            html.Div([html.P("Selected records (at most 2,000; filter, sort and page in the "
                             "table)", className="note"),
                      dash_table.DataTable(
                          id="table", columns=columns, data=[], page_action="native",
                          page_size=12, filter_action="native", sort_action="native",
                          style_table={"overflowX": "auto"},
                          style_cell={"fontFamily": "monospace", "fontSize": 12,
                                      "textAlign": "left", "maxWidth": 480,
                                      "overflow": "hidden", "textOverflow": "ellipsis"})],
                     className="panel wide"),
        ], className="grid"),
    ])

    @app.callback(Output("records", "max"), Output("records", "value"),
                  Output("positions", "max"), Output("positions", "value"),
                  Input("subblock", "value"))
    def _pick(i):
        r = cb.on_subblock(data, int(i))
        return r["records_max"], r["records_value"], r["positions_max"], r["positions_value"]

    @app.callback(Output("heatmap", "figure"), Input("subblock", "value"),
                  Input("records", "value"), Input("positions", "value"),
                  Input("metric", "value"))
    def _heatmap(i, records, positions, metric):
        return cb.heatmap(data, int(i), records, positions, metric)

    @app.callback(Output("composition", "figure"), Output("lengths", "figure"),
                  Output("table", "data"), Input("subblock", "value"),
                  Input("records", "value"), Input("positions", "value"))
    def _selected(i, records, positions):
        i = int(i)
        return (cb.composition(data, i, records, positions), cb.lengths(data, i, records),
                cb.table(data, i, records, positions))

    @app.callback(Output("alignment", "data"), Output("alignment-note", "children"),
                  Input("subblock", "value"), Input("records", "value"),
                  Input("positions", "value"), Input("pattern", "value"))
    def _alignment(i, records, positions, pattern):
        fasta, note = cb.alignment(data, int(i), records, positions, pattern)
        return fasta or ">none\n-\n", note

    return app
