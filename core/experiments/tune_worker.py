"""Distributed search from the command line: one chief, any number of workers.

The chief serves KerasTuner's oracle and, when every trial ended, trains the best
trial's model again and stores it as a run (so it shows on the Predictions page); the
workers train the trials it hands out. All of them take the same search (a
`SearchConfig` as JSON, inline or in a file) and the same store folder; run the chief
first. On one machine:

    python -m core.experiments.tune_worker chief  --config search.json --store /tmp/store --port 8470
    python -m core.experiments.tune_worker worker --config search.json --store /tmp/store --port 8470 --id tuner0
    python -m core.experiments.tune_worker worker --config search.json --store /tmp/store --port 8470 --id tuner1

On several machines, give every process the chief's address (`--ip`) and let the
chief listen on all interfaces (`--ip 0.0.0.0` for the chief). The flags set
KerasTuner's own environment variables (`KERASTUNER_TUNER_ID`,
`KERASTUNER_ORACLE_IP`, `KERASTUNER_ORACLE_PORT`); without flags, those are used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def load_data(dataset: str):
    """The loaded data set a search names (images or rows)."""
    from core.regression.housing import REGRESSION_DATASETS, load_regression_data

    if dataset in REGRESSION_DATASETS:
        return load_regression_data(dataset)
    from core.data import load_dataset

    return load_dataset(dataset)


def parse_config(text: str):
    """A `SearchConfig` from JSON, or from the JSON file named `text`."""
    from core.experiments.tuning import SearchConfig

    path = Path(text)
    return SearchConfig.from_json(path.read_text() if not text.lstrip().startswith("{") else text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.experiments.tune_worker", description=__doc__.split("\n")[0])
    parser.add_argument("role", choices=("chief", "worker"))
    parser.add_argument("--config", required=True, help="the SearchConfig as JSON, or a JSON file")
    parser.add_argument("--store", help="the run store folder (MLP_EXPLORER_CACHE); shared by all processes")
    parser.add_argument("--ip", default=os.environ.get("KERASTUNER_ORACLE_IP", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("KERASTUNER_ORACLE_PORT", "8470"))
    parser.add_argument("--id", default=os.environ.get("KERASTUNER_TUNER_ID"), help="a worker's id, e.g. tuner0")
    args = parser.parse_args(argv)
    if args.role == "worker" and (not args.id or "chief" in args.id):
        parser.error("a worker needs --id (any name without 'chief', e.g. tuner0)")
    os.environ["KERASTUNER_TUNER_ID"] = "chief" if args.role == "chief" else args.id
    os.environ["KERASTUNER_ORACLE_IP"] = args.ip
    os.environ["KERASTUNER_ORACLE_PORT"] = str(args.port)
    if args.store:
        os.environ["MLP_EXPLORER_CACHE"] = args.store

    from core import runs
    from core.experiments import search as searching
    from core.experiments.trials import search_folder
    from core.store import RunStore

    config = parse_config(args.config)
    data = load_data(config.dataset)
    store = RunStore()
    key = store.key_for(config.to_json())
    if args.role == "worker":
        searching.work(config, data, search_folder(key, store.root))
        return 0
    result = runs.load_or_train(config, data, store=store)
    kind = runs.kind_of(config)
    label, metric = kind.key_metric
    print(json.dumps({"key": key, "architecture": kind.describe(config), label: result.test_metrics.get(metric)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
