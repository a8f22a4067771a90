"""Head views for debugging: what each head does, and what happens without it.

Why: a debugging user asks "which head does what?" (scores that name the classic head
types) and "what does the model lose without it?" (switch heads off, compare the
next-word probabilities). Scores on the prompt come from the trace's own patterns.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import torch

from model import names
from model.heads import KIND_LABELS, duplicate_token_score, first_token_score, previous_token_score
from model.trace import Trace

from . import palette
from .spec import SpecChart, spec_template

PROMPT_KINDS = ("previous_token", "first_token", "duplicate_token")


def head_table(trace: Trace, token_ids: list[int], induction: dict[tuple[int, int], float] | None, threshold: float = 0.4) -> pd.DataFrame:
    """One row per self-attention head of a decoder-only trace: scores on this prompt, induction
    on repeated random words, and the labels whose score passes the threshold."""
    rows = []
    ids = torch.tensor(token_ids)
    for module in trace.attention_modules():
        if names.module_kind(module) != "masked":  # the encoder's and cross-attention have no such scores
            continue
        layer = names.layer_of(module)
        pattern = trace.pattern(module)
        scores = {"previous_token": previous_token_score(pattern) if pattern.shape[-1] > 1 else torch.zeros(pattern.shape[0]),
                  "first_token": first_token_score(pattern) if pattern.shape[-1] > 1 else torch.zeros(pattern.shape[0]),
                  "duplicate_token": duplicate_token_score(pattern, ids)}
        for head in range(pattern.shape[0]):
            row = {"module": module, "layer": layer + 1, "head": head + 1}
            row.update({k: float(v[head]) for k, v in scores.items()})
            if induction is not None:
                row["induction"] = float(induction.get((layer, head), float("nan")))
            kinds = [k for k in (*PROMPT_KINDS, "induction") if k in row and row[k] >= threshold]
            row["does"] = ", ".join(KIND_LABELS[k] for k in sorted(kinds, key=lambda k: -row[k])) or "-"
            rows.append(row)
    return pd.DataFrame(rows)


def head_px(n_heads: int) -> int:
    """A head's column width in the score panels: 34 px, narrower for many heads so that the four
    panels still fit beside each other in the page (8 heads: 21 px)."""
    return max(14, min(34, 170 // max(n_heads, 1)))


def head_score_chart(table: pd.DataFrame) -> SpecChart:
    """Layers x heads, one panel per kind of score: the strong heads stand out.

    A cached spec (viz.spec): the shape depends only on the model (its layers, heads and kinds of
    score), so typing only swaps the dataset "scores".
    """
    kinds = tuple(k for k in (*PROMPT_KINDS, "induction") if k in table)
    long = table.melt(id_vars=["layer", "head", "does"], value_vars=list(kinds), var_name="kind", value_name="score")
    long["kind"] = long["kind"].map(KIND_LABELS)
    return SpecChart(_head_score_spec(kinds, int(table["head"].nunique()), int(table["layer"].nunique())), {"scores": long})


@spec_template
def _head_score_spec(kinds: tuple[str, ...], n_heads: int, n_layers: int) -> alt.FacetChart:
    return alt.Chart(alt.NamedData(name="scores")).mark_rect(stroke="white").encode(
        # upright head numbers: on its side a "1" reads as a tick mark
        x=alt.X("head:O", title="head", axis=alt.Axis(labelAngle=0)), y=alt.Y("layer:O", title="layer"),
        color=alt.Color("score:Q", scale=alt.Scale(**palette.vega_scale(False, 0.0, 1.0)),
                        title=["score", palette.SEQUENTIAL_MEANS]),
        tooltip=[alt.Tooltip("kind:N"), alt.Tooltip("layer:O"), alt.Tooltip("head:O"), alt.Tooltip("score:Q", format=".4f"),
                 alt.Tooltip("does:N", title="labels")],
    ).properties(width=max(head_px(n_heads) * n_heads, 130), height=30 * n_layers).facet(
        # at least 130 px a panel: narrower (a one-head model's 34 px) and the panel titles ran together
        column=alt.Column("kind:N", title=None, sort=[KIND_LABELS[k] for k in kinds]),
        title=alt.Title("Every head's scores on this prompt (0 to 1; darker is stronger)", anchor="start"))


def ablation_frame(before: torch.Tensor, after: torch.Tensor, vocab, top: int = 12) -> pd.DataFrame:
    """Next-word probabilities with and without the switched-off heads, for the words that matter most."""
    p0, p1 = torch.softmax(before.float(), -1), torch.softmax(after.float(), -1)
    frame = pd.DataFrame({"word": list(vocab), "with all heads": p0.numpy(), "heads switched off": p1.numpy()})
    frame["change"] = frame["heads switched off"] - frame["with all heads"]
    keep = set(frame.nlargest(top, "with all heads").index) | set(frame.nlargest(top // 2, "heads switched off").index)
    frame = frame.loc[sorted(keep, key=lambda i: -frame.loc[i, "with all heads"])]
    return frame.reset_index(drop=True)


def ablation_chart(frame: pd.DataFrame, title: str) -> alt.Chart:
    order = frame["word"].tolist()
    long = frame.melt(id_vars=["word", "change"], value_vars=["with all heads", "heads switched off"], var_name="run", value_name="probability")
    return alt.Chart(long, title=title).mark_bar().encode(
        y=alt.Y("word:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False)),
        yOffset=alt.YOffset("run:N", sort=["with all heads", "heads switched off"]),
        x=alt.X("probability:Q", title="probability of being the next word", axis=alt.Axis(format="%")),  # not fixed to 0-1: small ones must show too
        color=alt.Color("run:N", scale=alt.Scale(domain=["with all heads", "heads switched off"], range=["#1f77b4", "#ff4b4b"]), title=None,
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("run:N"), alt.Tooltip("probability:Q", format=".6f"),
                 alt.Tooltip("change:Q", title="change when off", format="+.6f")],
    ).properties(height=alt.Step(17))  # per bar, titles and legend added around: a fixed total squeezed 5 words into 20 px
