"""The classification page's data choices: which images train and validate, how the
pixels are scaled, which classes, and the output layer that fits them.

They sit outside the training form and apply at once, so the model summary follows
them (a binary task has one sigmoid output unit) and the fields a choice does not use
are disabled.
"""

from __future__ import annotations

import streamlit as st

from core.config import DataConfig
from core.data import NUM_VALID, ImageDataset, for_run

SUBSETS = (0, 20000, 10000, 5000, 1000, 500)  # 0: all of them
VALIDATION_CHOICES = {
    "last": "the last {n:,} images, held out",
    "first": "the first {n:,} images, held out",
    "split": "a share of the training images (validation_split)",
    "none": "none: train on all of them",
}
SCALING_LABELS = {"unit": "pixels / 255", "standard": "StandardScaler, fitted on the training images"}
OUTPUTS = {
    "softmax": "softmax: one unit per class",
    "sigmoid": "sigmoid: one unit (two classes, binary cross-entropy)",
}


def output_field(prefix: str) -> str:
    """The output layer's activation."""
    return st.selectbox(
        "Output layer",
        list(OUTPUTS),
        format_func=OUTPUTS.get,
        key=f"{prefix}.output_activation",
        help="With two classes, one sigmoid unit gives the probability of the second, trained with "
        "binary cross-entropy; softmax over two units is the same model with twice the output weights.",
    )


def data_fields(prefix: str, data: ImageDataset) -> tuple[DataConfig, float | None, str | None]:
    """The data choices; returns `(DataConfig, validation_split, class_weight)`.

    May raise `ValueError` (from `DataConfig`) for choices that do not go together.
    """
    num_valid = 360 if data.name == "digits" else NUM_VALID
    left, middle, right = st.columns(3)
    validation = left.selectbox(
        "Validation",
        list(VALIDATION_CHOICES),
        format_func=lambda choice: VALIDATION_CHOICES[choice].format(n=num_valid),
        key=f"{prefix}.validation",
        help="Held out: the course's split. validation_split: the last share of the training images, "
        "as `model.fit(validation_split=0.1)` takes it. None: every image trains, nothing validates "
        "(no early stopping then).",
    )
    split = middle.number_input(
        "validation_split",
        value=0.1,
        step=0.05,
        format="%.2f",
        key=f"{prefix}.validation_split",
        disabled=validation != "split",
    )
    scaling = right.selectbox(
        "Input scaling", list(SCALING_LABELS), format_func=SCALING_LABELS.get, key=f"{prefix}.scaling"
    )
    left, middle, right = st.columns(3)
    classes = left.multiselect(
        "Classes",
        list(range(data.num_classes)),
        format_func=lambda index: data.class_names[index],
        key=f"{prefix}.classes",
        placeholder="all of them",
        help="Empty: all classes. One: that class against the rest (binary, one image in ten is "
        "positive: unbalanced). Two or more: only those images.",
    )
    data_config = DataConfig(
        data.name,
        validation="none" if validation in ("split", "none") else validation,
        scaling=scaling,
        classes=tuple(int(index) for index in classes) or None,
    )
    available = len(for_run(data, data_config).x_train)
    num_train = middle.selectbox(
        "Training images",
        SUBSETS,
        format_func=lambda n: f"all {available:,}" if n == 0 else f"first {n:,}",
        key=f"{prefix}.num_train",
        help="A subset trains faster, for quick experiments.",
    )
    balanced = right.checkbox(
        'class_weight="balanced"',
        key=f"{prefix}.class_weight",
        help="Weighs each class's loss by n_samples / (n_classes × its count), so a rare class "
        "counts as much as a frequent one (for unbalanced subsets).",
    )
    num_train = min(num_train, available) or None
    data_config = DataConfig(
        data.name,
        num_train=num_train,
        validation=data_config.validation,
        scaling=scaling,
        classes=data_config.classes,
    )
    return data_config, (float(split) if validation == "split" else None), ("balanced" if balanced else None)


def data_caption(config: DataConfig, validation_split: float | None, data: ImageDataset) -> None:
    """What the data choices above the form amount to, next to the Train button."""
    images = config.num_train or len(data.x_train)
    if validation_split is not None:
        valid = f"the last {validation_split:.0%} of them validate (validation_split={validation_split:g})"
    elif len(data.x_valid):
        valid = f"{len(data.x_valid):,} held-out images validate"
    else:
        valid = "nothing validates"
    scaling = "standardized" if config.scaling == "standard" else "pixels / 255"
    st.caption(f"Trains on {images:,} images ({scaling}); {valid}.")
