"""Streamlit glue of the regression and wide & deep pages."""
