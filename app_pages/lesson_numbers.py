"""The lessons' hand calculations placed on their pages: the fully connected layer (Next token),
W_Q/W_K/W_V × input (Attention), embedding + position = encoded (Embeddings).

Why one module beside the pages: each page calls one function here, so the pages stay thin and
their own layout can change without touching these views. viz/final_layer, viz/qkv_weights and
viz/encoded compute the payloads; this module only places them. Every word of a prompt or a
vocabulary reaches the screen through a component (DOM text) or md_escape.
"""

from __future__ import annotations

import streamlit as st

from app_pages import components as pc
from app_pages import shared
from viz import encoded, final_layer, qkv_weights
from viz.common import token_labels
from viz.sides import side_tokens

LAST = -1


@st.fragment
def fully_connected(ctx: shared.PageContext) -> None:
    """Final vector × each word's weights + bias = the word's score, then softmax, for one position."""
    trace, bundle = ctx.trace, ctx.bundle
    st.subheader("The last step with numbers: the fully connected layer, then softmax")
    labels = token_labels(trace.tokens)
    options = [LAST, *range(len(labels))]
    if st.session_state.get("fc_position") not in options:
        st.session_state.pop("fc_position", None)
    choice = st.selectbox("After the word", options, key="fc_position", bind="query-params", width=320,
                          format_func=lambda i: "the last word" if i == LAST else labels[i],
                          help="The position whose next word is scored: the last one is what the model says next.")
    position = len(labels) - 1 if choice == LAST else choice
    unembed = bundle.model.unembed
    view = final_layer.final_layer(trace, unembed.weight.detach(), None if unembed.bias is None else unembed.bias.detach(),
                                   bundle.tokenizer.vocab, position)
    score = next(c for c in view.table() if c.startswith("score"))
    blocks = [pc.note(final_layer.LESSON),
              pc.line("The final vector after word ", ("code", labels[position]), ": ",
                      ("strong code", final_layer.final_vector_line(view)), f" (the trace's {view.final_name})"),
              pc.table(view.table(), caption="The fully connected layer, word by word", columns={
                  "weights": {"help": "this word's row of the fully connected layer's weights (unembed.weight)"},
                  "bias": {"digits": final_layer.DIGITS, "help": "this word's bias (unembed.bias)"},
                  score: {"help": "final vector number × weight, added up, plus the bias: the score (logit) the "
                                  "trace holds; numbers rounded"},
                  "e^score": {"digits": final_layer.DIGITS, "help": "e to the power of the score"},
                  "softmax %": {"kind": "bar", "digits": final_layer.DIGITS, "max": 100, "suffix": "%",
                                "help": "e^score divided by the sum of e^score over every word"},
              }),
              *([pc.code(line)] if (line := final_layer.softmax_line(view)) else []),
              *(pc.note(n) for n in view.notes)]
    pc.text_blocks(blocks, "fc-steps")
    shared.csv_button(view.frame, f"fully-connected-position{position}", "fc")


