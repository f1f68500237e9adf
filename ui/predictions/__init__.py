"""Streamlit glue of the Predictions & models page."""
