"""Hypothesis strategies for Python source that CPython accepts, shaped like TensorFlow code.

Statements are drawn from templates that cover the syntax the analyser walks (every compound
statement including ``match`` and ``try``/``except*``, nested functions, lambdas, classes,
decorators, comprehensions, walrus, f-strings, star arguments) filled with TensorFlow calls,
slices (steps of 0 and negatives included) and contract annotations, some malformed.
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = ["x", "y", "z", "n", "m", "k", "imgs", "offsets", "self", "cfg", "tf", "np", "_"]
INTS = ["0", "1", "2", "-1", "3", "4", "8", "-2", "n", "m", "k"]
CONTRACTS = ['"B N"', '"B H W C"', '"B*C 2"', '"N//2"', '"#B C"', '"... 2"', '"B (H"', '""', '"1 2 3"', '"N-1 M+1"']

atom = st.one_of(st.sampled_from(NAMES), st.sampled_from(INTS), st.just("None"), st.just("True"), st.just("x.shape[0]"))


@st.composite
def shape_list(draw: st.DrawFn) -> str:
    dims = draw(st.lists(st.sampled_from(INTS), max_size=4))
    return "[" + ", ".join(dims) + "]"


@st.composite
def slice_expr(draw: st.DrawFn) -> str:
    parts = [draw(st.sampled_from(["", *INTS])) for _ in range(draw(st.integers(1, 3)))]
    base = draw(st.sampled_from(NAMES))
    index = ", ".join(":".join(parts) if draw(st.booleans()) else draw(st.sampled_from(INTS)) for _ in range(draw(st.integers(1, 3))))
    return f"{base}[{index}]"


def _call(name: str, *args: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*args).map(lambda a: f"{name}({', '.join(a)})")


expr = st.deferred(lambda: st.one_of(
    atom,
    slice_expr(),
    _call("tf.reshape", st.sampled_from(NAMES), shape_list()),
    _call("tf.zeros", shape_list()),
    _call("tf.ones", shape_list()),
    _call("tf.transpose", st.sampled_from(NAMES), shape_list()),
    _call("tf.concat", st.tuples(atom, atom).map(lambda t: f"[{t[0]}, {t[1]}]"), st.sampled_from(INTS)),
    _call("tf.gather", atom, atom),
    _call("tf.tile", atom, shape_list()),
    _call("tf.repeat", atom, atom),
    _call("tf.shape", atom),
    _call("tf.where", atom),
    _call("tf.cond", atom, st.just("lambda: x"), st.just("lambda: y")),
    _call("tf.signal.fft2d", atom),
    _call("tf.range", atom),
    _call("np.zeros", shape_list()),
    _call("np.eye", atom),
    st.tuples(atom, st.sampled_from(["+", "-", "*", "//", "%", "@", "**", "==", "and", "if x else"]), atom).map(" ".join),
    st.tuples(atom, atom).map(lambda t: f"[{t[0]} for _ in range({t[1]})]"),
    st.tuples(atom, atom).map(lambda t: f"(w := {t[0]}) + {t[1]}"),
    atom.map(lambda a: f'f"{{{a}}}"'),
    st.tuples(atom, atom).map(lambda t: f"lambda q, *r, **s: {t[0]} + {t[1]}"),
    st.tuples(atom, atom).map(lambda t: f"{t[0]}(*{t[1]}, key={t[0]})"),
))

annotation = st.one_of(
    st.just(""),
    st.sampled_from(CONTRACTS).map(lambda c: f": Float32[tf.Tensor, {c}]"),
    st.sampled_from(CONTRACTS).map(lambda c: f": Annotated[tf.Tensor, Shape({c})]"),
    st.just(": int"),
)


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines] or ["    pass"]


@st.composite
def block(draw: st.DrawFn, depth: int) -> list[str]:
    out: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        out.extend(draw(statement(depth)))
    return out


@st.composite
def statement(draw: st.DrawFn, depth: int) -> list[str]:
    simple = [
        "assign", "augassign", "return", "expr", "annassign", "global", "del", "assert", "raise", "import", "pass",
    ]
    compound = ["if", "for", "while", "with", "try", "trystar", "match", "def", "asyncdef", "class"]
    kind = draw(st.sampled_from(simple + (compound if depth < 3 else [])))
    e = lambda: draw(expr)  # noqa: E731
    name = draw(st.sampled_from(NAMES[:9]))
    if kind == "assign":
        return [f"{name} = {e()}"]
    if kind == "augassign":
        return [f"{name} {draw(st.sampled_from(['+=', '*=', '//=', '%=']))} {e()}"]
    if kind == "return":
        return [f"return {e()}"] if depth > 0 else [f"{name} = {e()}"]
    if kind == "expr":
        return [e()]
    if kind == "annassign":
        return [f"{name}{draw(annotation) or ': int'} = {e()}"]
    if kind == "global":
        return [f"global {name}"] if depth > 0 else ["pass"]
    if kind == "del":
        return [f"del {name}"]
    if kind == "assert":
        return [f"assert {e()}, {e()}"]
    if kind == "raise":
        return ["raise ValueError(x)"]
    if kind == "import":
        return [draw(st.sampled_from([
            "import tensorflow as tf", "tf = pytest.importorskip('tensorflow')", "from tensorflow import keras",
            "import numpy as np", "from . import helpers", "from .mod import f as g",
        ]))]
    if kind == "pass":
        return ["pass"]
    body = _indent(draw(block(depth + 1)))
    if kind == "if":
        return [f"if {e()}:", *body, "elif x:", *body, "else:", *body] if draw(st.booleans()) else [f"if {e()}:", *body]
    if kind == "for":
        return [f"for {name} in range({e()}):", *body, "else:", "    pass"]
    if kind == "while":
        return [f"while {e()}:", *body, "    break"]
    if kind == "with":
        return [f"with tf.device({e()}) as {name}, ctx():", *body]
    if kind == "try":
        return ["try:", *body, "except (ValueError, KeyError) as err:", *body, "else:", "    pass", "finally:", *body]
    if kind == "trystar":
        return ["try:", *body, "except* ValueError:", *body]
    if kind == "match":
        return [f"match {e()}:", "    case [a, *rest]:", *_indent(body), "    case {'k': v}:", *_indent(body),
                "    case Point(x=0) | None:", *_indent(body), "    case _:", *_indent(body)]
    decorator = draw(st.sampled_from(["", "@tf.function", "@tf.function(jit_compile=True)", "@check", "@staticmethod"]))
    params = ", ".join(f"{p}{draw(annotation)}" for p in draw(st.lists(st.sampled_from(["x", "y", "imgs", "offsets", "n"]), unique=True, max_size=3)))
    returns = draw(st.sampled_from(["", " -> None", ' -> Float32[tf.Tensor, "B N"]']))
    head = [decorator] if decorator else []
    if kind == "def":
        return [*head, f"def f{depth}_{name.strip('_') or 'u'}({params}){returns}:", *body]
    if kind == "asyncdef":
        return [*head, f"async def a{depth}({params}):", *body, "    await x"]
    return [f"class C{depth}(tf.keras.layers.Layer):", "    def call(self, x):", *_indent(body)]


@st.composite
def python_module(draw: st.DrawFn) -> str:
    header = ["import tensorflow as tf", "import numpy as np", "from shapecheck import Float32, Shape, check",
              "from typing import Annotated"]
    lines = draw(block(0))
    return "\n".join([*header, *lines]) + "\n"


def accepted_by_cpython(source: str) -> bool:
    try:
        compile(source, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
