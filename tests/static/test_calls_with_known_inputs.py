"""Code without contracts, checked from the shapes its callers pass (issue 9, stripped recall):
a Keras layer's ``call`` run on inputs of known shape reports a conflict inside at the layer
call, with the chain of calls down to the line inside; a callable chosen by a condition
(``f if flag else g``) is each of them when called."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck.findings import Finding

from conftest import codes

# A layer whose translation is picked by a constructor flag, and a driver that runs both choices.
LAYER = '''
import keras
import numpy as np
import tensorflow as tf


def gather_shift(images, offsets):
    n = tf.shape(images)[0]
    h, w = tf.shape(images)[1], tf.shape(images)[2]
    return tf.reshape(images, [n, h * w])


def native_shift(images, offsets):
    return images + offsets[:, None, None, :1]


class Reassemble(keras.layers.Layer):
    def __init__(self, channels, use_gather, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.shift = gather_shift if use_gather else native_shift

    def call(self, patches, offsets):
        flat = tf.reshape(tf.transpose(patches, [0, 3, 1, 2]), [-1, 8, 8, 1])
        moved = self.shift({first}, {second})
        return tf.reduce_sum(tf.reshape(moved, [-1, self.channels, 8, 8]), axis=1)


def main():
    rng = np.random.default_rng(0)
    patches = tf.constant(rng.normal(size=(2, 8, 8, 4)), tf.float32)
    offsets = tf.constant(rng.uniform(-2.0, 2.0, size=(8, 2)), tf.float32)
    for use_gather in (True, False):
        layer = Reassemble(channels=4, use_gather=use_gather)
        print(tf.function(layer)(patches, offsets).shape)
'''


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


def test_a_layer_called_on_known_inputs_reports_inside_at_the_call(lint: Callable[..., list[Finding]]) -> None:
    swapped = LAYER.format(first="offsets", second="flat")  # arguments swapped at the call of self.shift
    found = lint(swapped)
    # `tf.shape(images)[2]` of the (8, 2) offsets, found through the layer call in `main`
    call = line_of(swapped, "tf.function(layer)")
    assert codes(found) == [(call, "SC101")]
    hit = found[0]
    assert "in the call to `Reassemble.call`" in hit.message and "index 2 is out of range" in hit.message
    # the chain: the line in `call` that calls the helper, then the line inside the helper
    assert f"line {line_of(swapped, 'self.shift(offsets')}: `Reassemble.call` calls `gather_shift` here" in hit.notes
    assert f"line {line_of(swapped, 'h, w = ')}: inside `gather_shift`, here" in hit.notes


def test_the_same_layer_with_the_arguments_in_order_is_clean(lint: Callable[..., list[Finding]]) -> None:
    assert codes(lint(LAYER.format(first="flat", second="offsets"))) == []


def test_each_callable_of_a_conditional_is_called(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import tensorflow as tf


def by_rows(x):
    return tf.reshape(x, [4, 6])


def by_columns(x):
    return tf.reshape(x, [5, 6])


def pick(x, rows):
    f = by_rows if rows else by_columns
    return f(x)


def run():
    return pick(tf.zeros((4, 6)), True)
'''
    # only `by_columns` fails (24 elements into 30): reported at the call, through `pick`
    found = lint(source)
    assert codes(found) == [(line_of(source, "return pick("), "SC104")]
    assert any("inside `by_columns`" in n for n in found[0].notes)


def test_a_layer_called_on_inputs_of_unknown_shape_reports_nothing_at_the_call(lint: Callable[..., list[Finding]]) -> None:
    # nothing is known at the call: the class's own analysis is the only one
    source = LAYER.format(first="offsets", second="flat").replace(
        "print(tf.function(layer)(patches, offsets).shape)", "print(layer(load(), load()).shape)"
    )
    assert [line for line, _code in codes(lint(source))] == []


def test_a_layer_of_another_module_reports_inside_at_the_call(lint: Callable[..., list[Finding]]) -> None:
    layers = '''
import keras
import tensorflow as tf


def gather_shift(images, offsets):
    n = tf.shape(images)[0]
    h, w = tf.shape(images)[1], tf.shape(images)[2]
    return tf.reshape(images, [n, h * w])


class Reassemble(keras.layers.Layer):
    def __init__(self, channels, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels

    def call(self, patches, offsets):
        flat = tf.reshape(tf.transpose(patches, [0, 3, 1, 2]), [-1, 8, 8, 1])
        return gather_shift({args})
'''
    user = '''
import tensorflow as tf
from pk.layers import Reassemble


def main():
    layer = Reassemble(channels=4)
    return layer(tf.zeros((2, 8, 8, 4)), tf.zeros((8, 2)))
'''
    files = {"pk/main.py": user, "pk/__init__.py": "", "pk/layers.py": layers.format(args="offsets, flat")}
    found = lint(files)
    assert codes(found) == [(8, "SC101")]
    assert any(n.endswith(f"layers.py:{line_of(layers, 'h, w = ')}: inside `gather_shift`, here") for n in found[0].notes), found[0].notes
    files["pk/layers.py"] = layers.format(args="flat, offsets")
    assert codes(lint(files)) == []


def test_a_returned_closure_reports_at_the_call_that_runs_it(lint: Callable[..., list[Finding]]) -> None:
    source = '''
import numpy as np
import tensorflow as tf


def make_step(height, width):
    freq = tf.constant(np.fft.fftfreq(width), tf.float32)

    def step(images):
        return images * freq[None, None, :]

    return tf.function(step)


def main():
    step = make_step(16, 16)
    images = np.zeros((4, 16, {width}), np.float32)
    return step(tf.constant(images))
'''
    found = lint(source.format(width=17))
    assert codes(found) == [(line_of(source, "return step("), "SC101")]
    assert f"line {line_of(source, 'return images * freq')}: inside `step`, here" in found[0].notes
    assert codes(lint(source.format(width=16))) == []


PROJECTIVE = '''
import tensorflow as tf


def shift(images, offsets):
    ones = tf.ones_like(offsets[:, :1])
    zeros = tf.zeros_like(ones)
    dy, dx = offsets[:, :1], offsets[:, {dx}]
    transforms = tf.concat([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="NEAREST", fill_mode="CONSTANT",
    )


def main():
    return shift(tf.zeros((8, 16, 16, 1)), tf.zeros(({rows}, 2)))
'''


def test_projective_transforms_need_eight_coefficients(lint: Callable[..., list[Finding]]) -> None:
    # offsets[:, 2:] of an (8, 2) tensor is empty: 7 coefficients per row (tf_stubs.toml)
    found = lint(PROJECTIVE.format(dx="1:", rows=8).replace("[:, 1:]", "[:, 2:]"))
    assert codes(found) == [(17, "SC101")] and "transforms" in found[0].message
    assert codes(lint(PROJECTIVE.format(dx="1:", rows=8))) == []
    assert codes(lint(PROJECTIVE.format(dx="1:", rows=1))) == []  # one row for every image
