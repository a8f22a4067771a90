"""Next-token views: the probability of every word, reshaped live by temperature, top-k, top-p.

Why two bars per word: the faint bar is the model's plain softmax, the solid one what is
actually sampled from after temperature / top-k / top-p, so the effect of each control is
visible at once; words the controls cut sit at 0 with their old probability still drawn
faintly behind. Everything here reads logits the trace already holds: no forward pass.
"""

from __future__ import annotations

from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd
import torch

from model.generate import Sampling, distribution

from . import palette
from .spec import SpecChart, spec_template

CHOSEN, KEPT, CUT = "chosen", "kept", "cut by top-k / top-p"
COLORS = {CHOSEN: "#ff4b4b", KEPT: "#4a90d9", CUT: "#9e9e9e"}
GREY_TEXT = "#8c8c8c"  # text on the chart's background: readable in the light and the dark theme


def _percent(p: float) -> str:
    """Readable percentages that never show a non-zero probability as 0.0%."""
    if p == 0:
        return "0%"
    if p < 0.001:
        return "<0.1%"
    return f"{p * 100:.1f}%"


def next_token_frame(
    logits: torch.Tensor, vocab: Sequence[str], sampling: Sampling, top: int = 20, chosen: int | None = None,
) -> pd.DataFrame:
    """One row per word, most likely first: plain softmax and the distribution sampled from.

    logits: one row of the trace's logits [vocab] (the last position: the next word).
    top: keep the ``top`` most likely words (0 = all); the chosen word is always kept, even
    when sampling picked it from far down the list.
    chosen: the id the app will append (default: the most likely word).
    """
    plain = torch.softmax(logits.float(), dim=-1)
    shaped = distribution(logits, sampling)
    if chosen is None:
        chosen = int(torch.argmax(shaped))
    frame = pd.DataFrame({
        "id": range(len(vocab)),
        "word": list(vocab),
        "softmax": plain.numpy().astype(float),
        "probability": shaped.numpy().astype(float),
    })
    frame["kept"] = frame["probability"] > 0
    frame["chosen"] = frame["id"] == chosen
    frame["status"] = np.where(frame["chosen"], CHOSEN, np.where(frame["kept"], KEPT, CUT))
    frame = frame.sort_values(["probability", "softmax"], ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = frame.index + 1
    frame["label"] = [_percent(p) if k else f"cut (softmax {_percent(s)})"
                      for p, s, k in zip(frame["probability"], frame["softmax"], frame["kept"])]
    frame["bar_end"] = frame[["probability", "softmax"]].max(axis=1)
    if top and len(frame) > top:
        frame = frame[(frame["rank"] <= top) | frame["chosen"]].reset_index(drop=True)
    return frame


SUBTITLE = ("blue: the probability used (after temperature, top-k, top-p);", "red: the word chosen;",
            "faint grey: the plain softmax, where those settings change it")


def next_token_chart(frame: pd.DataFrame, title: str, subtitle: str | Sequence[str] | None = None) -> SpecChart:
    """Horizontal bars, most likely on top; the chosen word red, the plain softmax faint behind.

    A cached spec (viz.spec): built with Altair on every keystroke it took most of the page's
    script time. The words come as the dataset "bars", ranked; the axis ends a little past the
    longest bar (``xmax``), so flat distributions of big vocabularies stay readable.
    """
    subtitle = SUBTITLE if subtitle is None else (subtitle,) if isinstance(subtitle, str) else tuple(subtitle)
    top = float(frame["bar_end"].max()) if len(frame) else 1.0
    spec = _next_token_spec(subtitle, 125 + (30 if len(frame) <= 10 else 22) * len(frame))
    return SpecChart(spec, {"bars": frame.assign(heading=title, xmax=min(1.0, max(0.05, top * 1.25)))})


def _first_bar(field: str, otherwise: str) -> alt.ExprRef:
    return alt.ExprRef(f"length(data('bars')) ? data('bars')[0].{field} : {otherwise}")


@spec_template
def _next_token_spec(subtitle: tuple[str, ...], height: int) -> alt.LayerChart:
    """The title (it names the prompt's last word) and the axis's end are read from the data, not
    set as parameters: Streamlit builds a chart anew when a parameter's value changes, and these
    change on almost every keystroke; with the same spec it only swaps the data."""
    base = alt.Chart().encode(
        y=alt.Y("word:N", sort=alt.EncodingSortField("rank", op="min"), title=None,
                axis=alt.Axis(labelLimit=160, labelFontSize=13, labelOverlap=False)),
    )
    tooltip = [
        alt.Tooltip("word:N"), alt.Tooltip("rank:Q"),
        alt.Tooltip("probability:Q", title="probability used", format=".6f"),
        alt.Tooltip("softmax:Q", title="plain softmax", format=".6f"),
        alt.Tooltip("status:N"),
    ]
    # The faint plain-softmax bars share the axis, so reshaping is still compared honestly.
    x_scale = alt.Scale(domain=[0, _first_bar("xmax", "1")])
    ghost = base.mark_bar(opacity=0.3, color=COLORS[CUT]).encode(
        x=alt.X("softmax:Q", title="probability of being the next word", scale=x_scale, axis=alt.Axis(format="%")),
        tooltip=tooltip,
    )
    bars = base.mark_bar(height={"band": 0.6}).encode(
        x=alt.X("probability:Q", scale=x_scale),
        color=alt.Color("status:N", scale=alt.Scale(domain=list(COLORS), range=list(COLORS.values())), legend=None),
        tooltip=tooltip,
    )
    text = base.mark_text(align="left", dx=4, fontSize=12, color=GREY_TEXT).encode(
        x=alt.X("bar_end:Q", scale=x_scale), text="label:N", tooltip=tooltip)
    heading = alt.Title(_first_bar("heading", "''"), subtitle=list(subtitle), anchor="start", subtitleColor=GREY_TEXT)
    return alt.layer(ghost, bars, text, data=alt.NamedData(name="bars"), title=heading).properties(height=height)


def generated_frame(trace_logits: torch.Tensor, stream_ids: Sequence[int], stream_tokens: Sequence[str], n_prompt: int,
                    first_row: int = 0) -> pd.DataFrame:
    """How likely each generated word was when it was chosen, from the trace's own logits.

    Row i: the word at stream position n_prompt + i, with the plain-softmax probability the
    position before gave it and its rank among all words (1 = the greedy choice).
    ``first_row``: the stream position of the logits' first row (the trace's logits_rows).
    """
    probs = torch.softmax(trace_logits.float(), dim=-1)
    rows = []
    for pos in range(n_prompt, len(stream_ids)):
        row = probs[pos - 1 - first_row]
        p = float(row[stream_ids[pos]])
        rows.append({"step": pos - n_prompt + 1, "word": stream_tokens[pos], "probability": p,
                     "rank": int((row > row[stream_ids[pos]]).sum()) + 1})
    return pd.DataFrame(rows, columns=["step", "word", "probability", "rank"])


def prediction_frame(logits: torch.Tensor, tokens: Sequence[str], vocab: Sequence[str], words: int = 8,
                     max_positions: int = 16, first_row: int = 0) -> pd.DataFrame:
    """What the model predicts after each word of the stream: softmax of every logits row.

    Rows: the last ``max_positions`` positions ("i: token": the prediction made there is for
    position i + 1); columns: a vocabulary of at most ``words`` words whole, in its own order (the
    lesson's "what, is, statquest, awesome, <EOS>"); else the ``words`` words most likely anywhere
    in that window, most likely first, then each word that actually came next and is not among them (so that every
    row's answer is on the chart, however unlikely the model found it). ``is_next`` marks the
    word that actually came next, the training target of each position in the lesson.
    ``first_row``: the position of the logits' first row (the trace's logits_rows).
    """
    n = len(tokens)
    lo = max(0, n - max_positions)
    probs = torch.softmax(logits[lo - first_row:n - first_row].float(), dim=-1).numpy()
    peak = probs.max(axis=0)
    if len(vocab) <= words:
        cols = list(range(len(vocab)))
    else:
        cols = [int(i) for i in np.argsort(-peak, kind="stable")[:words]]
    ids = {w: i for i, w in enumerate(vocab)}
    answers = {ids[t] for t in tokens[lo + 1:n] if t in ids} - set(cols)
    cols += sorted(answers, key=lambda i: -peak[i])
    rows = []
    for r, pos in enumerate(range(lo, n)):
        actual = tokens[pos + 1] if pos + 1 < n else None
        for c, word_id in enumerate(cols):
            rows.append({
                "position": pos, "row_label": f"{pos}: {tokens[pos]}", "word": vocab[word_id], "column": c,
                "probability": float(probs[r, word_id]),
                "is_next": actual is not None and vocab[word_id] == actual,
                "next_word": actual if actual is not None else "(not generated yet)",
            })
    return pd.DataFrame(rows, columns=["position", "row_label", "word", "column", "probability", "is_next", "next_word"])


def prediction_chart(frame: pd.DataFrame, title: str) -> SpecChart:
    """Heatmap positions x words; the cell of the word that really came next is outlined.

    A cached spec like next_token_chart: the cells come as the dataset "cells", rows in position
    order and columns in the frame's column order.
    """
    return SpecChart(_prediction_spec(title), {"cells": frame})


@spec_template
def _prediction_spec(title: str) -> alt.LayerChart:
    base = alt.Chart().encode(
        x=alt.X("word:N", sort=alt.EncodingSortField("column", op="min"), title="next word",
                axis=alt.Axis(labelAngle=-45, labelLimit=120, labelOverlap=False, orient="top")),
        y=alt.Y("row_label:N", sort=alt.EncodingSortField("position", op="min"), title=None,
                axis=alt.Axis(labelLimit=140, labelOverlap=False)),  # rows: in the subtitle
    )
    tooltip = [alt.Tooltip("row_label:N", title="after"), alt.Tooltip("word:N", title="next word"),
               alt.Tooltip("probability:Q", format=".6f"), alt.Tooltip("next_word:N", title="what actually came next")]
    rects = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("probability:Q", scale=alt.Scale(**palette.vega_scale(False, 0.0, 1.0)),
                        title=["probability", palette.SEQUENTIAL_MEANS], legend=alt.Legend(format="%", orient="right")),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("probability:Q", format=".0%"),
        color=alt.condition(alt.datum.probability > 0.5, alt.value("white"), alt.value("black")),
        tooltip=tooltip,
    )
    outline = base.transform_filter(alt.datum.is_next).mark_rect(fill=None, stroke="#ff4b4b", strokeWidth=2.5).encode(tooltip=tooltip)
    heading = alt.Title(title, subtitle=["rows: after the word at each position; columns: the next word",
                                         "outlined in red: the word that actually came next"], anchor="start", subtitleColor=GREY_TEXT)
    # Step sizes fix each cell, and the titles and axes are added around them: a fixed height for
    # everything left the rows of a 2-word prompt no room at all.
    return alt.layer(rects, text, outline, data=alt.NamedData(name="cells"), title=heading).properties(
        width=alt.Step(44), height=alt.Step(26))
