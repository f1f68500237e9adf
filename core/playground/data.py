"""The Playground's 2-D data sets, generated as TensorFlow Playground generates them.

Each generator takes `num_samples`, `noise` (a fraction in [0, 0.5]) and a NumPy
`Generator`, and returns `(points, labels)`: points of shape `(num_samples, 2)` on the
plane [-6, 6]², labels of shape `(num_samples,)`. Classification labels are 0 or 1
(Playground uses -1 and +1; 0/1 is what a sigmoid output and Keras's binary
cross-entropy expect); regression labels lie in [-1, 1].

The generators use nothing but NumPy and their own arguments on purpose: "Show the
code" copies their source into a script that runs on its own.

Example:

>>> points, labels = make_dataset("circle", 500, noise=0.1, seed=1)
>>> points.shape, sorted(set(labels.tolist()))
((500, 2), [0.0, 1.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.validation import check_choice, check_float

# Classification with more than two classes: a softmax output, one unit per class.
MULTICLASS_DATASETS = ("three_gaussians",)
CLASSIFICATION_DATASETS = ("circle", "xor", "gaussian", "spiral") + MULTICLASS_DATASETS
REGRESSION_DATASETS = ("plane", "multi_gaussian")
UPLOAD = "upload"  # points the user brought as a CSV file
DATASET_TITLES = {
    "circle": "Circle",
    "xor": "Exclusive or",
    "gaussian": "Two Gaussians",
    "spiral": "Spiral",
    "three_gaussians": "Three Gaussians (3 classes)",
    "plane": "Plane",
    "multi_gaussian": "Multi Gaussian",
    UPLOAD: "Your CSV",
}
NUM_SAMPLES = 500
DOMAIN = 6.0  # built-in points live on [-DOMAIN, DOMAIN]², as in Playground


def make_circle(num_samples, noise, rng):
    """A disc of class 1 inside a ring of class 0; noise moves the label boundary."""
    radius = 5.0
    half = num_samples // 2
    # Inner points have r in [0, 2.5], outer ones r in [3.5, 5], as Playground draws them.
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, num_samples - half)])
    angle = rng.uniform(0, 2 * np.pi, num_samples)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    jitter = rng.uniform(-radius, radius, (num_samples, 2)) * noise
    labels = (np.linalg.norm(points + jitter, axis=1) < radius * 0.5).astype("float32")
    return points.astype("float32"), labels


def make_xor(num_samples, noise, rng):
    """Class 1 in the quadrants where x1 and x2 share a sign, class 0 elsewhere."""
    padding = 0.3
    points = rng.uniform(-5, 5, (num_samples, 2))
    points += np.where(points > 0, padding, -padding)  # a gap along both axes
    jitter = rng.uniform(-5, 5, (num_samples, 2)) * noise
    noisy = points + jitter
    labels = (noisy[:, 0] * noisy[:, 1] >= 0).astype("float32")
    return points.astype("float32"), labels


def make_gaussian(num_samples, noise, rng):
    """Two Gaussian blobs at (2, 2) (class 1) and (-2, -2) (class 0); noise widens them."""
    variance = 0.5 + noise / 0.5 * 3.5  # noise 0 -> 0.5, noise 0.5 -> 4, as in Playground
    half = num_samples // 2
    positive = rng.normal(2.0, np.sqrt(variance), (half, 2))
    negative = rng.normal(-2.0, np.sqrt(variance), (num_samples - half, 2))
    points = np.concatenate([positive, negative])
    labels = np.concatenate([np.ones(half), np.zeros(num_samples - half)])
    return points.astype("float32"), labels.astype("float32")


def make_spiral(num_samples, noise, rng):
    """Two interleaved spiral arms, class 1 and class 0; noise jitters the points."""
    arms = []
    for delta, count in ((0.0, num_samples // 2), (np.pi, num_samples - num_samples // 2)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * np.pi + delta
        jitter = rng.uniform(-1, 1, (count, 2)) * noise
        arms.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + jitter)
    labels = np.concatenate([np.ones(num_samples // 2), np.zeros(num_samples - num_samples // 2)])
    return np.concatenate(arms).astype("float32"), labels.astype("float32")


def make_three_gaussians(num_samples, noise, rng):
    """Three Gaussian blobs, classes 0, 1 and 2, around a circle; noise widens them."""
    variance = 0.5 + noise / 0.5 * 3.5
    angles = np.array([90.0, 210.0, 330.0]) * np.pi / 180
    centers = 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = np.arange(num_samples) % 3
    points = centers[labels] + rng.normal(0.0, np.sqrt(variance), (num_samples, 2))
    return points.astype("float32"), labels.astype("float32")


def make_plane(num_samples, noise, rng):
    """Regression on a tilted plane: the label is (x1 + x2) / 10, noise shifts the inputs."""
    points = rng.uniform(-6, 6, (num_samples, 2))
    jitter = rng.uniform(-6, 6, (num_samples, 2)) * noise
    labels = np.clip((points + jitter).sum(axis=1) / 10, -1, 1)
    return points.astype("float32"), labels.astype("float32")


def make_multi_gaussian(num_samples, noise, rng):
    """Regression on six signed bumps: the label is the strongest bump at the point."""
    centers = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    signs = np.array([1, -1, 1, -1, 1, -1])
    points = rng.uniform(-6, 6, (num_samples, 2))
    noisy = points + rng.uniform(-6, 6, (num_samples, 2)) * noise
    distance = np.linalg.norm(noisy[:, None, :] - centers[None, :, :], axis=2)  # (n, 6)
    bumps = signs * np.clip(1 - distance / 2, 0, 1)
    labels = bumps[np.arange(num_samples), np.abs(bumps).argmax(axis=1)]
    return points.astype("float32"), labels.astype("float32")


GENERATORS = {
    "circle": make_circle,
    "xor": make_xor,
    "gaussian": make_gaussian,
    "spiral": make_spiral,
    "three_gaussians": make_three_gaussians,
    "plane": make_plane,
    "multi_gaussian": make_multi_gaussian,
}


def make_dataset(name: str, num_samples: int = NUM_SAMPLES, *, noise: float = 0.0, seed: int = 0):
    """Generates one of the built-in data sets.

    Args:
        name: one of `CLASSIFICATION_DATASETS` or `REGRESSION_DATASETS`.
        num_samples: how many points. Defaults to `NUM_SAMPLES` (500).
        noise: a fraction in [0, 0.5] (the page's 0-50 %). Defaults to `0.0`.
        seed: seeds the generator, so the same seed gives the same points.
            Defaults to `0`.

    Returns:
        `(points, labels)`: float32 arrays of shapes `(num_samples, 2)` and `(num_samples,)`.

    Raises:
        ValueError: for an unknown name or a noise outside [0, 0.5].
    """
    check_choice("name", name, GENERATORS)
    check_float("noise", noise, 0, 0.5, expected="a fraction in [0, 0.5]")
    return GENERATORS[name](num_samples, noise, np.random.default_rng(seed))


def split_indices(num_samples: int, train_ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffles `range(num_samples)` and cuts it into training and test indices.

    Args:
        num_samples: how many points there are.
        train_ratio: the training share, in (0, 1).
        seed: seeds the shuffle (offset from the data seed so the two draws differ).

    Returns:
        `(train_indices, test_indices)`; both have at least one element.
    """
    order = np.random.default_rng(seed + 1).permutation(num_samples)
    num_train = min(max(int(round(num_samples * train_ratio)), 1), num_samples - 1)
    return order[:num_train], order[num_train:]


@dataclass(frozen=True)
class PlaneData:
    """Points on the plane, split into training and test sets, and the plane they span."""

    x_train: np.ndarray  # (num_train, 2)
    y_train: np.ndarray  # (num_train,)
    x_test: np.ndarray  # (num_test, 2)
    y_test: np.ndarray  # (num_test,)
    extent: float  # the plane shown is [-extent, extent]²

    @property
    def num_classes(self) -> int:
        """Classes in the labels 0, 1, ..., at least 2 (meaningless for regression)."""
        labels = np.concatenate([self.y_train, self.y_test])
        return max(2, int(labels.max()) + 1) if len(labels) else 2


def plane_extent(points: np.ndarray) -> float:
    """Half-width of the square view that holds every point: 6 for Playground's sets."""
    largest = float(np.abs(points).max()) if len(points) else 0.0
    return DOMAIN if largest <= DOMAIN else float(np.ceil(largest * 1.1))


def split_dataset(points: np.ndarray, labels: np.ndarray, train_ratio: float, seed: int) -> PlaneData:
    """Splits points and labels as `split_indices` does, into a `PlaneData`."""
    train, test = split_indices(len(points), train_ratio, seed)
    return PlaneData(points[train], labels[train], points[test], labels[test], plane_extent(points))
