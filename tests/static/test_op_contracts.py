"""TensorFlow ops whose shape rule is a plain contract (``[[stub]]`` entries of ``tf_ops.toml``):
their arguments are checked like the arguments of an annotated function."""

from __future__ import annotations

from conftest import codes

SHIFT = '''import tensorflow as tf


def shift_images(images, offsets):
    """Shift each image by its (dy, dx) offset, nearest pixel, zero fill."""
    images = tf.ensure_shape(images, [None, 32, 32, 1])
    offsets = tf.ensure_shape(offsets, [None, 2])
    ones = tf.ones_like(offsets[:, :1])
    zeros = tf.zeros_like(ones)
    dy, dx = offsets[:, {dy}], offsets[:, 1:]
    transforms = tf.concat([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)

    def run(size):
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=images, transforms=transforms, output_shape=size,
            fill_value=0.0, interpolation="NEAREST", fill_mode="CONSTANT",
        )

    return run(tf.shape(images)[{size}])
'''


def test_a_transform_row_one_column_short(lint) -> None:  # type: ignore[no-untyped-def]
    """A slice off by one makes 7 transform parameters; the op is called in a closure."""
    findings = lint(SHIFT.format(dy=":0", size="1:3"))
    assert codes(findings) == [(15, "SC101")]
    assert "`transforms` of `ImageProjectiveTransformV3`" in findings[0].message and "8" in findings[0].message


def test_an_output_size_with_one_element(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(SHIFT.format(dy=":1", size="1:2"))
    assert codes(findings) == [(15, "SC101")]
    assert "`output_shape`" in findings[0].message


def test_the_right_transform_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(SHIFT.format(dy=":1", size="1:3")) == []


def test_one_transform_row_for_every_image_is_allowed(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def flip(images):
    images = tf.ensure_shape(images, [16, 32, 32, 3])
    transform = tf.constant([[-1.0, 0.0, 31.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    return tf.raw_ops.ImageProjectiveTransformV2(
        images=images, transforms=transform, output_shape=[32, 32], interpolation="NEAREST"
    )
'''
    assert lint(src) == []


def test_bitcast_is_not_read_as_a_same_shape_cast(lint) -> None:  # type: ignore[no-untyped-def]
    """``tf.bitcast`` of complex64 to float32 adds a trailing dim of 2: its shape is not the input's."""
    src = '''import tensorflow as tf
from shapecheck import Complex64, check


@check
def parts(x: Complex64[tf.Tensor, "B N"]) -> Complex64[tf.Tensor, "B N"]:
    pairs = tf.bitcast(x, tf.float32)
    flipped = tf.reverse(pairs, axis=[-1])
    return tf.bitcast(tf.reshape(flipped, [-1, x.shape[1], 2]), tf.complex64)
'''
    assert lint(src) == []
