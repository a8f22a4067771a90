"""Positional encoding: the sine and cosine squiggles that give every position its own numbers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import cache, shared
from app_pages.view_state import clamp_state, pick_position_window, pick_side
from model.names import act_name
from viz.sides import side_stack, side_title, side_tokens
from viz.windows import position_window
from viz.positional import (
    MAX_SQUIGGLES, curves_frame, default_dims, distance_bias_frame, distance_bias_heatmap, encoding_heatmap,
    encoding_panel, formula_matrix_frame, formula_table, learned_curves_frame, points_frame, similarity_frame,
    similarity_panel, squiggles_chart, wavelength_chart, wavelength_frame,
)
from viz.rope import angle_frame, angle_heatmap, distance_chart, distance_frame
from viz.spec import SpecChart

MAX_WINDOW = 48  # positions drawn at once: squiggle dots and a similarity heatmap stay readable

shared.page_header(
    "Positional encoding: where each word sits",
    "Word embeddings alone don't say where a word is: \"Squatch eats pizza\" and \"Pizza eats Squatch\" would get the "
    "same numbers. So each embedding number gets a value added, read off a sine or cosine squiggle at the word's "
    "position: dimension 1 uses a sine, dimension 2 a cosine, and later dimensions use ever wider squiggles, so every "
    "position gets its own combination of numbers."
)
st.latex(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right) \qquad "
         r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right)")

ctx = shared.page_context()


def pick_dims(d_model: int, key: str) -> list[int]:
    """Every dimension for small models; a choice of up to 8 (quick and wide squiggles first) otherwise."""
    if d_model <= MAX_SQUIGGLES:
        return list(range(d_model))
    kwargs = {}
    if key in st.session_state:
        kept = [j for j in st.session_state[key] if 0 <= j < d_model]
        if kept != list(st.session_state[key]):
            st.session_state[key] = kept or default_dims(d_model)
    else:
        kwargs["default"] = default_dims(d_model)
    chosen = st.multiselect("Dimensions to draw", list(range(d_model)), format_func=lambda j: f"dim {j + 1}", key=key,
                            max_selections=MAX_SQUIGGLES, bind="query-params", **kwargs)
    return sorted(chosen) or default_dims(d_model)[:2]


@st.fragment
def positional_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    side = pick_side(bundle, side_title)
    stack, tokens = side_stack(bundle, side), side_tokens(trace, side)
    pe = trace["pos_embed", None, stack]
    d_model = pe.shape[1]
    learned = bundle.config.positional == "learned"
    if learned:
        st.info("This model learned its own position table instead of using the sine and cosine squiggles: below are "
                "its learned numbers, read from the trace. The formula's squiggles are under Explore, for comparison.",
                icon=":material/school:")
    left, right = st.columns([3, 2], gap="large")
    with left:
        shown = position_window(len(tokens), d_model, 0, max_rows=MAX_WINDOW)
        if shown[1] - shown[0] >= len(tokens):  # every position fits: no slider, the chosen dimensions get the row
            dims, (lo, hi) = pick_dims(d_model, "pe_dims"), (0, len(tokens))
        else:
            controls = st.columns(2)
            with controls[0]:
                dims = pick_dims(d_model, "pe_dims")
            with controls[1]:
                lo, hi = pick_position_window(len(tokens), d_model, "pe_start", MAX_WINDOW)
        if learned:
            curves = learned_curves_frame(pe[:hi], dims, lo)
        else:
            curves = curves_frame(d_model, hi, dims, start=lo)
        points = points_frame(pe, tokens, dims, d_model, lo, hi, learned=learned)
        shared.chart_with_csv(squiggles_chart(curves, points), points, f"positional-squiggles-{side}", "squiggles", stretch=True)
        st.caption(("Each row is one embedding dimension: the line is its learned value at each position. " if learned else
                    "Each row is one embedding dimension: the line is its squiggle, drawn for every position in between. ")
                   + f"Red dots: the value each word of your prompt gets there (`{act_name('pos_embed', stack=stack)}` in the trace); "
                   "hover for the exact number.")
    with right:
        shared.place_heatmap(encoding_panel(pe, tokens, lo, hi, side, learned))
        shared.place_heatmap(similarity_panel(similarity_frame(pe, tokens, lo, hi), side, learned))


@st.fragment
def rope_view(ctx: shared.PageContext) -> None:
    """A RoPE model (Llama, Qwen2) adds no position numbers: it turns q and k inside attention."""
    bundle, trace = ctx.bundle, ctx.trace
    tokens, cfg = trace.tokens, bundle.config
    rotary = bundle.model.blocks[0].attn.rotary
    st.subheader("This model turns queries and keys instead (RoPE)")
    shared.explain("This model adds nothing to the word embeddings. Inside attention it turns each pair of numbers of a "
                   "query and of a key by an angle that grows with the word's position (a quick turn for the first pair, "
                   "ever slower ones after), so q.k depends only on how far apart the two words are, not on where they sit.")
    st.latex(r"\theta_{pos,\,i} = pos \cdot \text{base}^{-2i/d_{head}} \qquad \text{base} = " + f"{cfg.rope_theta:g}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        lo, hi = 0, len(tokens)
        if len(tokens) > MAX_WINDOW:
            lo, hi = pick_position_window(len(tokens), cfg.d_head // 2, "pe_start", MAX_WINDOW)
        frame = angle_frame(rotary, tokens, lo, hi)
        shared.chart_with_csv(angle_heatmap(frame), frame, "rope-angles", "rope-angles", stretch=True)
        st.caption("Each column is one pair of a head's query and key numbers; the colour is how far that pair is turned "
                   "at the word's position, within one full turn (hover for the total). The first pairs spin quickly, "
                   "like the lesson's narrow squiggles; the last ones barely move.")
    with right:
        q, k = trace["q", 0][-1, 0], trace["k", 0][0, 0]
        dist = distance_frame(rotary, q, k, max_distance=min(64, max(cfg.max_len - 1, 1)))
        shared.chart_with_csv(distance_chart(dist), dist, "rope-distance", "rope-distance", stretch=True)
        st.caption(f"Layer 1, head 1: the query of the last word ({act_name('q', 0)}) and the key of the first "
                   f"({act_name('k', 0)}), placed at three far-apart positions. The three lines coincide: after turning, "
                   "q.k depends only on the distance between the two words.")


@cache.per_model()
def distance_bias_charts(bundle) -> list[tuple[int, pd.DataFrame, SpecChart]]:
    """(layer, biases, heatmap) of each local layer that learns a distance bias. The biases are
    weights, the same for every prompt: made once per model."""
    blocks = bundle.model.decoder.blocks if bundle.is_translator else bundle.model.blocks
    charts = []
    for layer, block in enumerate(blocks):
        if block.attn.distance_bias is not None:
            frame = distance_bias_frame(block.attn.distance_bias.detach(), layer)
            charts.append((layer, frame, distance_bias_heatmap(frame)))
    return charts


def distance_biases(ctx: shared.PageContext) -> None:
    """A local layer's second source of position: one learned number per head and distance back."""
    charts = distance_bias_charts(ctx.key.model)
    if not charts:
        return
    window = ctx.bundle.config.local_window
    st.subheader("Position inside attention: the distance bias")
    shared.explain(f"This model's first {'layer sees' if len(charts) == 1 else f'{len(charts)} layers see'} only the last "
                   f"{window} words, and each of its heads learned one more number per distance back, added to every score "
                   "before the softmax (T5's relative positions). A head with a large number at \"1 back\" looks at the "
                   "word just before: a previous-token head. The Attention page shows these numbers in the step-by-step "
                   "table.")
    for layer, frame, chart in charts:
        shared.chart_with_csv(chart, frame, f"distance-bias-layer{layer + 1}", f"dist-bias-{layer}")


