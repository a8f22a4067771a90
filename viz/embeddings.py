"""Embedding views: each prompt word's numbers, and the whole vocabulary on a plane.

Why a plane with arrows: the lesson draws each word as a point (2 numbers per word) and
then shows that adding the positional encoding moves it, so the same word at two positions
lands on two different points ("Squatch eats pizza" vs "Pizza eats Squatch"). With more
than 2 numbers per word we project with PCA, fitted on the vocabulary's embedding table,
and project the moved points with the same axes so both ends of an arrow share one plane.

The prompt's numbers come from the trace (``hook_embed``, ``blocks.0.hook_resid_pre``);
only the rest of the vocabulary, which a pass never touches, is read from the model's
embedding weights (read only).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import torch

from model.bundle import ModelBundle
from model.trace import Trace

from .common import heatmap_chart, matrix_frame, to_numpy, token_labels
from .grids import matrix_panel
from .plane_labels import ARROW_FONT, WORD_FONT, head_size, plane_labels
from .spec import SpecChart, spec_template
from .views import Panel

POSITION_COLOR = "#ff4b4b"  # the moved (position-encoded) points; the page's captions call them red
PROMPT_COLOR = "#1f77b4"
OTHER_COLOR = "#9a9a9a"  # readable on white and on dark backgrounds
# An arrow head pointing up with its tip at the point itself (Vega symbol path, unit box; rotated by "angle").
# An equilateral "triangle" would not do: turned by 60 degrees it looks the same as pointing down.
ARROW_HEAD = "M0,0L0.55,1.3L-0.55,1.3Z"


def dim_labels(n: int) -> list[str]:
    return [f"dim {j + 1}" for j in range(n)]


def _dims_as_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Column labels "dim 1", "dim 2"... (matrix_frame would write "0: dim 1")."""
    frame["col_label"] = frame["col_token"]
    return frame


# --- each prompt word's numbers ----------------------------------------------------------------

