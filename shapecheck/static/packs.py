"""Knowledge packs: TensorFlow/Keras op shape signatures and contract stubs, loaded from TOML.

Two kinds of table may appear in any ``rules/packs/*.toml`` file:

``[[op]]``  ``names`` (qualified names and aliases), ``kind`` (a handler implemented in
            :mod:`shapecheck.static.ops`), ``args`` (parameter names in positional order),
            optional ``[op.params]`` (handler parameters such as ``keep_last = 2``).
``[[stub]]`` ``name`` (qualified name of unannotated code), ``signature``
            (``"B H W C, B 1 2 C -> B*C H W 1"``; ``()`` is a scalar), ``params`` (parameter names, in order,
            one per contract), optional ``roles`` (``{imgs = "images", offsets = "offsets"}``)
            and ``kind = "function" | "layer"`` (a layer class: the signature applies to
            ``Layer(...)(inputs)``).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from shapecheck.contract.spec import ContractSyntaxError, FunctionSignature, parse_signature
from shapecheck.resources import rules_dir

OP_KINDS: frozenset[str] = frozenset(
    {
        "identity", "elementwise", "reshape", "transpose", "expand_dims", "squeeze", "concat",
        "stack", "unstack", "tile", "repeat", "gather", "matmul", "einsum", "fft_same", "rfft",
        "irfft", "pad", "reduce", "moments", "arg_reduce", "constructor", "constructor_like", "fill",
        "range", "shape", "cond", "case", "floormod", "floordiv", "cast", "ensure_shape",
        "convert", "roll", "fftshift", "where", "layer_conv", "layer_pool",
        "layer_upsampling2d", "layer_dense", "layer_flatten", "layer_reshape",
        "layer_identity", "layer_lambda", "broadcast_to", "split", "one_hot", "size",
        "complex", "real", "slice", "keras_input", "wrap_function", "map_fn", "switch_case", "while_loop",
        "meshgrid", "fftfreq",
        "layer_concatenate", "layer_merge", "layer_embedding", "layer_global_pool", "keras_model",
        "keras_sequential", "eye", "dataset_from_slices", "boolean_mask", "unique", "dynamic_partition",
    }
)
ROLES: frozenset[str] = frozenset({"images", "offsets"})


class PackError(ValueError):
    """A pack file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class OpSignature:
    name: str  # the first (canonical) qualified name
    kind: str
    args: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Stub:
    name: str
    signature: FunctionSignature
    params: tuple[str, ...]
    roles: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    kind: str = "function"
    source: str = ""


@dataclass
class KnowledgePacks:
    """Every op signature and stub, by qualified name. Picklable."""

    ops: dict[str, OpSignature] = field(default_factory=dict)
    stubs: dict[str, Stub] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    digest: str = ""
    # docstring shapes and `# (B, H, W, C)` comments read as soft contracts ([tool.shapecheck] shape-hints)
    shape_hints: bool = True

    def op(self, qualname: str | None) -> OpSignature | None:
        return self.ops.get(qualname) if qualname else None

    def stub(self, qualname: str | None) -> Stub | None:
        return self.stubs.get(qualname) if qualname else None

    def fingerprint(self) -> str:
        return self.digest


def shipped_pack_files() -> list[Path]:
    return sorted((rules_dir() / "packs").glob("*.toml"))


def _load_file(path: Path, packs: KnowledgePacks, required: bool) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: cannot read pack: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{path}: not valid TOML: {exc}") from None
    # Other tables in the same directory belong to other readers (e.g. the XLA pack's
    # constraint tables); a *user* pack must hold something this reader understands.
    if required and not (data.get("op") or data.get("stub")):
        raise PackError(f"{path}: no [[op]] or [[stub]] tables in this pack")
    for key in ("op", "stub"):
        if key in data and not isinstance(data[key], list):
            raise PackError(f"{path}: '{key}' must be an array of tables ([[{key}]])")
    for i, entry in enumerate(data.get("op", [])):
        where = f"{path}: [[op]] #{i + 1}"
        names = entry.get("names")
        kind = entry.get("kind")
        if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
            raise PackError(f"{where}: 'names' must be a non-empty list of qualified names")
        if kind not in OP_KINDS:
            raise PackError(f"{where} ({names[0]}): unknown kind {kind!r}; known kinds: {', '.join(sorted(OP_KINDS))}")
        args = entry.get("args", [])
        if not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
            raise PackError(f"{where} ({names[0]}): 'args' must be a list of parameter names")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise PackError(f"{where} ({names[0]}): 'params' must be a table")
        sig = OpSignature(names[0], kind, tuple(args), dict(params))
        for name in names:
            packs.ops[name] = sig
    for i, entry in enumerate(data.get("stub", [])):
        where = f"{path}: [[stub]] #{i + 1}"
        name = entry.get("name")
        text = entry.get("signature")
        if not isinstance(name, str) or not isinstance(text, str):
            raise PackError(f"{where}: a stub needs string 'name' and 'signature'")
        try:
            signature = parse_signature(text)
        except ContractSyntaxError as exc:
            raise PackError(f"{where} ({name}): {exc}") from None
        params = entry.get("params", [])
        if not (isinstance(params, list) and all(isinstance(p, str) for p in params)):
            raise PackError(f"{where} ({name}): 'params' must be a list of parameter names")
        if len(params) != len(signature.params):
            raise PackError(
                f"{where} ({name}): {len(signature.params)} parameter contract(s) in {text!r} "
                f"but {len(params)} name(s) in 'params'"
            )
        roles = entry.get("roles", {})
        if not isinstance(roles, dict) or any(r not in ROLES for r in roles.values()) or any(p not in params for p in roles):
            raise PackError(f"{where} ({name}): 'roles' maps parameter names to one of {sorted(ROLES)}")
        kind = entry.get("kind", "function")
        if kind not in ("function", "layer"):
            raise PackError(f"{where} ({name}): kind must be 'function' or 'layer'")
        aliases = entry.get("aliases", [])
        stub = Stub(name, signature, tuple(params), dict(roles), kind, str(path))
        for alias in [name, *aliases]:
            packs.stubs[alias] = stub


def load_packs(extra: Iterable[Path | str] = (), shape_hints: bool = True) -> KnowledgePacks:
    """The shipped packs plus ``extra`` pack files (later files override earlier names); ``shape_hints``
    says whether docstring shapes and shape comments are read as soft contracts."""
    packs = KnowledgePacks(shape_hints=shape_hints)
    shipped = shipped_pack_files()
    files = [*shipped, *(Path(p) for p in extra)]
    digest = hashlib.sha256(b"shape-hints" if shape_hints else b"no-shape-hints")
    for i, path in enumerate(files):
        if not path.is_file():
            raise PackError(f"{path}: pack file not found")
        _load_file(path, packs, required=i >= len(shipped))
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    packs.files = tuple(str(p) for p in files)
    packs.digest = digest.hexdigest()
    return packs
