"""Streamlit caches over core: data sets and stored runs, shared by every session.

Models in these caches are never trained further (pages only predict with them).
"""

from __future__ import annotations

import streamlit as st

from core.config import RunConfig
from core.store import RunStore


@st.cache_resource(show_spinner="Loading the data set…", max_entries=4)
def image_dataset(name: str):
    """The split image data set `name`; raises `DatasetUnavailableError` (not cached)."""
    from core.data import load_dataset

    return load_dataset(name)


class _Miss(Exception):
    """Raised inside a cached function so that a miss is not remembered."""

    def __init__(self, problems: list[str]):
        super().__init__("not in the store")
        self.problems = problems


def _loader(kind: str):
    """(config from JSON, load_cached) for a kind of run."""
    if kind == "classification":
        from core.runs import load_cached

        return RunConfig.from_json, load_cached
    from core.regression_runs import load_cached, run_from_json

    return run_from_json, load_cached


@st.cache_resource(show_spinner=False, max_entries=32)
def _stored_result(config_json: str, store_root: str, kind: str):
    from_json, load_cached = _loader(kind)
    store = RunStore(store_root)
    result = load_cached(from_json(config_json), store)
    if result is None:
        raise _Miss(store.problems)
    return result


def stored_result(config, kind: str = "classification"):
    """The stored result for `config`, or `None`; store problems become warnings.

    Args:
        config: a `RunConfig`, or a regression / wide-and-deep run config.
        kind: `"classification"` or `"regression"` (which covers wide and deep).
    """
    try:
        return _stored_result(config.to_json(), str(RunStore().root), kind)
    except _Miss as miss:
        show_problems(miss.problems)
        return None


def forget_stored_runs() -> None:
    """Drops the in-memory copies of stored runs (after runs were deleted from disk)."""
    _stored_result.clear()


def show_problems(problems: list[str]) -> None:
    """Shows what went wrong with the store (unreadable entry, unwritable folder)."""
    for problem in problems:
        st.warning(problem, icon=":material/warning:")
