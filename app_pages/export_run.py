"""Export the whole run from any page: one zip holding every tensor of the trace (.npz, names as
in the trace) and what labels them (.json: tokens, the model's config, the run's options).

Why made on click: writing every tensor takes far longer than a keystroke's redraw, so the
button only holds a function (as shared.csv_button does); the trace is fetched from the cache
when the file is asked for.
"""

from __future__ import annotations

import io
import json
import zipfile

import streamlit as st

from app_pages import cache, downloads, shared
from model.analysis.export import npz_bytes, trace_metadata


def zip_bytes(trace, config) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:  # the .npz is compressed already
        zf.writestr("trace.npz", npz_bytes(trace))
        zf.writestr("trace.json", json.dumps(trace_metadata(trace, config), indent=2))
    return buffer.getvalue()


def export_button() -> None:
    """In the sidebar: the current prompt's whole trace as trace.npz + trace.json in one zip."""
    key = cache.TraceKey(st.session_state["model_key"], shared.current_prompt(), st.session_state.get("continuation"))

    def make() -> bytes:
        return zip_bytes(cache.trace(key), cache.load_bundle(key.model).config)

    label, help_text = "Export the run", "Every tensor of this run (.npz, by trace name) and its tokens and config (.json), in one zip."
    if downloads.served():
        st.link_button(label, downloads.register(st.session_state, "export-run", make, "attention-lab-run.zip"),
                       icon=":material/archive:", help=help_text)
    else:
        st.download_button(label, make, file_name="attention-lab-run.zip", mime="application/zip", key="export-run",
                           icon=":material/archive:", help=help_text, on_click="ignore")
