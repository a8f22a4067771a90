"""Overview: the model's architecture, the prompt's tokens, and what the model answers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import shared
from model.generate import generate
from viz.architecture import architecture_dot

st.header("Overview: from your words to the next word")
shared.explain(
    "A Transformer turns each word into numbers (word embedding), adds the word's position (positional "
    "encoding), lets every word look at the others (attention) and adds the result back (residual "
    "connection), and finally scores every word of its vocabulary to choose what comes next. "
    "Every page of this app shows one of these steps with the real numbers of the model chosen in the sidebar, for your prompt."
)

ctx = shared.page_context()


def tokens_frame(ctx: shared.PageContext) -> pd.DataFrame:
    enc = ctx.trace.encoding
    tokenizer = ctx.bundle.prompt_tokenizer
    rows = [{"position": i, "token": t, "id": tokenizer.id_of(t), "you typed": w or "(added)"}
            for i, (t, w) in enumerate(zip(enc.tokens, enc.words))]
    for index, word in enc.unknown if enc.unknown_dropped else []:
        rows.append({"position": None, "token": "(left out)", "id": None, "you typed": word})
    return pd.DataFrame(rows)


def overview(ctx: shared.PageContext) -> None:
    bundle, trace = ctx.bundle, ctx.trace
    left, right = st.columns([2, 3], gap="large")
    with left:
        kind = "Encoder-decoder (lesson 1, the translator)" if bundle.is_translator else "Decoder-only (lesson 2, like ChatGPT)"
        st.markdown(f"**{kind}** with {bundle.n_parameters:,} parameters")
        st.graphviz_chart(architecture_dot(bundle.config), width="stretch")
    with right:
        st.subheader("Your prompt as tokens")
        st.dataframe(tokens_frame(ctx), hide_index=True, column_config={"position": st.column_config.NumberColumn(format="%d")})
        st.subheader("The model's answer" if not bundle.is_translator else "The model's translation")
        answer = generate(bundle, ctx.prompt)
        st.code(" ".join(answer) or "(nothing)", language=None, wrap_lines=True)
        st.caption("Greedy: always the most likely next word, fed back in until <EOS> or the maximum length. "
                   "The Next token page lets you step through it and sample instead.")
        st.subheader("Go step by step")
        st.page_link("app_pages/embeddings.py", label="1. Word embeddings: words become numbers", icon=":material/scatter_plot:")
        st.page_link("app_pages/positional.py", label="2. Positional encoding: the squiggles", icon=":material/waves:")
        st.page_link("app_pages/attention.py", label="3. Attention: query, key, value, softmax", icon=":material/grid_on:")
        st.page_link("app_pages/causal_mask.py", label="4. The causal mask: only look back", icon=":material/filter_alt:")
        st.page_link("app_pages/next_token.py", label="5. The next word, one at a time", icon=":material/bar_chart:")
        with st.expander("Model card"):
            if shared.is_bundled(ctx.path):
                st.markdown(bundle.card)
            else:  # a card from someone else's folder is shown as text, never rendered
                st.code(bundle.card, language="markdown", wrap_lines=True)


if ctx:
    overview(ctx)
