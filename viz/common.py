"""Shared pieces of every view: token labels, tidy matrices and the heatmap.

Why: tokens repeat ("the ... the"), so axes are positions labelled "i: token" and sorted by
position; every matrix becomes one long table (row, column, tokens, value) as in The
Annotated Transformer, so one heatmap function serves attention, masks, embeddings and
positional encodings, and the same table is the CSV a user downloads.
"""

from __future__ import annotations

from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd
import torch

MAX_CELLS = 4000  # Vega draws about this many cells briskly; windows keep heatmaps below it


def token_labels(tokens: Sequence[str], start: int = 0) -> list[str]:
    return [f"{start + i}: {t}" for i, t in enumerate(tokens)]


def to_numpy(matrix: torch.Tensor | np.ndarray) -> np.ndarray:
    return matrix.detach().float().cpu().numpy() if isinstance(matrix, torch.Tensor) else np.asarray(matrix, dtype=float)


def matrix_frame(
    matrix: torch.Tensor | np.ndarray,
    row_tokens: Sequence[str],
    col_tokens: Sequence[str],
    *,
    row_start: int = 0,
    col_start: int = 0,
    value: str = "value",
) -> pd.DataFrame:
    """A [rows, cols] matrix as one row per cell, rows and columns labelled in order."""
    m = to_numpy(matrix)
    n_rows, n_cols = m.shape
    rows = np.repeat(np.arange(n_rows), n_cols)
    cols = np.tile(np.arange(n_cols), n_rows)
    row_labels = token_labels(row_tokens, row_start)
    col_labels = token_labels(col_tokens, col_start)
    return pd.DataFrame({
        "row": rows + row_start,
        "col": cols + col_start,
        "row_token": [row_tokens[i] for i in rows],
        "col_token": [col_tokens[j] for j in cols],
        "row_label": [row_labels[i] for i in rows],
        "col_label": [col_labels[j] for j in cols],
        value: m.reshape(-1),
    })


def window_bounds(n: int, start: int, size: int) -> tuple[int, int]:
    """A window [lo, hi) of at most ``size`` positions that stays inside 0..n."""
    size = max(1, min(size, n))
    lo = min(max(0, start), n - size)
    return lo, lo + size


def heatmap(
    frame: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    value: str = "value",
    value_title: str = "value",
    fmt: str = ".2f",
    scheme: str = "blues",
    domain: tuple[float, float] | None = None,
    diverging: bool = False,
    high_is_blue: bool = False,
    cell: int = 28,
    text: bool | None = None,
    extra_tooltip: Sequence[alt.Tooltip] = (),
    outline_row: int | None = None,
) -> alt.LayerChart:
    """Rows top to bottom and columns left to right in position order; exact values on hover."""
    rows = frame.drop_duplicates("row").sort_values("row")["row_label"].tolist()
    cols = frame.drop_duplicates("col").sort_values("col")["col_label"].tolist()
    finite = frame[value].replace([np.inf, -np.inf], np.nan)
    if domain is None:
        lo, hi = float(np.nanmin(finite)) if finite.notna().any() else 0.0, float(np.nanmax(finite)) if finite.notna().any() else 1.0
        if diverging:
            bound = max(abs(lo), abs(hi), 1e-9)
            lo, hi = -bound, bound
        domain = (lo, hi if hi > lo else lo + 1e-9)
    # diverging: red for high values, blue for low ones (the encodings' convention), or the other way
    # round with high_is_blue (similarities: dark blue = most alike, as in the sequential blues)
    scale = alt.Scale(scheme="redblue" if diverging else scheme, domain=list(domain), reverse=diverging and not high_is_blue)
    base = alt.Chart(frame).encode(
        x=alt.X("col_label:N", sort=cols, title=x_title, axis=alt.Axis(labelAngle=-45, labelLimit=120, labelOverlap=False)),
        y=alt.Y("row_label:N", sort=rows, title=y_title, axis=alt.Axis(labelLimit=120, labelOverlap=False)),
    )
    tooltip = [
        alt.Tooltip("row_label:N", title=y_title),
        alt.Tooltip("col_label:N", title=x_title),
        alt.Tooltip(f"{value}:Q", title=value_title, format=".6f"),
        *extra_tooltip,
    ]
    rects = base.mark_rect(stroke="white", strokeWidth=0.5 if len(rows) * len(cols) < 2000 else 0).encode(
        color=alt.Color(f"{value}:Q", scale=scale, title=value_title, legend=alt.Legend(format=fmt, orient="right")),
        tooltip=tooltip,
    )
    layers = [rects]
    if text is None:
        text = len(rows) * len(cols) <= 150 and len(cols) <= 14
    if text:
        mid = (domain[0] + domain[1]) / 2
        dark_is_high = not diverging
        labels = base.mark_text(fontSize=11).encode(
            text=alt.Text(f"{value}:Q", format=fmt),
            color=alt.condition(
                (alt.datum[value] > mid) if dark_is_high else (abs(alt.datum[value] - mid) > (domain[1] - domain[0]) / 4),
                alt.value("white"), alt.value("black"),
            ),
            tooltip=tooltip,
        )
        layers.append(labels)
    chosen = frame[frame["row"] == outline_row]
    if not chosen.empty:  # e.g. the query whose arithmetic is shown beside the heatmap
        layers.append(alt.Chart(chosen).mark_rect(fill=None, stroke="#ff4b4b", strokeWidth=2.5).encode(
            x=alt.X("col_label:N", sort=cols), y=alt.Y("row_label:N", sort=rows)))
    # Streamlit fits the whole chart (axes and legend included) into width x height, so leave room
    # for the token labels around the cells.
    return alt.layer(*layers, title=title).properties(width=cell * len(cols) + 190, height=cell * len(rows) + 130)
