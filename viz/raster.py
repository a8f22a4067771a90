"""Matrices as small PNG images, coloured like the Vega heatmaps.

Why: the grid of every layer and head is an overview with thousands of cells; drawn as Vega
marks it cost the browser a quarter of a second on every keystroke. As one image per head it
is 16 pictures, drawn at once, and still clickable and labelled (viz.attention.grid_data).
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

# Vega's "blues" scheme (vega-scale), so an image matches the heatmaps beside it.
BLUES = ["#cfe1f2", "#bed8ec", "#a8cee5", "#8fc1de", "#74b2d7", "#5ba3cf", "#4592c6", "#3181bd", "#206fb2",
         "#125ca4", "#0a4a90", "#022f6c"]


def _ramp(colors: list[str]) -> np.ndarray:
    return np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=float)


def colorize(values: np.ndarray, scheme: list[str] = BLUES) -> np.ndarray:
    """Values in [0, 1] -> RGB uint8 [..., 3], interpolated along the scheme (NaN as 0)."""
    ramp = _ramp(scheme)
    t = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0) * (len(ramp) - 1)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, len(ramp) - 1)
    frac = (t - lo)[..., None]
    return np.round(ramp[lo] * (1 - frac) + ramp[hi] * frac).astype(np.uint8)


MASKED = (226, 226, 226)  # the causal mask's hidden cells, as in the attention heatmap (components/heatmap.js)


def png_data_uri(values: np.ndarray, masked: np.ndarray | None = None) -> str:
    """A [rows, cols] matrix of values in [0, 1] as a PNG with one pixel per cell; the chart
    scales it up without smoothing (CSS image-rendering: pixelated, in the grid of heads).
    ``masked`` (booleans, same shape) marks cells hidden by the causal mask: drawn grey."""
    pixels = colorize(values)
    if masked is not None:
        pixels[masked] = MASKED
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
