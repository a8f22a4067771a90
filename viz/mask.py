"""Causal-mask views: the mask, the scores before and after it, and the softmax, side by side;
and the same head with the mask removed.

Why four panels: the lesson's point is that adding -∞ to the scores of later words makes
their softmax percentage exactly 0, so a word only looks at itself and the words before it.
Four matrices in a row (mask, scores, scores + mask, softmax) show each step of that. -∞ has
no place on a colour scale, so those cells get their own grey and the label "-∞".
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from model.trace import Trace

from .spec import SpecChart, spec_template
from .attention import (HIGHLIGHT, KEY_TITLE, Window, attention_frame, axis, full_window, heatmap_cell, label_font, long_frame,
                        prints_numbers, rounded)

HIDDEN = "#6e6e6e"  # -∞ cells: a neutral grey that reads in light and dark themes
VISIBLE = "#c6dbef"  # mask 0 cells: the light end of the blues used for attention
STAGES = {  # stage -> (trace name suffix, per head?, panel title)
    "mask": ("hook_mask", False, "1. The mask (0 or -∞)"),
    "scores": ("hook_scaled", True, "2. Scores: q·k ÷ √d"),
    "masked": ("hook_attn_scores", True, "3. Scores + mask"),
    "softmax": ("hook_pattern", True, "4. Softmax %"),
}


BIASED_SCORES = "2. Scores: q·k ÷ √d + distance bias"  # a local layer that learns a bias per distance back


def stage_title(stage: str, biased: bool = False) -> str:
    return BIASED_SCORES if biased and stage == "scores" else STAGES[stage][2]


def _shown(values: np.ndarray, digits: int) -> list[str]:
    return ["-∞" if np.isneginf(x) else rounded(x, digits) for x in values]


def mask_frames(trace: Trace, module: str, head: int, window: Window | None = None) -> dict[str, pd.DataFrame]:
    """The four stages of one head as tidy frames: value (with -inf), shown ("-∞" or rounded), hidden.

    In a local layer with a distance bias the scores of panel 2 include the bias, so that panel
    3 is still panel 2 plus the mask."""
    q_tokens, k_tokens = trace.query_tokens(module), trace.key_tokens(module)
    window = window or full_window(*trace.pattern(module).shape[1:])
    bias = trace.tensors.get(f"{module}.hook_distance_bias")
    frames = {}
    for stage, (name, per_head, _) in STAGES.items():
        matrix = trace[f"{module}.{name}"]
        if stage == "scores" and bias is not None:
            matrix = matrix + bias
        matrix = matrix[head] * (100 if stage == "softmax" else 1) if per_head else matrix
        frame = long_frame(matrix, q_tokens, k_tokens, window, "value")
        values = frame["value"].to_numpy()
        frame["hidden"] = np.isneginf(values)
        frame["shown"] = _shown(values, 0 if stage == "mask" else 1 if stage == "softmax" else 2)
        frames[stage] = frame
    # softmax turns -inf into exactly 0: those cells stay grey (hidden), apart from attention that is merely small
    frames["softmax"]["hidden"] = frames["mask"]["hidden"].to_numpy()
    return frames


def score_domain(frame: pd.DataFrame) -> tuple[float, float]:
    """A colour domain symmetric around 0 from the finite values (shared by panels 2 and 3)."""
    finite = frame.loc[~frame["hidden"], "value"]
    bound = float(finite.abs().max()) if len(finite) else 1.0
    return -max(bound, 1e-9), max(bound, 1e-9)


def mask_heatmap(frame: pd.DataFrame, stage: str, title: str | None = None, query: int | None = None,
                 domain: tuple[float, float] | None = None, cell: int | None = None, row_labels: bool = True, scale: str = "linear") -> SpecChart:
    """One stage: mask cells in two colours, scores on a diverging scale, softmax in blues; -∞ grey.

    row_labels=False drops the query labels, for a panel placed right of one that has them;
    scale="sqrt" spreads the small percentages of long prompts over the softmax colours.
    """
    n_rows, n_cols = frame["query_pos"].nunique(), frame["key_pos"].nunique()
    cell = cell or heatmap_cell(n_rows, n_cols)
    printed = prints_numbers(n_rows, n_cols)
    data = frame.assign(value=frame["value"].where(~frame["hidden"]),  # -inf is not JSON: drawn apart, in grey
                        chosen=frame["query_pos"] == query)
    spec = _mask_spec(stage, title or stage_title(stage), cell, row_labels, scale, printed, label_font(n_rows), label_font(n_cols))
    return SpecChart(spec, {"cells": data}, {"bound": (domain or score_domain(frame))[1]})


@spec_template
def _mask_spec(stage: str, title: str, cell: int, row_labels: bool, scale: str, printed: bool, row_font: int,
               col_font: int) -> alt.LayerChart:
    """The scores' colours run from -bound to +bound, a parameter set from the data (SpecChart.values)."""
    x_axis, y_axis = axis("key", col_font, angle=-45), axis("query", row_font)
    if cell < row_font + 2:  # the 7 px cells of a long prompt's window: every other label, not all of them on top of each other
        x_axis["labelOverlap"] = y_axis["labelOverlap"] = True
    x = alt.X("key_label:N", sort=alt.EncodingSortField("key_pos", op="min"), axis=x_axis)
    y = alt.Y("query_label:N", sort=alt.EncodingSortField("query_pos", op="min"), axis=y_axis if row_labels else None)
    tooltip = [alt.Tooltip("query_label:N", title="query"), alt.Tooltip("key_label:N", title="key"),
               alt.Tooltip("shown:N", title="value (rounded)"), alt.Tooltip("value:Q", title="value (exact)", format=".6f")]
    stroke = {"stroke": "white", "strokeWidth": 0.5} if cell >= 18 else {}
    base = alt.Chart().encode(x=x, y=y)
    layers = _cells(base, stage, tooltip, stroke, scale)
    if printed:
        layers.append(base.mark_text(fontSize=11 if cell >= 36 else 9).encode(text="shown:N", tooltip=tooltip, color=_text_color(stage)))
    layers.append(base.transform_filter(alt.datum.chosen).mark_rect(fill=None, stroke=HIGHLIGHT, strokeWidth=2))
    return alt.layer(*layers, data=alt.NamedData(name="cells"), title=alt.Title(title, anchor="start", limit=600)).add_params(
        alt.param(name="bound", value=1.0)).properties(width=alt.Step(cell), height=alt.Step(cell), autosize=alt.AutoSizeParams(type="pad"))


