"""Attention views: one head's heatmap, an overview and every head as small multiples, and
one query's arithmetic with the real numbers.

Why the arithmetic table: the lessons compute attention by hand (query times each key, scale
by the square root of d, add the mask, softmax to percentages, weighted sum of the values, add
the residual). The table lays out those same steps, one row per key, with the numbers read
from the trace, so a learner can check every number against the video.

Why windows and pooling: a 512-token prompt has 262,144 cells per head, too many to label or to
hover one by one (and Vega, which draws the overview, draws about 4,000 briskly). Long matrices
are shown as a window of real cells plus a max-pooled overview, and the small multiples are
pooled so that all of them together stay near that budget.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from model.trace import Trace

from .common import to_numpy
from .raster import levels_base64, palette, to_levels
from .common import token_labels as labels  # "i: token": tokens repeat, positions do not

MAX_CELLS = 4000  # cells of one matrix drawn whole, with every token labelled
WINDOW = 40  # tokens per side of the window shown for long prompts (fits beside the arithmetic)
HIGHLIGHT = "#ff4b4b"  # Streamlit's primary red: the chosen query row, the chosen grid panel


class Window(NamedTuple):
    """Rows [q0, q1) and columns [k0, k1) of an attention matrix."""

    q0: int
    q1: int
    k0: int
    k1: int


# --- names -----------------------------------------------------------------------------------


def module_kind(module: str) -> str:
    """"cross" (encoder-decoder), "encoder" (unmasked self-attention) or "masked" (decoder)."""
    if module.endswith(".cross_attn"):
        return "cross"
    return "encoder" if module.startswith("encoder.") else "masked"


def module_title(module: str) -> str:
    """"decoder.blocks.0.cross_attn" -> "Encoder-decoder attention, layer 1"."""
    layer = int(module.split(".")[-2]) + 1
    kind = module_kind(module)
    if kind == "cross":
        return f"Encoder-decoder attention, layer {layer}"
    if kind == "encoder":
        return f"Encoder self-attention, layer {layer}"
    if module.startswith("decoder."):
        return f"Decoder masked self-attention, layer {layer}"
    return f"Masked self-attention, layer {layer}"


def local_window(config, module: str) -> int:
    """How many words a masked self-attention layer sees (the word itself included), or 0 for
    every earlier word: only the first ``config.local_layers`` layers are local."""
    return config.window_of(int(module.split(".")[-2])) if module_kind(module) == "masked" else 0


def has_distance_bias(trace: Trace, module: str) -> bool:
    """Whether the module is a local layer that learns a bias per distance back (hook_distance_bias)."""
    return f"{module}.hook_distance_bias" in trace


def n_heads(trace: Trace, module: str) -> int:
    return int(trace.pattern(module).shape[0])


# --- windows ---------------------------------------------------------------------------------


def needs_window(n_q: int, n_k: int, max_cells: int = MAX_CELLS) -> bool:
    return n_q * n_k > max_cells


def window_at(n_q: int, n_k: int, q_start: int, k_start: int, size: int = WINDOW) -> Window:
    """A window of at most size x size cells starting near (q_start, k_start), inside the matrix."""
    q_size, k_size = min(size, n_q), min(size, n_k)
    q0 = min(max(0, q_start), n_q - q_size)
    k0 = min(max(0, k_start), n_k - k_size)
    return Window(q0, q0 + q_size, k0, k0 + k_size)


def window_for_query(n_q: int, n_k: int, query: int, kind: str, current: Window | None = None, size: int = WINDOW) -> Window:
    """The window to show for a chosen query word: the current one if it already holds that row,
    else one around it. kind "masked" ends the keys at the query (the words it may see); any
    other kind gives a square on the diagonal."""
    if current is not None and current.q0 <= query < current.q1:
        return current
    q0 = query - size // 2
    k0 = query + 1 - size if kind == "masked" else q0
    return window_at(n_q, n_k, q0, k0, size)


def full_window(n_q: int, n_k: int) -> Window:
    return Window(0, n_q, 0, n_k)


# --- one head as a heatmap -------------------------------------------------------------------


def long_frame(matrix, q_tokens: Sequence[str], k_tokens: Sequence[str], window: Window, value: str) -> pd.DataFrame:
    """The window of a [query, key] matrix as one row per cell, in token order."""
    m = to_numpy(matrix)[window.q0:window.q1, window.k0:window.k1]
    n_rows, n_cols = m.shape
    q_pos = np.repeat(np.arange(window.q0, window.q1), n_cols)
    k_pos = np.tile(np.arange(window.k0, window.k1), n_rows)
    q_tok, k_tok = np.asarray(q_tokens, dtype=object), np.asarray(k_tokens, dtype=object)
    q_lab, k_lab = np.asarray(labels(q_tokens), dtype=object), np.asarray(labels(k_tokens), dtype=object)
    return pd.DataFrame({
        "query_pos": q_pos, "key_pos": k_pos,
        "query_token": q_tok[q_pos], "key_token": k_tok[k_pos],
        "query_label": q_lab[q_pos], "key_label": k_lab[k_pos],
        value: m.reshape(-1),
    })


def attention_frame(trace: Trace, module: str, head: int, window: Window | None = None) -> pd.DataFrame:
    """The head's softmax pattern (hook_pattern) as a tidy table: weight in 0..1 and percent."""
    pattern = trace.pattern(module)[head]
    window = window or full_window(*pattern.shape)
    frame = long_frame(pattern, trace.query_tokens(module), trace.key_tokens(module), window, "weight")
    frame["percent"] = frame["weight"] * 100
    mask = f"{module}.hook_mask"
    if mask in trace.tensors:  # -inf: a later word, hidden by the causal mask (not a word the head chose to ignore)
        frame["masked"] = np.isneginf(to_numpy(trace[mask])[window.q0:window.q1, window.k0:window.k1]).reshape(-1)
    return frame


