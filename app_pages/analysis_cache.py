"""The debugging pages' results (model/analysis), computed once per trace and choice and shared
by every session, as the attention page's head grid is.

Why cache_resource and not cache_data: the results hold tensors that are never modified after
they are made; cache_data would pickle and copy them on every read (see app_pages/shared.py).
A count bounds them (shared.TRACES_KEPT): each is small beside its trace.
"""

from __future__ import annotations

import streamlit as st

from app_pages import shared
from model.analysis import attribution, lens, patching, rollout
from model.trace import RunOptions

Key = tuple[str, float, str, "tuple[int, ...] | None"]  # (path, mtime, prompt, continuation): one trace


def _trace(key: Key):
    return shared.compute_trace(*key, RunOptions())


@st.cache_resource(max_entries=shared.TRACES_KEPT, show_spinner=False)
def logit_lens(key: Key, word: str | None) -> lens.LensResult:
    return lens.logit_lens(shared.load_bundle(key[0], key[1]), _trace(key), word, k=1)


@st.cache_resource(max_entries=shared.TRACES_KEPT, show_spinner=False)
def logit_attribution(key: Key, word: str, other: str | None, position: int) -> attribution.Attribution:
    return attribution.logit_attribution(shared.load_bundle(key[0], key[1]), _trace(key), word, other, position)


@st.cache_resource(max_entries=shared.TRACES_KEPT, show_spinner=False)
def attention_rollout(key: Key, stack: str | None) -> "object":
    return rollout.attention_rollout(shared.load_bundle(key[0], key[1]), _trace(key), stack)


@st.cache_resource(max_entries=shared.TRACES_KEPT, show_spinner="Patching every layer and position...")
def patching_grids(path: str, mtime: float, clean: str, corrupted: str) -> dict:
    """The residual grid and the head-output grid of one prompt pair, with the metric's ends."""
    setup = patching.prepare(shared.load_bundle(path, mtime), clean, corrupted)
    rows, resid = patching.patch_resid(setup)
    # the setup's clean-run tensors are a whole trace: kept only while the grids are made
    return {"rows": rows, "resid": resid, "heads": patching.patch_head_outputs(setup), "tokens": setup.tokens,
            "answer": setup.answer, "distractor": setup.distractor, "clean_diff": setup.clean_diff,
            "corrupted_diff": setup.corrupted_diff}
