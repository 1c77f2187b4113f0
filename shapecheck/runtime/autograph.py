"""Keeping AutoGraph off the checker's wrapper while still converting the user's function.

AutoGraph skips any callable carrying the ``autograph_info__`` attribute (that is what
``tf.autograph.experimental.do_not_convert`` sets), so the wrapper is marked at decoration
time without importing TensorFlow. Inside, when AutoGraph is actively converting (status
``ENABLED``, i.e. within a ``tf.function`` with autograph on), the user's function is
called through ``tf_convert`` so its own Python control flow is still converted.
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


def call_inner(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    autograph = _autograph if _autograph else _autograph_api()
    if autograph is not None:
        ctx = autograph.control_status_ctx()
        if ctx.status.name == "ENABLED":
            return autograph.tf_convert(func, ctx)(*args, **kwargs)
    return func(*args, **kwargs)
