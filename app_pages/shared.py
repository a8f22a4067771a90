"""What every page shares: the page's context (model, prompt, its one trace) and view helpers.

Why here: pages stay thin (read state, call viz/, place things). The caches behind the context
are in app_pages/cache.py, checkpoint finding in app_pages/checkpoints.py.
"""

from __future__ import annotations

import functools
import gc
from threading import Timer
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import pandas as pd
import streamlit as st

from app_pages import cache, components, downloads
from app_pages.cache import ModelKey, TraceKey
from app_pages.checkpoints import shown_path
from model.budget import trace_budget_bytes
from model.bundle import EmptyPromptError, ModelBundle
from model.checkpoint import CheckpointError
from model.trace import RunOptions, Trace
from viz.spec import SpecChart, from_altair
from viz.views import Panel

if TYPE_CHECKING:
    import altair as alt

DEFAULT_PROMPTS = {
    "statquest-decoder": "what is statquest",
    "statquest-translator": "let's go",
}
HF_PROMPT = "The cat sat on the mat because it was tired"


def error_text(err: CheckpointError) -> str:
    """A CheckpointError for the page: its path shown relative to its root, and every character
    of it (a path, a file name, a word of a vocabulary) made literal for markdown."""
    return md_escape(f"{shown_path(err.path)}: {err.problem}")


@functools.cache
def settle_heap() -> None:
    """Import what the pages' views import, then put everything loaded so far out of the garbage
    collector's reach (``gc.freeze``). Once per process.

    Why: torch, pandas, Altair and Streamlit leave millions of long-lived objects, and Python's
    full collections walked all of them, with the server frozen, on about one keystroke in two.
    Frozen objects are never scanned again; new garbage is still collected as usual. (The first
    session's objects are frozen too: any of them in a reference cycle outlive that session, a
    one-off and bounded cost.)
    """
    import model.heads  # noqa: F401
    import viz.architecture  # noqa: F401
    import viz.attention  # noqa: F401  (Altair and the views of the pages not visited yet)
    import viz.embeddings  # noqa: F401
    import viz.heads  # noqa: F401
    import viz.mask  # noqa: F401
    import viz.next_token  # noqa: F401
    import viz.positional  # noqa: F401

    gc.collect()
    gc.freeze()


@functools.cache
def settle_heap_soon(delay_s: float = 2.0) -> None:
    """settle_heap() on a timer, once: after the first page is drawn rather than while it is
    (the imports and the collection hold the server for a moment)."""
    timer = Timer(delay_s, settle_heap)
    timer.daemon = True
    timer.start()


def default_prompt(bundle: ModelBundle) -> str:
    if bundle.extra.get("source") == "huggingface":  # a real model reads any sentence
        return HF_PROMPT
    return bundle.extra.get("example_prompts", [DEFAULT_PROMPTS.get(bundle.name, "")])[0]


@dataclass
class PageContext:
    bundle: ModelBundle
    key: TraceKey
    trace: Trace

    @property
    def prompt(self) -> str:
        return self.key.prompt

    @property
    def continuation(self) -> tuple[int, ...] | None:
        return self.key.continuation

    def run(self, options: RunOptions) -> Trace:
        """The same prompt under other run options (an intervention): its own cached trace."""
        return cache.trace(self.key.under(options))

    def other(self, prompt: str, hint: str) -> Trace | None:
        """Another prompt's trace on this model (a second prompt box); None, with ``hint``, while it is empty."""
        try:
            return cache.trace(TraceKey(self.key.model, prompt))
        except EmptyPromptError:
            st.info(hint, icon=":material/keyboard:")
            return None


def current_model() -> tuple[ModelBundle, ModelKey]:
    """The model the sidebar chose (set by app.py in session_state)."""
    model = st.session_state["model_key"]
    return cache.load_bundle(model), model


def page_context() -> PageContext | None:
    """The trace of the current prompt, with on-screen notices; None (and a hint) if empty."""
    bundle, model = current_model()
    prompt = current_prompt()
    encoding = bundle.encode(prompt)
    # In the sidebar, under the prompt box being typed in: in the page, the notice came and went
    # with every half-typed word and the whole page jumped down and back up under it.
    with st.sidebar:
        show_encoding_notices(bundle, encoding)
    key = TraceKey(model, prompt, st.session_state.get("continuation"))
    try:
        trace = cache.trace(key)
    except EmptyPromptError:
        words = md_escape(", ".join(w for w in bundle.prompt_tokenizer.vocab[:12] if not w.startswith("<")))
        st.info(f"Type a prompt in the sidebar to see what the model does with it. This model knows words such as: {words}.", icon=":material/keyboard:")
        return None
    return PageContext(bundle, key, trace)


