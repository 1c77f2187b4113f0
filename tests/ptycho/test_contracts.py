"""Offsets in the wrong layout fail at once with the shapecheck message: eager, graph and XLA.

The seeds' defining bug pairs images flattened to ``(B*C, ...)`` with offsets still at
``(B, 2)``. Here every such mismatch is a ``ShapeContractError`` raised before any op runs
(eager) or while tracing (graph, XLA), never a broadcast and never an XLA internal error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from shapecheck import ShapeContractError  # noqa: E402

from ptycho_core import extract_patches, flatten_offsets, reassemble_patches, translate  # noqa: E402
from ptycho_core.layers import ExtractPatches, ReassemblePatches  # noqa: E402

pytestmark = pytest.mark.tf

B, C, N, P = 3, 4, 8, 14
BAD_OFFSETS = {"(B, 2)": (B, 2), "(B*C, 2)": (B * C, 2)}
EXECUTION = ("eager", "graph", "xla")


def _run(fn: Callable[..., tf.Tensor], mode: str, *args: tf.Tensor) -> tf.Tensor:
    if mode == "eager":
        return fn(*args)
    specs = [tf.TensorSpec([None, *a.shape[1:]], a.dtype) for a in args]  # batch unknown, as in a real model
    return tf.function(fn, jit_compile=(mode == "xla"), input_signature=specs)(*args)


def _cases() -> list[tuple[str, Callable[..., tf.Tensor], tuple[int, ...]]]:
    reassemble_layer = ReassemblePatches(P)
    extract_layer = ExtractPatches(N)
    return [
        ("reassemble_patches", lambda p, o: reassemble_patches(p, o, P), (B, N, N, C)),
        ("extract_patches", lambda p, o: extract_patches(p, o, N), (B, 16, 16, 1)),
        ("ReassemblePatches.call", reassemble_layer, (B, N, N, C)),
        ("ExtractPatches.call", extract_layer, (B, P, P, 1)),
    ]


@pytest.mark.parametrize("mode", EXECUTION)
@pytest.mark.parametrize("bad", sorted(BAD_OFFSETS))
@pytest.mark.parametrize("case", range(4))
def test_wrong_offset_layout_is_a_contract_error(mode: str, bad: str, case: int) -> None:
    name, fn, image_shape = _cases()[case]
    images = tf.zeros(image_shape, tf.complex64)
    offsets = tf.zeros(BAD_OFFSETS[bad], tf.float32)
    with pytest.raises(ShapeContractError) as info:
        _run(fn, mode, images, offsets)
    message = str(info.value)
    assert "offsets" in message and '"B 1 2 C"' in message
    assert "rank 2, contract needs rank 4" in message
    assert "XlaRuntimeError" not in message and "INTERNAL" not in message


@pytest.mark.parametrize("mode", EXECUTION)
def test_flat_images_with_group_offsets_fail_in_translate(mode: str) -> None:
    """The seed bug itself: flat images ``(B*C, N, N, 1)`` with offsets still ``(B, 2)``."""
    images = tf.zeros((B * C, N, N, 1))
    offsets = tf.zeros((B, 2))
    if mode == "eager":
        with pytest.raises(ShapeContractError, match="dim 0 is 3 but M=12"):
            translate(images, offsets)
        return
    # With the batch unknown at trace time the two leading dims cannot be compared while
    # tracing; fixing the batch (as a compiled model with a known batch does) catches it.
    specs = [tf.TensorSpec(images.shape, images.dtype), tf.TensorSpec(offsets.shape, offsets.dtype)]
    with pytest.raises(ShapeContractError, match="dim 0 is 3 but M=12"):
        tf.function(translate, jit_compile=(mode == "xla"), input_signature=specs)(images, offsets)


@pytest.mark.parametrize("mode", EXECUTION)
def test_flatten_offsets_rejects_flat_offsets(mode: str) -> None:
    with pytest.raises(ShapeContractError, match="rank 2, contract needs rank 4"):
        _run(flatten_offsets, mode, tf.zeros((B * C, 2)))


def test_batch_mismatch_between_patches_and_offsets_is_an_error_not_a_broadcast() -> None:
    with pytest.raises(ShapeContractError, match="dim 0 is 1 but B=3"):
        reassemble_patches(tf.zeros((B, N, N, C)), tf.zeros((1, 1, 2, C)), P)
    with pytest.raises(ShapeContractError, match="dim 3 is 1 but C=4"):
        reassemble_patches(tf.zeros((B, N, N, C)), tf.zeros((B, 1, 2, 1)), P)


def test_correct_offsets_pass_in_all_modes() -> None:
    patches = tf.constant(np.ones((B, N, N, C), np.complex64))
    offsets = tf.zeros((B, 1, 2, C))
    for mode in EXECUTION:
        out = _run(lambda p, o: reassemble_patches(p, o, P), mode, patches, offsets)
        assert out.shape == (B, P, P, 1)


@pytest.mark.parametrize("mode", ["graph", "xla"])
def test_strict_mode_catches_an_unknown_batch_mismatch_when_the_graph_runs(mode: str) -> None:
    """Batch unknown at trace time: ``trace`` mode cannot compare ``M`` of images and offsets,
    ``strict`` mode adds graph-time checks that survive XLA and fail when the step runs."""
    import shapecheck

    specs = [tf.TensorSpec((None, N, N, 1)), tf.TensorSpec((None, 2))]
    with shapecheck.mode("strict"):
        fn = tf.function(translate, jit_compile=(mode == "xla"), input_signature=specs)
        assert fn(tf.zeros((B * C, N, N, 1)), tf.zeros((B * C, 2))).shape == (B * C, N, N, 1)
        with pytest.raises(tf.errors.InvalidArgumentError, match="translate/arg_offsets/dim0_must_be_M"):
            fn(tf.zeros((B * C, N, N, 1)), tf.zeros((B, 2)))


def test_model_rejects_wrong_offsets_before_any_physics_runs() -> None:
    """At the model boundary Keras's input spec fires first (naming 'offsets'); a batch
    mismatch between the two inputs, which Keras does not check, is the layer contract's."""
    from ptycho_core.model import ModelConfig, build_model
    from ptycho_core.simulate import make_probe

    model = build_model(ModelConfig(N=16, gridsize=2, P=24, filters=(4, 8)), make_probe(16), 10.0).train
    x = np.ones((3, 16, 16, 4), np.float32)
    for bad in ((3, 2), (12, 2)):
        with pytest.raises(ValueError, match="'offsets'.*expected shape=\\(None, 1, 2, 4\\)"):
            model([x, np.zeros(bad, np.float32)])
    with pytest.raises(ShapeContractError, match="dim 0 is 4 but B=3"):
        model([x, np.zeros((4, 1, 2, 4), np.float32)])


