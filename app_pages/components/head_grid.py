"""The grid of every head: each head's pattern as a small picture, one row per attention module,
one column per head (data from viz.attention.grid_data; head_grid.js paints it). A click on a
picture reports {"module", "head"}."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .base import mount


@dataclass
class GridPanel:
    """One head's picture: mirrored by the ``GridPanel`` typedef in head_grid.js."""
    row: int
    col: int
    module: str
    head: int
    title: str
    pixels: str  # base64 of one byte per cell, row-major, deflated (zlib): a level, an index into ``palette``
    shape: list[int]  # [rows, cols]
    selected: bool


@dataclass
class HeadGrid:
    """Mirrored by the ``HeadGrid`` typedef in head_grid.js."""
    rows: list[str]  # module titles, top to bottom
    cols: list[str]  # head titles
    panels: list[GridPanel]
    panel_px: int
    highlight: str
    palette: list[int]  # r, g, b of each of the 256 levels (viz.raster.palette, from viz.palette's blues)
    note: str = ""  # the caption above the grid

    def __post_init__(self) -> None:
        self.panels = [p if isinstance(p, GridPanel) else GridPanel(**p) for p in self.panels]


def head_grid(data: HeadGrid | dict, key: str, on_pick: Callable[[], None] | None = None, note: str = "") -> dict | None:
    """Every head's pattern as a small picture (``data``: a HeadGrid or viz's dict of its fields),
    ``note`` above it as a caption. A click on one reports {"module", "head"} (read it in
    ``on_pick`` with ``picked(key)``)."""
    payload = data if isinstance(data, HeadGrid) else HeadGrid(**data)
    if note:
        payload = replace(payload, note=note)
    return mount("head_grid", payload, key, on_pick=on_pick)
