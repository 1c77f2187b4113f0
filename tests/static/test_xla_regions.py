"""Compiled regions across files, the xla-map output, and pickling of facts and region maps,
through the exact interface the static engine calls."""

from __future__ import annotations

import json
import pickle
import textwrap
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from shapecheck.findings import Finding
from shapecheck.static.dynamism import check_compiled
from shapecheck.static.packs import load_packs
from shapecheck.static.parsed import parse_file
from shapecheck.static.xla import (
    CompiledRegion, RegionMap, XlaModuleFacts, build_region_map, check_module_xla, collect_module_facts, xla_map,
)

TREE = {
    "proj/__init__.py": "",
    "proj/train.py": """
        import tensorflow as tf
        from proj.helpers import crop_and_transform

        @tf.function(jit_compile=True)
        def train_step(images, offsets):
            return crop_and_transform(images, offsets)
    """,
    "proj/helpers.py": """
        import tensorflow as tf
        from proj import util

        def crop_and_transform(images, offsets):
            return util.energy(images, offsets)

        def uncalled(images, offsets):
            n = tf.reduce_max(tf.cast(offsets, tf.int32))
            return tf.reduce_sum(images[:, :n])
    """,
    "proj/util.py": """
        import tensorflow as tf

        def energy(images, offsets):
            n = tf.reduce_max(tf.cast(offsets, tf.int32))
            return tf.reduce_sum(images[:, :n])
    """,
}


def write_tree(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(p)
    return paths


def analyse(root: Path) -> tuple[list[XlaModuleFacts], RegionMap, list[Finding]]:
    parsed = []
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).with_suffix("")
        parts = [x for x in rel.parts if x != "__init__"]
        one = parse_file(p, p.read_text(encoding="utf-8"))
        parsed.append((str(p), ".".join(parts), one))
    facts = [collect_module_facts(name, path, one.wrapper) for path, name, one in parsed]
    region_map = build_region_map(facts)
    found: list[Finding] = []
    for path, name, one in parsed:
        found.extend(check_module_xla(path, name, one.wrapper, region_map))
        found.extend(check_compiled(one, region_map, None, load_packs(), name))  # SC204: the shape interpreter's
    return facts, region_map, found


