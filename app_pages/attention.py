"""Attention: every layer and head as a heatmap, and one query's arithmetic with real numbers."""

from __future__ import annotations

import streamlit as st

from app_pages import shared
from app_pages.view_state import pick_head, pick_module, pick_query
from viz.attention import attention_frame, attention_grid, attention_heatmap, attention_window, grid_frame, head_arithmetic, module_title
from viz.common import fmt_vector

st.header("Attention: which words each word looks at")
shared.explain(
    "Each word makes a **query**, a **key** and a **value** with the same weights for every word. "
    "How much a word (a row) looks at another word (a column) is the dot product of its query with that "
    "word's key, divided by √d, turned into percentages by softmax. The word's new value is the "
    "percentage-weighted sum of all the values, added back to the word's own numbers (the residual connection)."
)

ctx = shared.page_context()


@st.fragment
def attention_view(trace) -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        module = pick_module(trace)
    with c2:
        head = pick_head(trace, module)
    with c3:
        query = pick_query(trace, module)

    left, right = st.columns([4, 7], gap="medium")
    with left:
        rows, cols = attention_window(trace, module, query)
        n_q, n_k = trace.pattern(module).shape[1:]
        if (rows, cols) != ((0, n_q), (0, n_k)):
            st.caption(f"{n_q} x {n_k} words: showing rows {rows[0]}-{rows[1] - 1} and columns {cols[0]}-{cols[1] - 1} "
                       "around the query word. Pick another query word to move the window; the grid below shows the whole matrix.")
        st.caption(f"Rows and columns: the {n_q if n_q == n_k else f'{n_q} x {n_k}'} tokens, in order. Hover a cell for the exact percentage.")
        frame = attention_frame(trace, module, head, rows, cols)
        title = f"{module_title(module)}, head {head + 1}"
        key_title = "input word (key)" if ".cross_attn" in module else "key (the word looked at)"
        shared.chart_with_csv(attention_heatmap(frame, title, query, key_title), frame, f"attention-{module}-head{head + 1}", "attention")
    with right:
        steps = head_arithmetic(trace, module, head, query)
        st.markdown(f"#### Step by step for query word {query}: {shared.md_escape(repr(steps.query_token))}")
        st.markdown(
            f"Input numbers (`{steps.input_name}`): **{fmt_vector(steps.input_vector, 3)}** -> "
            f"query = W_Q x input = **{fmt_vector(steps.query_vector, 3)}**"
        )
        st.dataframe(
            steps.table,
            hide_index=True,
            column_config={
                "query · key": st.column_config.NumberColumn(format="%.3f", help="dot product of the query with this key"),
                steps.table.columns[3]: st.column_config.NumberColumn(format="%.3f", help=f"scaled by the square root of d_head = {steps.d_head}"),
                "+ mask": st.column_config.NumberColumn(format="%.0f", help="0 = may look; -inf = a later word, hidden by the causal mask"),
                "score": st.column_config.NumberColumn(format="%.3f"),
                "softmax %": st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100),
            },
        )
        st.markdown(f"Sum of the % x value column (this head's output): **{fmt_vector(steps.weighted_sum, 3, 8)}**")
        st.markdown("**Residual connection**: the attention output is added back to the word's own numbers.")
        st.dataframe(steps.residual, hide_index=True)
        norm = ctx.bundle.config.norm
        if norm == "post":
            st.caption("This model normalizes after each residual sum (post-norm), so the last row is the normalized sum.")
        elif norm == "pre":
            st.caption("This model normalizes each step's input (pre-norm): the query reads the normalized numbers, the sum does not.")
        if ctx.bundle.config.n_heads > 1:
            st.caption("With several heads, their outputs are concatenated and mixed by W_O before the residual sum.")

    st.subheader("Every layer and head")
    st.caption("One small heatmap per head (rows: queries, columns: keys). Long prompts are shown in blocks: each cell is the largest attention in its block. Hover for the numbers.")
    grid = grid_frame(trace)
    shared.chart_with_csv(attention_grid(grid), grid, "attention-all-heads", "grid")


if ctx:
    attention_view(ctx.trace)
