"""The classification page's data choices: which images train and validate, how the
pixels are scaled, which classes, and the output layer that fits them.

They apply at once, so the model summary follows them (a binary task has one sigmoid
output unit) and the fields a choice does not use are disabled. Each is a field of the
page's `ClassificationForm`.
"""

from __future__ import annotations

import streamlit as st

from core.data import NUM_VALID, ImageDataset
from core.forms.classification import SUBSETS
from ui.state import PageForm

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


def output_field(form: PageForm) -> None:
    """The output layer's activation."""
    form.widget(
        "output_activation",
        st.selectbox,
        "Output layer",
        list(OUTPUTS),
        format_func=OUTPUTS.get,
        help="With two classes, one sigmoid unit gives the probability of the second, trained with "
        "binary cross-entropy; softmax over two units is the same model with twice the output weights.",
    )


def data_fields(form: PageForm, data: ImageDataset, available: int) -> None:
    """The data choices; `available` is how many training images they leave (before
    the subset), which the subset's options name."""
    num_valid = 360 if data.name == "digits" else NUM_VALID
    left, middle, right = st.columns(3)
    form.widget(
        "validation",
        left.selectbox,
        "Validation",
        list(VALIDATION_CHOICES),
        format_func=lambda choice: VALIDATION_CHOICES[choice].format(n=num_valid),
        help="Held out: the course's split. validation_split: the last share of the training images, "
        "as `model.fit(validation_split=0.1)` takes it. None: every image trains, nothing validates "
        "(no early stopping then).",
    )
    form.widget(
        "validation_split",
        middle.number_input,
        "validation_split",
        step=0.05,
        format="%.2f",
        disabled=form.value.validation != "split",
    )
    form.widget("scaling", right.selectbox, "Input scaling", list(SCALING_LABELS), format_func=SCALING_LABELS.get)
    left, middle, right = st.columns(3)
    form.widget(
        "classes",
        left.multiselect,
        "Classes",
        list(range(data.num_classes)),
        format_func=lambda index: data.class_names[index],
        to_widget=list,
        from_widget=lambda picked: {"classes": tuple(picked)},
        placeholder="all of them",
        help="Empty: all classes. One: that class against the rest (binary, one image in ten is "
        "positive: unbalanced). Two or more: only those images.",
    )
    subsets = SUBSETS if form.value.num_train in SUBSETS else (*SUBSETS, form.value.num_train)
    form.widget(
        "num_train",
        middle.selectbox,
        "Training images",
        subsets,
        format_func=lambda n: subset_label(n, available),
        help="A subset trains faster, for quick experiments.",
    )
    form.widget(
        "class_weight",
        right.checkbox,
        'class_weight="balanced"',
        help="Weighs each class's loss by n_samples / (n_classes × its count), so a rare class "
        "counts as much as a frequent one (for unbalanced subsets).",
    )


def subset_label(n: int, available: int) -> str:
    """A training subset's option, each one different (a selectbox tells options
    apart by their labels): `first 20,000 (all 1,437)` for more than there are."""
    if n == 0:
        return f"all {available:,}"
    return f"first {n:,}" + (f" (all {available:,})" if n >= available else "")


def data_caption(config, data: ImageDataset) -> None:
    """What the data choices amount to, next to the Train button."""
    images = config.data.num_train or len(data.x_train)
    split = config.training.validation_split
    if split is not None:
        valid = f"the last {split:.0%} of them validate (validation_split={split:g})"
    elif len(data.x_valid):
        valid = f"{len(data.x_valid):,} held-out images validate"
    else:
        valid = "nothing validates"
    scaling = "standardized" if config.data.scaling == "standard" else "pixels / 255"
    st.caption(f"Trains on {images:,} images ({scaling}); {valid}.")
