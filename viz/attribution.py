"""Direct logit attribution as pictures: the heads as a layer x head grid, and every part of the
final stream as a ranked bar list. The numbers come from model.analysis.attribution.

Why both: the grid shows where in the model the effect sits (a click opens that head's pattern);
the bars rank every part, feed-forward blocks and embeddings included, against one scale.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from model.analysis.attribution import Attribution

from .grids import matrix_data
from .spec import SpecChart, spec_template

POSITIVE, NEGATIVE = "#2166ac", "#b2182b"  # viz.palette's REDBLUE ends: blue pushes toward the word, red away


def part_title(label: str) -> str:
    """model.analysis's part labels as a learner reads them (layers and heads from 1, as the other pages)."""
    if m := re.fullmatch(r"L(\d+)([HC])(\d+)", label):
        kind = "head" if m[2] == "H" else "cross-attention head"
        return f"layer {int(m[1]) + 1} {kind} {int(m[3]) + 1}"
    if m := re.fullmatch(r"(\d+)_mlp_out", label):
        return f"layer {int(m[1]) + 1} feed-forward"
    return {"embed": "word embedding", "pos_embed": "position encoding", "attn_bias": "attention output biases",
            "final_bias": "final norm and output biases"}.get(label, label)


def target_text(result: Attribution) -> str:
    return f"logit({result.word})" + (f" − logit({result.other})" if result.other is not None else "")


def heads_data(result: Attribution, title: str) -> dict:
    """Layer x head grid of the heads' parts, red-blue around 0; a click reports layer * heads + head."""
    n_layers, n_heads = result.heads.shape
    data = matrix_data(result.heads, [f"layer {l + 1}" for l in range(n_layers)], [f"head {h + 1}" for h in range(n_heads)],
                       title, "layer", "head", target_text(result), diverging=True, digits=1,
                       legend_means="blue: raises it, red: lowers it")
    data["pick_values"] = list(range(n_layers * n_heads))
    return data


def head_of(picked: int, n_heads: int) -> tuple[int, int]:
    """A grid cell's pick value back to (layer, head), both from 0."""
    return divmod(int(picked), n_heads)


def parts_frame(result: Attribution) -> pd.DataFrame:
    """Every part, largest effect first: label, title, value (the CSV and the bars)."""
    ranked = result.ranked()
    return pd.DataFrame({"rank": range(1, len(ranked) + 1), "part": [label for label, _ in ranked],
                         "title": [part_title(label) for label, _ in ranked], "value": [v for _, v in ranked]})


PARTS_TITLE = "Every part, largest effect first"
BAR_PX = 24  # a row for each part's 12 px label, none left out


def parts_chart(frame: pd.DataFrame, value_title: str) -> SpecChart:
    """Horizontal bars in rank order, blue for parts that push toward the word, red away.

    A cached spec (viz.spec) that reads the words from its data (the title and the tooltip's
    "score"): the words change as the prompt does, and a spec that named them was built anew on
    the server, and drawn anew by the browser, on most keystrokes; an unchanged spec only swaps
    its data."""
    return SpecChart(_parts_spec(len(frame)), {"parts": frame.assign(score=value_title,
                                                                     heading=f"{PARTS_TITLE}: {value_title}")})


@spec_template
def _parts_spec(n_parts: int) -> alt.Chart:
    heading = alt.ExprRef(f"length(data('parts')) ? data('parts')[0].heading : '{PARTS_TITLE}'")
    return alt.Chart(alt.NamedData(name="parts")).mark_bar().encode(
        x=alt.X("value:Q", title="what each part adds to the score"),
        y=alt.Y("title:N", sort=None, title=None, axis=alt.Axis(labelLimit=220, labelFontSize=12, labelOverlap=False)),
        color=alt.condition("datum.value >= 0", alt.value(POSITIVE), alt.value(NEGATIVE)),
        tooltip=[alt.Tooltip("title:N", title="part"), alt.Tooltip("part:N", title="TransformerLens name"),
                 alt.Tooltip("score:N", title="score"), alt.Tooltip("value:Q", title="adds", format=".5f")],
    ).properties(height=BAR_PX * n_parts, width=300, title=alt.Title(heading, anchor="start"),
                 # the bars get these px, labels and axis go around them (Streamlit's default, "fit",
                 # squeezes it all into them: 4 bars become one line)
                 autosize=alt.AutoSizeParams(type="pad"))
