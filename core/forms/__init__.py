"""Page forms as data: what a page's controls are set to, as one frozen dataclass.

A *form* is the state of one page's controls (fields of a few plain kinds: `bool`,
`int`, `float`, `str` and tuples of them). It checks only what a control can get
wrong (the kind, a choice from a list), never a range: a batch size of 0 stays in the
form as the user typed it, and the run config the page builds from it says what is
wrong. A form has a flat text form, one query parameter per field, so a page's URL
carries it and a link reopens it (the idea of TensorFlow Playground's `state.ts`: one
table of properties drives the state and the URL both ways).

Example:

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Demo(Form):
...     units: tuple[int, ...] = (300, 100)
...     optimizer: str = choice("adam", ("adam", "sgd"))
...     learning_rate: float = 0.001
>>> to_params(Demo(units=(32,)))
{'units': '32', 'optimizer': 'adam', 'learning_rate': '0.001'}
>>> form, warnings = from_params(Demo, {"units": "64,64", "optimizer": "rmsprop"})
>>> form.units, form.optimizer
((64, 64), 'adam')
>>> warnings
["Ignored `optimizer=rmsprop` from the link: expected one of adam, sgd. Using 'adam'."]
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from core.validation import invalid

MAX_ECHO = 80  # characters of a link's value repeated in a warning


def choice(default: str, options: tuple[str, ...] | list[str] | dict) -> Any:
    """A dataclass field that takes one of `options` (its items, or a dict's keys)."""
    return dataclasses.field(default=default, metadata={"choices": tuple(options)})


def choices(default: tuple, options: tuple | list | dict) -> Any:
    """A tuple field whose every item is one of `options`."""
    return dataclasses.field(default=default, metadata={"choices": tuple(options)})


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _kind(cls: type, name: str) -> tuple[type, bool]:
    """`(item type, is a tuple)` of a form field, from its annotation."""
    hint = _hints(cls)[name]
    if typing.get_origin(hint) is tuple:
        return typing.get_args(hint)[0], True
    return hint, False


def _options(cls: type, name: str) -> tuple | None:
    return next(item for item in dataclasses.fields(cls) if item.name == name).metadata.get("choices")


def _expected(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a word"}[kind]


def _check_item(cls: type, name: str, kind: type, value: Any) -> Any:
    """`value` as a field item of `kind` (an integral float becomes an int); raises
    `ValueError` in Keras's style when it is not one."""
    ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if kind is int and isinstance(value, float) and value.is_integer():
        value, ok = int(value), True
    if kind is float and ok and not math.isfinite(value):
        ok = False
    options = _options(cls, name)
    if ok and options is not None and value not in options:
        raise invalid(name, f"one of {', '.join(map(str, options))}", value)
    if not ok:
        raise invalid(name, _expected(kind), value)
    return value


class Form:
    """Base of the page forms: frozen dataclasses whose fields check their own kind.

    Subclasses are `@dataclass(frozen=True)` with a default for every field."""

    def __post_init__(self):
        for item in dataclasses.fields(self):
            kind, is_tuple = _kind(type(self), item.name)
            value = getattr(self, item.name)
            if is_tuple:
                if not isinstance(value, (tuple, list)):
                    raise invalid(item.name, f"a tuple of {_expected(kind)}s", value)
                value = tuple(_check_item(type(self), item.name, kind, each) for each in value)
            else:
                value = _check_item(type(self), item.name, kind, value)
            object.__setattr__(self, item.name, value)

    def replace(self, **changes) -> Form:
        """A copy with some fields changed (checked like any new form)."""
        return dataclasses.replace(self, **changes)


def field_names(cls: type) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(cls))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_params(form: Form) -> dict[str, str]:
    """The form as query parameters: one string per field, tuples as comma lists."""
    params = {}
    for name in field_names(type(form)):
        value = getattr(form, name)
        params[name] = ",".join(_text(item) for item in value) if isinstance(value, tuple) else _text(value)
    return params


def _parse_item(kind: type, text: str) -> Any:
    text = text.strip()
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if kind is int:
            return int(text)
        if kind is float:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError
            return number
    except ValueError:
        raise ValueError(f"expected {_expected(kind)}") from None
    return text


def parse(cls: type, name: str, text: str) -> Any:
    """The value of field `name` of form `cls` written as `text`; raises `ValueError`
    saying what was expected (without repeating `text`, which the caller echoes)."""
    kind, is_tuple = _kind(cls, name)
    options = _options(cls, name)
    items = [part for part in text.split(",") if part.strip()] if is_tuple else [text]
    values = tuple(_parse_item(kind, item) for item in items)
    if options is not None and any(value not in options for value in values):
        raise ValueError(f"expected {'items from' if is_tuple else 'one of'} {', '.join(map(str, options))}")
    return values if is_tuple else values[0]


def echo(text: str) -> str:
    """A link's value as a warning repeats it: at most `MAX_ECHO` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _short(reason: str) -> str:
    """A config's error without the value it repeats (the warning echoes it, cut)."""
    reason = reason.replace("Received an invalid value for ", "")
    return re.sub(r"\.? Received: .*?(?=\. [A-Z]|$)", "", reason).rstrip(".")


def _accepts(check: Callable[[Any], object] | None, form: Form) -> bool:
    try:
        if check is not None:
            check(form)
    except ValueError:
        return False
    return True


def from_params(
    cls: type,
    params: Mapping[str, str],
    *,
    check: Callable[[Any], object] | None = None,
    default: Form | None = None,
) -> tuple[Form, list[str]]:
    """Reads a form back from query parameters, forgiving bad ones field by field.

    Parameters that are not fields are ignored. A field whose text does not parse, or
    whose value `check` refuses together with the other fields read, keeps its
    default and adds a warning; every other field is still read.

    Args:
        cls: the form's class.
        params: a mapping of strings, such as `st.query_params`.
        check: raises `ValueError` for a form the page cannot use (typically by
            building the page's run config from it). Defaults to no check.
        default: the form the fields start from. Defaults to `cls()`.

    Returns:
        `(form, warnings)`: the form and one message per value ignored.
    """
    form = default if default is not None else cls()
    values, problems = {}, {}
    for name in field_names(cls):
        if name in params:
            try:
                values[name] = parse(cls, name, str(params[name]))
            except ValueError as error:
                problems[name] = str(error)
    # Fields that only go together (a schedule and its decay rate) are each checked
    # with the ones taken so far: a field refused in one pass is tried again after the
    # others, until a pass takes none.
    pending = list(values)
    while pending:
        refused = []
        for name in pending:
            candidate = form.replace(**{name: values[name]})
            try:
                if check is not None:
                    check(candidate)
            except ValueError as error:
                refused.append(name)
                problems[name] = _short(str(error))
                continue
            form = candidate
        if len(refused) == len(pending):
            # Fields that each need the other (a problem type and its data set) go in
            # together, or not at all.
            together = form.replace(**{name: values[name] for name in refused})
            if len(refused) > 1 and _accepts(check, together):
                form, pending = together, []
            break
        pending = refused
    warnings = []
    for name in field_names(cls):
        if name in problems and (name not in values or name in pending):
            text = echo(str(params[name]))
            warnings.append(f"Ignored `{name}={text}` from the link: {problems[name]}. Using {getattr(form, name)!r}.")
    return form, warnings
