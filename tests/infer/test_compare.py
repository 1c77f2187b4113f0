"""Contract equivalence up to renaming of dims (used to score inference against hand-written contracts)."""

from __future__ import annotations

from shapecheck.contract.spec import parse_shape
from shapecheck.infer.compare import difference


def C(**specs: str) -> list[tuple[str, object]]:
    return [(k, parse_shape(v)) for k, v in specs.items()]  # type: ignore[misc]


def test_renaming_is_equivalent() -> None:
    assert difference(C(x="B H W C", r="B*C H W 1"), C(x="N Y X K", r="K*N Y X 1")) is None


def test_a_name_used_once_is_anonymous() -> None:
    assert difference(C(x="R 2", r="B 1 2 C"), C(x="K 2", r="B 1 2 C")) is None
    assert difference(C(x="R 2"), C(x="_ 2")) is None


def test_differences_are_named() -> None:
    assert "N vs 16" in (difference(C(x="B N N", r="B N"), C(x="B 16 16", r="B 16")) or "")
    assert "rank" in (difference(C(x="B N"), C(x="B N 1")) or "")
    assert difference(C(x="B N N C", r="B g g N N 1"), C(x="B N N g*g", r="B g g N N 1")) is not None
    assert difference(C(x="A B", r="A B"), C(x="A A", r="A A")) is not None  # two names collapsed into one
    assert "contracted values differ" in (difference(C(x="B"), C(y="B")) or "")
    assert difference(C(x="B C", r="B*C"), C(x="B C", r="B+C")) is not None


def test_variadic_runs_are_renamed_like_dims() -> None:
    hand = C(shift="*S", r0="*S O", r1="*S O")
    assert difference(hand, C(shift="*batch", r0="*batch out_size", r1="*batch out_size")) is None
    # one run shared by two values is a constraint; two runs used once each are not
    assert difference(hand, C(shift="*S", r0="*T O", r1="*U O")) is not None
    assert difference(C(x="*S C"), C(x="... C")) is None  # a run used once ties nothing
    assert difference(C(x="*S C", r="*S"), C(x="*S C", r="*S C")) is not None
    assert difference(C(x="*S C", r="*S C"), C(x="B C", r="B C")) is not None
