"""Next-token views: the probability of every word, reshaped live by temperature, top-k, top-p.

Why two bars per word: the faint bar is the model's plain softmax, the solid one what is
actually sampled from after temperature / top-k / top-p, so the effect of each control
is visible at once.
"""

from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd
import torch

from model.generate import Sampling, distribution


def next_token_frame(logits: torch.Tensor, vocab: Sequence[str], sampling: Sampling, top: int = 20, chosen: int | None = None) -> pd.DataFrame:
    """One row per word (the ``top`` most likely under either distribution), most likely first."""
    plain = torch.softmax(logits.float(), dim=-1)
    shaped = distribution(logits, sampling)
    if chosen is None:
        chosen = int(torch.argmax(shaped))
    frame = pd.DataFrame({
        "id": range(len(vocab)),
        "word": list(vocab),
        "softmax": plain.numpy(),
        "probability": shaped.numpy(),
    })
    frame["kept"] = frame["probability"] > 0
    frame["chosen"] = frame["id"] == chosen
    frame = frame.sort_values(["probability", "softmax"], ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = frame.index + 1
    frame["label"] = [f"{p * 100:.1f}%" for p in frame["probability"]]
    frame["bar_end"] = frame[["probability", "softmax"]].max(axis=1)
    return frame.head(top) if top else frame


def next_token_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    labels = frame["word"].tolist()
    base = alt.Chart(frame).encode(y=alt.Y("word:N", sort=labels, title=None, axis=alt.Axis(labelLimit=160, labelFontSize=13, labelOverlap=False)))
    tooltip = [alt.Tooltip("word:N"), alt.Tooltip("probability:Q", title="probability used", format=".6f"),
               alt.Tooltip("softmax:Q", title="plain softmax", format=".6f"), alt.Tooltip("rank:Q")]
    ghost = base.mark_bar(opacity=0.25, color="#888888").encode(x=alt.X("softmax:Q", title="probability", scale=alt.Scale(domain=[0, 1])), tooltip=tooltip)
    bars = base.mark_bar().encode(
        x="probability:Q",
        color=alt.condition(alt.datum.chosen, alt.value("#ff4b4b"), alt.value("#1f77b4")),
        tooltip=tooltip,
    )
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(x="bar_end:Q", text="label:N", tooltip=tooltip)
    return alt.layer(ghost, bars, text, title=title).properties(height=60 + 28 * len(frame))


def generated_frame(trace_logits: torch.Tensor, stream_ids: Sequence[int], stream_tokens: Sequence[str], n_prompt: int) -> pd.DataFrame:
    """How likely each generated word was when it was chosen (from the trace's own logits)."""
    probs = torch.softmax(trace_logits.float(), dim=-1)
    rows = []
    for pos in range(n_prompt, len(stream_ids)):
        rows.append({"step": pos - n_prompt + 1, "word": stream_tokens[pos], "probability": float(probs[pos - 1, stream_ids[pos]])})
    return pd.DataFrame(rows, columns=["step", "word", "probability"])
