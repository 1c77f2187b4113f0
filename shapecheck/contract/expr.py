"""Symbolic dimension expressions with a canonical form.

An :class:`Expr` is a polynomial with integer coefficients over *atoms*: named dims
(``"B"``) and opaque floor-division / modulo terms that could not be simplified.
Two expressions are equal exactly when their canonical forms are, so ``B*C == C*B`` and
``N + 2*p - p == N + p``. Both checkers use this type: the runtime evaluates it with
concrete bindings, the static analyser compares it symbolically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

Atom = Union[str, "Opaque"]
Monomial = tuple[tuple[Atom, int], ...]  # sorted by atom key, powers >= 1


def _atom_key(atom: Atom) -> str:
    return atom if isinstance(atom, str) else atom.key


@dataclass(frozen=True)
class Opaque:
    """A ``num // den`` or ``num % den`` that canonicalisation could not remove."""

    op: str  # "//" or "%"
    num: Expr
    den: Expr

    @property
    def key(self) -> str:
        num = f"({self.num})" if len(self.num.terms) > 1 or (self.num.terms and self.num.terms[0][1] < 0) else str(self.num)
        den = f"({self.den})" if len(self.den.terms) > 1 or str(self.den) != _bare(self.den) else str(self.den)
        return f"{num}{self.op}{den}"

    def evaluate(self, bindings: Mapping[str, int | None]) -> int | None:
        n = self.num.evaluate(bindings)
        d = self.den.evaluate(bindings)
        if n is None or d is None or d == 0:
            return None
        return n // d if self.op == "//" else n % d

    def names(self) -> frozenset[str]:
        return self.num.names() | self.den.names()


def _mono_key(mono: Monomial) -> tuple[str, ...]:
    return tuple(f"{_atom_key(a)}^{p}" for a, p in mono)


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    powers: dict[str, tuple[Atom, int]] = {}
    for atom, p in (*a, *b):
        k = _atom_key(atom)
        prev = powers.get(k)
        powers[k] = (atom, p + (prev[1] if prev else 0))
    return tuple(powers[k] for k in sorted(powers))


@dataclass(frozen=True)
class Expr:
    """Canonical polynomial: ``terms`` sorted, no zero coefficients, constant term keyed ``()``."""

    terms: tuple[tuple[Monomial, int], ...]

    # ----- construction -------------------------------------------------------------
    @staticmethod
    def const(value: int) -> Expr:
        return Expr(((((), value),) if value else ()))

    @staticmethod
    def name(name: str) -> Expr:
        return Expr(((((name, 1),), 1),))

    @staticmethod
    def _from_dict(acc: dict[Monomial, int]) -> Expr:
        items = [(m, c) for m, c in acc.items() if c]
        items.sort(key=lambda mc: (len(mc[0]), _mono_key(mc[0])))
        return Expr(tuple(items))

    # ----- arithmetic ---------------------------------------------------------------
    def __add__(self, other: Expr | int) -> Expr:
        other = _lift(other)
        acc: dict[Monomial, int] = dict(self.terms)
        for m, c in other.terms:
            acc[m] = acc.get(m, 0) + c
        return Expr._from_dict(acc)

    __radd__ = __add__

    def __neg__(self) -> Expr:
        return Expr(tuple((m, -c) for m, c in self.terms))

    def __sub__(self, other: Expr | int) -> Expr:
        return self + (-_lift(other))

    def __rsub__(self, other: Expr | int) -> Expr:
        return _lift(other) - self

    def __mul__(self, other: Expr | int) -> Expr:
        other = _lift(other)
        acc: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in other.terms:
                m = _mono_mul(m1, m2)
                acc[m] = acc.get(m, 0) + c1 * c2
        return Expr._from_dict(acc)

    __rmul__ = __mul__

    def __floordiv__(self, other: Expr | int) -> Expr:
        return _divide(self, _lift(other), "//")

    def __rfloordiv__(self, other: Expr | int) -> Expr:
        return _divide(_lift(other), self, "//")

    def __mod__(self, other: Expr | int) -> Expr:
        return _divide(self, _lift(other), "%")

    def __rmod__(self, other: Expr | int) -> Expr:
        return _divide(_lift(other), self, "%")

    # ----- inspection ---------------------------------------------------------------
    @property
    def is_const(self) -> bool:
        return all(not m for m, _ in self.terms)

    @property
    def const_value(self) -> int | None:
        if not self.terms:
            return 0
        if len(self.terms) == 1 and not self.terms[0][0]:
            return self.terms[0][1]
        return None

    @property
    def as_name(self) -> str | None:
        """The dim name if this expression is exactly one named dim."""
        if len(self.terms) == 1:
            mono, coeff = self.terms[0]
            if coeff == 1 and len(mono) == 1 and mono[0][1] == 1 and isinstance(mono[0][0], str):
                return mono[0][0]
        return None

    def names(self) -> frozenset[str]:
        out: set[str] = set()
        for mono, _ in self.terms:
            for atom, _p in mono:
                out |= {atom} if isinstance(atom, str) else atom.names()
        return frozenset(out)

    def evaluate(self, bindings: Mapping[str, int | None]) -> int | None:
        """Value under ``bindings``; ``None`` when an operand is unbound or unknown."""
        total = 0
        for mono, coeff in self.terms:
            value = coeff
            for atom, power in mono:
                base = bindings.get(atom) if isinstance(atom, str) else atom.evaluate(bindings)
                if base is None:
                    return None
                value *= base**power
            total += value
        return total

    def substitute(self, mapping: Mapping[str, Expr]) -> Expr:
        """Replace named atoms by expressions (used to rename or inline dims)."""
        result = Expr.const(0)
        for mono, coeff in self.terms:
            term = Expr.const(coeff)
            for atom, power in mono:
                if isinstance(atom, str):
                    base = mapping.get(atom, Expr.name(atom))
                else:
                    base = _divide(atom.num.substitute(mapping), atom.den.substitute(mapping), atom.op)
                for _ in range(power):
                    term = term * base
            result = result + term
        return result

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        parts: list[str] = []
        # Print higher-degree terms first, constant last: "B*C", "N + 2*p - 1".
        ordered = sorted(self.terms, key=lambda mc: (-len(mc[0]), _mono_key(mc[0])))
        for i, (mono, coeff) in enumerate(ordered):
            factors = []
            for atom, power in mono:
                alone = len(self.terms) == 1 and len(mono) == 1 and power == 1 and abs(coeff) == 1
                text = atom if isinstance(atom, str) else (atom.key if alone else f"({atom.key})")
                factors.extend([text] * power)
            mag = abs(coeff)
            body = "*".join(([str(mag)] if mag != 1 or not factors else []) + factors)
            if i == 0:
                parts.append(("-" if coeff < 0 else "") + body)
            else:
                parts.append(("- " if coeff < 0 else "+ ") + body)
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"Expr({str(self)!r})"


