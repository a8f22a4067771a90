"""Attention: one head's heatmap beside one query word's arithmetic, then every layer and head.

Thin on purpose: it reads the view (layer, head, query word, window) from widgets bound to the
URL, asks viz (attention, windows, canvas, arithmetic, head_grid) for frames and payloads, and
places them. Every number comes from the trace; the page computes none.
"""

from __future__ import annotations

import streamlit as st

from app_pages import cache, components, lesson_numbers, rollout_view, shared, window_link
from app_pages.view_state import pick_head, pick_module, pick_query
from model import names
from viz import arithmetic, canvas, head_grid, numbers, windows
from viz import attention as va
from viz.attention_layout import attention_layout

shared.page_header(
    "Attention: which words each word looks at",
    "Each word makes a **query**, a **key** and a **value** with the same weights for every word. "
    "How much a word (a row) looks at another word (a column) is its query times that word's key (the dot product), "
    "divided by √d and turned into percentages by softmax. The word's new numbers are the percentage-weighted "
    "sum of all the values, added back to its own numbers (the residual connection). Pick a query word, or click a "
    "row, to see every step with this model's real numbers."
)

ctx = shared.page_context()


def on_click_panel() -> None:
    """A click on a small multiple shows that layer and head above."""
    if picked := components.picked("att-grid"):
        st.session_state["layer"], st.session_state["head"] = picked["module"], int(picked["head"])
        st.session_state["_grid_told"] = f"{va.module_title(picked['module'])}, head {int(picked['head']) + 1}"


def follow_query(module: str, query: int, n_q: int, n_k: int, unit: str = "tokens") -> None:
    """When the query word changes to one outside the window, move the window to hold its row."""
    if st.session_state.get("_att_followed") == (module, query, unit):
        return
    st.session_state["_att_followed"] = (module, query, unit)
    current = None
    if isinstance(st.session_state.get("qstart"), int) and isinstance(st.session_state.get("kstart"), int):
        current = windows.window_at(n_q, n_k, st.session_state["qstart"], st.session_state["kstart"])
    window = windows.window_for_query(n_q, n_k, query, names.module_kind(module), current)
    if (window.q0, window.k0) != (st.session_state.get("qstart"), st.session_state.get("kstart")):
        window_link.forget(st.query_params)
    st.session_state["qstart"], st.session_state["kstart"] = window.q0, window.k0


def window_sliders(trace, module: str, row: int, words) -> windows.Window | None:
    """Sliders for the first row and column of the window, for matrices too big to draw whole
    (``row``: the query's row, a word's with ``words``)."""
    n_q, n_k = va.matrix_size(trace, module, words)
    if not windows.needs_window(n_q, n_k):
        return None
    unit = "tokens" if words is None else "words"  # rows count these
    window_link.read_once(st.session_state, st.query_params)
    if "qstart" in st.session_state:  # a window from the URL or another page: keep it until the query changes
        st.session_state.setdefault("_att_followed", (module, row, unit))
    follow_query(module, row, n_q, n_k, unit)
    starts = []
    for column, key, n, labels, text in zip(
        st.columns(2), ("qstart", "kstart"), (n_q, n_k), va.axis_labels(trace, module, words),
        ("Rows (query words) from", "Columns (key words) from"),
    ):
        options = list(range(0, n - min(windows.WINDOW, n) + 1))
        if st.session_state.get(key) not in options:
            st.session_state[key] = options[-1]
        with column:
            starts.append(window_link.window_slider(text, options, labels, key,
                                                    help=f"Long prompts are drawn {windows.WINDOW} words at a time."))
    return windows.window_at(n_q, n_k, *starts)