def cell_px(n: int) -> int:
    """Cell size for an n-wide matrix: big enough for printed numbers when small, compact when long."""
    return 44 if n <= 8 else 30 if n <= 14 else 18 if n <= 24 else 9


def heatmap_cell(n_rows: int, n_cols: int) -> int:
    """One square cell size for an n_rows x n_cols heatmap: the smaller of the two axes' sizes."""
    return min(cell_px(n_rows), cell_px(n_cols))


def label_font(n: int) -> int:
    """Token labels shrink on long axes so that every one still shows."""
    return 11 if n <= 24 else 8


def prints_numbers(n_rows: int, n_cols: int) -> bool:
    """Small heatmaps print each cell's percentage in it."""
    return n_rows * n_cols <= 150 and n_cols <= 14


KEY_TITLE, QUERY_TITLE = "key (the word looked at)", "query (the word looking)"


def _grid(values: np.ndarray, row_of: np.ndarray, col_of: np.ndarray, n_rows: int, n_cols: int) -> list:
    """Cell values placed row-major (None where there is no cell, or no finite number)."""
    grid = np.full((n_rows, n_cols), np.nan)
    grid[row_of, col_of] = values
    return [x if math.isfinite(x) else None for x in grid.ravel().tolist()]


def grid_values(frame: pd.DataFrame, column: str) -> list:
    """One more column of a heatmap's frame in heatmap_data's cell order (e.g. for its tooltip)."""
    _, row_of = np.unique(frame["query_pos"].to_numpy(dtype=int), return_inverse=True)
    _, col_of = np.unique(frame["key_pos"].to_numpy(dtype=int), return_inverse=True)
    return _grid(frame[column].to_numpy(dtype=float), row_of, col_of, int(row_of.max()) + 1, int(col_of.max()) + 1)


