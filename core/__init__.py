"""MLP Explorer's engine: configs, data, models, training and the store of runs.

Never imports streamlit, so everything here works from a notebook or a script too.
"""