def heatmap_column(trace, module: str, head: int, query: int, title: str, fit, words) -> None:
    row = query if words is None else words.word_of(query)
    window = window_sliders(trace, module, row, words)
    frame = va.attention_frame(trace, module, head, window, words)
    kind = names.module_kind(module)
    key_title = "input word (key)" if kind == "cross" else canvas.KEY_TITLE
    query_title = "output word (query)" if kind == "cross" else canvas.QUERY_TITLE
    local = va.local_window(ctx.bundle.config, module)
    # a word's row reports its last token: the query word the step-by-step table shows
    data = canvas.heatmap_data(frame, title, query=query if words is None else words.spans[row][1] - 1, key_title=key_title,
                               query_title=query_title, scale="linear" if window is None else "sqrt", window=local)
    data = fit(data)
    notes = [va.WORDS_NOTE] if words is not None else []
    if local:
        bias = (" Each head also adds a bias it learned for each distance back (see the step-by-step table)."
                if va.has_distance_bias(trace, module) else "")
        notes.append(f"A local layer: each word sees only itself and the {local - 1} words before it (GPT-3's banded layers, "
                     f"Mistral's sliding window); words further back are hidden like later words.{bias}")
    n_q, n_k = va.matrix_size(trace, module, words)
    things = "tokens" if words is None else "words"
    if window is None:
        notes.append(f"Rows and columns: the {n_q if n_q == n_k else f'{n_q} x {n_k}'} {things}, in order. "
                     "Hover a cell (or Tab to the cells and use the arrow keys) for the exact numbers; click it (or press Enter) "
                     "to pick its row's word.")
    else:
        overview = va.overview_frame(trace, module, head, words=words)
        block = int(overview["block"].iloc[0])
        notes.append(f"{n_q} x {n_k} {things}: too many cells to draw at once, so the heatmap shows rows {window.q0}–{window.q1 - 1} "
                     f"and columns {window.k0}–{window.k1 - 1} (red box below). The overview shows the whole matrix; "
                     f"each cell is the strongest attention in a block of {block} x {block} {things}. Both use a square-root colour "
                     "scale, so that the small percentages of a long prompt still show. Click a block of the overview to look "
                     "there: its first row becomes the query word and the window moves to it.")
    components.heatmap(data, "att-heatmap", on_pick=components.on_pick_query("att-heatmap"), notes=notes)
    shared.csv_button(frame, f"attention-{module}-head{head + 1}{'-words' if words else ''}", "att-heatmap")
    if window is not None:
        components.heatmap(va.overview_data(overview, "The whole matrix (max in each block)", window, local),
                                "att-overview", on_pick=components.on_pick_query("att-overview"))
        shared.csv_button(overview, f"attention-overview-{module}-head{head + 1}", "att-overview")


def arithmetic_column(trace, module: str, head: int, query: int):
    """The steps for one query word; returns the table's exact numbers when "Exact numbers" is on
    (drawn under both columns, at the page's width: in this column they were cut at "value[0")."""
    norm = ctx.bundle.config.norm
    token = trace.query_tokens(module)[query]
    d_head = int(trace.at(module, "q").shape[-1])
    q = arithmetic.vectors_display(arithmetic.query_frame(trace, module, head, query, norm))
    ac = components
    blocks = [ac.heading(f"Step by step for query word {query}: {token}"),
              ac.line("Input numbers ", ("code", q["vector"][0]), " → query (W_Q × input) ", ("strong code", q["vector"][1]))]
    if names.module_kind(module) == "cross":
        blocks.append(ac.note(
            "Encoder-decoder attention: the query comes from this output word; the keys and values come from the "
            "encoder's output, one per input word. Each row is the output word just written, looking for the "
            "input word it needs to write the next one: that is where word order changes show."))
    table = arithmetic.arithmetic_table(trace, module, head, query)
    local = va.local_window(ctx.bundle.config, module)
    hidden = f"a later word, or more than {local - 1} back (this layer's window)" if local else "a later word"
    bias = " + distance bias" if "bias" in table else ""
    blocks.append(ac.table(
        arithmetic.arithmetic_display(table, d_head), caption=f"The attention arithmetic for query word {query}",
        columns={
            "key vector": {"help": "this word's key (hook_k)"},
            "q·k": {"digits": 2, "help": "the query times this key: the similarity (hook_dots)"},
            f"÷ √{d_head}": {"digits": 2, "help": f"divided by √d_head = √{d_head} (hook_scaled)"},
            "+ distance bias": {"digits": 2, "help": "this head's learned bias for how many words back the key is "
                                                     "(hook_distance_bias)"},
            "+ mask": {"help": f"0 = may look; -∞ = {hidden}, hidden by the mask (hook_mask)"},
            "softmax %": {"kind": "bar", "digits": 1, "max": 100, "suffix": "%",
                          "help": f"softmax of (÷√d{bias} + mask): the attention percentages (hook_pattern)"},
            "value vector": {"help": "this word's value (hook_v)"},
            "% × value": {"help": "softmax % times the value"},
        },
    ))
    z = trace.at(module, "z")[query, head]
    blocks += [ac.line(("strong", "Sum of the % × value column"), " = ", ("code", numbers.fmt_vector(z)),
                       ": this head's new numbers for the word (hook_z)."),
               ac.line(("strong", "Residual connection"), ": the attention output is added back to the word's own numbers."),
               ac.table(arithmetic.vectors_display(arithmetic.residual_frame(trace, module, query, norm), limit=5),
                        caption="The residual connection for this word")]
    notes = []
    if ctx.bundle.config.n_heads > 1 or ctx.bundle.config.attn_out_proj:
        notes.append("The attention output joins every head's new numbers (side by side) and mixes them with W_O.")
    if norm == "pre":
        notes.append("This model normalizes before attention (pre-norm): the input numbers above are the normalized stream.")
    elif norm == "post":
        notes.append("This model normalizes after each residual sum (post-norm), as in the original Transformer.")
    if notes:
        blocks.append(ac.note(" ".join(notes)))
    ac.text_blocks(blocks, "att-steps")
    exact = st.toggle("Exact numbers", key="att_exact", bind="query-params",
                      help="Every number of the table at full precision, one column per vector component.")
    shared.csv_button(lambda: arithmetic.arithmetic_exact(table), f"arithmetic-{module}-head{head + 1}-query{query}", "arithmetic")
    # drawn on request: a hidden table still costs the browser on every keystroke
    return arithmetic.arithmetic_exact(table) if exact else None


