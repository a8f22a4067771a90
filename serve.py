"""Start Attention Lab: ``streamlit run serve.py`` (the README's start command).

Why a second file beside app.py: on a fresh server the first visitor would wait, after the
browser connected, for Python to import torch, load the first model and trace its example
prompt (most of a cold start). ``st.App``'s lifespan hook runs
when the server starts, so that work happens on a background thread while the server comes
up and the browser loads the page. (Starting it earlier, when this module is imported, slowed
the server's own start more than it gained.) app.py stays the Streamlit script: ``streamlit run app.py``
still works, only without the head start.

``streamlit run serve.py -- --model PATH`` (or app.py) opens the folder PATH first: the app's own
checkpoint format or a Hugging Face folder (app_pages/model_sources.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path

import streamlit as st

from app_pages import downloads

ROOT = Path(__file__).resolve().parent
_LOG = logging.getLogger("attention_lab")


class _NoContextWarning(logging.Filter):
    """The cached loaders show a spinner, which needs a page; on the warm-up thread there is none,
    and Streamlit says so on every start. Expected here, so not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _THREAD


_THREAD = "attention-lab-warm-up"


def warm_up() -> None:
    """Load the first bundled model and trace its example prompt into the app's own caches
    (``st.cache_resource`` is per process), so the first page finds them ready. What only the
    other pages import (Altair among them) waits for the first page: see shared.settle_heap_soon."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoContextWarning())
    from app_pages import cache, checkpoints, shared
    from model import runtime

    runtime.configure()  # as app.py does on its first run: the warm-up's trace runs as the app's will

    first = next(iter(checkpoints.listed_models({}).values()), None)  # the --model folder, if one was given
    if first is not None:
        model = cache.ModelKey.of(first)
        cache.trace(cache.TraceKey(model, shared.default_prompt(cache.load_bundle(model))))


def _warm_up_quietly() -> None:
    try:
        warm_up()
    except Exception:  # a head start only: the app itself reports any real problem
        _LOG.exception("warm-up failed")


@contextlib.asynccontextmanager
async def lifespan(_app):
    threading.Thread(target=_warm_up_quietly, name=_THREAD, daemon=True).start()
    yield


app = st.App(ROOT / "app.py", lifespan=lifespan, routes=downloads.routes())  # the CSV links (app_pages/downloads.py)
