"""Positional-encoding views: the lesson's squiggles, the encoding matrix, position similarity.

Why continuous curves: the lesson draws each dimension as a sine or cosine "squiggle" and
reads the encoding of a position off the curve where the word sits; drawing the formula on
a fine grid, with dots at the words' positions (values from the trace's
``hook_pos_embed``), is that picture with the real numbers. A model with a learned position
table has no formula: its dots are joined by straight lines instead and say so.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .common import heatmap_chart, matrix_frame, to_numpy, token_labels
from .grids import matrix_data, matrix_panel
from .embeddings import matrix_heatmap
from .spec import SpecChart, spec_template
from .squiggle_labels import LABEL_FONT, LEARNED_PAD, SQUIGGLE_WIDTH, X_PAD, Y_DOMAIN, squiggle_labels
from .views import Panel

POSITION_COLOR = "#ff4b4b"
NEUTRAL_TEXT = "#8a8fa0"  # Vega's default black text vanishes in the dark theme; this grey reads on both
MAX_SQUIGGLES = 8  # small multiples stay readable on one screen up to about this many rows


def squiggle(position: np.ndarray, dim: int, d_model: int) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    angle = position / 10000 ** (2 * (dim // 2) / d_model)
    return np.sin(angle) if dim % 2 == 0 else np.cos(angle)


def wavelength(dim: int, d_model: int) -> float:
    """How many positions one full squiggle of this dimension spans: 2*pi*10000^(2i/d)."""
    return float(2 * np.pi * 10000 ** (2 * (dim // 2) / d_model))


def dim_title(dim: int, d_model: int, learned: bool = False) -> str:
    if learned:
        return f"dim {dim + 1}: learned"
    kind = "sin" if dim % 2 == 0 else "cos"
    return f"dim {dim + 1}: {kind}(pos / 10000^({2 * (dim // 2)}/{d_model}))"


def default_dims(d_model: int) -> list[int]:
    """Every dimension when there are few; else the sine/cosine pairs at 2i/d = 0, 1/8, 1/4 and 1/2:
    from the quickest squiggle to ever wider ones, each about 3x wider than the one before."""
    if d_model <= MAX_SQUIGGLES:
        return list(range(d_model))
    pairs = sorted({2 * round(d_model * f / 2) for f in (0, 1 / 8, 1 / 4, 1 / 2)})
    return sorted({d for p in pairs for d in (p, p + 1) if d < d_model})[:MAX_SQUIGGLES]


def curves_frame(d_model: int, n_positions: int, dims: list[int], step: float = 0.05, start: int = 0,
                 max_points: int = SQUIGGLE_WIDTH // 2) -> pd.DataFrame:
    """The formula on a fine grid from ``start`` to max(n_positions, start + 8): the continuous squiggles.

    ``step`` grows when the range is long, so one curve never has more than ``max_points`` points
    (one every 2 px of the chart: the browser redraws every point of every curve on a keystroke
    that adds a word).
    """
    stop = max(n_positions, start + 8)
    step = max(step, (stop - start) / max_points)
    grid = np.arange(start, stop + step / 2, step)
    return pd.concat([pd.DataFrame({"dim": d, "dimension": dim_title(d, d_model), "position": grid,
                                    "value": squiggle(grid, d, d_model)}) for d in dims], ignore_index=True)


def learned_curves_frame(pe, dims: list[int], start: int = 0) -> pd.DataFrame:
    """A learned table has no formula between positions: straight lines join its values."""
    m = to_numpy(pe)
    positions = np.arange(start, m.shape[0])
    return pd.concat([pd.DataFrame({"dim": d, "dimension": dim_title(d, m.shape[1], learned=True), "position": positions,
                                    "value": m[start:, d]}) for d in dims], ignore_index=True)


def points_frame(pe, tokens: list[str], dims: list[int], d_model: int, start: int = 0, stop: int | None = None,
                 learned: bool = False) -> pd.DataFrame:
    """Where the prompt's words sit on each squiggle (pe: [pos, d], e.g. the trace's hook_pos_embed)."""
    m = to_numpy(pe)
    stop = len(tokens) if stop is None else stop
    labels = token_labels(tokens)
    rows = [{"dim": d, "dimension": dim_title(d, d_model, learned), "position": p, "word": labels[p], "value": float(m[p, d])}
            for d in dims for p in range(start, stop)]
    return pd.DataFrame(rows, columns=["dim", "dimension", "position", "word", "value"])


def squiggles_chart(curves: pd.DataFrame, points: pd.DataFrame, height_each: int | None = None) -> SpecChart:
    """One small chart per dimension, stacked: the lesson's squiggles one above the other.

    Words and values are written next to the dots while they fit (few words, far enough
    apart; squiggle_labels keeps them off each other); the tooltip always has them. The spec
    depends on the dimensions shown and on those choices only (cached, see viz.spec); the
    positions' range is the curves' own, so a word typed at the end swaps data and keeps the
    browser's chart (a parameter's new value made Streamlit build the chart anew).
    """
    rows = tuple(curves.drop_duplicates("dim").sort_values("dim")[["dim", "dimension"]].itertuples(index=False, name=None))
    n_points = points["position"].nunique()
    xs = np.concatenate([curves["position"].to_numpy(float), points["position"].to_numpy(float)])
    x_lo, x_hi = float(xs.min()), float(xs.max())
    px_per_position = SQUIGGLE_WIDTH / max(x_hi - x_lo, 1)
    # the formula's squiggles share one fixed scale; a learned table's numbers get a scale of their own
    bounded = not curves["dimension"].str.endswith("learned").any()
    values, words = n_points <= 12 and px_per_position >= 30, n_points <= 24 and px_per_position >= 40
    # about one screen's height in all; charts with a value above and a word below each dot need
    # 100 px, or the labels of the dots at the top and bottom have no room inside their chart
    height_each = height_each or max(100 if values or words else 50, min(130, 330 // max(1, len(rows))))
    placed, _ = squiggle_labels(curves, points, height_each, bounded, values, words)
    spec = _squiggles_spec(tuple((int(d), str(t)) for d, t in rows), height_each, bounded, values, words)
    # the curves span the points' positions (curves_frame, learned_curves_frame): their range is the x axis's
    return SpecChart(spec, {"curves": curves[["dim", "position", "value"]], "points": placed})


@spec_template
def _squiggles_spec(rows: tuple[tuple[int, str], ...], height_each: int, bounded: bool, values: bool, words: bool) -> alt.VConcatChart:
    y_scale = (alt.Scale(domain=list(Y_DOMAIN)) if bounded
               else alt.Scale(zero=False, nice=False, padding=LEARNED_PAD))  # the domain squiggle_labels expects
    tooltip = [alt.Tooltip("word:N", title="word (position)"), alt.Tooltip("dimension:N"), alt.Tooltip("value:Q", format=".6f")]
    charts = []
    for i, (dim, title) in enumerate(rows):
        last = i == len(rows) - 1
        x = alt.X("position:Q", scale=alt.Scale(nice=False, zero=False, padding=X_PAD),
                  title="position in the prompt" if last else None,
                  axis=alt.Axis(tickMinStep=1, format="d", labels=last or len(rows) <= 2))
        y = alt.Y("value:Q", title=None, scale=y_scale, axis=alt.Axis(tickCount=3))
        curve = alt.Chart(alt.NamedData(name="curves")).transform_filter(alt.datum.dim == dim)
        dots = alt.Chart(alt.NamedData(name="points")).transform_filter(alt.datum.dim == dim)
        layers = [curve.mark_line(strokeWidth=2, strokeDash=[4, 3] if "learned" in title else [1, 0]).encode(
                      x=x, y=y, tooltip=[alt.Tooltip("position:Q", format=".2f"), alt.Tooltip("value:Q", format=".4f")]),
                  dots.mark_circle(color=POSITION_COLOR, size=70, opacity=1).encode(x=x, y=y, tooltip=tooltip)]
        text = {"align": "center", "baseline": "middle", "fontSize": LABEL_FONT}
        if values:
            layers.append(dots.transform_filter(alt.datum.value_shown).mark_text(
                color=NEUTRAL_TEXT, dx=alt.ExprRef("datum.value_dx"), dy=alt.ExprRef("datum.value_dy"), **text).encode(
                x=x, y=y, text=alt.Text("value:Q", format=".2f")))
        if words:
            layers.append(dots.transform_filter(alt.datum.word_shown).mark_text(
                color=POSITION_COLOR, dx=alt.ExprRef("datum.word_dx"), dy=alt.ExprRef("datum.word_dy"), **text).encode(
                x=x, y=y, text="word:N"))
        charts.append(alt.layer(*layers, title=alt.Title(title, anchor="start", fontSize=12)).properties(height=height_each))
    return alt.vconcat(*charts, spacing=6)


def encoding_matrix_frame(pe, tokens: list[str], start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """The encoding added to each word: rows the prompt's positions [start, stop), columns "dim 1", "dim 2"..."""
    m = to_numpy(pe)
    stop = len(tokens) if stop is None else stop
    frame = matrix_frame(m[start:stop], tokens[start:stop], [f"dim {j + 1}" for j in range(m.shape[1])], row_start=start)
    frame["col_label"] = frame["col_token"]
    return frame


