"""Figures and tables of a hyperparameter search; never imports streamlit.

They read the trials table of `core.experiments.trials` (a dict: `trials`, `objective`,
`direction`, ...) or a job's history (`score` and `best` per finished trial).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.experiments.trials import HYPERPARAMETERS

LABELS = {
    "num_layers": "hidden layers",
    "units": "units",
    "activation": "activation",
    "learning_rate": "learning rate",
    "optimizer": "optimizer",
    "batch_size": "batch size",
}


def trials_table(table: dict) -> pd.DataFrame:
    """One row per trial: id, status, score, epochs, then the hyperparameters."""
    rows = []
    for trial in table.get("trials", []):
        row = {
            "Trial": trial["trial_id"],
            "Status": trial["status"].lower(),
            "Score": trial.get("score"),
            "Epochs": trial.get("epochs"),
        }
        row.update({LABELS[name]: trial["hyperparameters"].get(name) for name in HYPERPARAMETERS})
        row["Ended (s)"] = trial.get("ended")
        rows.append(row)
    columns = ["Trial", "Status", "Score", "Epochs", *LABELS.values(), "Ended (s)"]
    return pd.DataFrame(rows, columns=columns)


def _score_range(objective: str, scores: list) -> dict:
    # Accuracies live in [0, 1]; losses and RMSEs start at 0: never a negative axis.
    if "accuracy" in objective:
        return {"range": [0, 1.02]}
    return {"rangemode": "tozero"}


def score_curves(history: dict, max_trials: int, objective: str = "score") -> go.Figure:
    """Each finished trial's score and the best so far, against trials done (the live
    figure of `ui.run_view.follow`)."""
    scores, best = history.get("score", []), history.get("best", [])
    trials = list(range(1, len(scores) + 1))
    figure = go.Figure()
    figure.add_scatter(x=trials, y=scores, mode="markers", name="trial", marker={"size": 9})
    figure.add_scatter(x=trials, y=best, mode="lines", name="best so far", line={"shape": "hv"})
    figure.update_layout(
        xaxis={"title": "trials done", "range": [0.5, max(max_trials, 1) + 0.5], "dtick": 1},
        yaxis={"title": objective, **_score_range(objective, scores)},
        height=300,
        margin={"t": 30, "b": 40},
    )
    return figure


def scores_over_time(table: dict) -> go.Figure:
    """Each trial's score at the time it ended, and the best so far."""
    done = [t for t in table.get("trials", []) if t.get("score") is not None and t.get("ended") is not None]
    done.sort(key=lambda trial: trial["ended"])
    pick = max if table.get("direction") == "max" else min
    best, running = [], None
    for trial in done:
        running = trial["score"] if running is None else pick(running, trial["score"])
        best.append(running)
    times = [trial["ended"] for trial in done]
    figure = go.Figure()
    figure.add_scatter(
        x=times,
        y=[trial["score"] for trial in done],
        mode="markers",
        name="trial",
        text=[f"trial {trial['trial_id']}" for trial in done],
        marker={"size": 9},
    )
    figure.add_scatter(x=times, y=best, mode="lines", name="best so far", line={"shape": "hv"})
    figure.update_layout(
        xaxis={"title": "seconds since the search started", "rangemode": "tozero"},
        yaxis={"title": table.get("objective", "score"), **_score_range(table.get("objective", ""), best)},
        height=320,
        margin={"t": 30, "b": 40},
    )
    return figure


def _dimension(name: str, values: list) -> dict:
    label = LABELS[name]
    if all(isinstance(value, str) for value in values):
        choices = sorted(set(values))
        return {
            "label": label,
            "values": [choices.index(v) for v in values],
            "tickvals": list(range(len(choices))),
            "ticktext": choices,
        }
    if name == "learning_rate":
        import math

        logs = [math.log10(value) for value in values]
        ticks = list(range(math.floor(min(logs)), math.ceil(max(logs)) + 1))
        return {"label": label, "values": logs, "tickvals": ticks, "ticktext": [f"1e{tick}" for tick in ticks]}
    return {"label": label, "values": values}


def parallel_coordinates(table: dict) -> go.Figure:
    """One line per completed trial through its hyperparameters to its score, colored
    by the score (`go.Parcoords`); categorical ones are spaced evenly, the learning
    rate on a log scale."""
    done = [t for t in table.get("trials", []) if t.get("score") is not None and t["status"] == "COMPLETED"]
    objective = table.get("objective", "score")
    dimensions = []
    for name in HYPERPARAMETERS:
        values = [trial["hyperparameters"].get(name) for trial in done]
        if done and all(value is not None for value in values):
            dimensions.append(_dimension(name, values))
    scores = [trial["score"] for trial in done]
    dimensions.append({"label": objective, "values": scores})
    reverse = table.get("direction") != "max"  # the best trials in the brightest color
    figure = go.Figure(
        go.Parcoords(
            line={"color": scores, "colorscale": "Viridis", "reversescale": reverse, "showscale": True},
            dimensions=dimensions,
        )
    )
    figure.update_layout(height=380, margin={"t": 50, "b": 30, "l": 60, "r": 60})
    return figure
