"""What every page shares: the cached model, the one trace of the prompt, and view helpers.

Why here: pages stay thin (read state, call viz/, place charts). The model is loaded once
for all browser sessions and never mutated; the trace of (model, prompt, generated tokens,
run options) is computed once and every page reads the same object.

Traces are kept in a cache bounded in bytes (model/trace_cache.py), not ``st.cache_data``:
cache_data pickles and copies its value on every read, which for a 512-token, 16-head trace
means tens of megabytes per rerun. A Trace is never modified after it is made, so sharing it
is safe.
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

from app_pages import components, downloads
from model import runtime
from model.budget import trace_budget_bytes
from model.bundle import EmptyPromptError, ModelBundle
from model.checkpoint import CheckpointError, load_checkpoint
from model.trace import RunOptions, Trace
from model.trace_cache import TraceCache
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
    """sample_checkpoints/ and the folders the server's environment names (a broken one is skipped)."""
    roots = [SAMPLE_CHECKPOINTS.resolve()]
    for text in os.environ.get(ROOTS_ENV, "").split(os.pathsep):
        try:
            if text.strip():
                roots.append(Path(text.strip()).resolve(strict=True))
        except (OSError, RuntimeError, ValueError):
            continue
    return roots


def bundled_models() -> dict[str, Path]:
    """Every checkpoint folder under sample_checkpoints/, lesson models first."""
    found = {p.name: p for p in sorted(SAMPLE_CHECKPOINTS.iterdir()) if (p / "config.json").is_file()}
    order = [n for n in PREFERRED_ORDER if n in found] + [n for n in found if n not in PREFERRED_ORDER]
    return {n: found[n] for n in order}


def is_bundled(path: str | Path) -> bool:
    return SAMPLE_CHECKPOINTS.resolve() in Path(path).resolve().parents


MAX_PATH_CHARS = 1024
MAX_NAME_BYTES = 255  # one folder name, as most file systems allow


def resolve_checkpoint_path(text: str) -> Path:
    """A typed folder path (it comes from the URL too), accepted only inside the checkpoint roots.

    Refused before the file system is asked anything it could fail on or reveal: control
    characters, over-long names, and home-folder paths (``~user`` would tell which users exist)."""
    typed = text.strip()
    allowed = "only folders inside sample_checkpoints/ or a folder named by the server's " + ROOTS_ENV + " can be loaded"
    if len(typed) > MAX_PATH_CHARS or any(len(part.encode("utf-8", "replace")) > MAX_NAME_BYTES for part in typed.split("/")):
        raise CheckpointError("The folder", "the path is too long")
    if any(ord(c) < 32 or ord(c) == 127 for c in typed):
        raise CheckpointError("The folder", "the path holds control characters")
    if typed.startswith("~"):
        raise CheckpointError("The folder", "home-folder paths (~) are not accepted: " + allowed)
    path = Path(typed)
    try:
        path = (path if path.is_absolute() else ROOT / path).resolve()
    except (OSError, RuntimeError, ValueError):
        raise CheckpointError("The folder", "the path cannot be followed (a loop of links?)") from None
    if not any(path == r or r in path.parents for r in checkpoint_roots()):
        raise CheckpointError("The folder", allowed)
    return path


def shown_path(path: str | Path) -> str:
    """A path as the page may show it: relative to the checkpoint root it is in, never the
    server's absolute path (an uploaded checkpoint's temporary folder shows only the file)."""
    path = Path(path)
    for root in checkpoint_roots():
        if path == root or root in path.parents:
            return str(Path(root.name) / path.relative_to(root))
    return path.name if path.is_absolute() else str(path)


def error_text(err: CheckpointError) -> str:
    """A CheckpointError for the page: its path shown relative to its root, and every character
    of it (a path, a file name, a word of a vocabulary) made literal for markdown."""
    return md_escape(f"{shown_path(err.path)}: {err.problem}")


def folder_mtime(path: Path) -> float:
    """The newest modification time of the folder's entries (reload after retraining); links are
    not followed, so a broken link or a loop of links in the folder costs nothing here."""
    try:
        return max((entry.stat(follow_symlinks=False).st_mtime for entry in os.scandir(path)), default=0.0)
    except OSError:
        return 0.0


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


# Head-grid pictures and other small per-trace views: a few kilobytes each, so a count bounds them.
TRACES_KEPT = 8
# Every trace of the server together holds at most this many per-trace budgets (model/budget.py).
TRACE_CACHE_BUDGETS = 3
RELEASE_AFTER_BYTES = 64 * 2**20  # dropping less than this leaves the memory to the next trace


def _release(dropped: int) -> None:
    if dropped >= RELEASE_AFTER_BYTES:
        runtime.release_memory()


TRACES = TraceCache(TRACE_CACHE_BUDGETS * trace_budget_bytes(), on_release=_release)


def compute_trace(path: str, mtime: float, prompt: str, continuation: tuple[int, ...] | None, options: RunOptions) -> Trace:
    """The one trace of (model, prompt, generated words, run options), shared by every session."""
    make = lambda: load_bundle(path, mtime).run(prompt, None if continuation is None else list(continuation), options)  # noqa: E731
    return TRACES.get((path, mtime, prompt, continuation, options), make)


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
    prompt = current_prompt()
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
        words = md_escape(", ".join(w for w in bundle.prompt_tokenizer.vocab[:12] if not w.startswith("<")))
        st.info(f"Type a prompt in the sidebar to see what the model does with it. This model knows words such as: {words}.", icon=":material/keyboard:")
        return None
    return PageContext(bundle, path, mtime, prompt, continuation, trace)


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
    """Every Vega chart gets PNG and SVG buttons; every matrix gets a CSV button."""
    width = "stretch" if stretch else "content"
    if not isinstance(chart, SpecChart):  # built with Altair on this rerun: convert it without validation
        chart = from_altair(chart)
    st.vega_lite_chart(spec=chart.streamlit_spec(), width=width)
    components.chart_export(file_name, f"export-{key}")  # PNG and SVG: Streamlit's menu has PNG only
    csv_button(frame, file_name, key)
