"""Eager checking on NumPy arrays: binding, expressions, variadics, broadcast, messages, modes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import jaxtyping
import numpy as np
import pytest

import shapecheck
from shapecheck import Float32, Int32, Shape, ShapeContractError, Shaped, check


ROOT_ENV = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}  # works without an install


def z(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


@check
def pair(x: Float32[np.ndarray, "B C"], y: Float32[np.ndarray, "B*C 2"]) -> Float32[np.ndarray, "B"]:
    return x.sum(axis=1)


def test_correct_call_passes_and_returns_the_value() -> None:
    out = pair(z(2, 3), z(6, 2))
    assert out.shape == (2,)


def test_expression_dim_mismatch_names_everything() -> None:
    with pytest.raises(ShapeContractError) as info:
        pair(z(2, 3), z(5, 2))
    msg = str(info.value)
    assert "pair" in msg and "argument 'y'" in msg and '"B*C 2"' in msg
    assert "(5, 2)" in msg and "B*C = 6" in msg
    assert "B=2 (from argument 'x' dim 0)" in msg and "C=3 (from argument 'x' dim 1)" in msg
    assert len(msg) <= 1000


def test_error_is_a_type_error() -> None:
    assert issubclass(ShapeContractError, TypeError)


def test_expression_seen_before_its_operands_is_checked_after_all_arguments() -> None:
    @check
    def flat_first(y: Shaped[np.ndarray, "B*C 2"], x: Shaped[np.ndarray, "B C"]) -> None:
        return None

    flat_first(z(6, 2), z(2, 3))
    with pytest.raises(ShapeContractError, match="once all arguments were bound"):
        flat_first(z(7, 2), z(2, 3))


def test_named_dim_binds_across_arguments_and_return() -> None:
    @check
    def bad_return(x: Shaped[np.ndarray, "B C"]) -> Shaped[np.ndarray, "C B"]:
        return x  # shapecheck: ignore[SC102]  (deliberately wrong: the runtime must reject it)

    assert bad_return(z(3, 3)).shape == (3, 3)
    with pytest.raises(ShapeContractError, match="return value"):
        bad_return(z(2, 3))


def test_dtype_is_checked() -> None:
    with pytest.raises(ShapeContractError, match="dtype float64 is not allowed"):
        pair(z(2, 3, dtype=np.float64), z(6, 2))


def test_rank_mismatch() -> None:
    with pytest.raises(ShapeContractError, match="rank 3, contract needs rank 2"):
        pair(z(2, 3, 1), z(6, 2))


def test_variadic_binds_a_tuple() -> None:
    @check
    def batched(x: Shaped[np.ndarray, "*batch N"], y: Shaped[np.ndarray, "*batch"]) -> None:
        return None

    batched(z(2, 3, 4), z(2, 3))
    batched(z(4), z())
    with pytest.raises(ShapeContractError, match=r"\*batch"):
        batched(z(2, 3, 4), z(3, 2))
    with pytest.raises(ShapeContractError, match=r"\*batch spans"):
        batched(z(2, 3, 4), z(2))


def test_anonymous_and_broadcast_dims() -> None:
    @check
    def bc(x: Shaped[np.ndarray, "B _"], y: Shaped[np.ndarray, "#B 3"]) -> None:
        return None

    bc(z(4, 7), z(4, 3))
    bc(z(4, 9), z(1, 3))
    with pytest.raises(ShapeContractError):
        bc(z(4, 7), z(2, 3))


def test_expression_dims_with_padding_and_floor_division() -> None:
    @check
    def padded(x: Shaped[np.ndarray, "N"], p: Shaped[np.ndarray, "p"], y: Shaped[np.ndarray, "N+2*p N//2"]) -> None:
        return None

    padded(z(8), z(3), z(14, 4))
    with pytest.raises(ShapeContractError, match=r"N//2 = 4"):
        padded(z(8), z(3), z(14, 5))


def test_annotated_shape_and_optional() -> None:
    @check
    def opt(x: Annotated[np.ndarray, Shape("B 2", dtype="float")], m: Int32[np.ndarray, "B"] | None = None) -> None:
        return None

    opt(z(3, 2))
    opt(z(3, 2), None)
    opt(z(3, 2), z(3, dtype=np.int32))
    with pytest.raises(ShapeContractError, match="argument 'm'"):
        opt(z(3, 2), z(4, dtype=np.int32))


def test_jaxtyping_annotations_are_read() -> None:
    @check
    def jt(x: jaxtyping.Float32[np.ndarray, "B C"]) -> jaxtyping.Float32[np.ndarray, "C"]:
        return x[0]

    assert jt(z(2, 5)).shape == (5,)
    with pytest.raises(ShapeContractError):
        jt(z(2, 5, dtype=np.int32))


def test_tuple_return_contracts() -> None:
    @check
    def split(x: Shaped[np.ndarray, "B C"]) -> tuple[Shaped[np.ndarray, "B"], Shaped[np.ndarray, "C"], int]:
        return x[:, 0], x[1], 3

    assert split(z(2, 2))[2] == 3

    @check
    def split_bad(x: Shaped[np.ndarray, "B C"]) -> tuple[Shaped[np.ndarray, "B"], Shaped[np.ndarray, "C"]]:
        return x[:, 0], x[:, 0]  # shapecheck: ignore[SC102] (wrong on purpose)

    split_bad(z(3, 3))
    with pytest.raises(ShapeContractError, match=r"return value \[1\]"):
        split_bad(z(2, 3))


def test_wrong_base_type_is_a_contract_error_naming_the_function() -> None:
    import_array = [[1.0]]
    with pytest.raises(ShapeContractError, match="pair"):
        pair(import_array, z(6, 2))  # type: ignore[arg-type]


def test_missing_argument_names_the_function() -> None:
    with pytest.raises(TypeError, match="pair"):
        pair(z(2, 3))  # type: ignore[call-arg]


def test_methods_staticmethods_and_classmethods() -> None:
    class Model:
        def __init__(self) -> None:
            self.calls = 0

        @check
        def forward(self, x: Shaped[np.ndarray, "B C"], *, scale: float = 1.0) -> Shaped[np.ndarray, "B C"]:
            self.calls += 1
            return x * scale

        @staticmethod
        @check
        def s(x: Shaped[np.ndarray, "N"]) -> Shaped[np.ndarray, "N"]:
            return x

        @check
        @classmethod
        def c(cls, x: Shaped[np.ndarray, "N"]) -> Shaped[np.ndarray, "1"]:
            return x[:1]

    m = Model()
    assert m.forward(z(2, 2), scale=2.0).shape == (2, 2) and m.calls == 1
    assert Model.s(z(3)).shape == (3,)
    assert Model.c(z(3)).shape == (1,)
    with pytest.raises(ShapeContractError, match="Model.c"):
        Model.c(z(3, 1))


def test_varargs_elements_share_bindings() -> None:
    @check
    def stack(*xs: Shaped[np.ndarray, "N"]) -> None:
        return None

    stack(z(3), z(3), z(3))
    with pytest.raises(ShapeContractError, match=r"argument '\*xs'"):
        stack(z(3), z(4))


def test_nested_checked_calls_have_their_own_bindings() -> None:
    @check
    def inner(x: Shaped[np.ndarray, "B"]) -> Shaped[np.ndarray, "B"]:
        return x

    @check
    def outer(x: Shaped[np.ndarray, "B"]) -> Shaped[np.ndarray, "B"]:
        inner(z(7))  # its own B
        return x

    assert outer(z(2)).shape == (2,)


def test_bindings_are_per_thread() -> None:
    @check
    def slow(x: Shaped[np.ndarray, "B"], y: Shaped[np.ndarray, "B"]) -> None:
        return None

    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(n: int) -> None:
        barrier.wait()
        for _ in range(300):
            try:
                slow(z(n), z(n))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_off_mode_returns_the_function_itself() -> None:
    def f(x: Shaped[np.ndarray, "B"]) -> None:
        return None

    assert check(mode="off")(f) is f
    with shapecheck.mode("off"):
        assert check(f) is f
    assert check(f) is not f


def test_mode_api_and_validation() -> None:
    assert shapecheck.get_mode() == "trace"
    with shapecheck.mode("strict"):
        assert shapecheck.get_mode() == "strict"
    assert shapecheck.get_mode() == "trace"
    with pytest.raises(ValueError, match="not one of"):
        shapecheck.set_mode("loud")


def test_runtime_off_at_call_time_skips_checks() -> None:
    @check
    def f(x: Shaped[np.ndarray, "2"]) -> None:
        return None

    with shapecheck.mode("off"):
        f(z(3))
    with pytest.raises(ShapeContractError):
        f(z(3))


def test_function_without_contracts_is_returned_unchanged() -> None:
    def plain(x: int) -> int:
        return x

    assert check(plain) is plain


def test_malformed_jaxtyping_contract_names_the_parameter() -> None:
    from shapecheck.contract.spec import ContractSyntaxError

    def bad(x: jaxtyping.Float32[np.ndarray, "B C"]) -> None:
        return None

    class FakeJaxtyping:  # what jaxtyping would hold for a dim string shapecheck cannot parse
        dim_str = "B**C"
        dtypes = ["float32"]
        array_type = np.ndarray
        dtype = type("Float32", (), {})

    bad.__annotations__["x"] = FakeJaxtyping
    with pytest.raises(ContractSyntaxError) as info:
        check(bad)
    assert "parameter 'x'" in "".join(getattr(info.value, "__notes__", []))


def test_unresolvable_annotation_is_a_clear_error() -> None:
    def bad(x: "Missing") -> None:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(TypeError, match="cannot read the annotations of .*bad.*Missing"):
        check(bad)


def test_env_var_sets_the_default_mode_and_importing_needs_no_tensorflow() -> None:
    code = (
        "import sys, shapecheck, shapecheck.runtime; "
        "print(shapecheck.get_mode(), 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**ROOT_ENV, "SHAPECHECK_MODE": "strict"}
    )
    assert out.stdout.split() == ["strict", "False"]
    bad = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**ROOT_ENV, "SHAPECHECK_MODE": "loud"})
    assert bad.returncode != 0 and "SHAPECHECK_MODE" in bad.stderr


def test_wrong_base_type_message_has_no_values() -> None:
    secret = [[98765.4321, 1.0]]
    with pytest.raises(ShapeContractError) as info:
        pair(secret, z(6, 2))  # type: ignore[arg-type]
    msg = str(info.value)
    assert "98765" not in msg
    assert "argument 'x' must be a numpy.ndarray" in msg and "got a list" in msg


def test_wrong_return_type_and_tuple_arity() -> None:
    @check
    def returns_list(x: Shaped[np.ndarray, "B"]) -> Shaped[np.ndarray, "B"]:
        return [1, 2]  # type: ignore[return-value]

    with pytest.raises(ShapeContractError, match="return value must be a numpy.ndarray"):
        returns_list(z(2))

    @check
    def returns_one(x: Shaped[np.ndarray, "B"]) -> tuple[Shaped[np.ndarray, "B"], Shaped[np.ndarray, "B"]]:
        return x  # type: ignore[return-value]

    with pytest.raises(ShapeContractError, match="return value must be a tuple"):
        returns_one(z(2))


def test_beartype_probe_enforces_and_propagates_the_contract_error() -> None:
    from shapecheck.runtime.probes import local
    from shapecheck.runtime.verify import CallState

    probe = pair.__shapecheck_contracts__.arg_probe
    assert "beartype" in probe.__code__.co_filename  # the probe is beartype's generated wrapper
    local.state = CallState()
    try:
        with pytest.raises(ShapeContractError) as info:
            probe(z(2, 3), z(5, 2))
    finally:
        local.state = None
    frames = [str(entry.path) for entry in info.traceback]
    assert any("beartype" in name for name in frames)


def test_decorating_a_class_is_a_clear_error() -> None:
    class Layer:
        pass

    with pytest.raises(TypeError, match="not classes"):
        check(Layer)


def test_traceback_ends_at_the_checked_call() -> None:
    with pytest.raises(ShapeContractError) as info:
        pair(z(2, 3), z(5, 2))
    files = [str(entry.path) for entry in info.traceback]
    assert not any("beartype" in f or f.endswith("verify.py") for f in files)


def test_product_of_bound_dims_hint() -> None:
    @check
    def batch_of(x: Shaped[np.ndarray, "B C"], y: Shaped[np.ndarray, "B 5"]) -> None:
        return None

    with pytest.raises(ShapeContractError, match=r"dim 0 = 6 equals the product B\*C of bound dims"):
        batch_of(z(2, 3), z(6, 5))


def test_batches_differing_by_a_whole_factor_bound_elsewhere_hint_flat_vs_per_group() -> None:
    """Seed 002: C was bound by an enclosing call, so only the ratio 8 = 4*2 is visible here."""

    @check
    def translate(images: Shaped[np.ndarray, "N H W 1"], offsets: Shaped[np.ndarray, "N 2"]) -> None:
        return None

    with pytest.raises(ShapeContractError) as info:
        translate(z(8, 4, 4, 1), z(2, 2))
    message = str(info.value)
    assert "hint: flat layout mixed with per-group layout: N=8 but here 2, and 8 = 4*2" in message
    assert "argument 'images' looks flat (B*C, ...) while this one is still per group" in message
    with pytest.raises(ShapeContractError) as info:
        translate(z(2, 5, 5, 1), z(8, 2))
    assert "this argument looks flat (B*C, ...) while argument 'images' is still per group" in str(info.value)
    with pytest.raises(ShapeContractError) as info:
        translate(z(3, 4, 4, 1), z(2, 2))  # no whole factor: no layout hint
    assert "hint:" not in str(info.value)


def test_positional_only_keyword_only_and_defaults() -> None:
    @check
    def f(
        a: Shaped[np.ndarray, "N"], /, b: Shaped[np.ndarray, "N"] | None = None, *, c: Shaped[np.ndarray, "N 2"]
    ) -> Shaped[np.ndarray, "N"]:
        return a

    assert f(z(3), c=z(3, 2)).shape == (3,)
    assert f(z(3), b=z(3), c=z(3, 2)).shape == (3,)
    with pytest.raises(ShapeContractError, match="argument 'c'"):
        f(z(3), z(3), c=z(4, 2))
    with pytest.raises(TypeError, match="positional-only"):
        f(a=z(3), c=z(3, 2))  # type: ignore[call-arg]


def test_string_annotations_resolve_names_local_to_enclosing_scopes() -> None:
    LocalArray = np.ndarray  # only visible in this function's scope
    Vector = Shaped[LocalArray, "N"]

    class Holder:
        @check
        def first(self, x: Vector) -> Shaped[LocalArray, "1"]:  # PEP 563: strings at runtime
            return x[:1]

    assert Holder().first(z(3)).shape == (1,)
    with pytest.raises(ShapeContractError):
        Holder().first(z(3, 1))


# ----- defect 10: hints point at the failing dim; long contracts never hide the facts ---------
def test_product_hint_never_names_a_dim_that_matched() -> None:
    @check
    def twice(x: Shaped[np.ndarray, "B C G"], y: Shaped[np.ndarray, "B C G"]) -> None:
        return None

    with pytest.raises(ShapeContractError) as info:
        twice(z(2, 3, 6), z(4, 3, 6))  # G=6 = B*C is right; dim 0 is what broke
    message = str(info.value)
    assert "problem: dim 0 is 4 but B=2" in message
    assert "dim 2 = 6 equals the product" not in message


def test_a_very_long_contract_is_cut_before_the_actual_and_problem_lines() -> None:
    text = " ".join(f"D{i}" for i in range(300))  # ~1.4k characters

    def f(x: np.ndarray) -> None:
        return None

    f.__annotations__ = {"x": Shaped[np.ndarray, text], "return": None}
    with pytest.raises(ShapeContractError) as info:
        check(f)(z(2))
    message = str(info.value)
    assert len(message) <= 1000
    assert "actual: shape (2,)" in message and "problem: rank 1, contract needs rank 300" in message
    assert "..." in message.split("\n", 1)[0]
