"""The recording import hook: runs inside the recorded process (installed by ``shapecheck infer``).

Modules of the chosen packages are instrumented right after they execute: every function
defined in the module (a module-level ``tf.function`` too: its calls as its callers see them), and every method of every class defined there (a Keras layer's
``call`` included), is replaced by a wrapper that calls it unchanged and then describes its
arguments and result (:mod:`shapecheck.infer.observe`). Describing reads ``shape`` and
``dtype`` only, so it never changes what the code computes; a failure while describing is
swallowed. Memory is bounded: distinct calls per function are capped, and past the first
calls only a sample is described. Observations are written as JSON when the process exits.

The finder is a :class:`shapecheck.runtime.package_finder.PackageFinder`, the mechanism the
checker's import hook uses too (a package that checks itself through that hook is recorded
as well). AutoGraph is handled as the checker's wrapper handles it
(:mod:`shapecheck.runtime.autograph`): the wrapper is marked "do not convert" and converts
the wrapped function exactly where AutoGraph would have, so graph code behaves as without
the recorder. TensorFlow is only looked up in ``sys.modules``, never imported.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import json
import os
import sys
import typing
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from shapecheck.infer.naming import source_comments
from shapecheck.infer.observe import Call, FunctionInfo, FunctionRecord, Observations, describe, rank_of
from shapecheck.runtime.autograph import call_inner, mark_do_not_convert
from shapecheck.runtime.package_finder import PackageFinder

ENV_PACKAGES = "SHAPECHECK_INFER_PACKAGES"
ENV_OUT = "SHAPECHECK_INFER_OUT"
_MARK = "__shapecheck_recorded__"
ALWAYS_DESCRIBED = 256  # calls of one function described in full before sampling starts
SAMPLE_EVERY = 32
MAX_ATTRS = 32

OBSERVATIONS = Observations()
_current_tag: list[str | None] = [None]


def set_tag(tag: str | None) -> None:
    """Name the test now running (its calls carry the tag); ``None`` between tests."""
    _current_tag[0] = tag


def mark_failed(tag: str) -> None:
    OBSERVATIONS.failed_tags.add(tag)


# ----- describing one call -----------------------------------------------------------------
def _int_attrs(obj: Any) -> dict[str, int]:
    try:
        items = vars(obj).items()
    except TypeError:
        return {}
    out: dict[str, int] = {}
    for name, value in items:
        if type(value) is int and not name.startswith("_"):
            out[name] = value
            if len(out) >= MAX_ATTRS:
                break
    return out


def _record(
    rec: FunctionRecord, names: tuple[str, ...], bound_self: bool, args: tuple[Any, ...], kwargs: dict[str, Any],
    result: Any,
) -> None:
    described: dict[str, Any] = {}
    for name, value in zip(names, args[1:] if bound_self else args):
        described[name] = describe(value)
    for name, value in kwargs.items():
        described[name] = describe(value)
    attrs = _int_attrs(args[0]) if bound_self and args else {}
    rec.add(Call(described, describe(result), attrs), _current_tag[0])


def _param_names(func: Callable[..., Any]) -> tuple[str, ...]:
    """Parameter names in order (through decorators that set ``__wrapped__``), ``*args``/``**kw`` excluded."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def _wrap(func: Callable[..., Any], rec: FunctionRecord, bound_self: bool, graph: bool = False) -> Callable[..., Any]:
    """``graph``: ``func`` is a ``tf.function`` (it converts its own Python function; never convert it)."""
    names = _param_names(func)[1 if bound_self else 0 :]

    @functools.wraps(func)
    def recorded(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs) if graph else call_inner(func, args, kwargs, 2)
        except BaseException:
            rec.raised += 1
            raise
        rec.calls_seen += 1
        n = rec.calls_seen
        try:
            ranks = (tuple(map(rank_of, args)), tuple(sorted((k, rank_of(v)) for k, v in kwargs.items())), rank_of(result))
            fresh = rec.new_ranks(ranks)
        except Exception:  # noqa: BLE001 - an odd ``shape`` attribute: the sampling rule alone decides
            fresh = False
        if fresh or n <= ALWAYS_DESCRIBED or n % SAMPLE_EVERY == 0:
            try:
                _record(rec, names, bound_self, args, kwargs, result)
            except Exception:  # noqa: BLE001 - describing must never disturb the recorded program
                pass
        return result

    mark_do_not_convert(recorded)
    setattr(recorded, _MARK, True)
    return recorded


# ----- instrumenting modules ---------------------------------------------------------------
def _is_keras_layer(cls: type) -> bool:
    return any(
        base.__name__ == "Layer" and base.__module__.split(".")[0] in ("keras", "tf_keras", "tensorflow")
        for base in cls.__mro__[1:]
    )


