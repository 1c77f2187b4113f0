"""``tf.data`` pipelines (issue 9: ``Dataset.map`` functions were not analysed as calls): a
dataset is the value of one element; ``map`` runs its function on one element."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck.findings import Finding

from conftest import codes, shapes_of

PIPELINE = '''
import numpy as np
import tensorflow as tf


def augment(image, label):
    flipped = tf.reverse(image, axis=[1])
    return tf.reshape(flipped, [{flat}]), tf.one_hot(label, 10)


def pipeline():
    images = np.zeros((600, 28, 28), np.float32)
    labels = np.zeros((600,), np.int64)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(100).map(augment)
    ds = ds.batch(32, drop_remainder=True).prefetch(2)
    for x, y in ds:
        batch_x = x
        batch_y = y
    return ds
'''


def test_a_mapped_function_gets_one_element_and_batches_add_a_dim(explain: Callable[..., str]) -> None:
    shapes = shapes_of(explain(PIPELINE.format(flat="28 * 28"), "pipeline"))
    assert shapes["batch_x"] == "(32, 784)"
    assert shapes["batch_y"].endswith("(32, 10)")


def test_a_conflict_in_the_mapped_function_is_reported_at_map(lint: Callable[..., list[Finding]]) -> None:
    found = lint(PIPELINE.format(flat="28 * 27"))
    assert codes(found) == [(14, "SC104")]
    assert "in the call to `augment`" in found[0].message
    assert codes(lint(PIPELINE.format(flat="28 * 28"))) == []


def test_a_batch_that_may_be_short_has_an_unknown_first_dim(explain: Callable[..., str]) -> None:
    source = '''
import numpy as np
import tensorflow as tf


def pipeline():
    ds = tf.data.Dataset.from_tensors(np.zeros((5, 3))).repeat().batch(4)
    for x in ds:
        item = x
    return ds.unbatch()
'''
    assert shapes_of(explain(source, "pipeline"))["item"].endswith("item: (?, 5, 3)")
