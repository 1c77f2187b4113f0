"""One contract semantics, two checkers: the conformance table (issue 8).

Each row is (contracts, concrete shapes, ``int`` arguments) -> verdict. The same row runs
through the static matcher (``shapecheck.static.contracts.Matcher``, shapes as constant
dims) and through the runtime checker (a ``@check`` function called with NumPy arrays), and
both must give the row's verdict: hand-written rows pin the rules of
``shapecheck/contract/SEMANTICS.md``; generated rows have no verdict of their own and only
require the two checkers to agree.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from shapecheck.contract import Expr, parse_shape
from shapecheck.static.contracts import Matcher

np = pytest.importorskip("numpy")


@dataclass(frozen=True)
class Row:
    contracts: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    verdict: bool | None  # None: generated, the checkers only have to agree
    ints: tuple[tuple[str, int], ...] = ()
    returns: bool = False  # the last contract/shape is the return value's
    why: str = field(default="", compare=False)

    def __str__(self) -> str:
        ints = "".join(f", {n}={v}" for n, v in self.ints)
        ret = " (last is the return)" if self.returns else ""
        return f"{list(self.contracts)} {list(self.shapes)}{ints}{ret}"


def static_verdict(row: Row) -> bool:
    matcher = Matcher()
    for name, value in row.ints:
        matcher.bind_known(name, Expr.const(value), f"argument `{name}`")
    matcher.match_all(
        [(f"a{i}", parse_shape(text), tuple(Expr.const(d) for d in shape)) for i, (text, shape) in enumerate(zip(row.contracts, row.shapes))]
    )
    return not matcher.mismatches


def runtime_verdict(row: Row) -> bool:
    from shapecheck import Shaped, ShapeContractError, check

    n_args = len(row.contracts) - (1 if row.returns else 0)
    names = [f"a{i}" for i in range(n_args)] + [name for name, _ in row.ints]
    arrays = [np.zeros(shape, np.float32) for shape in row.shapes]
    namespace: dict[str, Any] = {"ret": arrays[-1] if row.returns else None}
    exec(f"def fn({', '.join(names)}):\n    return ret\n", namespace)  # noqa: S102 - a signature per row
    fn = namespace["fn"]
    fn.__annotations__ = {f"a{i}": Shaped[np.ndarray, row.contracts[i]] for i in range(n_args)}
    fn.__annotations__.update({name: int for name, _ in row.ints})
    if row.returns:
        fn.__annotations__["return"] = Shaped[np.ndarray, row.contracts[-1]]
    checked = check(mode="trace")(fn)
    try:
        checked(*arrays[:n_args], *(value for _, value in row.ints))
    except ShapeContractError:
        return False
    return True


def R(contracts: str, shapes: list[tuple[int, ...]], verdict: bool, why: str, **kw: Any) -> Row:
    """A hand-written row; contracts separated by ``|``."""
    ints = tuple(sorted(kw.pop("ints", {}).items()))
    return Row(tuple(c.strip() for c in contracts.split("|")), tuple(shapes), verdict, ints, why=why, **kw)


HAND: list[Row] = [
    # fixed sizes and rank
    R("3", [(3,)], True, "a fixed size matches itself"),
    R("3", [(4,)], False, "and nothing else"),
    R("2 3", [(2, 3, 1)], False, "rank must match exactly without a variadic dim"),
    R("", [()], True, "the empty contract is a scalar"),
    R("", [(1,)], False, "and a vector is not one"),
    R("rows=3 cols=4", [(3, 4)], True, "name=size documents a size"),
    R("rows=3", [(4,)], False, "and is that size"),
    # names bind across arguments
    R("B | B", [(2,), (2,)], True, "one name, one size"),
    R("B | B", [(2,), (3,)], False, "a name bound to 2 cannot be 3"),
    R("B C | C B", [(2, 3), (3, 2)], True, "positions do not matter, names do"),
    R("B C | C B", [(2, 3), (2, 3)], False, "swapped sizes break both names"),
    R("_ | _", [(2,), (3,)], True, "_ is anonymous: never bound"),
    R("_x | _x", [(2,), (3,)], True, "any name starting with _ is anonymous"),
    R("B 1 | B", [(4, 1), (4,)], True, "names and sizes together"),
    # broadcast
    R("#B | B", [(1,), (3,)], True, "#B of size 1 broadcasts and binds nothing"),
    R("B | #B", [(3,), (1,)], True, "in either order"),
    R("#B | #B", [(1,), (5,)], True, "two broadcast sightings: 1 and 5"),
    R("#B | B", [(2,), (3,)], False, "a broadcast dim that is not 1 must match"),
    R("#3", [(1,)], True, "a broadcast size accepts 1"),
    R("#3", [(2,)], False, "and its own size only"),
    # expressions
    R("B C | B*C", [(2, 3), (6,)], True, "a product of bound names"),
    R("B C | B*C", [(2, 3), (5,)], False, "a wrong product"),
    R("B*C | B C", [(6,), (2, 3)], True, "an expression before its operands are bound"),
    R("N | N+2", [(4,), (6,)], True, "a sum"),
    R("N | N-1", [(4,), (3,)], True, "a difference"),
    R("N | N//2", [(7,), (3,)], True, "floor division"),
    R("N | N//2", [(7,), (4,)], False, "floor division rounds down"),
    R("N | N%3", [(7,), (1,)], True, "modulo"),
    R("P | 2*P+1", [(3,), (7,)], True, "coefficients"),
    R("B C | C*B", [(2, 3), (6,)], True, "products commute"),
    # solving (a name only inside expressions)
    R("2*N", [(16,)], True, "2*N against 16 binds N = 8"),
    R("2*N | N", [(16,), (8,)], True, "and N is then 8"),
    R("2*N | N", [(16,), (7,)], False, "so 7 breaks it"),
    R("2*N | N+1", [(16,), (9,)], True, "solved names bind across arguments"),
    R("2*N | N+1", [(16,), (5,)], False, "one solution for N"),
    R("2*N", [(15,)], True, "no integer solution: N stays unbound, unchecked"),
    R("2*N | N+1", [(15,), (5,)], False, "N solved from N+1 = 5 then 2*N = 8 is not 15"),
    R("N*N", [(9,)], True, "not linear in N: nothing solved, unchecked"),
    R("A*B", [(6,)], True, "two unknowns: unchecked"),
    R("A | A*B | B+1", [(2,), (6,), (4,)], True, "A bound, then A*B solves B = 3, B+1 = 4"),
    R("A | A*B | B+1", [(2,), (6,), (5,)], False, "B = 3 from A*B, so B+1 = 5 breaks"),
    R("N//2", [(3,)], True, "floor division is not solved"),
    R("#(2*N) | N", [(1,), (3,)], True, "a broadcast expression of size 1 solves nothing"),
    # variadic runs
    R("*b C | *b C", [(2, 3, 4), (2, 3, 4)], True, "*b binds a run"),
    R("*b C | *b C", [(2, 3, 4), (2, 5, 4)], False, "the same run each time"),
    R("*b C | *b C", [(3, 4), (2, 3, 4)], False, "of the same length"),
    R("*b | *b", [(), ()], True, "a run may be empty"),
    R("... C | ... C", [(2, 4), (7, 7, 4)], True, "... is an anonymous run"),
    R("*_ C | *_ C", [(2, 4), (9, 4)], True, "and so is *_"),
    R("B ... | B", [(3, 1, 1), (3,)], True, "names around a run"),
    R("B ... C", [(3,)], False, "the dims around a run still need their rank"),
    R("*#b C | *#b C", [(1, 4), (5, 4)], True, "a broadcast run accepts 1s"),
    R("#*b C | #*b C", [(5, 4), (1, 4)], True, "in either spelling"),
    R("*#b | *#b", [(2,), (3,)], False, "but not other sizes"),
    # int parameters name dims
    R("B M | B N", [(2, 5), (2, 3)], True, "crop(x: B M, N: int) -> B N", ints={"N": 3}, returns=True),
    R("B M | B N", [(2, 5), (2, 4)], False, "the returned N must be the argument N", ints={"N": 3}, returns=True),
    R("N", [(4,)], True, "an int argument binds its dim", ints={"N": 4}),
    R("N", [(4,)], False, "before or after the tensor", ints={"N": 5}),
    R("2*N", [(8,)], True, "and expressions use it", ints={"N": 4}),
    R("2*N", [(8,)], False, "so 2*N is checked", ints={"N": 3}),
    R("B", [(4,)], True, "an int whose name is no dim is not a contract", ints={"K": 7}),
    R("N+1 | N", [(5,), (4,)], True, "int, expression and name agree", ints={"N": 4}),
    # return values
    R("B C | B*C", [(2, 3), (6,)], True, "the return value binds like an argument", returns=True),
    R("B C | B*C", [(2, 3), (5,)], False, "and is checked like one", returns=True),
    R("2*N | N", [(8,), (4,)], True, "a name solved from an argument checks the return", returns=True),
    R("2*N | N", [(8,), (5,)], False, "against the solution", returns=True),
]


def _generated() -> list[Row]:
    """Every pair of a few contracts over a few shapes (deterministic)."""
    contracts = ["B", "B C", "C B", "B*C", "#B", "2*B", "B+1", "*b", "B *b", "_ B", "3"]
    shapes = [(1,), (2,), (3,), (6,), (2, 3), (3, 2), (1, 3), (2, 3, 1)]
    every = list(itertools.product(itertools.permutations(contracts, 2), itertools.product(shapes, repeat=2)))
    return [Row((c1, c2), (s1, s2), None) for (c1, c2), (s1, s2) in every[::23]]  # a fixed stride: ~300 rows


GENERATED = _generated()


def test_the_table_is_big_enough() -> None:
    assert len(HAND) >= 60 and len(HAND) + len(GENERATED) >= 100


@pytest.mark.parametrize("row", HAND, ids=str)
def test_hand_written_rows_on_both_checkers(row: Row) -> None:
    assert (static_verdict(row), runtime_verdict(row)) == (row.verdict, row.verdict), row.why


@pytest.mark.parametrize("row", GENERATED, ids=str)
def test_generated_rows_both_checkers_agree(row: Row) -> None:
    assert static_verdict(row) == runtime_verdict(row)
