"""Per-file summaries: what other files need to know about this one (picklable, no CST)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapecheck.contract.spec import ShapeSpec

# Parameter names that say which argument holds images and which holds scan offsets (SC103).
_IMAGE_WORDS = ("image", "img", "patch", "obj", "canvas")
_OFFSET_WORDS = ("offset", "position", "coord", "translation", "shift")


def role_from_name(name: str) -> str | None:
    low = name.lower()
    if any(w in low for w in _OFFSET_WORDS):
        return "offsets"
    if any(w in low for w in _IMAGE_WORDS):
        return "images"
    return None


@dataclass(frozen=True)
class ParamInfo:
    name: str
    kind: str  # "positional" | "keyword" | "varargs" | "varkw"
    spec: ShapeSpec | None  # the parsed contract, or None
    optional: bool = False
    has_default: bool = False
    # the Python (not tensor) type its annotation names (``int``, ``float``, ``Sequence[int]`` ->
    # "Sequence", ``int | None`` -> "int"): a Python value while tracing; None for anything else
    python_type: str | None = None
    # annotated a Python number (``int``: rank 0) or a sequence of them (``tuple[int, ...]``: rank 1):
    # (the annotation's text, the highest rank its value can have)
    numbers: tuple[str, int] | None = None

    @property
    def is_int(self) -> bool:
        """Annotated ``int``: its value can bind a dim of the same name."""
        return self.numbers == ("int", 0)


@dataclass(frozen=True)
class ReturnSummary:
    """An unannotated function's return, as a function of its parameters.

    ``same_as`` is the index of a parameter whose shape is returned unchanged; otherwise
    ``dims`` holds dims whose ``$p<i>_<k>#0`` symbols stand for parameter ``i``'s dim ``k``.
    """

    same_as: int | None = None
    dims: tuple[Any, ...] | None = None  # tuple[Expr | None, ...]


@dataclass(frozen=True)
class FunctionInfo:
    qualname: str
    params: tuple[ParamInfo, ...]
    returns: ShapeSpec | None
    returns_optional: bool = False
    is_method: bool = False  # first parameter is self/cls, dropped at call sites
    roles: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    body_return: ReturnSummary | None = None
    # ``-> tuple[Float32[...], Float32[...]]``: one contract (or None) per element
    returns_tuple: tuple[ShapeSpec | None, ...] | None = None
    # where the contracts come from when not from annotations ("docstring"): findings say so
    hint: str | None = None
    # a short unannotated helper's own text (``foreign.ForeignBody``), analysed at call sites in other modules
    body: Any = field(default=None, hash=False, compare=False)

    @property
    def has_contract(self) -> bool:
        return (
            self.returns is not None
            or any(p.spec is not None for p in self.params)
            or (self.returns_tuple is not None and any(r is not None for r in self.returns_tuple))
        )


@dataclass
class ModuleSummary:
    """Everything cross-file about one module. Picklable; cacheable by content."""

    path: str
    module_name: str
    content_hash: str
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    # classes whose ``call`` (Keras layers) or ``__call__`` carries a contract: class → method qualname
    callable_classes: dict[str, str] = field(default_factory=dict)
    # Keras Layer/Model subclasses with a ``call``: class qualname -> content hash of this file
    # (other files instantiate and run them; a change here changes the project fingerprint)
    keras_classes: dict[str, str] = field(default_factory=dict)
    xla_facts: Any = None
    is_package: bool = False
    # SC004/SC1xx findings of an analysis that did not consult other files, and the names
    # it looked up there: ``check_module`` reuses them unless one of those names is known
    local_findings: tuple[Any, ...] | None = None
    external_lookups: frozenset[str] = frozenset()