# The prompt box takes any paste (a box with max_chars drops a longer paste without a word); the
# model reads this many characters of it, and the sidebar says so.
MAX_PROMPT_CHARS = 10_000


def current_prompt() -> str:
    return (st.session_state.get("prompt", "") or "")[:MAX_PROMPT_CHARS]


def show_encoding_notices(bundle: ModelBundle, encoding) -> None:
    if encoding.unknown:
        words = ", ".join(md_escape(repr(w)) for _, w in encoding.unknown[:20])
        more = f" (and {len(encoding.unknown) - 20} more)" if len(encoding.unknown) > 20 else ""
        fate = "left out: this model's vocabulary has no <unk> token" if encoding.unknown_dropped else "read as <unk>"
        st.warning(f"Words this model does not know ({fate}): {words}{more}", icon=":material/help:")
    if encoding.truncated and bundle.cut_by_budget:
        st.warning(
            f"The prompt is longer than the {bundle.max_tokens:,} tokens this server traces for this model (its memory budget "
            f"for one trace is {trace_budget_bytes() // 2**20:,} MB; the model itself takes {bundle.config.max_len:,}): "
            f"the last {encoding.truncated:,} word(s) were cut.",
            icon=":material/content_cut:",
        )
    elif encoding.truncated:
        st.warning(
            f"The prompt is longer than this model's {bundle.config.max_len} tokens: the last {encoding.truncated} word(s) were cut.",
            icon=":material/content_cut:",
        )


_MARKDOWN_SPECIALS = "\\`*_{}[]<>()#+-.!|~$:"


def md_escape(text: str) -> str:
    """Make user text literal inside st.markdown: every markdown/HTML character is escaped."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in text)


def explain(text: str) -> None:
    """A line of plain-language explanation, where the video would talk."""
    st.markdown(f":gray[{text}]")


def page_header(title: str, text: str) -> None:
    """The page's title and its plain-language explanation, as one markdown element: as
    st.header and explain() they were two for every keystroke to redraw."""
    st.markdown(f"## {title}\n\n:gray[{text}]")


def csv_button(frame: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, key: str) -> None:
    """The CSV is written when the button is clicked, not on every keystroke (``frame`` may be a
    function that makes the table then). Served by serve.py, the button is a link that stays the
    same while the user types, so the browser does not redraw it (app_pages/downloads.py)."""
    make = frame if callable(frame) else lambda: frame
    data = lambda: make().to_csv(index=False).encode("utf-8")  # noqa: E731
    if downloads.served():
        url = downloads.register(st.session_state, f"csv-{key}", data, f"{file_name}.csv")
        st.link_button("Download CSV", url, icon=":material/download:")
    else:
        st.download_button("Download CSV", data, file_name=f"{file_name}.csv", mime="text/csv", key=f"csv-{key}",
                           icon=":material/download:", on_click="ignore")


def chart_with_csv(chart: alt.TopLevelMixin | SpecChart, frame: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, key: str,
                   stretch: bool = False) -> None:
    """Every Vega chart gets PNG and SVG buttons; every matrix gets a CSV button."""
    width = "stretch" if stretch else "content"
    if not isinstance(chart, SpecChart):  # built with Altair on this rerun: convert it without validation
        chart = from_altair(chart)
    st.vega_lite_chart(spec=chart.streamlit_spec(), width=width)
    components.chart_export(file_name, f"export-{key}")  # PNG and SVG: Streamlit's menu has PNG only
    csv_button(frame, file_name, key)


def note(text: str) -> None:
    """A view's plain-text note as a caption: every character literal (it may quote the prompt)."""
    st.caption(md_escape(text))


def place_heatmap(panel: Panel, pick: bool = False) -> None:
    """A heatmap Panel from viz: the canvas, its notes and its CSV button; ``pick``: a click on a
    cell makes its row the query word."""
    key = f"{panel.name}-panel"
    components.heatmap(panel.data, key, on_pick=components.on_pick_query(key) if pick else None, notes=panel.notes)
    csv_button(panel.csv, panel.file_name, panel.name)


def place_chart(panel: Panel, stretch: bool = False) -> None:
    """A chart Panel from viz: the Vega chart, its CSV button and its notes."""
    chart_with_csv(panel.data, panel.csv, panel.file_name, panel.name, stretch=stretch)
    for text in panel.notes:
        note(text)
