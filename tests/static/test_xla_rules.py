"""SC201-SC205 and SC301-SC303 on single files: the right code at the right line and column,
and the near-misses that must stay clean."""

from __future__ import annotations

import textwrap

from shapecheck.findings import Finding
from shapecheck.static.xla.standalone import analyse_sources


def findings(code: str, name: str = "mod.py") -> list[Finding]:
    analysis = analyse_sources({name: textwrap.dedent(code).lstrip("\n")})
    assert not analysis.errors
    return analysis.findings


def where(code: str) -> set[tuple[str, int, int]]:
    return {(f.code, f.line, f.col) for f in findings(code)}


JIT = "import tensorflow as tf\n\n\ndef make(use_xla):\n    @tf.function(jit_compile=use_xla)\n    def f(x, idx, offsets):\n"


def jit_body(body: str) -> str:
    return JIT + textwrap.indent(textwrap.dedent(body).lstrip("\n"), " " * 8) + "    return f\n"


def test_sc201_tile_from_data_at_the_argument() -> None:
    code = jit_body("""
        n = tf.reduce_max(idx)
        return tf.tile(x, [n, 1])
    """)
    assert where(code) == {("SC201", 8, 27)}
    [f] = findings(code)
    assert "tile multiples" in f.message and "tf.reduce_max(idx)" in f.message
    assert any("compiled via" in n for n in f.notes)


def test_sc201_keyword_argument_and_cast_round_chain() -> None:
    code = jit_body("""
        m = tf.cast(tf.round(offsets), tf.int32)
        return tf.reshape(x, shape=[m[0], -1])
    """)
    assert where(code) == {("SC201", 8, 36)}


def test_sc201_shape_derived_and_static_values_are_fine() -> None:
    code = jit_body("""
        b = tf.shape(x)[0]
        c = x.shape[-1]
        y = tf.reshape(x, [b * c, -1])
        z = tf.zeros([tf.shape(idx)[0], 4])
        w = tf.fill([b, 3], 1.0)
        return tf.tile(y, [b // tf.shape(offsets)[0], 1]), z, w, tf.range(b)
    """)
    assert where(code) == set()


def test_sc201_not_reported_outside_compiled_regions() -> None:
    code = """
        import tensorflow as tf

        @tf.function
        def traced(x, idx):
            return tf.tile(x, [tf.reduce_max(idx), 1])

        def eager(x, idx):
            return tf.tile(x, [tf.reduce_max(idx), 1])
    """
    assert where(code) == set()


def test_sc201_python_int_arguments_are_static() -> None:
    code = """
        import tensorflow as tf

        def make(use_xla):
            @tf.function(jit_compile=use_xla)
            def f(x, n: int, size=64):
                return tf.reshape(x, [n, size]), tf.tile(x, [n, 1])
            return f
    """
    assert where(code) == set()


def test_slice_with_data_bound_that_only_reaches_elementwise_ops_is_clean() -> None:
    # XLA compiles the slice as a bounded-dynamic dim and elementwise ops take it (measured on
    # TF 2.21, benchmarks/xla_dynamic_padder_probe.py); it was reported as SC201 before
    code = jit_body("""
        n = tf.reduce_max(idx)
        return x[:n] + 1.0
    """)
    assert where(code) == set()


def test_sc202_where_one_argument_only() -> None:
    code = jit_body("""
        a = tf.where(x > 0)
        b = tf.where(x > 0, x, 0.0)
        c = tf.math.bincount(idx)
        d = tf.math.bincount(idx, minlength=4, maxlength=4)
        e = tf.unique(idx)
        return a, b, c, d, e
    """)
    assert where(code) == {("SC202", 7, 13), ("SC202", 9, 13), ("SC202", 11, 13)}


def test_sc203_print_pyfunc_strings_and_dropped_asserts() -> None:
    code = jit_body("""
        tf.print(x)
        y = tf.py_function(lambda v: v, [x], tf.float32)
        s = tf.strings.as_string(idx)
        tf.debugging.assert_equal(tf.shape(x)[0], 4)
        return tf.ensure_shape(y, [None, 4]), s
    """)
    got = findings(code)
    assert {(f.code, f.line, f.col) for f in got} == {
        ("SC203", 7, 9), ("SC203", 8, 13), ("SC203", 9, 13), ("SC203", 10, 9)}
    dropped = next(f for f in got if f.line == 10)
    assert "silently drops" in dropped.message


