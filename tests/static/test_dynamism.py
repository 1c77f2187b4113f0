"""XLA dynamism (SC204) as a check on the shape interpreter's values: a bounded-dynamic dim is
followed from where it is made (boolean_mask, tf.where(c), unique, dynamic_partition, a slice
bounded by tensor data) through reassignment, closures and helpers to an op XLA's dynamic padder
rejects, and reported there with the chain back to its source."""

from __future__ import annotations

import textwrap
from typing import Callable

import pytest

from shapecheck.findings import Finding
from shapecheck.static.values import ARGUMENT, PYTHON_CONST, TENSOR_VALUE, TRACE_CONST, IntValue, Tensor, provenance

Lint = Callable[..., list[Finding]]


def compiled(body: str, params: str = "x, valid, labels") -> str:
    """``body`` as the inside of a function compiled with XLA through a switch argument."""
    inner = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    return (f"import tensorflow as tf\n\n\ndef make(use_xla):\n    @tf.function(jit_compile=use_xla)\n"
            f"    def step({params}):\n{inner}\n    return step\n")


def sc204(findings: list[Finding]) -> list[tuple[int, int]]:
    return sorted((f.line, f.col) for f in findings if f.code == "SC204")


def test_boolean_mask_through_reassignment_and_a_closure_branch_into_an_fft(lint: Lint) -> None:
    code = compiled("""
        kept = tf.boolean_mask(x, valid)
        y = kept
        y = y * 2.0

        def spectrum():
            return tf.signal.fft(tf.complex(y, 0.0))

        return tf.cond(tf.reduce_any(valid), spectrum, lambda: tf.complex(y, 0.0))
    """)
    found = lint(code)
    assert sc204(found) == [(12, 20)]
    [f] = [f for f in found if f.code == "SC204"]
    assert "dim 0 of `tf.complex(y, 0.0)` comes from `tf.boolean_mask` (line 7) -> tf.signal.fft (line 12)" in f.message
    assert any(n.startswith("compiled via @tf.function(jit_compile=use_xla)") for n in f.notes)


@pytest.mark.parametrize("source, line", [
    ("rows = tf.gather(x, tf.where(valid)[:, 0])", 7),
    ("u, _ = tf.unique(labels)\nrows = tf.gather(x, u)", 7),
    ("parts = tf.dynamic_partition(x, labels, 2)\nrows = parts[1]", 7),
])
def test_every_data_dependent_source_reaches_an_rfft(lint: Lint, source: str, line: int) -> None:
    code = compiled(source + "\nreturn tf.signal.rfft(rows)")
    found = lint(code)
    assert len(sc204(found)) == 1, found
    [f] = [f for f in found if f.code == "SC204"]
    assert f"(line {line})" in f.message and "tf.signal.rfft" in f.message


def test_ops_the_padder_takes_stay_silent(lint: Lint) -> None:
    # measured on TF 2.21 (benchmarks/xla_dynamic_padder_probe.py): a dim from boolean_mask goes
    # through elementwise ops, reductions, dots, reshape, tile and repeat
    code = compiled("""
        kept = tf.boolean_mask(x, valid)
        a = tf.reduce_mean(kept * 2.0, axis=0)
        b = tf.matmul(kept, kept, transpose_a=True)
        c = tf.reshape(kept, [-1])
        d = tf.tile(kept, [2, 1])
        e = tf.repeat(kept, 2, axis=0)
        return a, b, c, d, e
    """)
    assert sc204(lint(code)) == []


def test_static_shapes_and_shape_derived_bounds_stay_silent(lint: Lint) -> None:
    code = compiled("""
        n = tf.shape(x)[0] // 2
        m = tf.minimum(tf.shape(x)[1], 8)
        head = x[:n, :m]
        both = tf.where(valid, x, tf.zeros_like(x))
        return tf.signal.fft2d(tf.complex(head, 0.0)), tf.signal.rfft(both)
    """)
    assert sc204(lint(code)) == []


def test_an_argument_alone_is_not_blamed(lint: Lint) -> None:
    # `n` may be a Python int (retraced per value) or a tensor: unknown is not an error
    code = compiled("""
        return tf.signal.rfft(x[:n])
    """, params="x, n")
    assert sc204(lint(code)) == []


