"""A compiled (jit_compile=True) training step with shapecheck ``off`` vs ``trace`` vs ``strict``.

The step runs a small ptychography-shaped model: channel images ``(B, H, W, C)`` with
offsets ``(B, 1, 2, C)`` go through contracted helpers (channel -> flat layout, a contracted
Keras layer, flat -> channel) and a convolution, with an SGD update. ``off`` builds the model
with checking off at decoration (the functions are the undecorated ones); ``trace`` checks
only while tracing, so its compiled step must cost the same (target ratio <= 1.01);
``strict`` adds the XLA-proof run-time checks (reported for information).
Run: ``python benchmarks/bench_train_step_modes.py [--steps 200 --rounds 7]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def build_step(mode_name: str, batch: int, size: int, channels: int, dynamic_batch: bool) -> tuple[Any, tuple[Any, ...]]:
    import keras
    import tensorflow as tf

    import shapecheck
    from shapecheck import Float32

    with shapecheck.mode(mode_name):

        @shapecheck.check
        def channel_to_flat(images: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B*C H W 1"]:
            shape = tf.shape(images)
            moved = tf.transpose(images, [0, 3, 1, 2])
            return tf.reshape(moved, [shape[0] * shape[3], shape[1], shape[2], 1])

        @shapecheck.check
        def flat_to_channel(
            flat: Float32[tf.Tensor, "B*C H W 1"], like: Float32[tf.Tensor, "B H W C"]
        ) -> Float32[tf.Tensor, "B H W C"]:
            shape = tf.shape(like)
            grouped = tf.reshape(flat, [shape[0], shape[3], shape[1], shape[2]])
            return tf.transpose(grouped, [0, 2, 3, 1])

        @shapecheck.check
        def shift(images: Float32[tf.Tensor, "B H W C"], offsets: Float32[tf.Tensor, "B 1 2 C"]) -> Float32[tf.Tensor, "B H W C"]:
            return images + tf.reduce_mean(offsets, axis=[1, 2])[:, None, None, :]

        class Probe(keras.layers.Layer):
            def build(self, input_shape: Any) -> None:
                self.conv = keras.layers.Conv2D(1, 3, padding="same")
                self.conv.build((None, input_shape[1], input_shape[2], 1))

            @shapecheck.check
            def call(self, flat: Float32[tf.Tensor, "N H W 1"]) -> Float32[tf.Tensor, "N H W 1"]:
                return self.conv(flat)

        layer = Probe()
        layer.build((None, size, size, 1))
        optimizer = keras.optimizers.SGD(1e-3)

        signature = [
            tf.TensorSpec([None, size, size, channels]),
            tf.TensorSpec([None, 1, 2, channels]),
            tf.TensorSpec([None, size, size, channels]),
        ]

        # Batch unknown at trace time (as in Keras fit): strict mode then has run-time checks to add.
        @tf.function(jit_compile=True, input_signature=signature if dynamic_batch else None)
        def step(images: tf.Tensor, offsets: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as tape:
                moved = shift(images, offsets)
                out = flat_to_channel(layer(channel_to_flat(moved)), moved)
                loss = tf.reduce_mean((out - target) ** 2)
            grads = tape.gradient(loss, layer.trainable_variables)
            optimizer.apply_gradients(zip(grads, layer.trainable_variables))
            return loss

        rng = tf.random.Generator.from_seed(0)
        args = (
            rng.normal((batch, size, size, channels)),
            rng.normal((batch, 1, 2, channels)),
            rng.normal((batch, size, size, channels)),
        )
        step(*args)  # trace and compile under this mode
    return step, args


def graph_op_types(step: Any, args: tuple[Any, ...]) -> list[str]:
    """Op types of the traced step (before XLA): what each mode adds to the graph."""
    return [op.type for op in step.get_concrete_function(*args).graph.get_operations()]


def time_steps(step: Any, args: tuple[Any, ...], steps: int) -> tuple[float, float]:
    """(wall, CPU) seconds per step; CPU time (all of this process's threads) is the one
    other processes' load disturbs least."""
    start, cpu = time.perf_counter(), time.process_time()
    loss = None
    for _ in range(steps):
        loss = step(*args)
    float(loss)  # wait for the last step
    return (time.perf_counter() - start) / steps, (time.process_time() - cpu) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--static-batch", action="store_true", help="trace with the concrete batch size")
    opts = parser.parse_args()

    modes = ("off", "trace", "strict")
    steps = {m: build_step(m, opts.batch, opts.size, opts.channels, not opts.static_batch) for m in modes}
    samples: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    for _ in range(opts.rounds):  # interleaved rounds: background load hits every mode alike
        for m in modes:
            samples[m].append(time_steps(*steps[m], opts.steps))
    batch_note = "static" if opts.static_batch else "None at trace time"
    print(f"jit_compile=True train step, batch {opts.batch} ({batch_note}), {opts.size}x{opts.size}x{opts.channels}, "
          f"{opts.rounds} rounds x {opts.steps} steps")
    for clock, which in (("wall", 0), ("CPU", 1)):
        print(f"{clock:<5}{'mode':<8} {'best ms':>9} {'median ms':>10} {'best/off':>9} {'median/off':>11} {'graph ops':>10}")
        base = [s[which] for s in samples["off"]]
        for m in modes:
            values = [s[which] for s in samples[m]]
            best, med = min(values), statistics.median(values)
            ops = graph_op_types(*steps[m])
            print(f"{'':<5}{m:<8} {best * 1e3:9.3f} {med * 1e3:10.3f} {best / min(base):9.3f} "
                  f"{med / statistics.median(base):11.3f} {len(ops):10d}")
    same = graph_op_types(*steps["trace"]) == graph_op_types(*steps["off"])
    print(f"trace-mode step graph identical to off-mode graph (op by op): {same}")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
