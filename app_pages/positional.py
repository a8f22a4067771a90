"""Positional encoding: the sine and cosine squiggles that give every position its own numbers."""

from __future__ import annotations

import streamlit as st

from app_pages import shared
from model.layers import sinusoidal_encoding
from viz.common import heatmap
from viz.embeddings import side_tokens, stack_prefix
from viz.positional import curves_frame, encoding_matrix_frame, points_frame, similarity_frame, squiggles_chart

st.header("Positional encoding: where each word sits")
shared.explain(
    "Word embeddings alone don't say where a word is: \"Squatch eats pizza\" and \"Pizza eats Squatch\" would look "
    "the same. So a value from a sine or cosine squiggle is added to each embedding number. The first numbers use "
    "quick squiggles, later numbers ever wider ones, so every position gets a unique combination."
)
st.latex(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right) \qquad PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right)")

ctx = shared.page_context()


@st.fragment
def positional_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    side = "decoder"
    if bundle.is_translator:
        side = st.segmented_control("Words of", ["encoder", "decoder"], default="encoder", key="side", bind="query-params",
                                    format_func=lambda s: "the input (encoder)" if s == "encoder" else "the output (decoder)",
                                    required=True) or "encoder"
    prefix, tokens = stack_prefix(bundle, side), side_tokens(trace, side)
    pe = trace[f"{prefix}hook_pos_embed"]
    d_model = bundle.config.d_model
    learned = bundle.config.positional == "learned"
    left, right = st.columns([3, 2], gap="large")
    with left:
        if learned:
            st.info("This model learned its own position table instead of using the squiggles: the curves below show "
                    "the formula for comparison; the heatmap on the right is the model's learned table.", icon=":material/school:")
        max_dims = min(d_model, 8)
        dims = list(range(max_dims))
        if d_model > 8:
            dims = st.multiselect("Dimensions to draw", list(range(d_model)), default=[0, 1, 2, 3, d_model - 2, d_model - 1],
                                  format_func=lambda j: f"dim {j + 1}", key="pe_dims", max_selections=8) or [0, 1]
        shown_pe = sinusoidal_encoding(len(tokens), d_model) if learned else pe
        curves = curves_frame(d_model, max(len(tokens), 4), dims)
        points = points_frame(shown_pe, tokens, dims, d_model)
        shared.chart_with_csv(squiggles_chart(curves, points), points, f"positional-squiggles-{side}", "squiggles", stretch=True)
        st.caption("Red dots: the value each word of your prompt gets in that dimension (hover for the word).")
    with right:
        frame = encoding_matrix_frame(pe, tokens)
        title = "The model's learned position table" if learned else "The encoding added to each word"
        shared.chart_with_csv(heatmap(frame, title=title, x_title="embedding number", y_title="word (position)", diverging=True,
                                      cell=40 if d_model <= 8 else 8, text=d_model <= 8 and len(tokens) <= 12),
                              frame, f"positional-matrix-{side}", "pe-matrix", stretch=True)
        sim = similarity_frame(pe, tokens)
        shared.chart_with_csv(heatmap(sim, title="How alike two positions are (dot product)", x_title="position", y_title="position",
                                      cell=34 if len(tokens) <= 12 else 8),
                              sim, f"positional-similarity-{side}", "pe-sim", stretch=True)

    with st.expander("Explore: the squiggles for another number of dimensions", expanded=False):
        d = st.slider("Numbers per word (d_model)", 2, 128, max(d_model, 4), 2, key="pe_d_model", bind="query-params")
        n = st.slider("Positions", 2, 128, 16, key="pe_positions")
        explore = sinusoidal_encoding(n, d)
        labels = [str(i) for i in range(n)]
        st.altair_chart(heatmap(encoding_matrix_frame(explore, labels), title=f"Positional encoding, {n} positions x {d} numbers",
                                x_title="embedding number", y_title="position", diverging=True, cell=6, text=False), width="stretch")
        dims = sorted({0, 1, 2, 3, d - 2, d - 1})
        st.altair_chart(squiggles_chart(curves_frame(d, n, dims), points_frame(explore, labels, dims, d), height_each=60), width="stretch")


if ctx:
    positional_view(ctx)
