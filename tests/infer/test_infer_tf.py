"""``shapecheck infer`` on TensorFlow code: eager calls, tf.function traces (``None`` dims),
Keras layer ``call``, AutoGraph still converting recorded functions. Slow: runs TensorFlow."""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

import pytest

from shapecheck.cli.main import run
from shapecheck.static.packs import load_packs

pytestmark = [pytest.mark.slow, pytest.mark.tf]

MODULE = '''
import keras
import tensorflow as tf


def to_flat(x):
    """``(B, N, N, C) -> (B*C, N, N, 1)``"""
    n = x.shape[1]
    return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [-1, n, n, 1])


def clip_rows(x, limit):
    # Python control flow on a tensor: only works in a graph if AutoGraph converts this function
    if tf.reduce_sum(x) > limit:
        x = x * 0.0
    return x


@tf.function
def doubled(x):
    return x * 2.0


class Scale(keras.layers.Layer):
    def call(self, inputs, training=None):
        return inputs * 2.0
'''

DRIVER = '''
import numpy as np
import tensorflow as tf
from tpkg import ops

outs = []
for b, c in [(2, 3), (3, 4)]:
    outs.append(ops.to_flat(tf.ones((b, 8, 8, c))).shape.as_list())

@tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 2])])
def traced(x):
    return ops.to_flat(x)

outs.append(traced(tf.ones((5, 8, 8, 2))).shape.as_list())

@tf.function
def graph_clip(x):
    return ops.clip_rows(x, 3.0)

outs.append(float(tf.reduce_sum(graph_clip(tf.ones((2, 4))))))

@tf.function(input_signature=[tf.TensorSpec([None, 5])])
def traced_double(x):
    return ops.doubled(x)

outs.append(ops.doubled(tf.ones((2, 5))).shape.as_list())
outs.append(ops.doubled(tf.ones((3, 5))).shape.as_list())
outs.append(traced_double(tf.ones((4, 5))).shape.as_list())
layer = ops.Scale()
outs.append(layer(tf.ones((3, 6))).shape.as_list())
model = __import__("keras").Sequential([__import__("keras").Input((6,)), layer])
outs.append(model(np.ones((4, 6), np.float32)).shape.as_list())
print("RESULT", outs)
'''


def test_tf_eager_traced_keras_and_autograph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "tpkg").mkdir()
    (tmp_path / "tpkg" / "__init__.py").write_text("")
    (tmp_path / "tpkg" / "ops.py").write_text(textwrap.dedent(MODULE))
    (tmp_path / "drive.py").write_text(textwrap.dedent(DRIVER))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    out = io.StringIO()
    code = run(["infer", "--packages", "tpkg", "-o", "pack.toml", "--", sys.executable, "drive.py"], out, io.StringIO())
    printed = capfd.readouterr()
    assert code == 0, printed.err[-2000:]
    # the same results as without the recorder; clip_rows ran converted (a graph `if` on a tensor)
    assert "RESULT [[6, 8, 8, 1], [12, 8, 8, 1], [10, 8, 8, 1], 0.0, [2, 5], [3, 5], [4, 5], [3, 6], [4, 6]]" in printed.out, printed.err[-2000:]
    stubs = load_packs([tmp_path / "pack.toml"]).stubs
    assert stubs["tpkg.ops.to_flat"].signature.text == "B 8 8 C -> B*C 8 8 1"
    assert stubs["tpkg.ops.doubled"].signature.text == "B 5 -> B 5"  # a module-level tf.function
    assert stubs["tpkg.ops.Scale"].kind == "layer"
    assert stubs["tpkg.ops.Scale"].signature.text == "B 6 -> B 6"  # batch None while Keras traced it
