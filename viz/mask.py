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

from .attention import HIGHLIGHT, Window, attention_frame, axis, cell_px, full_window, label_font, long_frame, rounded

HIDDEN = "#6e6e6e"  # -∞ cells: a neutral grey that reads in light and dark themes
VISIBLE = "#c6dbef"  # mask 0 cells: the light end of the blues used for attention
STAGES = {  # stage -> (trace name suffix, per head?, panel title)
    "mask": ("hook_mask", False, "1. The mask (0 or -∞)"),
    "scores": ("hook_scaled", True, "2. Scores: q·k ÷ √d"),
    "masked": ("hook_attn_scores", True, "3. Scores + mask"),
    "softmax": ("hook_pattern", True, "4. Softmax %"),
}


def stage_title(stage: str) -> str:
    return STAGES[stage][2]


def _shown(values: np.ndarray, digits: int) -> list[str]:
    return ["-∞" if np.isneginf(x) else rounded(x, digits) for x in values]


def mask_frames(trace: Trace, module: str, head: int, window: Window | None = None) -> dict[str, pd.DataFrame]:
    """The four stages of one head as tidy frames: value (with -inf), shown ("-∞" or rounded), hidden."""
    q_tokens, k_tokens = trace.query_tokens(module), trace.key_tokens(module)
    window = window or full_window(*trace.pattern(module).shape[1:])
    frames = {}
    for stage, (name, per_head, _) in STAGES.items():
        matrix = trace[f"{module}.{name}"]
        matrix = matrix[head] * (100 if stage == "softmax" else 1) if per_head else matrix
        frame = long_frame(matrix, q_tokens, k_tokens, window, "value")
        values = frame["value"].to_numpy()
        frame["hidden"] = np.isneginf(values)
        frame["shown"] = _shown(values, 0 if stage == "mask" else 1 if stage == "softmax" else 2)
        frames[stage] = frame
    return frames


def score_domain(frame: pd.DataFrame) -> tuple[float, float]:
    """A colour domain symmetric around 0 from the finite values (shared by panels 2 and 3)."""
    finite = frame.loc[~frame["hidden"], "value"]
    bound = float(finite.abs().max()) if len(finite) else 1.0
    return -max(bound, 1e-9), max(bound, 1e-9)


def mask_heatmap(frame: pd.DataFrame, stage: str, title: str | None = None, query: int | None = None,
                 domain: tuple[float, float] | None = None, cell: int | None = None, row_labels: bool = True, scale: str = "linear") -> alt.LayerChart:
    """One stage: mask cells in two colours, scores on a diverging scale, softmax in blues; -∞ grey.

    row_labels=False drops the query labels, for a panel placed right of one that has them;
    scale="sqrt" spreads the small percentages of long prompts over the softmax colours.
    """
    rows = frame.drop_duplicates("query_pos").sort_values("query_pos")["query_label"].tolist()
    cols = frame.drop_duplicates("key_pos").sort_values("key_pos")["key_label"].tolist()
    cell = cell or min(cell_px(len(rows)), cell_px(len(cols)))
    x = alt.X("key_label:N", sort=cols, axis=axis("key", label_font(len(cols)), angle=-45))
    y = alt.Y("query_label:N", sort=rows, axis=axis("query", label_font(len(rows))) if row_labels else None)
    data = frame.assign(value=frame["value"].where(~frame["hidden"]))  # -inf is not JSON: draw it apart
    tooltip = [alt.Tooltip("query_label:N", title="query"), alt.Tooltip("key_label:N", title="key"),
               alt.Tooltip("shown:N", title="value (rounded)"), alt.Tooltip("value:Q", title="value (exact)", format=".6f")]
    stroke = {"stroke": "white", "strokeWidth": 0.5} if cell >= 18 else {}
    layers = _cells(data, stage, x, y, tooltip, stroke, domain or score_domain(frame), scale)
    if len(rows) * len(cols) <= 150 and len(cols) <= 14:
        layers.append(alt.Chart(data).mark_text(fontSize=11 if cell >= 36 else 9).encode(
            x=x, y=y, text="shown:N", tooltip=tooltip, color=_text_color(stage, domain or score_domain(frame))))
    chosen = frame[frame["query_pos"] == query] if query is not None else frame.iloc[:0]
    if not chosen.empty:
        layers.append(alt.Chart(chosen[["query_label", "key_label"]]).mark_rect(fill=None, stroke=HIGHLIGHT, strokeWidth=2).encode(x=x, y=y))
    return alt.layer(*layers, title=alt.Title(title or stage_title(stage), anchor="start", limit=600)).properties(
        width=cell * len(cols), height=cell * len(rows), autosize=alt.AutoSizeParams(type="pad"))


