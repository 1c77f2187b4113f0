"""The inline path (runtime/fastcall.py) gives the general path's verdict and message.

A positional call of NumPy arrays or EagerTensors is checked by the generated wrapper
itself; the same call made with keywords goes through the general path (CallState, beartype
probe). Both must accept and reject the same calls, with the same message.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecheck import Float32, Shaped, ShapeContractError, check
from tests.runtime.test_properties import cases, make_checked, spec_text


def has_inline_path(fn: Any) -> bool:
    return "= args[" in fn.__shapecheck_source__ or "r = func(*args)" in fn.__shapecheck_source__


def verdict(fn: Any, *args: Any, **kwargs: Any) -> str | None:
    """``None`` if the call passes, else the error message."""
    try:
        fn(*args, **kwargs)
    except ShapeContractError as exc:
        return str(exc)
    return None


def z(*shape: int, dtype: Any = np.float32) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), eager=st.booleans())
def test_inline_and_general_paths_agree(case: Any, eager: bool) -> None:
    arg_specs, ret_spec, returned, shapes = case
    array_type = tf.Tensor if eager else np.ndarray
    make = (lambda s: tf.zeros(s)) if eager else (lambda s: np.zeros(s, np.float32))
    fn = make_checked(arg_specs, ret_spec, returned, array_type)
    values = [make(s) for s in shapes]
    broadcast = any(tok.bcast for spec in [*arg_specs, ret_spec] for tok in spec)
    if not broadcast and not any(tok.kind == "expr" for spec in [*arg_specs, ret_spec] for tok in spec):
        assert has_inline_path(fn), [spec_text(s) for s in arg_specs]
    inline = verdict(fn, *values)
    general = verdict(fn, **{f"a{i}": v for i, v in enumerate(values)})
    assert inline == general, ([spec_text(s) for s in arg_specs], spec_text(ret_spec), returned, shapes)


@check
def pair(x: Float32[np.ndarray, "B C"], y: Float32[np.ndarray, "B*C 2"]) -> Float32[np.ndarray, "B C"]:
    return x


def test_common_function_has_an_inline_path_and_checks_there() -> None:
    assert has_inline_path(pair)
    assert pair(z(4, 3), z(12, 2)).shape == (4, 3)
    assert verdict(pair, z(4, 3), z(11, 2)) == verdict(pair, x=z(4, 3), y=z(11, 2))
    assert "dim 0 is 11 but B*C = 12" in (verdict(pair, z(4, 3), z(11, 2)) or "")


def test_wrong_dtype_and_wrong_type_are_reported_as_by_the_general_path() -> None:
    assert "dtype float64 is not allowed" in (verdict(pair, z(4, 3, dtype=np.float64), z(12, 2)) or "")
    assert "must be a numpy.ndarray" in (verdict(pair, [[0.0] * 3] * 4, z(12, 2)) or "")
    # An EagerTensor is not a numpy.ndarray: the inline path must not take it for one.
    assert "must be a numpy.ndarray" in (verdict(pair, tf.zeros((4, 3)), z(12, 2)) or "")


def test_a_wrong_return_value_names_the_bindings_of_the_arguments() -> None:
    @check
    def transpose_wrongly(x: Float32[np.ndarray, "B C"]) -> Float32[np.ndarray, "B C"]:
        return x.T  # shapecheck: ignore[SC102] (wrong on purpose)

    assert has_inline_path(transpose_wrongly)
    message = verdict(transpose_wrongly, z(4, 3)) or ""
    assert "return value" in message and "B=4 (from argument 'x' dim 0)" in message


def test_an_expression_before_its_names_are_bound_is_checked_once_they_are() -> None:
    @check
    def flat_first(y: Float32[np.ndarray, "B*C 2"], x: Float32[np.ndarray, "B C"]) -> None:
        return None

    assert has_inline_path(flat_first)
    assert verdict(flat_first, z(12, 2), z(4, 3)) is None
    assert "B*C" in (verdict(flat_first, z(11, 2), z(4, 3)) or "")


def test_a_name_bound_only_by_the_return_value_leaves_for_the_general_path() -> None:
    @check
    def grow(x: Float32[np.ndarray, "N+1"]) -> Float32[np.ndarray, "N"]:
        return x[1:]

    assert not has_inline_path(grow)
    assert verdict(grow, z(5)) is None


def test_optional_argument_and_parameters_left_to_their_defaults() -> None:
    @check
    def masked(
        x: Float32[tf.Tensor, "B T"], mask: Float32[tf.Tensor, "B T"] | None = None, scale: float = 1.0
    ) -> Float32[tf.Tensor, "B T"]:
        return x * scale

    assert has_inline_path(masked)
    x = tf.zeros((2, 5))
    assert masked(x).shape == (2, 5)
    assert masked(x, None).shape == (2, 5)
    assert masked(x, tf.zeros((2, 5)), 2.0).shape == (2, 5)
    assert "dim 1 is 4 but T=5" in (verdict(masked, x, tf.zeros((2, 4))) or "")


def test_an_optional_argument_binding_its_own_name_leaves_for_the_general_path() -> None:
    @check
    def bias(x: Float32[np.ndarray, "B"], b: Float32[np.ndarray, "K"] | None = None) -> None:
        return None

    assert not has_inline_path(bias)
    assert verdict(bias, z(2), z(3)) is None and verdict(bias, z(2)) is None


def test_variadic_runs_and_floor_division_inline() -> None:
    @check
    def pool(x: Shaped[np.ndarray, "*batch N"], y: Shaped[np.ndarray, "*batch N//2"]) -> None:
        return None

    assert has_inline_path(pool)
    assert verdict(pool, z(2, 3, 8), z(2, 3, 4)) is None
    assert verdict(pool, z(2, 3, 8), z(2, 4, 4)) == verdict(pool, x=z(2, 3, 8), y=z(2, 4, 4)) is not None
    assert verdict(pool, z(2, 3, 8), z(2, 3, 3)) == verdict(pool, x=z(2, 3, 8), y=z(2, 3, 3)) is not None


def test_a_method_is_checked_inline_with_self_unchecked() -> None:
    class Scale:
        @check
        def __call__(self, x: Float32[tf.Tensor, "B 3"]) -> Float32[tf.Tensor, "B 3"]:
            return x

    assert Scale()(tf.zeros((2, 3))).shape == (2, 3)
    with pytest.raises(ShapeContractError, match="contract needs 3"):
        Scale()(tf.zeros((2, 4)))
