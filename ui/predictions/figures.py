"""The Predictions page's pure data: the table of runs and the names it shows.

Nothing here imports Streamlit; `ui.predictions.view` shows the table and lets the
learner pick a row.
"""

from __future__ import annotations

import pandas as pd

from core.experiments.compare import DATASET_TITLES, KEY_METRIC_VALUE, KIND, run_table

__all__ = ["DATASET_TITLES", "runs_table"]
# Shown even when empty, so the picker always reads the same way.
ALWAYS_SHOWN = ("From", "Data set", "Architecture", "Parameters", "Key metric", "Value", "Training time (s)", "Trained")


def runs_table(runs: list) -> pd.DataFrame:
    """One row per run (stored or uploaded): where it comes from, what it is, how good,
    and its full configuration, in the Experiments page's columns
    (`core.experiments.compare.run_table`); columns no run fills are left out."""
    table = run_table(runs).rename(columns={KIND: "From", KEY_METRIC_VALUE: "Value"})
    return table[[column for column in table.columns if column in ALWAYS_SHOWN or table[column].notna().any()]]
