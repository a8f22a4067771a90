"""Attention views: one head's heatmap, every head as small multiples, and one query's arithmetic.

Why the arithmetic table: the lessons compute attention by hand (query times each key,
scale, softmax to percentages, weighted sum of values, add the residual). This view lays out
those same steps with the real numbers of the trace, one row per key, so a learner can
check every number against the video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from model.trace import Trace

from .common import MAX_CELLS, fmt_vector, heatmap, matrix_frame, pool_matrix, to_numpy, window_bounds


def module_title(module: str) -> str:
    """"decoder.blocks.0.cross_attn" -> "Encoder-decoder attention, layer 1"."""
    parts = module.split(".")
    layer = int(parts[-2]) + 1
    if parts[-1] == "cross_attn":
        return f"Encoder-decoder attention, layer {layer}"
    if parts[0] == "encoder":
        return f"Encoder self-attention, layer {layer}"
    if parts[0] == "decoder":
        return f"Decoder masked self-attention, layer {layer}"
    return f"Masked self-attention, layer {layer}"


def n_heads(trace: Trace, module: str) -> int:
    return trace.pattern(module).shape[0]


def attention_frame(trace: Trace, module: str, head: int, rows: tuple[int, int] | None = None, cols: tuple[int, int] | None = None) -> pd.DataFrame:
    """The head's pattern as a long table (query row, key column, weight), optionally a window."""
    pattern = trace.pattern(module)[head]
    q_tokens, k_tokens = trace.query_tokens(module), trace.key_tokens(module)
    r0, r1 = rows or (0, pattern.shape[0])
    c0, c1 = cols or (0, pattern.shape[1])
    frame = matrix_frame(pattern[r0:r1, c0:c1], q_tokens[r0:r1], k_tokens[c0:c1], row_start=r0, col_start=c0, value="weight")
    frame["percent"] = frame["weight"] * 100
    return frame


def attention_window(trace: Trace, module: str, query: int, size: int | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """Rows and columns to draw so the heatmap stays under MAX_CELLS, centred on the query."""
    n_q, n_k = trace.pattern(module).shape[1:]
    side = size or int(math.sqrt(MAX_CELLS))
    if n_q * n_k <= MAX_CELLS:
        return (0, n_q), (0, n_k)
    rows = window_bounds(n_q, query - side // 2, side)
    if ".cross_attn" in module or module.startswith("encoder."):
        cols = window_bounds(n_k, rows[0], side)
    else:  # causal: the keys a query can see end at the query itself
        cols = window_bounds(n_k, rows[1] - side, side)
    return rows, cols


def _cell_size(n: int) -> int:
    return 46 if n <= 8 else 30 if n <= 16 else 14 if n <= 40 else 8


def attention_heatmap(frame: pd.DataFrame, title: str, query: int | None = None, key_title: str = "key (the word looked at)") -> alt.LayerChart:
    """Queries as rows, keys as columns, in token order; the chosen query's row outlined."""
    return heatmap(frame, title=title, x_title=key_title, y_title="query (the word looking)", value="percent",
                   value_title="attention %", fmt=".0f", domain=(0, 100), cell=_cell_size(frame["row"].nunique()),
                   outline_row=query)


def grid_frame(trace: Trace, max_side: int = 24) -> pd.DataFrame:
    """Every attention module x head, max-pooled to at most max_side^2 cells each (long prompts)."""
    frames = []
    for m_index, module in enumerate(trace.attention_modules()):
        pattern = trace.pattern(module)
        for head in range(pattern.shape[0]):
            pooled, block = pool_matrix(pattern[head], max_side)
            rows, cols = np.indices(pooled.shape)
            frames.append(pd.DataFrame({
                "module": module, "module_index": m_index, "module_title": module_title(module), "head": head,
                "head_title": f"head {head + 1}", "row": rows.ravel() * block, "col": cols.ravel() * block,
                "block": block, "percent": pooled.ravel() * 100,
            }))
    return pd.concat(frames, ignore_index=True)


def attention_grid(frame: pd.DataFrame, cell_px: int = 110) -> alt.FacetChart:
    """Small multiples: one panel per layer (rows) and head (columns); hover for the numbers."""
    module_order = frame.drop_duplicates("module").sort_values("module_index")["module_title"].tolist()
    side = int(frame["row"].nunique())
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("col:O", axis=None),
        y=alt.Y("row:O", axis=None),
        color=alt.Color("percent:Q", scale=alt.Scale(scheme="blues", domain=[0, 100]), title="attention %"),
        tooltip=[alt.Tooltip("module_title:N", title="attention"), alt.Tooltip("head_title:N", title="head"),
                 alt.Tooltip("row:Q", title="query position"), alt.Tooltip("col:Q", title="key position"),
                 alt.Tooltip("percent:Q", title="attention % (max in block)", format=".2f")],
    ).properties(width=cell_px, height=cell_px if side else cell_px).facet(
        row=alt.Row("module_title:N", sort=module_order, title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=12)),
        column=alt.Column("head_title:N", title=None, header=alt.Header(labelFontSize=12)),
        spacing=6,
    )


