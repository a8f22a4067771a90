"""Every attention module and head of a trace as small multiples (the grid under the heatmap).

Why pooled pictures: with many heads the panels together must stay near the budget of cells a
page can draw on every keystroke, so each head is max-pooled (viz.pooling) and sent as one byte
per cell (viz.raster) rather than as marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.trace import Trace

from .attention import module_title, n_heads
from .canvas import HIGHLIGHT
from .common import to_numpy, token_labels
from .pooling import block_names, block_size, hidden_blocks, max_pool, pool_heads
from .raster import HIDDEN_LEVEL, levels_deflated, palette, to_levels
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


@dataclass(frozen=True)
class GridPictures:
    """Every head's picture of one trace (grid_pictures' dicts), and what a longer or shorter
    prompt's pictures may take from them: the stream they show, the run they come from, and each
    module's pooled levels [head, rows, cols] with its block size."""

    pictures: list[dict]
    ids: tuple[int, ...]
    run: tuple  # (model, options): pictures are shared only within one model and run options
    levels: dict[str, tuple[int, np.ndarray]]


def _reusable_rows(trace: Trace, earlier: GridPictures | None) -> int:
    """How many leading query positions of ``earlier``'s pictures hold this trace's numbers: in a
    causal decoder-only run no position reads a later one (as model/prefix.py reuses a trace)."""
    options = trace.options
    if (earlier is None or trace.src_tokens is not None or earlier.run != (trace.model, options) or trace.model is None
            or options.ablate or not options.causal):
        return 0
    n = 0
    for a, b in zip(earlier.ids, trace.ids):
        if a != b:
            break
        n += 1
    return n


def grid_side(trace: Trace) -> int:
    """Cells a side of each picture: the panel's pixels (finer cells were dropped anyway when the
    grid scales a picture down unblurred, and cost the page bytes on every keystroke)."""
    return grid_panel_px(max((n_heads(trace, m) for m in trace.attention_modules()), default=1))


def grid_pictures(trace: Trace, selected: tuple[str, int] | None = None, max_side: int = 120) -> list[dict]:
    """One dict per attention module x head: its whole pattern as a picture of one level per cell
    (viz.raster.to_levels: the blues, and a grey level where the causal mask hides the cell),
    max-pooled to at most max_side cells a side (the grid scales it up unblurred)."""
    return grid_pictures_reusing(trace, (), selected, max_side).pictures


def grid_pictures_reusing(trace: Trace, earlier: Sequence[GridPictures], selected: tuple[str, int] | None = None,
                          max_side: int = 120) -> GridPictures:
    """grid_pictures, taking the block rows that hold only positions shared with one of ``earlier``
    (pictures of this model's other prompts) from it: a keystroke at the end of a long prompt
    computes the attention of the last block of rows only, not of every head's whole matrix."""
    best = max(earlier, key=lambda e: _reusable_rows(trace, e), default=None)
    shared = _reusable_rows(trace, best)
    pictures, kept = [], {}
    for index, module in enumerate(trace.attention_modules()):
        n_h, n_q, n_k = trace.attention_shape(module)
        block = block_size(n_q, n_k, max_side)
        rows, cols = math.ceil(n_q / block), math.ceil(n_k / block)
        levels = np.full((n_h, rows, cols), HIDDEN_LEVEL, dtype=np.uint8)  # keys after a reused row: hidden
        start = 0
        old = best.levels.get(module, (0, None))[1] if best is not None and shared else None
        if old is not None and best.levels[module][0] == block and old.shape[0] == n_h:
            start = min(shared // block, rows)
            width = min(cols, old.shape[2])
            levels[:, :start, :width] = old[:, :start, :width]
        if start < rows:
            q_rows = slice(start * block, n_q)
            patterns = to_numpy(trace.head_maps(module, None, q_rows)["pattern"])  # [head, query, key]
            pooled = max_pool(patterns, block)
            masked = (hidden_blocks(to_numpy(trace.at(module, "mask")[q_rows]), block) if trace.has(module, "mask") else None)
            values = np.sqrt(pooled) if block > 1 else pooled  # long prompts: sqrt, as in their heatmaps
            levels[:, start:] = to_levels(values, None if masked is None else np.broadcast_to(masked, values.shape))
        kept[module] = (block, levels)
        for head in range(n_h):
            pictures.append({"module": module, "module_index": index, "module_title": module_title(module), "head": head,
                             "block": block, "selected": selected == (module, head), "levels": levels[head]})
    return GridPictures(pictures, tuple(trace.ids), (trace.model, trace.options), kept)


def grid_panel_px(n_heads: int) -> int:
    """A panel's side in the grid of heads: 120 px, smaller when many heads share a row, so that
    the row still fits the page beside its layer titles (8 heads: 90 px)."""
    return max(60, min(120, 720 // max(n_heads, 1)))


def grid_data(pictures: list[dict], panel_px: int | None = None) -> dict:
    """The grid of every head (see grid_pictures) as plain data for its component
    (app_pages/components/): one row per attention module, one column per head.
    Each panel's ``pixels`` are its levels deflated, as base64 (viz.raster.levels_deflated),
    ``shape`` [rows, cols]; ``palette`` gives every level's colour."""
    order = sorted({p["module_index"] for p in pictures})
    titles = {p["module_index"]: p["module_title"] for p in pictures}
    n_cols = max((p["head"] for p in pictures), default=-1) + 1
    panel_px = panel_px or grid_panel_px(n_cols)
    panels = [{"row": order.index(p["module_index"]), "col": p["head"], "module": p["module"], "head": p["head"],
               "title": f"{p['module_title']}, head {p['head'] + 1}", "pixels": levels_deflated(p["levels"]),
               "shape": list(p["levels"].shape), "selected": p["selected"]}
              for p in pictures]
    return {"rows": [titles[i] for i in order], "cols": [f"head {h + 1}" for h in range(n_cols)], "panels": panels,
            "panel_px": panel_px, "highlight": HIGHLIGHT, "palette": list(palette())}
