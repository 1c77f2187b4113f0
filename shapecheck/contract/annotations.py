"""Annotation objects of the contract language and reading contracts back out of annotations.

Three spellings mean the same contract:

* ``Annotated[tf.Tensor, Shape("B 1 2 C", dtype="float32")]``
* ``shapecheck.Float32[tf.Tensor, "B 1 2 C"]`` (builds exactly the ``Annotated`` form above)
* ``jaxtyping.Float32[tf.Tensor, "B 1 2 C"]`` (read through its ``dim_str``/``dtypes``)

Nothing here imports TensorFlow, NumPy or jaxtyping.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any

from shapecheck.contract.dtypes import DTypeSpec, dtype_spec, dtype_spec_from_names
from shapecheck.contract.spec import ShapeSpec, parse_shape


class Shape:
    """Annotation metadata carrying a shape contract (and optionally a dtype family)."""

    __slots__ = ("spec", "dtype")

    def __init__(self, spec: str, dtype: str | None = None) -> None:
        self.spec: ShapeSpec = parse_shape(spec)
        self.dtype: DTypeSpec | None = dtype_spec(dtype) if dtype else None

    def __repr__(self) -> str:
        extra = f", dtype={self.dtype.label!r}" if self.dtype else ""
        return f"Shape({self.spec.text!r}{extra})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shape) and (self.spec.text, self.dtype) == (other.spec.text, other.dtype)

    def __hash__(self) -> int:
        return hash((self.spec.text, self.dtype))


class DTypeAnnotator:
    """``Float32[tf.Tensor, "B C"]`` → ``Annotated[tf.Tensor, Shape("B C", dtype="float32")]``."""

    def __init__(self, label: str) -> None:
        self.label = label
        dtype_spec(label)  # validate the family name once

    def __getitem__(self, item: tuple[Any, str]) -> Any:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str)):
            raise TypeError(f'{self.label} annotations take [array_type, "dims"], got {item!r}')
        array_type, dims = item
        return Annotated[array_type, Shape(dims, self.label)]

    def __repr__(self) -> str:
        return f"<shapecheck dtype annotator {self.label}>"


Shaped = DTypeAnnotator("any")
Float = DTypeAnnotator("float")
BFloat16 = DTypeAnnotator("bfloat16")
Float16 = DTypeAnnotator("float16")
Float32 = DTypeAnnotator("float32")
Float64 = DTypeAnnotator("float64")
Complex = DTypeAnnotator("complex")
Complex64 = DTypeAnnotator("complex64")
Complex128 = DTypeAnnotator("complex128")
Inexact = DTypeAnnotator("inexact")
Int = DTypeAnnotator("int")  # signed, as jaxtyping.Int
Integer = DTypeAnnotator("integer")  # signed or unsigned
Int8 = DTypeAnnotator("int8")
Int16 = DTypeAnnotator("int16")
Int32 = DTypeAnnotator("int32")
Int64 = DTypeAnnotator("int64")
UInt = DTypeAnnotator("uint")
UInt8 = DTypeAnnotator("uint8")
UInt16 = DTypeAnnotator("uint16")
UInt32 = DTypeAnnotator("uint32")
UInt64 = DTypeAnnotator("uint64")
Num = DTypeAnnotator("num")
Bool = DTypeAnnotator("bool")

# Every dtype annotator by its public name -> the dtype family it checks ("Float32" -> "float32"):
# the one list, read by the static analyser (which reads annotations as syntax) and the inference tools.
ANNOTATORS: dict[str, str] = {name: obj.label for name, obj in list(globals().items()) if isinstance(obj, DTypeAnnotator)}
# jaxtyping's annotators that shapecheck does not define: their contracts are read all the same
JAXTYPING_ONLY_ANNOTATORS = frozenset({"Real", "Key"})


@dataclass(frozen=True)
class TensorContract:
    """What one annotation demands of one value."""

    array_type: Any  # the base type (``tf.Tensor``, ``np.ndarray``, ``object`` ...)
    shape: ShapeSpec | None
    dtype: DTypeSpec | None
    optional: bool = False  # ``X | None``: ``None`` passes, anything else must meet the contract

    @property
    def text(self) -> str:
        dtype = f"{self.dtype.label} " if self.dtype and self.dtype.names is not None else ""
        shape = f'"{self.shape.text}"' if self.shape is not None else "any shape"
        return f"{dtype}{shape}"


def _is_jaxtyping_array(annotation: Any) -> bool:
    return isinstance(annotation, type) and all(
        hasattr(annotation, attr) for attr in ("dim_str", "dtypes", "array_type")
    )


def contract_of(annotation: Any) -> TensorContract | None:
    """The tensor contract an annotation carries, or ``None`` if it carries none."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        for meta in metadata:
            if isinstance(meta, Shape):
                return TensorContract(base, meta.spec, meta.dtype)
        inner = contract_of(base)  # Annotated[Float32[...], other metadata]
        return inner
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        args = typing.get_args(annotation)
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1 and len(non_none) < len(args):
            inner = contract_of(non_none[0])
            if inner is not None:
                return TensorContract(inner.array_type, inner.shape, inner.dtype, optional=True)
        return None
    if _is_jaxtyping_array(annotation):
        dtype_cls = getattr(annotation, "dtype", None)
        label = getattr(dtype_cls, "__name__", "dtype").lower()
        dtype = None if label == "shaped" else dtype_spec_from_names(label, annotation.dtypes)
        return TensorContract(annotation.array_type, parse_shape(annotation.dim_str), dtype)
    return None
