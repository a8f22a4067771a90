"""Shared pieces of every view: token labels, tidy matrices and the Vega heatmap chart.

Why: tokens repeat ("the ... the"), so axes are positions labelled "i: token" and sorted by
position; every matrix becomes one long table (row, column, tokens, value) as in The
Annotated Transformer, so one chart function (heatmap_chart) serves embeddings and positional
encodings, and the same table is the CSV a user downloads. (The attention pages draw theirs on a
canvas instead: viz.canvas.)
"""

from __future__ import annotations

import json
from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd
import torch

from . import palette
from .numbers import prints_numbers
from .spec import SpecChart, spec_template


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


def heatmap_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    value: str = "value",
    value_title: str = "value",
    fmt: str = ".2f",
    domain: tuple[float, float] | None = None,
    diverging: bool = False,
    cell: int = 28,
    text: bool | None = None,
    extra_tooltip: Sequence[alt.Tooltip] = (),
    outline_row: int | None = None,
    thin_x: bool = False,
    thin_y: bool = False,
    legend_bottom: bool = False,
    square: bool = False,
    cyclic: bool = False,
) -> SpecChart:
    """Rows top to bottom and columns left to right in position order; exact values on hover.

    A cached spec (viz.spec): built with Altair on every keystroke, each heatmap cost its page
    more than the rest of it, and a new spec made the browser build the Vega view anew. The cells come as the
    dataset "cells"; the colour domain (lo, hi) is a parameter, so typing inside a word only swaps
    data. thin_x / thin_y let Vega drop overlapping axis labels; legend_bottom puts the legend
    under the cells; square sizes the cells by steps (the chart takes what its labels need);
    cyclic colours angles on a colour wheel.
    """
    n_rows, n_cols = frame["row"].nunique(), frame["col"].nunique()
    legend_bottom = legend_bottom or n_cols <= 4  # beside a few narrow columns, the legend's words squeezed the cells
    finite = frame[value].replace([np.inf, -np.inf], np.nan)
    if domain is None:
        lo, hi = float(np.nanmin(finite)) if finite.notna().any() else 0.0, float(np.nanmax(finite)) if finite.notna().any() else 1.0
        if diverging:
            bound = max(abs(lo), abs(hi), 1e-9)
            lo, hi = -bound, bound
        domain = (lo, hi if hi > lo else lo + 1e-9)
    if text is None:
        text = prints_numbers(n_rows, n_cols)
    tips = tuple(json.dumps(t.to_dict(), sort_keys=True) for t in extra_tooltip)
    spec = _heatmap_spec(title, x_title, y_title, value, value_title, fmt, diverging, cell, n_rows,
                         n_cols, bool(text), tips, thin_x, thin_y, legend_bottom, square, cyclic)
    data = frame.assign(outlined=frame["row"] == outline_row)
    return SpecChart(spec, {"cells": data}, {"lo": float(domain[0]), "hi": float(domain[1])})


@spec_template
def _heatmap_spec(title: str, x_title: str, y_title: str, value: str, value_title: str, fmt: str,
                  diverging: bool, cell: int, n_rows: int, n_cols: int, text: bool,
                  tips: tuple[str, ...], thin_x: bool, thin_y: bool, legend_bottom: bool, square: bool,
                  cyclic: bool = False) -> alt.LayerChart:
    # the app's one colour language (viz.palette): signed numbers red-white-blue around 0, else blues
    scale = alt.Scale(**(palette.vega_cyclic_scale("lo", "hi") if cyclic else palette.vega_scale(diverging, "lo", "hi")))
    base = alt.Chart().encode(
        x=alt.X("col_label:N", sort=alt.EncodingSortField("col", op="min"), title=x_title,
                axis=alt.Axis(labelAngle=-45, labelLimit=120, labelOverlap=thin_x)),
        y=alt.Y("row_label:N", sort=alt.EncodingSortField("row", op="min"), title=y_title,
                axis=alt.Axis(labelLimit=120, labelOverlap=thin_y)),
    )
    tooltip = [
        alt.Tooltip("row_label:N", title=y_title),
        alt.Tooltip("col_label:N", title=x_title),
        alt.Tooltip(f"{value}:Q", title=value_title, format=".6f"),
        *(alt.Tooltip(**json.loads(t)) for t in tips),
    ]
    legend = (alt.Legend(format=fmt, orient="bottom", direction="horizontal", gradientLength=160, titleLimit=240) if legend_bottom
              else alt.Legend(format=fmt, orient="right", titleLimit=240))
    means = palette.CYCLIC_MEANS if cyclic else palette.DIVERGING_MEANS if diverging else palette.SEQUENTIAL_MEANS
    rects = base.mark_rect(stroke="white", strokeWidth=0.5 if n_rows * n_cols < 2000 else 0).encode(
        color=alt.Color(f"{value}:Q", scale=scale, title=[value_title, means], legend=legend),
        tooltip=tooltip,
    )
    layers = [rects]
    if text:
        field = f"datum[{json.dumps(value)}]"
        dark = f"{field} > (lo + hi) / 2" if not diverging else f"abs({field} - (lo + hi) / 2) > (hi - lo) / 4"
        layers.append(base.mark_text(fontSize=11).encode(
            text=alt.Text(f"{value}:Q", format=fmt),
            color=alt.condition(dark, alt.value("white"), alt.value("black")),
            tooltip=tooltip,
        ))
    # e.g. the query whose arithmetic is shown beside the heatmap
    layers.append(base.transform_filter(alt.datum.outlined).mark_rect(fill=None, stroke="#ff4b4b", strokeWidth=2.5))
    chart = alt.layer(*layers, data=alt.NamedData(name="cells"), title=title).add_params(
        alt.param(name="lo", value=0.0), alt.param(name="hi", value=1.0))
    if square:
        return chart.properties(width=alt.Step(cell), height=alt.Step(cell))
    # Streamlit fits the whole chart (axes and legend included) into width x height, so leave room
    # for the token labels around the cells and the legend (with what its colours mean) beside them.
    if legend_bottom:
        return chart.properties(width=max(cell * n_cols + 190, 320), height=cell * n_rows + 190)
    return chart.properties(width=cell * n_cols + 250, height=cell * n_rows + 130)
