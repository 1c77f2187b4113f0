"""False positives the compiled-region rules gave on real packages (issue 9), each spelled the way
the package spells it, and the near-miss that must still be reported."""

from __future__ import annotations

import textwrap

import pytest

from shapecheck.static.xla.collect import names_xla_switch
from shapecheck.static.xla.standalone import analyse_sources


def found(code: str, extra: dict[str, str] | None = None) -> set[tuple[str, int]]:
    sources = {"pkg/__init__.py": "", "pkg/mod.py": textwrap.dedent(code).lstrip("\n"), **(extra or {})}
    analysis = analyse_sources(sources)
    assert not analysis.errors
    return {(f.code, f.line) for f in analysis.findings if f.path == "pkg/mod.py"}


# ---- "jitter" is not "jit" ------------------------------------------------------------------
@pytest.mark.parametrize("key", ["use_xla", "jit_compile", "TF_XLA_FLAGS", "enableJit", "useXLA", "xla", "USE_XLA_TRANSLATE"])
def test_a_key_naming_xla_or_jit_as_a_word_is_a_switch(key: str) -> None:
    assert names_xla_switch(key)


@pytest.mark.parametrize("key", ["color_jitter", "jitter_stddev", "scale_jitter", "jittered_boxes", "relaxation"])
def test_a_word_that_only_contains_jit_or_xla_is_not_a_switch(key: str) -> None:
    assert not names_xla_switch(key)


def test_sc302_not_reported_for_a_jitter_config_key() -> None:
    # tf-models-official augmentation configs: params["color_jitter"] read in a traced input pipeline
    code = '''
        import tensorflow as tf
        params = {"color_jitter": 0.4, "use_xla": True}


        @tf.function
        def augment(images):
            strength = params["color_jitter"]
            if params["use_xla"]:
                images = images + 0.0
            return images * strength
        '''
    assert found(code) == {("SC302", 8)}  # the real switch only


# ---- dim 0 is not always the batch (SC205) ------------------------------------------------------
def test_sc205_per_channel_moments_are_not_batched() -> None:
    # tensorflow-addons WeightNormalization._data_dep_init
    code = '''
        import tensorflow as tf


        class WeightNormalization(tf.keras.layers.Wrapper):
            def call(self, inputs):
                x_init = self.layer(inputs)
                data_norm_axes = list(range(x_init.shape.rank - 1))
                m_init, v_init = tf.nn.moments(x_init, data_norm_axes)
                scale_init = 1.0 / tf.math.sqrt(v_init + 1e-10)
                if scale_init.shape[0] != self.g.shape[0]:
                    rep = int(self.g.shape[0] / scale_init.shape[0])
                    scale_init = tf.tile(scale_init, [rep])
                return scale_init
        '''
    assert found(code) == set()


def test_sc205_a_reduction_that_keeps_axis_0_still_carries_the_batch() -> None:
    code = '''
        import tensorflow as tf


        class Pool(tf.keras.layers.Layer):
            def call(self, x):
                pooled = tf.reduce_mean(x, axis=[1, 2])
                n = pooled.shape[0]
                return tf.zeros([n * 2, 8])
        '''
    assert found(code) == {("SC205", 8)}


def test_sc205_a_numpy_array_from_convert_to_numpy_has_known_dims() -> None:
    # keras-hub Qwen3.5 vision encoder
    code = '''
        import keras
        from keras import ops


        class VisionEncoder(keras.layers.Layer):
            def call(self, hidden_states, grid_thw):
                grid_thw_np = ops.convert_to_numpy(grid_thw)
                lengths = []
                for row_i in range(grid_thw_np.shape[0]):
                    lengths.append(int(grid_thw_np[row_i, 0]))
                return hidden_states
        '''
    assert found(code) == set()


