"""Experiments: many runs at once.

`compare` lays stored runs of every kind side by side, `tuning` (with `search`, `trials`
and `tune_worker`) searches hyperparameters with KerasTuner, `lr_finder` finds a good
learning rate in one epoch, and `tensorboard` writes a run's logs for TensorBoard.
Nothing here imports streamlit.
"""
