"""Windows onto big matrices: which rows and columns of a long prompt's matrix to draw.

Why windows: a 512-token prompt has 262,144 cells per head, too many to label or to hover one
by one (and Vega draws about 4,000 briskly). Long matrices are drawn as a window of real cells
(plus a pooled overview, viz.pooling); ``MAX_CELLS`` is the one budget every view keeps to.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from .common import to_numpy, token_labels

MAX_CELLS = 64 * 64  # cells of one matrix drawn whole: 64 tokens fill the heatmap's room beside the table at 4-px cells
WINDOW = 40  # tokens per side of the window shown for long prompts (fits beside the arithmetic)


class Window(NamedTuple):
    """Rows [q0, q1) and columns [k0, k1) of an attention matrix."""

    q0: int
    q1: int
    k0: int
    k1: int


def window_bounds(n: int, start: int, size: int) -> tuple[int, int]:
    """A window [lo, hi) of at most ``size`` positions that stays inside 0..n."""
    size = max(1, min(size, n))
    lo = min(max(0, start), n - size)
    return lo, lo + size


def position_window(n_positions: int, n_columns: int, start: int = 0, max_cells: int = MAX_CELLS,
                    max_rows: int | None = None) -> tuple[int, int]:
    """Positions [lo, hi) to draw so a positions x columns heatmap stays under ``max_cells``."""
    rows = max(1, max_cells // max(1, n_columns))
    if max_rows is not None:
        rows = min(rows, max_rows)
    return window_bounds(n_positions, start, rows)


def needs_window(n_q: int, n_k: int, max_cells: int = MAX_CELLS) -> bool:
    return n_q * n_k > max_cells


def window_at(n_q: int, n_k: int, q_start: int, k_start: int, size: int = WINDOW) -> Window:
    """A window of at most size x size cells starting near (q_start, k_start), inside the matrix."""
    return Window(*window_bounds(n_q, q_start, size), *window_bounds(n_k, k_start, size))


def window_for_query(n_q: int, n_k: int, query: int, kind: str, current: Window | None = None, size: int = WINDOW) -> Window:
    """The window to show for a chosen query word: the current one if it already holds that row,
    else one around it. kind "masked" ends the keys at the query (the words it may see); any
    other kind gives a square on the diagonal."""
    if current is not None and current.q0 <= query < current.q1:
        return current
    q0 = query - size // 2
    k0 = query + 1 - size if kind == "masked" else q0
    return window_at(n_q, n_k, q0, k0, size)


def full_window(n_q: int, n_k: int) -> Window:
    return Window(0, n_q, 0, n_k)

def long_frame(matrix, q_tokens: Sequence[str], k_tokens: Sequence[str], window: Window, value: str,
               first_row: int = 0) -> pd.DataFrame:
    """The window of a [query, key] matrix as one row per cell, in token order. ``first_row``:
    the query position of the matrix's first row (a matrix of only some rows)."""
    m = to_numpy(matrix)[window.q0 - first_row:window.q1 - first_row, window.k0:window.k1]
    n_rows, n_cols = m.shape
    q_pos = np.repeat(np.arange(window.q0, window.q1), n_cols)
    k_pos = np.tile(np.arange(window.k0, window.k1), n_rows)
    q_tok, k_tok = np.asarray(q_tokens, dtype=object), np.asarray(k_tokens, dtype=object)
    q_lab, k_lab = np.asarray(token_labels(q_tokens), dtype=object), np.asarray(token_labels(k_tokens), dtype=object)
    return pd.DataFrame({
        "query_pos": q_pos, "key_pos": k_pos,
        "query_token": q_tok[q_pos], "key_token": k_tok[k_pos],
        "query_label": q_lab[q_pos], "key_label": k_lab[k_pos],
        value: m.reshape(-1),
    })
