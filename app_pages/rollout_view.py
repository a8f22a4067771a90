"""Attention rollout as a mode of the Attention page: a toggle bound to the URL, and the rollout
matrix drawn with the page's heatmap component.

Why a module of its own: the Attention page stays as it is but for two lines that call this.
"""

from __future__ import annotations

import streamlit as st

from app_pages import analysis_cache, components, shared
from model import names
from viz import rollout as vr


def toggle() -> bool:
    return st.toggle("Rollout (all layers)", key="rollout", bind="query-params",
                     help="Attention rollout: every layer's heads averaged, with the residual connection, "
                          "multiplied through the layers (Abnar & Zuidema 2020).")


def show(ctx: shared.PageContext, module: str) -> None:
    """The rollout up to the chosen layer of the chosen stack."""
    parsed = names.parse(module)
    if parsed.sub == "cross_attn":
        st.info("Rollout follows one stream's self-attention; encoder-decoder attention mixes the two streams. "
                "Pick a self-attention layer.", icon=":material/info:")
        return
    rolled = analysis_cache.attention_rollout(ctx.key, parsed.stack or None)
    tokens = ctx.trace.query_tokens(module)
    layer = parsed.layer
    title = f"Rollout through layers 1–{layer + 1}" if layer else "Rollout of layer 1"
    shared.explain("Rollout asks how much each word's vector, after this layer, still comes from each input word: each "
                   "layer's heads are averaged, half of each word is counted as its own (the residual connection), and "
                   "the layers are multiplied. Rows: the words after the layer; columns: the input words; each row "
                   "sums to 100%.")
    components.heatmap(vr.rollout_data(rolled, tokens, layer, title), "att-rollout",
                       notes=["Pick the layer above: the rollout runs from the first layer up to it. Hover for exact shares."])
    shared.csv_button(lambda: vr.rollout_frame(rolled, tokens, layer), f"rollout-layer{layer + 1}", "att-rollout")
