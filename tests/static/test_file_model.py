"""One semantic model per file: every fact the shape rules and the compiled-region rules share is
derived once (``shapecheck/static/file_model.py``), and both halves read that one object."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper

from shapecheck.findings import Finding
from shapecheck.static.parsed import parse_file
from shapecheck.static.signatures import collect_functions
from shapecheck.static.xla import build_region_map, check_module_xla, collect_module_facts
from shapecheck.static.xla import check as xla_check
from shapecheck.static.xla.collect import model_for

from conftest import codes

# Definitions in every place a statement can hold one, in text order (the line says where).
DEFINITIONS = '''\
import tensorflow as tf


def outer(x):
    def closure(y):
        return y
    class Local:
        def method(self):
            return 1
    return closure(x)


class Model(tf.keras.Model):
    def call(self, x):
        return x

    if True:
        def conditional(self, x):
            return x

    class Inner:
        def deep(self):
            return 0


try:
    def in_try():
        pass
except ImportError:
    def in_except():
        pass
else:
    def in_else():
        pass
finally:
    def in_finally():
        pass

match 1:
    case 1:
        def in_case():
            pass
'''

EXPECTED = [
    ("m.outer", False, False), ("m.outer.closure", False, True), ("m.outer.Local", False, True),
    ("m.outer.Local.method", True, True), ("m.Model", False, False), ("m.Model.call", True, False),
    ("m.Model.conditional", True, False), ("m.Model.Inner", True, False), ("m.Model.Inner.deep", True, False),
    ("m.in_try", False, False), ("m.in_except", False, False), ("m.in_else", False, False),
    ("m.in_finally", False, False), ("m.in_case", False, False),
]


def _parsed(source: str, tmp_path: Path, name: str = "m.py"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(source)
    return parse_file(path, source)


def test_the_index_of_definitions_in_text_order(tmp_path: Path) -> None:
    model = _parsed(DEFINITIONS, tmp_path).model
    assert [(d.qualname, d.in_class, d.in_function) for d in model.definitions] == EXPECTED
    lines = [DEFINITIONS.splitlines().index(next(line for line in DEFINITIONS.splitlines()
                                                 if f"def {d.path[-1]}(" in line or f"class {d.path[-1]}" in line))
             for d in model.definitions]
    assert lines == sorted(lines)  # a try's handlers come before its else, as in the text
    assert [d.qualname for d in model.outer_functions] == [
        "m.outer", "m.Model.call", "m.Model.conditional", "m.Model.Inner.deep", "m.in_try", "m.in_except",
        "m.in_else", "m.in_finally", "m.in_case"]


def test_the_compiled_region_facts_name_functions_from_the_same_index(tmp_path: Path) -> None:
    parsed = _parsed(DEFINITIONS, tmp_path)
    facts = collect_module_facts(parsed.module_name, parsed.path, parsed.wrapper, parsed.text_index, parsed.model)
    assert [f.qualname for f in facts.functions] == [d.qualname for d in parsed.model.functions]
    # methods are the class's own functions, an `if` in the class body included
    model_cls = next(c for c in facts.classes if c.qualname == "m.Model")
    assert model_cls.methods == ("call", "conditional")
    assert {f.qualname: f.class_qualname for f in facts.functions}["m.Model.conditional"] == "m.Model"
    # the SC2xx/SC3xx check finds the nodes it analyses in the same index: the very same node objects
    found = xla_check._function_nodes(parsed.model, "m", {d.qualname for d in parsed.model.functions})
    assert {q: [id(n) for n in ns] for q, ns in found.items()} == {
        d.qualname: [id(d.node)] for d in parsed.model.functions}


def test_a_tree_handed_over_alone_finds_its_parsed_files_model(tmp_path: Path) -> None:
    parsed = _parsed("import tensorflow as tf\nX: int = 3\n", tmp_path)
    model = model_for(parsed.module, parsed.module_name, parsed.path)
    assert model is parsed.model
    assert model.imports is parsed.imports()
    assert model.module_globals == {"X"}


def test_both_halves_read_one_contract_per_parameter(tmp_path: Path) -> None:
    source = '''\
import tensorflow as tf
from shapecheck import Float32


@tf.function
def f(x: Float32[tf.Tensor, "4 N"], n: int):
    return x


def g(x):
    """Args:
        x: (B, 3)
    """
    return x
'''
    parsed = _parsed(source, tmp_path)
    fn = next(d.node for d in parsed.model.functions if d.qualname == "m.f")
    shape_side = collect_functions(parsed, shape_hints=False)["m.f"]
    xla_side = parsed.model.annotation_contract(fn)
    assert xla_side is parsed.model.contracts()["m.f"]
    assert xla_side == shape_side and xla_side.params[0].spec is not None
    # docstring shapes are the shape rules' soft hints: never read as annotations by the XLA rules
    g = next(d.node for d in parsed.model.functions if d.qualname == "m.g")
    assert collect_functions(parsed, shape_hints=True)["m.g"].hint is not None
    info = parsed.model.annotation_contract(g)
    assert info is not None and info.hint is None and not info.has_contract


# A module-level setting changed in each of the ways the one mutation walk records, read in traced code.
MUTATIONS = {
    "subscript": 'STATE["n"] = 3',
    "method": 'STATE.update(n=3)',
    "set": 'STATE.set("n", 3)',
    "global": 'global STATE\n    STATE = {"n": 3}',
}
MUTATED_SOURCE = '''\
import tensorflow as tf

STATE: dict = {{"n": 2}}


def configure():
    {mutation}


@tf.function
def step(x):
    return tf.reshape(x, [STATE["n"], -1])
'''


def _xla_findings(source: str, tmp_path: Path) -> tuple[list[Finding], tuple[str, ...]]:
    parsed = _parsed(source, tmp_path)
    facts = collect_module_facts(parsed.module_name, parsed.path, parsed.wrapper, parsed.text_index, parsed.model)
    region_map = build_region_map([facts])
    return check_module_xla(parsed.path, parsed.module_name, parsed.wrapper, region_map, parsed.model), facts.mutated


def test_every_kind_of_mutation_makes_a_global_mutable_configuration(tmp_path: Path) -> None:
    for kind, mutation in MUTATIONS.items():
        source = MUTATED_SOURCE.format(mutation=mutation)
        found, mutated = _xla_findings(source, tmp_path)
        assert mutated == ("m.STATE",), kind
        read_line = source.splitlines().index('    return tf.reshape(x, [STATE["n"], -1])') + 1
        assert codes(found) == [(read_line, "SC301")], kind


def test_a_local_of_the_same_name_mutates_no_global(tmp_path: Path) -> None:
    source = MUTATED_SOURCE.format(mutation='STATE = {}\n    STATE["n"] = 3')
    found, mutated = _xla_findings(source, tmp_path)
    assert mutated == () and codes(found) == []


def test_the_same_mutation_in_another_file_is_read_the_same_way(lint: Callable[..., list[Finding]]) -> None:
    for kind, mutation in MUTATIONS.items():
        if kind == "global":
            continue  # `global` rebinds only its own module's name
        found = lint({
            "pkg/__init__.py": "",
            "pkg/config.py": 'STATE: dict = {"n": 2}\n',
            "pkg/setup.py": f"from pkg.config import STATE\n\n\ndef configure():\n    {mutation}\n",
            "pkg/model.py": "import tensorflow as tf\nfrom pkg.config import STATE\n\n\n@tf.function\n"
                            "def step(x):\n    return tf.reshape(x, [STATE['n'], -1])\n",
        }, all_files=True)
        assert [(Path(f.path).name, f.line, f.code) for f in found] == [("model.py", 7, "SC301")], kind


def test_a_model_is_made_once_per_tree() -> None:
    module = cst.parse_module("import numpy as np\n")
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    first = model_for(wrapper.module, "m", "m.py")
    assert model_for(module, "m", "m.py") is first
    assert model_for(module, "other", "other.py") is not first  # another name: other qualified names


def test_the_static_reader_knows_exactly_the_contract_languages_annotators(tmp_path: Path) -> None:
    import shapecheck
    from shapecheck.contract.annotations import ANNOTATORS, JAXTYPING_ONLY_ANNOTATORS, DTypeAnnotator
    from shapecheck.static.annotation_contracts import DTYPE_ANNOTATORS

    public = {name for name in dir(shapecheck) if isinstance(getattr(shapecheck, name), DTypeAnnotator)}
    assert set(ANNOTATORS) == public and DTYPE_ANNOTATORS == public | JAXTYPING_ONLY_ANNOTATORS
    # each one, written in a file, is read as a contract of the family its runtime object checks
    lines = ["import tensorflow as tf", "import shapecheck", ""]
    lines += [f'def f_{name}(x: shapecheck.{name}[tf.Tensor, "B 2"]): ...' for name in sorted(public)]
    parsed = _parsed("\n".join(lines) + "\n", tmp_path)
    from shapecheck.static.annotation_contracts import contract_syntax

    for d in parsed.model.functions:
        name = d.path[-1][2:]
        ann = d.node.params.params[0].annotation  # type: ignore[union-attr]
        syntax = contract_syntax(ann.annotation, parsed.model.imports.resolve_or_text)
        assert syntax is not None and syntax.spec is not None and syntax.spec.text == "B 2", name
        assert syntax.dtype == (None if ANNOTATORS[name] == "any" else ANNOTATORS[name]), name


def test_one_reading_of_python_typed_parameters(tmp_path: Path) -> None:
    # the shape rules bind an `int` parameter to the dim of its name; the XLA rules take every
    # Python-typed parameter for a trace-time constant: both read the model's one ParamInfo
    source = '''\
import typing
import tensorflow as tf


def f(a: int, b: int | None, c: typing.Sequence[int], d: tf.Tensor, e: list[int] | None, g):
    pass
'''
    parsed = _parsed(source, tmp_path)
    info = parsed.model.annotation_contract(parsed.model.functions[0].node)  # type: ignore[arg-type]
    assert info is not None
    assert [(p.name, p.python_type, p.is_int) for p in info.params] == [
        ("a", "int", True), ("b", "int", False), ("c", "Sequence", False), ("d", None, False),
        ("e", None, False), ("g", None, False)]
