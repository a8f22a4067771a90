"""Embeddings: each word becomes a small list of learned numbers; its position then moves it."""

from __future__ import annotations

import streamlit as st

from app_pages import lesson_numbers, shared
from app_pages.view_state import pick_position_window, pick_side
from model.names import act_name
from viz.embeddings import (
    embedding_panel, embedding_plane_chart, plane_summary, position_arrows_frame,
    prompt_embedding_frame, prompt_embedding_table, vocabulary_frame,
)
from viz.sides import side_stack, side_title, side_tokens

MAX_ARROWS = 60  # more arrows than this turn the plane into a scribble: window them with the heatmap

shared.page_header(
    "Word embeddings: words become numbers",
    "Each word of the vocabulary has its own learned numbers, its word embedding (the lessons use 2 numbers per word, "
    "so every word is a point on a plane). The same word always gets the same numbers, wherever it stands. Then the "
    "positional encoding is added, and the red arrows show each word of your prompt moving from its embedding to its "
    "position-encoded point: the same word at two positions ends up at two different points, which is how "
    "\"Squatch eats pizza\" and \"Pizza eats Squatch\" stay different."
)

ctx = shared.page_context()


@st.fragment
def embeddings_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    side = pick_side(bundle, side_title)
    stack, tokens = side_stack(bundle, side), side_tokens(trace, side)
    d = bundle.config.d_model
    lo, hi = pick_position_window(len(tokens), d, "emb_start", MAX_ARROWS)
    left, right = st.columns([2, 3], gap="large")
    with left:
        frame = prompt_embedding_frame(trace, stack, tokens, lo, hi)
        # the decoder reads the words it wrote, not the user's prompt
        titled = {"title": "The output words' embeddings (the decoder's input)"} if side == "decoder" and bundle.is_translator else {}
        shared.place_heatmap(embedding_panel(frame, side, **titled))
        st.caption(f"{len(tokens)} words x {d} numbers, read from the trace (`{act_name('embed', stack=stack)}`). Hover for exact values."
                   + (f" Positions {lo} to {hi - 1} shown." if hi - lo < len(tokens) else ""))
        table = prompt_embedding_table(trace, stack, tokens)
        st.dataframe(table, height=min(38 + 35 * len(tokens), 250),  # one number of decimals for the whole table
                     column_config={c: st.column_config.NumberColumn(format="%.4f") for c in table.columns})
    with right:
        vocab, projection = vocabulary_frame(bundle, side, tokens)
        arrows = position_arrows_frame(trace, stack, tokens, projection, lo, hi)
        what = "their 2 numbers" if not projection.is_pca else "a PCA projection"
        chart = embedding_plane_chart(vocab, arrows, projection.axis_titles,
                                      f"The whole vocabulary ({len(vocab)} words) on a plane: {what}",
                                      short_titles=projection.short_titles)
        shared.chart_with_csv(chart, arrows, f"embedding-plane-{side}", "plane")
        st.caption(plane_summary(projection, len(vocab)) + " :red[Red arrows] go from each prompt "
                   f"word's embedding to the same word plus its positional encoding (`{act_name('resid_pre', 0, stack)}`, the "
                   "input of the first block). Type one word twice to see two arrows leave the same point and end at two "
                   "different ones. Drag to pan, scroll to zoom, double-click to reset.")
    lesson_numbers.encoded_vectors(ctx, side, stack, tokens)


if ctx:
    embeddings_view(ctx)
