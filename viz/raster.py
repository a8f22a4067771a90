"""Matrices as small pictures, coloured like the Vega heatmaps.

Why: the grid of every layer and head is an overview with thousands of cells; drawn as Vega
marks it held the browser up on every keystroke. As one picture per head it
is 16 pictures, drawn at once, and still clickable and labelled (viz.head_grid.grid_data).

Why levels and a palette rather than PNG files: the grid is redrawn on every keystroke, and
colouring and compressing 16 PNGs cost the server on each one (and the browser decoded them
again). A picture is now one byte per cell, an index into a palette of the blues
made here once from viz.palette, that the browser's canvas paints as it is (app_pages/components/head_grid.js).
"""

from __future__ import annotations

import base64
import functools
import zlib
from collections.abc import Sequence

import numpy as np

from .palette import BLUES, hex_rgb
from .palette import MASKED as MASKED_HEX


def _ramp(colors: Sequence[str]) -> np.ndarray:
    return np.array([hex_rgb(c) for c in colors], dtype=float)


def colorize(values: np.ndarray, scheme: Sequence[str] = BLUES) -> np.ndarray:
    """Values in [0, 1] -> RGB uint8 [..., 3], interpolated along the scheme (NaN as 0)."""
    ramp = _ramp(scheme)
    t = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0) * (len(ramp) - 1)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, len(ramp) - 1)
    frac = (t - lo)[..., None]
    return np.round(ramp[lo] * (1 - frac) + ramp[hi] * frac).astype(np.uint8)


MASKED = hex_rgb(MASKED_HEX)  # the causal mask's hidden cells, as in the attention heatmap


LEVELS = 255  # levels 0..254 run along the blues; one more byte value marks a hidden cell
HIDDEN_LEVEL = LEVELS  # the level of a cell the causal mask hides


@functools.cache
def palette() -> tuple[int, ...]:
    """Flat (r, g, b, r, g, b, ...) of the 256 levels: 0..254 along the blues (colorize), 255 grey."""
    colours = colorize(np.arange(LEVELS) / (LEVELS - 1))
    return (*colours.reshape(-1).tolist(), *MASKED)


def to_levels(values: np.ndarray, masked: np.ndarray | None = None) -> np.ndarray:
    """Values in [0, 1] (NaN as 0) -> uint8 levels 0..254; ``masked`` cells (booleans, same
    shape) -> HIDDEN_LEVEL. level / 254 is the value to within 0.002."""
    levels = np.round(np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0) * (LEVELS - 1)).astype(np.uint8)
    if masked is not None:
        levels[masked] = HIDDEN_LEVEL
    return levels


def levels_deflated(levels: np.ndarray) -> str:
    """Row-major bytes of a [rows, cols] uint8 picture, compressed (zlib's deflate, which the
    browser's DecompressionStream("deflate") inflates) and as base64 text (JSON carries no bytes):
    a grid's pictures are mostly runs of a few levels, a sixth of their size at 1,024 tokens, and
    the grid's bytes cost the page on every keystroke."""
    return base64.b64encode(zlib.compress(np.ascontiguousarray(levels, dtype=np.uint8).tobytes(), 1)).decode("ascii")


def levels_rgb(levels: np.ndarray) -> np.ndarray:
    """What the browser paints: [rows, cols] levels -> [rows, cols, 3] uint8 RGB (for tests and
    for anyone saving the picture)."""
    return np.asarray(palette(), dtype=np.uint8).reshape(256, 3)[levels]