def test_hazard_in_called_helper_is_flagged_and_uncalled_helper_is_not(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    _, _, found = analyse(tmp_path)
    by_file = {(Path(f.path).name, f.line, f.code) for f in found}
    assert ("util.py", 5, "SC204") in by_file
    assert ("train.py", 4, "SC303") in by_file
    assert not any(name == "helpers.py" for name, _, _ in by_file)
    sc204 = next(f for f in found if f.code == "SC204")
    assert any("proj.train.train_step -> proj.helpers.crop_and_transform -> proj.util.energy" in n
               for n in sc204.notes)


def test_xla_map_lists_the_root_its_chain_and_its_switch(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    _, region_map, _ = analyse(tmp_path)
    regions = xla_map(region_map)
    assert len(regions) == 1
    region = regions[0]
    assert isinstance(region, CompiledRegion)
    assert region.compiled
    assert [m.qualname for m in region.members] == [
        "proj.train.train_step", "proj.helpers.crop_and_transform", "proj.util.energy"]
    text = region.format()
    assert "train.py:4:1: @tf.function(jit_compile=True) on proj.train.train_step [compiled by XLA]" in text
    assert "TF_XLA_FLAGS=--tf_xla_auto_jit=0 does NOT turn this off" in text
    assert "util.py:3: proj.util.energy   via proj.train.train_step -> proj.helpers.crop_and_transform" in text
    data = json.loads(json.dumps(region.to_dict()))
    assert data["switch"]["kind"] == "literal-true"
    assert data["switch"]["turned_off_by"] == []
    assert data["members"][2]["chain"] == [
        "proj.train.train_step", "proj.helpers.crop_and_transform", "proj.util.energy"]


def test_switch_controlled_root_lists_its_off_switch(tmp_path: Path) -> None:
    files = dict(TREE)
    files["proj/train.py"] = """
        import tensorflow as tf
        from proj.helpers import crop_and_transform

        def make_step(use_xla):
            @tf.function(jit_compile=use_xla)
            def train_step(images, offsets):
                return crop_and_transform(images, offsets)
            return train_step
    """
    write_tree(tmp_path, files)
    _, region_map, found = analyse(tmp_path)
    [region] = xla_map(region_map)
    assert region.root.switch.kind == "param"
    assert region.off_switches() == ["set `use_xla` false"]
    assert "controlled by argument `use_xla`" in region.format()
    assert {f.code for f in found} == {"SC204"}


def test_facts_and_region_map_pickle_and_fingerprint(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    facts, region_map, _ = analyse(tmp_path)
    for f in facts:
        assert pickle.loads(pickle.dumps(f)) == f
    again = pickle.loads(pickle.dumps(region_map))
    assert again.fingerprint() == region_map.fingerprint()
    assert [r.format() for r in xla_map(again)] == [r.format() for r in xla_map(region_map)]
    assert build_region_map(facts).fingerprint() == region_map.fingerprint()
    # an edit that changes nothing cross-file keeps the fingerprint; a new call edge changes it
    (tmp_path / "proj/util.py").write_text(
        (tmp_path / "proj/util.py").read_text() + "\n\ndef unrelated(x):\n    return x\n")
    _, same_map, _ = analyse(tmp_path)
    assert same_map.fingerprint() == region_map.fingerprint()
    # moving a member down its file changes that file's facts, not what other files depend on
    util = tmp_path / "proj/util.py"
    util.write_text("\n\n" + util.read_text())
    facts_moved, moved_map, _ = analyse(tmp_path)
    assert [r.members[2].line for r in xla_map(moved_map)] == [5]
    assert moved_map.fingerprint() == region_map.fingerprint()
    helpers = tmp_path / "proj/helpers.py"
    helpers.write_text(helpers.read_text().replace("return util.energy(images, offsets)",
                                                   "return uncalled(images, offsets)"))
    _, changed, found = analyse(tmp_path)
    assert changed.fingerprint() != region_map.fingerprint()
    assert {(Path(f.path).name, f.code) for f in found} >= {("helpers.py", "SC204")}


def test_keras_compiled_model_layers_and_reexports(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "from .layers import Translation\n",
        "app/layers.py": """
            import tensorflow as tf
            from app.ops import warp

            class Translation(tf.keras.layers.Layer):
                def call(self, inputs):
                    return warp(inputs)

            class Wrapper(tf.keras.layers.Layer):
                def __init__(self):
                    super().__init__()
                    self.inner = Translation()

                def call(self, x):
                    return self.inner(x)
        """,
        "app/ops.py": """
            import tensorflow as tf

            def warp(x):
                return tf.unique(x)

            def lam(x):
                return tf.boolean_mask(x, x > 0)
        """,
        "app/model.py": """
            import tensorflow as tf
            from app import Translation
            from app.layers import Wrapper
            from app.ops import lam

            def build(cfg):
                inp = tf.keras.Input((8,))
                out = tf.keras.layers.Lambda(lambda t: lam(t))(Wrapper()(inp))
                model = tf.keras.Model(inp, out)
                model.compile(optimizer="adam", jit_compile=cfg["xla"])
                return model

            class Net(tf.keras.Model):
                def call(self, x):
                    return Translation()(x)

            def train():
                net = Net()
                net.compile(optimizer="adam", jit_compile=False)
        """,
    }
    write_tree(tmp_path, files)
    _, region_map, found = analyse(tmp_path)
    regions = {r.root.label: r for r in xla_map(region_map)}
    built = regions['model.compile(jit_compile=cfg["xla"])']
    assert built.compiled and built.root.switch.kind == "config"
    names = {m.qualname for m in built.members}
    assert {"app.layers.Wrapper.call", "app.layers.Translation.call", "app.ops.warp", "app.ops.lam"} <= names
    net = regions["net.compile(jit_compile=False)"]
    assert not net.compiled
    assert {m.qualname for m in net.members} >= {"app.model.Net.call"}
    assert {(Path(f.path).name, f.line, f.code) for f in found} == {("ops.py", 4, "SC202"), ("ops.py", 7, "SC202")}


def test_other_roots_xla_compile_jit_scope_and_auto_jit(tmp_path: Path) -> None:
    files = {
        "m.py": """
            import tensorflow as tf

            def body(x):
                return tf.where(x > 0)

            def scoped(x):
                return tf.unique(x)

            def run(x):
                tf.config.optimizer.set_jit(True)
                y = tf.xla.experimental.compile(body, [x])
                with tf.xla.experimental.jit_scope():
                    z = scoped(x)
                return y, z

            @tf.function
            def traced(x):
                return tf.where(x > 0)
        """,
    }
    write_tree(tmp_path, files)
    _, region_map, found = analyse(tmp_path)
    kinds = {r.root.kind: r for r in xla_map(region_map)}
    assert set(kinds) == {"xla-compile", "jit-scope", "tf.function"}
    assert [m.qualname for m in kinds["xla-compile"].members] == ["m.body"]
    assert [m.qualname for m in kinds["jit-scope"].members] == ["m.scoped"]
    assert not kinds["tf.function"].compiled
    assert "auto-clustering: " in kinds["tf.function"].format()
    assert {(f.line, f.code) for f in found} == {(4, "SC202"), (7, "SC202")}


def test_module_without_anything_relevant_is_skipped_cheaply(tmp_path: Path) -> None:
    write_tree(tmp_path, {"plain.py": "def f(x):\n    return x.shape[0] * 2\n"})
    facts, region_map, found = analyse(tmp_path)
    assert found == [] and xla_map(region_map) == []
    assert facts[0].functions[0].line == 1


POSITIONS_SOURCE = '''
import tensorflow as tf
from tensorflow import keras

NAME = "größe"  # non-ASCII before the roots: ast columns are bytes, ours characters


class Net(keras.Model):
    @tf.function(jit_compile=True)
    def train_step(self, data):
        return data


def run(model, f, flag):
    tf.config.optimizer.set_jit(True)
    g = tf.function(f, jit_compile=flag)
    h = tf.function(f, jit_compile=True); s = "ä"; k = tf.function(f, jit_compile=True)
    model.compile(optimizer="adam",
                  jit_compile=True)
    with tf.xla.experimental.jit_scope():
        run(model, f, flag)
    return g, h, k


@tf.function
def traced(x):
    return x
'''


def test_fast_positions_agree_with_position_provider(tmp_path: Path, monkeypatch) -> None:
    import shapecheck.static.xla.collect as collect_mod

    path = tmp_path / "m.py"
    path.write_text(POSITIONS_SOURCE, encoding="utf-8")
    fast = collect_module_facts("m", str(path), MetadataWrapper(cst.parse_module(POSITIONS_SOURCE)))

    def unavailable(module: object) -> None:
        return None  # no text index: the exact (PositionProvider) path

    monkeypatch.setattr(collect_mod, "_own_text_index", unavailable)
    exact = collect_module_facts("m", str(path), MetadataWrapper(cst.parse_module(POSITIONS_SOURCE)))
    assert fast == exact
    assert {(r.kind, r.line, r.col, r.switch.line, r.switch.col) for r in fast.roots} >= {
        ("tf.function", 9, 5, 9, 30), ("tf.function-call", 17, 9, 17, 36), ("tf.function-call", 17, 56, 17, 83),
        ("keras-compile", 18, 5, 19, 31), ("tf.function-call", 16, 9, 16, 36)}
    assert fast.auto_jit[0].line == 15


def test_root_positions_come_from_the_parsed_text_not_the_file(tmp_path: Path) -> None:
    stale = tmp_path / "m.py"
    stale.write_text(POSITIONS_SOURCE.replace("\n\n\nclass Net", "\nclass Net"), encoding="utf-8")
    facts = collect_module_facts("m", str(stale), MetadataWrapper(cst.parse_module(POSITIONS_SOURCE)))
    assert ("tf.function", 9, 5) in {(r.kind, r.line, r.col) for r in facts.roots}


def test_positions_fall_back_when_the_file_on_disk_is_another_text(tmp_path: Path) -> None:
    other = tmp_path / "o.py"
    other.write_text("def unrelated():\n    pass\n", encoding="utf-8")
    facts = collect_module_facts("m", str(other), MetadataWrapper(cst.parse_module(POSITIONS_SOURCE)))
    assert {(r.kind, r.line) for r in facts.roots} >= {("tf.function", 9), ("keras-compile", 18)}
    missing = collect_module_facts("m", str(tmp_path / "nope.py"), MetadataWrapper(cst.parse_module(POSITIONS_SOURCE)))
    def places(f: XlaModuleFacts) -> list[tuple[int, int, int, int]]:
        return [(r.line, r.col, r.switch.line, r.switch.col) for r in f.roots] + [(fn.line, 0, 0, 0) for fn in f.functions]

    assert places(missing) == places(facts)


def test_scripts_sharing_a_module_name_stay_apart(tmp_path: Path) -> None:
    hazard = """
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def step(x, idx):
            return helper(x, idx)

        def helper(x, idx):
            return tf.tile(x, [tf.reduce_max(idx), 1])
    """
    clean = """
        import tensorflow as tf

        def step(x, idx):
            return helper(x, idx)

        def helper(x, idx):
            return tf.tile(x, [tf.reduce_max(idx), 1])
    """
    write_tree(tmp_path, {"a/run.py": hazard, "b/run.py": clean})
    parsed = []
    for p in sorted(tmp_path.rglob("*.py")):
        parsed.append((str(p), "run", MetadataWrapper(cst.parse_module(p.read_text(encoding="utf-8")))))
    facts = [collect_module_facts(name, path, w) for path, name, w in parsed]
    region_map = build_region_map(facts)
    by_dir = {Path(path).parent.name: {(f.line, f.code) for f in check_module_xla(path, name, w, region_map)}
              for path, name, w in parsed}
    assert by_dir == {"a": {(3, "SC303"), (8, "SC201")}, "b": set()}
    [region] = xla_map(region_map)
    assert [Path(m.path).parent.name for m in region.members] == ["a", "a"]
    assert [m.qualname for m in region.members] == ["run.step", "run.helper"]
    assert region.to_dict()["root"]["module"] == "run" and "run@" not in region.format()
    assert pickle.loads(pickle.dumps(region_map)).fingerprint() == region_map.fingerprint()


ODD_SOURCE = '''
import tensorflow as tf

def get_model():
    return tf.keras.Sequential([])

get_model().compile(optimizer="adam", jit_compile=True)
models = [get_model()]
models[0].compile(loss="mse")
tf.function(lambda x: x, jit_compile=True)(1)
(lambda: tf.config.optimizer.set_jit(True))()
for tf.function in []: pass
'''


def test_roots_on_unnamed_receivers_get_exact_positions(tmp_path: Path) -> None:
    path = tmp_path / "odd.py"
    path.write_text(ODD_SOURCE, encoding="utf-8")
    facts = collect_module_facts("odd", str(path), MetadataWrapper(cst.parse_module(ODD_SOURCE)))
    assert {(r.kind, r.line, r.col) for r in facts.roots} == {
        ("keras-compile", 7, 1), ("keras-compile", 9, 1), ("tf.function-call", 10, 1)}
    region_map = build_region_map([facts])
    found = check_module_xla(str(path), "odd", MetadataWrapper(cst.parse_module(ODD_SOURCE)), region_map)
    assert {(f.line, f.code) for f in found} == {(7, "SC303"), (10, "SC303")}
    assert all(r.format() for r in xla_map(region_map))


def test_model_train_step_calling_self_reaches_call(tmp_path: Path) -> None:
    write_tree(tmp_path, {"net.py": """
        import tensorflow as tf

        class Net(tf.keras.Model):
            def call(self, x):
                return tf.unique(x)

            def train_step(self, data):
                return self(data, training=True)

        def fit(net: Net):
            net = Net()
            net.compile(optimizer="adam", jit_compile=True)
    """})
    _, region_map, found = analyse(tmp_path)
    [region] = xla_map(region_map)
    assert {m.qualname: m.chain for m in region.members}["net.Net.call"][0] in ("net.Net.call", "net.Net.train_step")
    assert {(f.line, f.code) for f in found} == {(5, "SC202"), (12, "SC303")}


def test_tf_xla_flags_written_in_code_is_recorded_as_auto_clustering(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cfg.py": """
        import os
        import tensorflow as tf

        os.environ["TF_XLA_FLAGS"] = "--tf_xla_auto_jit=2"
        os.environ.setdefault("TF_XLA_FLAGS", "--tf_xla_auto_jit=0")

        @tf.function
        def f(x):
            return x
    """})
    facts, region_map, _ = analyse(tmp_path)
    assert [(a.line, a.text) for a in facts[0].auto_jit] == [
        (4, 'os.environ["TF_XLA_FLAGS"]'), (5, 'os.environ.setdefault("TF_XLA_FLAGS", "--tf_xla_auto_jit=0")')]
    [region] = xla_map(region_map)
    assert not region.compiled and "auto-clustering: " in region.format()


def test_global_mutated_in_another_file_is_configuration(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/state.py": "SIZES = {'n': 4}\nFIXED = {'n': 4}\n",
        "app/setup.py": """
            from app import state

            def configure(n):
                state.SIZES['n'] = n
        """,
        "app/layer.py": """
            import tensorflow as tf
            from app.state import SIZES, FIXED

            class Block(tf.keras.layers.Layer):
                def call(self, x):
                    return tf.reshape(x, [-1, SIZES['n']]), tf.reshape(x, [-1, FIXED['n']])
        """,
    })
    facts, region_map, found = analyse(tmp_path)
    assert "app.state.SIZES" in region_map.mutated_globals
    assert {(Path(f.path).name, f.line, f.col, f.code) for f in found} == {("layer.py", 6, 35, "SC301")}


def test_fingerprint_follows_switches_and_mutations(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    _, base, _ = analyse(tmp_path)
    train = tmp_path / "proj/train.py"
    train.write_text(train.read_text().replace("jit_compile=True", "jit_compile=False"))
    _, switched, _ = analyse(tmp_path)
    assert switched.fingerprint() != base.fingerprint()
    train.write_text(train.read_text().replace("jit_compile=False", "jit_compile=True"))
    (tmp_path / "proj/extra.py").write_text("from proj import util\n\ndef f():\n    util.CFG['n'] = 1\n")
    _, mutated, _ = analyse(tmp_path)
    assert "proj.util.CFG" in mutated.mutated_globals
    assert mutated.fingerprint() != base.fingerprint()


TRICKY_POSITIONS = '''
import tensorflow as tf

DOC = """model.compile(jit_compile=True) and tf.function(f, jit_compile=True) in a string"""


def run(model, f, flag):  # tf.function(f, jit_compile=True) in a comment
    a = tf.function(f, input_signature=[tf.TensorSpec([None], name="jit_compile=")], jit_compile=True)
    b = tf . function(
        f,
        # jit_compile=False in a comment
        experimental_compile=True)
    model.compile(loss=dict(jit_compile=False), jit_compile=flag)
    return a, b
'''


def test_text_positions_skip_strings_comments_and_inner_brackets(tmp_path: Path, monkeypatch) -> None:
    import shapecheck.static.xla.collect as collect_mod

    path = tmp_path / "m.py"
    path.write_text(TRICKY_POSITIONS, encoding="utf-8")
    fast = collect_module_facts("m", str(path), MetadataWrapper(cst.parse_module(TRICKY_POSITIONS)))
    monkeypatch.setattr(collect_mod, "_own_text_index", lambda module: None)
    exact = collect_module_facts("m", str(path), MetadataWrapper(cst.parse_module(TRICKY_POSITIONS)))
    assert fast == exact
    assert {(r.line, r.col, r.switch.line, r.switch.col) for r in fast.roots} == {
        (8, 9, 8, 98), (9, 9, 12, 30), (13, 5, 13, 61)}
