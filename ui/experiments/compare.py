"""Placeholder until the compare section lands (replaced in the same session)."""

import streamlit as st


def section() -> None:
    st.info("Coming in this session.")
