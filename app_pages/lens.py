"""Logit lens: what the model would answer if its stream stopped early, at every position."""

from __future__ import annotations

import streamlit as st

from app_pages import analysis_cache, components, shared
from viz import lens as vl

shared.page_header(
    "Logit lens: the model's guess for the next word, layer by layer",
    "The logit lens asks: if the model stopped after this step and read its answer straight away (through its final "
    "norm and its output layer), which word would it say? Each row is a word of the prompt, read left to right as the "
    "stream passes through the layers; each cell prints that guess for the word that comes next, and its colour is "
    "the probability of the word you choose. Where a row turns dark early, the model knew the answer early."
)

ctx = shared.page_context()


def chosen_word(bundle, trace) -> tuple[str, bool]:
    """The word typed in the box, or (empty box) the model's own top next word; and whether it is known."""
    typed = st.text_input("Word to follow", key="lens_word", bind="query-params",
                          placeholder="the model's own next word",
                          help="Colour the cells by this word's probability. Empty: the word the model predicts next.")
    if not typed.strip():
        return bundle.tokenizer.vocab[int(trace.logits_at(-1).argmax())], True
    word = typed.strip()
    known = any(bundle.tokenizer.has(w) for w in (word, word.lower()))
    return word, known


@st.fragment
def lens_view(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    word, known = chosen_word(bundle, trace)
    if not known:
        st.warning(f"This model's output vocabulary has no word {shared.md_escape(repr(word))}: the cells are "
                   "coloured by the top word's probability instead.", icon=":material/help:")
    result = analysis_cache.logit_lens(ctx.key, word if known else None)
    n_layers = bundle.config.n_layers
    stream = "the decoder's stream (the Spanish side)" if bundle.is_translator else "the stream"
    title = f"Top next word at every point of {stream}, coloured by P({word if known else 'top word'})"
    notes = [f"Rows: the {len(result.tokens)} tokens in order; each row predicts the word after it. Columns: the stream "
             "after the embedding, after each layer's attention and after each whole layer; the last column is the "
             "model's real output. Hover a cell for the exact probabilities."]
    components.heatmap(vl.lens_data(result, bundle.tokenizer.vocab, n_layers, title), "lens-grid", notes=notes)
    shared.csv_button(lambda: vl.lens_table(result, bundle.tokenizer.vocab, n_layers), "logit-lens", "lens-grid")


if ctx:
    lens_view(ctx)
