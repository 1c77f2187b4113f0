"""A named dim in the place of another named dim (``C`` where ``P`` is expected) is reported as a
*likely* mix-up: not proved (the two sizes may be equal), so the message says so. Fresh reads of
unknown tensors, constants and unbound names never take part."""

from __future__ import annotations

from conftest import codes

HELPER = '''import tensorflow as tf


def sum_groups(full, c, p):
    """Sum the C images of each group."""
    return tf.reduce_sum(tf.reshape(full, {target}), axis=1)[..., None]
'''

CALLER = '''import tensorflow as tf
from shapecheck import Float32, check
from pkg.groups import sum_groups


@check
def reassemble(patches: Float32[tf.Tensor, "B N N C"], canvas: Float32[tf.Tensor, "B*C P P 1"], P: int) -> Float32[tf.Tensor, "B P P 1"]:
    c = patches.shape[3]
    canvas = tf.ensure_shape(canvas, [None, P, P, 1])
    return sum_groups(canvas, c, P)
'''


def _files(target: str) -> dict[str, str]:
    return {"pkg/caller.py": CALLER, "pkg/groups.py": HELPER.format(target=target), "pkg/__init__.py": ""}


def test_two_reshape_dims_swapped_in_a_helper_of_another_module(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(_files("[-1, p, c, p]"))
    assert codes(findings) == [(10, "SC102")]
    message = findings[0].message
    assert "dim 1 is C, another named dim, where P is expected" in message and "likely mixed-up" in message


def test_the_right_reshape_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(_files("[-1, c, p, p]")) == []


def test_a_mixed_up_argument_at_a_call(lint) -> None:  # type: ignore[no-untyped-def]
    """The width where the height goes: a first row tiled ``w`` times gives ``(B, W, W, C)``."""
    src = '''import tensorflow as tf
from shapecheck import Float32, check


@check
def crop_to(images: Float32[tf.Tensor, "B H W C"], like: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B H W C"]:
    return images


@check
def align(images: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B H W C"]:
    w = images.shape[2]
    squared = tf.tile(images[:, :1], [1, w, 1, 1])
    return crop_to(images, squared)
'''
    findings = lint(src)
    assert codes(findings) == [(14, "SC101")]
    assert "likely mixed-up dims" in findings[0].message


def test_fresh_reads_constants_and_square_contracts_are_not_reported(lint) -> None:  # type: ignore[no-untyped-def]
    """Dims read from tensors of unknown size are fresh symbols; ``N N`` is one name twice."""
    src = '''import tensorflow as tf
from shapecheck import Float32, check


@check
def square(x: Float32[tf.Tensor, "B N N"]) -> Float32[tf.Tensor, "B N N"]:
    return tf.transpose(x, [0, 2, 1])


def unknown(a, b):
    a = tf.reshape(a, [-1, tf.shape(b)[1], tf.shape(b)[0]])
    return square(a)


@check
def padded(x: Float32[tf.Tensor, "B H W"]) -> Float32[tf.Tensor, "B H W"]:
    return tf.pad(x, [[0, 0], [0, 0], [0, 0]])
'''
    assert lint(src) == []


def test_a_constant_dim_swapped_with_a_named_one(lint) -> None:  # type: ignore[no-untyped-def]
    """``(2, B*C)`` for ``(B*C, 2)``: a permutation with a constant in it; a size-1 dim never counts."""
    src = '''import tensorflow as tf
from shapecheck import Float32, check


@check
def flatten_offsets(offsets: Float32[tf.Tensor, "B 1 2 C"]) -> Float32[tf.Tensor, "B*C 2"]:
    moved = tf.transpose(offsets, [0, 3, 1, 2])
    return tf.reshape(moved, [2, -1])


@check
def totals(x: Float32[tf.Tensor, "B N"]) -> Float32[tf.Tensor, "B 1"]:
    return tf.reduce_sum(x, axis=1, keepdims=True)


@check
def column(x: Float32[tf.Tensor, "B N"]) -> Float32[tf.Tensor, "1 B"]:
    return tf.transpose(x[:, :1])
'''
    findings = lint(src)
    assert codes(findings) == [(8, "SC102")]
    assert "likely swapped dims 0, 1" in findings[0].message
