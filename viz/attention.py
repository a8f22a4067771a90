"""Attention views of one head: the frame of its pattern, a long prompt's pooled overview, and
the titles and facts of an attention module that the pages print.

The pieces live by job beside it: viz.windows (which cells to draw), viz.pooling (long prompts
in blocks), viz.canvas (heatmap payloads), viz.head_grid (every head), viz.arithmetic (one
query's numbers), viz.numbers (how numbers are written).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import names
from model.trace import Trace

from .canvas import heatmap_data
from .common import to_numpy
from .pooling import block_size, hidden_blocks, pooled_frame
from .windows import WINDOW, Window, full_window, long_frame

OVERVIEW_SIDE = WINDOW  # blocks a side in the overview: 9-px cells, each labelled, as in the window above


def module_title(module: str) -> str:
    """"decoder.blocks.0.cross_attn" -> "Encoder-decoder attention, layer 1"."""
    parsed = names.parse(module)
    layer = parsed.layer + 1
    kind = names.module_kind(module)
    if kind == "cross":
        return f"Encoder-decoder attention, layer {layer}"
    if kind == "encoder":
        return f"Encoder self-attention, layer {layer}"
    if parsed.stack == "decoder":
        return f"Decoder masked self-attention, layer {layer}"
    return f"Masked self-attention, layer {layer}"


def local_window(config, module: str) -> int:
    """How many words a masked self-attention layer sees (the word itself included), or 0 for
    every earlier word: only the first ``config.local_layers`` layers are local."""
    return config.window_of(names.layer_of(module)) if names.module_kind(module) == "masked" else 0


def has_distance_bias(trace: Trace, module: str) -> bool:
    """Whether the module is a local layer that learns a bias per distance back (hook_distance_bias)."""
    return trace.has(module, "distance_bias")


def n_heads(trace: Trace, module: str) -> int:
    return int(trace.pattern(module).shape[0])


def attention_frame(trace: Trace, module: str, head: int, window: Window | None = None) -> pd.DataFrame:
    """The head's softmax pattern (hook_pattern) as a tidy table: weight in 0..1 and percent."""
    pattern = trace.pattern(module)[head]
    window = window or full_window(*pattern.shape)
    frame = long_frame(pattern, trace.query_tokens(module), trace.key_tokens(module), window, "weight")
    frame["percent"] = frame["weight"] * 100
    if trace.has(module, "mask"):  # -inf: a later word, hidden by the causal mask (not a word the head chose to ignore)
        frame["masked"] = np.isneginf(to_numpy(trace.at(module, "mask"))[window.q0:window.q1, window.k0:window.k1]).reshape(-1)
    return frame


def overview_frame(trace: Trace, module: str, head: int, max_side: int = OVERVIEW_SIDE) -> pd.DataFrame:
    """The head's whole pattern, max-pooled to at most max_side x max_side blocks."""
    pattern = trace.pattern(module)[head]
    block = block_size(*pattern.shape, max_side)
    frame = pooled_frame(pattern, block)
    frame["block"] = block
    masked = trace.has(module, "mask")
    frame["hidden"] = hidden_blocks(to_numpy(trace.at(module, "mask")), block).ravel() if masked else False  # all of it masked
    return frame


def overview_data(frame: pd.DataFrame, title: str, window: Window | None = None, local_window: int = 0) -> dict:
    """The whole matrix (overview_frame) as data for the canvas heatmap, one cell per block:
    rows and columns labelled with their positions ("8–11"), the window the heatmap above shows
    outlined (``box``, in cells), and each block's max and mean attention in the tooltip.

    Why not a Vega chart: a long prompt's overview has thousands of rects, re-created on every
    keystroke.
    """
    block = int(frame["block"].iloc[0])

    def spans(start: pd.Series, stop: pd.Series) -> list[str]:
        return [f"{a}" if b - a == 1 else f"{a}–{b - 1}" for a, b in zip(start, stop)]

    framed = frame.assign(masked=frame["hidden"], query_pos=frame["query_from"], key_pos=frame["key_from"],
                          query_label=spans(frame["query_from"], frame["query_to"]),
                          key_label=spans(frame["key_from"], frame["key_to"]))
    data = heatmap_data(framed, title, key_title="key positions", query_title="query positions", value="max_percent",
                        value_title="max attention %", scale="sqrt", exact="mean_percent", window=local_window)
    data.update(tip_names=["queries", "keys"], exact_title="mean attention %", exact_digits=3, printed=False,
                box=None if window is None else {"r0": window.q0 / block, "r1": window.q1 / block,
                                                 "c0": window.k0 / block, "c1": window.k1 / block})
    return data
