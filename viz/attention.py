"""Attention views of one head: the frame of its pattern, a long prompt's pooled overview, and
the titles and facts of an attention module that the pages print.

The pieces live by job beside it: viz.windows (which cells to draw), viz.pooling (long prompts
in blocks), viz.canvas (heatmap payloads), viz.head_grid (every head), viz.arithmetic (one
query's numbers), viz.numbers (how numbers are written).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import names
from model.hf.words import Words, group_attention, group_hidden
from model.trace import Trace

from .canvas import heatmap_data
from .common import to_numpy, token_labels
from .pooling import block_size, hidden_blocks, pooled_frame
from .windows import WINDOW, Window, full_window, long_frame

WORDS_NOTE = ("Words: the tokens of each word are grouped, as in Clark et al. 2019. A row is the mean of its word's "
              "tokens' rows (each token looking); a column is the sum of its word's tokens' columns, so that each row "
              "still adds up to 100%. A cell is grey only where the mask hides every one of its tokens' pairs. The "
              "step-by-step table and the grid of every head stay per token: clicking a row shows its word's last token.")
OVERVIEW_SIDE = WINDOW  # blocks a side in the overview: 9-px cells, each labelled, as in the window above


def module_title(module: str) -> str:
    """"decoder.blocks.0.cross_attn" -> "Encoder-decoder attention, layer 1"."""
    parsed = names.parse(module)
    layer = parsed.layer + 1
    kind = names.module_kind(module)
    if kind == "cross":
        return f"Encoder-decoder attention, layer {layer}"
    if kind == "encoder":
        return f"Encoder self-attention, layer {layer}"
    if parsed.stack == "decoder":
        return f"Decoder masked self-attention, layer {layer}"
    return f"Masked self-attention, layer {layer}"


def local_window(config, module: str) -> int:
    """How many words a masked self-attention layer sees (the word itself included), or 0 for
    every earlier word: only the first ``config.local_layers`` layers are local."""
    return config.window_of(names.layer_of(module)) if names.module_kind(module) == "masked" else 0


def has_distance_bias(trace: Trace, module: str) -> bool:
    """Whether the module is a local layer that learns a bias per distance back (hook_distance_bias)."""
    return trace.has(module, "distance_bias")


def n_heads(trace: Trace, module: str) -> int:
    return trace.attention_shape(module)[0]


def matrix_size(trace: Trace, module: str, words: Words | None = None) -> tuple[int, int]:
    """(rows, columns) of the head's heatmap: tokens, or words when ``words`` groups them."""
    return (len(words), len(words)) if words is not None else trace.attention_shape(module)[1:]


def axis_labels(trace: Trace, module: str, words: Words | None = None) -> tuple[list[str], list[str]]:
    """The heatmap's (row, column) labels: "i: token", or a word's positions and text."""
    if words is not None:
        return words.labels(), words.labels()
    return token_labels(trace.query_tokens(module)), token_labels(trace.key_tokens(module))


def _hidden(trace: Trace, module: str, rows: slice) -> np.ndarray | None:
    """[rows, key] True where the mask hides the cell; None without a mask."""
    return np.isneginf(to_numpy(trace.at(module, "mask")[rows])) if trace.has(module, "mask") else None


def attention_frame(trace: Trace, module: str, head: int, window: Window | None = None, words: Words | None = None) -> pd.DataFrame:
    """The head's softmax pattern (hook_pattern) as a tidy table: weight in 0..1 and percent.
    Only the window's rows of this head are computed (a long prompt's lean trace holds no maps).
    With ``words`` (model/hf/words.py) rows and columns are words (see word_attention_frame)."""
    if words is not None:
        return word_attention_frame(trace, module, head, words, window)
    window = window or full_window(*trace.attention_shape(module)[1:])
    rows = slice(window.q0, window.q1)
    pattern = trace.head_maps(module, head, rows)["pattern"][0]
    frame = long_frame(pattern, trace.query_tokens(module), trace.key_tokens(module), window, "weight", first_row=window.q0)
    frame["percent"] = frame["weight"] * 100
    if (hidden := _hidden(trace, module, rows)) is not None:  # -inf: a later word, hidden by the causal mask (not a word the head chose to ignore)
        frame["masked"] = hidden[:, window.k0:window.k1].reshape(-1)
    return frame


