"""The contract language shared by the runtime checker and the static analyser (no TensorFlow).

What a contract *means* (name binding, solving, ``int`` parameters, broadcast and variadic
rules) is written down once, in ``SEMANTICS.md`` next to this file, and pinned for both
checkers by ``tests/test_conformance.py``.
"""

from shapecheck.contract.annotations import Shape, TensorContract, contract_of
from shapecheck.contract.dtypes import DTypeSpec, dtype_spec
from shapecheck.contract.expr import Expr
from shapecheck.contract.spec import (
    ContractSyntaxError,
    Dim,
    DimKind,
    FunctionSignature,
    ShapeSpec,
    parse_shape,
    parse_signature,
)

__all__ = [
    "ContractSyntaxError",
    "DTypeSpec",
    "Dim",
    "DimKind",
    "Expr",
    "FunctionSignature",
    "Shape",
    "ShapeSpec",
    "TensorContract",
    "contract_of",
    "dtype_spec",
    "parse_shape",
    "parse_signature",
]
