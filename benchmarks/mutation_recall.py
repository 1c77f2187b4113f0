"""Mutation recall of the static analyser and of the runtime checker.

Realistic shape bugs are injected, one per mutant, into copies of ``ptycho_core/`` and
``examples/seed_bugs/*/fixed.py``. A mutant is kept only if it really changes behaviour:
run in eager TensorFlow on small inputs (``mutation_driver.py``, a subprocess with a time
limit) with contracts off, it crashes or an output shape changes. For each kept mutant:

* static: a finding that the unmutated copy does not have, on the mutated line, in the
  function holding it, or on a line that calls that function (its call chain); a finding
  reported at a call carries the chain down to the line inside as notes (``line N: inside
  `f`, here``, ``line N: `g` calls `f` here``), and each of those lines counts as its line;
* runtime: the same run with the runtime checker on (``trace``) raises ``ShapeContractError``.

The static pass runs twice: (1) contracts as written, (2) every contract stripped from the
copies (parameter, return and variable annotations removed; docstrings and code kept); with
``--pack FILE`` (a stub pack, such as the one ``shapecheck infer`` wrote for the stripped
ptycho_core) a third time: (3) stripped, with FILE among the packs. A pack inferred by
``shapecheck infer`` can only describe ptycho_core: each ``examples/seed_bugs/*/fixed.py`` is
a script run as ``__main__`` (by ``tests/test_seed_bugs.py`` and by the driver), which the
recorder never sees (it instruments modules of named packages as they are imported), and
the five scripts share the module name ``fixed``, so no stub name could tell them apart. So
pass (3) is compared with pass (1) on the ptycho_core mutants; the total is printed too.
Behaviour verdicts are cached by mutant hash (``--cache``), since TensorFlow runs are slow.

    PYTHONPATH=$PWD python3 benchmarks/mutation_recall.py [--limit N] [--kinds K,...] [--json OUT] [--pack FILE]
        [--variants contracts,stripped]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shapecheck.findings import Finding  # noqa: E402
from shapecheck.static.api import build_project, check_module, load_packs, summarise_module  # noqa: E402

DEFAULT_CACHE = REPO / "benchmarks" / ".cache" / "mutation_cache.json"  # git-ignored
JOB_SECONDS = 120
DRIVER_VERSION = "1"  # bump when mutation_driver.py changes what it runs

KINDS = (
    "reshape-swap", "transpose-perm", "axis", "tile-factor", "reshape-drop-double", "layout-confusion",
    "pad-width", "slice-off-by-one", "einsum-spec", "call-arg-swap", "zeros-shape",
)
AXIS_OPS = {
    # op name -> positional index of its axis argument
    "concat": 1, "stack": 1, "unstack": 1, "expand_dims": 1, "squeeze": 1, "gather": 2, "split": 2,
    "reduce_sum": 1, "reduce_mean": 1, "reduce_max": 1, "reduce_min": 1, "reduce_prod": 1, "reduce_any": 1,
    "reduce_all": 1, "reduce_logsumexp": 1, "fftshift": 1, "ifftshift": 1, "argmax": 1, "argmin": 1,
    "cumsum": 1, "roll": 2, "sum": 1, "mean": 1, "max": 1, "min": 1,
}
LAYOUT_FUNCTIONS = {
    "channel_to_flat", "flat_to_channel", "channel_to_grid", "grid_to_channel", "flatten_offsets", "unflatten_offsets",
}
SHAPE_CONSTRUCTORS = {"zeros", "ones", "fill", "empty", "normal", "uniform"}


# ----- mutants -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mutant:
    kind: str
    rel: str  # file inside the copy
    line: int  # first line of the mutated node
    end_line: int
    function: str | None  # name of the function holding the mutation
    description: str
    source: str  # the whole mutated file

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{DRIVER_VERSION}\0{self.rel}\0{self.source}".encode()).hexdigest()[:20]


def _name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _int(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and isinstance(node.expression, cst.Integer):
        return -int(node.expression.value)
    return None


def _int_node(value: int) -> cst.BaseExpression:
    if value < 0:
        return cst.UnaryOperation(cst.Minus(), cst.Integer(str(-value)))
    return cst.Integer(str(value))


def _plus_one(node: cst.BaseExpression) -> cst.BaseExpression:
    v = _int(node)
    if v is not None:
        return _int_node(v + 1)
    return cst.BinaryOperation(node, cst.Add(), cst.Integer("1"))


def _arg(call: cst.Call, keyword: str, index: int) -> cst.Arg | None:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index] if index < len(positional) else None


def _sequence(node: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    if isinstance(node, (cst.List, cst.Tuple)) and not any(isinstance(e, cst.StarredElement) for e in node.elements):
        return [e.value for e in node.elements]
    return None


def _with_elements(node: cst.List | cst.Tuple, values: list[cst.BaseExpression]) -> cst.BaseExpression:
    elements = [e.with_changes(value=v) for e, v in zip(node.elements, values)]
    return node.with_changes(elements=elements)


def _swap_first_differing(node: cst.BaseExpression, start: int = 0) -> cst.BaseExpression | None:
    values = _sequence(node)
    if values is None:
        return None
    code = cst.Module([]).code_for_node
    for i in range(max(start, 0), len(values) - 1):
        if code(values[i]) != code(values[i + 1]):
            swapped = list(values)
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            return _with_elements(node, swapped)  # type: ignore[arg-type]
    return None


class _Sites(cst.CSTVisitor):
    """Every mutation site in one file: (kind, old node, new node, description)."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, project_functions: set[str]) -> None:
        self.sites: list[tuple[str, cst.CSTNode, cst.CSTNode, str]] = []
        self.project_functions = project_functions
        self.functions: list[str] = []
        self.owner: dict[int, str | None] = {}

    def add(self, kind: str, old: cst.CSTNode, new: cst.CSTNode | None, what: str) -> None:
        if new is not None:
            self.sites.append((kind, old, new, what))
            self.owner[id(old)] = self.functions[-1] if self.functions else None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Call(self, node: cst.Call) -> None:
        name = _name(node.func)
        if name is None:
            return
        code = cst.Module([]).code_for_node
        if name == "reshape":
            target = _arg(node, "shape", 1)
            if target is not None:
                self.add("reshape-swap", target.value, _swap_first_differing(target.value), "swap two dims of a reshape")
            x = _arg(node, "tensor", 0)
            if x is not None and isinstance(node.func, cst.Attribute) and _name(node.func.value) in ("tf", "np"):
                self.add("reshape-drop-double", node, x.value, "drop a reshape")
        if name == "transpose":
            perm = _arg(node, "perm", 1) or _arg(node, "axes", 1)
            if perm is not None:
                values = _sequence(perm.value)
                start = len(values) - 2 if values else 0
                self.add("transpose-perm", perm.value, _swap_first_differing(perm.value, start), "swap two entries of a perm")
        if name in AXIS_OPS:
            axis = _arg(node, "axis", AXIS_OPS[name]) or (_arg(node, "axes", AXIS_OPS[name]) if name.endswith("fftshift") else None)
            if axis is not None:
                v = _int(axis.value)
                values = _sequence(axis.value)
                if v is not None:
                    self.add("axis", axis.value, _int_node(v + 1 if v >= 0 else v - 1), f"{name}: axis {v} -> neighbour")
                elif values:
                    last = _int(values[-1])
                    if last is not None:
                        new = _with_elements(axis.value, [*values[:-1], _int_node(last + 1 if last >= 0 else last - 1)])  # type: ignore[arg-type]
                        self.add("axis", axis.value, new, f"{name}: last axis -> neighbour")
        if name in ("tile", "repeat"):
            factor = _arg(node, "multiples" if name == "tile" else "repeats", 1)
            if factor is not None:
                values = _sequence(factor.value)
                if values:
                    i = next((k for k, e in enumerate(values) if code(e) != "1"), 0)
                    new = _with_elements(factor.value, [*values[:i], _plus_one(values[i]), *values[i + 1 :]])  # type: ignore[arg-type]
                    self.add("tile-factor", factor.value, new, f"{name}: factor {code(values[i])} + 1")
                else:
                    self.add("tile-factor", factor.value, _plus_one(factor.value), f"{name}: factor + 1")
        if name in LAYOUT_FUNCTIONS and node.args:
            first = node.args[0].value
            self.add("layout-confusion", node, first, f"{name}(x) -> x (the other layout)")
            self.add("reshape-drop-double", node, node.deep_replace(first, node), f"{name} applied twice")
        if name == "pad":
            widths = _arg(node, "paddings", 1)
            rows = _sequence(widths.value) if widths is not None else None
            if rows:
                for i, row in enumerate(rows):
                    pair = _sequence(row)
                    if pair and len(pair) == 2 and any(code(p) != "0" for p in pair):
                        new_row = _with_elements(row, [pair[0], _plus_one(pair[1])])  # type: ignore[arg-type]
                        new = _with_elements(widths.value, [*rows[:i], new_row, *rows[i + 1 :]])  # type: ignore[arg-type]
                        self.add("pad-width", widths.value, new, f"pad row {i}: after + 1")
                        break
        if name == "einsum" and node.args and isinstance(node.args[0].value, cst.SimpleString):
            spec = node.args[0].value
            text = spec.value
            body = text[1:-1]
            lhs, arrow, out = body.partition("->")
            part = out if arrow and len(out) >= 2 else lhs.split(",")[0]
            if len(part) >= 2 and part[0] != part[1]:
                swapped = part[1] + part[0] + part[2:]
                new_body = (lhs + arrow + swapped) if arrow and len(out) >= 2 else body.replace(part, swapped, 1)
                self.add("einsum-spec", spec, spec.with_changes(value=text[0] + new_body + text[-1]), "swap two einsum letters")
        if name in self.project_functions:
            positional = [a for a in node.args if a.keyword is None and not a.star]
            literals = (cst.Integer, cst.Float, cst.SimpleString, cst.UnaryOperation)
            if (
                len(positional) >= 2
                and code(positional[0].value) != code(positional[1].value)
                and not isinstance(positional[0].value, literals)
                and not isinstance(positional[1].value, literals)
            ):
                a, b = positional[0], positional[1]
                args = list(node.args)
                ia, ib = args.index(a), args.index(b)
                args[ia], args[ib] = b.with_changes(comma=a.comma), a.with_changes(comma=b.comma)
                new = node.with_changes(args=args)
                self.add("call-arg-swap", node, new, f"{name}: first two arguments swapped")
        if name in SHAPE_CONSTRUCTORS and node.args:
            shape = _arg(node, "shape", 0) if name not in ("normal", "uniform") else _arg(node, "size", 2)
            values = _sequence(shape.value) if shape is not None else None
            if values:
                i = len(values) - 1
                new = _with_elements(shape.value, [*values[:i], _plus_one(values[i])])  # type: ignore[arg-type]
                self.add("zeros-shape", shape.value, new, f"{name}: last dim + 1")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        for el in node.slice:
            sl = el.slice
            if not isinstance(sl, cst.Slice) or sl.step is not None:
                continue
            if sl.upper is not None:
                v = _int(sl.upper)
                new_upper = _int_node(v - 1) if v is not None else cst.BinaryOperation(sl.upper, cst.Subtract(), cst.Integer("1"))
                new = node.deep_replace(sl, sl.with_changes(upper=new_upper))
                self.add("slice-off-by-one", node, new, "slice upper bound - 1")
                return
            if sl.lower is not None:
                new = node.deep_replace(sl, sl.with_changes(lower=_plus_one(sl.lower)))
                self.add("slice-off-by-one", node, new, "slice lower bound + 1")
                return


