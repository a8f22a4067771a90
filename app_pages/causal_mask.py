"""Placeholder: replaced by the page's own implementation."""

import streamlit as st

from app_pages import shared

st.header("causal_mask")
ctx = shared.page_context()
if ctx:
    st.text(" ".join(ctx.trace.tokens))
