"""Embeddings: each word becomes a small list of learned numbers; its position moves it."""

from __future__ import annotations

import streamlit as st

from app_pages import shared
from viz.common import heatmap
from viz.embeddings import embedding_plane_chart, position_arrows_frame, prompt_embedding_frame, side_tokens, stack_prefix, vocabulary_frame

st.header("Word embeddings: words become numbers")
shared.explain(
    "Each word of the vocabulary has its own learned numbers (the lessons use 2 per word, so every word is a point "
    "on a plane). The same word always gets the same numbers. Then the positional encoding is added: the red "
    "arrows show each word of your prompt moving from its embedding to its position-encoded point, so the same "
    "word at two positions ends up in two places."
)

ctx = shared.page_context()


@st.fragment
def embeddings_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    side = "decoder"
    if bundle.is_translator:
        side = st.segmented_control("Words of", ["encoder", "decoder"], default="encoder", key="side", bind="query-params",
                                    format_func=lambda s: "the input (encoder)" if s == "encoder" else "the output (decoder)",
                                    required=True) or "encoder"
    prefix, tokens = stack_prefix(bundle, side), side_tokens(trace, side)
    left, right = st.columns([2, 3], gap="large")
    with left:
        frame = prompt_embedding_frame(trace, prefix, tokens)
        d = bundle.config.d_model
        chart = heatmap(frame, title="Your prompt's word embeddings", x_title="embedding number", y_title="word",
                        value_title="value", diverging=True, cell=44 if d <= 8 else 10, text=d <= 8)
        shared.chart_with_csv(chart, frame, f"embeddings-{side}", "embed", stretch=d > 8)
        st.caption(f"{len(tokens)} words x {d} numbers, from the trace (`{prefix}hook_embed`). Hover for the exact values.")
    with right:
        vocab, projection = vocabulary_frame(bundle, side, tokens)
        arrows = position_arrows_frame(trace, prefix, tokens, projection)
        what = "the raw 2 numbers" if d == 2 else "a PCA projection of the embeddings"
        chart = embedding_plane_chart(vocab, arrows, projection.axis_titles, f"The whole vocabulary ({len(vocab)} words), {what}")
        shared.chart_with_csv(chart, arrows, f"embedding-plane-{side}", "plane", stretch=True)
        st.caption("Grey: vocabulary words not in the prompt. Red triangles: each prompt word after adding its positional "
                   "encoding (the input of the first block). Drag to pan, scroll to zoom.")


if ctx:
    embeddings_view(ctx)