def heatmap_data(
    frame: pd.DataFrame,
    title: str,
    query: int | None = None,
    key_title: str = KEY_TITLE,
    query_title: str = QUERY_TITLE,
    value: str = "percent",
    value_title: str = "attention %",
    scale: str = "linear",
    exact: str | None = "weight",
    window: int = 0,
) -> dict:
    """One heatmap as plain numbers for the canvas heatmap (app_pages/page_components.py).

    Why not a Vega chart: on every keystroke Vega re-created all of a 32 x 32 heatmap's marks,
    which doubled the time from a keystroke to the redrawn page (docs/benchmarks.md). The canvas
    draws the same picture from one list of numbers: rows are queries and columns keys, both in
    token order; ``values`` is row-major (None where the frame has no cell); ``exact`` (the
    weights at full precision) goes in the tooltip; ``masked`` (row-major, when the frame has the
    column) marks the cells the causal mask hides, drawn apart from attention that is merely
    small; ``chosen`` is the row of ``query``, or -1. ``window``: the layer's local window (0 if
    it has none), so that a hidden cell's tooltip can say whether it is a later word or one
    too far back.
    """
    # Plain numpy rather than pivot tables: this runs on every keystroke, and pandas' pivots took
    # most of the page's own time (docs/benchmarks.md, fifth session).
    row_pos, first_row, row_of = np.unique(frame["query_pos"].to_numpy(dtype=int), return_index=True, return_inverse=True)
    col_pos, first_col, col_of = np.unique(frame["key_pos"].to_numpy(dtype=int), return_index=True, return_inverse=True)
    n_rows, n_cols = len(row_pos), len(col_pos)

    def matrix(column: str) -> list:
        return _grid(frame[column].to_numpy(dtype=float), row_of, col_of, n_rows, n_cols)

    row_pos = row_pos.tolist()
    return {
        "title": title, "key_title": key_title, "query_title": query_title, "value_title": value_title,
        "rows": [str(x) for x in frame["query_label"].to_numpy()[first_row]],
        "cols": [str(x) for x in frame["key_label"].to_numpy()[first_col]],
        "row_pos": row_pos, "col_pos": col_pos.tolist(), "window": int(window),
        "values": matrix(value), "exact": matrix(exact) if exact in frame else None,
        "masked": [bool(x) for x in matrix("masked")] if "masked" in frame else None,
        "value_max": 100, "scale": scale, "cell": heatmap_cell(n_rows, n_cols),
        "row_font": label_font(n_rows), "col_font": label_font(n_cols),
        "printed": prints_numbers(n_rows, n_cols), "chosen": row_pos.index(query) if query in row_pos else -1,
        "highlight": HIGHLIGHT,
    }

# --- the whole matrix of a long prompt, pooled -----------------------------------------------


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


OVERVIEW_SIDE = WINDOW  # blocks a side in the overview: 9-px cells, each labelled, as in the window above


def overview_frame(trace: Trace, module: str, head: int, max_side: int = OVERVIEW_SIDE) -> pd.DataFrame:
    """The head's whole pattern, max-pooled to at most max_side x max_side blocks."""
    pattern = trace.pattern(module)[head]
    block = max(1, math.ceil(max(pattern.shape) / max_side))
    frame = pooled_frame(pattern, block)
    frame["block"] = block
    mask = trace.tensors.get(f"{module}.hook_mask")
    frame["hidden"] = False if mask is None else hidden_blocks(to_numpy(mask), block).ravel()  # all of it masked
    return frame


def overview_data(frame: pd.DataFrame, title: str, window: Window | None = None, local_window: int = 0) -> dict:
    """The whole matrix (overview_frame) as data for the canvas heatmap, one cell per block:
    rows and columns labelled with their positions ("8–11"), the window the heatmap above shows
    outlined (``box``, in cells), and each block's max and mean attention in the tooltip.

    Why not a Vega chart: at 128 tokens the overview's 1,849 rects were re-created on every
    keystroke, 128 of the page's 423 ms (docs/benchmarks.md, sixth session).
    """
    block = int(frame["block"].iloc[0])

    def spans(start: pd.Series, stop: pd.Series) -> list[str]:
        return [f"{a}" if b - a == 1 else f"{a}–{b - 1}" for a, b in zip(start, stop)]

    framed = frame.assign(masked=frame["hidden"], query_pos=frame["query_from"], key_pos=frame["key_from"],
                          query_label=spans(frame["query_from"], frame["query_to"]),
                          key_label=spans(frame["key_from"], frame["key_to"]))
    data = heatmap_data(framed, title, key_title="key positions", query_title="query positions", value="max_percent",
                        value_title="max attention %", scale="sqrt", exact="mean_percent", window=local_window)
    data.update(tip_names=["queries", "keys"], exact_title="mean attention %", exact_digits=3, printed=False,
                box=None if window is None else {"r0": window.q0 / block, "r1": window.q1 / block,
                                                 "c0": window.k0 / block, "c1": window.k1 / block})
    return data


