"""Streamlit glue of the Playground page."""
