"""Shape bugs in code with no contract anywhere: the analyser gets shapes from what the code says."""

from __future__ import annotations

from conftest import codes

POOL = '''import tensorflow as tf


def pool(features, boxes):
    n_feat = tf.shape(features)[0]
    n_box = tf.shape(boxes)[0]
    def stretch():
        return tf.tile(boxes, [n_feat // n_box, 1])
    return tf.cond(n_feat > n_box, stretch, lambda: boxes)
'''

ALIGN = '''import tensorflow as tf


def align(keys, values):
    values = tf.reshape(values, [-1, 2])
    idx = tf.math.floormod(tf.range(tf.shape(keys)[0]), tf.shape(values)[0])
    return tf.gather(values, idx)
'''


def test_tile_by_a_ratio_of_two_batches_in_a_cond_branch_closure(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(POOL)
    assert codes(findings) == [(8, "SC106")]
    assert "tf.shape(features)[0] // tf.shape(boxes)[0]" in findings[0].message


def test_range_modulo_the_batch_of_a_reassigned_tensor(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(ALIGN)
    assert codes(findings) == [(7, "SC106")]
    assert "range(tf.shape(keys)[0]) % tf.shape(values)[0]" in findings[0].message


def test_same_dim_read_twice_is_not_two_batches(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def f(x, y):
    n = tf.shape(x)[0]
    idx = tf.range(tf.shape(x)[0]) % n
    k = tf.shape(x)[0] // x.shape[0]
    a = tf.gather(y, idx)
    return tf.tile(a, [k, 1]), tf.tile(a, [n // 2, 1]), tf.repeat(a, 4 // 2, axis=0)
'''
    assert lint(src) == []


def test_dims_of_the_contract_in_another_order_are_a_likely_swap(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf
from shapecheck import Float32


def use(imgs: Float32[tf.Tensor, "B H W C"], mask: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B H W C"]:
    return imgs * mask


def caller(a: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B H W C"]:
    same = use(a, tf.transpose(a, [0, 1, 2, 3]))
    return use(a, tf.transpose(a, [0, 2, 1, 3]))


def flip(x: Float32[tf.Tensor, "B N N"], y: Float32[tf.Tensor, "B 2 2"]) -> Float32[tf.Tensor, "N B N"]:
    return tf.transpose(x, [1, 0, 2])
'''
    findings = lint(src)
    assert codes(findings) == [(11, "SC101")]
    assert "likely swapped dims 1, 2" in findings[0].message


def test_axes_perms_and_indices_out_of_range_at_a_known_rank(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def f(n):
    x = tf.zeros([n, 4, 4])
    a = tf.reduce_mean(x, axis=3)
    b = tf.expand_dims(x, 4)
    c = tf.transpose(x, [0, 2, 1, 3])
    d = tf.concat([x, x], axis=-4)
    e = tf.gather(x, [0, 1], axis=3)
    g = tf.signal.fftshift(x, axes=(1, 3))
    h = x.shape[3]
    i = x[:, 0, 0, 0]
    j = tf.pad(x, [[0, 0], [1, 1]])
    k = tf.squeeze(x, axis=1)
    ok = (tf.reduce_mean(x, axis=-1), tf.expand_dims(x, 3), tf.stack([x, x], axis=3), x.shape[-3], x[:, 0, 0])
    return a, b, c, d, e, g, h, i, j, k, ok
'''
    assert codes(lint(src)) == [(i, "SC101") for i in range(6, 16)]