# --- every layer and head as small multiples -------------------------------------------------


def _block_names(names: Sequence[str], n: int, block: int) -> np.ndarray:
    """One name per block: the token's label for single positions, "a–b" for a range."""
    starts = range(0, n, block)
    return np.asarray([names[a] if min(a + block, n) - a == 1 else f"{a}–{min(a + block, n) - 1}" for a in starts], dtype=object)


def grid_frame(trace: Trace, max_cells: int = MAX_CELLS, selected: tuple[str, int] | None = None) -> pd.DataFrame:
    """Every attention module x head, pooled so that all panels together stay near max_cells."""
    modules = trace.attention_modules()
    panels = sum(n_heads(trace, m) for m in modules)
    side = max(8, int(math.sqrt(max_cells / max(panels, 1))))
    frames = []
    for index, module in enumerate(modules):
        patterns = to_numpy(trace.pattern(module))  # [head, query, key]
        n_h, n_q, n_k = patterns.shape
        block = max(1, math.ceil(max(n_q, n_k) / side))
        top, mean = pool_heads(patterns, block)
        rows, cols = top.shape[1:]
        head = np.repeat(np.arange(n_h), rows * cols)
        r = np.tile(np.repeat(np.arange(rows), cols), n_h)
        c = np.tile(np.arange(cols), n_h * rows)
        q_from, k_from = r * block, c * block
        frames.append(pd.DataFrame({
            "module": module, "module_index": index, "module_title": module_title(module),
            "head": head, "head_title": np.asarray([f"head {h + 1}" for h in range(n_h)], dtype=object)[head],
            "query_from": q_from, "query_to": np.minimum(q_from + block, n_q),
            "key_from": k_from, "key_to": np.minimum(k_from + block, n_k),
            "max_percent": top.reshape(-1) * 100, "mean_percent": mean.reshape(-1) * 100,
            "query": _block_names(labels(trace.query_tokens(module)), n_q, block)[r],
            "key": _block_names(labels(trace.key_tokens(module)), n_k, block)[c],
            "block": block,
            "selected": (module == selected[0]) & (head == selected[1]) if selected else False,
        }))
    return pd.concat(frames, ignore_index=True)


def grid_pictures(trace: Trace, selected: tuple[str, int] | None = None, max_side: int = 120) -> list[dict]:
    """One dict per attention module x head: its whole pattern as a picture of one level per cell
    (viz.raster.to_levels: the blues, and a grey level where the causal mask hides the cell),
    max-pooled to at most max_side cells a side (the grid scales it up unblurred)."""
    pictures = []
    for index, module in enumerate(trace.attention_modules()):
        patterns = to_numpy(trace.pattern(module))  # [head, query, key]
        block = max(1, math.ceil(max(patterns.shape[1:]) / max_side))
        pooled = max_pool(patterns, block)
        mask = trace.tensors.get(f"{module}.hook_mask")
        masked = None if mask is None else hidden_blocks(to_numpy(mask), block)
        values = np.sqrt(pooled) if block > 1 else pooled  # long prompts: sqrt, as in their heatmaps
        levels = to_levels(values, None if masked is None else np.broadcast_to(masked, values.shape))
        for head in range(patterns.shape[0]):
            pictures.append({"module": module, "module_index": index, "module_title": module_title(module), "head": head,
                             "block": block, "selected": selected == (module, head), "levels": levels[head]})
    return pictures