def test_sc204_reported_once_where_the_slice_first_meets_an_fft() -> None:
    code = jit_body("""
        k = tf.cast(tf.math.ceil(tf.reduce_max(tf.abs(offsets))), tf.int32)
        spec = tf.signal.fft2d(tf.complex(x[:, k:, k:], 0.0))
        back = tf.signal.ifft2d(spec)
        return tf.reduce_sum(tf.math.real(back))
    """)
    assert where(code) == {("SC204", 8, 16)}


def test_sc204_matmul_operator_and_tf_slice_size() -> None:
    code = jit_body("""
        n = tf.reduce_max(idx)
        a = x[:n] @ offsets
        b = tf.slice(x, [0, 0], [tf.reduce_min(idx), 4])
        return a, tf.reduce_mean(b)
    """)
    assert where(code) == {("SC204", 8, 13), ("SC204", 10, 19)}


def test_sc204_one_data_dependent_bound_is_blamed_once() -> None:
    code = jit_body("""
        n = tf.reduce_max(idx)
        a = tf.signal.fft(tf.complex(x[:n], 0.0))
        b = offsets[:n]
        return a * tf.cast(tf.reduce_sum(b), tf.complex64)
    """)
    assert where(code) == {("SC204", 8, 13)}


def test_sc201_loop_counter_of_a_tensor_range_is_not_constant() -> None:
    code = jit_body("""
        n = x.shape[0] or tf.shape(x)[0]
        for start in range(0, n, 4):
            size = tf.minimum(4, n - start)
            y = tf.tile(offsets, [size, 1])
        for i in range(3):
            z = tf.tile(offsets, [i + 1, 1])
        return y, z
    """)
    assert where(code) == {("SC201", 10, 34)}


def test_sc205_batch_dim_arithmetic_range_int() -> None:
    code = """
        import tensorflow as tf

        @tf.function
        def f(x):
            a = x.shape[0] * 4
            b = int(x.shape[0])
            n = x.shape[0]
            c = n + 1
            for i in range(n):
                pass
            return a, b, c
    """
    assert where(code) == {("SC205", 5, 9), ("SC205", 6, 9), ("SC205", 8, 9), ("SC205", 9, 14)}


def test_sc205_clean_cases() -> None:
    code = """
        import tensorflow as tf
        from shapecheck import Float32

        @tf.function
        def channels(x):
            return x.shape[-1] * 2, x.shape[1] // 2

        @tf.function
        def guarded(x):
            b = x.shape[0]
            if b is None:
                b = tf.shape(x)[0]
            return b * 2, (x.shape[0] or tf.shape(x)[0]) * 2

        @tf.function
        def fixed(x: Float32[tf.Tensor, "8 N"]):
            return x.shape[0] * 2

        @tf.function(input_signature=[tf.TensorSpec([4, None], tf.float32)])
        def signature(x):
            return x.shape[0] * 2

        class L(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], 4))

            def call(self, inputs):
                return inputs * self.w.shape[0] * 2

        def eager(x):
            return x.shape[0] * 2
    """
    assert where(code) == set()


def test_sc205_input_signature_none_on_other_axis() -> None:
    code = """
        import tensorflow as tf

        @tf.function(input_signature=[tf.TensorSpec([4, None], tf.float32)])
        def f(x):
            return x.shape[1] * 2
    """
    assert where(code) == {("SC205", 5, 12)}


def test_sc301_config_reads_feeding_shapes() -> None:
    code = """
        import tensorflow as tf
        from ptycho import params as p

        def params():
            return p.cfg

        class L(tf.keras.layers.Layer):
            def call(self, x):
                n = params()['N']
                g = p.get('gridsize')
                y = tf.reshape(x, [-1, n, n, g ** 2])
                label = p.cfg['label']
                return tf.zeros([p.cfg['batch'], 3]), y, label
    """
    assert where(code) == {("SC301", 9, 13), ("SC301", 10, 13), ("SC301", 13, 26)}


def test_sc301_not_in_untraced_code_or_for_non_shape_uses() -> None:
    code = """
        import tensorflow as tf
        from ptycho import params as p

        def build():
            return tf.keras.layers.Dense(p.cfg['N'])

        @tf.function
        def f(x):
            return x * p.cfg['scale']
    """
    assert where(code) == set()


def test_sc302_switch_in_traced_helper_reached_from_keras_call() -> None:
    code = """
        import os
        import tensorflow as tf
        from ptycho import params

        def should_use_xla():
            env = os.environ.get('USE_XLA_TRANSLATE', '')
            return env == '1' or params.get('use_xla_translate')

        class Translation(tf.keras.layers.Layer):
            def call(self, x):
                if should_use_xla():
                    return x
                return x + 1.0

        def eager_only():
            return os.environ.get('USE_XLA_TRANSLATE')
    """
    assert where(code) == {("SC302", 6, 11), ("SC302", 7, 26)}


