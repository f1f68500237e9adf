<<<<<<< HEAD
"""Experiments: many runs at once.

`core.experiments.compare` lays stored runs of every kind side by side (one table row
per run, its full configuration flattened into readable columns) and says what differs
between a few of them. Nothing here imports streamlit.
"""
=======
"""Many runs at once: comparing runs, hyperparameter search, the learning-rate finder."""
>>>>>>> lrfinder
