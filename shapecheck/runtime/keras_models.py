"""Contracts on a Keras model's own inputs and outputs (functional models included).

A functional ``keras.Model(inputs, outputs)`` has no ``call`` of the user's to annotate, so
``check_model(model, inputs=..., outputs=...)`` gives it one: the model's ``call`` is
replaced, on this instance only, by a checked function with those annotations in front of
the original. Every way Keras calls the model goes through it (``model(x)``, ``predict``,
``fit``/``evaluate`` steps, under ``tf.function`` with the batch unknown at trace time), in
the configured mode. ``inputs`` may be any annotation ``@check`` reads on a parameter: one
contract, or ``list[...]``/``tuple[...]``/``dict[str, ...]`` of contracts for a model with
several inputs, so dims are tied across inputs (which Keras's own input specs never do).
"""

from __future__ import annotations

from typing import Any

from shapecheck.runtime.decorator import decorate_in_scope
from shapecheck.runtime.modes import parse_mode

_MARK = "__shapecheck_model_call__"


def check_model(model: Any, *, inputs: Any = None, outputs: Any = None, mode: str | None = None) -> Any:
    """Check ``model``'s inputs and outputs against these contracts on every call; returns ``model``.

    ``mode`` pins the mode as ``check(mode=...)`` does; by default the process-wide mode
    applies (``off`` at this call leaves the model untouched)."""
    if inputs is None and outputs is None:
        raise TypeError("check_model needs inputs= and/or outputs= contracts")
    call = getattr(model, "call", None)
    if call is None or not callable(call):
        raise TypeError(f"check_model checks Keras models (something with a call method), not {type(model).__name__}")
    original = getattr(call, _MARK, call)  # checking twice replaces the first contracts
    name = getattr(model, "name", type(model).__name__)

    def model_call(inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return original(inputs, *args, **kwargs)

    model_call.__name__ = "call"
    model_call.__qualname__ = f"{name}.call"
    model_call.__module__ = type(model).__module__
    annotations: dict[str, Any] = {}
    if inputs is not None:
        annotations["inputs"] = inputs
    if outputs is not None:
        annotations["return"] = outputs
    model_call.__annotations__ = annotations
    checked = decorate_in_scope(model_call, parse_mode(mode) if mode is not None else None, None)
    if checked is model_call:
        return model  # off: nothing to do
    setattr(checked, _MARK, original)
    object.__setattr__(model, "call", checked) if _is_keras_layer(model) else setattr(model, "call", checked)
    return model


def _is_keras_layer(model: Any) -> bool:
    return any(cls.__module__.startswith("keras") for cls in type(model).__mro__)
