"""The cheap prefilters never hide a finding: skipped files and functions have nothing to flag."""

from __future__ import annotations

from shapecheck.static.prefilter import may_have_shape_findings, names_pattern, triggered_functions


def test_file_level_triggers() -> None:
    assert may_have_shape_findings('def f(x: Float32[tf.Tensor, "B"]): ...', None)
    assert may_have_shape_findings("x = tf.zeros((4, 3))", None)
    assert may_have_shape_findings("i = tf.range(n) % m", None)
    assert may_have_shape_findings("r = tf.repeat(x, n // m, axis=0)", None)
    assert may_have_shape_findings("inp = keras.Input(shape=(4,))", None)
    assert not may_have_shape_findings("def f(x):\n    return tf.reshape(x, shape)\n", None)
    names = names_pattern(["translate", "flatten_offsets"])
    assert may_have_shape_findings("y = hh.translate(a, b)", names)
    assert not may_have_shape_findings("y = translated + 1", names)


def test_function_level_triggers_by_name_path(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shapecheck.static.prefilter as prefilter

    src = '''
import tensorflow as tf


def plain(x):
    return tf.reshape(x, s)


class K:
    def uses_literal(self):
        return tf.ones((2, 2))

    @decorator(tf.zeros((1,)))
    def decorated(self):
        return 1


if True:
    def nested_in_if():
        return translate(a, b)
'''
    assert triggered_functions(src, None) is None  # a small file is analysed whole
    monkeypatch.setattr(prefilter, "SMALL_FILE_FUNCTIONS", 0)
    assert triggered_functions(src, None) == {("K", "uses_literal"), ("K", "decorated")}
    assert triggered_functions(src, names_pattern(["translate"])) == {
        ("K", "uses_literal"), ("K", "decorated"), ("nested_in_if",),
    }
    # no parser runs: the token scan places the hit in `f` even where the text is not Python
    assert triggered_functions("def f(:\n  tf.zeros((1,))\n", None) == {("f",)}


def test_reused_summary_findings_are_redone_when_the_project_knows_more(lint) -> None:  # type: ignore[no-untyped-def]
    user = (
        "import tensorflow as tf\nfrom helpers import widen\n\n\n"
        "def f():\n    x = tf.zeros((4, 3))\n    return widen(x) + tf.zeros((4, 1))\n"
    )
    helpers = "import tensorflow as tf\n\n\ndef widen(a):\n    return tf.reshape(a, (tf.shape(a)[0] * 2, -1))\n"
    # alone, `widen` is unknown: nothing to report; with its body summary (8, ?) + (4, 1) cannot broadcast
    assert lint(user) == []
    # with its body analysed for this call: 12 elements cannot be split into 8 rows (SC104 at the call),
    # and the body summary (8, ?) + (4, 1) cannot broadcast (SC101)
    assert [(f.line, f.code) for f in lint({"user.py": user, "helpers.py": helpers})] == [(7, "SC101"), (7, "SC104")]
