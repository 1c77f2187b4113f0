"""Sizes read from objects the analyser cannot see (issue 9, stripped recall): ``config.N`` is a
symbol tied to that read, the same for every read of it in the function, so a model built from
a config (``keras.Input((n, n, c))``) carries its dims into the layers and helpers it calls.
Such a value is not assumed to be an int anywhere else (indexing it or using it as a tensor
reports nothing)."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck.findings import Finding

from conftest import codes, shapes_of


def test_config_sizes_are_symbols_in_a_keras_graph(explain: Callable[..., str]) -> None:
    source = '''
import keras


def build(config):
    n, c = config.N, config.gridsize**2
    images = keras.Input((n, n, c))
    offsets = keras.Input((1, 2, c))
    return images, offsets
'''
    shapes = shapes_of(explain(source, "build"))
    assert shapes["images"] == "(batch, config.N, config.N, config.gridsize*config.gridsize)"
    assert shapes["offsets"] == "(batch, 1, 2, config.gridsize*config.gridsize)"


def test_an_off_by_one_slice_of_a_config_sized_input_is_reported(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import keras


def build(config):
    images = keras.Input((config.N, config.N, 1))
    rows = images[:, 1:, :, :]
    return images - rows
'''
    found = lint(source)
    assert codes(found) == [(8, "SC101")]
    assert "config.N" in found[0].message


def test_slices_that_agree_are_clean(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import keras


def build(config):
    images = keras.Input((config.N, config.N, 1))
    return images[:, 1:, :, :] - images[:, :-1, :, :]
'''
    assert codes(lint(source)) == []


def test_an_attribute_used_as_a_table_or_a_tensor_is_not_taken_for_an_int(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import tensorflow as tf


def lookup(config, ids):
    first = config.table[0]
    rows = tf.gather(config.table, ids)
    scale = config.scale * tf.ones((3, 4))
    return first, rows, tf.reshape(config.weights, [-1, config.units])
'''
    assert codes(lint(source)) == []


def test_a_layer_weight_has_the_shape_it_is_added_with(explain: Callable[..., str]) -> None:
    source = '''
import keras


class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], 8), initializer="zeros")

    def call(self, x):
        y = x @ self.kernel
        return y


def run():
    z = Scale()(keras.Input((4, 16)))
    return z
'''
    assert shapes_of(explain(source, "run"))["z"] == "(batch, 4, 8)"


def test_a_tensor_passed_where_a_layer_takes_its_width_is_reported(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import keras


def conv(x, filters, name):
    return keras.layers.Conv2D(filters, 3, padding="same", name=name)(x)


def build(config):
    x = keras.Input((config.N, config.N, 1))
    for i, f in enumerate(config.filters):
        x = conv({args}, f"conv{{i}}")
    return keras.layers.Dense(config.classes)(x)
'''
    found = lint(source.format(args="f, x"))
    assert codes(found) == [(12, "SC101")]
    assert "`filters` of Conv2D is a count" in found[0].message
    assert codes(lint(source.format(args="x, f"))) == []


def test_a_tensor_inside_a_shape_list_is_reported(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import tensorflow as tf


def to_channels(x, channels):
    h, w = x.shape[1], x.shape[2]
    return tf.transpose(tf.reshape(x, [-1, channels, h, w]), [0, 2, 3, 1])


def unflatten(offsets, channels):
    return to_channels({args})


def run():
    return unflatten(tf.zeros((8, 2)), 4)
'''
    found = lint(source.format(args="channels, offsets[:, None, :, None]"), all_files=True)
    assert codes(found) == [(15, "SC101")]
    assert "entry 1 of the shape given to `tf.reshape` is a tensor of shape (8, 1, 2, 1)" in found[0].message
    assert codes(lint(source.format(args="offsets[:, None, :, None], channels"))) == []