def _cells(base: alt.Chart, stage: str, tooltip, stroke: dict, scale: str) -> list[alt.Chart]:
    """The coloured cells of one stage; -∞ cells (no place on a colour scale) drawn apart in grey."""
    legend = alt.Legend(orient="bottom", direction="horizontal", gradientLength=110)
    if stage == "mask":
        color = alt.Color("shown:N", scale=alt.Scale(domain=["0", "-∞"], range=[VISIBLE, HIDDEN]), title="mask", legend=legend)
        return [base.mark_rect(**stroke).encode(color=color, tooltip=tooltip)]
    if stage == "softmax":
        color = alt.Color("value:Q", scale=alt.Scale(scheme="blues", domain=[0, 100], type=scale), title="attention %", legend=legend)
    else:
        # blue for high scores, as in the softmax panel (a high score gets much attention), red for low
        color = alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[alt.ExprRef("-bound"), alt.ExprRef("bound")]),
                          title="score", legend=legend)
    return [base.transform_filter(~alt.datum.hidden).mark_rect(**stroke).encode(color=color, tooltip=tooltip),
            base.transform_filter(alt.datum.hidden).mark_rect(color=HIDDEN, **stroke).encode(tooltip=tooltip[:3])]


def _text_color(stage: str) -> alt.condition:
    """White on dark cells (-∞, strong scores, high percentages), black on light ones."""
    if stage == "mask":
        dark = alt.datum.hidden
    elif stage == "softmax":
        dark = alt.datum.hidden | (alt.datum.value > 55)
    else:
        dark = "datum.hidden || abs(datum.value) > 0.6 * bound"
    return alt.condition(dark, alt.value("white"), alt.value("black"))


def csv_frame(frame: pd.DataFrame, stage: str) -> pd.DataFrame:
    """What a panel's CSV holds: positions, tokens and the exact value (-inf where masked)."""
    return frame[["query_pos", "key_pos", "query_token", "key_token", "value"]].rename(columns={"value": stage})


# --- the same head without the mask ----------------------------------------------------------


