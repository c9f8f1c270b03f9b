"""The viewer's callbacks as plain functions: inputs in, figures (plotly dicts) and table
rows out. :mod:`phyngsc.viewer.app` wires them to Dash components; tests call them
directly. No Dash import here.
"""

from __future__ import annotations

import math
import os

import numpy as np

from .data import ViewerData

METRICS = {
    "qdist": "Quality distribution by position (bases per score)",
    "reads": "Quality of each read by position",
    "subblocks": "Mean quality by position across sub-blocks (sampled)",
}
#: Reads shown by default when a sub-block is picked, and at most in the alignment chart.
DEFAULT_READS = 200
ALIGNMENT_READS = 30
NUCLEOTIDE_COLOURS = {"A": "#2ca02c", "C": "#1f77b4", "G": "#ff7f0e", "T": "#d62728",
                      "N": "#7f7f7f", "other": "#9467bd"}


def _nan_to_none(m: np.ndarray) -> list:
    return [[None if math.isnan(v) else v for v in row] for row in m.tolist()]


def _ranges(data: ViewerData, i: int, records: list[int] | None,
            positions: list[int] | None) -> tuple[int, int, int, int]:
    """Clamp slider values (inclusive ends, as RangeSlider gives them) to half-open ranges
    ``[a, b)`` of records and ``[p0, p1)`` of positions."""
    n, width = data.n_records(i), data.max_length(i)
    a, b = (records or [0, n - 1])[:2]
    p0, p1 = (positions or [0, width - 1])[:2]
    a = min(max(int(a), 0), max(n - 1, 0))
    b = min(max(int(b), a), max(n - 1, 0)) + 1 if n else 0
    p0 = min(max(int(p0), 0), max(width - 1, 0))
    p1 = min(max(int(p1), p0), max(width - 1, 0)) + 1 if width else p0
    return a, b, p0, p1


def header(data: ViewerData) -> list[tuple[str, str]]:
    """Summary header: (label, value) pairs."""
    s = data.summary()
    records = f"{s['records']:,}" + (f" ({s['pairs']:,} pairs)" if s["paired"] else "")
    return [("archive", os.path.basename(s["archive"])), ("input", " + ".join(s["files"])),
            ("records", records), ("bases", f"{s['bases']:,}"),
            ("ratio", f"{s['ratio']:.3f} ({s['input_size']:,} → {s['archive_size']:,} bytes)"),
            ("quality encoding", f"{s['encoding']} (Phred+{s['offset']})"),
            ("sub-blocks", f"{s['subblocks']:,} (level {s['level']})")]


def on_subblock(data: ViewerData, i: int) -> dict:
    """Slider bounds and starting values when sub-block ``i`` is picked."""
    n, width = data.n_records(i), data.max_length(i)
    return {"records_max": max(n - 1, 0), "records_value": [0, max(min(n, DEFAULT_READS) - 1, 0)],
            "positions_max": max(width - 1, 0), "positions_value": [0, max(width - 1, 0)]}


def heatmap(data: ViewerData, i: int, records: list[int] | None, positions: list[int] | None,
            metric: str) -> dict:
    """The quality heatmap for the chosen metric."""
    a, b, p0, p1 = _ranges(data, i, records, positions)
    layout = {"margin": {"l": 60, "r": 20, "t": 50, "b": 40},
              "xaxis": {"title": {"text": "read position (0-based)"}}}
    if metric == "reads":
        x, y, m = data.read_qualities(i, a, b, p0, p1)
        trace = {"type": "heatmap", "x": x.tolist(), "y": y.tolist(), "z": _nan_to_none(m),
                 "colorscale": "Viridis", "colorbar": {"title": {"text": "Phred"}}}
        layout["yaxis"] = {"title": {"text": "record (in sub-block)"}, "autorange": "reversed"}
        title = f"Quality of reads {a}–{a + len(y) - 1} of sub-block {i}"
    elif metric == "subblocks":
        picked, m = data.subblock_quality(p0, p1)
        trace = {"type": "heatmap", "x": list(range(p0, p0 + m.shape[1])),
                 "y": [str(k) for k in picked], "z": _nan_to_none(m), "colorscale": "Viridis",
                 "colorbar": {"title": {"text": "mean Phred"}}}
        layout["yaxis"] = {"title": {"text": "sub-block"}, "type": "category"}
        title = f"Mean quality by position in {len(picked)} sub-blocks"
    elif metric == "qdist":
        x, q, counts = data.quality_distribution(i, a, b, p0, p1)
        trace = {"type": "heatmap", "x": x.tolist(), "y": q.tolist(), "z": counts.tolist(),
                 "colorscale": "Viridis", "colorbar": {"title": {"text": "bases"}}}
        layout["yaxis"] = {"title": {"text": "Phred score"}}
        title = f"Quality by position, reads {a}–{b - 1} of sub-block {i}"
    else:
        raise ValueError(f"unknown metric {metric!r}")
    layout["title"] = {"text": title, "x": 0.02, "font": {"size": 14}}
    return {"data": [trace], "layout": layout}


