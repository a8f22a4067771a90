"""Causal mask: how adding -∞ to the scores of later words stops a word from looking ahead.

Thin on purpose: the four stages (mask, scores, scores + mask, softmax) come from the trace
via viz.mask; "Show without the mask" asks for the same prompt under RunOptions(causal=False)
through ctx.run, a cached trace of its own.
"""

from __future__ import annotations

import streamlit as st

from app_pages import components, shared
from app_pages.view_state import pick_head, pick_module, pick_query
from model import names
from model.trace import RunOptions
from viz import attention as va
from viz import canvas, windows
from viz import mask as vm
from viz.common import token_labels

shared.page_header(
    "Causal mask: a word may only look back",
    "In masked self-attention a word looks only at itself and the words before it. In the video's sentence "
    "\"The pizza came out of the oven and it tasted good!\", the word \"it\" may look at \"The pizza came out of the "
    "oven and it\" but not at \"tasted good!\". The model adds a mask to the scaled scores: 0 where a word may look, "
    "minus infinity (-∞) where it may not, and softmax turns -∞ into exactly 0%. That is what lets a decoder "
    "learn from a whole sentence at once and still generate one word at a time: no word can peek at the words it must predict."
)

ctx = shared.page_context()


def diagonal_window_slider(trace, module: str, query: int) -> windows.Window | None:
    """One slider moving a square window along the diagonal, where the mask's edge runs; it
    moves to the query word when that word is chosen outside it."""
    n_q, n_k = trace.pattern(module).shape[1:]
    if not windows.needs_window(n_q, n_k):
        return None
    options = list(range(0, n_q - min(windows.WINDOW, n_q) + 1))
    start = st.session_state.get("qstart")
    if start in options:  # a window from the URL or another page: keep it until the query changes
        st.session_state.setdefault("_mask_followed", (module, query))
    if st.session_state.get("_mask_followed") != (module, query) or start not in options:
        st.session_state["_mask_followed"] = (module, query)
        current = windows.window_at(n_q, n_k, start, start) if start in options else None
        st.session_state["qstart"] = windows.window_for_query(n_q, n_k, query, "square", current).q0
    labels = token_labels(trace.query_tokens(module))
    start = st.select_slider("Window from", options, format_func=lambda i: labels[i], key="qstart", bind="query-params",
                             help=f"Long prompts are drawn {windows.WINDOW} words at a time.")
    return windows.window_at(n_q, n_k, start, start)


