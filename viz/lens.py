"""The logit lens as a grid: one row per position (the prompt's tokens, in order), one column
per point in the stream (left to right as the model builds it), the top word printed in each
cell, coloured by the chosen word's probability. The numbers come from model.analysis.lens.

Why positions as rows: each cell prints a word, and words need width; a model has a handful of
streams but a prompt may have dozens of tokens, which scroll better downwards.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from model.analysis.lens import LensResult

from .common import token_labels
from .grids import matrix_data

WORD_CHARS = 7  # a cell's printed word is cut to this many characters (the tooltip has it whole)
WORD_CELL = 48  # px: room for a short word in 9 px type
MAX_WORD_ROWS = 64  # longer prompts get the usual small cells, without printed words
# A few rows (the lessons' prompts) may take wider cells, so "statquest" is printed whole: up to
# this many characters, at CHAR_PX each in the canvas's 11 px sans-serif, plus a margin.
WIDE_ROWS, WIDE_CHARS, CHAR_PX = 8, 12, 6.8


def stream_title(label: str, n_layers: int) -> str:
    """model.analysis's stream labels as a learner reads them: "0_pre" -> "embedding",
    "2_pre" -> "after layer 2", "1_mid" -> "layer 2 attention", "final_post" -> "after layer N"."""
    if label == "final_post":
        return f"after layer {n_layers} (output)"
    layer, where = re.fullmatch(r"(\d+)_(pre|mid|mid_cross)", label).groups()
    layer = int(layer)
    if where == "pre":
        return "embedding" if layer == 0 else f"after layer {layer}"
    return f"layer {layer + 1} {'attention' if where == 'mid' else 'cross-attention'}"


def _cut(word: str, chars: int = WORD_CHARS) -> str:
    return word if len(word) <= chars else word[:chars - 1] + "…"


def word_cell(words, n_rows: int) -> tuple[int, int]:
    """(cell px, characters printed per cell): wide enough for the longest word on a few rows."""
    if n_rows > WIDE_ROWS:
        return WORD_CELL, WORD_CHARS
    chars = min(max((len(w) for w in words), default=0), WIDE_CHARS)
    return max(WORD_CELL, math.ceil(chars * CHAR_PX + 10)), max(chars, WORD_CHARS)


def lens_data(result: LensResult, vocab, n_layers: int, title: str) -> dict:
    """Heatmap payload: rows = positions, columns = streams; the cell's colour is the chosen
    word's probability in % (or the top word's, with no word chosen), its text the top word;
    the tooltip has both words' exact probabilities."""
    top_ids = result.top_ids[..., 0].T.tolist()  # [pos, stream]
    top_words = [vocab[i] for row in top_ids for i in row]
    top_pct = (result.top_probs[..., 0].T * 100).numpy()
    shown = top_pct if result.word_probs is None else (result.word_probs.T * 100).numpy()
    n_pos = len(result.tokens)
    big = n_pos <= MAX_WORD_ROWS
    cell, chars = word_cell(top_words, n_pos)
    value_title = f"P({result.word}) %" if result.word is not None else "P(top word) %"
    return matrix_data(
        shown, token_labels(result.tokens), [stream_title(s, n_layers) for s in result.labels], title,
        "position (token)", "point in the stream", value_title, bound=100, cell=cell if big else None,
        texts=[_cut(w, chars) for w in top_words] if big else None, legend_lo="0%", legend_hi="100%",
        tip_extra=[{"title": "top word", "values": top_words, "digits": 0},
                   {"title": "P(top word) %", "values": top_pct.ravel().tolist(), "digits": 3}],
    )


def lens_table(result: LensResult, vocab, n_layers: int) -> pd.DataFrame:
    """Every (stream, position): the top word, its probability and the chosen word's (the CSV)."""
    rows = []
    for s, label in enumerate(result.labels):
        for p, token in enumerate(result.tokens):
            row = {"stream": label, "stream_title": stream_title(label, n_layers), "position": p, "token": token,
                   "top_word": vocab[int(result.top_ids[s, p, 0])], "top_prob": float(result.top_probs[s, p, 0])}
            if result.word_probs is not None:
                row[f"prob_{result.word}"] = float(result.word_probs[s, p])
            rows.append(row)
    return pd.DataFrame(rows)
