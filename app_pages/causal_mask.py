"""Causal mask: how adding -∞ to the scores of later words stops a word from looking ahead.

The page only places things: every panel, number and sentence comes from viz.mask_views;
"Show without the mask" asks for the same prompt under RunOptions(causal=False) through
ctx.run, a cached trace of its own.
"""

from __future__ import annotations

import streamlit as st

from app_pages import shared, window_link
from app_pages.view_state import pick_head, pick_module, pick_query
from model import names
from model.trace import RunOptions
from viz import attention as va
from viz import mask_views as mv
from viz import windows
from viz.common import token_labels
from viz.views import Panel

shared.page_header(mv.TITLE, mv.LESSON)

ctx = shared.page_context()


def diagonal_window_slider(trace, module: str, query: int) -> windows.Window | None:
    """One slider moving a square window along the diagonal, where the mask's edge runs; it
    moves to the query word when that word is chosen outside it."""
    n_q, n_k = trace.pattern(module).shape[1:]
    if not windows.needs_window(n_q, n_k):
        return None
    options = list(range(0, n_q - min(windows.WINDOW, n_q) + 1))
    window_link.read_once(st.session_state, st.query_params)
    start = st.session_state.get("qstart")
    if start in options:  # a window from the URL or another page: keep it until the query changes
        st.session_state.setdefault("_mask_followed", (module, query))
    if st.session_state.get("_mask_followed") != (module, query) or start not in options:
        st.session_state["_mask_followed"] = (module, query)
        current = windows.window_at(n_q, n_k, start, start) if start in options else None
        followed = windows.window_for_query(n_q, n_k, query, "square", current).q0
        if followed != start:
            window_link.forget(st.query_params)
        st.session_state["qstart"] = followed
    start = window_link.window_slider("Window from", options, token_labels(trace.query_tokens(module)), "qstart",
                                      help=f"Long prompts are drawn {windows.WINDOW} words at a time.")
    return windows.window_at(n_q, n_k, start, start)


def stage_grid(grid: mv.StageGrid) -> None:
    row = grid.widths
    columns = st.columns(row)[:grid.per_row] if grid.per_row == 4 else [*st.columns(row)[:2], *st.columns(row)[:2]]
    for column, panel in zip(columns, grid.panels):
        with column:
            shared.place_heatmap(panel, pick=True)


def without_mask(ctx: shared.PageContext, module: str, head: int, window: windows.Window | None) -> None:
    st.subheader("The same prompt without the mask")
    note, panels = mv.without_mask_view(ctx.trace, ctx.run(RunOptions(causal=False)), ctx.bundle.config, module, head, window)
    shared.note(note)
    for column, panel in zip(st.columns(len(panels)), panels):
        with column:
            shared.place_heatmap(panel)


def encoder_contrast(trace, module: str, head: int, unmasked_shown: bool) -> None:
    contrast = mv.encoder_contrast(trace, module, head, unmasked_shown)
    if not isinstance(contrast, Panel):
        st.info(contrast, icon=":material/info:")
        return
    st.subheader("For contrast: the encoder is not masked")
    shared.note(mv.ENCODER_NOTE)
    shared.place_heatmap(contrast)


def open_on_a_plain_layer(ctx: shared.PageContext, masked: list[str]) -> None:
    """Without a layer chosen (here, on another page or in the link), start on the first layer that
    sees every earlier word: the lesson's mask, not a local layer's band."""
    if "layer" in st.session_state or "layer" in st.query_params:
        return
    plain = [m for m in masked if not va.local_window(ctx.bundle.config, m)]
    if plain:
        st.session_state["layer"] = plain[0]


@st.fragment
def mask_view(ctx: shared.PageContext) -> None:
    trace = ctx.trace
    masked = [m for m in trace.attention_modules() if names.module_kind(m) == "masked"]
    c1, c2, c3, c4 = st.columns([4, 3, 3, 3], vertical_alignment="bottom")
    with c1:
        open_on_a_plain_layer(ctx, masked)
        module = pick_module(trace, masked, label="Masked self-attention")
    with c2:
        head = pick_head(trace, module)
    with c3:
        query = pick_query(trace, module)
    with c4:
        show_without = st.toggle("Show without the mask", key="nomask", bind="query-params",
                                 help="Run the same prompt with the causal mask removed, and compare.")
    window = diagonal_window_slider(trace, module, query)
    if local := mv.local_layer_note(trace, ctx.bundle.config, module):
        st.info(local, icon=":material/info:")
    stage_grid(mv.stage_grid(trace, ctx.bundle.config, module, head, query, window))
    shared.note(mv.looks_at_note(trace, module, query))
    if show_without:
        without_mask(ctx, module, head, window)
    encoder_contrast(trace, module, head, show_without)


if ctx:
    mask_view(ctx)
