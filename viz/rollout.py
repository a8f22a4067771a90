"""Attention rollout (model.analysis.rollout) as data for the attention page's heatmap: how much
each word (row) draws on each input word (column) after the chosen layer, through every layer
below it, counting the residual connection."""

from __future__ import annotations

from .canvas import heatmap_data
from .windows import full_window, long_frame


def rollout_data(rolled, tokens: list[str], layer: int, title: str) -> dict:
    """Rollout up to ``layer`` (from 0) as a heatmap payload, in percent, rows queries, columns keys."""
    frame = long_frame(rolled[layer] * 100, tokens, tokens, full_window(len(tokens), len(tokens)), "percent")
    frame["weight"] = frame["percent"] / 100
    return heatmap_data(frame, title, value_title="share %")


def rollout_frame(rolled, tokens: list[str], layer: int):
    """The CSV: every (query, key) and its share."""
    return long_frame(rolled[layer], tokens, tokens, full_window(len(tokens), len(tokens)), "share")