def _bare(e: Expr) -> str:
    """Text of ``e`` if it is a lone name or non-negative constant, else ``""``."""
    value = e.const_value
    if value is not None and value >= 0:
        return str(value)
    return e.as_name or ""


def _lift(value: Expr | int) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"cannot use {value!r} in a dim expression")
    return Expr.const(value)


def _single_monomial(e: Expr) -> tuple[Monomial, int] | None:
    return e.terms[0] if len(e.terms) == 1 else None


def _mono_divide(num: Monomial, den: Monomial) -> Monomial | None:
    powers = {_atom_key(a): (a, p) for a, p in num}
    for atom, p in den:
        k = _atom_key(atom)
        have = powers.get(k)
        if have is None or have[1] < p:
            return None
        powers[k] = (atom, have[1] - p)
    return tuple(powers[k] for k in sorted(powers) if powers[k][1] > 0)


def _divide(num: Expr, den: Expr, op: str) -> Expr:
    n_val, d_val = num.const_value, den.const_value
    if d_val == 0:
        raise ZeroDivisionError("dim expression divides by zero")
    if n_val is not None and d_val is not None:
        return Expr.const(n_val // d_val if op == "//" else n_val % d_val)
    if d_val == 1:
        return num if op == "//" else Expr.const(0)
    # Exact division by a single monomial (constant or symbolic): (B*C)//C -> B, (4*N)//2 -> 2*N.
    single = _single_monomial(den)
    if single is not None and single[1] > 0:
        d_mono, d_coeff = single
        quotient: dict[Monomial, int] = {}
        exact = True
        for mono, coeff in num.terms:
            q = _mono_divide(mono, d_mono)
            if q is None or coeff % d_coeff:
                exact = False
                break
            quotient[q] = quotient.get(q, 0) + coeff // d_coeff
        if exact:
            return Expr._from_dict(quotient) if op == "//" else Expr.const(0)
    return Expr((((((Opaque(op, num, den), 1),), 1),)))


def solve_linear(expr: Expr, actual: int, bindings: Mapping[str, int | None]) -> tuple[str, int] | None:
    """The one unbound name of ``expr`` and the value that makes ``expr == actual``, if ``expr``
    is linear in it and the solution is an exact integer; else ``None``.

    The rule both checkers follow (see SEMANTICS.md): ``2*N`` against 16 binds N = 8;
    ``N*N``, ``N//2``, ``A*B`` with both unbound, or ``2*N`` against 15 bind nothing (and
    so are not checked). Linearity is tested as the static matcher tests it, on the values
    at 0, 1 and 2.
    """
    unbound = [n for n in expr.names() if bindings.get(n) is None]
    if len(unbound) != 1:
        return None
    name = unbound[0]
    at0, at1, at2 = (expr.evaluate({**bindings, name: v}) for v in (0, 1, 2))
    if at0 is None or at1 is None or at2 is None:
        return None
    coeff = at1 - at0
    if coeff == 0 or at2 - at1 != coeff:
        return None
    rest = actual - at0
    if rest % coeff:
        return None
    return name, rest // coeff
