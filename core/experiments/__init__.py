"""Many runs at once: comparing runs, hyperparameter search, the learning-rate finder."""
