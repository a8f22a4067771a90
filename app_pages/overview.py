"""Overview: the model's architecture, the prompt's tokens, and what the model answers.

The page only places things: the tables, steps and sentences come from viz.overview.
"""

from __future__ import annotations

import streamlit as st

from app_pages import cache, checkpoints, shared
from app_pages import components as pc
from model.generate import steps
from viz import overview as vo
from viz.architecture import architecture_layout
from viz.parameters import parameter_frame

shared.page_header(vo.TITLE, vo.LESSON)

ctx = shared.page_context()


def greedy_answer(ctx: shared.PageContext, slot) -> list[str]:
    """The model's greedy answer, written word by word into ``slot`` as it is generated.

    Why word by word: each word is a forward pass; writing after each one shows the lesson's
    feed-back loop, and lets a keystroke in the prompt box interrupt a long answer at once.
    Finished answers are kept for this session, so going back to a prompt is free.
    """
    def generate() -> list[str]:
        words: list[str] = []
        for step in steps(ctx.bundle, ctx.trace.encoding.ids, max_new=vo.MAX_ANSWER):
            words.append(step.token)
            with slot:
                pc.text_blocks([pc.code(" ".join(words) + " ...")])
        return words

    return cache.per_session("overview_answers", (ctx.key.model, ctx.prompt), generate)


def answer(ctx: shared.PageContext, slot) -> tuple[list[str], str]:
    """(the greedy answer, why it stopped): from the trace where it already holds it."""
    bundle, trace = ctx.bundle, ctx.trace
    if bundle.is_translator and ctx.continuation is None:
        return vo.translation_in_trace(trace.tokens, trace.n_prompt, bundle.config.max_len)
    return vo.finished_answer(greedy_answer(ctx, slot), bundle.config.max_len)


def data_flow(ctx: shared.PageContext) -> None:
    trace = ctx.trace
    n_inputs = len(trace.src_tokens) if trace.src_tokens is not None else len(trace.tokens)
    st.subheader("The data flow, step by step")
    for step in vo.data_flow(ctx.bundle.config, n_inputs, ctx.bundle.is_translator):
        st.page_link(step.page, icon=step.icon, label=step.label)


def overview(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    left, right = st.columns([1, 1] if bundle.is_translator else [2, 3], gap="large")
    with left:
        kind = "Encoder-decoder (lesson 1, the translator)" if bundle.is_translator else "Decoder-only (lesson 2, like ChatGPT)"
        st.markdown(f"**{kind}**: {bundle.n_parameters:,} parameters")
        n_src = len(trace.src_tokens) if trace.src_tokens is not None else None
        pc.architecture(architecture_layout(bundle.config, len(trace.tokens), n_src), key="ov-architecture")
        st.caption(vo.ARCHITECTURE_NOTE)
    with right:
        st.subheader("Your prompt as tokens")
        tokenizer = bundle.prompt_tokenizer
        # a subword tokenizer's tokens grouped into words, as the Attention page's toggle of the same name does
        if tokenizer.subword and not bundle.is_translator and st.toggle(
                "Words", key="words", bind="query-params", help="One row per word, with the tokens it is made of."):
            words = vo.words_frame(trace.encoding, tokenizer.words(trace.encoding.tokens))
            pc.text_blocks([pc.table(words, caption="Your prompt as words", columns=vo.WORD_COLUMNS)], key="ov-tokens")
        else:
            tokens = vo.tokens_frame(trace.encoding, tokenizer)
            pc.text_blocks([pc.table(tokens, caption="Your prompt as tokens", columns=vo.TOKEN_COLUMNS)], key="ov-tokens")
        st.subheader("The model's translation" if bundle.is_translator else "The model's answer")
        slot = st.empty()
        words, stop = answer(ctx, slot)
        with slot:
            pc.text_blocks([pc.code(" ".join(words) or "(nothing)")], key="ov-answer")
        st.caption(f"Greedy: always the most likely next word, fed back in; it stopped because {stop}. "
                   "The Next token page steps through it word by word, or samples instead.")
        if ctx.continuation:
            generated = trace.tokens[trace.n_prompt:]
            pc.text_blocks([pc.line(("strong", "Generated on the Next token page"), " (every page shows this longer sentence):"),
                            pc.code(" ".join(generated))], key="ov-generated")
        data_flow(ctx)
        with st.expander(f"Where the {bundle.n_parameters:,} parameters are"):
            pc.text_blocks([pc.table(parameter_frame(bundle.model.named_parameters()), caption="Parameters by part",
                                     columns=vo.PARAMETER_COLUMNS)], key="ov-parameters")
        with st.expander("Model card"):
            if checkpoints.is_bundled(ctx.key.model.path):
                st.markdown(bundle.card)
            else:  # a card from someone else's folder is shown as text, never rendered
                pc.text_blocks([pc.code(bundle.card)], key="ov-card")


if ctx:
    overview(ctx)
