"""Every cache of the app, under two keys: the model key and the trace key.

- ``ModelKey(path, mtime)``: one checkpoint folder as it is on disk (a retrained folder has a
  newer mtime, so a new key and a fresh load).
- ``TraceKey(model, prompt, continuation, options)``: one forward pass of that model.

The model is loaded once per key for all sessions (``st.cache_resource``) and never mutated.
Traces sit in a cache bounded in bytes (model/trace_cache.py), not ``st.cache_data``: cache_data
pickles and copies its value on every read, and a long trace is tens of megabytes. A value made
from a model (``per_model``) or from a trace (``per_trace``) is kept under the same keys, so a
page never builds a key of its own. Values are shared by every session: never modify them.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Hashable, NamedTuple, TypeVar

import streamlit as st

from app_pages import checkpoints
from app_pages.checkpoints import folder_mtime
from model import runtime
from model.budget import trace_budget_bytes
from model.bundle import ModelBundle
from model.checkpoint import load_any
from model.trace import RunOptions, Trace
from model.trace_cache import TraceCache

T = TypeVar("T")
MODELS_KEPT = 16
# Per-trace views are a few kilobytes each, so a count bounds them.
TRACES_KEPT = 8
# Every trace of the server together holds at most this many per-trace budgets (model/budget.py).
TRACE_CACHE_BUDGETS = 3
RELEASE_AFTER_BYTES = 64 * 2**20  # dropping less than this leaves the memory to the next trace
RELEASE_PAUSE_S = 2.0  # handed back once drops pause: after each one, typing at a long prompt's end faulted every page in again


class ModelKey(NamedTuple):
    path: str
    mtime: float

    @classmethod
    def of(cls, path: Path) -> ModelKey:
        """The key of a folder as it is now (an uploaded single file has no folder mtime)."""
        return cls(str(path), folder_mtime(path) if path.is_dir() else 0.0)


class TraceKey(NamedTuple):
    model: ModelKey
    prompt: str
    continuation: tuple[int, ...] | None = None
    options: RunOptions = RunOptions()

    def under(self, options: RunOptions) -> TraceKey:
        """The same prompt under other run options (an intervention)."""
        return self._replace(options=options)


@st.cache_resource(max_entries=MODELS_KEPT, show_spinner="Loading the model...")
def _load(path: str, mtime: float) -> ModelBundle:
    return load_any(path)  # the project's own checkpoints and Hugging Face folders alike


def load_bundle(model: ModelKey) -> ModelBundle:
    """One shared, read-only model per key."""
    return _load(model.path, model.mtime)


@st.cache_resource(ttl=60, show_spinner=False)
def _found_models(roots: tuple[Path, ...]) -> dict[str, Path]:
    return checkpoints.hf_folders(list(roots))


def listed_models() -> dict[str, Path]:
    """The model picker's list; the Hugging Face folders are looked for again after a minute
    (a model downloaded meanwhile)."""
    return checkpoints.listed_models(_found_models(tuple(checkpoints.checkpoint_roots())))


_release_timer: list[threading.Timer] = []
_release_lock = threading.Lock()


def _release(dropped: int) -> None:
    if dropped < RELEASE_AFTER_BYTES:
        return
    with _release_lock:
        for timer in _release_timer:
            timer.cancel()
        timer = threading.Timer(RELEASE_PAUSE_S, runtime.release_memory)
        timer.daemon = True
        timer.start()
        _release_timer[:] = [timer]


TRACES = TraceCache(TRACE_CACHE_BUDGETS * trace_budget_bytes(), on_release=_release)


def trace(key: TraceKey) -> Trace:
    """The one trace of (model, prompt, generated words, run options), shared by every session."""
    continuation = None if key.continuation is None else list(key.continuation)
    # the cached trace sharing the longest start with this prompt spares those positions (model/prefix.py)
    return TRACES.get(tuple(key), lambda: load_bundle(key.model).run(key.prompt, continuation, key.options, TRACES.traces()))


def _spinner(text: str | None):
    return st.spinner(text) if text else contextlib.nullcontext()


_KEPT_BY_FUNCTION: dict[tuple[str, str], Callable] = {}


def _once(make: Callable, build: Callable[[], Callable]) -> Callable:
    """One cache per function for the process: a page's script runs again on every rerun, and a
    cache made anew each time kept nothing from one keystroke to the next."""
    code = getattr(make, "__code__", None)
    where = (code.co_filename if code else make.__module__, make.__qualname__)
    if where not in _KEPT_BY_FUNCTION:
        _KEPT_BY_FUNCTION[where] = build()
    return _KEPT_BY_FUNCTION[where]


def per_model(spinner: str | None = None, kept: int = MODELS_KEPT) -> Callable[[Callable[[ModelBundle], T]], Callable[[ModelKey], T]]:
    """``make(bundle)`` kept per model key: values that depend on the weights, not the prompt."""
    def wrap(make: Callable[[ModelBundle], T]) -> Callable[[ModelKey], T]:
        def build() -> Callable[[ModelKey], T]:
            @functools.lru_cache(maxsize=kept)
            def get(model: ModelKey) -> T:
                with _spinner(spinner):
                    return make(load_bundle(model))
            return functools.update_wrapper(get, make)
        return _once(make, build)
    return wrap


def per_trace(kept: int = TRACES_KEPT) -> Callable[[Callable[[Trace], T]], Callable[[TraceKey], T]]:
    """``make(trace)`` kept per trace key: a view that costs more than placing it."""
    def wrap(make: Callable[[Trace], T]) -> Callable[[TraceKey], T]:
        def build() -> Callable[[TraceKey], T]:
            @functools.lru_cache(maxsize=kept)
            def get(key: TraceKey) -> T:
                return make(trace(key))
            return functools.update_wrapper(get, make)
        return _once(make, build)
    return wrap


def per_trace_reusing(kept: int = TRACES_KEPT) -> Callable[[Callable[[Trace, list[T]], T]], Callable[[TraceKey], T]]:
    """``make(trace, earlier)`` kept per trace key, where ``earlier`` holds the values kept so far
    (newest first): a view of a prompt one keystroke longer may take most of itself from them."""
    def wrap(make: Callable[[Trace, list[T]], T]) -> Callable[[TraceKey], T]:
        def build() -> Callable[[TraceKey], T]:
            values: OrderedDict[TraceKey, T] = OrderedDict()
            lock = threading.Lock()

            def get(key: TraceKey) -> T:
                with lock:
                    if key in values:
                        values.move_to_end(key)
                        return values[key]
                    earlier = list(reversed(values.values()))
                value = make(trace(key), earlier)
                with lock:
                    values[key] = value
                    while len(values) > kept:
                        values.popitem(last=False)
                return value
            return functools.update_wrapper(get, make)
        return _once(make, build)
    return wrap


def per_session(store: str, key: Hashable, make: Callable[[], T], kept: int = 32) -> T:
    """``make()`` kept in this session's state under ``store`` (the ``kept`` newest keys): for a
    value made while the page shows its progress, which a shared cache could not show twice."""
    values = st.session_state.setdefault(store, {})
    if key not in values:
        values[key] = make()
        while len(values) > kept:
            values.pop(next(iter(values)))
    return values[key]