@dataclass
class HeadArithmetic:
    """Every step of one head for one query token, from the trace's own tensors."""

    query_token: str
    input_vector: np.ndarray  # what the attention reads for this token (normalized, with pre-norm)
    query_vector: np.ndarray
    table: pd.DataFrame  # one row per key
    weighted_sum: np.ndarray  # = hook_z[query, head]
    residual: pd.DataFrame  # residual input + attention output = block output
    d_head: int
    input_name: str


def _block_and_kind(module: str) -> tuple[str, str]:
    block, kind = module.rsplit(".", 1)
    return block, kind


def head_arithmetic(trace: Trace, module: str, head: int, query: int) -> HeadArithmetic:
    block, kind = _block_and_kind(module)
    q = to_numpy(trace[f"{module}.hook_q"][query, head])
    k = to_numpy(trace[f"{module}.hook_k"][:, head])  # [key, d_head]
    v = to_numpy(trace[f"{module}.hook_v"][:, head])
    dots = to_numpy(trace[f"{module}.hook_dots"][head, query])
    scaled = to_numpy(trace[f"{module}.hook_scaled"][head, query])
    mask = to_numpy(trace[f"{module}.hook_mask"][query])
    scores = to_numpy(trace[f"{module}.hook_attn_scores"][head, query])
    pattern = to_numpy(trace[f"{module}.hook_pattern"][head, query])
    weighted = pattern[:, None] * v
    key_tokens = trace.key_tokens(module)
    table = pd.DataFrame({
        "key word": [f"{i}: {t}" for i, t in enumerate(key_tokens)],
        "key vector": [fmt_vector(r) for r in k],
        "query · key": dots,
        f"÷ √{k.shape[1]}": scaled,
        "+ mask": mask,
        "score": scores,
        "softmax %": pattern * 100,
        "value vector": [fmt_vector(r) for r in v],
        "% × value": [fmt_vector(r, 3) for r in weighted],
    })
    ln = f"{block}.ln1.hook_normalized" if kind == "attn" else f"{block}.ln_cross.hook_normalized"
    residual_in = f"{block}.hook_resid_pre" if kind == "attn" else f"{block}.hook_resid_mid"
    out_name = f"{block}.hook_attn_out" if kind == "attn" else f"{block}.hook_cross_attn_out"
    result_name = f"{block}.hook_resid_mid" if kind == "attn" else f"{block}.hook_resid_mid_cross"
    input_name = ln if ln in trace else residual_in
    stream = trace.query_tokens(module)
    rows = [
        ("residual stream in", residual_in, to_numpy(trace[residual_in][query])),
        ("+ attention output (all heads)", out_name, to_numpy(trace[out_name][query])),
        ("= sum", "", to_numpy(trace[residual_in][query] + trace[out_name][query])),
        ("block's stream after this step", result_name, to_numpy(trace[result_name][query])),
    ]
    residual = pd.DataFrame({"step": [r[0] for r in rows], "trace name": [r[1] for r in rows],
                             "vector": [fmt_vector(r[2], 3, 8) for r in rows]})
    return HeadArithmetic(stream[query], to_numpy(trace[input_name][query]), q, table,
                          to_numpy(trace[f"{module}.hook_z"][query, head]), residual, k.shape[1], input_name)