@cache.per_trace_reusing()
def head_grid_data(trace, earlier) -> tuple[dict, bool, head_grid.GridPictures]:
    """Every head's picture, made once per trace (choosing another head only moves the outline)
    from the pictures of the prompt before the keystroke where they hold the same positions, with
    whether long prompts were pooled into blocks."""
    pictures = head_grid.grid_pictures_reusing(trace, [e[2] for e in earlier], max_side=head_grid.grid_side(trace))
    return head_grid.grid_data(pictures.pictures), any(p["block"] > 1 for p in pictures.pictures), pictures


def grid_section(trace, module: str, head: int, words) -> None:
    modules = trace.attention_modules()
    if sum(va.n_heads(trace, m) for m in modules) < 2:
        return
    st.subheader("Every layer and head")
    if told := st.session_state.pop("_grid_told", None):  # the heatmap above changed, maybe off-screen: say so here
        st.toast(f"Now shown in the heatmap above: {shared.md_escape(told)}", icon=":material/arrow_upward:")
    data, pooled, _ = head_grid_data(ctx.key)
    data = {**data, "panels": [{**p, "selected": p["module"] == module and p["head"] == head} for p in data["panels"]]}
    note = ("One small heatmap per attention head: rows are the query words top to bottom, columns the key words left "
            "to right, darker blue is more attention, grey is hidden by the causal mask"
            + (" (or outside a local layer's window)" if ctx.bundle.config.local_layers else "")
            + ". Click one to show it above, with the exact numbers."
            + (" The grid shows tokens, not words." if words else "")
            + (" Long prompts are drawn in blocks: each pixel is the strongest attention in its block." if pooled else ""))
    components.head_grid(data, "att-grid", on_pick=on_click_panel, note=note)
    shared.csv_button(lambda: head_grid.grid_frame(trace), "attention-all-heads", "att-grid")


def word_toggle(trace):
    """For a subword tokenizer, rows and columns may be words: their tokens grouped (model/hf/words.py)."""
    tokenizer = ctx.bundle.tokenizer
    if not tokenizer.subword or ctx.bundle.is_translator:
        return None
    on = st.toggle("Words", key="words", bind="query-params",
                   help='Group the tokens of each word ("␣un", "believ", "able") into one row and one column.')
    return tokenizer.words(trace.tokens) if on else None


@st.fragment
def attention_view(trace) -> None:
    with st.container(horizontal=True, wrap=True, gap="small"):  # not st.columns: 3 elements fewer to redraw a keystroke
        module = pick_module(trace)
        head = pick_head(trace, module)
        query = pick_query(trace, module)
        zoom = st.toggle("Zoom", key="att_zoom", bind="query-params",
                         help="Bigger cells and labels, for a projector: the step-by-step table then goes below the heatmap.")
        rollout = rollout_view.toggle()
        words = word_toggle(trace)
    if rollout:
        return rollout_view.show(ctx, module)
    title = f"{va.module_title(module)}, head {head + 1}"
    layout = attention_layout(trace, module, title, zoom, words)
    # Side by side at 1400 px (the cells shrink to make room); zoomed, the table wraps below.
    with st.container(horizontal=True, wrap=True, gap="medium"):
        with st.container(width=layout.heatmap_px):
            heatmap_column(trace, module, head, query, title, layout.fit, words)
        with st.container(width=layout.steps_px):
            exact = arithmetic_column(trace, module, head, query)
    if exact is not None:
        st.dataframe(exact, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.6f")
                                                            for c in exact.columns if c not in ("key_pos", "key_token")})
    lesson_numbers.head_weights(ctx, module, head, query)
    grid_section(trace, module, head, words)


if ctx:
    attention_view(ctx.trace)