def _cells(data: pd.DataFrame, stage: str, x, y, tooltip, stroke: dict, domain: tuple[float, float], scale: str) -> list[alt.Chart]:
    """The coloured cells of one stage; -∞ cells (no place on a colour scale) drawn apart in grey."""
    legend = alt.Legend(orient="bottom", direction="horizontal", gradientLength=110)
    if stage == "mask":
        color = alt.Color("shown:N", scale=alt.Scale(domain=["0", "-∞"], range=[VISIBLE, HIDDEN]), title="mask", legend=legend)
        return [alt.Chart(data).mark_rect(**stroke).encode(x=x, y=y, color=color, tooltip=tooltip)]
    if stage == "softmax":
        color = alt.Color("value:Q", scale=alt.Scale(scheme="blues", domain=[0, 100], type=scale), title="attention %", legend=legend)
    else:
        color = alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=list(domain), reverse=True), title="score", legend=legend)
    layers = [alt.Chart(data[~data["hidden"]]).mark_rect(**stroke).encode(x=x, y=y, color=color, tooltip=tooltip)]
    hidden = data[data["hidden"]]
    if not hidden.empty:
        layers.append(alt.Chart(hidden).mark_rect(color=HIDDEN, **stroke).encode(x=x, y=y, tooltip=tooltip[:3]))
    return layers


def _text_color(stage: str, domain: tuple[float, float]) -> alt.condition:
    """White on dark cells (-∞, strong scores, high percentages), black on light ones."""
    if stage == "mask":
        dark = alt.datum.hidden
    elif stage == "softmax":
        dark = alt.datum.hidden | (alt.datum.value > 55)
    else:
        dark = alt.datum.hidden | (abs(alt.datum.value) > 0.6 * domain[1])
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


def change_heatmap(frame: pd.DataFrame, title: str, cell: int | None = None) -> alt.LayerChart:
    """Without minus with the mask, in percentage points: blue gained, red lost."""
    rows = frame.drop_duplicates("query_pos").sort_values("query_pos")["query_label"].tolist()
    cols = frame.drop_duplicates("key_pos").sort_values("key_pos")["key_label"].tolist()
    cell = cell or min(cell_px(len(rows)), cell_px(len(cols)))
    bound = max(float(frame["change"].abs().max()), 1e-6)
    base = alt.Chart(frame).encode(x=alt.X("key_label:N", sort=cols, axis=axis("key (the word looked at)", label_font(len(cols)), angle=-45)),
                                   y=alt.Y("query_label:N", sort=rows, axis=axis("query (the word looking)", label_font(len(rows)))))
    tooltip = [alt.Tooltip("query_label:N", title="query"), alt.Tooltip("key_label:N", title="key"),
               alt.Tooltip("with_mask:Q", title="with the mask %", format=".3f"),
               alt.Tooltip("without_mask:Q", title="without the mask %", format=".3f"),
               alt.Tooltip("change:Q", title="change (points)", format="+.3f")]
    layers = [base.mark_rect(stroke="white", strokeWidth=0.5 if cell >= 18 else 0).encode(
        color=alt.Color("change:Q", scale=alt.Scale(scheme="redblue", domain=[-bound, bound]), title="change (points)"),
        tooltip=tooltip)]
    if len(rows) * len(cols) <= 150 and len(cols) <= 14:  # print changes of at least half a point
        layers.append(base.transform_filter(abs(alt.datum.change) >= 0.5).mark_text(fontSize=11).encode(
            text=alt.Text("change:Q", format="+.0f"), tooltip=tooltip,
            color=alt.condition(abs(alt.datum.change) > 0.6 * bound, alt.value("white"), alt.value("black"))))
    return alt.layer(*layers, title=alt.Title(title, anchor="start", limit=600)).properties(
        width=cell * len(cols), height=cell * len(rows), autosize=alt.AutoSizeParams(type="pad"))


def visible_keys(trace: Trace, module: str, query_pos: int) -> tuple[list[int], list[int]]:
    """Key positions the query may look at (mask 0) and those it may not (mask -∞)."""
    row = trace[f"{module}.hook_mask"][query_pos]
    hidden = np.isneginf(row.numpy())
    return np.flatnonzero(~hidden).tolist(), np.flatnonzero(hidden).tolist()


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
