"""A long matrix's window in the shareable link, written only when the user moves it.

Why not ``bind="query-params"``: the window follows the query word, by default the newest one,
so typing at the end of a long prompt moved the window's sliders on every keystroke. Bound to
the URL, each move made the server send the browser a new URL, and the browser redraw the app
for it: two more redraws per keystroke. Here a link's window is read once per session, a slider
the user moves writes its start into the link, and a window that moves by itself (to follow
the query word) takes its start out of the link.
"""

from __future__ import annotations

from typing import MutableMapping, Sequence

import streamlit as st

KEYS = ("qstart", "kstart")  # first row, first column of the window
_READ = "_window_link_read"  # session flag: the link's window has been read


def parse(text: object) -> int | None:
    """"50" -> 50; so does "50: the", what links held while the sliders were bound; None for anything else."""
    head = str(text).split(":", 1)[0].strip()
    return int(head) if head.isdigit() and len(head) <= 9 else None


def read_once(state: MutableMapping, params: MutableMapping) -> None:
    """The link's window starts into the session, once per session, before any slider reads them."""
    if state.get(_READ):
        return
    state[_READ] = True
    for key in KEYS:
        if key in params and key not in state and (start := parse(params[key])) is not None:
            state[key] = start


def forget(params: MutableMapping) -> None:
    """The window moved by itself: the link no longer names where it is."""
    for key in KEYS:
        if key in params:
            del params[key]


def _write(key: str) -> None:
    st.query_params[key] = str(st.session_state[key])


def window_slider(label: str, options: Sequence[int], labels: Sequence[str], key: str, help: str) -> int:
    """A slider over a window's first position, labelled with its word; moved by the user, it
    writes the position into the link."""
    return st.select_slider(label, options, format_func=lambda i: labels[i], key=key, on_change=_write, args=(key,),
                            help=help)