def head_weights(ctx: shared.PageContext, module: str, head: int, query: int) -> None:
    """The head's W_Q, W_K, W_V (and W_O): in full with the multiplications for a toy model, as
    heatmaps for a bigger one."""
    view = qkv_weights.head_weights(ctx.trace, ctx.bundle.model, module, head, query, ctx.bundle.config.norm)
    title = "The weights of this head: W_Q, W_K, W_V" + (" and W_O" if view.w_o is not None else "")
    with st.expander(title, expanded=view.full):
        shared.explain(qkv_weights.LESSON)
        if view.full:
            columns = st.columns(len(view.projections))
            for column, p in zip(columns, view.projections):
                with column:
                    pc.text_blocks([
                        pc.heading(f"{p.weight_name} ({p.kind})"),
                        pc.table(view.matrix_table(p.weight_name), caption=p.weight_name,
                                 columns={c: {"digits": qkv_weights.DIGITS} for c in view.matrix_table(p.weight_name) if c != "row"}),
                        pc.line(("strong", f"{p.kind} of word "), ("code", p.word), " = ", p.weight_name, " × its input (",
                                ("code", p.input_name), "):"),
                        *(pc.code(eq) for eq in p.equations()),
                        pc.line(("code", qkv_weights.product_line(p))),
                        pc.note(f"The result is the trace's {p.result_name}: the {p.kind} in the step-by-step table."),
                    ], key=f"qkv-{p.kind}")
        else:
            pc.text_blocks([pc.line(("code", qkv_weights.product_line(p)), f"  (word {p.word}; the trace's {p.result_name})")
                            for p in view.projections], key="qkv-products")
            # drawn on request: four heatmaps of a few hundred cells cost every rerun of the page
            if st.toggle("Heatmaps of the matrices", key="att_weights", bind="query-params",
                         help="This head's slices of " + ", ".join(view.matrices()) + ", one cell per weight."):
                for tab, name in zip(st.tabs(list(view.matrices())), view.matrices()):
                    with tab:
                        frame, chart = view.heatmap(name)
                        shared.chart_with_csv(chart, frame, f"{name}-{module}-head{head + 1}", f"qkv-{name}", stretch=True)
        for n in view.notes:
            shared.explain(n)
        shared.csv_button(view.frame, f"weights-{module}-head{head + 1}", "qkv-all")


def _other_prompt(ctx: shared.PageContext) -> str:
    """The second box: empty, it reads the prompt's words reversed (shown as its placeholder);
    a typed order, or one from a copied link, is used as it is. The box is never written from
    here: a value set by the server while the prompt is being typed took the typing's focus."""
    reversed_words = encoded.reordered(ctx.prompt)
    text = st.text_input("The same words in another order", key="order_prompt", bind="query-params",
                         placeholder="your words reversed",
                         help="Empty: your prompt's words reversed. Type any order.")
    return (text or reversed_words)[:shared.MAX_PROMPT_CHARS]


def _encoded_table(view: encoded.EncodedWords, key: str) -> None:
    pc.text_blocks([pc.table(view.table(), caption="Embedding + position = encoded", columns={
        "embedding": {"help": f"the word's embedding ({view.names[0]})"},
        "+ position": {"help": f"its position's encoding ({view.names[1]})"},
        "= encoded": {"help": f"the sum: the first block's input ({view.names[2]})"},
    })], key=key)


def encoded_vectors(ctx: shared.PageContext, side: str, stack: str, tokens: list[str]) -> None:
    """The lesson's sum per word, for the prompt and for the same words in another order."""
    mine = encoded.encoded_words(ctx.trace, stack, tokens)
    if mine is None:
        return
    st.subheader("Embedding + position = encoded vector")
    shared.explain(encoded.LESSON)
    left, right = st.columns(2, gap="large")
    with left:
        st.text_input("Your prompt (type it in the sidebar)", value=ctx.prompt[:shared.MAX_PROMPT_CHARS], disabled=True)
        _encoded_table(mine, "enc-mine")
        shared.csv_button(mine.frame, f"encoded-{side}", "enc-mine")
    with right:
        text = _other_prompt(ctx)
        other_trace = ctx.other(text, "Type the same words in another order to compare.")
        if other_trace is None:
            return
        if other_trace.encoding.unknown:
            st.caption(shared.md_escape("Read as <unk> (not in the vocabulary): " + ", ".join(w for _, w in other_trace.encoding.unknown[:10])))
        other = encoded.encoded_words(other_trace, stack, side_tokens(other_trace, side))
        _encoded_table(other, "enc-other")
        shared.csv_button(other.frame, f"encoded-{side}-other-order", "enc-other")
    notes = encoded.order_notes(mine, other)
    if side == "decoder":
        notes.append("These are the decoder's words: <EOS> and each prompt's translation, each at its own position.")
    pc.text_blocks([pc.note(n) for n in notes], key="enc-notes")