def grid_panel_px(n_heads: int) -> int:
    """A panel's side in the grid of heads: 120 px, smaller when many heads share a row, so that
    the row still fits the page beside its layer titles (8 heads: 90 px)."""
    return max(60, min(120, 720 // max(n_heads, 1)))


def grid_data(pictures: list[dict], panel_px: int | None = None) -> dict:
    """The grid of every head (see grid_pictures) as plain data for its component
    (app_pages/page_components.py): one row per attention module, one column per head.
    Each panel's ``pixels`` are its levels as base64, ``shape`` [rows, cols]; ``palette`` gives
    every level's colour."""
    order = sorted({p["module_index"] for p in pictures})
    titles = {p["module_index"]: p["module_title"] for p in pictures}
    n_cols = max((p["head"] for p in pictures), default=-1) + 1
    panel_px = panel_px or grid_panel_px(n_cols)
    panels = [{"row": order.index(p["module_index"]), "col": p["head"], "module": p["module"], "head": p["head"],
               "title": f"{p['module_title']}, head {p['head'] + 1}", "pixels": levels_base64(p["levels"]),
               "shape": list(p["levels"].shape), "selected": p["selected"]}
              for p in pictures]
    return {"rows": [titles[i] for i in order], "cols": [f"head {h + 1}" for h in range(n_cols)], "panels": panels,
            "panel_px": panel_px, "highlight": HIGHLIGHT, "palette": list(palette())}


# --- one query's arithmetic ------------------------------------------------------------------


def arithmetic_table(trace: Trace, module: str, head: int, query_pos: int) -> pd.DataFrame:
    """One row per key: key vector, q·k, ÷√d, (+ distance bias,) + mask, score, softmax, value
    vector, % × value.

    Every number is read from the trace (hook_k, hook_dots, hook_scaled, hook_distance_bias in a
    local layer that learns one, hook_mask, hook_attn_scores, hook_pattern, hook_v); only "% ×
    value" is the product shown in the lesson, and its column sums to the head's output,
    hook_z[query, head].
    """
    bias = f"{module}.hook_distance_bias"
    k = to_numpy(trace[f"{module}.hook_k"][:, head])  # [key, d_head]
    v = to_numpy(trace[f"{module}.hook_v"][:, head])
    pattern = to_numpy(trace[f"{module}.hook_pattern"][head, query_pos])
    tokens = trace.key_tokens(module)
    return pd.DataFrame({
        "key_pos": np.arange(len(tokens)),
        "key_token": tokens,
        "key_label": labels(tokens),
        "key": list(k),
        "dot": to_numpy(trace[f"{module}.hook_dots"][head, query_pos]),
        "scaled": to_numpy(trace[f"{module}.hook_scaled"][head, query_pos]),
        **({"bias": to_numpy(trace[bias][head, query_pos])} if bias in trace else {}),
        "mask": to_numpy(trace[f"{module}.hook_mask"][query_pos]),
        "score": to_numpy(trace[f"{module}.hook_attn_scores"][head, query_pos]),
        "softmax": pattern,
        "value": list(v),
        "weighted": list(pattern[:, None] * v),
    })


def fmt_vector(values, digits: int = 3, limit: int = 6) -> str:
    """[0.123, -3.400] (the first numbers and "…" when it is long)."""
    return fmt_vectors(np.asarray(values, dtype=float).reshape(1, -1), digits, limit)[0]


def fmt_vectors(rows, digits: int = 3, limit: int = 6) -> list[str]:
    """fmt_vector of each row of a [n, d] array, in one pass: the step-by-step table writes three
    vectors for every key on every keystroke, and one call per vector took 2.8 ms at 32 keys."""
    matrix = np.asarray(rows, dtype=float)
    more = ", …" if matrix.shape[1] > limit else ""
    return ["[" + ", ".join(rounded(x, digits) for x in row) + more + "]" for row in matrix[:, :limit].tolist()]


def rounded(x: float, digits: int) -> str:
    """x to ``digits`` decimals, without the "-0.000" of tiny negatives."""
    text = f"{float(x):.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def fmt_mask(x: float) -> str:
    return "-∞" if np.isneginf(x) else f"{x:g}"


def arithmetic_display(table: pd.DataFrame, d_head: int, digits: int = 3, vector_digits: int = 2) -> dict[str, list]:
    """The table as the lesson writes it: rounded vectors, "-∞" for the mask, percentages, as
    columns by name (plain lists: this runs on every keystroke, and a DataFrame of these text
    columns cost 6 ms more a rerun than the lists).

    Long vectors show their first 3 numbers (all of them are in arithmetic_exact); the masked
    score (hook_attn_scores, ÷√d plus the bias and the mask) is there too.
    """
    limit = d_head if d_head <= 4 else 3

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
    stacked = np.stack(vectors)
    return {f"{name}[{i}]": stacked[:, i] for i in range(stacked.shape[1])}


def arithmetic_exact(table: pd.DataFrame) -> pd.DataFrame:
    """Every number at full precision, one column per vector component (the CSV download)."""
    return pd.DataFrame({
        "key_pos": table["key_pos"], "key_token": table["key_token"], **_spread("key", table["key"]),
        "dot": table["dot"], "scaled": table["scaled"], **({"distance_bias": table["bias"]} if "bias" in table else {}),
        "mask": table["mask"], "score": table["score"],
        "softmax": table["softmax"], **_spread("value", table["value"]), **_spread("weighted", table["weighted"]),
    })


def attention_input_name(module: str, norm: str = "none") -> str:
    """What the attention reads: with pre-norm the normalized stream, else the stream itself
    (with post-norm the layer norm runs after the residual sum)."""
    block, kind = module.rsplit(".", 1)
    if norm == "pre":
        return f"{block}.ln1.hook_normalized" if kind == "attn" else f"{block}.ln_cross.hook_normalized"
    return f"{block}.hook_resid_pre" if kind == "attn" else f"{block}.hook_resid_mid"


def query_frame(trace: Trace, module: str, head: int, query_pos: int, norm: str = "none") -> pd.DataFrame:
    """The query word's input numbers and its query vector (= W_Q × input), from the trace."""
    name = attention_input_name(module, norm)
    return pd.DataFrame({
        "step": ["input numbers", f"query (head {head + 1})"],
        "trace name": [name, f"{module}.hook_q"],
        "vector": [to_numpy(trace[name][query_pos]), to_numpy(trace[f"{module}.hook_q"][query_pos, head])],
    })


def residual_frame(trace: Trace, module: str, query_pos: int, norm: str = "none") -> pd.DataFrame:
    """The residual connection for one word: stream in + attention output = stream out.

    With norm == "post" the trace's stream out is the normalized sum, so the plain sum gets
    its own row before it.
    """
    block, kind = module.rsplit(".", 1)
    stream_in = f"{block}.hook_resid_pre" if kind == "attn" else f"{block}.hook_resid_mid"
    out = f"{block}.hook_attn_out" if kind == "attn" else f"{block}.hook_cross_attn_out"
    stream_out = f"{block}.hook_resid_mid" if kind == "attn" else f"{block}.hook_resid_mid_cross"
    a, b = to_numpy(trace[stream_in][query_pos]), to_numpy(trace[out][query_pos])
    rows = [("residual stream in", stream_in, a), ("+ attention output (all heads)", out, b)]
    if norm == "post":
        rows += [("= sum", "", a + b), ("→ layer norm (post-norm)", stream_out, to_numpy(trace[stream_out][query_pos]))]
    else:
        rows += [("= stream out", stream_out, to_numpy(trace[stream_out][query_pos]))]
    return pd.DataFrame({"step": [r[0] for r in rows], "trace name": [r[1] for r in rows], "vector": [r[2] for r in rows]})


def vectors_display(frame: pd.DataFrame, digits: int = 3, limit: int = 8) -> pd.DataFrame:
    return frame.assign(vector=[fmt_vector(v, digits, limit) for v in frame["vector"]])
