"""Keeping AutoGraph off the checker's wrapper while still converting the user's function.

AutoGraph skips any callable carrying the ``autograph_info__`` attribute (that is what
``tf.autograph.experimental.do_not_convert`` sets), so the wrapper is marked at decoration
time without importing TensorFlow. Inside, the user's function is converted exactly when
AutoGraph would have converted it without the wrapper: the status is ``ENABLED`` *and* the
wrapper was reached through AutoGraph's own call machinery (``converted_call`` →
``_call_unconverted``, as from a ``tf.function`` body or converted user code). Code AutoGraph
does not convert (Keras calling ``Layer.call`` inside ``fit``) calls the function as is, so
behaviour never depends on whether contracts are checked.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

_AUTOGRAPH_MARK = "autograph_info__"


def mark_do_not_convert(wrapper: Callable[..., Any]) -> None:
    setattr(wrapper, _AUTOGRAPH_MARK, {})


_autograph: Any = None  # tf.__internal__.autograph once TensorFlow is loaded


def _autograph_api() -> Any:
    global _autograph
    if _autograph is None:
        tf = sys.modules.get("tensorflow")
        if tf is None:
            return None
        _autograph = getattr(getattr(tf, "__internal__", None), "autograph", False)
    return _autograph or None


_AUTOGRAPH_IMPL = "tensorflow.python.autograph."


def from_autograph(frame: FrameType) -> bool:
    """``frame`` (the checking wrapper's caller) is AutoGraph's own call machinery
    (``converted_call`` → ``_call_unconverted``): only then would AutoGraph have converted
    the undecorated function."""
    return frame.f_globals.get("__name__", "").startswith(_AUTOGRAPH_IMPL)


def call_converted(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call ``func`` for a wrapper that AutoGraph's machinery called: converted if AutoGraph
    is enabled in this context, as is otherwise."""
    autograph = _autograph if _autograph else _autograph_api()
    if autograph is not None:
        ctx = autograph.control_status_ctx()
        if ctx.status.name == "ENABLED":
            return autograph.tf_convert(func, ctx)(*args, **kwargs)
    return func(*args, **kwargs)


def call_inner(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], depth: int) -> Any:
    """Call ``func`` for the wrapper, converting it only where AutoGraph would have.

    ``depth`` is how many frames above this one the wrapper's caller is."""
    if from_autograph(sys._getframe(depth)):
        return call_converted(func, args, kwargs)
    return func(*args, **kwargs)
