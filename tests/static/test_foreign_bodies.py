"""Short unannotated helpers in other modules are analysed at each call with that call's arguments."""

from __future__ import annotations

from shapecheck.static.api import load_packs, summarise_module

HELPERS = '''import tensorflow as tf


def static_dim(x, axis, what):
    """``x.shape[axis]`` as an int, or a clear error."""
    dim = x.shape[axis]
    if dim is None:
        raise ValueError(f"{what}: axis {axis} unknown")
    return int(dim)


def project(features, weights, bias=None):
    hidden = tf.matmul(features, weights)
    if bias is not None:
        hidden = hidden + bias
    return tf.nn.relu(hidden)


def pool_rows(x, keep=2):
    return tf.reduce_mean(x[:, :keep], axis=1)
'''


def test_swapped_arguments_conflict_inside_the_helper_and_are_reported_at_the_call(lint) -> None:  # type: ignore[no-untyped-def]
    user = '''import tensorflow as tf

from pkg.helpers import project


def head(x):
    w = tf.zeros([64, 10])
    feats = tf.reshape(x, [16, 64])
    return project(w, feats)
'''
    findings = lint({"pkg/model.py": user, "pkg/helpers.py": HELPERS, "pkg/__init__.py": ""})
    assert [(f.line, f.code) for f in findings] == [(9, "SC101")]
    assert "in the call to `project`" in findings[0].message
    # the chain names the line inside the helper, in its own file
    assert any(n.endswith("helpers.py:13: inside `project`, here") for n in findings[0].notes)


def test_the_helper_called_correctly_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    user = '''import tensorflow as tf

from pkg import helpers


def head(x):
    w = tf.zeros([64, 10])
    feats = tf.reshape(x, [-1, 64])
    return helpers.project(feats, w, bias=tf.zeros([10]))
'''
    assert lint({"pkg/model.py": user, "pkg/helpers.py": HELPERS, "pkg/__init__.py": ""}) == []


def test_an_int_helper_gives_the_dim_it_reads(lint) -> None:  # type: ignore[no-untyped-def]
    """``static_dim(x, 1)`` is ``x.shape[1]``: a reshape built from it is checked by element count."""
    user = '''import tensorflow as tf

from pkg.helpers import static_dim


def flatten(images):
    images = tf.ensure_shape(images, [8, 32, 32, 3])
    n = static_dim(images, 1, "flatten")
    return tf.reshape(images, [8, n * n * 4])
'''
    findings = lint({"pkg/flat.py": user, "pkg/helpers.py": HELPERS, "pkg/__init__.py": ""})
    assert [(f.line, f.code) for f in findings] == [(9, "SC104")]
    assert "24576 != 32768" in findings[0].message


def test_a_default_argument_is_its_literal(lint) -> None:  # type: ignore[no-untyped-def]
    """``keep=2`` unpassed: the slice inside keeps 2 rows, and the result's rank is known."""
    user = '''import tensorflow as tf

from pkg.helpers import pool_rows


def summary(x):
    x = tf.ensure_shape(x, [4, 6, 5])
    pooled = pool_rows(x)
    return tf.concat([pooled, tf.zeros([4, 6])], axis=0)
'''
    findings = lint({"pkg/use.py": user, "pkg/helpers.py": HELPERS, "pkg/__init__.py": ""})
    assert [(f.line, f.code) for f in findings] == [(9, "SC101")]
    assert "operand 0 (4, 5)" in findings[0].notes


def test_long_and_annotated_functions_keep_no_body(tmp_path) -> None:  # type: ignore[no-untyped-def]
    long_body = "\n".join(f"    y{i} = x + {i}" for i in range(40))
    src = f'''import tensorflow as tf
from shapecheck import Float32


def long(x):
{long_body}
    return y39


def annotated(x: Float32[tf.Tensor, "B N"]) -> Float32[tf.Tensor, "B N"]:
    return x


def short(x):
    return x * 2
'''
    path = tmp_path / "mod.py"
    path.write_text(src)
    functions = summarise_module(path, src, load_packs()).functions
    assert functions["mod.long"].body is None
    assert functions["mod.annotated"].body is None
    body = functions["mod.short"].body
    assert body is not None
    # the stored text maps back to the file's lines
    assert body.text.splitlines()[0] == "import tensorflow as tf"
    def_line = body.text.splitlines().index("def short(x):") + 1
    assert def_line + body.line_offset == src.splitlines().index("def short(x):") + 1


CUT_HELPERS = '''\
import tensorflow as tf
from numpy import (
    zeros,
)


@tf.function
def decorated(x):  # a comment on the def line
    y = tf.reshape(x, [2, 3])
    return y
# a comment between functions


async def later(a,
                b):
    """Doc."""
    return (a +
            b)
def one_line(x): return x
def last(x):
    if x:
        return zeros([1])
    return x'''


def test_helper_text_is_cut_from_the_lines_the_token_scan_gives(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # no libcst code generation per helper: the same function text and line offset as regenerating it
    import libcst as cst

    from shapecheck.static.foreign import store_bodies
    from shapecheck.static.parsed import ParsedFile, parse_file
    from shapecheck.static.signatures import collect_functions
    from shapecheck.static.summary import ModuleSummary

    def bodies(path, exact: bool):  # type: ignore[no-untyped-def]
        parsed = parse_file(path, CUT_HELPERS)
        if exact:
            monkeypatch.setattr(ParsedFile, "aligned_spans", lambda self: None)
        summary = ModuleSummary(str(path), parsed.module_name, "h", collect_functions(parsed))
        store_bodies(parsed, summary)
        monkeypatch.undo()
        out = {}
        for qn, info in summary.functions.items():
            if info.body is not None:
                module = cst.parse_module(info.body.text)
                fn = next(s for s in module.body if isinstance(s, cst.FunctionDef))
                out[qn] = (module.code_for_node(fn).rstrip(), info.body.line_offset,
                           info.body.text.index(fn.name.value))
        return out

    path = tmp_path / "helpers.py"
    path.write_text(CUT_HELPERS)
    fast, exact = bodies(path, False), bodies(path, True)
    assert set(fast) == {"helpers.decorated", "helpers.later", "helpers.last"}  # not one-line suites
    assert fast == exact
