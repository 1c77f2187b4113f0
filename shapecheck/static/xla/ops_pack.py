"""The XLA op pack (``rules/packs/xla_ops.toml``): which op argument must be constant, which ops
have data-dependent output shapes or no XLA kernel, which ops choke on dynamic dimensions."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shapecheck.resources import rules_dir


def normalise_op(name: str) -> list[str]:
    """Spellings of one TensorFlow op to try against a pack, most specific first."""
    out = [name]
    for prefix, repl in (
        ("tensorflow.compat.v2.", "tensorflow."),
        ("tensorflow.compat.v1.", "tensorflow."),
        ("tensorflow.math.", "tensorflow."),
        ("tensorflow.linalg.", "tensorflow.linalg."),
        ("tf_keras.", "tensorflow.keras."),
        ("keras.src.ops.", "keras.ops."),
    ):
        if name.startswith(prefix):
            out.append(repl + name[len(prefix):])
    if name.startswith("tensorflow.") and not name.startswith("tensorflow.math."):
        out.append("tensorflow.math." + name[len("tensorflow."):])
    return out


class XlaPackError(ValueError):
    """The pack file is malformed: names the file and the entry."""


@dataclass(frozen=True)
class ConstantArg:
    position: int  # -1: keyword only
    param: str
    what: str
    dynamic_dim: bool


@dataclass(frozen=True)
class DataDependentOp:
    what: str
    when_positional: int | None
    unless_any: frozenset[str]
    unless_all: frozenset[str]


@dataclass(frozen=True)
class NoKernelOp:
    what: str
    dropped: bool


@dataclass(frozen=True)
class XlaOpPack:
    constant_args: dict[str, tuple[ConstantArg, ...]]
    data_dependent: dict[str, DataDependentOp]
    no_kernel: dict[str, NoKernelOp]
    no_kernel_prefixes: tuple[tuple[str, NoKernelOp], ...]
    consumers: frozenset[str]  # reject a dim from a tensor-bounded slice
    consumer_prefixes: tuple[str, ...]
    matmul_operator: bool
    every_source_prefixes: tuple[str, ...]  # reject a bounded-dynamic dim from any source
    shape_sources: frozenset[str]
    passthrough: frozenset[str]
    python_passthrough: frozenset[str]
    layer_namespaces: tuple[str, ...]

    def _first(self, table: dict[str, object], name: str) -> object | None:
        for candidate in normalise_op(name):
            hit = table.get(candidate)
            if hit is not None:
                return hit
        return None

    def constant_args_of(self, name: str) -> tuple[ConstantArg, ...]:
        hit = self._first(self.constant_args, name)  # type: ignore[arg-type]
        return hit if isinstance(hit, tuple) else ()

    def data_dependent_of(self, name: str) -> DataDependentOp | None:
        hit = self._first(self.data_dependent, name)  # type: ignore[arg-type]
        return hit if isinstance(hit, DataDependentOp) else None

    def no_kernel_of(self, name: str) -> NoKernelOp | None:
        hit = self._first(self.no_kernel, name)  # type: ignore[arg-type]
        if isinstance(hit, NoKernelOp):
            return hit
        for candidate in normalise_op(name):
            for prefix, op in self.no_kernel_prefixes:
                if candidate.startswith(prefix):
                    return op
        return None

    def is_consumer(self, name: str, sliced: bool) -> bool:
        """Whether XLA's dynamic padder rejects a bounded-dynamic dim in op ``name``'s operand
        (``sliced``: the dim comes from a slice bounded by tensor data)."""
        for candidate in normalise_op(name):
            if candidate.startswith(self.every_source_prefixes):
                return True
            if sliced and (candidate in self.consumers or candidate.startswith(self.consumer_prefixes)):
                return True
        return False

    def is_shape_source(self, name: str) -> bool:
        return any(c in self.shape_sources for c in normalise_op(name))

    def is_passthrough(self, name: str) -> bool:
        return name in self.python_passthrough or any(c in self.passthrough for c in normalise_op(name))

    def is_layer_constructor(self, name: str) -> bool:
        return name.startswith(self.layer_namespaces)


def _strs(entry: dict[str, object], key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise XlaPackError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def _str(entry: dict[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise XlaPackError(f"{where}: '{key}' must be a non-empty string")
    return value


def parse_pack(data: dict[str, object], source: str) -> XlaOpPack:
    if data.get("format") != 1:
        raise XlaPackError(f"{source}: unsupported or missing 'format' (expected 1)")
    constant: dict[str, list[ConstantArg]] = {}
    for i, entry in enumerate(_tables(data, "constant_args", source)):
        where = f"{source}: constant_args[{i}]"
        position = entry.get("position")
        if not isinstance(position, int):
            raise XlaPackError(f"{where}: 'position' must be an integer (-1 for keyword only)")
        arg = ConstantArg(position, _str(entry, "param", where), _str(entry, "what", where),
                          bool(entry.get("dynamic_dim", False)))
        for op in _strs(entry, "ops", where):
            constant.setdefault(op, []).append(arg)
    data_dep: dict[str, DataDependentOp] = {}
    for i, entry in enumerate(_tables(data, "data_dependent_shape", source)):
        where = f"{source}: data_dependent_shape[{i}]"
        when = entry.get("when_positional")
        if when is not None and not isinstance(when, int):
            raise XlaPackError(f"{where}: 'when_positional' must be an integer")
        op_info = DataDependentOp(_str(entry, "what", where), when,
                                  frozenset(_strs(entry, "unless_any", where)),
                                  frozenset(_strs(entry, "unless_all", where)))
        for op in _strs(entry, "ops", where):
            data_dep[op] = op_info
    no_kernel: dict[str, NoKernelOp] = {}
    prefixes: list[tuple[str, NoKernelOp]] = []
    for i, entry in enumerate(_tables(data, "no_kernel", source)):
        where = f"{source}: no_kernel[{i}]"
        nk = NoKernelOp(_str(entry, "what", where), bool(entry.get("dropped", False)))
        for op in _strs(entry, "ops", where):
            no_kernel[op] = nk
        prefixes.extend((p, nk) for p in _strs(entry, "prefixes", where))
    consumers = data.get("dynamic_dim_consumers", {})
    prov = data.get("provenance", {})
    if not isinstance(consumers, dict) or not isinstance(prov, dict):
        raise XlaPackError(f"{source}: 'dynamic_dim_consumers' and 'provenance' must be tables")
    return XlaOpPack(
        constant_args={k: tuple(v) for k, v in constant.items()},
        data_dependent=data_dep,
        no_kernel=no_kernel,
        no_kernel_prefixes=tuple(prefixes),
        consumers=frozenset(_strs(consumers, "ops", f"{source}: dynamic_dim_consumers")),
        consumer_prefixes=tuple(_strs(consumers, "prefixes", f"{source}: dynamic_dim_consumers")),
        matmul_operator=bool(consumers.get("matmul_operator", True)),
        every_source_prefixes=tuple(_strs(consumers, "every_source_prefixes", f"{source}: dynamic_dim_consumers")),
        shape_sources=frozenset(_strs(prov, "shape_sources", f"{source}: provenance")),
        passthrough=frozenset(_strs(prov, "passthrough", f"{source}: provenance")),
        python_passthrough=frozenset(_strs(prov, "python_passthrough", f"{source}: provenance")),
        layer_namespaces=tuple(_strs(prov, "layer_namespaces", f"{source}: provenance")),
    )


def _tables(data: dict[str, object], key: str, source: str) -> list[dict[str, object]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise XlaPackError(f"{source}: '{key}' must be an array of tables ([[{key}]])")
    return value  # type: ignore[return-value]


def load_pack_file(path: Path) -> XlaOpPack:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise XlaPackError(f"{path}: cannot read the XLA op pack: {exc}") from exc
    return parse_pack(data, str(path))


@lru_cache(maxsize=1)
def default_pack() -> XlaOpPack:
    """The shipped pack, loaded once per process."""
    return load_pack_file(rules_dir() / "packs" / "xla_ops.toml")
