"""Causal-mask views: the mask, the scores before and after it, and the softmax, side by side.

Why four panels: the lesson's point is that adding -inf to the scores of later words makes
their softmax percentage exactly 0. Showing the four matrices in a row makes that visible.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from model.trace import Trace

from .common import heatmap, matrix_frame, to_numpy


def mask_stage_frames(trace: Trace, module: str, head: int) -> dict[str, pd.DataFrame]:
    """The four stages for one head: mask (0/-inf), scaled scores, masked scores, softmax."""
    q_tokens, k_tokens = trace.query_tokens(module), trace.key_tokens(module)
    stages = {
        "mask": trace[f"{module}.hook_mask"],
        "scores": trace[f"{module}.hook_scaled"][head],
        "masked scores": trace[f"{module}.hook_attn_scores"][head],
        "softmax": trace[f"{module}.hook_pattern"][head] * 100,
    }
    frames = {}
    for name, matrix in stages.items():
        frame = matrix_frame(matrix, q_tokens, k_tokens)
        values = frame["value"].to_numpy()
        frame["shown"] = np.where(np.isneginf(values), "-∞", np.char.mod("%.2f", np.nan_to_num(values, neginf=0.0)))
        frame["hidden"] = np.isneginf(values)
        frames[name] = frame
    return frames


def mask_stage_chart(frame: pd.DataFrame, title: str, fmt: str = ".2f", percent: bool = False) -> alt.LayerChart:
    """A heatmap where -inf cells are drawn dark grey and labelled "-∞" (they have no colour value)."""
    finite = frame.assign(value=frame["value"].where(~frame["hidden"]))
    chart = heatmap(finite, title=title, x_title="key", y_title="query", value="value",
                    value_title="attention %" if percent else "score", fmt=fmt, domain=(0, 100) if percent else None,
                    diverging=not percent, cell=40, text=len(frame) <= 150)
    hidden = frame[frame["hidden"]]
    if hidden.empty:
        return chart
    rows = frame.drop_duplicates("row").sort_values("row")["row_label"].tolist()
    cols = frame.drop_duplicates("col").sort_values("col")["col_label"].tolist()
    base = alt.Chart(hidden).encode(x=alt.X("col_label:N", sort=cols), y=alt.Y("row_label:N", sort=rows),
                                    tooltip=[alt.Tooltip("row_label:N", title="query"), alt.Tooltip("col_label:N", title="key"),
                                             alt.Tooltip("shown:N", title="value")])
    cover = base.mark_rect(color="#555555")
    layers = [cover, base.mark_text(color="white", fontSize=11).encode(text="shown:N")] if len(frame) <= 150 else [cover]
    return alt.layer(chart, *layers)


def mask_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The mask as a small readable matrix of "0" / "-∞" for the CSV and the table view."""
    return frame.pivot(index="row_label", columns="col_label", values="shown").loc[
        frame.drop_duplicates("row").sort_values("row")["row_label"], frame.drop_duplicates("col").sort_values("col")["col_label"]]


def unmasked_difference(masked: Trace, unmasked: Trace, module: str, head: int) -> pd.DataFrame:
    """Attention with the mask minus without it, in percentage points."""
    diff = (to_numpy(masked.pattern(module)[head]) - to_numpy(unmasked.pattern(module)[head])) * 100
    return matrix_frame(diff, masked.query_tokens(module), masked.key_tokens(module))
