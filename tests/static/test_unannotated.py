"""Shape bugs in code with no contract anywhere: the analyser gets shapes from what the code says."""

from __future__ import annotations

import pytest
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


@pytest.mark.parametrize(
    ("source", "expected", "says"),
    [
        # the issue's pool: tile by a ratio of two batches, in a tf.cond branch that is a closure
        (POOL, [(8, "SC106")], "tf.shape(features)[0] // tf.shape(boxes)[0]"),
        # the issue's align: range modulo the batch of a reassigned tensor
        (ALIGN, [(7, "SC106")], "range(tf.shape(keys)[0]) % tf.shape(values)[0]"),
    ],
    ids=["pool", "align"],
)
def test_the_issue_examples(lint, source: str, expected: list[tuple[int, str]], says: str) -> None:  # type: ignore[no-untyped-def]
    findings = lint(source)
    assert codes(findings) == expected
    assert says in findings[0].message


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


DOCSTRINGS = '''import tensorflow as tf


def to_flat(x):
    """``(B, H, W, C) -> (B*C, H, W, 1)``: one image per row."""
    h = x.shape[1]
    w = x.shape[2]
    return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [-1, w, h, 1])


def wrong(x):
    """(B, H, W, C) -> (B, H, W)"""
    return x[..., None]


def shift(images, offsets):
    """Shift images.

    Args:
        images: (N, H, W, 1) the images.
        offsets (tf.Tensor): shape (N, 2), one shift per image.

    Returns:
        The images, shape (N, H, W, 1).
    """
    return images


def caller(a, b):
    """Not a shape: ``offsets[m] = (dx, dy)``."""
    imgs = tf.zeros([8, 5, 5, 1])
    return shift(imgs, tf.zeros([4, 2])), shift(imgs, tf.zeros([8, 2])), to_flat(tf.zeros([2, 3, 3]))
'''


