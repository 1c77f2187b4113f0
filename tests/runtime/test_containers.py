"""Contracts inside tuple/list/dict/Sequence/union annotations (issue 10, defects 1 and 2).

The property tests (test_properties.py) compare the same containers against the brute-force
oracle in eager, traced (trace and strict) and jit-compiled runs; these are the readable cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from shapecheck import Float32, Shaped, ShapeContractError, check


def z(*shape: int) -> np.ndarray:
    return np.zeros(shape, np.float32)


# ----- defect 1: tuple-return contracts of two functions never mix -----------------------
def test_tuple_return_contracts_do_not_leak_between_functions() -> None:
    @check
    def first(x: Shaped[np.ndarray, "A"]) -> tuple[Shaped[np.ndarray, "A"], Shaped[np.ndarray, "2"]]:
        return x, z(2)

    @check
    def second(x: Shaped[np.ndarray, "B"]) -> tuple[Shaped[np.ndarray, "3"], Shaped[np.ndarray, "B"]]:
        return z(3), x

    assert first(z(4))[0].shape == (4,)
    assert second(z(5))[1].shape == (5,)  # was checked against first's contracts: "dim 0 is 5, contract needs 2"

    @check
    def wrong(x: Shaped[np.ndarray, "B"]) -> tuple[Shaped[np.ndarray, "3"], Shaped[np.ndarray, "B"]]:
        return z(2), x

    with pytest.raises(ShapeContractError, match=r"wrong: return value \[0\] breaks its contract \"3\""):
        wrong(z(5))


def test_same_contract_text_in_two_functions_keeps_each_functions_name() -> None:
    def make(name: str) -> Callable[..., Any]:
        def f(x: Shaped[np.ndarray, "N"]) -> tuple[Shaped[np.ndarray, "N"], Shaped[np.ndarray, "N"]]:
            return x, z(1)

        f.__qualname__ = name
        return check(f)

    one, two = make("one"), make("two")
    with pytest.raises(ShapeContractError, match="^one: "):
        one(z(3))
    with pytest.raises(ShapeContractError, match="^two: "):
        two(z(3))


# ----- defect 2: nested contracts are checked, in every container ------------------------
def test_tuple_parameter() -> None:
    @check
    def f(pair: tuple[Shaped[np.ndarray, "B"], Shaped[np.ndarray, "B 2"]]) -> None:
        return None

    f((z(3), z(3, 2)))
    with pytest.raises(ShapeContractError, match=r"argument 'pair' \[1\] breaks its contract \"B 2\"") as info:
        f((z(3), z(4, 2)))
    assert "B=3 (from argument 'pair' [0] dim 0)" in str(info.value)
    with pytest.raises(ShapeContractError, match="must be a tuple of 2 items, got 3"):
        f((z(3), z(3, 2), z(1)))
    with pytest.raises(ShapeContractError, match="argument 'pair' must be a tuple, got a list"):
        f([z(3), z(3, 2)])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hint", "pack"),
    [
        (list, list),
        (Sequence, tuple),
        (Sequence, list),
        (lambda item: tuple[item, ...], tuple),  # type: ignore[valid-type]
    ],
)
def test_every_element_of_a_homogeneous_container_is_checked(hint: Any, pack: Callable[[list[Any]], Any]) -> None:
    annotation = hint[Shaped[np.ndarray, "B"]] if hint in (list, Sequence) else hint(Shaped[np.ndarray, "B"])

    def f(xs: Any, y: Shaped[np.ndarray, "B"]) -> None:
        return None

    f.__annotations__ = {"xs": annotation, "y": Shaped[np.ndarray, "B"], "return": None}
    checked = check(f)
    checked(pack([z(3)] * 5), z(3))
    # beartype samples one element of a container; the last one is the wrong one here
    with pytest.raises(ShapeContractError, match=r"argument 'xs' \[4\] breaks its contract"):
        checked(pack([z(3)] * 4 + [z(2)]), z(3))
    with pytest.raises(ShapeContractError, match="argument 'y' breaks its contract"):
        checked(pack([z(3)] * 5), z(4))


def test_dict_and_mapping_values() -> None:
    @check
    def f(features: dict[str, Float32[np.ndarray, "B F"]], extra: Mapping[str, Shaped[np.ndarray, "B"]]) -> None:
        return None

    f({"a": z(2, 3), "b": z(2, 3)}, {"w": z(2)})
    with pytest.raises(ShapeContractError, match=r"argument 'features' \['b'\] breaks its contract float32 \"B F\""):
        f({"a": z(2, 3), "b": z(2, 5)}, {})  # F binds across the values
    with pytest.raises(ShapeContractError, match=r"argument 'extra' \['w'\]"):
        f({"a": z(2, 3)}, {"w": z(4)})
    with pytest.raises(ShapeContractError, match="keys must be str"):
        f({1: z(2, 3)}, {})  # type: ignore[dict-item]
    with pytest.raises(ShapeContractError, match=r"\['a'\] must be a numpy.ndarray"):
        f({"a": [1.0]}, {})  # type: ignore[dict-item]


def test_union_of_two_contracts_takes_the_first_that_fits_and_keeps_only_its_bindings() -> None:
    @check
    def f(x: Shaped[np.ndarray, "B"] | Shaped[np.ndarray, "B C"], y: Shaped[np.ndarray, "B"]) -> None:
        return None

    f(z(3), z(3))
    f(z(3, 4), z(3))
    with pytest.raises(ShapeContractError, match="fits none of the 2 options of its union") as info:
        f(z(3, 4, 5), z(3))
    assert "option 1:" in str(info.value) and "option 2:" in str(info.value)
    with pytest.raises(ShapeContractError, match="argument 'y' breaks its contract"):
        f(z(3, 4), z(4))

    @check
    def g(x: Shaped[np.ndarray, "B 2"] | Shaped[np.ndarray, "C"], y: Shaped[np.ndarray, "B"]) -> None:
        return None

    g(z(7), z(5))  # option 1 bound B=7 before failing on dim 1: that binding must be undone


def test_optional_container_and_plain_siblings() -> None:
    @check
    def f(xs: tuple[Shaped[np.ndarray, "N"], int] | None = None) -> None:
        return None

    f()
    f((z(2), 3))
    with pytest.raises(ShapeContractError, match=r"argument 'xs' \[1\] must be int, got a str"):
        f((z(2), "3"))  # type: ignore[arg-type]


def test_nested_containers() -> None:
    @check
    def f(batches: list[dict[str, tuple[Shaped[np.ndarray, "B"], Shaped[np.ndarray, "B 2"]]]]) -> None:
        return None

    f([{"a": (z(3), z(3, 2))}, {"b": (z(3), z(3, 2))}])
    with pytest.raises(ShapeContractError, match=r"argument 'batches' \[1\] \['b'\] \[1\] breaks its contract"):
        f([{"a": (z(3), z(3, 2))}, {"b": (z(3), z(4, 2))}])


@pytest.mark.parametrize("kind", ["list", "tuple_each", "dict"])
def test_container_returns(kind: str) -> None:
    item = Shaped[np.ndarray, "B"]
    hints = {"list": list[item], "tuple_each": tuple[item, ...], "dict": dict[str, item]}

    def f(x: Any, n: int) -> Any:
        values = [x] * 3 + [z(n)]
        if kind == "dict":
            return {str(i): v for i, v in enumerate(values)}
        return values if kind == "list" else tuple(values)

    f.__annotations__ = {"x": item, "n": int, "return": hints[kind]}
    checked = check(f)
    checked(z(2), 2)
    with pytest.raises(ShapeContractError, match=r"return value \[(3|'3')\] breaks its contract"):
        checked(z(2), 5)


def test_all_contracts_nested_still_decorates() -> None:
    def f(xs: list[Shaped[np.ndarray, "B"]]) -> list[Shaped[np.ndarray, "B"]]:
        return xs

    assert check(f) is not f
    assert hasattr(check(f), "__shapecheck_contracts__")


def test_uncheckable_nesting_is_refused_at_decoration() -> None:
    def f(fn: Callable[[Shaped[np.ndarray, "B"]], None]) -> None:
        return None

    with pytest.raises(TypeError, match=r"cannot check the contracts inside .*Callable.*argument 'fn' of .*f"):
        check(f)

    def g(*xs: list[Shaped[np.ndarray, "B"]]) -> None:
        return None

    with pytest.raises(TypeError, match=r"contracts nested in the annotation of \*xs"):
        check(g)


# ----- TensorFlow: strict mode rewrites tensors inside containers -------------------------
@pytest.mark.tf
@pytest.mark.parametrize("jit", [False, True])
def test_strict_checks_tensors_inside_a_dict_argument_and_a_list_return(jit: bool) -> None:
    tf = pytest.importorskip("tensorflow")

    @check(mode="strict")
    def f(feats: dict[str, Shaped[tf.Tensor, "B 2"]], y: Shaped[tf.Tensor, "B"]) -> list[Shaped[tf.Tensor, "B"]]:
        return [feats["a"][:, 0], y]

    spec = [{"a": tf.TensorSpec([None, 2]), "b": tf.TensorSpec([None, 2])}, tf.TensorSpec([None])]
    fn = tf.function(f, input_signature=spec, jit_compile=jit)
    out = fn({"a": tf.zeros((3, 2)), "b": tf.zeros((3, 2))}, tf.zeros(3))
    assert [tuple(t.shape) for t in out] == [(3,), (3,)]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn({"a": tf.zeros((3, 2)), "b": tf.zeros((4, 2))}, tf.zeros(3))  # "b" is never read
    if not jit:
        assert "shapecheck_contract" in str(info.value)


def test_per_leaf_names_bind_separately_for_each_element() -> None:
    """jaxtyping's ``?N``: each element has its own N; plain names still bind across them."""

    @check
    def f(xs: list[Shaped[np.ndarray, "?N C"]], y: Shaped[np.ndarray, "C"]) -> None:
        return None

    f([z(2, 3), z(5, 3)], z(3))
    with pytest.raises(ShapeContractError, match=r"argument 'xs' \[1\]"):
        f([z(2, 3), z(5, 4)], z(3))
