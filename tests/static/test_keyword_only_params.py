"""Positional arguments fill the parameters before ``*args`` only: a keyword-only parameter's
contract is checked against the keyword that names it, never against a stray positional."""

from __future__ import annotations

from conftest import codes

SRC = '''import tensorflow as tf
from shapecheck import Float32


def stack_rows(*rows, scale: Float32[tf.Tensor, "N"] | None = None):
    out = tf.stack(rows)
    return out if scale is None else out * scale[None, :]


def caller(a: Float32[tf.Tensor, "N"], b: Float32[tf.Tensor, "N"]):
    return stack_rows({args})
'''


def test_a_positional_into_star_args_is_not_the_keyword_only_parameter(lint) -> None:  # type: ignore[no-untyped-def]
    """The rank-2 first row goes into ``*rows``; ``scale`` is left out: nothing to report."""
    assert lint(SRC.format(args="tf.zeros((3, 4)), b")) == []


def test_the_keyword_only_parameter_is_still_checked_by_name(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(SRC.format(args="a, b, scale=tf.zeros((2, 3))"))
    assert codes(findings) == [(11, "SC101")]
    assert "`scale`" in findings[0].message