def test_docstring_shapes_are_soft_contracts_and_findings_say_so(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(DOCSTRINGS)
    assert codes(findings) == [(8, "SC102"), (13, "SC102"), (32, "SC101"), (32, "SC101")]
    assert "in the docstring of `to_flat`" in findings[0].message and "likely swapped" in findings[0].message
    assert "(its shapes read from its docstring)" in findings[2].message


def test_docstring_shapes_are_read_only_without_annotations(packs) -> None:  # type: ignore[no-untyped-def]
    import libcst as cst

    from shapecheck.static.shape_hints import docstring_contracts
    from shapecheck.static.signatures import function_info

    mod = cst.parse_module(DOCSTRINGS.replace("def wrong(x):", "def wrong(x: int):"))
    fns = {f.name.value: f for f in mod.body if isinstance(f, cst.FunctionDef)}
    assert function_info("m.wrong", fns["wrong"], False, lambda n: None).hint is None
    shift = function_info("m.shift", fns["shift"], False, lambda n: None)
    assert [p.spec.text if p.spec else None for p in shift.params] == ["N H W 1", "N 2"]
    assert shift.returns is not None and shift.returns.text == "N H W 1"
    assert docstring_contracts(fns["caller"]) is None


def test_constant_tests_take_one_arm_and_list_items_can_be_replaced(lint, explain) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def resample(images: "unused", axis):
    x = tf.zeros([2, 5, 6, 3])
    pads = [[0, 0], [0, 0], [0, 0], [0, 0]]
    pads[axis] = [1, 2]
    padded = tf.pad(x, pads)
    if axis == 1:
        blurred = padded[:, 1:] + padded[:, :-1]
    else:
        blurred = padded[:, :, 1:] + padded[:, :, :-2]
    return blurred


def caller():
    return resample(None, 1)
'''
    from conftest import shapes_of

    assert shapes_of(explain(src.replace("pads[axis]", "pads[1]").replace("if axis == 1", "if 1 == 1"), "resample"))["padded"] == "(2, 8, 6, 3)"
    # the else arm cuts one axis of `padded` by 1 and by 2: it fails whenever it runs, whatever
    # `axis` is, so the function's own analysis reports it; the call with axis == 1 adds nothing
    assert codes(lint(src)) == [(12, "SC101")]
    assert codes(lint(src.replace("resample(None, 1)", "resample(None, 2)"))) == [(12, "SC101"), (17, "SC101")]


LOOPS = """import tensorflow as tf


def grow(x):
    n = tf.shape(x)[0]

    def body(i, acc):
        return i + 1, tf.concat([acc, acc], axis=0)

    _, out = tf.while_loop(lambda i, acc: i < n, body, (tf.constant(0), tf.zeros([4, 3])))
    return out


def ok(x):
    def body(i, acc):
        return i + 1, acc + tf.ones([4, 3])

    _, out = tf.while_loop(lambda i, acc: i < 3, body, (tf.constant(0), tf.zeros([4, 3])))
    relaxed = tf.while_loop(lambda i, acc: i < 3, lambda i, acc: (i + 1, tf.concat([acc, acc], 0)), (0, tf.zeros([4, 3])),
                            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, 3])))
    return out


def branches(i, x):
    return tf.switch_case(i, [lambda: tf.zeros([2, 3]), lambda: tf.zeros([3, 3])])
"""


def test_while_loop_body_and_switch_case_branches_are_called(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(LOOPS)
    assert codes(findings) == [(10, "SC105"), (25, "SC105")]
    assert "loop variable 1 from (4, 3) to (8, 3)" in findings[0].message


LAYER = '''import keras
import tensorflow as tf


def translate(images, offsets):
    """Shift each image by its own offset.

    Args:
        images: (N, H, W, 1) the images, one per row.
        offsets: (N, 2) one (dx, dy) per image.
    """
    return tf.roll(images, 1, axis=1)


class Shift(keras.layers.Layer):
    def call(self, patches):
        h, w = tf.shape(patches)[1], tf.shape(patches)[2]
        flat = tf.reshape(tf.transpose(patches, [0, 3, 1, 2]), [-1, h, w, 1])  # one patch per row
        offsets = tf.zeros([tf.shape(patches)[0], 2])  # one offset per group
        return translate(flat, offsets)
'''


def test_symbols_of_one_tensor_prove_a_flat_vs_per_group_batch(lint) -> None:  # type: ignore[no-untyped-def]
    test_the_issue_examples(lint, LAYER, [(20, "SC103")], "patches.shape[0]*patches.shape[3] == patches.shape[0] only if patches.shape[3] == 1")


def test_independent_symbols_and_constants_still_prove_nothing(lint) -> None:  # type: ignore[no-untyped-def]
    src = """import tensorflow as tf


def f(a, b):
    x = tf.zeros([tf.shape(a)[0], 2])
    y = tf.zeros([tf.shape(b)[0], 2])
    z = tf.zeros([8, 2])
    return tf.concat([x, y], axis=1), x + z, tf.concat([x, tf.zeros([tf.shape(a)[0], 3])], axis=1)
"""
    assert lint(src) == []


def test_one_branch_collapsing_the_batch_to_1_is_reported(lint) -> None:  # type: ignore[no-untyped-def]
    src = """import tensorflow as tf


def summarise(features, training):
    n = tf.shape(features)[0]
    features = tf.reshape(features, [n, -1])

    def pooled():
        return tf.reduce_mean(features, axis=0, keepdims=True)

    return tf.cond(training, pooled, lambda: features)
"""
    findings = lint(src)
    assert codes(findings) == [(11, "SC105")]
    assert "different unless tf.shape(features)[0] == 1" in findings[0].message


def test_unknown_values_in_arithmetic_and_comparisons_are_never_scalars(lint) -> None:  # type: ignore[no-untyped-def]
    # false positives found on tensorflow-addons and gpflow: an unknown operand made a rank-0 "tensor"
    src = '''import numpy as np
import tensorflow as tf

rng = np.random.RandomState(0)


def init(x_init, z_sorted, z_cumsum, k):
    m_init, v_init = tf.nn.moments(x_init, [0])
    scale_init = 1.0 / tf.math.sqrt(v_init + 1e-10)
    z_check = 1 + k * z_sorted > z_cumsum
    cov = rng.randn(4, 3, 6) / 2.0
    return scale_init.shape[0], tf.reduce_sum(tf.cast(z_check, tf.int32), axis=-1), np.transpose(cov, (0, 2, 1))
'''
    assert lint(src) == []


COMMENTS = """import tensorflow as tf


def extract(obj, taps_weight, cols0, m, c, n):
    w0 = tf.cast(taps_weight[:, None], obj.dtype)  # (B, 1, C, N)
    cols = tf.reshape(cols0, [-1, m, c * n])  # (B, M, C*N)
    rows = cols * w0
    return rows


def contradicted(x):
    y = tf.zeros([4, 3])  # (4, 2)
    z = tf.zeros([4, 3])  # (N, 3) shape of the output
    return y, z
"""


def test_shape_comments_fill_in_unknown_dims_and_are_checked(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(COMMENTS)
    assert codes(findings) == [(7, "SC103"), (12, "SC101")]
    assert "(B, ?, C*N) and (B, 1, C, N)" in findings[0].message
    assert "its shape comment says" in findings[1].message


SAMPLERS = """import numpy as np
import tensorflow as tf
from shapecheck import Float32


def step(patches: Float32[tf.Tensor, "B N N"], offsets: Float32[tf.Tensor, "B 2"]) -> Float32[tf.Tensor, "B N N"]:
    return patches


def main():
    rng = np.random.default_rng(0)
    patches = tf.constant(rng.normal(size=(4, 16, 16)), tf.float32)
    offsets = tf.constant(rng.uniform(-2.0, 2.0, size=(4, 3)), tf.float32)
    good = tf.constant(rng.uniform(-2.0, 2.0, size=(4, 2)), tf.float32)
    return tf.function(step)(patches, offsets), step(patches, good)
"""


def test_arrays_drawn_from_a_numpy_generator_have_their_size(lint) -> None:  # type: ignore[no-untyped-def]
    assert codes(lint(SAMPLERS)) == [(15, "SC101")]


APPENDED = """import numpy as np
import tensorflow as tf


def paste(masks, n):
    segms = []
    for i in range(n):
        segms.append(np.zeros((4, 5)))
    segms = np.array(segms)
    x = np.arange(n)
    return segms[:, 2:8, 0:6], x[np.arange(x.shape[0])[:, np.newaxis]], x[:, tf.newaxis]
"""


def test_lists_built_by_append_and_newaxis_indices_are_not_misread(lint) -> None:  # type: ignore[no-untyped-def]
    # false positives on tf-models-official: `segms = []` + `.append` read as the empty
    # literal (mask_ops.paste_instance_masks_v2), np.newaxis counted as an index (stat_utils)
    assert lint(APPENDED) == []


PROSE = '''import numpy as np


def stitch(patches, offsets, size):
    """Average patches ``(K, N, N)`` at global offsets ``(K, 2)`` onto a ``size x size`` canvas."""
    return patches.mean(0)


def resample(images, shift, axis):
    """Resample axis 1 or 2 of ``images (R, H, W, K)``; ``shift`` is ``(R,)``."""
    return images


def groups(positions, c):
    """``(G, C)`` groups of positions, the first one a random seed."""
    return np.zeros((5, c), int)


def caller():
    stitch(np.zeros((10, 8, 8)), np.zeros((12, 2)), 32)
    resample(np.zeros((4, 8, 8, 1)), np.zeros((3,)), 1)
    g = groups(np.zeros((10, 2)), 4)
    return g[:, 0, 0]
'''


def test_a_parameter_named_in_prose_with_its_shape_is_a_soft_contract(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(PROSE)
    assert codes(findings) == [(20, "SC101"), (21, "SC101"), (23, "SC101")]
    assert "`offsets` of `stitch` (its shapes read from its docstring)" in findings[0].message
    assert "`shift` of `resample`" in findings[1].message
    assert "more indices than dims" in findings[2].message  # the docstring's leading (G, C) is the return


def test_prose_shapes_need_the_parameter_name_right_before_them(packs) -> None:  # type: ignore[no-untyped-def]
    import libcst as cst

    from shapecheck.static.shape_hints import docstring_contracts

    src = '''def f(x, y):
    """Combine x with the (B, N) table of y values."""
    return x
'''
    fn = cst.parse_module(src).body[0]
    assert isinstance(fn, cst.FunctionDef)
    assert docstring_contracts(fn) is None


def test_prose_in_parentheses_after_a_parameter_is_not_a_shape() -> None:
    import libcst as cst

    from shapecheck.static.shape_hints import docstring_contracts

    src = '''def color_jitter(image, strength):
    """Distorts the color of the image (jittering order is random, SimCLRv2 style)."""
    return image
'''
    fn = cst.parse_module(src).body[0]
    assert isinstance(fn, cst.FunctionDef)
    assert docstring_contracts(fn) is None


def test_a_failure_in_the_right_operand_of_an_undecided_guard_is_not_reported(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow as tf


def split(values, flags):
    flags = tf.ensure_shape(flags, [3])
    if flags.shape == 2 and flags.shape[1] != 1:
        raise ValueError("flags must be (D0,) or (D0, 1)")
    return flags.shape[1]
'''
    assert codes(lint(src)) == [(8, "SC101")]  # line 6 is guarded by its left operand; line 8 is not


def test_shape_hints_switched_off_read_neither_docstrings_nor_comments(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # [tool.shapecheck] shape-hints = false: the same sources, only what the code itself says
    from shapecheck.static.api import build_project, check_module, load_packs, summarise_module

    packs = load_packs(shape_hints=False)
    assert packs.fingerprint() != load_packs().fingerprint()
    for name, source in (("docs.py", DOCSTRINGS), ("comments.py", COMMENTS)):
        path = tmp_path / name
        path.write_text(source)
        project = build_project([summarise_module(path, source, packs)], packs)
        found = check_module(path, source, project, packs)
        assert not any("docstring" in f.message or "comment" in f.message for f in found), found
    # what is left is what the body says: to_flat's transpose takes rank 4, it is given rank 3
    assert codes(check_module(tmp_path / "docs.py", DOCSTRINGS, build_project(
        [summarise_module(tmp_path / "docs.py", DOCSTRINGS, packs)], packs), packs)) == [(32, "SC101")]


KERAS_LAMBDA = '''import numpy as np
import tensorflow as tf


def scale(t):
    return t / 255.0


def build():
    x = tf.keras.Input(shape=(28, 28))
    channels = tf.keras.layers.Lambda(lambda t: t[..., None])(x)
    scaled = tf.keras.layers.Lambda(scale)(channels)
    swapped = tf.keras.layers.Lambda(lambda t: tf.transpose(t, [0, 2, 1, 3]))(x)
    return scaled, swapped


def labels():
    y = np.array([1, 2, 3, 4])
    onehot = np.eye(10)[y]
    pairs = np.eye(3, 5)
    return onehot, pairs
'''


def test_keras_lambda_layers_run_their_function_on_the_input(lint, explain) -> None:  # type: ignore[no-untyped-def]
    from conftest import shapes_of

    found = lint(KERAS_LAMBDA)
    assert codes(found) == [(13, "SC101")]
    assert "perm [0, 2, 1, 3] has 4 entries for a tensor of rank 3" in found[0].message
    shapes = shapes_of(explain(KERAS_LAMBDA))
    assert (shapes["channels"], shapes["scaled"]) == ("(batch, 28, 28, 1)", "(batch, 28, 28, 1)")


def test_one_hot_labels_from_numpy_eye(explain) -> None:  # type: ignore[no-untyped-def]
    from conftest import shapes_of

    shapes = shapes_of(explain(KERAS_LAMBDA))
    assert (shapes["onehot"], shapes["pairs"]) == ("(4, 10)", "(3, 5)")


APPENDS = '''import numpy as np
import tensorflow as tf


def build():
    rows = []
    for i in range(4):
        rows.append([i, i])
    table = np.array(rows)
    frames = []
    for _ in range(2, 7):
        frames.append(tf.zeros([8, 8]))
    clip = tf.stack(frames, axis=-1)
    pair = []
    pair.append(np.zeros((3, 2)))
    pair.append(np.zeros((3, 2)))
    both = np.stack(pair)
    kept = []
    for i in range(3):
        if i:
            kept.append(i)
    some = np.array(kept)
    twice = []
    for i in range(3):
        twice.append(i)
        twice.append(i)
    more = np.array(twice)
    grid = []
    for i in range(3):
        for j in range(2):
            grid.append(i)
    cells = np.array(grid)
    nested = []
    for _ in range(2):
        nested.append([])
        for _ in range(3):
            nested[-1].append(0)
    tokens = np.asarray(nested)
    return tf.transpose(clip, [0, 1, 2, 3]), table, both, some, more, cells
'''


def test_lists_built_by_append_have_their_length(lint, explain) -> None:  # type: ignore[no-untyped-def]
    from conftest import shapes_of

    shapes = shapes_of(explain(APPENDS))
    assert (shapes["table"], shapes["clip"], shapes["both"]) == ("(4, 2)", "(8, 8, 5)", "(2, 3, 2)")
    # appended under an `if`, twice a pass, or in nested loops: the length is not known
    assert "some" not in shapes and "more" not in shapes and "cells" not in shapes and "tokens" not in shapes
    assert codes(lint(APPENDS)) == [(39, "SC101")]