def _existing_contracts(func: Callable[..., Any]) -> dict[str, str]:
    """The shape contracts already written on ``func`` (their names are reused)."""
    from shapecheck.contract.annotations import contract_of

    try:
        hints = typing.get_type_hints(inspect.unwrap(func), include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations just give no names
        return {}
    out: dict[str, str] = {}
    for name, hint in hints.items():
        contract = contract_of(hint)
        if contract is not None and contract.shape is not None:
            out[name] = contract.shape.text
    return out


def _comments(func: Callable[..., Any]) -> str:
    try:
        return source_comments(inspect.getsource(func))
    except (OSError, TypeError):  # no source (built in a REPL, a C function)
        return ""


def _info(module: str, qualname: str, func: Callable[..., Any], kind: str, bound_self: bool) -> FunctionInfo:
    params = list(_param_names(func))
    return FunctionInfo(
        module, qualname, params[1:] if bound_self else params, kind, inspect.getdoc(func) or "",
        _existing_contracts(func), _comments(func),
    )


def _wrappable(obj: Any, module: str) -> bool:
    return (
        inspect.isfunction(obj)
        and getattr(obj, "__module__", None) == module
        and not getattr(obj, _MARK, False)
        and not inspect.isgeneratorfunction(obj)
        and not inspect.iscoroutinefunction(obj)
    )


def _tf_function_of(obj: Any, module: str) -> Callable[..., Any] | None:
    """The Python function of a ``tf.function`` object defined in ``module`` (``None`` for anything else)."""
    python_function = getattr(obj, "python_function", None)
    if (
        type(obj).__module__.startswith("tensorflow.")
        and inspect.isfunction(python_function)
        and getattr(python_function, "__module__", None) == module
        and not getattr(obj, _MARK, False)
    ):
        return python_function
    return None


def _instrument_class(cls: type, module: str) -> None:
    layer = _is_keras_layer(cls)
    for attr, raw in list(vars(cls).items()):
        if attr.startswith("__") and attr.endswith("__") and attr != "__call__":
            continue
        if isinstance(raw, staticmethod):
            func, rewrap, bound = raw.__func__, staticmethod, False
        elif isinstance(raw, classmethod):
            func, rewrap, bound = raw.__func__, classmethod, True
        else:
            func, rewrap, bound = raw, None, True
        if not _wrappable(func, module):
            continue
        kind = "layer" if layer and attr == "call" else "method"
        rec = OBSERVATIONS.register(_info(module, f"{cls.__qualname__}.{attr}", func, kind, bound))
        wrapped = _wrap(func, rec, bound)
        setattr(cls, attr, rewrap(wrapped) if rewrap else wrapped)


def instrument(module: ModuleType) -> None:
    """Wrap the functions and methods ``module`` defines (idempotent)."""
    name = module.__name__
    for attr, obj in list(vars(module).items()):
        if _wrappable(obj, name):
            rec = OBSERVATIONS.register(_info(name, obj.__qualname__, obj, "function", False))
            setattr(module, attr, _wrap(obj, rec, False))
        elif inspect.isclass(obj) and obj.__module__ == name and obj.__qualname__ == attr:
            _instrument_class(obj, name)
        elif (python_function := _tf_function_of(obj, name)) is not None:  # ``f = tf.function(g)``, ``@tf.function``
            rec = OBSERVATIONS.register(_info(name, attr, python_function, "function", False))
            setattr(module, attr, _wrap(obj, rec, False, graph=True))


class RecordingFinder(PackageFinder):
    """Instruments each module of the recorded packages right after it executed."""

    def wants(self, fullname: str) -> bool:
        if fullname == __package__ or fullname.startswith(f"{__package__}."):
            return False  # the recorder never records itself (``--packages shapecheck``)
        return super().wants(fullname)

    def executed(self, module: ModuleType) -> None:
        instrument(module)


def dump(path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(OBSERVATIONS.to_json(), fh)


def install(packages: Iterable[str], out_dir: str | None) -> RecordingFinder:
    finder = RecordingFinder(packages)
    sys.meta_path.insert(0, finder)
    for name, module in list(sys.modules.items()):
        if finder.wants(name) and module is not None:
            instrument(module)
    if out_dir:
        atexit.register(dump, os.path.join(out_dir, f"observations-{os.getpid()}.json"))
    return finder


def install_from_environment() -> RecordingFinder | None:
    packages = [p.strip() for p in os.environ.get(ENV_PACKAGES, "").split(",") if p.strip()]
    if not packages:
        return None
    return install(packages, os.environ.get(ENV_OUT))