def stage_grid(trace, module: str, head: int, query: int, window: windows.Window | None) -> None:
    frames = vm.mask_frames(trace, module, head, window)
    n = max(frames["mask"]["query_pos"].nunique(), frames["mask"]["key_pos"].nunique())
    per_row = 4 if n <= 6 else 2  # four in a row while they fit a 1400 px screen, else 2 x 2
    labels_px = 110  # the query labels: on the first of four panels in a row; on every panel of a 2 x 2 grid,
    # whose right-hand panels stand too far from the left ones to read their rows across
    cell = min(40, (840 - labels_px - 4 * 30) // (4 * n) if per_row == 4 else (400 - labels_px) // n)
    panel = max(n * cell + 30, 175)  # room for the title, the legend and the CSV button
    widths = [labels_px + panel] + [panel] * (per_row - 1) if per_row == 4 else [labels_px + panel] * 2
    domain = vm.score_domain(frames["scores"])
    biased = va.has_distance_bias(trace, module)
    row = widths + [max(1, 860 - sum(widths))]  # a spacer keeps small panels together on the left
    columns = st.columns(row)[:per_row] if per_row == 4 else [*st.columns(row)[:2], *st.columns(row)[:2]]
    for i, (column, (stage, frame)) in enumerate(zip(columns, frames.items())):
        with column:
            data = vm.mask_data(frame, stage, vm.stage_title(stage, biased), query=query, domain=domain, cell=cell,
                                row_labels=per_row == 2 or i == 0, scale="linear" if window is None else "sqrt",
                                local_window=va.local_window(ctx.bundle.config, module))
            components.heatmap(data, f"mask-{stage}-panel", on_pick=components.pick_query(f"mask-{stage}-panel"))
            shared.csv_button(lambda frame=frame, stage=stage: vm.csv_frame(frame, stage), f"{stage}-{module}-head{head + 1}",
                              f"mask-{stage}")


def looks_at(trace, module: str, query: int) -> None:
    visible, hidden = vm.visible_keys(trace, module, query)
    before, after = vm.hidden_before_and_after(hidden, query)
    token = shared.md_escape(trace.query_tokens(module)[query])
    seen = f"words {vm.span(visible)}" if visible else "no word"
    parts = []
    if after:
        parts.append(f"the -∞ on words {vm.span(after)}, after it, turn into 0%")
    if before:
        parts.append(f"so do those on words {vm.span(before)}, too far back for this layer's window" if after else
                     f"the -∞ on words {vm.span(before)}, too far back for this layer's window, turn into 0%")
    if parts:
        rest = "; " + "; ".join(parts) + "."
    else:
        rest = ". It is the last word, so nothing is hidden from it: pick an earlier word to see the -∞ hide the words after it."
    st.caption(f"Query word {query} ({token}), outlined in red, may look at {seen}{rest}")


def local_note(ctx: shared.PageContext, module: str) -> None:
    """A local layer hides words too far back as well as later words: say so where it shows."""
    window = va.local_window(ctx.bundle.config, module)
    if not window:
        return
    bias = (" Each of its heads also learned a bias for each distance back, added to the scores (panel 2), so "
            "that it can prefer, say, the word just before." if va.has_distance_bias(ctx.trace, module) else "")
    st.info(f"This is a local layer: it sees only the last {window} words (the word itself and the {window - 1} before it), "
            "as in GPT-3's banded layers or Mistral's sliding window. Its mask hides the words further back with "
            f"-∞ too, so the band of 0s runs along the diagonal.{bias}", icon=":material/info:")


def without_mask(ctx: shared.PageContext, module: str, head: int, window: windows.Window | None) -> None:
    st.subheader("The same prompt without the mask")
    local = " (and, in a local layer, at the words before its window)" if va.local_window(ctx.bundle.config, module) else ""
    st.caption(f"Now every word also looks at the words after it{local}: the upper-right triangle fills in. "
               "Because each layer reads the one before, every later layer changes too. That is how a normal Transformer's "
               "encoder reads its input, but a decoder that looked ahead could not learn to predict the next word.")
    frames = vm.compare_frames(ctx.trace, ctx.run(RunOptions(causal=False)), module, head, window)
    n = frames["with"]["query_pos"].nunique()
    shown = ["with", "without", "change"] if n <= 8 else ["without", "change"]  # long: panel 4 above is "with"
    cell = min(40, (860 // len(shown) - 140) // max(n, 1))
    scale = "sqrt" if window is not None else "linear"
    panels = {
        "with": lambda: {**canvas.heatmap_data(frames["with"], "With the mask (as trained)", scale=scale), "cell": cell},
        "without": lambda: {**canvas.heatmap_data(frames["without"], "Without the mask", scale=scale), "cell": cell},
        "change": lambda: vm.change_data(frames["change"], "Change (percentage points)", cell=cell),
    }
    for column, name in zip(st.columns(len(shown)), shown):
        with column:
            components.heatmap(panels[name](), f"nomask-{name}-panel")
            shared.csv_button(frames[name], f"{name}-mask-{module}-head{head + 1}", f"nomask-{name}")


def encoder_contrast(trace, module: str, head: int, unmasked_shown: bool) -> None:
    """A translator's encoder self-attention: no mask, every input word looks at every other."""
    encoders = [m for m in trace.attention_modules() if names.module_kind(m) == "encoder"]
    if not encoders:
        hint = ("The panels above show what this head would do unmasked." if unmasked_shown else
                "Switch on \"Show without the mask\" to see what this head would do unmasked.")
        st.info("This is a decoder-only model: every attention in it is masked. A normal Transformer's encoder is not "
                f"masked. {hint}", icon=":material/info:")
        return
    layer = names.layer_of(module)
    encoder = next((m for m in encoders if names.layer_of(m) == layer), encoders[0])
    st.subheader("For contrast: the encoder is not masked")
    st.caption("The encoder reads the whole input sentence at once, so every input word looks at every other one, "
               "before and after it.")
    n = trace.pattern(encoder).shape[1]
    window = windows.window_at(n, n, 0, 0) if windows.needs_window(n, n) else None
    frame = va.attention_frame(trace, encoder, min(head, va.n_heads(trace, encoder) - 1), window)
    data = canvas.heatmap_data(frame, f"{va.module_title(encoder)}, head {min(head, va.n_heads(trace, encoder) - 1) + 1}")
    components.heatmap(data, "mask-encoder-panel")
    shared.csv_button(frame, f"encoder-{encoder}", "mask-encoder")


def open_on_a_plain_layer(ctx: shared.PageContext, masked: list[str]) -> None:
    """Without a layer chosen (here, on another page or in the link), start on the first layer that
    sees every earlier word: the lesson's mask, not a local layer's band."""
    if "layer" in st.session_state or "layer" in st.query_params:
        return
    plain = [m for m in masked if not va.local_window(ctx.bundle.config, m)]
    if plain:
        st.session_state["layer"] = plain[0]


@st.fragment
def mask_view(ctx: shared.PageContext) -> None:
    trace = ctx.trace
    masked = [m for m in trace.attention_modules() if names.module_kind(m) == "masked"]
    c1, c2, c3, c4 = st.columns([4, 3, 3, 3], vertical_alignment="bottom")
    with c1:
        open_on_a_plain_layer(ctx, masked)
        module = pick_module(trace, masked, label="Masked self-attention")
    with c2:
        head = pick_head(trace, module)
    with c3:
        query = pick_query(trace, module)
    with c4:
        show_without = st.toggle("Show without the mask", key="nomask", bind="query-params",
                                 help="Run the same prompt with the causal mask removed, and compare.")
    window = diagonal_window_slider(trace, module, query)
    local_note(ctx, module)
    stage_grid(trace, module, head, query, window)
    looks_at(trace, module, query)
    if show_without:
        without_mask(ctx, module, head, window)
    encoder_contrast(trace, module, head, show_without)


if ctx:
    mask_view(ctx)
