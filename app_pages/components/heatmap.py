"""The canvas heatmap: the attention page's heatmap and its long-prompt overview, the causal-mask
page's stages. The numbers come from viz (viz.attention.heatmap_data, overview_data; viz.mask's
mask_data, change_data); heatmap.js draws them, and a click reports the row's query position (or, with ``pick_values``, the cell's own value).

Why a canvas and not a Vega chart: Vega re-created every mark of the heatmap on each keystroke
A canvas has no Vega menu: the browser's "Save image as" saves it, and
every matrix keeps its CSV button. Text from the prompt is only ever set as DOM text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import streamlit as st

from .base import mount, picked


@dataclass
class TipExtra:
    """More numbers of each cell for the tooltip (row-major, as ``values``)."""
    title: str
    values: list
    digits: int


@dataclass
class Heatmap:
    """Mirrored by the ``Heatmap`` typedef in heatmap.js. Cells are row-major: rows are queries,
    columns keys, both in token order; None is no cell (or, where ``masked``, a -∞ cell)."""
    title: str
    key_title: str
    query_title: str
    value_title: str
    rows: list[str]  # row labels
    cols: list[str]  # column labels
    row_pos: list[int]  # each row's query position (what a click reports)
    col_pos: list[int]
    values: list  # row-major numbers
    value_max: float
    scale: str  # "linear" | "sqrt" (spreads small percentages over more colours)
    cell: int  # px
    row_font: int  # px
    col_font: int  # px
    printed: bool  # numbers printed in the cells
    chosen: int  # the outlined row, or -1
    highlight: str  # the outline's colour
    window: int = 0  # a local layer's window (0: none), for what a hidden cell's tooltip says
    cell_w: int | None = None  # px of a column, where cells are not square (positions x dimensions fitted to a column)
    exact: list | None = None  # full-precision numbers for the tooltip
    exact_is_values: bool | None = None  # the tooltip's exact numbers are ``values`` (sent once)
    masked: list[bool] | None = None  # cells the causal mask hides
    notes: list[str] = field(default_factory=list)  # captions under the heatmap
    # the overview of a long prompt
    tip_names: list[str] | None = None  # the tooltip's names of a row and a column
    exact_title: str | None = None
    exact_digits: int | None = None
    box: dict | None = None  # {r0, r1, c0, c1} in cells: the window drawn above, outlined
    # the causal-mask page's stages
    scheme: str | None = None  # "redblue" around 0; else the blues
    value_min: float | None = None  # default 0
    texts: list[str] | None = None  # row-major strings printed in the cells
    row_labels: bool | None = None  # False: no row labels (a panel right of one that has them)
    masked_fill: str | None = None  # a solid colour for -∞ cells instead of the hatch
    legend: str | None = None  # "swatch": one swatch, no ramp
    legend_lo: str | None = None
    legend_hi: str | None = None
    legend_means: str | None = None  # what the colours mean (viz.palette's *_MEANS)
    mask_text: str | None = None
    tip_extra: list[TipExtra] | None = None
    # a grid whose cells are things, not query words (the attribution page's heads)
    pick_values: list[int] | None = None  # row-major: what a click on each cell reports

    def __post_init__(self) -> None:
        if self.tip_extra:
            self.tip_extra = [e if isinstance(e, TipExtra) else TipExtra(**e) for e in self.tip_extra]


def heatmap(data: Heatmap | dict, key: str, on_pick: Callable[[], None] | None = None, notes: Sequence[str] = ()) -> int | None:
    """One attention heatmap: cells on a canvas, token labels in order, the chosen row outlined,
    exact numbers on hover, and ``notes`` under it as captions. ``data`` is a Heatmap or viz's
    dict of its fields (an unknown or missing field fails here, not in the browser). Returns the
    query position of a cell clicked in this run, if any. ``on_pick`` runs before the rerun a
    click causes, so it may set other widgets' values; it reads the position with ``picked(key)``."""
    payload = data if isinstance(data, Heatmap) else Heatmap(**data)
    if notes:
        payload = replace(payload, notes=list(notes))
    return mount("heatmap", payload, key, on_pick=on_pick)


def on_pick_query(key: str) -> Callable[[], None]:
    """An ``on_pick`` for a heatmap: the clicked cell's row (its query position) becomes the query
    word ("query" in the session state, the pages' query picker)."""
    def on_pick() -> None:
        if (position := picked(key)) is not None:
            st.session_state["query"] = int(position)
    return on_pick
