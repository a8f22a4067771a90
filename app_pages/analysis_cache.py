"""The debugging pages' results (model/analysis), computed once per trace and choice and shared
by every session, under the keys of app_pages/cache.py as the attention page's head grid is.

Why an LRU of Python objects and not cache_data: the results hold tensors that are never modified
after they are made; cache_data would pickle and copy them on every read. A count bounds them
(cache.TRACES_KEPT): each is small beside its trace.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import streamlit as st

from app_pages import cache
from app_pages.cache import ModelKey, TraceKey
from model.analysis import attribution, lens, patching, rollout

if TYPE_CHECKING:
    import torch


@functools.lru_cache(maxsize=cache.TRACES_KEPT)
def _lens(key: TraceKey) -> lens.LensResult:
    """The streams' logits and top words: what does not change with the word followed."""
    return lens.logit_lens(cache.load_bundle(key.model), cache.trace(key), None, k=1)


@functools.lru_cache(maxsize=cache.TRACES_KEPT)
def logit_lens(key: TraceKey, word: str | None) -> lens.LensResult:
    return _lens(key) if word is None else lens.with_word(cache.load_bundle(key.model), _lens(key), word)


@functools.lru_cache(maxsize=cache.TRACES_KEPT)
def _residual_parts(key: TraceKey, position: int) -> tuple[list[str], "torch.Tensor"]:
    """The final stream's parts: what does not change with the words typed."""
    return attribution.residual_parts(cache.load_bundle(key.model), cache.trace(key), position)


@functools.lru_cache(maxsize=cache.TRACES_KEPT)
def logit_attribution(key: TraceKey, word: str, other: str | None, position: int) -> attribution.Attribution:
    trace = cache.trace(key)
    position %= len(trace.tokens)
    return attribution.logit_attribution(cache.load_bundle(key.model), trace, word, other, position,
                                         _residual_parts(key, position))


@functools.lru_cache(maxsize=cache.TRACES_KEPT)
def attention_rollout(key: TraceKey, stack: str | None) -> "object":
    return rollout.attention_rollout(cache.load_bundle(key.model), cache.trace(key), stack)


@functools.lru_cache(maxsize=cache.TRACES_KEPT)
def patching_grids(model: ModelKey, clean: str, corrupted: str) -> patching.Grids:
    """The residual grid and the head-output grids of one prompt pair, with the metric's ends."""
    with st.spinner("Patching every layer and position..."):
        # the setup's runs are two whole traces: kept only while the grids are made
        return patching.patch_grids(patching.prepare(cache.load_bundle(model), clean, corrupted))