def prompt_embedding_frame(trace: Trace, stack: str, tokens: list[str], start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """One row per (word, dimension) of the stack's hook_embed: rows in prompt order, positions [start, stop)."""
    embed = trace["embed", None, stack]
    stop = len(tokens) if stop is None else stop
    frame = matrix_frame(embed[start:stop], tokens[start:stop], dim_labels(embed.shape[1]), row_start=start)
    return _dims_as_columns(frame)


def prompt_embedding_table(trace: Trace, stack: str, tokens: list[str]) -> pd.DataFrame:
    """The same numbers as a plain table: one row per word ("i: word"), one column per dimension."""
    embed = to_numpy(trace["embed", None, stack])
    return pd.DataFrame(embed, index=pd.Index(token_labels(tokens), name="word"), columns=dim_labels(embed.shape[1]))


def matrix_heatmap(frame: pd.DataFrame, *, title: str, x_title: str, y_title: str, value_title: str = "value",
                   diverging: bool = True, extra_tooltip=()) -> SpecChart:
    """common.heatmap_chart sized for positions x dimensions: rows at most 44 px and fitting ~520 px in all;
    numbers written in the cells only while they fit; axis labels thinned out when they would overlap.

    A chart with more than 8 columns is meant to be stretched to its column (``wide``): then
    only the row height matters.
    """
    n_rows, n_cols = frame["row"].nunique(), frame["col"].nunique()
    cell = min(44, max(6, 520 // max(1, n_rows)))
    # 64 "dim j" labels cannot all be written: there Vega drops the overlapping ones. Not on a
    # few wide columns: Vega tests the slanted labels' boxes, which overlap long before the words
    # do, and thinned a 4-word prompt's columns to its first and last word. (More than 8 columns
    # are stretched to a width only the browser knows, so those stay thinned.)
    return heatmap_chart(frame, title=title, x_title=x_title, y_title=y_title, value_title=value_title, diverging=diverging,
                         cell=cell, text=cell >= 34 and n_cols <= 8, extra_tooltip=extra_tooltip,
                         thin_x=n_cols > 8 or cell < 16, thin_y=cell < 12)


def embedding_panel(frame: pd.DataFrame, side: str, title: str = "Your prompt's word embeddings") -> Panel:
    return matrix_panel(frame, "embed", f"embeddings-{side}", title)


# --- the whole vocabulary on a plane -------------------------------------------------------------

def embedding_matrix(bundle: ModelBundle, side: str) -> tuple[torch.Tensor, tuple[str, ...]]:
    """The whole vocabulary's embedding table (read only) and its words."""
    model = bundle.model
    if bundle.is_translator:
        stack = model.encoder if side == "encoder" else model.decoder
        vocab = bundle.src_tokenizer.vocab if side == "encoder" else bundle.tokenizer.vocab
        return stack.embed.weight.detach(), tuple(vocab)
    return model.embed.weight.detach(), tuple(bundle.tokenizer.vocab)


class Projection:
    """Identity for 2 numbers per word (the lesson's plane); PCA to 2 axes otherwise.

    PCA is fitted once on the vocabulary's table (numpy SVD of the centred rows), so every
    point, embedded or position-encoded, is drawn with the same axes.
    """

    def __init__(self, table: torch.Tensor | np.ndarray) -> None:
        x = to_numpy(table)
        self.dims = x.shape[1]
        if self.dims <= 2:
            self.mean, self.axes, self.explained = np.zeros(self.dims), np.eye(self.dims), None
        else:
            self.mean = x.mean(0)
            _, s, vt = np.linalg.svd(x - self.mean, full_matrices=False)
            self.axes = vt[:2].T  # [d, 2]
            total = float((s ** 2).sum()) or 1.0
            self.explained = (s[:2] ** 2 / total).round(3)

    @property
    def is_pca(self) -> bool:
        return self.explained is not None

    @property
    def axis_titles(self) -> tuple[str, str]:
        if not self.is_pca:
            return ("embedding dim 1", "embedding dim 2" if self.dims == 2 else "")
        return (f"PCA axis 1 ({self.explained[0]:.1%} of the spread)", f"PCA axis 2 ({self.explained[1]:.1%})")  # 3.6% + 3.6% read as 4% + 4% = 7%

    @property
    def short_titles(self) -> tuple[str, str]:
        return ("PCA 1", "PCA 2") if self.is_pca else ("dim 1", "dim 2")

    def __call__(self, points) -> np.ndarray:
        p = (to_numpy(points) - self.mean) @ self.axes
        return p if p.shape[1] == 2 else np.column_stack([p[:, 0], np.zeros(len(p))])


def vocabulary_frame(bundle: ModelBundle, side: str, prompt_tokens: list[str], projection: Projection | None = None) -> tuple[pd.DataFrame, Projection]:
    """Every vocabulary word as a point (x, y), flagged when it is in the prompt."""
    table, vocab = embedding_matrix(bundle, side)
    projection = projection or Projection(table)
    xy = projection(table)
    in_prompt = set(prompt_tokens)
    flags = [w in in_prompt for w in vocab]
    return pd.DataFrame({
        "word": list(vocab), "x": xy[:, 0], "y": xy[:, 1], "in prompt": flags,
        "kind": ["word in your prompt" if f else "other word" for f in flags],
    }), projection


def position_arrows_frame(trace: Trace, stack: str, tokens: list[str], projection: Projection,
                          start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """From each word's embedding (hook_embed) to the same word plus its position (blocks.0.hook_resid_pre).

    ``angle``: the arrow's direction in degrees clockwise from "up", for the head at its
    end; right on screen when the plane keeps one unit the same length on both axes.
    """
    stop = len(tokens) if stop is None else stop
    begin = projection(trace["embed", None, stack][start:stop])
    end = projection(trace["resid_pre", 0, stack][start:stop])
    delta = end - begin
    return pd.DataFrame({
        "label": token_labels(tokens[start:stop], start), "word": tokens[start:stop], "position": range(start, stop),
        "x": begin[:, 0], "y": begin[:, 1], "x2": end[:, 0], "y2": end[:, 1],
        "angle": np.degrees(np.arctan2(delta[:, 0], delta[:, 1])) % 360,
    })


def square_domains(*frames_and_columns: tuple[pd.DataFrame, str, str], margin: float = 0.2) -> tuple[list[float], list[float]]:
    """x and y domains of equal length around all the points, so the plane is not stretched."""
    xs = np.concatenate([f[c].to_numpy(float) for f, c, _ in frames_and_columns])
    ys = np.concatenate([f[c].to_numpy(float) for f, _, c in frames_and_columns])
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    span = max(xs.max() - xs.min(), ys.max() - ys.min(), 1e-6) * (1 + 2 * margin)
    return [cx - span / 2, cx + span / 2], [cy - span / 2, cy + span / 2]


def embedding_plane_chart(vocab: pd.DataFrame, arrows: pd.DataFrame, axis_titles: tuple[str, str], title: str,
                          size: int = 400, short_titles: tuple[str, str] = ("x", "y")) -> SpecChart:
    """Vocabulary points, the prompt's words labelled, and an arrow per prompt position to its moved point.

    The spec depends on the model and side and on whether labels fit (cached, see viz.spec); the
    square axes' ranges come as the parameters x_lo, x_hi, y_lo, y_hi; where each label goes
    comes with the data (plane_labels).
    """
    x_dom, y_dom = square_domains((vocab, "x", "y"), (arrows, "x", "y"), (arrows, "x2", "y2"))
    many = len(vocab) > 60
    # A large vocabulary's PCA plane crowds the prompt's words together: there, more than 8 arrow
    # labels ran into one blob (the tooltip always has them).
    labelled = len(arrows) <= (8 if many else 16)
    vocab, arrows, _ = plane_labels(vocab, arrows, (x_dom, y_dom), size, many, labelled)
    spec = _plane_spec(tuple(axis_titles), title, size, tuple(short_titles), many, labelled)
    return SpecChart(spec, {"vocab": vocab, "arrows": arrows},
                     {"x_lo": x_dom[0], "x_hi": x_dom[1], "y_lo": y_dom[0], "y_hi": y_dom[1]})


@spec_template
def _plane_spec(axis_titles: tuple[str, str], title: str, size: int, short_titles: tuple[str, str], many: bool,
                labelled: bool) -> alt.LayerChart:
    def scale(lo: str, hi: str) -> alt.Scale:
        return alt.Scale(domain=[alt.ExprRef(lo), alt.ExprRef(hi)], nice=False)

    x = alt.X("x:Q", title=axis_titles[0], scale=scale("x_lo", "x_hi"), axis=alt.Axis(labelFlush=True, tickCount=6))
    y = alt.Y("y:Q", title=axis_titles[1], scale=scale("y_lo", "y_hi"), axis=alt.Axis(labelFlush=True, tickCount=6))
    sx, sy = short_titles
    kind_scale = alt.Scale(domain=["word in your prompt", "other word"], range=[PROMPT_COLOR, OTHER_COLOR])
    vocab, arrows = alt.Chart(alt.NamedData(name="vocab")), alt.Chart(alt.NamedData(name="arrows"))
    words = vocab.mark_circle(size=25 if many else 110, opacity=0.9).encode(
        x=x, y=y,
        color=alt.Color("kind:N", scale=kind_scale, legend=alt.Legend(title=None, orient="bottom")),
        order=alt.Order("in prompt:N"),  # prompt words drawn last, on top
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("x:Q", title=sx, format=".4f"), alt.Tooltip("y:Q", title=sy, format=".4f")],
    )
    # each label centred at its point plus the offset plane_labels chose (px), so none covers another
    offset = {"dx": alt.ExprRef("datum.label_dx"), "dy": alt.ExprRef("datum.label_dy")}
    # colored like their points: Vega's default black text would vanish in the dark theme
    word_labels = vocab.transform_filter(alt.datum.label_shown).mark_text(
        align="center", baseline="middle", fontSize=WORD_FONT, fontWeight="bold", **offset).encode(
        x=x, y=y, text="label:N", color=alt.Color("kind:N", scale=kind_scale, legend=None))
    tip = [alt.Tooltip("label:N", title="word"),
           alt.Tooltip("x:Q", title=f"embedding {sx}", format=".4f"), alt.Tooltip("y:Q", title=f"embedding {sy}", format=".4f"),
           alt.Tooltip("x2:Q", title=f"embedding + position, {sx}", format=".4f"),
           alt.Tooltip("y2:Q", title=f"embedding + position, {sy}", format=".4f")]  # the sum, not the position's own numbers
    lines = arrows.mark_rule(color=POSITION_COLOR, strokeWidth=2, strokeDash=[5, 3]).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", tooltip=tip)
    heads = arrows.mark_point(shape=ARROW_HEAD, filled=True, color=POSITION_COLOR, opacity=1, strokeWidth=0,
                              size=head_size(labelled, many)).encode(
        x=alt.X("x2:Q"), y=alt.Y("y2:Q"), angle=alt.Angle("angle:Q", scale=None), tooltip=tip)
    layers = [words, word_labels, lines, heads]
    if labelled:  # more labels than this hide the plane; the tooltip has them
        layers.append(arrows.transform_filter(alt.datum.label_shown).mark_text(
            color=POSITION_COLOR, fontSize=ARROW_FONT, align="center", baseline="middle", **offset).encode(
            x="x2:Q", y="y2:Q", text="label:N"))
    padding = {"left": 5, "top": 5, "right": 20, "bottom": 5}  # room for the last tick label
    # "pad": the plot is size x size px, axes around it; Streamlit's default ("fit") squeezes them
    # into it, which makes a unit shorter upwards than sideways and puts the labels off their spots
    return alt.layer(*layers, title=title).properties(
        width=size, height=size, padding=padding, autosize=alt.AutoSizeParams(type="pad")).interactive().add_params(
        *(alt.param(name=name, value=0.0) for name in ("x_lo", "x_hi", "y_lo", "y_hi")))


def plane_summary(projection: Projection, n_vocab: int) -> str:
    """What the plane's axes are, in words for a caption."""
    if not projection.is_pca:
        return f"All {n_vocab} words of the vocabulary, drawn at their {projection.dims} embedding numbers (no projection needed)."
    kept = float(sum(projection.explained))
    return (f"All {n_vocab} words, projected from {projection.dims} numbers onto the 2 directions where the vocabulary "
            f"spreads most (PCA; together {kept:.1%} of the spread). Both ends of each arrow use the same projection.")
