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
_executing_eagerly: Any = None  # tf.executing_eagerly once TensorFlow is loaded


def executing_eagerly() -> bool:
    """``tf.executing_eagerly()``; ``True`` while TensorFlow is not even loaded.

    Asked when no symbolic tensor was among the contracted values (NumPy arguments, an
    Optional passed ``None``, a SparseTensor): only then can the call be inside a graph
    without the checker having noticed.
    """
    global _executing_eagerly
    if _executing_eagerly is None:
        tf = sys.modules.get("tensorflow")
        if tf is None or not hasattr(tf, "executing_eagerly"):
            return True
        _executing_eagerly = tf.executing_eagerly
    return bool(_executing_eagerly())


def call_inner(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call ``func`` for the wrapper, converting it only where AutoGraph would have."""
    autograph = _autograph if _autograph else _autograph_api()
    if autograph is not None:
        ctx = autograph.control_status_ctx()
        if ctx.status.name == "ENABLED":
            # Frame 0 is this function, 1 the checking wrapper, 2 whoever called the wrapper.
            caller = sys._getframe(2).f_globals.get("__name__", "")
            if caller.startswith(_AUTOGRAPH_IMPL):
                return autograph.tf_convert(func, ctx)(*args, **kwargs)
    return func(*args, **kwargs)
