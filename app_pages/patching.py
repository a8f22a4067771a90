"""Patching: which parts of a clean run carry its answer into a corrupted run."""

from __future__ import annotations

import streamlit as st

from app_pages import analysis_cache, shared
from model.analysis import patching
from viz import patching as vp

shared.page_header(
    "Patching: where the model keeps the information that decides its answer",
    "Activation patching runs two prompts that differ in one detail: a clean one and a corrupted one. It then runs the "
    "corrupted prompt again, copying one piece of the clean run into it, and asks how much of the clean answer comes "
    "back. 0 (white) means that piece changed nothing; 1 (blue) means that piece alone brings the clean answer back. "
    "The prompts here are your own: both boxes update the grids while you type (the sidebar prompt is not used). For a "
    "translator the prompts are the sentences to translate, and the decoder reads the same words in both runs."
)


def prompt_boxes(bundle, path: str) -> tuple[str, str]:
    """The two live prompt boxes, prefilled with the model's default pair (again when the model
    changes; a link's own prompts are kept)."""
    pair = patching.default_pair(bundle) or (shared.default_prompt(bundle), shared.default_prompt(bundle))
    changed = st.session_state.get("_patch_model", path) != path
    st.session_state["_patch_model"] = path
    for key, text in zip(("clean", "corrupted"), pair):
        if changed or key not in st.session_state:
            st.session_state[key] = text
    left, right = st.columns(2)
    with left:
        clean = st.text_input("Clean prompt", key="clean", live="0ms", bind="query-params",
                              help="The run whose answer is copied back, piece by piece.")
    with right:
        corrupted = st.text_input("Corrupted prompt", key="corrupted", live="0ms", bind="query-params",
                                  help="The same number of tokens, one detail changed (e.g. the names swapped).")
    return clean[:shared.MAX_PROMPT_CHARS], corrupted[:shared.MAX_PROMPT_CHARS]


@st.fragment
def patching_view() -> None:
    bundle, model = shared.current_model()
    clean, corrupted = prompt_boxes(bundle, model.path)
    n_clean, n_corrupted = len(bundle.encode(clean).ids), len(bundle.encode(corrupted).ids)
    if n_clean != n_corrupted or not n_clean:
        st.warning(f"The two prompts must have the same number of tokens, so that each position matches: here "
                   f"{n_clean} and {n_corrupted}.", icon=":material/straighten:")
        return
    try:
        grids = analysis_cache.patching_grids(model, clean, corrupted)
    except ValueError as err:
        st.warning(shared.md_escape(str(err)), icon=":material/warning:")
        return
    answer, distractor = shared.md_escape(repr(grids.answer)), shared.md_escape(repr(grids.distractor))
    where = "at the last word"
    if bundle.is_translator:
        where = (f"at the last word of the decoder's input, {shared.md_escape(' '.join(grids.target_tokens))} (the same in "
                 f"both runs: the start and the words both translations share)")
    st.markdown(f"Score: logit({answer}) − logit({distractor}) {where}. Clean run **{grids.clean_diff:.3f}** "
                f"(counts as 1), corrupted run **{grids.corrupted_diff:.3f}** (counts as 0).")
    n_layers = bundle.config.n_encoder_layers if bundle.is_translator else bundle.config.n_layers
    shared.place_heatmap(vp.resid_panel(grids, n_layers))
    for panel in vp.head_panels(grids):
        shared.place_heatmap(panel)


if "model_key" in st.session_state:
    patching_view()
