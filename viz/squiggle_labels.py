"""Where the squiggles' labels go: each dot's value above it and its word below, none over
another (viz.label_layout does the placing).

Why apart from viz.positional: the squiggles' chart is one job, turning positions and values
into the pixels the labels are placed in is another.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .label_layout import DOWN_UP, UP_DOWN, Layout, place_labels, point_boxes, text_size

SQUIGGLE_WIDTH = 480  # px: about the narrowest a squiggle's plot gets in its column (1280 px screens)
LABEL_FONT = 11
DOT_RADIUS = float(np.sqrt(70 / np.pi))  # Vega's circle size is its area
# The formula's squiggles share one y scale, from -1.65 to 1.25: room for a value above the
# top dots and a word below the bottom ones, in charts 100 px high.
Y_DOMAIN = (-1.65, 1.25)
LEARNED_PAD = 20  # px kept free above and below a learned table's curve, for the same labels
X_PAD = 24  # px between the y axis and the first position: room for that dot's labels, off the axis's numbers
ABOVE = 14  # px a label may reach above its chart: the gap below the chart's title


def _pixels(position, value, *, x_dom: tuple[float, float], y_dom: tuple[float, float], pad: float, width: float,
            height: float) -> np.ndarray:
    """[n, 2] px in a squiggle's plot (y down): X_PAD px free left and right of the positions,
    ``pad`` px above and below the values."""
    x = X_PAD + (np.asarray(position, float) - x_dom[0]) / max(x_dom[1] - x_dom[0], 1e-9) * (width - 2 * X_PAD)
    y = pad + (y_dom[1] - np.asarray(value, float)) / max(y_dom[1] - y_dom[0], 1e-9) * (height - 2 * pad)
    return np.column_stack([x, y])


def squiggle_labels(curves: pd.DataFrame, points: pd.DataFrame, height_each: int, bounded: bool, values: bool,
                    words: bool, width: float = SQUIGGLE_WIDTH) -> tuple[pd.DataFrame, dict[int, Layout]]:
    """Where each dot's value and word go on its squiggle (viz.label_layout): a copy of ``points``
    with ``value_dx``, ``value_dy``, ``value_shown`` and the same for ``word_`` (px from the dot), and
    each dimension's layout (words first, then values, in its ``boxes``).

    A value goes above its dot and a word below it, else to the right of that or on the other
    side (two rows out at most); they stay inside their own chart and none covers another label,
    a dot or the y axis's numbers. Laid out at ``width``, the narrowest the chart is drawn: a wider
    chart only moves the dots apart.
    """
    points = points.copy()
    for column in ("value_dx", "value_dy", "word_dx", "word_dy"):
        points[column] = 0.0
    for column in ("value_shown", "word_shown"):
        points[column] = False
    layouts = {}
    x_lo = float(min(curves["position"].min(), points["position"].min()))
    x_hi = float(max(curves["position"].max(), points["position"].max()))
    for dim, rows in points.groupby("dim", sort=False):
        curve = curves[curves["dim"] == dim]
        if bounded:
            (lo, hi), pad = Y_DOMAIN, 0.0
        else:  # nice=False and a padding in px: the scale's domain is the curve's own range
            lo, hi, pad = float(curve["value"].min()), float(curve["value"].max()), float(LEARNED_PAD)
        px = functools.partial(_pixels, x_dom=(x_lo, x_hi), y_dom=(lo, hi), pad=pad, width=width, height=height_each)
        dots = px(rows["position"], rows["value"])
        # the y axis's numbers (-1, 0, 1), left of the plot: no label may reach over them
        tick_at = px([x_lo] * 3, [-1, 0, 1]) - [X_PAD, 0]
        ticks = np.column_stack([tick_at - [28, 8], tick_at - [13, -8]]) if bounded else np.zeros((0, 4))
        texts = [(str(w), DOWN_UP) for w in rows["word"]] if words else []
        texts += [(f"{v:.2f}", UP_DOWN) for v in rows["value"]] if values else []
        anchors = np.concatenate([dots] * (int(words) + int(values))) if texts else np.zeros((0, 2))
        # the curve may run through a label: values always above and words below, where there is room, read best
        layout = place_labels(anchors, [text_size(t, LABEL_FONT) for t, _ in texts], [d for _, d in texts],
                              DOT_RADIUS + 2, rings=2, hard=np.concatenate([point_boxes(dots, DOT_RADIUS), ticks]),
                              bounds=(-width, -ABOVE, 2 * width, float(height_each)))
        layouts[int(dim)] = layout
        n = len(rows)
        for k, kind in enumerate([k for k in ("word", "value") if (words if k == "word" else values)]):
            part = slice(k * n, (k + 1) * n)
            points.loc[rows.index, f"{kind}_dx"] = layout.dx[part]
            points.loc[rows.index, f"{kind}_dy"] = layout.dy[part]
            points.loc[rows.index, f"{kind}_shown"] = layout.shown[part]
    for column in ("value_shown", "word_shown"):
        points[column] = points[column].astype(bool)
    return points, layouts
