"""A compiled (jit_compile=True) training step with shapecheck ``off`` vs ``trace`` vs ``strict``.

The step runs a small ptychography-shaped model: channel images ``(B, H, W, C)`` with
offsets ``(B, 1, 2, C)`` go through contracted helpers (channel -> flat layout, a contracted
Keras layer, flat -> channel) and a convolution, with an SGD update. The batch is unknown
(``None``) at trace time, as in Keras ``fit``. ``off`` builds the model with checking off at
decoration (the functions are the undecorated ones); ``trace`` checks only while tracing;
``strict`` adds graph-time checks of the dims unknown at trace (target for both: within 1%
of ``off``).

Two kinds of evidence:

* structural: the op types of each mode's traced graph (``trace`` must equal ``off`` op for
  op; ``strict``'s additions are listed), and the optimized HLO that XLA compiles and runs
  for the measured inputs, compared instruction for instruction (result shape and opcode;
  names and metadata dropped). XLA compiles for the concrete input shapes, so strict's
  checks of the batch dim fold to constants and leave nothing to run: if the optimized HLO
  of ``strict`` equals ``off``'s, its per-step cost is the same by construction.
* timing: wall and CPU time (``time.process_time``: all of this process's threads) per
  step, modes interleaved round by round in a rotating order so background load hits them
  alike; min and median per mode, and the median of the per-round ratios to ``off``.

Run: ``python benchmarks/bench_train_step_modes.py [--steps 50 --rounds 30]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
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


_INSTRUCTION = re.compile(r"^\s*(?:ROOT )?%\S+ = (.+?) ([a-z][\w\-]*)\(")


def hlo_instructions(step: Any, args: tuple[Any, ...]) -> list[tuple[str, str]]:
    """(result shape, opcode) of each instruction of the optimized HLO XLA runs for ``args``,
    in its scheduled order; instruction names, computation names and metadata are dropped
    (they carry Python/Keras object names, which differ between builds)."""
    text = step.experimental_get_compiler_ir(*args)(stage="optimized_hlo")
    found = (_INSTRUCTION.match(line) for line in text.splitlines())
    return [(m.group(1), m.group(2)) for m in found if m]


def time_steps(step: Any, args: tuple[Any, ...], steps: int) -> tuple[float, float]:
    """(wall, CPU) seconds per step; CPU time (all of this process's threads) is the one
    other processes' load disturbs least."""
    start, cpu = time.perf_counter(), time.process_time()
    loss = None
    for _ in range(steps):
        loss = step(*args)
    float(loss)  # wait for the last step
    return (time.perf_counter() - start) / steps, (time.process_time() - cpu) / steps


def structure(steps: dict[str, tuple[Any, tuple[Any, ...]]]) -> None:
    ops = {m: graph_op_types(*steps[m]) for m in steps}
    hlo = {m: hlo_instructions(*steps[m]) for m in steps}
    print(f"traced graph ops: {', '.join(f'{m} {len(ops[m])}' for m in steps)}")
    print(f"  trace-mode graph identical to off-mode graph, op for op: {ops['trace'] == ops['off']}")
    added = Counter(ops["strict"]) - Counter(ops["off"])
    removed = Counter(ops["off"]) - Counter(ops["strict"])
    print(f"  strict adds {sum(added.values())} ops: " + ", ".join(f"{n} {t}" for t, n in added.most_common()))
    if removed:
        print(f"  strict lacks: {dict(removed)}")
    print(f"optimized HLO instructions XLA runs: {', '.join(f'{m} {len(hlo[m])}' for m in steps)}")
    for m in ("trace", "strict"):
        same = hlo[m] == hlo["off"]
        print(f"  {m}-mode HLO identical to off-mode HLO, instruction for instruction: {same}")
        if not same:
            extra = Counter(hlo[m]) - Counter(hlo["off"])
            print(f"    {m} adds: " + ", ".join(f"{n} {op} {shape}" for (shape, op), n in extra.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=50, help="steps per timed sample")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved samples per mode")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--static-batch", action="store_true", help="trace with the concrete batch size")
    opts = parser.parse_args()

    modes = ("off", "trace", "strict")
    steps = {m: build_step(m, opts.batch, opts.size, opts.channels, not opts.static_batch) for m in modes}
    batch_note = "static" if opts.static_batch else "None at trace time"
    print(f"jit_compile=True train step, batch {opts.batch} ({batch_note}), {opts.size}x{opts.size}x{opts.channels}")
    structure(steps)

    samples: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    for r in range(opts.rounds):  # interleaved, rotating order: background load hits every mode alike
        for m in modes[r % 3 :] + modes[: r % 3]:
            samples[m].append(time_steps(*steps[m], opts.steps))
    print(f"timing: {opts.rounds} interleaved rounds x {opts.steps} steps per mode")
    for clock, which in (("wall", 0), ("CPU", 1)):
        print(f"{clock:<5}{'mode':<8} {'min ms':>8} {'median ms':>10} {'min/off':>8} {'median/off':>11} {'median of round ratios':>23}")
        base = [s[which] for s in samples["off"]]
        for m in modes:
            values = [s[which] for s in samples[m]]
            low, med = min(values), statistics.median(values)
            paired = statistics.median(v / b for v, b in zip(values, base))
            print(f"{'':<5}{m:<8} {low * 1e3:8.3f} {med * 1e3:10.3f} {low / min(base):8.3f} "
                  f"{med / statistics.median(base):11.3f} {paired:23.3f}")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
