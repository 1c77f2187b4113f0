"""Dtype families named as TensorFlow and NumPy name dtypes (``tensor.dtype.name``).

The families are jaxtyping's: ``int`` is the *signed* integers, ``uint`` the unsigned ones,
``integer`` both; ``float``, ``complex``, ``inexact`` (float or complex), ``num`` (any
number), ``bool`` and ``any``; every concrete name (``float32``, ``uint8`` ...) is a family
of one. So ``shapecheck.Int`` and ``jaxtyping.Int`` accept the same tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

FLOAT_NAMES = frozenset({"bfloat16", "float16", "float32", "float64"})
COMPLEX_NAMES = frozenset({"complex64", "complex128"})
SIGNED_NAMES = frozenset({"int8", "int16", "int32", "int64"})
UNSIGNED_NAMES = frozenset({"uint8", "uint16", "uint32", "uint64"})
INT_NAMES = SIGNED_NAMES | UNSIGNED_NAMES
BOOL_NAMES = frozenset({"bool"})

FAMILIES: dict[str, frozenset[str] | None] = {
    "any": None,
    "float": FLOAT_NAMES,
    "complex": COMPLEX_NAMES,
    "inexact": FLOAT_NAMES | COMPLEX_NAMES,
    "int": SIGNED_NAMES,
    "uint": UNSIGNED_NAMES,
    "signed": SIGNED_NAMES,
    "unsigned": UNSIGNED_NAMES,
    "integer": INT_NAMES,
    "num": FLOAT_NAMES | COMPLEX_NAMES | INT_NAMES,
    "bool": BOOL_NAMES,
}
for _name in FLOAT_NAMES | COMPLEX_NAMES | INT_NAMES | BOOL_NAMES:
    FAMILIES[_name] = frozenset({_name})


@dataclass(frozen=True)
class DTypeSpec:
    """Allowed dtype names; ``names is None`` allows any dtype."""

    label: str
    names: frozenset[str] | None

    def allows(self, dtype_name: str) -> bool:
        return self.names is None or dtype_name in self.names

    def __str__(self) -> str:
        return self.label


def dtype_spec(label: str) -> DTypeSpec:
    """``"float32"``, ``"float"``, ``"complex"`` ... ; unknown labels raise ``ValueError``."""
    try:
        return DTypeSpec(label, FAMILIES[label])
    except KeyError:
        raise ValueError(f"unknown dtype family {label!r}; known: {', '.join(sorted(FAMILIES))}") from None


def dtype_spec_from_names(label: str, names: object) -> DTypeSpec:
    """From an iterable of dtype names (as jaxtyping's ``dtypes`` attribute holds)."""
    collected = frozenset(str(n) for n in names)  # type: ignore[attr-defined]
    return DTypeSpec(label, collected or None)
