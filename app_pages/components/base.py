"""What every component shares: registration with the shared script inlined, the one palette in
its data, mounting, and reading a click back.

Why shared scripts are inlined here: st.components.v2 loads a component's script from a blob
URL, where a relative import cannot resolve, so ``import { ... } from "./dom.js";`` is replaced
by dom.js itself (its ``export`` words dropped) once, when the component is registered; the
same for colour.js and heatmap_draw.js. Node's tests import the files as they are (tests/js).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from viz.palette import palette_data

HERE = Path(__file__).parent
PICKABLE = ("heatmap", "head_grid")  # the components that report a click as the trigger "pick"
_SHARED_IMPORT = re.compile(r'^import \{[^}]*\} from "\./([\w-]+)\.js";\n', re.M)


def script(name: str) -> str:
    """A component's script with the shared modules it imports (and theirs) written in place of
    the imports, each module once."""
    written: set[str] = set()

    def resolve(source: str) -> str:
        def inline(found: re.Match) -> str:
            if found[1] in written:
                return ""
            written.add(found[1])
            shared = resolve((HERE / f"{found[1]}.js").read_text(encoding="utf-8"))
            return re.sub(r"^export ", "", shared, flags=re.M)

        return _SHARED_IMPORT.sub(inline, source)

    return resolve((HERE / f"{name}.js").read_text(encoding="utf-8"))


@functools.cache
def component(name: str):
    """Registered once per process, on first use (Streamlit copies it into each runtime it mounts
    in); the scripts are read then, so an edited script needs a server restart."""
    return st.components.v2.component(
        f"attention_lab_{name}",
        js=script(name),
        css=(HERE / f"{name}.css").read_text(encoding="utf-8"),
        isolate_styles=False,  # text inherits the app's font and theme colours
    )


def plain(value):
    """A payload as JSON-ready data: dataclasses become dicts without their unset (None) fields,
    shallowly, as lists of numbers are sent as they are (this runs on every keystroke)."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(v) for f in dataclasses.fields(value) if (v := getattr(value, f.name)) is not None}
    if isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
        return [plain(v) for v in value]
    return value


def mount(name: str, payload, key: str | None, width: str = "content", on_pick: Callable[[], None] | None = None):
    """Draw the component ``name`` with ``payload`` (a dataclass) and the app's palette; returns
    what was clicked in this run, for the components that report clicks (PICKABLE)."""
    data = {**plain(payload), "colours": palette_data()}
    if name not in PICKABLE:
        component(name)(data=data, key=key, width=width)
        return None
    result = component(name)(data=data, key=key, width=width, on_pick_change=on_pick or (lambda: None))
    return getattr(result, "pick", None)


def picked(key: str):
    """What was just clicked in the component drawn with ``key`` (inside its ``on_pick``)."""
    state = st.session_state.get(key)
    return state.get("pick") if isinstance(state, dict) else getattr(state, "pick", None)