def word_attention_frame(trace: Trace, module: str, head: int, words: Words, window: Window | None = None) -> pd.DataFrame:
    """The head's pattern between words: a row is the mean over the query word's tokens, a column
    the sum over the key word's tokens, so each row still sums to 1 (model.hf.words.group_attention).
    ``query_pos`` is the query word's last token (a click makes it the query), ``key_pos`` the key
    word's first; ``query_word``/``key_word`` count words. A pair is masked when every one of its
    token pairs is. The window counts words."""
    window = window or full_window(len(words), len(words))
    rows = words.tokens_of(window.q0, window.q1)
    row_spans = words.spans[window.q0:window.q1]
    pattern = to_numpy(trace.head_maps(module, head, rows)["pattern"][0])
    grouped = group_attention(pattern, row_spans, words.spans)[:, window.k0:window.k1]
    n_rows, n_cols = grouped.shape
    q = np.repeat(np.arange(window.q0, window.q1), n_cols)
    k = np.tile(np.arange(window.k0, window.k1), n_rows)
    first, last = (np.asarray([s[i] for s in words.spans]) for i in (0, 1))
    texts, labels = np.asarray(words.texts, dtype=object), np.asarray(words.labels(), dtype=object)
    frame = pd.DataFrame({
        "query_pos": last[q] - 1, "key_pos": first[k], "query_word": q, "key_word": k,
        "query_token": texts[q], "key_token": texts[k], "query_label": labels[q], "key_label": labels[k],
        "weight": grouped.reshape(-1),
    })
    frame["percent"] = frame["weight"] * 100
    if (hidden := _hidden(trace, module, rows)) is not None:
        frame["masked"] = group_hidden(hidden, row_spans, words.spans)[:, window.k0:window.k1].reshape(-1)
    return frame


def overview_frame(trace: Trace, module: str, head: int, max_side: int = OVERVIEW_SIDE, words: Words | None = None) -> pd.DataFrame:
    """The head's whole pattern (between words, with ``words``), max-pooled to at most
    max_side x max_side blocks; ``query_from``/``key_from`` count rows and columns, and
    ``query_pos``/``key_pos`` are the token positions a block starts at."""
    pattern = to_numpy(trace.head_maps(module, head)["pattern"][0])
    hidden = _hidden(trace, module, slice(None))
    if words is not None:
        pattern = group_attention(pattern, words.spans, words.spans)
        hidden = None if hidden is None else group_hidden(hidden, words.spans, words.spans)
    block = block_size(*pattern.shape, max_side)
    frame = pooled_frame(pattern, block)
    frame["block"] = block
    # all of a block masked
    frame["hidden"] = hidden_blocks(np.where(hidden, -np.inf, 0.0), block).ravel() if hidden is not None else False
    if words is None:
        frame["query_pos"], frame["key_pos"] = frame["query_from"], frame["key_from"]
    else:  # a block's first word: its last token is the query a click picks
        first, last = (np.asarray([s[i] for s in words.spans]) for i in (0, 1))
        frame["query_pos"], frame["key_pos"] = last[frame["query_from"]] - 1, first[frame["key_from"]]
        frame["query_tokens_from"], frame["query_tokens_to"] = first[frame["query_from"]], last[frame["query_to"] - 1]
        frame["key_tokens_to"] = last[frame["key_to"] - 1]
    return frame


def overview_data(frame: pd.DataFrame, title: str, window: Window | None = None, local_window: int = 0) -> dict:
    """The whole matrix (overview_frame) as data for the canvas heatmap, one cell per block:
    rows and columns labelled with their positions ("8–11"), the window the heatmap above shows
    outlined (``box``, in cells), and each block's max and mean attention in the tooltip.

    Why not a Vega chart: a long prompt's overview has thousands of rects, re-created on every
    keystroke.
    """
    block = int(frame["block"].iloc[0])

    def spans(start: pd.Series, stop: pd.Series) -> list[str]:
        return [f"{a}" if b - a == 1 else f"{a}–{b - 1}" for a, b in zip(start, stop)]

    if "query_tokens_to" in frame:  # blocks of words: labelled by their tokens' positions
        q_labels = spans(frame["query_tokens_from"], frame["query_tokens_to"])
        k_labels = spans(frame["key_pos"], frame["key_tokens_to"])
    else:
        q_labels, k_labels = spans(frame["query_from"], frame["query_to"]), spans(frame["key_from"], frame["key_to"])
    framed = frame.assign(masked=frame["hidden"], query_label=q_labels, key_label=k_labels)
    data = heatmap_data(framed, title, key_title="key positions", query_title="query positions", value="max_percent",
                        value_title="max attention %", scale="sqrt", exact="mean_percent", window=local_window)
    data.update(tip_names=["queries", "keys"], exact_title="mean attention %", exact_digits=3, printed=False,
                box=None if window is None else {"r0": window.q0 / block, "r1": window.q1 / block,
                                                 "c0": window.k0 / block, "c1": window.k1 / block})
    return data
