"""The Attention page's pixel sums: the heatmap and the step-by-step table side by side at 1400 px.

Why in viz: the sizes are part of the payload (the cells shrink to leave the table its room), and
a page only places what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.hf.words import Words
from model.trace import Trace

from . import windows
from .attention import axis_labels, has_distance_bias, matrix_size
from .canvas import heatmap_cell

# The step-by-step table's width: vectors of 3 or more numbers, of 2, or with a local layer's
# distance-bias column (measured at 1400 px in the browser tests).
ARITHMETIC_PX, ARITHMETIC_PX_SHORT, ARITHMETIC_PX_BIASED = 620, 600, 715
# The main column at 1400 px with the sidebar open (app.css trims its padding), and the gap
# between the two columns.
CONTENT_PX, GAP_PX = 1036, 32
ZOOM_CELL = 24  # px: cells (and 11 px labels) a projector shows from the back of a room


def labels_px(labels: list[str], font: int = 11) -> int:
    """Room for the row labels (``font`` px text, cut at 110 px as heatmap_draw.js does) and the axis title."""
    return min(110, int(0.62 * font * max(map(len, labels), default=1)) + 8) + 28


def row_label_font(cell: int) -> int:
    """Labels as tall as their rows, 7 to 11 px (the Zoom toggle makes both bigger)."""
    return 11 if cell >= 14 else max(7, cell)


def fitted_heatmap(data: dict, cols: int, room: int, zoom: bool) -> dict:
    """The heatmap's cells sized to the room beside the step-by-step table, so that both sit side by
    side at 1400 px; zoomed, big enough to read on a projector (the table then goes below)."""
    cell = data["cell"]
    if zoom:
        cell = max(cell, ZOOM_CELL)
    else:  # the largest cell whose heatmap, with its labels at that cell's font, fits the room
        while cell > 4 and cell * cols + labels_px(data["rows"], row_label_font(cell)) > room:
            cell -= 1
    font = row_label_font(cell)
    return {**data, "cell": cell, "row_font": font, "col_font": font, "printed": data["printed"] and cell >= 28}


@dataclass(frozen=True)
class AttentionLayout:
    heatmap_px: int  # the heatmap column's width
    steps_px: int  # the step-by-step table's width
    cols: int  # columns drawn (a long prompt's window)
    room: int  # what the table leaves the heatmap at 1400 px
    zoom: bool

    def fit(self, data: dict) -> dict:
        return fitted_heatmap(data, self.cols, self.room, self.zoom)


def attention_layout(trace: Trace, module: str, title: str, zoom: bool, words: Words | None = None) -> AttentionLayout:
    """The sizes for the head's heatmap of tokens, or of words with ``words``."""
    n_q, n_k = matrix_size(trace, module, words)
    windowed = windows.needs_window(n_q, n_k)
    rows, cols = (min(n_q, windows.WINDOW), min(n_k, windows.WINDOW)) if windowed else (n_q, n_k)
    d_head = int(trace.at(module, "q").shape[-1])
    steps_px = ARITHMETIC_PX_SHORT if d_head <= 2 else ARITHMETIC_PX_BIASED if has_distance_bias(trace, module) else ARITHMETIC_PX
    room = CONTENT_PX - GAP_PX - steps_px
    labels = axis_labels(trace, module, words)[0][:rows]  # as wide as the heatmap's row labels
    cell = fitted_heatmap({"cell": heatmap_cell(rows, cols), "rows": labels, "row_font": 11, "printed": False},
                          cols, room, zoom)["cell"]
    width = max(cell * cols + labels_px(labels, row_label_font(cell)), min(7 * len(title) + 10, room, 240))  # with the title
    return AttentionLayout(width if zoom else max(width, room), steps_px, cols, room, zoom)
