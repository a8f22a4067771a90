"""Heads: what each attention head does, and what the model loses when a head is switched off.

The page only places things: the views and their sentences come from viz.heads_views.
"""

from __future__ import annotations

import streamlit as st

from app_pages import cache, shared
from model.evaluate import induction_scores
from model.names import module_kind
from model.trace import RunOptions
from viz import heads_views as hv

shared.page_header(hv.TITLE, hv.LESSON)

ctx = shared.page_context()
induction = cache.per_model(spinner="Scoring the heads on repeated random words...")(induction_scores)


@st.fragment
def heads_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    if not bundle.is_translator:
        scores = hv.head_scores(trace, [bundle.tokenizer.id_of(t) for t in trace.tokens], induction(ctx.key.model))
        shared.place_chart(scores.panel)
        with st.expander("Every head's scores as a table"):
            st.dataframe(scores.table, hide_index=True,
                         column_config={k: st.column_config.NumberColumn(format="%.3f") for k in hv.SCORE_COLUMNS})
    else:
        st.caption(hv.TRANSLATOR_NOTE)
        st.code(" ".join(trace.tokens), language=None, wrap_lines=True)

    st.subheader("Switch heads off")
    kinds = len({module_kind(m) for m in trace.attention_modules()}) > 1  # a translator's chips name the attention
    c1, c2 = st.columns([3, 1])
    with c1:
        off = st.multiselect("Heads to switch off", hv.head_options(trace), key="off", bind="query-params",
                             format_func=lambda o: hv.head_option_label(o, kinds), placeholder="Pick one or more heads")
    with c2:
        mode = st.segmented_control("Replace its output by", ["zero", "mean"], default="zero", key="ablation",
                                    bind="query-params", required=True,
                                    help="zero: the head writes nothing; mean: it writes its average output over this prompt.") or "zero"
    if not off:
        st.info("Pick heads above to compare the next-word probabilities with and without them.", icon=":material/touch_app:")
        return
    result = hv.ablation(trace, ctx.run(RunOptions.make(ablate=hv.ablated_heads(off), ablation=mode)), bundle.tokenizer.vocab)
    left, right = st.columns([3, 2], gap="large")
    with left:
        shared.place_chart(result.panel, stretch=True)
    with right:
        st.metric(f"Probability of {shared.md_escape(repr(result.word))}", f"{result.p_after:.1%}",
                  f"{(result.p_after - result.p_before) * 100:+.1f} points", border=True)
        if result.new_top is not None:
            st.warning(f"Without these heads the top word changes to {shared.md_escape(repr(result.new_top))}.", icon=":material/swap_horiz:")
        st.caption("Every page keeps showing the model with all heads; this comparison runs the same prompt twice.")


if ctx:
    heads_view(ctx)
