"""Streamlit glue of the Classification MLP page."""
