"""Can ``shapecheck infer`` recover ptycho_core's hand-written contracts from its tests?

    python benchmarks/infer_ptycho.py [--suite fast|full] [--workdir DIR] [--reuse]

1. copies ptycho_core, tests/ptycho and pyproject.toml into DIR and strips every contract
   (``benchmarks/strip_contracts.py``);
2. runs ``shapecheck infer --packages ptycho_core -- python -m pytest tests/ptycho`` there
   (``--suite full`` adds the slow tests: training, XLA); ``--reuse`` keeps DIR's observations;
3. compares each inferred contract with the hand-written one (``shapecheck.infer.compare``:
   same constraints up to renaming of dims), for every public function and layer ``call``
   that carries a contract in ptycho_core;
4. runs ``shapecheck annotate --apply`` on the copy, then checks that it imports, that its
   tests pass in ``strict`` mode and that ``shapecheck check`` finds nothing.

Prints a table and writes DIR/infer_ptycho.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import libcst as cst  # noqa: E402

from benchmarks.strip_contracts import strip_tree  # noqa: E402
from shapecheck.contract.spec import ShapeSpec, parse_shape  # noqa: E402
from shapecheck.infer.annotate import read_stubs  # noqa: E402
from shapecheck.infer.compare import difference  # noqa: E402
from shapecheck.static.annotation_contracts import ContractSyntax, contract_syntax, dotted  # noqa: E402

Contract = list[tuple[str, ShapeSpec]]


def _results(func: cst.FunctionDef) -> list[tuple[str, ContractSyntax | None]]:
    """The result contracts: ``return``, or ``return[i]`` for each element of ``tuple[...]``."""
    if func.returns is None:
        return []
    ann = func.returns.annotation
    if isinstance(ann, cst.Subscript) and dotted(ann.value) in ("tuple", "typing.Tuple", "Tuple"):
        items = [el.slice.value for el in ann.slice if isinstance(el.slice, cst.Index)]
        return [(f"return[{i}]", contract_syntax(item, dotted)) for i, item in enumerate(items)]
    return [("return", contract_syntax(ann, dotted))]


def hand_written(package: Path) -> dict[str, tuple[Contract, list[str]]]:
    """``module:qualname`` -> contract and dtype labels, for public functions and layer calls."""
    out: dict[str, tuple[Contract, list[str]]] = {}
    for path in sorted(package.glob("*.py")):
        module = f"{package.name}.{path.stem}" if path.stem != "__init__" else package.name
        tree = cst.parse_module(path.read_text())
        for stmt in tree.body:
            funcs: list[tuple[str, cst.FunctionDef]] = []
            if isinstance(stmt, cst.FunctionDef):
                funcs.append((stmt.name.value, stmt))
            elif isinstance(stmt, cst.ClassDef):
                for item in stmt.body.body:
                    if isinstance(item, cst.FunctionDef) and item.name.value == "call":
                        funcs.append((f"{stmt.name.value}.call", item))
            for qualname, func in funcs:
                if qualname.startswith("_"):
                    continue
                contract: Contract = []
                dtypes: list[str] = []
                for param in (*func.params.posonly_params, *func.params.params, *func.params.kwonly_params):
                    syntax = contract_syntax(param.annotation.annotation, dotted) if param.annotation else None
                    if syntax is not None and syntax.spec is not None:  # scalars ("") included
                        contract.append((param.name.value, syntax.spec))
                        dtypes.append(syntax.dtype or "any")
                for label, syntax in _results(func):
                    if syntax is not None and syntax.spec is not None:
                        contract.append((label, syntax.spec))
                        dtypes.append(syntax.dtype or "any")
                if any(spec.dims for _, spec in contract):
                    out[f"{module}:{qualname}"] = (contract, dtypes)
    return out


def inferred(pack: Path) -> dict[str, tuple[Contract, list[str]]]:
    out: dict[str, tuple[Contract, list[str]]] = {}
    for stub in read_stubs(pack):
        module, _, name = stub.name.rpartition(".")
        qualname = f"{name}.call" if stub.kind == "layer" else name
        if stub.kind != "layer" and module.count(".") > 1:  # a method: pkg.mod.Class.method
            module, _, cls = module.rpartition(".")
            qualname = f"{cls}.{name}"
        labels = [*stub.params, *(["return"] if stub.n_results == 1 else [f"return[{i}]" for i in range(stub.n_results)])]
        out[f"{module}:{qualname}"] = ([(lbl, parse_shape(s)) for lbl, s in zip(labels, stub.specs)], stub.dtypes)
    return out


def _env(copy: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(copy), str(ROOT)]), TF_CPP_MIN_LOG_LEVEL="3")
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> int:
    with log.open("w") as fh:
        return subprocess.run(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT).returncode


def make_copy(workdir: Path) -> Path:
    copy = workdir / "copy"
    if copy.exists():
        shutil.rmtree(copy)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "ptycho_core", copy / "ptycho_core", ignore=ignore)
    shutil.copytree(ROOT / "tests" / "ptycho", copy / "tests" / "ptycho", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    removed = strip_tree(copy / "ptycho_core")
    print(f"stripped {removed} contract annotations from the copy")
    return copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=("fast", "full"), default="fast")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--reuse", action="store_true", help="reuse DIR/observations.json instead of recording")
    args = parser.parse_args(argv)
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="infer-ptycho-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    copy = make_copy(workdir)
    pack, observations = workdir / "inferred.toml", workdir / "observations.json"
    marker = ["-m", "slow or not slow"] if args.suite == "full" else []
    pytest_cmd = [sys.executable, "-m", "pytest", "tests/ptycho", "-q", "-p", "no:cacheprovider", *marker]
    cli = [sys.executable, "-m", "shapecheck.cli"]
    if args.reuse and observations.is_file():
        infer = [*cli, "infer", "--packages", "ptycho_core", "-o", str(pack), "--from-observations", str(observations)]
    else:
        infer = [*cli, "infer", "--packages", "ptycho_core", "-o", str(pack), "--observations", str(observations),
                 "--", *pytest_cmd]
    code = _run(infer, copy, _env(copy), workdir / "infer.log")
    if code:
        print((workdir / "infer.log").read_text()[-3000:])
        return 2
    want = hand_written(ROOT / "ptycho_core")
    got = inferred(pack)
    rows: list[dict[str, Any]] = []
    for key, (contract, dtypes) in want.items():
        if key not in got:
            rows.append({"function": key, "status": "missing", "why": "no contract proposed (see infer.log)"})
            continue
        mine, my_dtypes = got[key]
        why = difference(contract, mine)
        labels = [label for label, _ in contract]
        mine_by_label = dict(zip([lbl for lbl, _ in mine], my_dtypes))
        dtype_same = all(mine_by_label.get(lbl) == d for lbl, d in zip(labels, dtypes))
        rows.append({
            "function": key, "status": "equivalent" if why is None else "different", "why": why or "",
            "hand": ", ".join(s.text for _, s in contract), "inferred": ", ".join(s.text for _, s in mine),
            "dtypes_same": dtype_same, "hand_dtypes": dtypes, "inferred_dtypes": [mine_by_label.get(lbl) for lbl in labels],
        })
    equivalent = sum(r["status"] == "equivalent" for r in rows)
    print(f"{'function':45s} {'status':10s} hand-written  |  inferred")
    for r in rows:
        print(f"{r['function']:45s} {r['status']:10s} {r.get('hand', '')}  |  {r.get('inferred', '')}")
        if r["why"]:
            print(f"{'':56s}{r['why']}")
    print(f"equivalent: {equivalent}/{len(rows)} = {equivalent / len(rows):.0%}; "
          f"same dtype families: {sum(bool(r.get('dtypes_same')) for r in rows)}/{len(rows)}")

    # annotate --apply, then: imports, tests in strict mode, lint clean
    results: dict[str, Any] = {"rows": rows, "equivalent": equivalent, "total": len(rows), "suite": args.suite}
    results["annotate"] = _run([*cli, "annotate", str(pack), "--apply", "--root", str(copy)], copy, _env(copy),
                               workdir / "annotate.log")
    imports = "import ptycho_core, ptycho_core.layers, ptycho_core.model, ptycho_core.metrics, ptycho_core.train"
    results["imports"] = _run([sys.executable, "-c", imports], copy, _env(copy), workdir / "imports.log")
    results["strict_tests"] = _run(pytest_cmd, copy, _env(copy, SHAPECHECK_MODE="strict"), workdir / "strict_tests.log")
    results["lint"] = _run([*cli, "check", "ptycho_core", "--no-cache"], copy, _env(copy), workdir / "lint.log")
    for step in ("annotate", "imports", "strict_tests", "lint"):
        log = (workdir / f"{step}.log").read_text().strip().splitlines()
        print(f"{step}: exit {results[step]}; {log[-1] if log else ''}")
    (workdir / "infer_ptycho.json").write_text(json.dumps(results, indent=2))
    print(f"details: {workdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
