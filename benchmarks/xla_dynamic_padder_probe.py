"""Which ops XLA's dynamic padder rejects, per source of a bounded-dynamic dim (the facts SC204 rests on).

    python benchmarks/xla_dynamic_padder_probe.py [--sources mask where ...] [--consumers fft2d ...]

Each (source, consumer) pair is one ``tf.function(jit_compile=True)`` applied to a (8, 16) tensor
passed as an argument (so that nothing is constant-folded). A source makes a dim whose size
depends on tensor values: ``boolean_mask``, ``tf.where(c)`` + gather, ``unique`` + gather,
``dynamic_partition``, a slice bounded by tensor data, a ``tf.while_loop`` that grows a loop
variable under ``shape_invariants``, a ``tf.cond`` whose branches slice different lengths. A
consumer applies one op to it. Printed: ``ok`` or the first line of XLA's error. Before the
table, each source is run alone and its result shape printed (the proof it made a dynamic dim).
Copy what the table says into ``rules/packs/xla_ops.toml`` ([dynamic_dim_consumers]).
"""

from __future__ import annotations

import argparse
import os
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")

    def src_mask(x: tf.Tensor) -> tf.Tensor:
        return tf.boolean_mask(x, x[:, 0] > 0.5)

    def src_where(x: tf.Tensor) -> tf.Tensor:
        return tf.gather(x, tf.where(x[:, 0] > 0.5)[:, 0])

    def src_unique(x: tf.Tensor) -> tf.Tensor:
        u, _ = tf.unique(tf.cast(x[:, 0] * 4, tf.int32))
        return tf.gather(x, u % 8)

    def src_partition(x: tf.Tensor) -> tf.Tensor:
        return tf.dynamic_partition(x, tf.cast(x[:, 0] > 0.5, tf.int32), 2)[1]

    def src_slice(x: tf.Tensor) -> tf.Tensor:
        n = tf.cast(tf.reduce_max(x[:, 0]) * 4, tf.int32) + 2
        return x[:n]

    def src_while(x: tf.Tensor) -> tf.Tensor:
        def cond(i: tf.Tensor, acc: tf.Tensor) -> tf.Tensor:
            return i < tf.cast(tf.reduce_sum(x), tf.int32) % 3 + 1

        def body(i: tf.Tensor, acc: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            return i + 1, tf.concat([acc, x[:1]], 0)

        _, acc = tf.while_loop(cond, body, [tf.constant(0), x[:1]],
                               shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 16])], maximum_iterations=7)
        return acc

    def src_cond(x: tf.Tensor) -> tf.Tensor:
        return tf.cond(tf.reduce_sum(x) > 64.0, lambda: x[:4], lambda: x[:6])

    sources: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
        "boolean_mask": src_mask, "where": src_where, "unique": src_unique, "dynamic_partition": src_partition,
        "data_slice": src_slice, "while_loop": src_while, "cond_unequal": src_cond,
    }
    consumers: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
        "elementwise": lambda y: y * 2.0 + 1.0,
        "reduce_sum": lambda y: tf.reduce_sum(y),
        "reduce_mean_axis0": lambda y: tf.reduce_mean(y, axis=0),
        "center_axis0": lambda y: y - tf.reduce_mean(y, axis=0, keepdims=True),
        "softmax_axis0": lambda y: tf.nn.softmax(y, axis=0),
        "fft_last_axis": lambda y: tf.signal.fft(tf.complex(y, 0.0)),
        "fft_dynamic_axis": lambda y: tf.signal.fft(tf.complex(tf.transpose(y), 0.0)),
        "rfft": lambda y: tf.signal.rfft(y),
        "fft2d": lambda y: tf.signal.fft2d(tf.complex(y, 0.0)),
        "matmul_contracted": lambda y: tf.matmul(y, y, transpose_a=True),
        "matmul_rows": lambda y: tf.matmul(y, tf.ones([16, 4])),
        "matmul_batch": lambda y: tf.matmul(y[:, None, :], tf.ones([1, 16, 4])),
        "einsum_batch": lambda y: tf.einsum("bi,bj->bij", y, y),
        "reshape_flat": lambda y: tf.reshape(y, [-1]),
        "reshape_split": lambda y: tf.reshape(y, [-1, 4, 4]),
        "tile_dynamic_axis": lambda y: tf.tile(y, [2, 1]),
        "repeat_axis0": lambda y: tf.repeat(y, 2, axis=0),
    }
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", nargs="*", default=list(sources), choices=list(sources))
    ap.add_argument("--consumers", nargs="*", default=list(consumers), choices=list(consumers))
    args = ap.parse_args()
    x = tf.constant(np.random.default_rng(0).random((8, 16)).astype("float32"))

    def run(fn: Callable[[tf.Tensor], tf.Tensor]) -> str:
        try:
            out = tf.function(fn, jit_compile=True)(x)
            return f"ok {tuple(out.shape)}"
        except Exception as exc:  # noqa: BLE001 - the error text is the measurement
            lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
            key = next((ln for ln in lines if "propagate" in ln or "RET_CHECK" in ln or "must be" in ln
                        or "do not match" in ln), lines[0] if lines else type(exc).__name__)
            return "FAIL " + key.strip()[:160]

    print(f"TensorFlow {tf.__version__}, devices {[d.device_type for d in tf.config.list_logical_devices()]}")
    for s in args.sources:
        print(f"{s:18s} {'(alone)':18s} {run(sources[s])}", flush=True)
    for s in args.sources:
        for c in args.consumers:
            result = run(lambda t, sf=sources[s], cf=consumers[c]: cf(sf(t)))
            print(f"{s:18s} {c:18s} {'ok' if result.startswith('ok') else result}", flush=True)


if __name__ == "__main__":
    main()
