"""Any labelled matrix as data for the canvas heatmap (app_pages/components/heatmap), and as the
long table its CSV button downloads: the grids of the debugging pages (logit lens, attribution,
patching, comparison), and the words x numbers matrices of the Embeddings and Positional pages.

Why not viz.canvas.heatmap_data: that one reads an attention frame (query and key positions);
these grids have other axes (streams x positions, layers x heads), but the same picture, the
same tooltip and the same colours (viz.palette via the component).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import palette
from .attention_layout import labels_px
from .canvas import HIGHLIGHT, heatmap_cell, label_font
from .common import to_numpy
from .numbers import prints_numbers, rounded
from .views import Panel


EXACT_DIGITS = 6  # the tooltip's exact number; the cells are sent rounded to it, once (not again as "exact")


def _cells(m: np.ndarray, digits: int | None = None) -> list:
    flat = (m if digits is None else np.round(m, digits)).ravel().tolist()
    return [x if math.isfinite(x) else None for x in flat]


def matrix_data(matrix, rows: Sequence[str], cols: Sequence[str], title: str, row_title: str, col_title: str,
                value_title: str, *, diverging: bool = False, bound: float | None = None, digits: int = 2,
                texts: Sequence[str] | None = None, cell: int | None = None, tip_extra: list[dict] | None = None,
                legend_lo: str | None = None, legend_hi: str | None = None, masked=None,
                legend_means: str | bool | None = True, cell_w: int | None = None) -> dict:
    """One [rows, cols] matrix as a Heatmap payload: rows top to bottom and columns left to right
    in the order given. ``diverging``: red below 0, white at 0, blue above, symmetric around 0
    (``bound``, default the largest magnitude); else the blues from 0 to ``bound`` (default the
    max). Small grids print each value (``digits``) or ``texts`` in their cells; the tooltip
    always has the exact value. ``masked`` ([rows, cols] booleans): cells the causal mask hides,
    drawn hatched grey as on the attention page. ``legend_means``: what the colours mean, written
    beside the legend (True: the palette's words; None where the legend's ends already say it).
    ``cell_w``: a column's px where the cells are not square (``cell`` is then a row's)."""
    m = to_numpy(matrix)
    n_rows, n_cols = m.shape
    finite = m[np.isfinite(m)]
    top = float(np.abs(finite).max()) if finite.size else 1.0
    bound = max(bound if bound is not None else top, 1e-9)
    values = _cells(m, EXACT_DIGITS)
    printed = prints_numbers(n_rows, n_cols) or texts is not None
    data = {
        "title": title, "key_title": col_title, "query_title": row_title, "value_title": value_title,
        "rows": list(rows), "cols": list(cols), "row_pos": list(range(n_rows)), "col_pos": list(range(n_cols)),
        "values": values, "exact_is_values": True, "exact_title": f"{value_title} (exact)", "exact_digits": EXACT_DIGITS,
        "value_max": bound, "scale": "linear", "cell": cell or heatmap_cell(n_rows, n_cols),
        "row_font": label_font(n_rows), "col_font": label_font(n_cols), "printed": printed, "chosen": -1,
        "highlight": HIGHLIGHT, "tip_names": [row_title, col_title],
        "texts": list(texts) if texts is not None else [("" if v is None else rounded(v, digits)) for v in _cells(m)] if printed else None,
        "legend_lo": legend_lo if legend_lo is not None else f"{-bound:.2f}" if diverging else "0",
        "legend_hi": legend_hi if legend_hi is not None else f"{bound:.2f}",
        "legend_means": (palette.DIVERGING_MEANS if diverging else palette.SEQUENTIAL_MEANS) if legend_means is True
        else legend_means,
    }
    if cell_w is not None:
        data["cell_w"] = int(cell_w)
    if diverging:
        data.update(scheme="redblue", value_min=-bound)
    if masked is not None:
        data["masked"] = np.asarray(masked, dtype=bool).ravel().tolist()
    if tip_extra:  # their numbers as the cells': rounded to EXACT_DIGITS, as the tooltip shows at most that many
        data["tip_extra"] = [{**e, "values": [round(v, EXACT_DIGITS) if isinstance(v, float) and math.isfinite(v) else v
                                              for v in e["values"]]} for e in tip_extra]
    return data


def matrix_table(matrix, rows: Sequence[str], cols: Sequence[str], row_name: str, col_name: str, value: str) -> pd.DataFrame:
    """The matrix as one row per cell (what the CSV holds): row label, column label, exact value."""
    m = to_numpy(matrix)
    n_rows, n_cols = m.shape
    return pd.DataFrame({row_name: np.repeat(np.asarray(rows, dtype=object), n_cols),
                         col_name: np.tile(np.asarray(cols, dtype=object), n_rows), value: m.reshape(-1)})


MATRIX_PX = 380  # a words x numbers heatmap's room: a two-fifths column at 1400 px (Embeddings' left, Positional's right)


def matrix_panel(frame: pd.DataFrame, name: str, file_name: str, title: str, x_title: str = "embedding dimension",
                 y_title: str = "word (position)", width: int = MATRIX_PX) -> Panel:
    """A words x numbers frame (common.matrix_frame) on the canvas heatmap, red below 0 and blue
    above: rows up to 44 px (about 520 px in all), the columns sharing the room's width, each
    number written while its cell holds it, every one in the tooltip.

    Why the canvas and not embeddings.matrix_heatmap's Vega chart: the chart's size is part of its spec, so
    the browser built it anew whenever a word was added (about 150 ms of its work a keystroke)."""
    rows, cols = frame.drop_duplicates("row").sort_values("row"), frame.drop_duplicates("col").sort_values("col")
    labels = [str(x) for x in rows["row_label"]]
    m = frame.sort_values(["row", "col"])["value"].to_numpy(float).reshape(len(rows), len(cols))
    cell = min(44, max(6, 520 // max(1, len(rows))))
    cell_w = max(3, min(44, (width - labels_px(labels)) // max(1, len(cols))))
    data = matrix_data(m, labels, [str(x) for x in cols["col_label"]], title, y_title, x_title, "value", diverging=True,
                       cell=cell, cell_w=cell_w, digits=2)
    data["printed"] = data["printed"] and min(cell, cell_w) >= 28
    return Panel(name, data, lambda: frame, file_name)
