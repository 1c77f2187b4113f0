"""Paths that end and arms the code guards itself (issue 9, false SC101s on tf-models-official
once helpers in other modules were analysed per call): an ``if`` arm that runs only under an
undecided test of shapes or ranks is not proven to run; an arm that raises or returns adds no
path past its ``if``."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck.findings import Finding

from conftest import codes

LOSSES = '''
import tensorflow as tf


def adjust(labels, logits):
    """Drop a trailing 1 from the labels when they have as many axes as the logits."""
    labels = tf.cast(labels, tf.int32)
    if len(logits.shape) == len(labels.shape):
        labels = tf.squeeze(labels, [-1])
    return labels
'''


def test_a_rank_guarded_arm_in_a_helper_is_not_reported_at_a_call(lint: Callable[..., list[Finding]]) -> None:
    user = '''
import numpy as np
from losses import adjust


def score(model, features):
    logits = model(features)          # rank unknown here
    labels = np.zeros((3, 21), np.int32)
    return adjust(labels, logits)
'''
    assert codes(lint({"user.py": user, "losses.py": LOSSES})) == []


def test_a_rank_guard_decided_by_known_ranks_takes_one_arm(lint: Callable[..., list[Finding]]) -> None:
    # both ranks are known: the guard is decided, the squeeze runs and fails
    user = '''
import tensorflow as tf
from losses import adjust


def score():
    labels = tf.zeros((3, 21))
    logits = tf.zeros((3, 5))
    return adjust(labels, logits)
'''
    assert codes(lint({"user.py": user, "losses.py": LOSSES})) == [(9, "SC101")]


def test_an_unguarded_failure_in_the_same_helper_is_still_reported(lint: Callable[..., list[Finding]]) -> None:
    helper = '''
import tensorflow as tf


def adjust(labels, logits):
    if logits is None:
        labels = tf.squeeze(labels, [-1])
    return labels
'''
    user = '''
import tensorflow as tf
from losses import adjust


def score(logits):
    return adjust(tf.zeros((3, 21)), logits)
'''
    assert codes(lint({"user.py": user, "losses.py": helper})) == [(7, "SC101")]


def test_an_arm_that_raises_ends_its_path(lint: Callable[..., list[Finding]]) -> None:
    # the shape of an affine-transform helper: rank 1 is lifted, any rank but 2 raises; the
    # caller passes rank 3 on purpose to see the error, so nothing after the raise runs for it
    helper = '''
import tensorflow as tf


def to_transform(shifts):
    shifts = tf.convert_to_tensor(shifts, dtype=tf.float32)
    if len(shifts.shape) == 1:
        shifts = shifts[None]
    elif len(shifts.shape) != 2:
        raise TypeError("shifts must have rank 1 or 2")
    n = tf.shape(shifts)[0]
    ones = tf.ones((n, 1))
    return tf.concat([ones, -shifts[:, 0, None], ones, -shifts[:, 1, None]], axis=1)
'''
    user = '''
from affine import to_transform


def refused():
    return to_transform([[[1.0, 1.0]]])


def lifted():
    return to_transform([1.0, 1.0])
'''
    assert codes(lint({"user.py": user, "affine.py": helper})) == []


def test_code_after_a_raise_in_both_arms_is_not_reached(lint: Callable[..., list[Finding]]) -> None:
    code = '''
import tensorflow as tf


def f(flag):
    x = tf.zeros((2, 3))
    if flag:
        raise ValueError("no")
    else:
        return x
    return tf.reshape(x, (4, 4))
'''
    assert codes(lint(code)) == []


def test_a_branch_that_returns_early_keeps_the_other_paths_values(lint: Callable[..., list[Finding]]) -> None:
    # after `if flag: return`, x is the (2, 3) of the fall-through path only: the reshape fails
    code = '''
import tensorflow as tf


def f(flag):
    x = tf.zeros((2, 3))
    if flag:
        x = tf.zeros((4, 4))
        return x
    return tf.reshape(x, (4, 4))
'''
    assert codes(lint(code)) == [(10, "SC104")]


def test_a_handler_that_re_raises_adds_no_path(lint: Callable[..., list[Finding]]) -> None:
    code = '''
import tensorflow as tf


def f(path):
    x = tf.zeros((2, 3))
    try:
        x = tf.zeros((4, 4))
    except OSError:
        x = tf.zeros((5, 5))
        raise
    return tf.reshape(x, (4, 4))
'''
    assert codes(lint(code)) == []


def test_a_decided_guard_that_raises_ends_the_path(lint: Callable[..., list[Finding]]) -> None:
    code = '''
import tensorflow as tf


def refused():
    shifts = tf.zeros((1, 1, 2))
    if len(shifts.shape) == 1:
        shifts = shifts[None]
    elif len(shifts.shape) != 2:
        raise TypeError("shifts must have rank 1 or 2")
    ones = tf.ones((1, 1))
    return tf.concat([ones, shifts[:, 0, None]], axis=1)
'''
    assert codes(lint(code)) == []


def test_a_block_a_test_expects_to_fail_is_not_reported(lint: Callable[..., list[Finding]]) -> None:
    # tensorflow-recommenders' dot_interaction_test: the mismatch is what the test checks
    source = '''
import unittest

import numpy as np
import pytest
import tensorflow as tf


class ReshapeTest(unittest.TestCase):
    def test_non_matching(self):
        with self.assertRaisesRegex(ValueError, "must be equal"):
            tf.reshape(np.zeros((1, 8)), [1, -1, 3])


def test_with_pytest():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.reshape(np.zeros((1, 8)), [1, -1, 3])


def test_unexpected():
    return tf.reshape(np.zeros((1, 8)), [1, -1, 3])
'''
    assert codes(lint(source)) == [(21, "SC104")]


def test_a_branch_on_a_known_string_setting_takes_one_arm(lint: Callable[..., list[Finding]]) -> None:
    # tf-models-official nhnet: AttentionBias(bias_type="single_cross") never runs the rank-3 arm
    source = '''
import keras
import tensorflow as tf


def attention_bias(inputs, bias_type):
    if bias_type == "single_cross":
        length = tf.shape(inputs)[1]
    elif bias_type == "multi_cross":
        length = tf.shape(inputs)[2]
    else:
        raise ValueError(bias_type)
    return tf.zeros((length, length))


class AttentionBias(keras.layers.Layer):
    def __init__(self, bias_type, **kwargs):
        super().__init__(**kwargs)
        self.bias_type = bias_type

    def call(self, inputs):
        return attention_bias(inputs, self.bias_type)


def run():
    ids = keras.Input((10,), dtype="int32")
    single = AttentionBias(bias_type="single_cross")(ids)
    multi = AttentionBias(bias_type="multi_cross")(ids)
    return single, multi
'''
    assert codes(lint(source)) == [(28, "SC101")]  # only the layer set up for rank-3 inputs


def test_grouped_query_heads_repeated_on_their_axis_are_not_a_batch_stretch(lint: Callable[..., list[Finding]]) -> None:
    # keras-hub smollm3: key heads repeated num_heads // num_kv_heads times on axis 2
    source = '''
import tensorflow as tf


def attend(query, key):
    num_heads, num_kv_heads = tf.shape(query)[2], tf.shape(key)[2]
    key = tf.repeat(key, num_heads // num_kv_heads, axis=2)
    return tf.einsum("bqhd,bkhd->bhqk", query, key)


def stretch(features, boxes):
    n_feat = tf.shape(features)[0]
    n_box = tf.shape(boxes)[0]
    return tf.repeat(boxes, n_feat // n_box, axis=0)


def run():
    q = tf.zeros((2, 5, 8, 16))
    k = tf.zeros((2, 5, 2, 16))
    return attend(q, k)
'''
    assert codes(lint(source)) == [(14, "SC106")]
