"""Pooling: a long prompt's whole attention matrix in blocks, so that it fits one picture.

Why max-pooling: a sharp head (one word looking at one other) must stay visible when a block of
cells becomes one cell, and the mean would wash it out; the mean goes in the tooltip beside it.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from .common import to_numpy


def block_size(n_q: int, n_k: int, max_side: int) -> int:
    """Positions per block so that an n_q x n_k matrix pools to at most max_side blocks a side."""
    return max(1, math.ceil(max(n_q, n_k) / max_side))


def _blocks(patterns: np.ndarray, block: int, fill: float) -> np.ndarray:
    """[heads, query, key] -> [heads, rows, block, cols, block], the ragged edge padded with fill."""
    n_h, n_q, n_k = patterns.shape
    rows, cols = math.ceil(n_q / block), math.ceil(n_k / block)
    padded = np.full((n_h, rows * block, cols * block), fill, dtype=float)
    padded[:, :n_q, :n_k] = patterns
    return padded.reshape(n_h, rows, block, cols, block)


def max_pool(patterns: np.ndarray, block: int) -> np.ndarray:
    """[heads, query, key] attention (never negative, so 0 pads safely) -> the largest weight in
    each block x block, [heads, rows, cols]: a sharp head stays visible."""
    return patterns if block == 1 else _blocks(patterns, block, 0.0).max(axis=(2, 4))


def hidden_blocks(mask: np.ndarray, block: int) -> np.ndarray:
    """[query, key] causal mask (0 or -inf) -> [rows, cols] booleans: True where the mask hides
    every cell of the block (the ragged edge counts as hidden)."""
    hidden = np.isneginf(mask)[None].astype(float)
    return _blocks(hidden, block, 1.0).min(axis=(2, 4))[0] > 0


def pool_heads(patterns: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """(max, mean) of each block x block cells, [heads, rows, cols]."""
    if block == 1:
        return patterns, patterns
    return max_pool(patterns, block), np.nanmean(_blocks(patterns, block, np.nan), axis=(2, 4))


def pooled_frame(matrix, block: int) -> pd.DataFrame:
    """A [query, key] matrix in blocks: query_from/query_to, key_from/key_to (exclusive), max and mean %."""
    m = to_numpy(matrix)
    n_q, n_k = m.shape
    top, mean = (pooled[0] * 100 for pooled in pool_heads(m[None], block))
    r, c = np.indices(top.shape)
    q_from, k_from = r.ravel() * block, c.ravel() * block
    return pd.DataFrame({
        "query_from": q_from, "query_to": np.minimum(q_from + block, n_q),
        "key_from": k_from, "key_to": np.minimum(k_from + block, n_k),
        "max_percent": top.ravel(), "mean_percent": mean.ravel(),
    })

def block_names(names: Sequence[str], n: int, block: int) -> np.ndarray:
    """One name per block: the token's label for single positions, "a–b" for a range."""
    starts = range(0, n, block)
    return np.asarray([names[a] if min(a + block, n) - a == 1 else f"{a}–{min(a + block, n) - 1}" for a in starts], dtype=object)
