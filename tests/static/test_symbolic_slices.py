"""Slices of a dim whose size is unknown still compare: ``x[:, 1:]`` and ``x[:, 2:]`` differ by one."""

from __future__ import annotations

BLUR = '''import tensorflow as tf


def blur(images, shift, axis):
    """Sub-pixel blur along ``axis`` of zero-padded images."""
    t = tf.reshape(shift, [-1, 1, 1, 1])
    pads = [[0, 0], [0, 0], [0, 0], [0, 0]]
    pads[axis] = [1, 2]
    padded = tf.pad(tf.ensure_shape(images, [None, None, None, None]), pads)
    if axis == 1:
        return (1 - t) * padded[:, {lower}:] + t * padded[:, :-1]
    return (1 - t) * padded[:, :, 1:] + t * padded[:, :, :-1]
'''


def test_off_by_one_slices_of_one_padded_tensor(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(BLUR.format(lower=2))
    assert [(f.line, f.code) for f in findings] == [(11, "SC101")]
    assert "differ by" in findings[0].message
    assert "padded.shape[1] - 2" in findings[0].message and "padded.shape[1] - 1" in findings[0].message


def test_matching_slices_are_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(BLUR.format(lower=1)) == []


def test_slices_of_two_different_tensors_prove_nothing(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def diff(a, b):
    a = tf.ensure_shape(a, [None, None])
    b = tf.ensure_shape(b, [None, None])
    return a[:, 1:] - b[:, 2:]
'''
    assert lint(src) == []
