"""A parameter annotated ``int``/``float``/``bool``/``complex`` is a number (rank 0): a tensor of
known rank >= 1 passed to it is SC101, the annotation being the contract (swapped arguments)."""

from __future__ import annotations

from conftest import codes

GROUPS = '''import numpy as np
from shapecheck import Float, Integer, check


@check
def nearest_neighbours(positions: Float[np.ndarray, "K 2"], count: int) -> Integer[np.ndarray, "K J"]:
    """For every position, the indices of its ``count`` nearest other positions."""
    dist = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    return np.argsort(dist, axis=1)[:, 1 : count + 1]
'''


def test_a_contracted_array_passed_where_the_count_goes(lint) -> None:  # type: ignore[no-untyped-def]
    """The helper lives in another module; the caller's arguments are swapped."""
    caller = '''import numpy as np
from shapecheck import Float
from pkg.groups import nearest_neighbours


def nearest_groups(positions: Float[np.ndarray, "K 2"], c: int):
    nearest = nearest_neighbours(c - 1, positions)
    return np.stack([nearest[i] for i in range(len(positions))])
'''
    findings = lint({"pkg/caller.py": caller, "pkg/groups.py": GROUPS, "pkg/__init__.py": ""})
    assert codes(findings) == [(7, "SC101")]
    message = findings[0].message
    assert "`count` of `nearest_neighbours` is annotated `int`" in message and "rank-2 tensor (K, 2)" in message


def test_the_same_call_in_order_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    caller = '''import numpy as np
from shapecheck import Float
from pkg.groups import nearest_neighbours


def nearest_groups(positions: Float[np.ndarray, "K 2"], c: int):
    nearest = nearest_neighbours(positions, c - 1)
    return np.stack([nearest[i] for i in range(len(positions))])
'''
    assert lint({"pkg/caller.py": caller, "pkg/groups.py": GROUPS, "pkg/__init__.py": ""}) == []


KERAS = '''from typing import Any

import keras


def _conv(x: Any, filters: int, name: str) -> Any:
    return keras.layers.Conv2D(filters, 3, padding="same", name=name)(x)


def encoder(filters: tuple[int, ...]):
    x = inputs = keras.Input((32, 32, 4))
    for i, f in enumerate(filters):
        x = {call}
        x = keras.layers.MaxPooling2D(2)(x)
    return keras.Model(inputs, x)
'''


def test_a_keras_tensor_passed_as_the_filter_count_of_an_unannotated_helper(lint) -> None:  # type: ignore[no-untyped-def]
    """No shape contract anywhere: the helper's ``filters: int`` is enough; the loop reassigns ``x``."""
    findings = lint(KERAS.format(call='_conv(f, x, f"conv{i}")'))
    assert codes(findings) == [(13, "SC101")]
    assert "`filters` of `_conv`" in findings[0].message and "rank-4" in findings[0].message


def test_the_helper_called_right_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(KERAS.format(call='_conv(x, f, f"conv{i}")')) == []


def test_a_method_through_self_and_a_float_parameter(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf
from shapecheck import Float32


class Blur:
    def kernel(self, sigma: float, size: int):
        x = tf.range(size, dtype=tf.float32) - size / 2
        return tf.exp(-(x**2) / (2 * sigma**2))

    def apply(self, images: Float32[tf.Tensor, "B H W 1"], sigma: float):
        k = self.kernel(images, 5)
        return images * k[None, None, :, None]
'''
    findings = lint(src)
    assert codes(findings) == [(11, "SC101")]
    assert "`sigma` of `kernel` is annotated `float`" in findings[0].message


def test_scalars_and_unknown_values_are_never_reported(lint) -> None:  # type: ignore[no-untyped-def]
    """A rank-0 tensor, ``len`` of a tensor, a value of unknown rank: all may be numbers."""
    src = '''import tensorflow as tf
from shapecheck import Float32


def tile_rows(x, times: int):
    return tf.tile(x, [times, 1])


def run(images: Float32[tf.Tensor, "B H W C"], other):
    total = tf.reduce_sum(images)
    a = tile_rows(images[:, :, 0, 0], tf.shape(images)[0])
    b = tile_rows(images[:, :, 0, 0], len(images))
    c = tile_rows(images[:, :, 0, 0], other)
    d = tile_rows(images[:, :, 0, 0], tf.cast(total, tf.int32))
    return a, b, c, d
'''
    assert lint(src) == []


DECODER = '''from typing import Any

import keras


def decoder(x: Any, filters: tuple[int, ...], channels: int) -> Any:
    for i, f in enumerate(reversed(filters[:-1])):
        x = keras.layers.UpSampling2D(2)(x)
        x = keras.layers.Conv2D(f, 3, padding="same")(x)
    return keras.layers.Conv2D(channels, 3, padding="same")(x)


def build(widths: tuple[int, ...], c: int):
    x = inputs = keras.Input((64, 64, c))
    for f in widths:
        x = keras.layers.Conv2D(f, 3, padding="same")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    return keras.Model(inputs, {call})
'''


def test_a_keras_tensor_passed_as_a_tuple_of_ints(lint) -> None:  # type: ignore[no-untyped-def]
    """``tuple[int, ...]`` holds rank-1 values at most: the encoder's output is rank 4."""
    findings = lint(DECODER.format(call="decoder(widths, x, c)"))
    assert codes(findings) == [(18, "SC101")]
    assert "annotated `tuple[int, ...]` (a sequence of numbers, rank 1)" in findings[0].message


def test_the_decoder_called_right_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(DECODER.format(call="decoder(x, widths, c)")) == []


def test_a_shape_vector_may_go_where_a_tuple_of_ints_is_annotated(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def canvas(size: tuple[int, ...], fill: float):
    return tf.fill(size, fill)


def like(x):
    x = tf.ensure_shape(x, [4, 8, 8])
    return canvas(tf.shape(x), 0.0), canvas(tf.constant([8, 8]), 1.0)
'''
    assert lint(src) == []


def test_a_parameter_the_docstring_calls_a_tensor_is_not_a_number(lint) -> None:  # type: ignore[no-untyped-def]
    """tf-models-official annotates an index tensor ``int``; its docstring says what it is.
    Arguments after ``*tensors`` fill no keyword-only parameter (the second false finding there)."""
    src = '''import tensorflow as tf


def rows_cols(indices: int, num_cols: int, num_channels: int):
    """Computes row, column and channel indices from flattened indices.

    Args:
      indices: An `int` tensor of any shape holding the indices in the flattened
        space.
      num_cols: `int`, number of columns in the image (width).
      num_channels: `int`, number of channels in the image.
    """
    return (indices // num_channels) // num_cols


def cartesian_product(*tensors, repeat: int = 1) -> tf.Tensor:
    return tf.stack(tf.meshgrid(*(tensors * repeat), indexing="ij"), axis=-1)


def locations(width, height):
    indices = tf.reshape(tf.range(height * width), [1, -1])
    batch_indices = tf.ones((5, 1), dtype=tf.int32) * indices
    return rows_cols(batch_indices, width, 1), cartesian_product(tf.range(3), tf.range(2)), rows_cols(1, batch_indices, 1)
'''
    findings = lint(src)
    assert codes(findings) == [(23, "SC101")]
    assert "`num_cols`" in findings[0].message
