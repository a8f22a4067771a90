"""The app's own small components (st.components.v2): the canvas heatmap (the attention page's,
its long-prompt overview, the causal-mask page's stages), the grid of heads, blocks of text and
tables (the attention page's step-by-step column, the overview's tokens and answer) and the
overview's architecture diagram.

Why not Vega charts and st.dataframe: on each keystroke Vega re-created every mark of these
charts and the data grid rebuilt its table. A bare app holding only a prompt box and the heatmap
took 190-230 ms from a keystroke to the redrawn heatmap with Vega, and 108 ms with a canvas,
against 81-91 ms for the prompt box alone; on the attention page the two data grids cost another
24 ms a keystroke (docs/benchmarks.md, "What changed in the fourth session"). On the first page,
Streamlit's data grid, code block and Graphviz chart made a fresh browser load and start about
3.5 MB of script before it could draw anything (the eighth session).

What is shown is the same: viz.attention gives the numbers, the scripts in components/ draw
them, and a click reports what was clicked. A canvas has no Vega menu: the browser's own "Save
image as" still saves the heatmap, and every matrix keeps its CSV button. Text from the prompt
is only ever set as DOM text, never as HTML.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

_ASSETS = Path(__file__).parent / "components"


@functools.cache
def _component(name: str):
    """Registered once per process, on first use (Streamlit copies it into each runtime it mounts
    in); the scripts are read then, so an edited script needs a server restart."""
    return st.components.v2.component(
        f"attention_lab_{name}",
        js=(_ASSETS / f"{name}.js").read_text(encoding="utf-8"),
        css=(_ASSETS / f"{name}.css").read_text(encoding="utf-8"),
        isolate_styles=False,  # text inherits the app's font and theme colours
    )


def _mount(name: str, data: dict, key: str, on_pick: Callable[[], None] | None):
    result = _component(name)(data=data, key=key, width="content", on_pick_change=on_pick or (lambda: None))
    return getattr(result, "pick", None)


def heatmap(data: dict, key: str, on_pick: Callable[[], None] | None = None, notes: Sequence[str] = ()) -> int | None:
    """One attention heatmap (``data`` from viz.attention.heatmap_data): cells on a canvas, token
    labels in order, the chosen row outlined, exact numbers on hover, and ``notes`` under it as
    captions. Returns the query position of a cell clicked in this run, if any. ``on_pick`` runs
    before the rerun a click causes, so it may set other widgets' values; it reads the position
    with ``picked(key)``."""
    return _mount("heatmap", {**data, "notes": list(notes)} if notes else data, key, on_pick)


def head_grid(data: dict, key: str, on_pick: Callable[[], None] | None = None, note: str = "") -> dict | None:
    """Every head's pattern as a small picture (``data`` from viz.attention.grid_data), ``note``
    above it as a caption. A click on one reports {"module", "head"} (read it in ``on_pick`` with
    ``picked(key)``)."""
    return _mount("head_grid", {**data, "note": note}, key, on_pick)


def picked(key: str):
    """What was just clicked in the component drawn with ``key`` (inside its ``on_pick``)."""
    state = st.session_state.get(key)
    return state.get("pick") if isinstance(state, dict) else getattr(state, "pick", None)


def pick_query(key: str) -> Callable[[], None]:
    """An ``on_pick`` for a heatmap: the clicked cell's row (its query position) becomes the query
    word ("query" in the session state, the pages' query picker)."""
    def on_pick() -> None:
        if (position := picked(key)) is not None:
            st.session_state["query"] = int(position)
    return on_pick


def _json_cell(value):
    """Numbers as they are (NaN and infinities as blanks: JSON has none), the rest as text."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    return None if value is None or value is pd.NA else str(value)


def table(frame: pd.DataFrame | Mapping[str, Sequence], columns: Mapping[str, Mapping] | None = None, pinned: int = 1,
          caption: str = "") -> dict:
    """A plain table for ``text_blocks``, one row per row of ``frame`` (a DataFrame, or columns
    by name). ``columns`` gives each column's look by name: kind "text" (default for text),
    "number" (``digits`` decimals, default for numbers; ``group``: thousands separators) or "bar" (a bar up to ``max`` and the
    number with ``suffix``), ``help`` for its header's tooltip, and ``wrap`` for long text that may wrap. The first ``pinned`` columns
    stay in view when the table scrolls sideways; ``caption`` names it for screen readers."""
    data = {name: frame[name].tolist() for name in frame.columns} if isinstance(frame, pd.DataFrame) else frame
    columns = columns or {}
    spec = []
    for name, values in data.items():
        look = dict(columns.get(name, {}))
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in values)
        look.setdefault("kind", "number" if numeric and len(values) else "text")
        spec.append({"name": str(name), **look})
    rows = [[_json_cell(v) for v in row] for row in zip(*data.values())]
    return {"kind": "table", "columns": spec, "rows": rows, "pinned": pinned, "caption": caption}


def heading(text: str) -> dict:
    """A heading (as markdown's #####)."""
    return {"kind": "heading", "parts": [["", text]]}


def line(*parts: str | tuple[str, str]) -> dict:
    """A paragraph: plain strings, or (style, text) with style "code",
    "strong" or "strong code" (as markdown's `x`, **x** and **`x`**)."""
    return {"kind": "line", "parts": [["", p] if isinstance(p, str) else list(p) for p in parts]}


def note(text: str) -> dict:
    """A caption (as st.caption)."""
    return {"kind": "note", "parts": [["", text]]}


def code(text: str) -> dict:
    """A box of monospaced text that wraps (as st.code without highlighting or copy button)."""
    return {"kind": "code", "parts": [["", text]]}


def text_blocks(blocks: list[dict], key: str | None = None) -> None:
    """Headings, lines, notes, code boxes and tables (built with the functions above) as one
    component: the attention page's step-by-step column, the overview's tokens and answer. Why
    one: as two markdown elements, a caption and two table components, each re-rendered on every
    keystroke, the step-by-step column cost 47 ms of a 200 ms keystroke at 32 tokens; as one
    component it costs 13 ms less (docs/benchmarks.md, seventh session). Every text is set as DOM
    text, never as HTML."""
    _component("text_blocks")(data={"blocks": blocks}, key=key, width="stretch")


def architecture(data: dict, key: str | None = None) -> None:
    """The model's architecture diagram (``data`` from viz.architecture.architecture_layout) as
    SVG, each box's tooltip naming where its numbers are in the trace."""
    _component("architecture")(data=data, key=key, width="content")
