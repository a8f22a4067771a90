"""Heatmaps as plain data for the canvas heatmap component (app_pages/components/).

Why not Vega charts: on every keystroke Vega re-created all of a 32 x 32 heatmap's marks, which
doubled the time from a keystroke to the redrawn page. The canvas draws the same picture from
one list of numbers per heatmap; this module makes those lists from a tidy frame (one row per
cell: query_pos, key_pos, their labels, values), for the attention and causal-mask pages alike.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import palette
from .numbers import prints_numbers

HIGHLIGHT = "#ff4b4b"  # Streamlit's primary red: the chosen query row, the chosen grid panel
KEY_TITLE, QUERY_TITLE = "key (the word looked at)", "query (the word looking)"


def cell_px(n: int) -> int:
    """Cell size for an n-wide matrix: big enough for printed numbers when small, compact when long."""
    return 44 if n <= 8 else 30 if n <= 14 else 18 if n <= 24 else 9


def heatmap_cell(n_rows: int, n_cols: int) -> int:
    """One square cell size for an n_rows x n_cols heatmap: the smaller of the two axes' sizes."""
    return min(cell_px(n_rows), cell_px(n_cols))


def label_font(n: int) -> int:
    """Token labels shrink on long axes so that every one still shows."""
    return 11 if n <= 24 else 8

def _grid(values: np.ndarray, row_of: np.ndarray, col_of: np.ndarray, n_rows: int, n_cols: int) -> list:
    """Cell values placed row-major (None where there is no cell, or no finite number)."""
    grid = np.full((n_rows, n_cols), np.nan)
    grid[row_of, col_of] = values
    return [x if math.isfinite(x) else None for x in grid.ravel().tolist()]


def grid_values(frame: pd.DataFrame, column: str) -> list:
    """One more column of a heatmap's frame in heatmap_data's cell order (e.g. for its tooltip)."""
    _, row_of = np.unique(frame["query_pos"].to_numpy(dtype=int), return_inverse=True)
    _, col_of = np.unique(frame["key_pos"].to_numpy(dtype=int), return_inverse=True)
    return _grid(frame[column].to_numpy(dtype=float), row_of, col_of, int(row_of.max()) + 1, int(col_of.max()) + 1)


def heatmap_data(
    frame: pd.DataFrame,
    title: str,
    query: int | None = None,
    key_title: str = KEY_TITLE,
    query_title: str = QUERY_TITLE,
    value: str = "percent",
    value_title: str = "attention %",
    scale: str = "linear",
    exact: str | None = "weight",
    window: int = 0,
) -> dict:
    """One heatmap as plain numbers for the canvas heatmap (app_pages/components/).

    Why not a Vega chart: on every keystroke Vega re-created all of a 32 x 32 heatmap's marks,
    which doubled the time from a keystroke to the redrawn page. The canvas
    draws the same picture from one list of numbers: rows are queries and columns keys, both in
    token order; ``values`` is row-major (None where the frame has no cell); ``exact`` (the
    weights at full precision) goes in the tooltip; ``masked`` (row-major, when the frame has the
    column) marks the cells the causal mask hides, drawn apart from attention that is merely
    small; ``chosen`` is the row of ``query``, or -1. ``window``: the layer's local window (0 if
    it has none), so that a hidden cell's tooltip can say whether it is a later word or one
    too far back.
    """
    # Plain numpy rather than pivot tables: this runs on every keystroke, where pandas' pivots are slow.
    row_pos, first_row, row_of = np.unique(frame["query_pos"].to_numpy(dtype=int), return_index=True, return_inverse=True)
    col_pos, first_col, col_of = np.unique(frame["key_pos"].to_numpy(dtype=int), return_index=True, return_inverse=True)
    n_rows, n_cols = len(row_pos), len(col_pos)

    def matrix(column: str) -> list:
        return _grid(frame[column].to_numpy(dtype=float), row_of, col_of, n_rows, n_cols)

    row_pos = row_pos.tolist()
    return {
        "title": title, "key_title": key_title, "query_title": query_title, "value_title": value_title,
        "rows": [str(x) for x in frame["query_label"].to_numpy()[first_row]],
        "cols": [str(x) for x in frame["key_label"].to_numpy()[first_col]],
        "row_pos": row_pos, "col_pos": col_pos.tolist(), "window": int(window),
        "values": matrix(value), "exact": matrix(exact) if exact in frame else None,
        "masked": [bool(x) for x in matrix("masked")] if "masked" in frame else None,
        "value_max": 100, "scale": scale, "cell": heatmap_cell(n_rows, n_cols),
        "row_font": label_font(n_rows), "col_font": label_font(n_cols),
        "printed": prints_numbers(n_rows, n_cols), "chosen": row_pos.index(query) if query in row_pos else -1,
        "highlight": HIGHLIGHT, "legend_means": palette.SEQUENTIAL_MEANS,
        # the tooltip names the exact number as the legend names the colour's
        "exact_title": f"{value_title} (exact)" if exact == value else "attention weight (exact, 0 to 1)",
    }
