"""Compare prompts: one head's attention on two prompts, side by side, and what changed."""

from __future__ import annotations

import streamlit as st

from app_pages import components, shared
from app_pages.view_state import pick_head, pick_module
from model.analysis.compare import compare_patterns
from model.analysis.patching import default_pair
from viz import compare as vc
from viz.attention import module_title
from viz.attention_layout import fitted_heatmap

shared.page_header(
    "Compare prompts: how one head's attention changes when the words change",
    "Change a detail of the prompt (swap two names, replace a word) and see which words this head looks at "
    "instead. Side by side: the sidebar's prompt (left) and the second prompt (right); below them, the difference, "
    "cell by cell at the same positions (blue: more attention with the second prompt, red: less)."
)

ctx = shared.page_context()
PANEL_PX = 500  # half the main column at 1400 px: the two prompts' heatmaps fit side by side


def second_prompt(ctx: shared.PageContext) -> str:
    pair = default_pair(ctx.bundle)
    changed = st.session_state.get("_cmp_model", ctx.key.model.path) != ctx.key.model.path  # a new model starts from its own pair
    st.session_state["_cmp_model"] = ctx.key.model.path
    if changed or "prompt_b" not in st.session_state:
        st.session_state["prompt_b"] = pair[1] if pair and ctx.prompt == pair[0] else ctx.prompt
    return st.text_input("Second prompt", key="prompt_b", live="0ms", bind="query-params",
                         help="Compared position by position with the sidebar's prompt.")[:shared.MAX_PROMPT_CHARS]


@st.fragment
def compare_view(ctx: shared.PageContext) -> None:
    text = second_prompt(ctx)
    other = ctx.other(text, "Type a second prompt to compare.")
    if other is None:
        return
    with st.container(horizontal=True, gap="medium"):
        module = pick_module(ctx.trace)
        head = pick_head(ctx.trace, module)
    cmp = compare_patterns(ctx.trace, other, module, head)
    n_a, n_b = ctx.trace.pattern(module).shape[1], other.pattern(module).shape[1]
    title = f"{module_title(module)}, head {head + 1}"
    hidden = vc.hidden_cells(ctx.trace, cmp)
    panels = [(vc.pattern_data(cmp, 0, f"First prompt: {title}", hidden), "cmp-a", []),
              (vc.pattern_data(cmp, 1, f"Second prompt: {title}", hidden), "cmp-b", []),
              (vc.difference_data(cmp, "Second minus first (points)"), "cmp-diff", vc.difference_notes(n_a, n_b))]
    # the two prompts side by side (half the page each), the difference under them
    with st.container(horizontal=True, wrap=True, gap="medium"):
        for data, key, notes in panels[:2]:
            data = fitted_heatmap(data, len(data["cols"]), PANEL_PX, zoom=False)  # smaller cells for a long prompt
            with st.container(width=PANEL_PX):
                components.heatmap(data, key, notes=notes)
    data, key, notes = panels[2]
    with st.container(width=max(data["cell"] * len(data["cols"]) + 150, 7 * len(data["title"]) + 10)):
        components.heatmap(data, key, notes=notes)
    shared.csv_button(lambda: vc.comparison_table(cmp), f"compare-{module}-head{head + 1}", "cmp-diff")


if ctx:
    compare_view(ctx)
