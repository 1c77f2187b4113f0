"""NumPy array methods are their function forms with the array first: ``x.transpose(1, 2, 0)``,
``x.sum(axis=1)``, ``x.reshape(2, -1)``, ``x.ravel()`` give shapes like ``np.transpose`` & co."""

from __future__ import annotations

from conftest import codes, shapes_of

STACK = '''import numpy as np
import tensorflow as tf
from shapecheck import Complex, Float, check


@check
def reassemble(patches: Complex[tf.Tensor, "B N N C"], offsets: Float[tf.Tensor, "B 1 2 C"]) -> Complex[tf.Tensor, "B N N 1"]:
    return tf.reduce_sum(patches, axis=3, keepdims=True)


def stitch(patches: Complex[np.ndarray, "K N N"], offsets: Float[np.ndarray, "K 2"]):
    channel = tf.constant(patches.transpose(1, 2, 0)[None])  # (1, N, N, K)
    channel_offsets = tf.constant(offsets.T[None, None])  # (1, 1, 2, K)
    ones = tf.ones((1, patches.shape[1], patches.shape[2], {count}))
    return reassemble(channel, channel_offsets), reassemble(ones, channel_offsets)
'''


def test_one_patch_too_many_after_a_method_transpose(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(STACK.format(count="patches.shape[0] + 1"))
    assert codes(findings) == [(15, "SC101")]
    assert "K + 1" in findings[0].message


def test_the_right_count_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(STACK.format(count="patches.shape[0]")) == []


def test_method_forms_give_the_function_shapes(explain) -> None:  # type: ignore[no-untyped-def]
    src = '''import numpy as np


def stats(x):
    x = np.zeros((4, 5, 6))
    moved = x.transpose(1, 2, 0)
    reversed_axes = x.transpose()
    per_row = x.sum(axis=1)
    first = x.mean(0)
    flat = x.ravel()
    table = x.reshape(20, -1)
    return moved, reversed_axes, per_row, first, flat, table
'''
    shapes = shapes_of(explain(src))
    assert shapes["moved"] == "(5, 6, 4)" and shapes["reversed_axes"] == "(6, 5, 4)"
    assert shapes["per_row"] == "(4, 6)" and shapes["first"] == "(5, 6)"
    assert shapes["flat"] == "(120,)" and shapes["table"] == "(20, 6)"


def test_a_wrong_axis_in_a_method_reduction(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import numpy as np


def energy(x):
    x = np.zeros((4, 5))
    return x.sum(axis=2)
'''
    assert codes(lint(src)) == [(6, "SC101")]
