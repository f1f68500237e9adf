"""Evaluate a classifier's test predictions: confusion matrix and telling examples.

Everything here works on predicted probabilities, so a run loaded from the store is
evaluated without running the model again.

Example:

>>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), 2, normalize=True)
array([[1. , 0. ],
       [0.5, 0.5]])
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int, *, normalize: bool = True):
    """Counts (or, with `normalize`, the share of each true class) per (true, predicted).

    Rows are true classes, columns predicted classes; a normalized row sums to 1 (or 0
    for a class absent from `y_true`).
    """
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    if not normalize:
        return counts
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros(counts.shape, dtype=float), where=totals > 0)


def most_confident_wrong(proba: np.ndarray, y_true: np.ndarray, k: int = 8) -> np.ndarray:
    """Indices of the `k` misclassified samples with the highest predicted probability."""
    predicted = np.argmax(proba, axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = proba[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:k]]


def per_class_accuracy(proba: np.ndarray, y_true: np.ndarray, num_classes: int) -> np.ndarray:
    """Accuracy on each true class (recall), as an array of length `num_classes`."""
    return np.diag(confusion_matrix(y_true, np.argmax(proba, axis=1), num_classes, normalize=True))


def cell_samples(proba: np.ndarray, y_true: np.ndarray, true: int, predicted: int, k: int = 12) -> np.ndarray:
    """Indices of up to `k` test samples of class `true` predicted as `predicted` (one
    cell of the confusion matrix), the most confident first.

    Example:

    >>> proba = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8]])
    >>> cell_samples(proba, np.array([0, 0, 1]), true=0, predicted=1).tolist()
    [1]
    """
    guesses = np.argmax(proba, axis=1)
    hits = np.flatnonzero((np.asarray(y_true) == true) & (guesses == predicted))
    return hits[np.argsort(-proba[hits, predicted], kind="stable")[:k]]