def mutants_of(rel: str, source: str, project_functions: set[str]) -> Iterator[Mutant]:
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    sites = _Sites(project_functions)
    wrapper.visit(sites)
    positions = wrapper.resolve(PositionProvider)
    seen: set[str] = set()
    for kind, old, new, what in sites.sites:
        mutated = module.deep_replace(old, new).code  # type: ignore[arg-type]
        if mutated == source or mutated in seen:
            continue
        seen.add(mutated)
        pos = positions[old]
        yield Mutant(kind, rel, pos.start.line, pos.end.line, sites.owner.get(id(old)), what, mutated)


# ----- stripping contracts -------------------------------------------------------------------
class _StripAnnotations(cst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # functions entered

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_Param(self, original_node: cst.Param, updated_node: cst.Param) -> cst.Param:
        return updated_node.with_changes(annotation=None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self.depth -= 1
        return updated_node.with_changes(returns=None)

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> Any:
        if self.depth == 0:
            return updated_node  # dataclass fields: their annotations make them fields
        if updated_node.value is None:
            return cst.RemoveFromParent()
        return cst.Assign([cst.AssignTarget(updated_node.target)], updated_node.value)


def strip_contracts(source: str) -> str:
    """The file with every parameter, return and local annotation removed; fields, docstrings and code kept."""
    return cst.parse_module(source).visit(_StripAnnotations()).code


# ----- the static side ------------------------------------------------------------------------
class StaticRunner:
    """Findings of a set of files, reusing the other files' summaries when one file changes."""

    def __init__(self, files: dict[str, str], root: Path, packs: tuple[Path, ...] = ()) -> None:
        self.packs = load_packs(packs)
        self.root = root
        self.files = files
        self.summaries = {rel: summarise_module(root / rel, src, self.packs) for rel, src in files.items()}

    def findings(self, changed: dict[str, str] | None = None) -> list[Finding]:
        changed = changed or {}
        summaries = dict(self.summaries)
        for rel, src in changed.items():
            summaries[rel] = summarise_module(self.root / rel, src, self.packs)
        project = build_project(list(summaries.values()), self.packs)
        out: list[Finding] = []
        for rel, src in self.files.items():
            out.extend(check_module(self.root / rel, changed.get(rel, src), project, self.packs))
        return out


def _rel(root: Path, path: str | Path) -> str:
    return str(Path(path).relative_to(root)) if Path(path).is_absolute() else str(path)


def _finding_key(root: Path, f: Finding) -> tuple[str, int, str]:
    return (_rel(root, f.path), f.line, f.code)


# the chain notes of a finding reported at a call (not the notes on where its values came from)
_NOTE_HERE = re.compile(r"^line (\d+): (?:inside `|`[^`]+` calls `)")
_NOTE_THERE = re.compile(r"^(\S+\.py):(\d+): (?:inside `|`[^`]+` calls `)")


def chain_lines(root: Path, f: Finding) -> list[tuple[str, int, str]]:
    """The lines a finding's notes point at (the call chain down to the line inside a callee),
    keyed like findings: a finding reported at a call is also on each line of its chain."""
    out: list[tuple[str, int, str]] = []
    for note in f.notes:
        if (hit := _NOTE_HERE.match(note)) is not None:
            out.append((_rel(root, f.path), int(hit.group(1)), f.code))
        elif (hit := _NOTE_THERE.match(note)) is not None and Path(hit.group(1)).is_absolute():
            out.append((_rel(root, hit.group(1)), int(hit.group(2)), f.code))
    return out


def caught_statically(m: Mutant, new: list[tuple[str, int, str]], files: dict[str, str], mutated: str) -> bool:
    """A new finding on the mutated line, in its function, or on a line calling that function
    (``new`` holds each new finding's own line and the lines of its call-chain notes)."""
    if not new:
        return False
    span: tuple[int, int] = (m.line, m.end_line)
    if m.function is not None:
        module = cst.parse_module(mutated)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
        for node in positions:
            if isinstance(node, cst.FunctionDef) and node.name.value == m.function:
                p = positions[node]
                if p.start.line <= m.line <= p.end.line:
                    span = (p.start.line, p.end.line)
    for rel, line, _code in new:
        if rel == m.rel and span[0] <= line <= span[1]:
            return True
        if m.function is not None:
            text = (mutated if rel == m.rel else files.get(rel, "")).splitlines()
            if 0 < line <= len(text) and f"{m.function}(" in text[line - 1]:
                return True
    return False


# ----- the TensorFlow side ---------------------------------------------------------------------
class Driver:
    """One long-lived ``mutation_driver.py`` subprocess; restarted after a time-out."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "benchmarks" / "mutation_driver.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        assert self.proc.stdout is not None
        self.proc.stdout.readline()

    def run(self, root: Path, target: str, mode: str, baseline: list[Any] | None = None) -> list[Any] | None:
        import selectors

        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        job = {"root": str(root), "target": target, "mode": mode}
        if baseline is not None:
            job["baseline"] = baseline  # stop at the first case that differs
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=JOB_SECONDS):
            self.stop()
            return None
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            return None
        return json.loads(line)["outcome"]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def _target(rel: str) -> str:
    return "ptycho" if rel.startswith("ptycho_core/") else f"example:{rel}"


def _crashed(outcome: list[Any]) -> bool:
    return bool(outcome) and outcome[-1][0] in ("error", "SystemExit")


def _runtime_caught(outcome: list[Any]) -> bool:
    return bool(outcome) and outcome[-1][0] == "error" and outcome[-1][1].endswith("ShapeContractError")


# ----- main ------------------------------------------------------------------------------------
def collect_files() -> dict[str, str]:
    files = {str(p.relative_to(REPO)): p.read_text() for p in sorted((REPO / "ptycho_core").glob("*.py"))}
    for p in sorted((REPO / "examples" / "seed_bugs").glob("*/fixed.py")):
        files[str(p.relative_to(REPO))] = p.read_text()
    return files


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, src in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(src)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="at most N mutants per kind (0: all)")
    ap.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="behaviour verdicts by mutant hash")
    ap.add_argument("--json", type=Path, default=None, help="write every mutant's verdicts here")
    ap.add_argument("--static-only", action="store_true", help="use cached behaviour verdicts only; skip uncached mutants")
    ap.add_argument("--pack", type=Path, default=None,
                    help="a stub pack: a third static pass over the stripped copies with it (column 'packed')")
    ap.add_argument("--variants", default="contracts,stripped",
                    help="static passes to run: contracts, stripped (default both; a pass left out counts nothing)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every kept mutant")
    args = ap.parse_args(argv)
    kinds = set(args.kinds.split(",")) if args.kinds else set(KINDS)

    files = collect_files()
    project_functions = LAYOUT_FUNCTIONS | {
        n.name.value for src in files.values() for n in cst.parse_module(src).body if isinstance(n, cst.FunctionDef)
    }
    mutants: list[Mutant] = []
    per_kind: Counter[str] = Counter()
    for rel, src in files.items():
        for m in mutants_of(rel, src, project_functions):
            if m.kind in kinds and (not args.limit or per_kind[m.kind] < args.limit):
                per_kind[m.kind] += 1
                mutants.append(m)

    cache: dict[str, Any] = json.loads(args.cache.read_text()) if args.cache.exists() else {}
    work = Path(tempfile.mkdtemp(prefix="mutants-"))
    driver = Driver()
    started = time.perf_counter()
    try:
        write_tree(work / "base", files)
        baseline: dict[str, list[Any]] = {}
        for target in sorted({_target(rel) for rel in files}):
            key = f"baseline:{DRIVER_VERSION}:{target}:" + hashlib.sha256("".join(files.values()).encode()).hexdigest()[:16]
            if key not in cache:
                cache[key] = driver.run(work / "base", target, "off")
            baseline[target] = cache[key]
            if baseline[target] is None or _crashed(baseline[target]):
                print(f"unmutated copy fails on {target}: {baseline[target]}", file=sys.stderr)
                return 2
        # behaviour of every mutant (cached)
        for i, m in enumerate(mutants):
            entry = cache.get(m.key)
            if entry is None and not args.static_only:
                root = work / f"m{i}"
                write_tree(root, {**files, m.rel: m.source})
                off = driver.run(root, _target(m.rel), "off", baseline[_target(m.rel)])
                entry = {"off": off, "trace": None}
                changed = off is not None and off != baseline[_target(m.rel)]
                if changed:
                    entry["trace"] = driver.run(root, _target(m.rel), "trace")
                cache[m.key] = entry
                shutil.rmtree(root, ignore_errors=True)
                if i % 10 == 0:
                    args.cache.parent.mkdir(parents=True, exist_ok=True)
                    args.cache.write_text(json.dumps(cache))
                    print(f"  behaviour: {i + 1}/{len(mutants)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        args.cache.write_text(json.dumps(cache))
    finally:
        driver.stop()
        shutil.rmtree(work, ignore_errors=True)

    kept = [m for m in mutants if (e := cache.get(m.key)) and e["off"] is not None and e["off"] != baseline[_target(m.rel)]]

    # static: contracts as written and stripped
    results: dict[str, dict[str, Any]] = {}
    stripped_files = {rel: strip_contracts(src) for rel, src in files.items()}
    clean: dict[str, int] = {}
    static_seconds = 0.0
    wanted = set(args.variants.split(","))
    variants = [(name, fs, ()) for name, fs in (("contracts", files), ("stripped", stripped_files)) if name in wanted]
    if args.pack is not None:
        variants.append(("packed", stripped_files, (args.pack,)))
    for variant, variant_files, packs in variants:
        # ptycho_core is one program; each example is its own
        runners = {
            group: StaticRunner({rel: src for rel, src in variant_files.items() if _target(rel) == group}, REPO, packs)
            for group in sorted({_target(rel) for rel in variant_files})
        }
        base_findings = [f for runner in runners.values() for f in runner.findings()]
        clean[variant] = len(base_findings)
        for f in base_findings:
            print(f"  finding on the unmutated copy ({variant}): {f.path}:{f.line} {f.code} {f.message[:120]}", file=sys.stderr)
        base_keys = {_finding_key(REPO, f) for f in base_findings}
        t0 = time.perf_counter()
        for m in kept:
            source = m.source if variant == "contracts" else strip_contracts(m.source)
            found = runners[_target(m.rel)].findings({m.rel: source})
            new_found = [f for f in found if _finding_key(REPO, f) not in base_keys]
            new = sorted({k for f in new_found for k in (_finding_key(REPO, f), *chain_lines(REPO, f))})
            hit = caught_statically(m, new, variant_files, source)
            r = results.setdefault(m.key, {"kind": m.kind, "file": m.rel, "line": m.line, "what": m.description})
            r[f"static_{variant}"] = hit
            r[f"new_{variant}"] = new
        static_seconds += time.perf_counter() - t0
    for m in kept:
        e = cache[m.key]
        results[m.key]["runtime"] = e["trace"] is not None and _runtime_caught(e["trace"])
        results[m.key]["crash"] = _crashed(e["off"])

    # report
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results.values():
        c = rows[r["kind"]]
        c["kept"] += 1
        c["static"] += r.get("static_contracts", False)
        c["stripped"] += r.get("static_stripped", False)
        c["packed"] += r.get("static_packed", False)
        c["ptycho"] += r["file"].startswith("ptycho_core/")
        c["ptycho_static"] += r.get("static_contracts", False) and r["file"].startswith("ptycho_core/")
        c["ptycho_packed"] += r.get("static_packed", False) and r["file"].startswith("ptycho_core/")
        c["runtime"] += r["runtime"]
        c["neither"] += not (r.get("static_contracts", False) or r["runtime"])
    print(f"mutants generated {len(mutants)}, behaviour-changing (kept) {len(kept)}; "
          f"findings on the unmutated copies: {clean.get('contracts', '-')} with contracts, {clean.get('stripped', '-')} stripped; "
          f"static analysis of the kept mutants {static_seconds:.1f} s")
    print(f"{'kind':22} {'gen':>4} {'kept':>5} {'static':>7} {'stripped':>9} {'runtime':>8} {'neither':>8}")
    total: Counter[str] = Counter()
    for kind in KINDS:
        c = rows.get(kind, Counter())
        total.update(c)
        print(f"{kind:22} {per_kind[kind]:>4} {c['kept']:>5} {c['static']:>7} {c['stripped']:>9} {c['runtime']:>8} {c['neither']:>8}")
    n = max(total["kept"], 1)
    print(f"{'total':22} {len(mutants):>4} {total['kept']:>5} {total['static']:>7} {total['stripped']:>9} {total['runtime']:>8} {total['neither']:>8}")
    print(f"recall: static {100 * total['static'] / n:.1f}% with contracts, {100 * total['stripped'] / n:.1f}% stripped; "
          f"runtime {100 * total['runtime'] / n:.1f}%; static or runtime {100 * (total['kept'] - total['neither']) / n:.1f}%")
    if args.pack is not None:
        both = sum(r.get("static_contracts", False) and r["static_packed"] for r in results.values())
        print(f"with {args.pack}: caught {total['packed']} stripped+pack vs {total['static']} with contracts "
              f"({total['packed'] / max(total['static'], 1):.0%}; {both} caught by both); ptycho_core mutants only: "
              f"{total['ptycho_packed']} vs {total['ptycho_static']} of {total['ptycho']} kept "
              f"({total['ptycho_packed'] / max(total['ptycho_static'], 1):.0%})")
    if args.verbose:
        for r in sorted(results.values(), key=lambda r: (r["kind"], r["file"], r["line"])):
            flags = "".join(ch if r.get(k) else "." for ch, k in (
                ("S", "static_contracts"), ("s", "static_stripped"), ("P", "static_packed"), ("R", "runtime")))
            print(f"  {flags} {r['kind']:20} {r['file']}:{r['line']} {r['what']}")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