def test_sc205_a_stacking_axis_is_the_number_of_values() -> None:
    code = '''
        import tensorflow as tf


        class AltUp(tf.keras.layers.Layer):
            def call(self, inputs):
                predictions = tf.stack(inputs, axis=0)
                corrected = [predictions[i] for i in range(predictions.shape[0])]
                stacked_last = tf.stack(inputs, axis=-1)
                return tf.zeros([stacked_last.shape[0] * 2])
        '''
    assert found(code) == {("SC205", 9)}  # stacked along the last axis: dim 0 is still the batch


def test_sc205_time_major_input_whose_batch_the_code_reads_from_axis_1() -> None:
    # tf-models-official XLNet: inp_k is [len, bsz]
    code = '''
        import tensorflow as tf


        class TransformerXLModel(tf.keras.layers.Layer):
            def call(self, inp_k):
                bsz = tf.shape(inp_k)[1]
                qlen = inp_k.shape.as_list()[0]
                klen = qlen + 0
                return tf.zeros([klen, bsz])
        '''
    assert found(code) == set()


@pytest.mark.parametrize("test", ["x.shape.as_list()[0]", "x.shape[0]", "x.get_shape()[0]"])
def test_sc205_a_truthiness_test_of_the_dim_guards_it(test: str) -> None:
    code = f'''
        import tensorflow as tf


        class Tiler(tf.keras.layers.Layer):
            def call(self, x):
                if {test}:
                    batch = x.shape.as_list()[0]
                    return tf.zeros([batch * 2, 4])
                return x
        '''
    assert found(code) == set()


def test_sc205_an_unguarded_read_is_still_reported() -> None:
    code = '''
        import tensorflow as tf


        class Tiler(tf.keras.layers.Layer):
            def call(self, x):
                batch = x.shape.as_list()[0]
                return tf.zeros([batch * 2, 4])
        '''
    assert found(code) == {("SC205", 7)}


# ---- absl flags are not mutable configuration (SC301) -------------------------------------------
@pytest.mark.parametrize("setup", ["from absl import flags\nFLAGS = flags.FLAGS",
                                   "import tensorflow as tf\nFLAGS = tf.compat.v1.flags.FLAGS",
                                   "from absl import flags\nfrom absl.flags import FLAGS"])
def test_sc301_not_reported_for_absl_flags(setup: str) -> None:
    code = setup + '''
import tensorflow as tf


@tf.function
def preprocess(images):
    return tf.image.resize(images, [FLAGS.image_size, FLAGS.image_size])
'''
    assert found(code) == set()


def test_sc301_still_reported_for_a_mutated_config_dict() -> None:
    code = '''
        import tensorflow as tf
        flags = {"image_size": 224}


        def set_size(n):
            flags["image_size"] = n


        @tf.function
        def preprocess(images):
            return tf.image.resize(images, [flags["image_size"], 224])
        '''
    assert found(code) == {("SC301", 11)}


# ---- tf.nn.moments in the shape engine (SC1xx) --------------------------------------------------
def test_moments_give_two_per_channel_results(lint) -> None:  # type: ignore[no-untyped-def]
    code = textwrap.dedent('''
        import tensorflow as tf


        def normalise():
            x = tf.zeros([4, 5, 6, 3])
            mean, variance = tf.nn.moments(x, axes=[0, 1, 2])
            return tf.concat([mean, variance], axis=1)
        ''').lstrip("\n")
    assert [(f.code, f.line) for f in lint(code)] == [("SC101", 7)]
    assert "rank 1 (3,)" in lint(code)[0].message


# ---- XLA on purpose in tests: one severity lower, with the rationale ----------------------------
JIT_TILE = '''import tensorflow as tf


@tf.function(jit_compile=True)
def tile_rows(x, idx):
    n = tf.reduce_max(idx)
    return tf.tile(x, [n, 1])
'''


