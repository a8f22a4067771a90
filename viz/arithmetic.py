"""One query's attention arithmetic with the real numbers, as the lessons compute it by hand.

Why: the lessons compute attention step by step (query times each key, scale by the square root
of d, add the mask, softmax to percentages, weighted sum of the values, add the residual). The
table lays out those same steps, one row per key, with the numbers read from the trace, so a
learner can check every number against the video.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from model import names
from model.trace import Trace

from .common import to_numpy, token_labels
from .numbers import fmt_mask, fmt_vector, fmt_vectors


def arithmetic_table(trace: Trace, module: str, head: int, query_pos: int) -> pd.DataFrame:
    """One row per key: key vector, q·k, ÷√d, (+ distance bias,) + mask, score, softmax, value
    vector, % × value.

    Every number is read from the trace (hook_k, hook_dots, hook_scaled, hook_distance_bias in a
    local layer that learns one, hook_mask, hook_attn_scores, hook_pattern, hook_v); only "% ×
    value" is the product shown in the lesson, and its column sums to the head's output,
    hook_z[query, head].
    """
    maps = trace.head_maps(module, head, slice(query_pos, query_pos + 1 or None))  # only this row: a lean trace computes it

    def row(kind: str):  # this head's row of the query
        return to_numpy(maps[kind][0, 0]) if kind in maps else to_numpy(trace.at(module, kind)[head, query_pos])

    k = to_numpy(trace.at(module, "k")[:, head])  # [key, d_head]
    v = to_numpy(trace.at(module, "v")[:, head])
    pattern = row("pattern")
    tokens = trace.key_tokens(module)
    return pd.DataFrame({
        "key_pos": np.arange(len(tokens)),
        "key_token": tokens,
        "key_label": token_labels(tokens),
        "key": list(k),
        "dot": row("dots"),
        "scaled": row("scaled"),
        **({"bias": row("distance_bias")} if trace.has(module, "distance_bias") else {}),
        "mask": to_numpy(trace.at(module, "mask")[query_pos]),
        "score": row("attn_scores"),
        "softmax": pattern,
        "value": list(v),
        "weighted": list(pattern[:, None] * v),
    })


def arithmetic_display(table: pd.DataFrame, d_head: int, digits: int = 2, vector_digits: int = 2) -> dict[str, list]:
    """The table as the lesson writes it, every number to ``digits`` places (one table, one
    rounding; softmax % to one): rounded vectors, "-∞" for the mask, percentages, as
    columns by name (plain lists: this runs on every keystroke, and a DataFrame of these text
    columns cost 6 ms more a rerun than the lists).

    Long vectors show their first 2 numbers, so that the table fits beside the heatmap (all of
    them are in arithmetic_exact); the masked score (hook_attn_scores, ÷√d plus the bias and the
    mask) is there too.
    """
    limit = d_head if d_head <= 4 else 2

    def vectors(column: str, places: int) -> list[str]:
        return fmt_vectors(np.stack(table[column].to_list()).reshape(len(table), -1), places, limit)

    def numbers(column: str, scale: float = 1.0) -> list[float]:
        return (table[column].to_numpy(dtype=float) * scale).tolist()

    return {
        "key word": table["key_label"].tolist(),
        "key vector": vectors("key", vector_digits),
        "q·k": numbers("dot"),
        f"÷ √{d_head}": numbers("scaled"),
        **({"+ distance bias": numbers("bias")} if "bias" in table else {}),
        "+ mask": [fmt_mask(x) for x in table["mask"]],
        "softmax %": numbers("softmax", 100),
        "value vector": vectors("value", vector_digits),
        "% × value": vectors("weighted", digits),
    }


def _spread(name: str, vectors: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """One column per component, counted from 1 as the embedding pages count dimensions ("key dim 1")."""
    stacked = np.stack(vectors)
    return {f"{name} dim {i + 1}": stacked[:, i] for i in range(stacked.shape[1])}


def arithmetic_exact(table: pd.DataFrame) -> pd.DataFrame:
    """Every number at full precision, one column per vector component (the CSV download)."""
    return pd.DataFrame({
        "key_pos": table["key_pos"], "key_token": table["key_token"], **_spread("key", table["key"]),
        "dot": table["dot"], "scaled": table["scaled"], **({"distance_bias": table["bias"]} if "bias" in table else {}),
        "mask": table["mask"], "score": table["score"],
        "softmax": table["softmax"], **_spread("value", table["value"]), **_spread("weighted", table["weighted"]),
    })


def query_frame(trace: Trace, module: str, head: int, query_pos: int, norm: str = "none") -> pd.DataFrame:
    """The query word's input numbers and its query vector (= W_Q × input), from the trace."""
    name, query = names.attention_input(module, norm), names.in_module(module, "q")
    return pd.DataFrame({
        "step": ["input numbers", f"query (head {head + 1})"],
        "trace name": [name, query],
        "vector": [to_numpy(trace[name][query_pos]), to_numpy(trace[query][query_pos, head])],
    })


def residual_frame(trace: Trace, module: str, query_pos: int, norm: str = "none") -> pd.DataFrame:
    """The residual connection for one word: stream in + attention output = stream out.

    With norm == "post" the trace's stream out is the normalized sum, so the plain sum gets
    its own row before it.
    """
    stream_in, out, stream_out = names.residual_step(module)
    a, b = to_numpy(trace[stream_in][query_pos]), to_numpy(trace[out][query_pos])
    rows = [("residual stream in", stream_in, a), ("+ attention output (all heads)", out, b)]
    if norm == "post":
        rows += [("= sum", "", a + b), ("→ layer norm (post-norm)", stream_out, to_numpy(trace[stream_out][query_pos]))]
    else:
        rows += [("= stream out", stream_out, to_numpy(trace[stream_out][query_pos]))]
    return pd.DataFrame({"step": [r[0] for r in rows], "trace name": [r[1] for r in rows], "vector": [r[2] for r in rows]})


def vectors_display(frame: pd.DataFrame, digits: int = 3, limit: int = 8) -> pd.DataFrame:
    return frame.assign(vector=[fmt_vector(v, digits, limit) for v in frame["vector"]])
