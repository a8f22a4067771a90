"""Attribution: how much each head, feed-forward block and embedding adds to the answer's score."""

from __future__ import annotations

import re

import streamlit as st

from app_pages import analysis_cache, cache, components, shared
from model import names
from model.analysis import patching
from viz import attribution as va

shared.page_header(
    "Attribution: which parts of the model push toward the answer",
    "The vector the model turns into its next word is a sum: the word's embedding, plus what every head and every "
    "feed-forward block added. Direct logit attribution asks how much each of those parts, alone, raises the score of "
    "a word (or of one word over another). Blue parts push toward the first word, red parts toward the second; the "
    "parts add up exactly to the model's own score difference. Click a head to see its attention pattern."
)

ctx = shared.page_context()


def known(bundle, word: str) -> bool:
    return any(bundle.tokenizer.has(w) for w in (word, word.lower()))


def second_word(ctx: shared.PageContext, top: list[int]) -> str | None:
    """The default word to subtract: on the clean prompt of a decoder's patching pair, the corrupted
    prompt's answer (tiny-stories: "mary" minus "john"); else the model's second choice (a
    translator's pair parts where the translations do, not at the last word read here)."""
    vocab = ctx.bundle.tokenizer.vocab
    pair = patching.default_pair(ctx.bundle)
    if pair and not ctx.bundle.is_translator and ctx.prompt == pair[0] and ctx.continuation is None:
        swapped = cache.trace(cache.TraceKey(ctx.key.model, pair[1])).logits_at(-1).argsort(descending=True).tolist()
        return next(vocab[i] for i in swapped if i != top[0])
    return vocab[top[1]] if len(top) > 1 else None


def hint(word: str, what: str) -> str:
    """A box's placeholder naming the word it stands for, when the word is plain letters: a
    checkpoint's vocabulary may hold markup, and a placeholder is no place to escape it."""
    return f"{word} ({what})" if re.fullmatch(r"[\w' ]{1,40}", word) else what


def chosen_words(ctx: shared.PageContext) -> tuple[str, str | None]:
    """The two words, typed or (empty boxes) the model's top next word minus second_word()."""
    top = ctx.trace.logits_at(-1).argsort(descending=True).tolist()
    vocab = ctx.bundle.tokenizer.vocab
    second = second_word(ctx, top)
    left, right = st.columns(2)
    with left:
        word = st.text_input("Word", key="attr_word", bind="query-params", placeholder=hint(vocab[top[0]], "the model's top next word"),
                             help="The word whose score is split into parts. Empty: the model's top next word.").strip()
    with right:
        other = st.text_input("Minus word (optional)", key="attr_other", bind="query-params",
                              placeholder=hint(second, "the usual alternative") if second else "",
                              help="Split the difference between the two words' scores. Empty: the model's second choice "
                                   "(on the example prompt, the name the swapped prompt gives); type - for none.").strip()
    word = word or vocab[top[0]]
    if other == "-":
        return word, None
    return word, other or second


def open_head() -> None:
    """A click on a head: that layer and head become the Attention page's choice, and the page opens."""
    if (value := components.picked("attr-heads")) is None:
        return
    bundle = ctx.bundle
    layer, head = va.head_of(value, bundle.config.n_heads)
    st.session_state["layer"] = names.module_name(layer, stack="decoder" if bundle.is_translator else "")
    st.session_state["head"] = head
    st.session_state["_attr_open_head"] = True


def attribution_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    word, other = chosen_words(ctx)
    missing = [w for w in (word, other) if w is not None and not known(bundle, w)]
    if missing:
        st.warning("This model's output vocabulary has no word " + ", ".join(shared.md_escape(repr(w)) for w in missing)
                   + ".", icon=":material/help:")
        return
    if bundle.config.norm == "post":
        st.info("This model normalizes the stream inside every block (post-norm), so its final vector is not a sum of "
                "parts and cannot be split this way.", icon=":material/block:")
        return
    result = analysis_cache.logit_attribution(ctx.key, word, other, -1)
    target = va.target_text(result)
    token = trace.tokens[-1]
    st.markdown(f"At the last word, {shared.md_escape(repr(token))}, the model's {shared.md_escape(target)} is "
                f"**{result.total:.3f}**; the parts below add up to {float(result.values.sum()):.3f}.")
    left, right = st.columns([2, 3], gap="large")
    with left:
        notes = ["Each cell: what that head wrote to the last word's vector, read as a score for the word "
                 "(blue: toward it, red: away). Hover for the exact number; click to open the head's pattern on the "
                 "Attention page."]
        components.heatmap(va.heads_data(result, "Each head's part"), "attr-heads", on_pick=open_head, notes=notes)
        if bundle.is_translator:
            st.caption("Translator: the grid shows the decoder's self-attention heads; its cross-attention heads are in "
                       "the list.")
    with right:
        frame = va.parts_frame(result)
        shared.chart_with_csv(va.parts_chart(frame, target), frame, "attribution", "attr-parts")
    if st.session_state.pop("_attr_open_head", False):
        # {} and not the default None: None clears the URL, which Streamlit refuses while widgets
        # are bound to it; the bound widgets write their values back on the Attention page
        st.switch_page("app_pages/attention.py", query_params={})


if ctx:
    attribution_view(ctx)
