"""Test set-up: a private run store per test session, quiet TensorFlow, shared fixtures,
and the `e2e` marker on every browser test."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
E2E = ROOT / "tests" / "e2e"


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m "not e2e"` sees the marker
def pytest_collection_modifyitems(items):
    """Marks every test under tests/e2e as `e2e` by its path, so no new browser test can
    forget the marker."""
    for item in items:
        if item.path.is_relative_to(E2E):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def private_store(tmp_path_factory):
    """Every test session gets an empty store, so the user's cache is never touched."""
    root = tmp_path_factory.mktemp("store")
    old = os.environ.get("MLP_EXPLORER_CACHE")
    os.environ["MLP_EXPLORER_CACHE"] = str(root)
    yield root
    if old is None:
        os.environ.pop("MLP_EXPLORER_CACHE", None)
    else:
        os.environ["MLP_EXPLORER_CACHE"] = old


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
