"""tf.distribute.MirroredStrategy on two logical CPUs: contracts hold per replica.

Logical devices must be configured before TensorFlow initialises, so the scenario runs in a
fresh interpreter and reports back as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tf, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = textwrap.dedent(
    '''
    import json
    import numpy as np
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

    import keras
    from shapecheck import Float32, ShapeContractError, check

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    seen = []

    @check
    def per_replica(x: Float32[tf.Tensor, "B 3"], y: Float32[tf.Tensor, "B"]) -> Float32[tf.Tensor, "B"]:
        seen.append(x.shape[0])
        return tf.reduce_sum(x, axis=1) + y

    x = np.ones((16, 3), np.float32)
    y = np.ones((16,), np.float32)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8, drop_remainder=True)
    dist = strategy.experimental_distribute_dataset(dataset)

    @tf.function
    def step(inputs):
        return strategy.run(lambda a, b: per_replica(a, b), args=inputs)

    totals = []
    for batch in dist:
        out = step(batch)
        totals.append([float(tf.reduce_sum(v)) for v in strategy.experimental_local_results(out)])

    @tf.function
    def bad_step(inputs):
        return strategy.run(lambda a, b: per_replica(a, b[:-1]), args=inputs)

    error = None
    try:
        bad_step(next(iter(dist)))
    except ShapeContractError as exc:
        error = str(exc)

    @check(mode="strict")
    def strict_pair(x: Float32[tf.Tensor, "B 3"], y: Float32[tf.Tensor, "B"]) -> Float32[tf.Tensor, "B"]:
        return tf.reduce_sum(x, axis=1)  # y only read for its contract

    def unknown_batch(a, b):
        keep = tf.reduce_sum(a, axis=1) > -1.0  # always true, but B becomes None in the graph
        return tf.boolean_mask(a, keep), tf.boolean_mask(b, keep)

    @tf.function
    def strict_step(inputs):
        return strategy.run(lambda a, b: strict_pair(*unknown_batch(a, b)), args=inputs)

    @tf.function
    def strict_bad_step(inputs):
        def replica(a, b):
            a2, b2 = unknown_batch(a, b)
            return strict_pair(a2, tf.concat([b2, b2[:1]], 0))

        return strategy.run(replica, args=inputs)

    strict_ok = all(strict_step(batch) is not None for batch in dist)
    strict_error = None
    try:
        for batch in dist:
            strict_bad_step(batch)
    except tf.errors.InvalidArgumentError as exc:
        strict_error = str(exc)

    class Scale(keras.layers.Layer):
        @check
        def call(self, x: Float32[tf.Tensor, "B 3"]) -> Float32[tf.Tensor, "B 3"]:
            return x * 2.0

    with strategy.scope():
        inputs = keras.Input((3,))
        model = keras.Model(inputs, keras.layers.Dense(1)(Scale()(inputs)))
        model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y[:, None], batch_size=8, epochs=1, verbose=0)

    print("RESULT" + json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "seen": seen,
        "totals": totals,
        "error": error,
        "strict_ok": strict_ok,
        "strict_error": strict_error,
        "fit_loss_finite": bool(np.isfinite(history.history["loss"][0])),
    }))
    '''
)


def test_contracts_hold_per_replica_under_mirrored_strategy() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", SHAPECHECK_MODE="trace")
    proc = subprocess.run([sys.executable, "-c", SCENARIO], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("RESULT"))
    result = json.loads(line[len("RESULT") :])
    assert result["replicas"] == 2
    assert result["seen"] and set(result["seen"]) == {4}  # each replica saw its own half batch
    assert result["totals"] == [[16.0, 16.0], [16.0, 16.0]]
    assert result["error"] is not None
    assert "argument 'y'" in result["error"] and "dim 0 is 3 but B=4" in result["error"]
    assert result["fit_loss_finite"]
    assert result["strict_ok"]
    assert result["strict_error"] and "shapecheck_contract/strict_pair/arg_y/dim0_must_be_B" in result["strict_error"]
