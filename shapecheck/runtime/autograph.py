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


def call_inner(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        autograph = getattr(getattr(tf, "__internal__", None), "autograph", None)
        if autograph is not None:
            ctx = autograph.control_status_ctx()
            if getattr(ctx.status, "name", "") == "ENABLED":
                return autograph.tf_convert(func, ctx)(*args, **kwargs)
    return func(*args, **kwargs)