def encoding_panel(pe, tokens: list[str], start: int, stop: int, side: str, learned: bool = False) -> Panel:
    """The encoding added to each word (or a learned table's rows), on the canvas heatmap."""
    title = "The model's learned position table" if learned else "The encoding added to each word"
    return matrix_panel(encoding_matrix_frame(pe, tokens, start, stop), "pe-matrix", f"positional-matrix-{side}", title)


def encoding_heatmap(frame: pd.DataFrame, title: str, y_title: str = "word (position)") -> SpecChart:
    return matrix_heatmap(frame, title=title, x_title="embedding dimension", y_title=y_title)


def similarity_frame(pe, tokens: list[str], start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """Dot product (``value``) and cosine of every position's encoding with every other's, positions [start, stop)."""
    m = to_numpy(pe)
    stop = len(tokens) if stop is None else stop
    w = m[start:stop]
    dots = w @ w.T
    norms = np.linalg.norm(w, axis=1)
    cosine = dots / np.maximum(np.outer(norms, norms), 1e-12)
    frame = matrix_frame(dots, tokens[start:stop], tokens[start:stop], row_start=start, col_start=start)
    frame["cosine"] = cosine.reshape(-1)
    return frame


SIMILARITY_NOTE = "Neighbouring positions get similar encodings (a large dot product); far apart ones less so."
LEARNED_SIMILARITY_NOTE = "A learned table need not make neighbours alike: this is what the model learned."


def similarity_panel(frame: pd.DataFrame, side: str, learned: bool = False) -> Panel:
    """Positions x positions in square cells, on the app's signed scale around 0: blue = alike,
    red = opposite squiggles (as with 2 dimensions); with 2 positions and no negative dot product
    the legend still runs from red to blue, so its colours mean what they mean on every page.

    The canvas heatmap, as on the Attention page: as a Vega chart, a word typed at the end made
    the browser build its cells anew (about 150 ms of its work on each such keystroke)."""
    rows = frame.drop_duplicates("row").sort_values("row")
    n = len(rows)
    cells = frame.sort_values(["row", "col"])
    dots, cosine = cells["value"].to_numpy().reshape(n, n), cells["cosine"].to_numpy()
    cell = max(5, min(40, 260 // max(n, 1)))  # fits its ~370 px column beside the row labels, up to 52 positions
    data = matrix_data(dots, rows["row_label"].tolist(), rows["row_label"].tolist(), "Position similarity (dot product)",
                       "position", "position", "dot product", diverging=True, cell=cell, digits=2,
                       tip_extra=[{"title": "cosine", "values": cosine.tolist(), "digits": 4}])
    return Panel("pe-sim", data, lambda: frame, f"positional-similarity-{side}",
                 (f"{LEARNED_SIMILARITY_NOTE if learned else SIMILARITY_NOTE} Hover a cell for the cosine too.",))


def wavelength_frame(d_model: int) -> pd.DataFrame:
    """How many positions one squiggle spans, per dimension: later dimensions, wider squiggles."""
    dims = np.arange(d_model)
    return pd.DataFrame({"dim": dims + 1, "function": ["sin" if d % 2 == 0 else "cos" for d in dims],
                         "positions per squiggle": [wavelength(int(d), d_model) for d in dims]})


def wavelength_chart(frame: pd.DataFrame) -> alt.Chart:
    # a short y title: the long one ran past the 200 px axis and was cut off
    return alt.Chart(frame, title="How wide each dimension's squiggle is (log scale)").mark_line(point=True).encode(
        x=alt.X("dim:Q", title="embedding dimension", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("positions per squiggle:Q", scale=alt.Scale(type="log"), title="positions per squiggle"),
        tooltip=[alt.Tooltip("dim:Q", title="dimension"), alt.Tooltip("function:N"),
                 alt.Tooltip("positions per squiggle:Q", format=",.2f")],
    ).properties(height=240)


def formula_table(n_positions: int, d_model: int) -> np.ndarray:
    """The formula's [pos, d] table for any size: the same numbers a sinusoidal model adds."""
    positions = np.arange(n_positions, dtype=float)
    return np.column_stack([squiggle(positions, d, d_model) for d in range(d_model)])


def formula_matrix_frame(n_positions: int, d_model: int) -> pd.DataFrame:
    """The formula's table as a heatmap frame, rows labelled by position number."""
    frame = encoding_matrix_frame(formula_table(n_positions, d_model), [str(p) for p in range(n_positions)])
    frame["row_label"] = frame["row_token"]
    return frame


# --- positions inside attention: a local layer's bias per distance back ---------------------


def distance_bias_frame(bias, layer: int) -> pd.DataFrame:
    """[heads, window] learned biases of one local layer as a tidy table: one row per head and
    distance back (0 = the word itself)."""
    m = to_numpy(bias)
    heads = [f"head {h + 1}" for h in range(m.shape[0])]
    back = ["the word itself" if d == 0 else f"{d} back" for d in range(m.shape[1])]
    frame = matrix_frame(m, heads, back)
    frame["row_label"], frame["col_label"] = frame["row_token"], frame["col_token"]
    frame["layer"] = layer + 1
    return frame


def distance_bias_heatmap(frame: pd.DataFrame) -> SpecChart:
    """Heads x distance back: blue where a head's scores get a boost for that distance, red where
    they are pushed down (its learned numbers, printed in each cell)."""
    layer = int(frame["layer"].iloc[0])
    return heatmap_chart(frame, title=f"Layer {layer}: bias added to the scores, per distance back", x_title="how far back the key word is",
                         y_title="head", value_title="bias", diverging=True, cell=44, text=True)
