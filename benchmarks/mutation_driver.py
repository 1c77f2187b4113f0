"""The TensorFlow side of ``mutation_recall.py``: runs mutants on small inputs, one job per line.

Started as a subprocess by ``mutation_recall.py`` (never imported by it: TensorFlow is
imported here once, and every job re-imports the mutated copy from its own directory).
A job is one JSON line ``{"root": DIR, "target": "ptycho" | "example:REL", "mode": "off" |
"trace", "baseline": [...] (optional)}``; the answer is one JSON line ``{"outcome": [...]}``
where the outcome lists the output shapes of every case, or ends with the first exception
(its type and message), or with the first case whose shape differs from ``baseline``.

``mode`` is the shapecheck mode set before the mutated modules are imported: ``off`` is the
program's behaviour without contracts, ``trace`` the runtime checker's verdict.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import shapecheck  # noqa: E402

CASE_SECONDS = 30


class CaseTimeout(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise CaseTimeout("case time limit")


def _shape(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_shape(v) for v in value]
    if hasattr(value, "shape"):
        return list(np.shape(value))
    if isinstance(value, (int, float, bool, str)) or value is None:
        return type(value).__name__
    if hasattr(value, "__dataclass_fields__"):
        return {k: _shape(getattr(value, k)) for k in value.__dataclass_fields__}
    return type(value).__name__


def _purge(prefixes: tuple[str, ...]) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in prefixes:
            del sys.modules[name]


def _ptycho_cases() -> list[tuple[str, Callable[[], Any]]]:
    """Every public function of ptycho_core on small inputs (the layers and model included)."""
    import ptycho_core as pc
    from ptycho_core import layers, metrics, model, simulate, stitch

    rng = np.random.default_rng(0)

    def real(*shape: int) -> tf.Tensor:
        return tf.constant(rng.normal(size=shape).astype(np.float32))

    def cplx(*shape: int) -> tf.Tensor:
        return tf.constant((rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(np.complex64))

    offs = tf.constant(rng.uniform(-1.5, 1.5, size=(2, 1, 2, 4)).astype(np.float32))
    probe = simulate.make_probe(8)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("channel_to_flat", lambda: pc.channel_to_flat(real(2, 5, 6, 4))),
        ("flat_to_channel", lambda: pc.flat_to_channel(real(8, 5, 6, 1), 4)),
        ("channel_to_grid", lambda: pc.channel_to_grid(real(2, 5, 5, 4))),
        ("grid_to_channel", lambda: pc.grid_to_channel(real(2, 2, 2, 5, 5, 1))),
        ("flatten_offsets", lambda: pc.flatten_offsets(offs)),
        ("unflatten_offsets", lambda: pc.unflatten_offsets(real(8, 2), 4)),
        ("translate", lambda: pc.translate(real(3, 5, 7, 2), real(3, 2))),
        ("translate_complex", lambda: pc.translate(cplx(2, 6, 6, 1), real(2, 2))),
        ("extract_patches", lambda: pc.extract_patches(real(2, 12, 12, 1), offs, 6)),
        ("reassemble_patches", lambda: pc.reassemble_patches(real(2, 6, 6, 4), offs, 10)),
        ("reassemble_uncentred", lambda: pc.reassemble_patches(real(2, 6, 6, 4), offs, 10, False)),
        ("reassemble_chunked", lambda: pc.reassemble_patches_chunked(real(2, 6, 6, 4), offs, 10, 3)),
        ("reassemble_chunked_1", lambda: pc.reassemble_patches_chunked(real(2, 6, 6, 4), offs, 10, 4)),
        ("central_mask", lambda: pc.central_mask(6, 0.5)),
        ("reassemble_normalised", lambda: pc.reassemble_normalised(real(2, 6, 6, 4), offs, 10)),
        ("reassemble_normalised_chunked", lambda: pc.reassemble_normalised(cplx(2, 6, 6, 4), offs, 10, 0.5, 1e-3, 3)),
        ("illuminate", lambda: pc.illuminate(cplx(2, 6, 6, 4), cplx(6, 6))),
        ("diffract", lambda: pc.diffract(cplx(3, 6, 6, 1))),
        ("diffract_pad", lambda: pc.diffract(cplx(3, 6, 6, 1), 2)),
        ("poisson_nll", lambda: pc.poisson_nll(tf.abs(real(2, 4, 4, 3)), tf.abs(real(2, 4, 4, 3)))),
        ("intensity_scale", lambda: pc.intensity_scale_from_data(tf.abs(real(2, 8, 8, 4)), probe)),
        ("layer_centre", lambda: layers.CentreOffsets()(offs)),
        ("layer_combine", lambda: layers.CombineComplex()(real(2, 6, 6, 4), real(2, 6, 6, 4))),
        ("layer_reassemble", lambda: layers.ReassemblePatches(10, 0.5)(cplx(2, 6, 6, 4), offs)),
        ("layer_reassemble_chunked", lambda: layers.ReassemblePatches(10, 0.5, chunk_size=3)(cplx(2, 6, 6, 4), offs)),
        ("layer_extract", lambda: layers.ExtractPatches(6)(cplx(2, 12, 12, 1), offs)),
        ("layer_illuminate", lambda: layers.Illuminate(probe)(cplx(2, 8, 8, 4))),
        ("layer_diffract", lambda: layers.Diffract(1)(cplx(2, 6, 6, 4))),
        ("layer_scale", lambda: layers.IntensityScale(2.0)(tf.abs(real(2, 4, 4, 4)), divide=True)),
    ]

    def model_case() -> Any:
        cfg = model.ModelConfig(N=8, gridsize=2, P=12, filters=(4, 8))
        models = model.build_model(cfg, probe, 2.0)
        amps = np.abs(rng.normal(size=(2, 8, 8, 4))).astype(np.float32)
        o = rng.uniform(-1, 1, size=(2, 1, 2, 4)).astype(np.float32)
        pred = models.train([tf.constant(amps), tf.constant(o)])
        loss = model.PtychoLoss(0.1)(tf.constant(amps), pred)
        return pred, models.reconstruct(tf.constant(amps)), loss

    def sim_case() -> Any:
        data = simulate.simulate(simulate.SimConfig(N=8, gridsize=2, object_size=32, step=4.0, n_groups=6, neighbours=5))
        k = data.clean_amplitudes.shape[0]
        pos = data.positions.astype(np.float32)
        image, count = stitch.stitch(data.clean_amplitudes.astype(np.complex64), pos - pos.mean(0), 32, chunk_size=5)
        region = np.abs(count) > 0
        scores = metrics.score(image.astype(np.complex64), data.obj[:32, :32], region) if region.any() else None
        patches = data.amplitudes.astype(np.complex64)
        grouped = stitch.stitch_groups(patches, data.global_offsets, 40, data.probe)
        return data, k, image, count, scores, grouped

    cases += [("model", model_case), ("simulate_metrics", sim_case)]
    return cases


def run_job(job: dict[str, Any]) -> list[Any]:
    root, target, mode = job["root"], job["target"], job["mode"]
    shapecheck.set_mode(mode)
    _purge(("ptycho_core", "fixed"))
    tf.keras.backend.clear_session()
    outcome: list[Any] = []
    sys.path.insert(0, root)
    signal.signal(signal.SIGALRM, _alarm)
    try:
        if target == "ptycho":
            cases = _ptycho_cases()
        else:
            rel = target.split(":", 1)[1]
            path = os.path.join(root, rel)
            cases = [(rel, lambda: runpy.run_path(path, run_name="__main__") and None)]
        expected = job.get("baseline")
        for i, (name, fn) in enumerate(cases):
            signal.alarm(CASE_SECONDS)
            try:
                outcome.append([name, _shape(fn())])
            finally:
                signal.alarm(0)
            if expected is not None and (i >= len(expected) or outcome[-1] != expected[i]):
                break  # the behaviour changed: the remaining cases cannot change the verdict
    except SystemExit as exc:
        if exc.code not in (None, 0):
            outcome.append(["SystemExit", str(exc.code)[:300]])
    except BaseException as exc:  # noqa: BLE001 - any crash is the verdict
        outcome.append(["error", f"{type(exc).__module__}.{type(exc).__name__}", str(exc)[:300]])
    finally:
        sys.path.remove(root)
        shapecheck.set_mode("trace")
    return outcome


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        stdout = sys.stdout
        sys.stdout = open(os.devnull, "w")  # the examples print their success line
        try:
            outcome = run_job(job)
        finally:
            sys.stdout.close()
            sys.stdout = stdout
        print(json.dumps({"outcome": outcome}), flush=True)


if __name__ == "__main__":
    main()
