"""Convolution and pooling layers over 1, 2 or 3 spatial axes (issue 9: Conv1D/Conv3D were not
modelled): (batch, *spatial, channels) in, each spatial axis by kernel, stride and padding."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck.findings import Finding

from conftest import codes, shapes_of

MODEL = '''
import keras


def build():
    seq = keras.Input((100, 8))
    a = keras.layers.Conv1D(16, 5, padding="valid")(seq)
    b = keras.layers.MaxPooling1D(2)(a)
    vol = keras.Input((16, 16, 16, 1))
    c = keras.layers.Conv3D(4, 3, strides=2, padding="same")(vol)
    d = keras.layers.AveragePooling3D((2, 2, 4))(c)
    e = keras.layers.Conv2D(4, (3, 5))(keras.Input((10, 12, 3)))
    f = keras.layers.Conv1DTranspose(8, 3, strides=2, padding="same")(b)
    return b, d, e, f
'''


def test_conv_and_pool_shapes_over_one_two_and_three_axes(explain: Callable[..., str]) -> None:
    shapes = shapes_of(explain(MODEL, "build"))
    assert shapes["a"] == "(batch, 96, 16)"
    assert shapes["b"] == "(batch, 48, 16)"
    assert shapes["c"] == "(batch, 8, 8, 8, 4)"
    assert shapes["d"] == "(batch, 4, 4, 2, 4)"
    assert shapes["e"] == "(batch, 8, 8, 4)"
    assert shapes["f"] == "(batch, 96, 8)"


def test_a_conv1d_of_the_wrong_rank_and_a_length_mismatch_are_reported(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import keras


def build():
    seq = keras.Input((100, 8))
    image = keras.layers.Conv1D(4, 3)(keras.Input((32, 32, 3)))
    pooled = keras.layers.MaxPooling1D(2)(keras.layers.Conv1D(16, 5)(seq))
    return pooled + keras.layers.Conv1D(16, 5)(seq)
'''
    found = lint(source)
    assert codes(found) == [(7, "SC101"), (9, "SC101")]
    assert "takes a rank-3 input but is given rank 4" in found[0].message
    assert "48 vs 96" in found[1].message
