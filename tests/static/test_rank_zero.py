"""A known integer is a scalar: indexing it, or a tensor where ``tf.range`` wants a scalar, is reported."""

from __future__ import annotations

HELPER = '''import tensorflow as tf


def tent_weights(size, shifts):
    """Linear-interpolation weights for each shift."""
    grid = tf.cast(tf.range(size), tf.float32)
    source = grid[None, :, None] - shifts[:, None, None]
    return tf.nn.relu(1.0 - tf.abs(source - grid[None, None, :]))
'''


def test_a_dim_passed_where_a_vector_is_indexed(lint) -> None:  # type: ignore[no-untyped-def]
    """Arguments swapped: the helper slices the image height as if it were the shifts."""
    src = HELPER + '''

def translate_rows(images, offsets):
    images = tf.ensure_shape(images, [None, 8, 8, 1])
    return tent_weights(offsets[:, 0], tf.shape(images)[1])
'''
    findings = lint(src)
    assert [(f.line, f.code) for f in findings] == [(13, "SC101")]
    assert "in the call to `tent_weights`" in findings[0].message
    assert "line 7: inside `tent_weights`, here" in findings[0].notes


def test_the_same_helper_called_right_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    src = HELPER + '''

def translate_rows(images, offsets):
    images = tf.ensure_shape(images, [None, 8, 8, 1])
    row = images.shape[1]
    return tent_weights(row, offsets[:, 0]), tf.range(row)[None, :]
'''
    assert lint(src) == []


def test_range_of_a_vector(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def positions(offsets):
    offsets = tf.ensure_shape(offsets, [16, 2])
    return tf.range(offsets[:, 0])
'''
    findings = lint(src)
    assert [(f.line, f.code) for f in findings] == [(6, "SC101")]
    assert "(16,)" in findings[0].message


def test_an_int_of_unknown_value_is_not_assumed_scalar(lint) -> None:  # type: ignore[no-untyped-def]
    """``len(...)`` of something unknown: nothing is known, nothing reported."""
    src = '''import tensorflow as tf


def f(items, x):
    x = tf.ensure_shape(x, [4, 4])
    n = len(items)
    return n[0], x
'''
    assert lint(src) == []