def test_sc303_literal_only() -> None:
    code = """
        import tensorflow as tf
        from tensorflow import function as tf_function

        @tf_function(jit_compile=True)
        def a(x):
            return x

        b = tf.function(a, jit_compile=True)
        c = tf.function(a, jit_compile=False)

        def make(flag, cfg):
            d = tf.function(a, jit_compile=flag)
            e = tf.function(a, jit_compile=cfg.xla)
            return d, e
    """
    assert where(code) == {("SC303", 4, 26), ("SC303", 8, 32)}


def test_bad_code_does_not_raise() -> None:
    code = """
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def f(*args, **kwargs):
            (a, *b), c = args, kwargs
            x = [i for i in range(args[0].shape[0])]
            y = lambda q: q.shape[0] * 2
            del a
            return tf.tile(*args), tf.reshape(), x[::args[1]], y
    """
    got = where(code)
    assert ("SC303", 3, 26) in got


def test_sc303_not_flagged_under_an_if_on_an_xla_setting() -> None:
    code = """
        import tensorflow as tf

        class Trainer:
            def make(self, fn):
                if self.jit_compile:
                    fn = tf.function(fn, jit_compile=True)
                if self.steps > 1:
                    fn = tf.function(fn, jit_compile=True)
                return fn
    """
    assert where(code) == {("SC303", 8, 46)}


def test_experimental_compile_spelling_is_a_jit_switch() -> None:
    code = """
        import tensorflow as tf

        @tf.function(experimental_compile=True)
        def f(x):
            return tf.where(x > 0)
    """
    assert where(code) == {("SC303", 3, 35), ("SC202", 5, 12)}


def test_one_unparsable_file_does_not_hide_the_others() -> None:
    analysis = analyse_sources({
        "broken.py": "def f(:\n",
        "ok.py": "import tensorflow as tf\n\n@tf.function(jit_compile=True)\ndef g(x):\n    return tf.unique(x)\n",
    })
    assert len(analysis.errors) == 1 and analysis.errors[0].startswith("broken.py: syntax error")
    assert {(f.path, f.code) for f in analysis.findings} == {("ok.py", "SC303"), ("ok.py", "SC202")}


def test_switch_read_into_a_local_first_is_classified_by_its_source() -> None:
    from shapecheck.static.xla.standalone import analyse_sources as run

    code = """
        import os
        import tensorflow as tf

        def build(model, cfg):
            use_xla = os.environ.get("USE_XLA_COMPILE", "1") == "1"
            model.compile(optimizer="adam", jit_compile=use_xla)
            flag = cfg["xla"]
            step = tf.function(model.step, jit_compile=flag)
            always = True
            other = tf.function(model.step, jit_compile=always)
            return step, other
    """
    analysis = run({"m.py": textwrap.dedent(code).lstrip("\n")})
    kinds = {r.root.label: r.root.switch.kind for r in analysis.region_map.regions}
    assert kinds == {"model.compile(jit_compile=use_xla)": "env",
                     "tf.function(model.step, jit_compile=flag)": "config",
                     "tf.function(model.step, jit_compile=always)": "literal-true"}
    assert {(f.code, f.line) for f in analysis.findings} == {("SC303", 10)}


def test_tensorflow_bound_by_importorskip_is_recognised() -> None:
    code = """
        import pytest

        tf = pytest.importorskip("tensorflow")

        def test_step():
            @tf.function(jit_compile=True)
            def step(x):
                return tf.unique(x)
    """
    assert where(code) == {("SC303", 6, 30), ("SC202", 8, 16)}


def test_sc205_unknown_dim_as_a_shape_element() -> None:
    code = """
        import tensorflow as tf

        class Flatten(tf.keras.layers.Layer):
            def call(self, x):
                batch = x.shape[0]
                y = tf.reshape(x, [batch, -1])
                z = tf.zeros((x.shape[0], 3))
                w = tf.reshape(x, [tf.shape(x)[0], x.shape[-1]])
                return y, z, w
    """
    assert where(code) == {("SC205", 6, 28), ("SC205", 7, 23)}


def test_keras_ops_spellings() -> None:
    code = """
        import tensorflow as tf
        from keras import ops

        def make(use_xla):
            @tf.function(jit_compile=use_xla)
            def f(x, n, idx):
                a = ops.reshape(x, [ops.cast(n, "int32"), ops.shape(x)[1]])
                b = ops.tile(x, [ops.max(idx), 1])
                return a, b
            return f
    """
    assert where(code) == {("SC201", 8, 25)}