@pytest.mark.parametrize("path", ["pkg/ops_test.py", "pkg/test_ops.py", "tests/unit/ops.py", "pkg/testing/ops.py"])
def test_compiled_region_findings_in_test_files_are_one_severity_lower(path: str) -> None:
    analysis = analyse_sources({"pkg/__init__.py": "", path: JIT_TILE})
    assert not analysis.errors
    got = {f.code: f for f in analysis.findings}
    assert set(got) == {"SC201", "SC303"}
    assert (got["SC201"].severity, got["SC303"].severity) == ("warning", "info")
    assert all(any(n.startswith("rationale: a test file") for n in f.notes) for f in got.values())


def test_compiled_region_findings_elsewhere_keep_their_severity() -> None:
    analysis = analyse_sources({"pkg/__init__.py": "", "pkg/ops.py": JIT_TILE, "pkg/latest.py": JIT_TILE})
    got = {(f.path, f.code): f.severity for f in analysis.findings}
    assert got == {("pkg/ops.py", "SC201"): "error", ("pkg/ops.py", "SC303"): "warning",
                   ("pkg/latest.py", "SC201"): "error", ("pkg/latest.py", "SC303"): "warning"}
    assert not any("rationale" in n for f in analysis.findings for n in f.notes)


# ---- `if N is None: N = cfg["N"]` on a chain whose callers always pass N (SC301) ---------------
PARAMS = {"pkg/params.py": 'cfg = {"N": 64, "gridsize": 2}\n\n\ndef set(key, value):\n    cfg[key] = value\n'}
HELPER = '''
    import tensorflow as tf
    from pkg import params as p


    def flat_to_channel(imgs, N=None):
        if N is None:
            N = p.cfg["N"]
        return tf.reshape(imgs, (-1, N, N, 1))
    '''


@pytest.mark.parametrize("call", ["flat_to_channel(x, N=64)", "flat_to_channel(x, 64)", "flat_to_channel(imgs=x, N=self.n)"])
def test_sc301_fallback_not_reported_when_every_caller_passes_the_parameter(call: str) -> None:
    layer = f'''
    class Unflatten(tf.keras.layers.Layer):
        def call(self, x):
            return {call}


    def assemble(x):
        return flat_to_channel(x, N=32)
    '''
    assert found(HELPER + layer, PARAMS) == set()


@pytest.mark.parametrize("call", ["flat_to_channel(x)", "flat_to_channel(*args)", "tf.map_fn(flat_to_channel, x)"])
def test_sc301_fallback_reported_when_one_caller_may_leave_it_out(call: str) -> None:
    layer = f'''
    class Unflatten(tf.keras.layers.Layer):
        def call(self, x, *args):
            return {call}


    def assemble(x):
        return flat_to_channel(x, N=32)
    '''
    assert found(HELPER + layer, PARAMS) == {("SC301", 7)}


def test_sc301_fallback_of_a_root_is_reported_its_callers_are_outside_the_tree() -> None:
    code = HELPER.replace("    def flat_to_channel", "    @tf.function\n    def flat_to_channel") + '''
    def assemble(x):
        return flat_to_channel(x, N=32)
    '''
    assert found(code, PARAMS) == {("SC301", 8)}


def test_sc303_a_documented_workaround_carries_its_comment_as_rationale() -> None:
    # tf-models-official nn_layers.Conv3D.call
    code = '''import tensorflow as tf


class Conv3D(tf.keras.layers.Conv3D):
    def call(self, inputs):
        # Note: tf.nn.conv3d with depthwise kernels on CPU is currently only
        # supported when compiling with TF graph (XLA) using tf.function.
        conv_fn = tf.function(super(Conv3D, self).call, jit_compile=True)
        return conv_fn(inputs)


@tf.function(jit_compile=True)
def plain(x):
    # a comment inside, about nothing
    return x
'''
    analysis = analyse_sources({"pkg/__init__.py": "", "pkg/layers.py": code})
    notes = {f.line: [n for n in f.notes if n.startswith("rationale:")] for f in analysis.findings if f.code == "SC303"}
    assert notes == {8: ["rationale: the comment above says why: Note: tf.nn.conv3d with depthwise kernels on CPU is "
                         "currently only supported when compiling with TF graph (XLA) using tf.function."], 12: []}
