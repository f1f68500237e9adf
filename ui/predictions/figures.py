"""The Predictions page's pure data: the table of runs and the names it shows.

Nothing here imports Streamlit; `ui.predictions.view` shows the table and lets the
learner pick a row.
"""

from __future__ import annotations

import pandas as pd

from core import runs
from core.data import TITLES as IMAGE_TITLES
from core.regression.housing import TITLES as TABULAR_TITLES

DATASET_TITLES = {**IMAGE_TITLES, **TABULAR_TITLES}


def runs_table(stored: list) -> pd.DataFrame:
    """One row per run (stored or uploaded): where it comes from, what it is, how good."""
    rows = []
    for run in stored:
        meta = run.meta
        metric = meta.get("key_metric") or {}
        rows.append(
            {
                "From": "Uploaded (you)" if meta.get("source") == "upload" else runs.title_of(meta.get("kind")),
                "Data set": DATASET_TITLES.get(meta.get("dataset"), meta.get("dataset")),
                "Architecture": meta.get("architecture", "?"),
                "Parameters": meta.get("params"),
                "Key metric": metric.get("name"),
                "Value": metric.get("value"),
                "Training time (s)": meta.get("wall_time") if meta.get("wall_time") is not None else float("nan"),
                "Trained": pd.to_datetime(meta.get("created", 0), unit="s"),
            }
        )
    return pd.DataFrame(rows)
