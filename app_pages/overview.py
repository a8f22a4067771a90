"""Overview: the model's architecture, the prompt's tokens, and what the model answers.

Why this page first: a learner sees the whole data flow of the lesson at once (words ->
tokens -> embeddings + positions -> attention -> next-word probabilities), drawn from the
loaded model's own config, and can jump from each step to the page that shows its numbers.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import streamlit as st

from app_pages import components as pc
from app_pages import shared
from model.generate import steps
from viz.architecture import architecture_layout
from viz.parameters import parameter_frame

shared.page_header(
    "Overview: from your words to the next word",
    "A Transformer turns each word into numbers (word embedding), adds the word's position (positional "
    "encoding), lets every word look at the others (attention) and adds the result back (residual "
    "connection), and finally scores every word of its vocabulary to choose what comes next. "
    "Every page of this app shows one of these steps with the real numbers of the model chosen in the sidebar, for your prompt."
)

MAX_ANSWER = 20  # words: a long answer costs one forward pass per word, on every new prompt
ANSWERS = "overview_answers"  # session cache: (model, prompt) -> greedy answer

ctx = shared.page_context()


def greedy_answer(ctx: shared.PageContext, slot) -> list[str]:
    """The model's greedy answer, written word by word into ``slot`` as it is generated.

    Why word by word: each word is a forward pass; writing after each one shows the lesson's
    feed-back loop, and lets a keystroke in the prompt box interrupt a long answer at once.
    Finished answers are remembered for this session, so going back to a prompt is free.
    """
    cache = st.session_state.setdefault(ANSWERS, {})
    key = (ctx.path, ctx.mtime, ctx.prompt)
    if key not in cache:
        words: list[str] = []
        for step in steps(ctx.bundle, ctx.trace.encoding.ids, max_new=MAX_ANSWER):
            words.append(step.token)
            with slot:
                pc.text_blocks([pc.code(" ".join(words) + " ...")])
        cache[key] = words
        while len(cache) > 32:
            cache.pop(next(iter(cache)))
    return cache[key]


def tokens_frame(ctx: shared.PageContext) -> pd.DataFrame:
    """The prompt as the model reads it: one row per token, and each word it left out (a model
    without <unk>) where it was typed, with no position or id."""
    enc = ctx.trace.encoding
    tokenizer = ctx.bundle.prompt_tokenizer
    dropped = dict(enc.unknown) if enc.unknown_dropped else {}  # typed word index -> spelling
    kept = (w for w in itertools.count() if w not in dropped)  # the typed words the model reads, in order
    rows = []
    for i, (token, word) in enumerate(zip(enc.tokens, enc.words)):
        token_id = tokenizer.id_of(token)
        if word:
            note, order = ("unknown word: read as <unk>" if token_id == tokenizer.unk_id else ""), next(kept)
        else:  # a token the model adds: before the typed words, or (as <EOS>) after them
            note, order = "added by the model", -1 if i == 0 and any(enc.words) else math.inf
        rows.append({"position": i, "token": token, "id": token_id, "you typed": word, "note": note, "order": order})
    rows += [{"position": pd.NA, "token": "", "id": pd.NA, "you typed": word, "note": "left out: not in the vocabulary",
              "order": w} for w, word in dropped.items()]
    frame = pd.DataFrame(rows, columns=["position", "token", "id", "you typed", "note", "order"])
    frame = frame.sort_values("order", kind="stable").drop(columns="order").reset_index(drop=True)
    return frame.astype({"position": "Int64", "id": "Int64"})


def answer(ctx: shared.PageContext, slot) -> tuple[list[str], str]:
    """(the greedy answer, why it stopped): from the trace where it already holds it."""
    bundle, trace = ctx.bundle, ctx.trace
    if bundle.is_translator and ctx.continuation is None:  # the default trace holds the greedy translation
        words = list(trace.tokens[trace.n_prompt:])
        if len(trace.tokens) < bundle.config.max_len:
            return words + ["<EOS>"], "it wrote <EOS>"
        return words, f"it reached its maximum length of {bundle.config.max_len} tokens"
    words = greedy_answer(ctx, slot)
    if words and words[-1] == "<EOS>":
        return words, "it wrote <EOS>"
    if len(words) == MAX_ANSWER:
        return words + ["..."], f"this page shows only the first {MAX_ANSWER} words"
    return words, f"it reached its maximum length of {bundle.config.max_len} tokens"


def data_flow(ctx: shared.PageContext) -> None:
    """The lesson's steps in order, each with this prompt's sizes and a link to its page."""
    cfg, trace = ctx.bundle.config, ctx.trace
    n, d = len(trace.tokens), cfg.d_model
    words = "input words" if ctx.bundle.is_translator else "tokens"
    n_in = len(trace.src_tokens) if trace.src_tokens is not None else n
    st.subheader("The data flow, step by step")
    st.page_link("app_pages/embeddings.py", icon=":material/scatter_plot:",
                 label=f"1. Word embeddings: {n_in} {words} become {d} numbers each")  # one line: a link does not wrap
    st.page_link("app_pages/positional.py", icon=":material/waves:",
                 label="2. Positional encoding: squiggles add each position")
    st.page_link("app_pages/attention.py", icon=":material/grid_on:",
                 label=f"3. Attention: queries meet keys, values get mixed ({cfg.n_heads} head{'s' if cfg.n_heads > 1 else ''})")
    st.page_link("app_pages/causal_mask.py", icon=":material/filter_alt:",
                 label="4. Causal mask: a word only looks back")
    st.page_link("app_pages/next_token.py", icon=":material/bar_chart:",
                 label=f"5. Next word: {cfg.vocab_size} scores, softmax, one word at a time")


def overview(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    left, right = st.columns([1, 1] if bundle.is_translator else [2, 3], gap="large")
    with left:
        kind = "Encoder-decoder (lesson 1, the translator)" if bundle.is_translator else "Decoder-only (lesson 2, like ChatGPT)"
        st.markdown(f"**{kind}**: {bundle.n_parameters:,} parameters")
        n_src = len(trace.src_tokens) if trace.src_tokens is not None else None
        pc.architecture(architecture_layout(bundle.config, len(trace.tokens), n_src), key="ov-architecture")
        st.caption("Sizes on the arrows are this prompt's: rows = tokens, columns = numbers per token. "
                   "The dashed box is repeated once per layer; point at a box to see where its numbers are in the trace.")
    with right:
        st.subheader("Your prompt as tokens")
        pc.text_blocks([pc.table(tokens_frame(ctx), caption="Your prompt as tokens", columns={
            "position": {"kind": "number", "digits": 0, "help": "Where the token sits in the prompt, from 0"},
            "id": {"kind": "number", "digits": 0, "help": "The token's row in the word-embedding table"},
            "you typed": {"help": "The word as you typed it (blank: a token the model adds)"},
        })], key="ov-tokens")
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
                                     columns={"part": {"wrap": True}, "tensors": {"digits": 0}, "shapes": {"wrap": True},
                                              "parameters": {"digits": 0, "group": True}})],
                           key="ov-parameters")
        with st.expander("Model card"):
            if shared.is_bundled(ctx.path):
                st.markdown(bundle.card)
            else:  # a card from someone else's folder is shown as text, never rendered
                pc.text_blocks([pc.code(bundle.card)], key="ov-card")


if ctx:
    overview(ctx)
