"""``phyngsc view``: a Dash web viewer of NGSC archives (extra ``viz``: dash, dash-bio).

``data`` (numpy) and ``callbacks`` (plain functions returning figures) do not import
Dash; only ``app`` does, so the core install works without the extra.
"""
