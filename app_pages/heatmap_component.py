"""The attention page's heatmap as a canvas component (st.components.v2), not a Vega chart.

Why: Vega re-created every mark of the heatmap on each keystroke. A bare app holding only a
prompt box and this heatmap took 190-230 ms from a keystroke to the redrawn heatmap with Vega,
and 108 ms with a canvas, against 81-91 ms for the prompt box alone (docs/benchmarks.md). The
picture is the same: viz.attention.heatmap_data gives the numbers, heatmap_component.js draws
them (cells, token labels in order, the chosen row, a colour legend, exact numbers on hover),
and a click on a cell reports its query position.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).parent


@functools.cache
def _component():
    """Registered on first use, inside a script run (at import there is no runtime to hold it)."""
    return st.components.v2.component(
        "attention_lab_heatmap",
        js=(_HERE / "heatmap_component.js").read_text(encoding="utf-8"),
        css=(_HERE / "heatmap_component.css").read_text(encoding="utf-8"),
        isolate_styles=False,  # labels inherit the app's font and theme colours
    )


def heatmap(data: dict, key: str, on_pick: Callable[[], None] | None = None) -> int | None:
    """Draw one heatmap (``data`` from viz.attention.heatmap_data); returns the query position
    of a cell clicked in this run, if any. ``on_pick`` runs before the rerun a click causes, so it
    may set other widgets' values; it reads the position with ``picked(key)``."""
    result = _component()(data=data, key=key, width="content", on_pick_change=on_pick or (lambda: None))
    return getattr(result, "pick", None)


def picked(key: str) -> int | None:
    """The query position just clicked on the heatmap drawn with ``key`` (inside ``on_pick``)."""
    state = st.session_state.get(key)
    value = state.get("pick") if isinstance(state, dict) else getattr(state, "pick", None)
    return int(value) if value is not None else None