def compare_frames(masked: Trace, unmasked: Trace, module: str, head: int, window: Window | None = None) -> dict[str, pd.DataFrame]:
    """The head's pattern with the causal mask, without it (RunOptions(causal=False)), and the
    change in percentage points (without − with)."""
    with_mask = attention_frame(masked, module, head, window)
    without = attention_frame(unmasked, module, head, window)
    diff = with_mask[["query_pos", "key_pos", "query_token", "key_token", "query_label", "key_label"]].copy()
    diff["with_mask"] = with_mask["percent"]
    diff["without_mask"] = without["percent"].to_numpy()
    diff["change"] = diff["without_mask"] - diff["with_mask"]
    return {"with": with_mask, "without": without, "change": diff}


def change_heatmap(frame: pd.DataFrame, title: str, cell: int | None = None) -> SpecChart:
    """Without minus with the mask, in percentage points: blue gained, red lost."""
    n_rows, n_cols = frame["query_pos"].nunique(), frame["key_pos"].nunique()
    cell = cell or heatmap_cell(n_rows, n_cols)
    printed = prints_numbers(n_rows, n_cols)  # print changes of at least half a point
    spec = _change_spec(title, cell, printed, label_font(n_rows), label_font(n_cols))
    return SpecChart(spec, {"cells": frame}, {"bound": max(float(frame["change"].abs().max()), 1e-6)})


@spec_template
def _change_spec(title: str, cell: int, printed: bool, row_font: int, col_font: int) -> alt.LayerChart:
    base = alt.Chart().encode(
        x=alt.X("key_label:N", sort=alt.EncodingSortField("key_pos", op="min"), axis=axis(KEY_TITLE, col_font, angle=-45)),
        y=alt.Y("query_label:N", sort=alt.EncodingSortField("query_pos", op="min"), axis=axis("query (the word looking)", row_font)))
    tooltip = [alt.Tooltip("query_label:N", title="query"), alt.Tooltip("key_label:N", title="key"),
               alt.Tooltip("with_mask:Q", title="with the mask %", format=".3f"),
               alt.Tooltip("without_mask:Q", title="without the mask %", format=".3f"),
               alt.Tooltip("change:Q", title="change (points)", format="+.3f")]
    layers = [base.mark_rect(stroke="white", strokeWidth=0.5 if cell >= 18 else 0).encode(
        color=alt.Color("change:Q", scale=alt.Scale(scheme="redblue", domain=[alt.ExprRef("-bound"), alt.ExprRef("bound")]),
                        title="change (points)"),
        tooltip=tooltip)]
    if printed:
        layers.append(base.transform_filter(abs(alt.datum.change) >= 0.5).mark_text(fontSize=11).encode(
            text=alt.Text("change:Q", format="+.0f"), tooltip=tooltip,
            color=alt.condition("abs(datum.change) > 0.6 * bound", alt.value("white"), alt.value("black"))))
    return alt.layer(*layers, data=alt.NamedData(name="cells"), title=alt.Title(title, anchor="start", limit=600)).add_params(
        alt.param(name="bound", value=1.0)).properties(width=alt.Step(cell), height=alt.Step(cell), autosize=alt.AutoSizeParams(type="pad"))


def visible_keys(trace: Trace, module: str, query_pos: int) -> tuple[list[int], list[int]]:
    """Key positions the query may look at (mask 0) and those it may not (mask -∞)."""
    row = trace[f"{module}.hook_mask"][query_pos]
    hidden = np.isneginf(row.numpy())
    return np.flatnonzero(~hidden).tolist(), np.flatnonzero(hidden).tolist()


def hidden_before_and_after(hidden: Sequence[int], query_pos: int) -> tuple[list[int], list[int]]:
    """The hidden keys before the query (a local layer's window) and after it (the causal mask)."""
    return [k for k in hidden if k < query_pos], [k for k in hidden if k > query_pos]


def span(positions: Sequence[int]) -> str:
    """[0, 1, 2, 5] -> "0–2, 5": positions as short ranges for a sentence."""
    parts, start = [], None
    for i, p in enumerate(positions):
        if start is None:
            start = p
        if i + 1 == len(positions) or positions[i + 1] != p + 1:
            parts.append(str(p) if p == start else f"{start}–{p}")
            start = None
    return ", ".join(parts)
