"""Next token: the probabilities of the next word, and generation one word at a time."""

from __future__ import annotations

import streamlit as st
import torch

from app_pages import shared
from model.generate import Sampling, choose, distribution, steps
from viz.next_token import generated_frame, next_token_chart, next_token_frame

st.header("Next token: what the model says next")
shared.explain(
    "The last word's numbers go through a fully connected layer that gives one score per word of the vocabulary; "
    "softmax turns the scores into probabilities. Greedy decoding takes the top word; sampling draws one, after "
    "temperature (below 1 sharpens, above 1 flattens), top-k (keep the k best) and top-p (keep the best words "
    "until their probabilities add up to p). The chosen word is appended and fed back in, until `<EOS>`."
)

ctx = shared.page_context()


def sampling_controls(vocab_size: int) -> Sampling:
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        temperature = st.slider("Temperature", 0.0, 2.0, 0.0, 0.05, key="temperature", bind="query-params",
                                help="0 = greedy: always the most likely word.")
    with c2:
        top_k = st.number_input("Top-k", 0, vocab_size, 0, key="top_k", bind="query-params", help="0 = keep every word.")
    with c3:
        top_p = st.slider("Top-p", 0.05, 1.0, 1.0, 0.05, key="top_p", bind="query-params", help="1 = keep every word.")
    with c4:
        seed = st.number_input("Seed", 0, 10_000, 0, key="seed", bind="query-params", help="Sampling is repeatable for a seed.")
    return Sampling(float(temperature), int(top_k), float(top_p), int(seed))


def set_continuation(ids: tuple[int, ...]) -> None:
    st.session_state["continuation"] = ids


def generation_state(ctx: shared.PageContext) -> tuple[tuple[int, ...], list[int], bool, str]:
    """(continuation, prompt ids, finished?, why) from the trace: no separate generation state."""
    bundle, trace = ctx.bundle, ctx.trace
    stream_ids = [bundle.tokenizer.id_of(t) for t in trace.tokens]
    continuation = tuple(stream_ids[trace.n_prompt:])
    prompt_ids = trace.encoding.ids
    if continuation and continuation[-1] == bundle.tokenizer.eos_id:
        return continuation, prompt_ids, True, "The model produced <EOS>: the answer is complete."
    if len(stream_ids) >= bundle.config.max_len:
        return continuation, prompt_ids, True, f"The model's maximum length ({bundle.config.max_len} tokens) is reached."
    return continuation, prompt_ids, False, ""


def sentence_markdown(tokens: list[str], n_prompt: int) -> str:
    parts = [shared.md_escape(t) if i < n_prompt else f":red[**{shared.md_escape(t)}**]" for i, t in enumerate(tokens)]
    return " ".join(parts)


def next_token_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    sampling = sampling_controls(len(bundle.tokenizer))
    continuation, prompt_ids, finished, why = generation_state(ctx)
    probs = distribution(trace.logits[-1], sampling)
    generator = torch.Generator().manual_seed(sampling.seed * 1_000_003 + len(continuation))
    chosen = choose(probs, sampling, generator)

    left, right = st.columns([1, 1], gap="large")
    with left:
        top = 20 if len(bundle.tokenizer) > 25 else 0
        frame = next_token_frame(trace.logits[-1], bundle.tokenizer.vocab, sampling, top=top, chosen=chosen)
        after = trace.tokens[-1]
        title = f"Next word after {after!r} (position {len(trace.tokens) - 1})"
        shared.chart_with_csv(next_token_chart(frame, title), frame, "next-token", "next", stretch=True)
        if top:
            st.caption(f"The {top} most likely of {len(bundle.tokenizer)} words. Faint bars: plain softmax; solid: what is sampled from; red: the chosen word.")
        else:
            st.caption("Faint bars: the plain softmax; solid bars: what is sampled from after the controls above; red: the chosen word.")
    with right:
        st.markdown("**The sentence so far** (generated words in red):")
        st.markdown(sentence_markdown(trace.tokens, trace.n_prompt))
        word = bundle.tokenizer.vocab[chosen]
        st.markdown(f"Chosen next word: :red[**{shared.md_escape(word)}**] ({float(probs[chosen]) * 100:.1f}%)")
        b1, b2, b3 = st.columns(3)
        b1.button("Add it", key="gen_next", disabled=finished, icon=":material/add:", type="primary",
                  on_click=set_continuation, args=(continuation + (chosen,),), help="Append the chosen word and run the model again.")
        if b2.button("To the end", key="gen_all", disabled=finished, icon=":material/fast_forward:"):
            rest = [s.token_id for s in steps(bundle, prompt_ids, sampling, start=continuation)]
            set_continuation(continuation + tuple(rest))
            st.rerun()
        b3.button("Reset", key="gen_reset", icon=":material/restart_alt:", on_click=set_continuation, args=((),),
                  disabled=not continuation and ctx.continuation is not None)
        if finished:
            st.success(why, icon=":material/check:")
        if bundle.is_translator and ctx.continuation is None:
            st.info("The other pages show the model's whole translation. Press Reset to start again from <EOS> and "
                    "generate it word by word.", icon=":material/translate:")
        history = generated_frame(trace.logits, [bundle.tokenizer.id_of(t) for t in trace.tokens], trace.tokens, trace.n_prompt)
        if len(history):
            st.markdown("**How likely each generated word was** (plain softmax when it was chosen):")
            st.dataframe(history, hide_index=True, column_config={
                "probability": st.column_config.ProgressColumn(format="%.3f", min_value=0.0, max_value=1.0)})
        st.caption(f"Every page now shows the trace of these {len(trace.tokens)} tokens: open Attention to see the new rows.")


if ctx:
    next_token_view(ctx)
