"""Streamlit glue of the Experiments page: compare runs, tune with KerasTuner, find a learning rate."""
