"""Every attention module and head of a trace as small multiples (the grid under the heatmap).

Why pooled pictures: with many heads the panels together must stay near the budget of cells a
page can draw on every keystroke, so each head is max-pooled (viz.pooling) and sent as one byte
per cell (viz.raster) rather than as marks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from model.trace import Trace

from .attention import module_title, n_heads
from .canvas import HIGHLIGHT
from .common import to_numpy, token_labels
from .pooling import block_names, block_size, hidden_blocks, max_pool, pool_heads
from .raster import levels_base64, palette, to_levels
from .windows import MAX_CELLS


def grid_frame(trace: Trace, max_cells: int = MAX_CELLS, selected: tuple[str, int] | None = None) -> pd.DataFrame:
    """Every attention module x head, pooled so that all panels together stay near max_cells."""
    modules = trace.attention_modules()
    panels = sum(n_heads(trace, m) for m in modules)
    side = max(8, int(math.sqrt(max_cells / max(panels, 1))))
    frames = []
    for index, module in enumerate(modules):
        patterns = to_numpy(trace.pattern(module))  # [head, query, key]
        n_h, n_q, n_k = patterns.shape
        block = block_size(n_q, n_k, side)
        top, mean = pool_heads(patterns, block)
        rows, cols = top.shape[1:]
        head = np.repeat(np.arange(n_h), rows * cols)
        r = np.tile(np.repeat(np.arange(rows), cols), n_h)
        c = np.tile(np.arange(cols), n_h * rows)
        q_from, k_from = r * block, c * block
        frames.append(pd.DataFrame({
            "module": module, "module_index": index, "module_title": module_title(module),
            "head": head, "head_title": np.asarray([f"head {h + 1}" for h in range(n_h)], dtype=object)[head],
            "query_from": q_from, "query_to": np.minimum(q_from + block, n_q),
            "key_from": k_from, "key_to": np.minimum(k_from + block, n_k),
            "max_percent": top.reshape(-1) * 100, "mean_percent": mean.reshape(-1) * 100,
            "query": block_names(token_labels(trace.query_tokens(module)), n_q, block)[r],
            "key": block_names(token_labels(trace.key_tokens(module)), n_k, block)[c],
            "block": block,
            "selected": (module == selected[0]) & (head == selected[1]) if selected else False,
        }))
    return pd.concat(frames, ignore_index=True)


def grid_pictures(trace: Trace, selected: tuple[str, int] | None = None, max_side: int = 120) -> list[dict]:
    """One dict per attention module x head: its whole pattern as a picture of one level per cell
    (viz.raster.to_levels: the blues, and a grey level where the causal mask hides the cell),
    max-pooled to at most max_side cells a side (the grid scales it up unblurred)."""
    pictures = []
    for index, module in enumerate(trace.attention_modules()):
        patterns = to_numpy(trace.pattern(module))  # [head, query, key]
        block = block_size(*patterns.shape[1:], max_side)
        pooled = max_pool(patterns, block)
        masked = hidden_blocks(to_numpy(trace.at(module, "mask")), block) if trace.has(module, "mask") else None
        values = np.sqrt(pooled) if block > 1 else pooled  # long prompts: sqrt, as in their heatmaps
        levels = to_levels(values, None if masked is None else np.broadcast_to(masked, values.shape))
        for head in range(patterns.shape[0]):
            pictures.append({"module": module, "module_index": index, "module_title": module_title(module), "head": head,
                             "block": block, "selected": selected == (module, head), "levels": levels[head]})
    return pictures


def grid_panel_px(n_heads: int) -> int:
    """A panel's side in the grid of heads: 120 px, smaller when many heads share a row, so that
    the row still fits the page beside its layer titles (8 heads: 90 px)."""
    return max(60, min(120, 720 // max(n_heads, 1)))


def grid_data(pictures: list[dict], panel_px: int | None = None) -> dict:
    """The grid of every head (see grid_pictures) as plain data for its component
    (app_pages/components/): one row per attention module, one column per head.
    Each panel's ``pixels`` are its levels as base64, ``shape`` [rows, cols]; ``palette`` gives
    every level's colour."""
    order = sorted({p["module_index"] for p in pictures})
    titles = {p["module_index"]: p["module_title"] for p in pictures}
    n_cols = max((p["head"] for p in pictures), default=-1) + 1
    panel_px = panel_px or grid_panel_px(n_cols)
    panels = [{"row": order.index(p["module_index"]), "col": p["head"], "module": p["module"], "head": p["head"],
               "title": f"{p['module_title']}, head {p['head'] + 1}", "pixels": levels_base64(p["levels"]),
               "shape": list(p["levels"].shape), "selected": p["selected"]}
              for p in pictures]
    return {"rows": [titles[i] for i in order], "cols": [f"head {h + 1}" for h in range(n_cols)], "panels": panels,
            "panel_px": panel_px, "highlight": HIGHLIGHT, "palette": list(palette())}
