"""Input features: what the network sees of a point (x1, x2).

Playground lets the learner feed the network hand-made features of the two
coordinates. A good feature can replace a hidden layer: with x1² and x2² the circle is
linearly separable. `transform` maps points `(n, 2)` to the chosen feature columns
`(n, num_features)`, in the order of `FEATURES`.

Example:

>>> transform(np.array([[2.0, 3.0]]), ("x1", "x1x2")).tolist()
[[2.0, 6.0]]
"""

from __future__ import annotations

import numpy as np

from core.validation import invalid

# name -> (label shown on the page, the NumPy expression of x1 and x2 used in generated code)
FEATURES = {
    "x1": ("x₁", "x1"),
    "x2": ("x₂", "x2"),
    "x1_squared": ("x₁²", "x1 ** 2"),
    "x2_squared": ("x₂²", "x2 ** 2"),
    "x1x2": ("x₁·x₂", "x1 * x2"),
    "sin_x1": ("sin x₁", "np.sin(x1)"),
    "sin_x2": ("sin x₂", "np.sin(x2)"),
}

# The same expressions as functions; a test checks they agree with the code strings.
_COMPUTE = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1_squared": lambda x1, x2: x1**2,
    "x2_squared": lambda x1, x2: x2**2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}


def transform(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """Computes the chosen feature columns of 2-D points.

    Args:
        points: array of shape `(n, 2)`: the x1 and x2 coordinates.
        features: names from `FEATURES`, in the order the columns should come.

    Returns:
        A float32 array of shape `(n, len(features))`.

    Raises:
        ValueError: for an unknown feature name or an empty selection.
    """
    if not features:
        raise invalid("features", "at least one feature", (), "Switch on x₁ or another input.")
    x1, x2 = points[:, 0], points[:, 1]
    columns = []
    for name in features:
        if name not in FEATURES:
            raise invalid("features", f"names from {', '.join(FEATURES)}", features)
        columns.append(_COMPUTE[name](x1, x2))
    return np.stack(columns, axis=1).astype("float32")
