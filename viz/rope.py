"""RoPE views for the positional page: the modern counterpart of the lesson's squiggles.

Why these two pictures: a RoPE model (Llama, Qwen2) adds nothing to the embeddings; inside
every attention head it turns each pair of query and key numbers by an angle that grows with
the word's position, one speed per pair (model.layers.Rotary). The first picture is those
angles, position by position, as the lesson's table of squiggle values is; the second shows
what the turning is for: the dot product of a query and a key turned this way depends only on
how far apart the two words are, so the same pair of words placed at positions 0 and 5 or at
1000 and 1005 scores the same.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import torch

from model.layers import Rotary

from .common import heatmap_chart, matrix_frame, to_numpy
from .spec import SpecChart

OFFSETS = (0, 100, 1000)  # where the query sits in each curve: far apart, and the curves still coincide


def pair_labels(d_head: int) -> list[str]:
    """Llama's layout: number i of a head turns together with number i + d_head/2."""
    half = d_head // 2
    return [f"pair {i + 1} (dims {i + 1}, {i + 1 + half})" for i in range(half)]


def angle_frame(rotary: Rotary, tokens: list[str], start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """Positions [start, stop) x pairs: the angle each pair is turned by, in degrees within one
    turn (``value``, 0-360) and in all (``degrees``, how far it has turned since position 0)."""
    stop = len(tokens) if stop is None else stop
    degrees = to_numpy(torch.rad2deg(rotary.angles(stop - start, start)))
    d_head = 2 * degrees.shape[1]
    frame = matrix_frame(np.mod(degrees, 360.0), tokens[start:stop], pair_labels(d_head), row_start=start)
    frame["col_label"] = frame["col_token"]
    frame["degrees"] = degrees.reshape(-1)
    return frame


def angle_heatmap(frame: pd.DataFrame) -> SpecChart:
    """A cyclic colour scale: 359 degrees sits next to 0, as on a clock."""
    return heatmap_chart(frame, title="How far RoPE turns each pair of q/k numbers, at each position", x_title="pair of numbers in a head",
                         y_title="word (position)", value_title="angle (degrees, within one turn)", fmt=".0f", cyclic=True,
                         domain=(0.0, 360.0), cell=18, text=False, thin_x=True, thin_y=True,
                         extra_tooltip=[alt.Tooltip("degrees:Q", title="turned in all (degrees)", format=",.1f")])


def distance_frame(rotary: Rotary, q: torch.Tensor, k: torch.Tensor, max_distance: int, offsets=OFFSETS) -> pd.DataFrame:
    """The dot product of ``q`` (one head's query, before turning) placed at position
    offset + max_distance with ``k`` (a key, before turning) placed ``distance`` words earlier,
    for each offset: one curve per offset, and they coincide because only the distance counts."""
    rows = []
    for offset in offsets:
        q_turned = rotary(q.reshape(1, 1, 1, -1).float(), start=offset + max_distance)[0, 0, 0]
        keys = k.reshape(1, 1, 1, -1).float().expand(1, max_distance + 1, 1, -1)
        k_turned = rotary(keys, start=offset)[0, :, 0]  # key positions offset .. offset + max_distance
        dots = to_numpy(k_turned @ q_turned)
        for i, dot in enumerate(dots):
            rows.append({"distance": max_distance - i, "q.k": float(dot), "query at": f"position {offset + max_distance}",
                         "key at": offset + i})
    return pd.DataFrame(rows).sort_values(["query at", "distance"], kind="stable").reset_index(drop=True)


def distance_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """One line per query position; the lines lie on top of each other (dashes keep each visible)."""
    queries = list(dict.fromkeys(frame["query at"]))
    base = alt.Chart(frame, title="q.k of the same query and key, placed at different positions").encode(
        x=alt.X("distance:Q", title="how many words back the key is"),
        y=alt.Y("q.k:Q", title="q.k (before scaling)"),
        color=alt.Color("query at:N", sort=queries, title="query at"),
        strokeDash=alt.StrokeDash("query at:N", sort=queries, legend=None),
        tooltip=[alt.Tooltip("query at:N"), alt.Tooltip("key at:Q"), alt.Tooltip("distance:Q"),
                 alt.Tooltip("q.k:Q", format=".6f")],
    )
    return base.mark_line(strokeWidth=2).properties(height=220)
