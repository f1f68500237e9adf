"""Regression MLPs on tabular data: California housing, the Sequential and wide & deep models, the scikit-learn baseline."""
