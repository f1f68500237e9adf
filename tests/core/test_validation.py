"""The shared checks accept good values and refuse bad ones in Keras's words."""

import math

import pytest

from core.validation import (
    as_tuple,
    check_bool,
    check_choice,
    check_float,
    check_int,
    invalid,
    is_int,
    is_number,
)


def refused(call, *fragments: str) -> str:
    """Runs `call`, expects a Keras-style `ValueError` holding every fragment."""
    with pytest.raises(ValueError, match="^Received an invalid value for `") as error:
        call()
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_invalid_builds_the_keras_template():
    error = invalid("units", "a positive integer", 0)
    assert isinstance(error, ValueError)
    assert str(error) == "Received an invalid value for `units`, expected a positive integer. Received: units=0"


def test_invalid_quotes_strings_and_appends_the_hint():
    message = str(invalid("loss", "one of mse, mae", "hinge", "Pick a regression loss."))
    assert message.endswith("Received: loss='hinge'. Pick a regression loss.")


def test_is_int_and_is_number_refuse_bools_and_non_finite_numbers():
    assert is_int(0) and is_int(-3) and not is_int(True) and not is_int(2.0) and not is_int("2")
    assert is_number(0) and is_number(-1.5) and is_number(1e300)
    for value in (True, False, float("nan"), math.inf, -math.inf, "1", None):
        assert not is_number(value), value


@pytest.mark.parametrize("value", [1, 5, 10])
def test_check_int_accepts_integers_in_range(value):
    check_int("epochs", value, 1, 10)


@pytest.mark.parametrize("value", [0, 11, True, False, 5.0, "5", None])
def test_check_int_refuses_out_of_range_bools_and_other_types(value):
    refused(
        lambda: check_int("epochs", value, 1, 10), "expected an integer between 1 and 10", f"Received: epochs={value!r}"
    )


def test_check_int_words_the_bound():
    refused(lambda: check_int("n", 0, 1), "expected a positive integer. Received: n=0")
    refused(lambda: check_int("n", -1, 0), "expected a non-negative integer. Received: n=-1")
    refused(lambda: check_int("n", 3, 10), "expected an integer >= 10. Received: n=3")
    check_int("n", 10**9, 10)  # no upper bound


def test_check_int_treats_zero_as_an_upper_bound():
    check_int("offset", 0, -5, 0)
    refused(lambda: check_int("offset", 1, -5, 0), "expected an integer between -5 and 0. Received: offset=1")


def test_check_int_takes_the_callers_words_and_hint():
    message = refused(
        lambda: check_int("noise", 80, 0, 50, expected="an integer in [0, 50] (percent)", hint="Lower the noise."),
    )
    assert message == (
        "Received an invalid value for `noise`, expected an integer in [0, 50] (percent). "
        "Received: noise=80. Lower the noise."
    )


@pytest.mark.parametrize("value", [1e-6, 0.5, 10, 10.0])
def test_check_float_accepts_finite_numbers_in_range(value):
    check_float("learning_rate", value, 0.0, 10.0, open_low=True)


@pytest.mark.parametrize("value", [0.0, 0, -0.1, 10.5, float("nan"), math.inf, -math.inf, True, "0.1", None])
def test_check_float_refuses_out_of_range_non_finite_bools_and_other_types(value):
    refused(
        lambda: check_float("learning_rate", value, 0.0, 10.0, open_low=True),
        "expected a number in (0.0, 10.0]",
        f"Received: learning_rate={value!r}",
    )


def test_check_float_closed_low_accepts_its_bound():
    check_float("momentum", 0.0, 0.0, 0.999)
    refused(
        lambda: check_float("momentum", 1.0, 0.0, 0.999), "expected a number in [0.0, 0.999]. Received: momentum=1.0"
    )


def test_check_float_without_an_upper_bound_still_refuses_infinity():
    check_float("noise", 0.0, 0)
    check_float("noise", 1e9, 0)
    refused(lambda: check_float("noise", math.inf, 0), "expected a non-negative number. Received: noise=inf")
    refused(lambda: check_float("rate", 0, 0, open_low=True), "expected a positive number. Received: rate=0")
    refused(lambda: check_float("x", 1.0, 2.0), "expected a number >= 2.0. Received: x=1.0")
    refused(lambda: check_float("x", 2.0, 2.0, open_low=True), "expected a number > 2.0. Received: x=2.0")


def test_check_choice_accepts_a_choice_and_lists_them_when_refusing():
    check_choice("optimizer", "adam", ("sgd", "adam"))
    refused(
        lambda: check_choice("optimizer", "lbfgs", ("sgd", "adam")),
        "expected one of sgd, adam. Received: optimizer='lbfgs'",
    )


def test_check_choice_takes_any_iterable_and_a_hint():
    check_choice("name", "circle", {"circle": 1, "xor": 2})  # a dict's keys
    refused(
        lambda: check_choice("activation", "nope", ["relu", "tanh"], hint="Check hidden layer 2."),
        "Received: activation='nope'. Check hidden layer 2.",
    )


def test_check_choice_refuses_unhashable_values_without_a_type_error():
    refused(lambda: check_choice("loss", ["mse"], ("mse", "mae")), "Received: loss=['mse']")


@pytest.mark.parametrize("value", [True, False])
def test_check_bool_accepts_booleans(value):
    check_bool("nesterov", value)


@pytest.mark.parametrize("value", [0, 1, "True", None, 1.0])
def test_check_bool_refuses_everything_else(value):
    refused(lambda: check_bool("nesterov", value), "expected True or False", f"Received: nesterov={value!r}")


def test_as_tuple_turns_lists_into_tuples_and_keeps_tuples():
    assert as_tuple("hidden_layers", [8, 8], "unit counts") == (8, 8)
    layers = (4, 2)
    assert as_tuple("hidden_layers", layers, "unit counts") is layers
    assert as_tuple("hidden_layers", [], "unit counts") == ()


@pytest.mark.parametrize("value", [8, "8,8", None, {8, 4}])
def test_as_tuple_refuses_other_types(value):
    refused(
        lambda: as_tuple("hidden_layers", value, "a tuple of unit counts"),
        "expected a tuple of unit counts",
        f"Received: hidden_layers={value!r}",
    )
