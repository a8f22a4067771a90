"""Embedding views: each prompt word's numbers, and the whole vocabulary on a plane.

Why a plane with arrows: the lesson draws each word as a point (2 numbers per word) and
then shows that adding the positional encoding moves it, so the same word at two positions
lands on two different points. With more than 2 numbers per word we project with PCA,
fitted on the vocabulary's embeddings, and project the moved points with the same axes.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import torch

from model.bundle import ModelBundle
from model.trace import Trace

from .common import matrix_frame, to_numpy, token_labels


def stack_prefix(bundle: ModelBundle, side: str) -> str:
    """"" for a decoder-only model; "encoder." (input words) or "decoder." (output words) for a translator."""
    return f"{side}." if bundle.is_translator else ""


def side_tokens(trace: Trace, side: str) -> list[str]:
    return trace.src_tokens if side == "encoder" and trace.src_tokens is not None else trace.tokens


def embedding_matrix(bundle: ModelBundle, side: str) -> tuple[torch.Tensor, tuple[str, ...]]:
    """The whole vocabulary's embedding table (read only) and its words."""
    model = bundle.model
    if bundle.is_translator:
        stack = model.encoder if side == "encoder" else model.decoder
        vocab = bundle.src_tokenizer.vocab if side == "encoder" else bundle.tokenizer.vocab
        return stack.embed.weight.detach(), vocab
    return model.embed.weight.detach(), bundle.tokenizer.vocab


def prompt_embedding_frame(trace: Trace, prefix: str, tokens: list[str]) -> pd.DataFrame:
    """Rows: the prompt's words in order; columns: embedding dimensions."""
    embed = trace[f"{prefix}hook_embed"]
    return matrix_frame(embed, tokens, [f"dim {j + 1}" for j in range(embed.shape[1])])


class Projection:
    """Identity for 2 numbers per word (the lesson's plane); PCA to 2 axes otherwise."""

    def __init__(self, table: torch.Tensor) -> None:
        x = to_numpy(table)
        self.dims = x.shape[1]
        if self.dims <= 2:
            self.mean, self.axes, self.explained = np.zeros(self.dims), np.eye(self.dims), None
        else:
            self.mean = x.mean(0)
            _, s, vt = np.linalg.svd(x - self.mean, full_matrices=False)
            self.axes = vt[:2].T
            self.explained = (s[:2] ** 2 / (s ** 2).sum()).round(3)

    @property
    def axis_titles(self) -> tuple[str, str]:
        if self.explained is None:
            return ("embedding number 1", "embedding number 2") if self.dims == 2 else ("embedding number 1", "")
        return (f"PCA axis 1 ({self.explained[0]:.0%} of the spread)", f"PCA axis 2 ({self.explained[1]:.0%})")

    def __call__(self, points) -> np.ndarray:
        p = (to_numpy(points) - self.mean) @ self.axes
        return p if p.shape[1] == 2 else np.column_stack([p[:, 0], np.zeros(len(p))])


def vocabulary_frame(bundle: ModelBundle, side: str, prompt_tokens: list[str], projection: Projection | None = None) -> tuple[pd.DataFrame, Projection]:
    table, vocab = embedding_matrix(bundle, side)
    projection = projection or Projection(table)
    xy = projection(table)
    in_prompt = set(prompt_tokens)
    return pd.DataFrame({"word": list(vocab), "x": xy[:, 0], "y": xy[:, 1], "in prompt": [w in in_prompt for w in vocab]}), projection


def position_arrows_frame(trace: Trace, prefix: str, tokens: list[str], projection: Projection) -> pd.DataFrame:
    """From each word's embedding to the same word plus its positional encoding (block 0's input)."""
    start = projection(trace[f"{prefix}hook_embed"])
    end = projection(trace[f"{prefix}blocks.0.hook_resid_pre"])
    return pd.DataFrame({"label": token_labels(tokens), "word": tokens, "position": range(len(tokens)),
                         "x": start[:, 0], "y": start[:, 1], "x2": end[:, 0], "y2": end[:, 1]})


def embedding_plane_chart(vocab: pd.DataFrame, arrows: pd.DataFrame, axis_titles: tuple[str, str], title: str) -> alt.LayerChart:
    x = alt.X("x:Q", title=axis_titles[0])
    y = alt.Y("y:Q", title=axis_titles[1])
    many = len(vocab) > 60
    words = alt.Chart(vocab).mark_circle(size=30 if many else 90).encode(
        x=x, y=y, color=alt.Color("in prompt:N", scale=alt.Scale(domain=[True, False], range=["#1f77b4", "#bbbbbb"]), title="word in the prompt"),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("x:Q", format=".4f"), alt.Tooltip("y:Q", format=".4f")],
    )
    shown = vocab if not many else vocab[vocab["in prompt"]]
    word_labels = alt.Chart(shown).mark_text(dy=-10, fontSize=12).encode(x=x, y=y, text="word:N")
    tip = [alt.Tooltip("label:N", title="word"), alt.Tooltip("x:Q", title="embedding x", format=".4f"),
           alt.Tooltip("y:Q", title="embedding y", format=".4f"), alt.Tooltip("x2:Q", title="+ position x", format=".4f"),
           alt.Tooltip("y2:Q", title="+ position y", format=".4f")]
    lines = alt.Chart(arrows).mark_rule(color="#ff4b4b", strokeWidth=1.5, strokeDash=[4, 2]).encode(x=x, y=y, x2="x2:Q", y2="y2:Q", tooltip=tip)
    ends = alt.Chart(arrows).mark_point(shape="triangle", filled=True, color="#ff4b4b", size=80).encode(
        x=alt.X("x2:Q"), y=alt.Y("y2:Q"), tooltip=tip)
    end_labels = alt.Chart(arrows).mark_text(dy=12, color="#ff4b4b", fontSize=11).encode(x="x2:Q", y="y2:Q", text="label:N")
    return alt.layer(words, word_labels, lines, ends, end_labels, title=title).properties(height=460).interactive()
