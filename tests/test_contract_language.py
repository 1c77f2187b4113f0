"""The contract language: parsing, canonical symbolic dims, annotation reading."""

from __future__ import annotations

from typing import Annotated

import pytest

import shapecheck
from shapecheck.contract import ContractSyntaxError, DimKind, Expr, Shape, contract_of, parse_shape, parse_signature

B, C, N, P, p = (Expr.name(n) for n in "B C N P p".split())


def test_canonical_form_makes_commuted_and_regrouped_products_equal() -> None:
    assert B * C == C * B
    assert N + 2 * p - p == N + p
    assert (B * C) // C == B
    assert (4 * N) // 2 == 2 * N
    assert str(N + 2 * p) == "N + 2*p"
    assert str(C * B) == "B*C"


def test_opaque_division_stays_symbolic_and_evaluates() -> None:
    half = (N + 1) // 2
    assert half != N // 2
    assert half.evaluate({"N": 7}) == 4
    assert half.evaluate({}) is None
    assert ((B * C) % C).const_value == 0


def test_evaluate_reports_unknown_operands_as_none() -> None:
    assert (B * C).evaluate({"B": 3, "C": 4}) == 12
    assert (B * C).evaluate({"B": None, "C": 4}) is None


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("B 1 2 C", ["NAMED", "FIXED", "FIXED", "NAMED"]),
        ("*batch N+2*p _", ["VARIADIC", "EXPR", "ANON"]),
        ("... #B (P - 1)//2", ["VARIADIC", "NAMED", "EXPR"]),
        ("", []),
    ],
)
def test_dim_kinds(text: str, kinds: list[str]) -> None:
    assert [d.kind.name for d in parse_shape(text).dims] == kinds


def test_broadcast_and_columns() -> None:
    spec = parse_shape("B  #H W")
    assert [(d.text, d.column, d.broadcast) for d in spec.dims] == [("B", 1, False), ("#H", 4, True), ("W", 7, False)]


@pytest.mark.parametrize(
    ("text", "column", "problem"),
    [
        ("B 1 2 C)", 8, "unbalanced ')'"),
        ("B**C", 3, "unexpected '*'"),
        ("B -", 4, "ends too early"),
        ("*1", 2, "followed by a name"),
        ("... *rest", 5, "only one variadic"),
        ("B $", 3, "unexpected character '$'"),
        ("(B", 3, "missing ')'"),
        ("B//0", 2, "division by zero"),
        ("-3", 1, "negative"),
    ],
)
def test_malformed_contracts_name_text_and_column(text: str, column: int, problem: str) -> None:
    with pytest.raises(ContractSyntaxError) as info:
        parse_shape(text)
    assert info.value.column == column
    assert problem in str(info.value)
    assert repr(text) in str(info.value)


def test_signature_parsing_and_error_columns() -> None:
    scalar = parse_signature("B N, () -> ()")
    assert [len(s.dims) for s in (*scalar.params, *scalar.results)] == [2, 0, 0]
    assert scalar.results[0].text == ""  # as an annotation spells a scalar
    sig = parse_signature("B H W C, B 1 2 C -> B*C H W 1")
    assert [s.text for s in sig.params] == ["B H W C", "B 1 2 C"]
    assert sig.results[0].dims[0].expr == B * C
    with pytest.raises(ContractSyntaxError) as info:
        parse_signature("B H, B $ -> B")
    assert info.value.column == 8
    with pytest.raises(ContractSyntaxError):
        parse_signature("B H W C")


def test_three_spellings_give_one_contract() -> None:
    jaxtyping = pytest.importorskip("jaxtyping")
    ours = contract_of(shapecheck.Float32[object, "B 1 2 C"])
    annotated = contract_of(Annotated[object, Shape("B 1 2 C", dtype="float32")])
    theirs = contract_of(jaxtyping.Float32[object, "B 1 2 C"])
    assert ours == annotated
    assert theirs is not None and ours is not None
    assert theirs.shape == ours.shape and theirs.dtype is not None
    assert theirs.dtype.allows("float32") and not theirs.dtype.allows("float64")


def test_optional_and_plain_annotations() -> None:
    opt = contract_of(shapecheck.Float[object, "B"] | None)
    assert opt is not None and opt.optional and opt.dtype is not None and opt.dtype.allows("float16")
    assert contract_of(int) is None
    assert contract_of(Annotated[int, "unrelated"]) is None


def test_malformed_contract_fails_when_the_annotation_is_built() -> None:
    with pytest.raises(ContractSyntaxError):
        shapecheck.Float32[object, "B 1 2 C)"]
    with pytest.raises(ValueError, match="unknown dtype family"):
        Shape("B", dtype="float33")


def test_importing_shapecheck_does_not_import_tensorflow() -> None:
    import subprocess
    import sys

    code = "import sys, shapecheck, shapecheck.contract; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----- jaxtyping's spellings (issue 10, defect 8) ----------------------------------------
@pytest.mark.parametrize("text", ["*#batch C", "#*batch C"])
def test_jaxtyping_broadcast_variadic_in_either_order(text: str) -> None:
    first = parse_shape(text).dims[0]
    assert (first.kind, first.name, first.broadcast) == (DimKind.VARIADIC, "batch", True)


def test_jaxtyping_per_leaf_and_documented_size_modifiers() -> None:
    per_leaf = parse_shape("?B 3").dims[0]
    assert (per_leaf.kind, per_leaf.name, per_leaf.per_leaf) == (DimKind.NAMED, "B", True)
    assert [d.size for d in parse_shape("rows=3 cols=4").dims] == [3, 4]
    assert parse_shape("n=N").dims[0].name == "N"


@pytest.mark.parametrize(("text", "problem"), [("##B", "used twice"), ("?3", "'?' applies to a named dim"), ("*", "must be followed")])
def test_malformed_modifiers_are_named(text: str, problem: str) -> None:
    with pytest.raises(ContractSyntaxError, match=problem):
        parse_shape(text)


def test_jaxtyping_annotation_objects_with_modifiers_are_read() -> None:
    jaxtyping = pytest.importorskip("jaxtyping")
    np = pytest.importorskip("numpy")
    contract = contract_of(jaxtyping.Float32[np.ndarray, "*#batch ?c"])
    assert contract is not None and contract.shape is not None
    assert contract.shape.dims[0].broadcast and contract.shape.dims[1].per_leaf


# ----- dtype families are jaxtyping's (defect 9) -----------------------------------------
def test_int_is_signed_uint_is_unsigned_integer_is_both_as_in_jaxtyping() -> None:
    jaxtyping = pytest.importorskip("jaxtyping")
    np = pytest.importorskip("numpy")
    for ours, theirs in [
        (shapecheck.Int, jaxtyping.Int),
        (shapecheck.UInt, jaxtyping.UInt),
        (shapecheck.Integer, jaxtyping.Integer),
    ]:
        mine = contract_of(ours[np.ndarray, "N"])
        other = contract_of(theirs[np.ndarray, "N"])
        assert mine is not None and other is not None and mine.dtype is not None and other.dtype is not None
        for name in ("int8", "int32", "int64", "uint8", "uint16", "uint64", "float32", "bool"):
            assert mine.dtype.allows(name) == other.dtype.allows(name), (ours, name)
