"""Causal mask: how adding -inf to the scores of later words stops a word from looking ahead."""

from __future__ import annotations

import streamlit as st

from app_pages import shared
from app_pages.view_state import pick_head, pick_module
from model.trace import RunOptions
from viz.attention import attention_frame, attention_heatmap, module_title
from viz.mask import mask_stage_chart, mask_stage_frames

st.header("Causal mask: a word may only look back")
shared.explain(
    "In masked self-attention a word looks only at itself and the words before it. The model adds a mask to "
    "the scaled scores: 0 where a word may look, minus infinity (-∞) where it may not. Softmax turns -∞ into "
    "exactly 0%. That is what lets a decoder generate one word at a time: while training, a word can't peek "
    "at the answer it must predict."
)

ctx = shared.page_context()


@st.fragment
def mask_view(ctx: shared.PageContext) -> None:
    trace = ctx.trace
    masked_modules = [m for m in trace.attention_modules() if not m.startswith("encoder.") and ".cross_attn" not in m]
    c1, c2, c3 = st.columns([2, 1, 2])
    with c1:
        module = pick_module(trace, masked_modules, label="Masked self-attention")
    with c2:
        head = pick_head(trace, module)
    with c3:
        without = st.toggle("Show without the mask", key="nomask", bind="query-params",
                            help="Run the same prompt with the causal mask removed, and compare.")

    frames = mask_stage_frames(trace, module, head)
    cols = st.columns(4)
    titles = {"mask": "1. The mask", "scores": "2. Scores (q·k / √d)", "masked scores": "3. Scores + mask", "softmax": "4. Softmax %"}
    for col, (name, frame) in zip(cols, frames.items()):
        with col:
            chart = mask_stage_chart(frame, titles[name], fmt=".0f" if name in ("softmax", "mask") else ".2f", percent=name == "softmax")
            shared.chart_with_csv(chart, frame[["row", "col", "row_token", "col_token", "shown"]].rename(columns={"shown": name}),
                                  f"{name.replace(' ', '-')}-{module}-head{head + 1}", f"mask-{name}", stretch=True)

    if without:
        st.subheader("The same prompt without the mask")
        st.caption("Now every word also looks at the words after it: the upper-right triangle fills in, and every number "
                   "after the first layer changes. A normal Transformer's encoder works like this; its decoder cannot.")
        unmasked = ctx.run(RunOptions(causal=False))
        left, right = st.columns(2)
        with left:
            f = attention_frame(trace, module, head)
            st.altair_chart(attention_heatmap(f, f"With the mask: {module_title(module)}, head {head + 1}"), width="stretch")
        with right:
            g = attention_frame(unmasked, module, head)
            shared.chart_with_csv(attention_heatmap(g, "Without the mask"), g, f"no-mask-{module}-head{head + 1}", "nomask", stretch=True)

    encoder_modules = [m for m in trace.attention_modules() if m.startswith("encoder.")]
    if encoder_modules:
        st.subheader("For contrast: the encoder is not masked")
        st.caption("The encoder reads the whole input sentence at once, so every input word looks at every other one.")
        enc = encoder_modules[0]
        e = attention_frame(trace, enc, min(head, trace.pattern(enc).shape[0] - 1))
        shared.chart_with_csv(attention_heatmap(e, module_title(enc)), e, f"encoder-{enc}", "encoder")


if ctx:
    mask_view(ctx)
