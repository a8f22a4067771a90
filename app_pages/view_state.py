"""View pickers shared by the attention pages: layer, head and query token, bound to the URL.

Why shared: the Attention and Causal-mask pages show the same head; one set of keys
("layer", "head", "query") means the choice carries from page to page and into a copied link.
"""

from __future__ import annotations

import streamlit as st

from model.trace import Trace
from viz.attention import module_title, n_heads
from viz.common import token_labels
from viz.windows import position_window


def _valid(key: str, options: list) -> None:
    """Drop a remembered choice the current trace no longer has (another model, a shorter prompt)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def fit_width(labels) -> int:
    """A picker's px for its longest option: padding and arrow, 6 px a character of 14 px type, at most 320.
    (An equal share of a row of pickers cut "Masked self-attention, layer 1" to "..., layer".)"""
    return min(320, 58 + 6 * max((len(label) for label in labels), default=0))


def pick_module(trace: Trace, modules: list[str] | None = None, label: str = "Attention") -> str:
    modules = modules or trace.attention_modules()
    _valid("layer", modules)
    return st.selectbox(label, modules, format_func=module_title, key="layer", bind="query-params",
                        width=fit_width(map(module_title, modules)))


ONLY_HEAD = "head 1 (only one)"


def pick_head(trace: Trace, module: str) -> int:
    heads = list(range(n_heads(trace, module)))
    _valid("head", heads)
    if len(heads) == 1:
        st.selectbox("Head", heads, format_func=lambda h: ONLY_HEAD, key="head", bind="query-params", disabled=True,
                     width=fit_width([ONLY_HEAD]))
        return 0
    return st.selectbox("Head", heads, format_func=lambda h: f"head {h + 1}", key="head", bind="query-params",
                        width=fit_width([f"head {len(heads)}", "Head"]))


LAST = -1  # "the last word": the default, so the arithmetic follows the word being typed
# Its label names no word: a label that changed with every keystroke was sometimes left showing
# an earlier word (e.g. "1: <EOS>" beside "Step by step for query word 3: <EOS>") when the
# browser was busy; the page's heading below the picker names the word.
LAST_LABEL = "the last word (the newest)"  # typed or generated: "follows your typing" was wrong for generated words


def pick_query(trace: Trace, module: str) -> int:
    tokens = trace.query_tokens(module)
    labels = token_labels(tokens)
    options = [LAST, *range(len(tokens))]
    _valid("query", options)
    choice = st.selectbox("Query word", options, format_func=lambda i: LAST_LABEL if i == LAST else labels[i],
                          key="query", bind="query-params", help="The word whose attention is worked out step by step.",
                          width=fit_width([LAST_LABEL, *labels]))
    return len(tokens) - 1 if choice == LAST else choice


def pick_side(bundle, side_title) -> str:
    """A translator has two stacks, each with its own words and positions: input (encoder) and output (decoder)."""
    if not bundle.is_translator:
        return "decoder"
    return st.segmented_control("Show", ["encoder", "decoder"], default="encoder", key="side", bind="query-params",
                                format_func=side_title, required=True) or "encoder"


def clamp_state(key: str, lo: int, hi: int) -> None:
    """A remembered value outside the current range (another model, a shorter prompt) is brought back inside."""
    if key in st.session_state and not lo <= st.session_state[key] <= hi:
        st.session_state[key] = min(max(st.session_state[key], lo), hi)


def pick_position_window(n: int, d: int, key: str, max_rows: int) -> tuple[int, int]:
    """Positions to draw: all of them, or a window the user slides when the prompt is long."""
    lo, hi = position_window(n, d, 0, max_rows=max_rows)
    if hi - lo >= n:
        return 0, n
    size = hi - lo
    clamp_state(key, 0, n - size)
    start = st.slider(f"First position shown ({size} at a time)", 0, n - size, key=key)
    return position_window(n, d, start, max_rows=max_rows)
