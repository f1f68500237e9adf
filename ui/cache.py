"""Streamlit caches over core: data sets and stored runs, shared by every session.

Models in these caches are never trained further (pages only predict with them).
"""

from __future__ import annotations

import dataclasses
import json
import time

import streamlit as st

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


@st.cache_resource(show_spinner=False, max_entries=32)
def _stored_result(config_json: str, store_root: str, kind: str):
    from core import runs

    store = RunStore(store_root)
    result = runs.load_cached(runs.kind_named(kind).config_from_dict(json.loads(config_json)), store)
    if result is None:
        raise _Miss(store.problems)
    return result


def stored_result(config):
    """The stored result for `config` (a run of any kind), or `None`; store problems
    become warnings. Its `load_time` is what this call took (the user's wait), not
    what the first read from disk once took."""
    from core import runs

    started = time.perf_counter()
    try:
        result = _stored_result(config.to_json(), str(RunStore().root), runs.kind_of(config).name)
    except _Miss as miss:
        show_problems(miss.problems)
        return None
    if not result.from_cache:
        return result
    return dataclasses.replace(result, load_time=time.perf_counter() - started)


def forget_stored_runs() -> None:
    """Drops the in-memory copies of stored runs (after runs were deleted from disk)."""
    _stored_result.clear()


def show_problems(problems: list[str]) -> None:
    """Shows what went wrong with the store (unreadable entry, unwritable folder); a
    hosted demo shows no server paths (the log has the whole message)."""
    from core import access

    for problem in problems:
        st.warning(access.redact_paths(problem) if access.hosted() else problem, icon=":material/warning:")
