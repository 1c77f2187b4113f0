"""shapecheck: shape contracts for TensorFlow code, checked before and while it runs.

Importing this package never imports TensorFlow. The runtime decorator lives in
``shapecheck.runtime`` and is re-exported lazily (``shapecheck.check``).
"""

from __future__ import annotations

from typing import Any

from shapecheck.contract.annotations import (
    BFloat16,
    Bool,
    Complex,
    Complex64,
    Complex128,
    Float,
    Float16,
    Float32,
    Float64,
    Inexact,
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
    Integer,
    Num,
    Shape,
    Shaped,
    UInt,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
)
from shapecheck.contract.spec import ContractSyntaxError

__version__ = "0.1.0"

# Names served by shapecheck.runtime, imported on first use.
_RUNTIME_EXPORTS = frozenset(
    {"check", "check_model", "ShapeContractError", "set_mode", "get_mode", "mode", "install_import_hook", "uninstall_import_hook"}
)


def __getattr__(name: str) -> Any:
    if name in _RUNTIME_EXPORTS:
        from shapecheck import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'shapecheck' has no attribute {name!r}")


__all__ = [
    "BFloat16", "Bool", "Complex", "Complex64", "Complex128", "ContractSyntaxError", "Float",
    "Float16", "Float32", "Float64", "Inexact", "Int", "Int8", "Int16", "Int32", "Int64",
    "Integer", "Num", "Shape", "ShapeContractError", "Shaped", "UInt", "UInt8", "UInt16", "UInt32", "UInt64",
    "__version__", "check", "check_model", "install_import_hook", "uninstall_import_hook",
    "get_mode", "mode", "set_mode",
]
