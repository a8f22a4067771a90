"""Attention Lab: the frame of the dashboard.

The frame owns what every page shares: navigation, the model picker and the prompt (in the
sidebar, bound to the URL so a copied link reopens the same view). Each page in app_pages/
reads the one trace of the current prompt through ``app_pages.shared.page_context()``.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from app_pages import cache, checkpoints, continuation_link, downloads, export_run, shared, url_guard
from model import runtime
from model.checkpoint import CheckpointError
from model.upload import extract_upload

runtime.configure()  # one torch thread, freed memory kept for the next trace (model/runtime.py)

st.set_page_config(page_title="Attention Lab", page_icon=":material/visibility:", layout="wide")
st.html(Path(__file__).parent / "app_pages" / "app.css")  # why: see the file

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/account_tree:", default=True),
    st.Page("app_pages/embeddings.py", title="Embeddings", icon=":material/scatter_plot:", url_path="embeddings"),
    st.Page("app_pages/positional.py", title="Positional encoding", icon=":material/waves:", url_path="positional"),
    st.Page("app_pages/attention.py", title="Attention", icon=":material/grid_on:", url_path="attention"),
    st.Page("app_pages/causal_mask.py", title="Causal mask", icon=":material/filter_alt:", url_path="mask"),
    st.Page("app_pages/next_token.py", title="Next token", icon=":material/bar_chart:", url_path="next"),
    st.Page("app_pages/architectures.py", title="Two architectures", icon=":material/compare:", url_path="architectures"),
    st.Page("app_pages/heads.py", title="Heads (debugging)", icon=":material/psychology:", url_path="heads"),
    # the interpretability methods of model/analysis, one page each
    st.Page("app_pages/lens.py", title="Logit lens", icon=":material/layers:", url_path="lens"),
    st.Page("app_pages/attribution.py", title="Attribution", icon=":material/stacked_bar_chart:", url_path="attribution"),
    st.Page("app_pages/patching.py", title="Patching", icon=":material/healing:", url_path="patching"),
    st.Page("app_pages/compare.py", title="Compare prompts", icon=":material/compare:", url_path="compare"),
]
CUSTOM = "Checkpoint folder..."
UPLOAD = "Upload a checkpoint..."


def on_model_change() -> None:
    """A new model starts from its own example prompt, with nothing generated yet."""
    st.session_state.pop("continuation", None)
    st.session_state.pop("prompt", None)
    st.session_state["reset_prompt"] = True


def choose_model() -> None:
    models = cache.listed_models()
    options = [*models, CUSTOM, UPLOAD]
    choice = st.selectbox("Model", options, key="model", bind="query-params", on_change=on_model_change,
                          help="The bundled models, Hugging Face folders found on this server (its checkpoint folders "
                               "and its local Hugging Face cache; nothing is downloaded), or a checkpoint folder of your own.")
    previous = st.session_state.get("model_key")
    if choice == CUSTOM:
        typed = st.text_input("Folder", key="ckpt", bind="query-params", placeholder="sample_checkpoints/my-model",
                              help="A folder holding config.json, tokenizer.json and model.safetensors (the app's own "
                                   "format, or a Hugging Face GPT-2, Llama or Qwen2 folder).")
        path = None
        if typed:
            try:
                path = checkpoints.resolve_checkpoint_path(typed)
            except CheckpointError as err:
                st.error(shared.error_text(err), icon=":material/block:")
    elif choice == UPLOAD:
        path = uploaded_checkpoint()
    else:
        path = models[choice]
    if path is None:
        if previous is None:  # nothing loaded yet: fall back to the first bundled model
            path = next(iter(models.values()))
        else:
            return
    try:
        model = cache.ModelKey.of(path)
        cache.load_bundle(model)
    except CheckpointError as err:
        st.error(f"Could not load this checkpoint, so the previous model stays in use.\n\n{shared.error_text(err)}", icon=":material/error:")
        if previous is None:  # a bundled model, which loads (a --model folder may not)
            model = cache.ModelKey.of(next(iter(checkpoints.bundled_models().values())))
        else:
            return
    if previous is None or model.path != previous.path:
        st.session_state.pop("continuation", None)
    st.session_state["model_key"] = model


def uploaded_checkpoint():
    """The user's own checkpoint, unpacked into this session's temporary folder.

    The folder is a TemporaryDirectory kept in session_state: when the session ends and its
    state is dropped, the folder is deleted with it.
    """
    files = st.file_uploader(
        "Checkpoint files", type=["json", "safetensors", "md", "zip"], accept_multiple_files=True, key="upload",
        help="config.json, tokenizer.json and model.safetensors (README.md optional), or one zip of them.",
    )
    if not files:
        st.caption("Nothing uploaded yet: the previous model stays in use.")
        return None
    payload = [(f.name, f.getvalue()) for f in files]
    digest = hashlib.sha256(b"".join(n.encode() + d for n, d in payload)).hexdigest()[:16]
    held = st.session_state.get("upload_dir")
    if held is None or held[0] != digest:
        folder = tempfile.TemporaryDirectory(prefix="attention-lab-upload-")
        try:
            extract_upload(payload, Path(folder.name) / "uploaded", max_bytes=st.get_option("server.maxUploadSize") * 2**20)
        except CheckpointError as err:
            folder.cleanup()
            st.error(f"This upload was refused, so the previous model stays in use.\n\n{shared.error_text(err)}", icon=":material/block:")
            return None
        st.session_state["upload_dir"] = (digest, folder)
    return Path(st.session_state["upload_dir"][1].name) / "uploaded"


def prompt_box() -> None:
    bundle, _ = shared.current_model()
    default = shared.default_prompt(bundle)
    if st.session_state.pop("reset_prompt", False) or "prompt" not in st.session_state:
        st.session_state.setdefault("prompt", default)
    typed = st.text_input(
        "Prompt", key="prompt", live="0ms", bind="query-params", on_change=lambda: st.session_state.pop("continuation", None),
        help=f"Every page redraws while you type. The model reads the first {shared.MAX_PROMPT_CHARS:,} characters.",
    )
    if len(typed) > shared.MAX_PROMPT_CHARS:
        st.warning(f"The prompt has {len(typed):,} characters: only the first {shared.MAX_PROMPT_CHARS:,} are read.",
                   icon=":material/content_cut:")
    kind = "translator (encoder-decoder)" if bundle.is_translator else "decoder-only"
    limit = f"up to {bundle.max_tokens:,} tokens" + (" (the server's memory budget)" if bundle.cut_by_budget else "")
    st.caption(f"{shared.md_escape(bundle.name)}: {kind}, {bundle.n_parameters:,} parameters, {limit}.")


def link_generated_words() -> None:
    """The generated words follow the link (app_pages/continuation_link.py)."""
    bundle, _ = shared.current_model()
    if not continuation_link.sync(st.session_state, st.query_params, len(bundle.tokenizer.vocab), bundle.max_tokens):
        st.warning("This link's generated words (`gen`) are not token ids of this model, so none are shown.",
                   icon=":material/link_off:")


with st.sidebar:
    st.title("Attention Lab")
    dropped = url_guard.drop_bad_numbers(st.query_params)
    if dropped:
        st.warning("This link's value for " + ", ".join(f"`{key}`" for key in dropped)
                   + " is not a usable number, so the default is used.", icon=":material/link_off:")
    choose_model()
    prompt_box()
    export_run.export_button()
    link_generated_words()

downloads.start_run(st.session_state)
st.navigation(PAGES).run()
shared.settle_heap_soon()