def test_helpers_carry_contracts() -> None:
    """The helpers behind translation and the model's initial scale are checked like the rest."""
    from ptycho_core.physics import intensity_scale_from_data
    from ptycho_core.resample import axis_taps, resample_axis

    images = tf.zeros((3, 5, 6, 2))
    with pytest.raises(ShapeContractError, match="resample_axis: argument 'shift' breaks its contract"):
        resample_axis(images, tf.zeros((4,)), axis=2, out_size=6)  # wrong on purpose
    assert resample_axis(images, tf.zeros((3,)), axis=2, out_size=9).shape == (3, 5, 9, 2)
    taps = axis_taps(tf.zeros((2, 3)), in_size=8, out_size=5)
    assert taps.index0.shape == taps.weight1.shape == (2, 3, 5)
    with pytest.raises(ShapeContractError, match="axis_taps: argument 'shift' breaks its contract float32"):
        axis_taps(tf.zeros((2, 3), tf.float64), in_size=8, out_size=5)
    with pytest.raises(ShapeContractError, match="intensity_scale_from_data: argument 'amplitudes'"):
        intensity_scale_from_data(np.ones((2, 4, 4), np.float32), np.ones((4, 4), np.complex64))  # wrong on purpose
    with pytest.raises(ShapeContractError, match="intensity_scale_from_data: argument 'probe'"):
        intensity_scale_from_data(np.ones((2, 4, 4, 1), np.float32), np.ones((4, 3), np.complex64))  # wrong on purpose


def test_flat_to_channel_relates_rows_to_groups_times_channels() -> None:
    from ptycho_core.layouts import flat_to_channel, unflatten_offsets

    assert flat_to_channel(tf.zeros((8, 3, 3, 1)), 4).shape == (2, 3, 3, 4)
    with pytest.raises(ValueError, match="6 rows is not a multiple of C=4"):
        flat_to_channel(tf.zeros((6, 3, 3, 1)), 4)
    assert unflatten_offsets(tf.zeros((8, 2)), 2).shape == (4, 1, 2, 2)
