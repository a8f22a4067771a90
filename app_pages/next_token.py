"""Next token: the probabilities of the next word, and generation one word at a time.

Why the generated words live in ``st.session_state["continuation"]``: every page reads the
trace of prompt + continuation, so a word generated here makes the Attention page grow by
one row. The page itself keeps no generation state: what was generated is read back from
the trace, and the bars are the trace's last logits row through ``distribution``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st
import torch

from app_pages import lesson_numbers, shared
from model.generate import Sampling, choose, distribution, steps
from viz.next_token import generated_frame, next_token_chart, next_token_frame, prediction_chart, prediction_frame

TOP = 20  # bars shown for a large vocabulary
MAX_ROWS = 16  # positions in the "along the sentence" heatmap
MAX_SENTENCE = 40  # tokens of the sentence written out (the end of a long one)
MAX_PER_CLICK = 50  # "to the end" on a large model: one forward pass per word, so a bounded wait per click

shared.page_header(
    "Next token: what the model says next",
    "The last word's numbers go through a fully connected layer that gives one score per word of the vocabulary; "
    "softmax turns the scores into probabilities, and the top word is the output. The chosen word is appended and "
    "fed back in (same weights) to produce the next one, until `<EOS>`. Instead of always taking the top word "
    "(greedy), a chatbot can sample one: temperature below 1 sharpens the probabilities, above 1 flattens them; "
    "top-k keeps only the k most likely words; top-p keeps the most likely words until they add up to p."
)

ctx = shared.page_context()


def step_seed(seed: int, n_generated: int) -> int:
    """One seed per step, so clicking "next" n times and "to the end" pick the same words."""
    return seed * 100_003 + n_generated


def sampling_controls(vocab_size: int) -> Sampling:
    if st.session_state.get("top_k", 0) > vocab_size:  # a link or a previous model with a larger vocabulary
        st.session_state["top_k"] = vocab_size
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        temperature = st.slider("Temperature", 0.0, 2.0, 0.0, 0.05, key="temperature", bind="query-params",
                                help="0 = greedy: always the most likely word. Below 1 sharpens, above 1 flattens.")
    with c2:
        top_k = st.number_input("Top-k", 0, vocab_size, key="top_k", bind="query-params",  # starts at its minimum, 0
                                help="Keep only the k most likely words; 0 = keep every word.")
    with c3:
        top_p = st.slider("Top-p", 0.05, 1.0, 1.0, 0.05, key="top_p", bind="query-params",
                          help="Keep the most likely words until their probabilities add up to p; 1 = keep every word.")
    with c4:
        seed = st.number_input("Seed", 0, 10_000, key="seed", bind="query-params", disabled=temperature == 0,
                               help="Sampling (temperature above 0) draws the same words again for the same seed.")
    return Sampling(float(temperature), int(top_k), float(top_p), int(seed))


@dataclass(frozen=True)
class Generation:
    """Where generation stands, read from the trace (no separate state to drift)."""

    prompt_ids: list[int]
    continuation: tuple[int, ...]  # what follows the prompt (the translator: what follows <EOS>)
    finished: bool
    why: str


def generation_state(ctx: shared.PageContext) -> Generation:
    bundle, trace = ctx.bundle, ctx.trace
    stream_ids = [bundle.tokenizer.id_of(t) for t in trace.tokens]
    continuation = tuple(stream_ids[trace.n_prompt:])
    prompt_ids = list(trace.encoding.ids)
    if continuation and continuation[-1] == bundle.tokenizer.eos_id:
        what = "translation" if bundle.is_translator else "answer"
        return Generation(prompt_ids, continuation, True, f"The model chose <EOS>: the {what} is complete.")
    if len(stream_ids) >= bundle.config.max_len:
        return Generation(prompt_ids, continuation, True,
                          f"Stopped at the model's maximum length of {bundle.config.max_len} tokens.")
    return Generation(prompt_ids, continuation, False, "")


def generate_to_the_end(ctx: shared.PageContext, gen: Generation, sampling: Sampling) -> tuple[int, ...]:
    """Step after step with the per-step seeds, until <EOS>, the maximum length or MAX_PER_CLICK words."""
    continuation = gen.continuation
    for _ in range(MAX_PER_CLICK):
        step_sampling = replace(sampling, seed=step_seed(sampling.seed, len(continuation)))
        step = next(steps(ctx.bundle, gen.prompt_ids, step_sampling, max_new=1, start=continuation), None)
        if step is None:
            return continuation
        continuation += (step.token_id,)
        if step.token_id == ctx.bundle.tokenizer.eos_id:
            return continuation
    return continuation


def sentence_markdown(tokens: list[str], n_prompt: int, limit: int = MAX_SENTENCE) -> str:
    """Prompt words plain, generated words bold red, only the last ``limit`` tokens of a long one;
    every token escaped (markdown never sees raw text)."""
    start = max(0, len(tokens) - limit)
    parts = [shared.md_escape(t) if i < n_prompt else f":red[**{shared.md_escape(t)}**]"
             for i, t in enumerate(tokens) if i >= start]
    return (f":gray[({start} earlier tokens)] ... " if start else "") + " ".join(parts)


def show_sentence(ctx: shared.PageContext) -> None:
    trace = ctx.trace
    if trace.src_tokens is not None:
        st.markdown("**Translating** (the encoder's input): " + " ".join(shared.md_escape(t) for t in trace.src_tokens))
        st.markdown("**The decoder's words so far** (it starts from `<EOS>`; generated words in red):")
    else:
        st.markdown("**The sentence so far** (your prompt, then the generated words in red):")
    st.markdown(sentence_markdown(trace.tokens, trace.n_prompt))


def generation_controls(ctx: shared.PageContext, gen: Generation, sampling: Sampling, chosen: int, p_chosen: float) -> None:
    bundle = ctx.bundle
    if not gen.finished:
        how = "the most likely word" if sampling.greedy else f"sampled with seed {sampling.seed}"
        st.markdown(f"Next word ({how}): :red[**{shared.md_escape(bundle.tokenizer.vocab[chosen])}**] "
                    f"with probability {p_chosen:.3f}")
    buttons = st.container(horizontal=True)
    if buttons.button("Generate next word", key="gen_next", disabled=gen.finished, icon=":material/add:", type="primary",
                      help="Append this word and run the model again: every page shows the longer sentence."):
        st.session_state["continuation"] = gen.continuation + (chosen,)
        st.rerun()
    if buttons.button("Generate to the end", key="gen_all", disabled=gen.finished, icon=":material/fast_forward:",
                      help=f"Keep going until <EOS> or the model's maximum length ({MAX_PER_CLICK} words at most per click)."):
        with st.spinner("Generating..."):
            st.session_state["continuation"] = generate_to_the_end(ctx, gen, sampling)
        st.rerun()
    start = "<EOS>" if bundle.is_translator else "your prompt"
    # a translator's default (None) holds the whole greedy translation, so Reset has something to forget
    nothing_to_reset = not ctx.continuation and not (bundle.is_translator and ctx.continuation is None)
    if buttons.button("Reset", key="gen_reset", icon=":material/restart_alt:", disabled=nothing_to_reset,
                      help=f"Forget the generated words and start again from {start}."):
        st.session_state["continuation"] = ()
        st.rerun()
    if gen.finished:
        st.success(gen.why, icon=":material/check:")
    if bundle.is_translator and ctx.continuation is None:
        st.info("Every page shows the model's whole translation. Press Reset to start again from <EOS> and "
                "generate it word by word.", icon=":material/translate:")


def show_history(ctx: shared.PageContext) -> None:
    trace, tokenizer = ctx.trace, ctx.bundle.tokenizer
    first = max(trace.n_prompt - 1, 0)  # only the rows that chose a generated word
    history = generated_frame(trace.logits_rows(first, len(trace.tokens)), [tokenizer.id_of(t) for t in trace.tokens],
                              trace.tokens, trace.n_prompt, first_row=first)
    if len(history):
        st.markdown("**Each generated word**, with the probability the plain softmax gave it (rank 1 = the top word):")
        st.dataframe(history, hide_index=True, height=min(400, 38 + 35 * len(history)), column_config={
            "probability": st.column_config.ProgressColumn(format="%.3f", min_value=0.0, max_value=1.0)})


@st.fragment
def next_token_view(ctx: shared.PageContext) -> None:
    """The controls only reshape this page's bars, so they rerun this fragment alone."""
    bundle, trace = ctx.bundle, ctx.trace
    vocab = bundle.tokenizer.vocab
    sampling = sampling_controls(len(vocab))
    gen = generation_state(ctx)
    last = trace.logits_at(-1)  # the next word's scores: a lean trace recomputes only this row
    probs = distribution(last, sampling)
    chosen = choose(probs, sampling, torch.Generator().manual_seed(step_seed(sampling.seed, len(gen.continuation))))

    left, right = st.columns([5, 6], gap="medium")
    with left:
        top = TOP if len(vocab) > TOP + 5 else 0
        frame = next_token_frame(last, vocab, sampling, top=top, chosen=chosen)
        title = f"The next word after position {len(trace.tokens) - 1}: {trace.tokens[-1]}"
        shared.chart_with_csv(next_token_chart(frame, title), frame, "next-token", "next", stretch=True)
        if top:
            st.caption(f"The {top} most likely of {len(vocab):,} words (and the chosen word wherever it ranks); "
                       "the CSV holds the same rows, the tooltip the exact numbers.")
        if gen.finished:
            st.caption("Generation has stopped; the bars show what the model would say after the last word anyway.")
    with right:
        show_sentence(ctx)
        generation_controls(ctx, gen, sampling, chosen, float(probs[chosen]))
        show_history(ctx)

    if len(trace.tokens) > 1:
        first = max(0, len(trace.tokens) - MAX_ROWS)
        frame = prediction_frame(trace.logits_rows(first, len(trace.tokens)), trace.tokens, vocab, words=8,
                                 max_positions=MAX_ROWS, first_row=first)
        with st.expander("What the model predicts after every word, not only the last", expanded=len(trace.tokens) <= 8):
            shared.explain("The model computes next-word probabilities at every position at once (each row uses only "
                           "that word and the words before it). During training every row's target is the word that "
                           "really came next, outlined in red.")
            if len(trace.tokens) > MAX_ROWS:
                st.caption(f"The last {MAX_ROWS} of {len(trace.tokens)} positions; columns: the 8 words most likely anywhere "
                           "here, then each word that actually came next and is not among them.")
            shared.chart_with_csv(prediction_chart(frame, "Next-word probabilities at each position"), frame,
                                  "predictions-by-position", "by-position")


if ctx:
    next_token_view(ctx)
    lesson_numbers.fully_connected(ctx)
