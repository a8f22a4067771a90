"""Causal-mask views: the mask, the scores before and after it, and the softmax, side by side;
and the same head with the mask removed.

Why four panels: the lesson's point is that adding -∞ to the scores of later words makes
their softmax percentage exactly 0, so a word only looks at itself and the words before it.
Four matrices in a row (mask, scores, scores + mask, softmax) show each step of that. -∞ has
no place on a colour scale, so those cells get their own grey and the label "-∞".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.trace import Trace

from . import palette
from .attention import attention_frame, has_distance_bias
from .canvas import KEY_TITLE, grid_values, heatmap_data
from .numbers import rounded
from .windows import Window, full_window, long_frame

NEG_INF_FILL = "#6e6e6e"  # -∞ cells: a neutral grey that reads in light and dark themes
STAGES = {  # stage -> (trace name kind, per head?, panel title)
    "mask": ("mask", False, "1. The mask (0 or -∞)"),
    "scores": ("scaled", True, "2. Scores: q·k ÷ √d"),
    "masked": ("attn_scores", True, "3. Scores + mask"),
    "softmax": ("pattern", True, "4. Softmax %"),
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
    bias = trace.at(module, "distance_bias") if has_distance_bias(trace, module) else None
    frames = {}
    for stage, (kind, per_head, _) in STAGES.items():
        matrix = trace.at(module, kind)
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


def mask_data(frame: pd.DataFrame, stage: str, title: str | None = None, query: int | None = None,
              domain: tuple[float, float] | None = None, cell: int | None = None, row_labels: bool = True,
              scale: str = "linear", local_window: int = 0) -> dict:
    """One stage as data for the canvas heatmap (app_pages/components/): the mask
    in two colours, the scores on a red-blue scale around 0, the softmax in blues; -∞ dark grey.

    Why not Vega charts: the four panels re-created up to 4 x 1,600 marks on every keystroke.
    row_labels=False drops the query labels, for a panel placed right of one that has them;
    scale="sqrt" spreads the small percentages of long prompts over the softmax colours;
    local_window: the layer's window (0 if it has none), for what the tooltip and legend say is hidden.
    """
    data = heatmap_data(frame.assign(masked=frame["hidden"]), title or stage_title(stage), query=query,
                        key_title="key", query_title="query", value="value", exact="value",
                        value_title={"mask": "mask", "softmax": "attention %"}.get(stage, "score"),
                        scale=scale if stage == "softmax" else "linear", window=local_window)
    texts = None
    if data["printed"]:  # the lesson's numbers in the cells, in the data's cell order
        shown = dict(zip(zip(frame["query_pos"], frame["key_pos"]), frame["shown"]))
        texts = [shown.get((q, k), "") for q in data["row_pos"] for k in data["col_pos"]]
    bound = (domain or score_domain(frame))[1]
    data.update(
        cell=cell or data["cell"], row_labels=row_labels, masked_fill=NEG_INF_FILL, exact_digits=6,
        texts=texts,
        mask_text=("-∞: hidden (a later word, or outside the window)" if local_window else "-∞: hidden (a later word)")
        if stage == "mask" else "-∞",
        **({"scheme": "redblue", "value_min": -bound, "value_max": bound, "legend_lo": f"{-bound:.2f}", "legend_hi": f"{bound:.2f}",
            "legend_means": palette.DIVERGING_MEANS}
           if stage in ("scores", "masked") else
           {"legend": "swatch", "value_max": 1, "legend_lo": "0: may look", "legend_means": None} if stage == "mask" else {}),
    )
    if stage == "mask":  # the two values only: 0 in the light blue of "may look", -∞ in grey
        data["values"] = [None if v is None else 0.0 for v in data["values"]]
    return data


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


def change_data(frame: pd.DataFrame, title: str, cell: int | None = None) -> dict:
    """Without minus with the mask, in percentage points, as data for the canvas heatmap: blue
    gained, red lost; changes of at least half a point printed in small matrices, and both
    percentages in the tooltip."""
    data = heatmap_data(frame, title, key_title=KEY_TITLE, query_title="query (the word looking)", value="change",
                        value_title="change (points)", exact="without_mask")
    bound = max(float(frame["change"].abs().max()), 1e-6)
    with_mask = grid_values(frame, "with_mask")
    data.update(
        cell=cell or data["cell"], scheme="redblue", value_min=-bound, value_max=bound, legend_lo=f"{-bound:+.1f}",
        legend_hi=f"{bound:+.1f}", legend_means="red = lost, blue = gained", exact_title="without the mask %", exact_digits=3,
        tip_extra=[{"title": "with the mask %", "values": with_mask, "digits": 3}],
        texts=[f"{v:+.0f}" if v is not None and abs(v) >= 0.5 else "" for v in data["values"]] if data["printed"] else None,
    )
    return data


def visible_keys(trace: Trace, module: str, query_pos: int) -> tuple[list[int], list[int]]:
    """Key positions the query may look at (mask 0) and those it may not (mask -∞)."""
    row = trace.at(module, "mask")[query_pos]
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
