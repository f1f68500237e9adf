"""Input checks that raise `ValueError` in Keras's style, shared by every config.

Every message follows Keras's template: what was wrong, what was expected, the value
received, and where it helps, how to fix it:

    Received an invalid value for `units`, expected a positive integer. Received: units=0

The frozen dataclasses in `core.config`, `core.regression`, `core.playground` and the
functions in `core.fundamentals` call these helpers from `__post_init__` or on entry, so
one wording serves the whole app and a page can show the message as it is. Booleans are
never integers or numbers here (`True` is not a batch size), and numbers must be finite.

Example:

>>> check_int("units", 0, 1)
Traceback (most recent call last):
...
ValueError: Received an invalid value for `units`, expected a positive integer. Received: units=0
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def invalid(name: str, expected: str, value: Any, hint: str = "") -> ValueError:
    """Builds (does not raise) a Keras-style `ValueError` for a bad `name=value`.

    Args:
        name: the argument or field, as the user knows it (`"units"`).
        expected: what would have been valid, phrased to follow "expected"
            (`"a positive integer"`).
        value: the value received; shown with `repr`, so strings keep their quotes.
        hint: how to fix it, a sentence appended after the value. Defaults to `""`.

    Returns:
        The `ValueError`, for the caller to `raise` (so tracebacks point at the caller).

    Example:

    >>> str(invalid("loss", "one of mse, mae", "hinge", "Pick a regression loss."))
    "Received an invalid value for `loss`, expected one of mse, mae. Received: loss='hinge'. Pick a regression loss."
    """
    message = f"Received an invalid value for `{name}`, expected {expected}. Received: {name}={value!r}"
    return ValueError(message + (f". {hint}" if hint else ""))


def is_int(value: Any) -> bool:
    """Whether `value` is a Python integer, and not a bool.

    Example:

    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Whether `value` is a finite int or float, and not a bool (NaN and inf are not).

    Example:

    >>> is_number(0.5), is_number(float("nan")), is_number(False)
    (True, False, False)
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_int(
    name: str, value: Any, low: int, high: int | None = None, *, expected: str | None = None, hint: str = ""
) -> None:
    """Raises unless `value` is an integer (not a bool) in `[low, high]`.

    Args:
        name: the argument or field.
        value: the value received.
        low: the smallest valid value.
        high: the largest valid value; `None` for no upper bound. Defaults to `None`.
        expected: says what is expected in the page's own words (`"an integer in [0, 50]
            (percent)"`); `None` derives it from the bounds: `"a positive integer"`,
            `"a non-negative integer"`, `"an integer >= 10"` or `"an integer between 1
            and 32"`. Defaults to `None`.
        hint: how to fix it. Defaults to `""`.

    Raises:
        ValueError: in Keras's style, repeating the value.

    Example:

    >>> check_int("epochs", 30, 1, 1000)
    >>> check_int("epochs", True, 1, 1000)
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for `epochs`, expected an integer between 1 and 1000. Received: epochs=True
    """
    ok = is_int(value) and value >= low and (high is None or value <= high)
    if not ok:
        if expected is None:
            if high is not None:
                expected = f"an integer between {low} and {high}"
            elif low == 1:
                expected = "a positive integer"
            elif low == 0:
                expected = "a non-negative integer"
            else:
                expected = f"an integer >= {low}"
        raise invalid(name, expected, value, hint)


def check_float(
    name: str,
    value: Any,
    low: float,
    high: float = math.inf,
    *,
    open_low: bool = False,
    expected: str | None = None,
    hint: str = "",
) -> None:
    """Raises unless `value` is a finite number (int or float, not a bool) in `[low, high]`.

    Args:
        name: the argument or field.
        value: the value received.
        low: the lower bound.
        high: the upper bound, included; `math.inf` for none (the value must still be
            finite). Defaults to `math.inf`.
        open_low: exclude `low` itself, for quantities that must be positive.
            Defaults to `False`.
        expected: says what is expected in the page's own words; `None` derives it from
            the bounds: `"a number in (0.0, 10.0]"`, or `"a positive number"` /
            `"a non-negative number"` without an upper bound. Defaults to `None`.
        hint: how to fix it. Defaults to `""`.

    Raises:
        ValueError: in Keras's style, repeating the value (NaN and inf included).

    Example:

    >>> check_float("learning_rate", 1e-3, 0.0, 10.0, open_low=True)
    >>> check_float("learning_rate", float("nan"), 0.0, 10.0, open_low=True)
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for `learning_rate`, expected a number in (0.0, 10.0]. Received: learning_rate=nan
    """
    ok = is_number(value) and (value > low if open_low else value >= low) and value <= high
    if not ok:
        if expected is None:
            if math.isfinite(high):
                expected = f"a number in {'(' if open_low else '['}{low}, {high}]"
            elif low == 0:
                expected = "a positive number" if open_low else "a non-negative number"
            else:
                expected = f"a number {'>' if open_low else '>='} {low}"
        raise invalid(name, expected, value, hint)


def check_choice(name: str, value: Any, choices: Iterable[Any], *, hint: str = "") -> None:
    """Raises unless `value` is one of `choices`.

    Args:
        name: the argument or field.
        value: the value received.
        choices: the valid values, listed in the message in this order.
        hint: how to fix it. Defaults to `""`.

    Raises:
        ValueError: in Keras's style, listing the choices.

    Example:

    >>> check_choice("optimizer", "adam", ("sgd", "adam"))
    >>> check_choice("optimizer", "lbfgs", ("sgd", "adam"))
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for `optimizer`, expected one of sgd, adam. Received: optimizer='lbfgs'
    """
    choices = tuple(choices)
    if value not in choices:
        raise invalid(name, f"one of {', '.join(str(choice) for choice in choices)}", value, hint)


def check_bool(name: str, value: Any) -> None:
    """Raises unless `value` is `True` or `False` (not 0, 1 or a string).

    Args:
        name: the argument or field.
        value: the value received.

    Raises:
        ValueError: in Keras's style.

    Example:

    >>> check_bool("nesterov", False)
    >>> check_bool("nesterov", "yes")
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for `nesterov`, expected True or False. Received: nesterov='yes'
    """
    if not isinstance(value, bool):
        raise invalid(name, "True or False", value)


def as_tuple(name: str, value: Any, expected: str) -> tuple:
    """`value` as a tuple, so a config stays hashable when given a list (from JSON, say).

    Args:
        name: the argument or field.
        value: a tuple or a list; anything else is refused.
        expected: what a valid value is, for the message (`"a tuple of unit counts"`).

    Returns:
        The tuple (the same object if `value` already is one).

    Raises:
        ValueError: in Keras's style, if `value` is neither a tuple nor a list.

    Example:

    >>> as_tuple("hidden_layers", [8, 8], "a tuple of unit counts")
    (8, 8)
    >>> as_tuple("hidden_layers", 8, "a tuple of unit counts")
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for `hidden_layers`, expected a tuple of unit counts. Received: hidden_layers=8
    """
    if isinstance(value, list):
        return tuple(value)
    if not isinstance(value, tuple):
        raise invalid(name, expected, value)
    return value
