"""Positional-encoding views: the lesson's squiggles, the encoding matrix, position similarity.

Why continuous curves: the lesson draws each dimension as a sine or cosine "squiggle" and
reads the encoding of a position off the curve where the word sits; drawing the curve on a
fine grid with dots at the words' positions is that picture, with the real numbers.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .common import matrix_frame, to_numpy, token_labels


def squiggle(position: np.ndarray, dim: int, d_model: int) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    angle = position / 10000 ** (2 * (dim // 2) / d_model)
    return np.sin(angle) if dim % 2 == 0 else np.cos(angle)


def dim_title(dim: int, d_model: int) -> str:
    kind = "sin" if dim % 2 == 0 else "cos"
    return f"dim {dim + 1}: {kind}(pos / 10000^({2 * (dim // 2)}/{d_model}))"


def curves_frame(d_model: int, n_positions: int, dims: list[int], step: float = 0.05) -> pd.DataFrame:
    grid = np.arange(0, max(n_positions - 1, 1) + step, step)
    return pd.concat([pd.DataFrame({"dim": d, "dimension": dim_title(d, d_model), "position": grid,
                                    "value": squiggle(grid, d, d_model)}) for d in dims], ignore_index=True)


def points_frame(pe, tokens: list[str], dims: list[int], d_model: int) -> pd.DataFrame:
    """Where the prompt's words sit on each squiggle (pe: [pos, d] from the trace)."""
    m = to_numpy(pe)
    labels = token_labels(tokens)
    rows = [{"dim": d, "dimension": dim_title(d, d_model), "position": p, "word": labels[p], "value": float(m[p, d])}
            for d in dims for p in range(len(tokens))]
    return pd.DataFrame(rows)


def squiggles_chart(curves: pd.DataFrame, points: pd.DataFrame, height_each: int = 80) -> alt.VConcatChart:
    """One small chart per dimension, stacked: the lesson's squiggles one above the other."""
    order = curves.drop_duplicates("dim").sort_values("dim")["dimension"].tolist()
    tooltip = [alt.Tooltip("word:N"), alt.Tooltip("position:Q"), alt.Tooltip("value:Q", format=".6f")]
    charts = []
    for title in order:
        c = curves[curves["dimension"] == title]
        p = points[points["dimension"] == title]
        x = alt.X("position:Q", title="position in the prompt" if title == order[-1] else None)
        y = alt.Y("value:Q", title=None, scale=alt.Scale(domain=[-1.15, 1.15]))
        line = alt.Chart(c).mark_line(color="#1f77b4").encode(x=x, y=y)
        dots = alt.Chart(p).mark_circle(color="#ff4b4b", size=70).encode(x="position:Q", y="value:Q", tooltip=tooltip)
        text = alt.Chart(p).mark_text(dy=-11, fontSize=11).encode(x="position:Q", y="value:Q", text=alt.Text("value:Q", format=".2f"))
        words = alt.Chart(p).mark_text(dy=14, fontSize=10, color="#ff4b4b").encode(x="position:Q", y="value:Q", text="word:N")
        charts.append(alt.layer(line, dots, text, words, title=alt.Title(title, anchor="start", fontSize=12)).properties(height=height_each))
    return alt.vconcat(*charts, spacing=8)


def encoding_matrix_frame(pe, tokens: list[str]) -> pd.DataFrame:
    m = to_numpy(pe)
    return matrix_frame(m, tokens, [f"dim {j + 1}" for j in range(m.shape[1])])


def similarity_frame(pe, tokens: list[str]) -> pd.DataFrame:
    """Dot product of every position's encoding with every other's: near positions are alike."""
    m = to_numpy(pe)
    return matrix_frame(m @ m.T, tokens, tokens)