def test_not_compiled_is_silent(lint: Lint) -> None:
    code = compiled("""
        kept = tf.boolean_mask(x, valid)
        return tf.signal.rfft(kept)
    """).replace("jit_compile=use_xla", "jit_compile=False")
    assert sc204(lint(code)) == []


def test_tensor_bounded_slice_into_a_reduction_is_reported_once_per_bound(lint: Lint) -> None:
    code = compiled("""
        n = tf.reduce_max(labels)
        a = tf.reduce_sum(x[:, :n])
        b = tf.signal.rfft(valid[:n])
        return a, b
    """)
    found = lint(code)
    assert sc204(found) == [(8, 13)]
    assert "slice bound `n` (line 8)" in next(f.message for f in found if f.code == "SC204")


def test_for_over_a_tensor_range_bounds_a_slice_with_a_loop_tensor(lint: Lint) -> None:
    code = compiled("""
        total = tf.zeros([])
        for i in tf.range(tf.shape(x)[0]):
            total += tf.reduce_sum(x[:i])
        return total
    """)
    assert sc204(lint(code)) == [(9, 22)]


def test_helper_in_another_module_reports_at_the_call_with_the_helper_line(lint: Lint) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/train.py": compiled("""
            kept = tf.boolean_mask(x, valid)
            return spectra.power(kept)
        """).replace("import tensorflow as tf\n", "import tensorflow as tf\n\nfrom pkg import spectra\n"),
        "pkg/spectra.py": textwrap.dedent("""
            import tensorflow as tf


            def power(signal):
                spectrum = tf.signal.rfft(signal)
                return tf.abs(spectrum) ** 2
        """).lstrip("\n"),
    }
    found = lint(files, all_files=True)
    hits = [f for f in found if f.code == "SC204"]
    assert [(f.path.endswith("train.py"), f.line) for f in hits] == [(True, 10)]
    assert "in the call to `power`" in hits[0].message
    assert "-> tf.signal.rfft (" in hits[0].message and "spectra.py:5)" in hits[0].message  # the helper's own line
    assert any("spectra.py:5: inside `power`" in n for n in hits[0].notes)


def test_keras_model_compiled_through_compile(lint: Lint) -> None:
    code = textwrap.dedent("""
        import tensorflow as tf


        class Spectra(tf.keras.Model):
            def call(self, inputs):
                frames, keep = inputs
                frames = tf.boolean_mask(frames, keep)
                return tf.abs(tf.signal.rfft(frames))


        def build(use_xla):
            model = Spectra()
            model.compile(optimizer="adam", loss="mse", jit_compile=use_xla)
            return model
    """).lstrip("\n")
    assert sc204(lint(code)) == [(8, 23)]


def test_test_files_get_sc204_one_severity_lower(lint: Lint) -> None:
    code = compiled("""
        return tf.signal.rfft(tf.boolean_mask(x, valid))
    """)
    [f] = [f for f in lint({"tests/test_spectra.py": code}) if f.code == "SC204"]
    assert f.severity == "warning" and any(n.startswith("rationale:") for n in f.notes)


def test_provenance_of_values() -> None:
    assert provenance(IntValue(None)) == TRACE_CONST
    from shapecheck.contract.expr import Expr

    assert provenance(IntValue(Expr.const(3))) == PYTHON_CONST
    assert provenance(Tensor(None, prov=ARGUMENT)) == ARGUMENT
    assert provenance(Tensor((), prov=TENSOR_VALUE)) == TENSOR_VALUE
    assert provenance(Tensor(None)) is None


def test_cond_whose_branches_slice_different_lengths_makes_a_dynamic_dim(lint: Lint) -> None:
    # measured: XLA pads the result to the longer branch (`c64[<=6,16]`) and an FFT then fails
    code = compiled("""
        rows = tf.cond(tf.reduce_sum(x) > 0.0, lambda: x[:4], lambda: x[:6])
        return tf.signal.rfft(rows)
    """)
    found = lint(code)
    assert sc204(found) == [(8, 16)]
    assert "tf.cond branches" in next(f.message for f in found if f.code == "SC204")
