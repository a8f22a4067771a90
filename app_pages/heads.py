"""Heads: what each attention head does, and what the model loses when a head is switched off."""

from __future__ import annotations

import streamlit as st

from app_pages import shared
from model.names import layer_of, module_kind
from model.evaluate import induction_scores
from model.trace import RunOptions
from viz.heads import ablation_chart, ablation_frame, head_score_chart, head_table

shared.page_header(
    "Heads: who does what, and what happens without them",
    "Heads in trained models often learn recognisable jobs. A previous-token head looks at the word just before; "
    "a first-token head parks its attention on the first word when it has nothing to do; a duplicate-token head "
    "looks at earlier copies of the current word; an induction head looks at the word that came after the previous "
    "copy of the current word, so the model can repeat a pattern. Switch heads off below and watch the next-word "
    "probabilities move: the heads are silenced for this run only, the model itself is never changed."
)

ctx = shared.page_context()


@st.cache_resource(max_entries=16, show_spinner="Scoring the heads on repeated random words...")
def cached_induction(path: str, mtime: float) -> dict:
    return induction_scores(shared.load_bundle(path, mtime))


KIND_WORDS = {"masked": "decoder", "encoder": "encoder", "cross": "enc-dec"}


def chip_label(option: str, kinds: bool) -> str:
    """"blocks.0.attn#2" -> "layer 1, head 3" (with the attention's kind in a translator): short, so
    that the picked chips show whole instead of "Masked self-attention, la…"."""
    module, head = option.split("#")
    kind = f"{KIND_WORDS[module_kind(module)]} " if kinds else ""
    return f"{kind}layer {layer_of(module) + 1}, head {int(head) + 1}"


@st.fragment
def heads_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    if not bundle.is_translator:
        ids = [bundle.tokenizer.id_of(t) for t in trace.tokens]
        table = head_table(trace, ids, cached_induction(ctx.path, ctx.mtime))
        shared.chart_with_csv(head_score_chart(table), table, "head-scores", "head-scores")
        st.caption("Previous-token, first-token and duplicate-token scores are measured on your prompt; induction on "
                   "random words repeated twice. A label is given at a score of 0.4 or more (0 = never, 1 = always).")
        with st.expander("Every head's scores as a table"):
            names = {"previous_token": "previous-token", "first_token": "first-token", "duplicate_token": "duplicate-token"}
            st.dataframe(table.drop(columns=["module"]).rename(columns=names), hide_index=True, column_config={
                k: st.column_config.NumberColumn(format="%.3f") for k in ("previous-token", "first-token", "duplicate-token", "induction")})
    else:
        st.caption("Head labels are computed for decoder-only models. In this translator you can still switch heads off "
                   "and watch the next Spanish word change. The decoder is reading:")
        st.code(" ".join(trace.tokens), language=None, wrap_lines=True)

    st.subheader("Switch heads off")
    modules = trace.attention_modules()
    options = [f"{m}#{h}" for m in modules for h in range(trace.pattern(m).shape[0])]
    label = lambda o: chip_label(o, len({module_kind(m) for m in modules}) > 1)  # noqa: E731
    c1, c2 = st.columns([3, 1])
    with c1:
        off = st.multiselect("Heads to switch off", options, format_func=label, key="off", bind="query-params",
                             placeholder="Pick one or more heads")
    with c2:
        mode = st.segmented_control("Replace its output by", ["zero", "mean"], default="zero", key="ablation",
                                    bind="query-params", required=True,
                                    help="zero: the head writes nothing; mean: it writes its average output over this prompt.") or "zero"
    if not off:
        st.info("Pick heads above to compare the next-word probabilities with and without them.", icon=":material/touch_app:")
        return
    ablate: dict[str, list[int]] = {}
    for o in off:
        module, head = o.split("#")
        ablate.setdefault(module, []).append(int(head))
    after = ctx.run(RunOptions.make(ablate=ablate, ablation=mode))
    frame = ablation_frame(trace.logits[-1], after.logits[-1], bundle.tokenizer.vocab)
    top_before, top_after = frame.iloc[0]["word"], frame.loc[frame["heads switched off"].idxmax(), "word"]
    left, right = st.columns([3, 2], gap="large")
    with left:
        shared.chart_with_csv(ablation_chart(frame, f"Next word after {trace.tokens[-1]!r}"), frame, "ablation", "ablation", stretch=True)
    with right:
        p_before = float(frame.iloc[0]["with all heads"])
        p_after = float(frame.iloc[0]["heads switched off"])
        st.metric(f"Probability of {shared.md_escape(repr(top_before))}", f"{p_after:.1%}", f"{(p_after - p_before) * 100:+.1f} points", border=True)
        if top_after != top_before:
            st.warning(f"Without these heads the top word changes to {shared.md_escape(repr(top_after))}.", icon=":material/swap_horiz:")
        st.caption("Every page keeps showing the model with all heads; this comparison runs the same prompt twice.")


if ctx:
    heads_view(ctx)
