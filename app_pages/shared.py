"""What every page shares: the cached model, the one trace of the prompt, and view helpers.

Why here: pages stay thin (read state, call viz/, place charts). The model is loaded once
for all browser sessions and never mutated; the trace of (model, prompt, generated tokens,
run options) is computed once and every page reads the same object.

Traces are cached with ``st.cache_resource`` (bounded), not ``st.cache_data``: cache_data
pickles and copies its value on every read, which for a 512-token, 16-head trace means tens
of megabytes per rerun. A Trace is never modified after it is made, so sharing it is safe.
"""

from __future__ import annotations

import functools
import gc
import os
from threading import Timer
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd
import streamlit as st

from app_pages import downloads
from model.bundle import EmptyPromptError, ModelBundle
from model.checkpoint import CheckpointError, load_checkpoint
from model.trace import RunOptions, Trace
from viz.spec import SpecChart, from_altair

if TYPE_CHECKING:
    import altair as alt

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CHECKPOINTS = ROOT / "sample_checkpoints"
# Extra folders a user may load checkpoints from, separated by os.pathsep.
ROOTS_ENV = "ATTENTION_LAB_CHECKPOINT_ROOTS"
DEFAULT_PROMPTS = {
    "statquest-decoder": "what is statquest",
    "statquest-translator": "let's go",
}
PREFERRED_ORDER = ("statquest-decoder", "statquest-translator", "tiny-stories", "tiny-translator")


def checkpoint_roots() -> list[Path]:
    extra = [Path(p).resolve() for p in os.environ.get(ROOTS_ENV, "").split(os.pathsep) if p.strip()]
    return [SAMPLE_CHECKPOINTS.resolve(), *extra]


def bundled_models() -> dict[str, Path]:
    """Every checkpoint folder under sample_checkpoints/, lesson models first."""
    found = {p.name: p for p in sorted(SAMPLE_CHECKPOINTS.iterdir()) if (p / "config.json").is_file()}
    order = [n for n in PREFERRED_ORDER if n in found] + [n for n in found if n not in PREFERRED_ORDER]
    return {n: found[n] for n in order}


def is_bundled(path: str | Path) -> bool:
    return SAMPLE_CHECKPOINTS.resolve() in Path(path).resolve().parents


def resolve_checkpoint_path(text: str) -> Path:
    """A typed folder path, accepted only inside the configured checkpoint roots."""
    path = Path(text.strip()).expanduser()
    if not path.is_absolute():
        path = ROOT / path
    path = path.resolve()
    roots = checkpoint_roots()
    if not any(path == r or r in path.parents for r in roots):
        raise CheckpointError(text, "only folders under " + ", ".join(str(r) for r in roots) + " can be loaded")
    return path


@functools.cache
def settle_heap() -> None:
    """Import what the pages' views import, then put everything loaded so far out of the garbage
    collector's reach (``gc.freeze``). Once per process.

    Why: torch, pandas, Altair and Streamlit leave millions of long-lived objects, and Python's
    full collections walked all of them: 100-150 ms with the server frozen, on about one
    keystroke in two (docs/benchmarks.md). Frozen objects are never scanned again; new garbage
    is still collected as usual. (The first session's objects are frozen too: any of them in a
    reference cycle outlive that session, a one-off and bounded cost.)
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
    (the imports and the collection take about half a second of the server's time)."""
    timer = Timer(delay_s, settle_heap)
    timer.daemon = True
    timer.start()


@st.cache_resource(max_entries=16, show_spinner="Loading the model...")
def load_bundle(path: str, mtime: float) -> ModelBundle:
    """One shared, read-only model per checkpoint folder (mtime: reload after retraining)."""
    return load_checkpoint(path)


def folder_mtime(path: Path) -> float:
    return max((p.stat().st_mtime for p in path.iterdir()), default=0.0)


# A 512-token 4 x 4 trace holds about 85 MB. Why 8 and not more: on this project's machines,
# memory the process takes fresh costs about ten times more once it holds about 1.5-2 GB (the
# kernel's time per page fault rose from ~2 to ~25 us), so with 16 such traces kept, each new one
# took 550-770 ms instead of 35 ms. With 8, the oldest is dropped before that, and the next trace
# reuses its memory (docs/benchmarks.md, eighth session).
TRACES_KEPT = 8


@st.cache_resource(max_entries=TRACES_KEPT, show_spinner=False)
def compute_trace(path: str, mtime: float, prompt: str, continuation: tuple[int, ...] | None, options: RunOptions) -> Trace:
    return load_bundle(path, mtime).run(prompt, None if continuation is None else list(continuation), options)


def default_prompt(bundle: ModelBundle) -> str:
    return bundle.extra.get("example_prompts", [DEFAULT_PROMPTS.get(bundle.name, "")])[0]


@dataclass
class PageContext:
    bundle: ModelBundle
    path: str
    mtime: float
    prompt: str
    continuation: tuple[int, ...] | None
    trace: Trace

    def run(self, options: RunOptions) -> Trace:
        """The same prompt under other run options (an intervention): its own cached trace."""
        return compute_trace(self.path, self.mtime, self.prompt, self.continuation, options)


def current_model() -> tuple[ModelBundle, str, float]:
    """The model the sidebar chose (set by app.py in session_state)."""
    path = st.session_state["model_path"]
    mtime = st.session_state["model_mtime"]
    return load_bundle(path, mtime), path, mtime


def page_context() -> PageContext | None:
    """The trace of the current prompt, with on-screen notices; None (and a hint) if empty."""
    bundle, path, mtime = current_model()
    prompt = st.session_state.get("prompt", "") or ""
    continuation = st.session_state.get("continuation")
    encoding = bundle.encode(prompt)
    # In the sidebar, under the prompt box the user is typing in. In the page, the notice came
    # and went with every half-typed word ("M", "Ma", "Mar" are unknown; "Mary" is not) and the
    # whole page jumped down and back up under it; the browser also laid out every chart again.
    # (Straight into the sidebar, which app.py has drawn by now: a container around the notice
    # was one more element for every keystroke to redraw.)
    with st.sidebar:
        show_encoding_notices(bundle, encoding)
    try:
        trace = compute_trace(path, mtime, prompt, continuation, RunOptions())
    except EmptyPromptError:
        words = ", ".join(w for w in bundle.prompt_tokenizer.vocab[:12] if not w.startswith("<"))
        st.info(f"Type a prompt in the sidebar to see what the model does with it. This model knows words such as: {words}.", icon=":material/keyboard:")
        return None
    return PageContext(bundle, path, mtime, prompt, continuation, trace)


def show_encoding_notices(bundle: ModelBundle, encoding) -> None:
    if encoding.unknown:
        words = ", ".join(md_escape(repr(w)) for _, w in encoding.unknown[:20])
        more = f" (and {len(encoding.unknown) - 20} more)" if len(encoding.unknown) > 20 else ""
        fate = "left out: this model's vocabulary has no <unk> token" if encoding.unknown_dropped else "read as <unk>"
        st.warning(f"Words this model does not know ({fate}): {words}{more}", icon=":material/help:")
    if encoding.truncated:
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
    st.header and explain() they were two for every keystroke to redraw (about 1.3 ms an element,
    docs/benchmarks.md, eighth session)."""
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
    """Every Vega chart keeps its PNG/SVG export (its ... menu); every matrix gets a CSV button."""
    width = "stretch" if stretch else "content"
    if not isinstance(chart, SpecChart):  # built with Altair on this rerun: convert it without validation
        chart = from_altair(chart)
    st.vega_lite_chart(spec=chart.streamlit_spec(), width=width)
    csv_button(frame, file_name, key)
