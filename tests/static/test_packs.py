"""Knowledge packs: the shipped op and stub packs load, and bad user packs are named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from shapecheck.static.keras_models import HANDLERS as MODEL_HANDLERS
from shapecheck.static.datasets import HANDLERS as DATASET_HANDLERS
from shapecheck.static.ops import HANDLERS
from shapecheck.static.packs import OP_KINDS, PackError, load_packs


def test_shipped_packs_cover_the_op_families_and_legacy_helpers() -> None:
    packs = load_packs()
    for name in ("tensorflow.reshape", "tensorflow.compat.v1.reshape", "tensorflow.signal.fft2d", "tensorflow.gather",
                 "tensorflow.einsum", "tensorflow.keras.layers.Conv2D", "keras.layers.Dense", "numpy.zeros"):
        assert packs.op(name) is not None, name
    assert packs.op("tensorflow.reshape").kind == "reshape"  # type: ignore[union-attr]
    for name in ("ptycho.tf_helper._channel_to_flat", "ptycho.tf_helper.flatten_offsets", "ptycho.tf_helper.translate",
                 "ptycho.tf_helper.Translation", "ptycho.tf_helper.reassemble_patches", "ptycho.tf_helper.fftshift",
                 "ptycho.tf_helper.extract_patches_position", "ptycho.tf_helper.pad_patches"):
        assert packs.stub(name) is not None, name
    flat = packs.stub("ptycho.tf_helper.flatten_offsets")
    assert flat is not None and flat.signature.text == "B 1 2 C -> B*C 2" and flat.roles == {"channels": "offsets"}
    assert packs.fingerprint()


def test_every_kind_has_a_handler() -> None:
    assert OP_KINDS <= set(HANDLERS) | set(MODEL_HANDLERS) | set(DATASET_HANDLERS)


def test_user_pack_extends_and_overrides(tmp_path: Path) -> None:
    pack = tmp_path / "mine.toml"
    pack.write_text('[[stub]]\nname = "legacy.warp"\nsignature = "B H W, B 2 -> B H W"\nparams = ["img", "shift"]\n'
                    'roles = { img = "images", shift = "offsets" }\n\n'
                    '[[op]]\nkind = "identity"\nnames = ["mylib.smooth"]\nargs = ["x"]\n')
    packs = load_packs([pack])
    assert packs.stub("legacy.warp") is not None and packs.op("mylib.smooth") is not None
    assert packs.fingerprint() != load_packs().fingerprint()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[[op]\nkind = 1", "not valid TOML"),
        ('[[op]]\nkind = "teleport"\nnames = ["a.b"]\n', "unknown kind 'teleport'"),
        ('[[op]]\nkind = "reshape"\nnames = []\n', "'names' must be a non-empty list"),
        ('[[stub]]\nname = "a.b"\nsignature = "B (H -> B"\nparams = ["x"]\n', "a.b"),
        ('[[stub]]\nname = "a.b"\nsignature = "B H, B -> B"\nparams = ["x"]\n', "2 parameter contract(s)"),
        ('[[stub]]\nname = "a.b"\nsignature = "B -> B"\nparams = ["x"]\nroles = { x = "labels" }\n', "'roles'"),
        ('title = "nothing for the analyser"\n', "no [[op]] or [[stub]]"),
    ],
)
def test_bad_user_pack_names_file_and_problem(tmp_path: Path, text: str, needle: str) -> None:
    pack = tmp_path / "bad.toml"
    pack.write_text(text)
    with pytest.raises(PackError) as info:
        load_packs([pack])
    assert str(pack) in str(info.value) and needle in str(info.value)


def test_missing_pack_file(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="not found"):
        load_packs([tmp_path / "absent.toml"])


def test_a_stub_spells_a_scalar_as_parentheses(tmp_path: Path) -> None:
    from shapecheck.static.api import build_project, check_module, summarise_module

    pack = tmp_path / "scalar.toml"
    pack.write_text('[[stub]]\nname = "legacy.nll"\nsignature = "B N, B N -> ()"\nparams = ["a", "b"]\n')
    path = tmp_path / "mod.py"
    src = ("import tensorflow as tf\nfrom legacy import nll\n\n\ndef f():\n    a = tf.zeros([2, 3])\n"
           "    return tf.reshape(nll(a, a), [2, 3])\n")
    found = {}
    for name, packs in (("without", load_packs()), ("with", load_packs([pack]))):
        project = build_project([summarise_module(path, src, packs)], packs)
        found[name] = [(f.line, f.code) for f in check_module(path, src, project, packs)]
    assert found == {"without": [], "with": [(7, "SC104")]}  # reshape of a scalar (1 element) to 6 elements


def test_a_stub_is_the_contract_of_the_body_it_describes(tmp_path: Path) -> None:
    # a pack from `shapecheck infer` for unannotated code: the parameters start with the stub's
    # shapes and the return is checked against it, as if the contracts were annotations
    from shapecheck.static.api import build_project, check_module, summarise_module

    path = tmp_path / "mod.py"
    src = ("import tensorflow as tf\n\n\ndef nll(a, b):\n    return tf.concat([a, b], axis=0)\n\n\n"
           "class Scale:\n    def call(self, x):\n        return tf.transpose(x)\n")
    pack = tmp_path / "inferred.toml"
    pack.write_text('[[stub]]\nname = "mod.nll"\nsignature = "B N, B N -> ()"\nparams = ["a", "b"]\n\n'
                    '[[stub]]\nname = "mod.Scale"\nkind = "layer"\nsignature = "B C -> B C"\nparams = ["x"]\n')
    found = {}
    for name, packs in (("without", load_packs()), ("with", load_packs([pack]))):
        project = build_project([summarise_module(path, src, packs)], packs)
        found[name] = [(f.line, f.code, f.message) for f in check_module(path, src, project, packs)]
    assert found["without"] == []
    assert [(line, code) for line, code, _ in found["with"]] == [(5, "SC102"), (10, "SC102")]
    assert "the stub in inferred.toml of `nll`" in found["with"][0][2]