def composition(data: ViewerData, i: int, records: list[int] | None,
                positions: list[int] | None) -> dict:
    """Nucleotide composition by position (fractions, one line per base)."""
    a, b, p0, p1 = _ranges(data, i, records, positions)
    x, fr = data.composition(i, a, b, p0, p1)
    traces = [{"type": "scatter", "mode": "lines", "name": k, "x": x.tolist(),
               "y": [round(v, 5) for v in fr[k].tolist()],
               "line": {"color": NUCLEOTIDE_COLOURS[k]}}
              for k in fr if k in "ACGT" or fr[k].any()]
    return {"data": traces, "layout": {
        "title": {"text": f"Nucleotide composition, reads {a}–{b - 1}", "x": 0.02,
                  "font": {"size": 14}},
        "xaxis": {"title": {"text": "read position (0-based)"}},
        "yaxis": {"title": {"text": "fraction"}, "range": [0, 1]},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 40}}}


def lengths(data: ViewerData, i: int, records: list[int] | None) -> dict:
    """Read-length histogram of the selected reads."""
    a, b, _p0, _p1 = _ranges(data, i, records, None)
    values, counts = data.length_histogram(i, a, b)
    return {"data": [{"type": "bar", "x": values.tolist(), "y": counts.tolist(),
                      "marker": {"color": "#4c72b0"}}],
            "layout": {"title": {"text": f"Read lengths, reads {a}–{b - 1}", "x": 0.02,
                                 "font": {"size": 14}},
                       "xaxis": {"title": {"text": "length (bases)"}},
                       "yaxis": {"title": {"text": "reads"}}, "bargap": 0.05,
                       "margin": {"l": 60, "r": 20, "t": 50, "b": 40}}}


def table(data: ViewerData, i: int, records: list[int] | None,
          positions: list[int] | None) -> list[dict]:
    """Table rows of the selected reads (sequence cut to the position range)."""
    a, b, p0, p1 = _ranges(data, i, records, positions)
    return data.table_rows(i, a, b, p0, p1)


def alignment(data: ViewerData, i: int, records: list[int] | None, positions: list[int] | None,
              pattern: str | None) -> tuple[str, str]:
    """(FASTA for the alignment chart, a note saying what it shows). With a pattern, the
    reads of the sub-block that contain it (either strand); else the first selected reads."""
    a, b, p0, p1 = _ranges(data, i, records, positions)
    pattern = (pattern or "").strip()
    if pattern:
        try:
            hits = data.matching(i, pattern)
        except ValueError as exc:
            return "", f"pattern {pattern!r}: {exc}"
        shown = hits[:ALIGNMENT_READS]
        note = (f"{len(hits):,} reads of sub-block {i} contain {pattern.upper()} or its "
                f"reverse complement; showing {len(shown)}")
    else:
        shown = np.arange(a, min(b, a + ALIGNMENT_READS))
        note = f"reads {a}–{a + len(shown) - 1} of sub-block {i}, positions {p0}–{p1 - 1}"
    return data.alignment_fasta(i, shown, p0, p1), note