@st.fragment
def explore(tokens: list[str], model_d: int) -> None:
    """The formula for any size, independent of the loaded model: see the later, wider squiggles.

    ``tokens``: the prompt's words, to mark where they would sit.
    """
    st.subheader("Explore: the squiggles for any number of dimensions")
    shared.explain("The lessons' models have 2 numbers per word, so they only use the first sine and cosine. Bigger models "
                   "have more dimensions, and each later pair of dimensions uses a wider squiggle.")
    top = max(128, model_d)
    clamp_state("pe_d_model", 2, top)
    clamp_state("pe_positions", 2, 512)
    controls = st.columns(3)
    with controls[0]:
        d = st.slider("Numbers per word (d_model)", 2, top, value=None if "pe_d_model" in st.session_state else max(model_d, 2),
                      key="pe_d_model", bind="query-params")
    with controls[1]:
        n = st.slider("Positions", 2, 512, value=None if "pe_positions" in st.session_state else 32, key="pe_positions",
                      bind="query-params")
    with controls[2]:
        dims = pick_dims(d, "pe_explore_dims")
    left, right = st.columns([3, 2], gap="large")
    with left:
        shown = min(len(tokens), n)
        points = points_frame(formula_table(shown, d), tokens, dims, d, 0, shown)
        curves = curves_frame(d, n, dims)
        shared.chart_with_csv(squiggles_chart(curves, points), curves, f"squiggles-d{d}", "explore-squiggles",
                              stretch=True)
        st.caption("Red dots: where your prompt's words would sit with this many dimensions.")
    with right:
        rows = max(2, min(n, 4000 // d))
        frame = formula_matrix_frame(rows, d)
        shared.chart_with_csv(encoding_heatmap(frame, f"The formula: {rows} positions x {d} dimensions", y_title="position"),
                              frame, f"positional-encoding-d{d}", "explore-matrix", stretch=True)
        if rows < n:
            st.caption(f"The first {rows} positions, to keep the heatmap readable; the CSV holds the same.")
        waves = wavelength_frame(d)
        shared.chart_with_csv(wavelength_chart(waves), waves, f"positional-wavelengths-d{d}", "explore-waves", stretch=True)


if ctx and ctx.bundle.config.positional == "rope":
    rope_view(ctx)
elif ctx:
    positional_view(ctx)
    distance_biases(ctx)
    # Off by default: drawn only on request, so typing in the prompt stays quick on this page.
    if st.toggle("Explore the squiggles for any number of dimensions", key="pe_explore", bind="query-params"):
        explore(ctx.trace.src_tokens or ctx.trace.tokens, ctx.bundle.config.d_model)
