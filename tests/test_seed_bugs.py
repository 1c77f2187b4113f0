"""The seed-bug programs in ``examples/seed_bugs``: what the static analyser must flag, and what
happens when they run.

Static (fast): in every ``buggy.py`` each line ending in ``# expect: SCnnn[, SCmmm]`` is flagged
with each listed code at that line, and no unmarked line carries an SC1xx/SC2xx/SC3xx finding;
every ``fixed.py`` has no findings at all. A marked line may carry further findings (a flat/
channel mix-up is also an argument mismatch); the marked codes are the acceptance target.

Runtime (slow, one subprocess per run, since the checker's mode is fixed when a module is
imported): buggy programs stop with ``ShapeContractError`` under the default mode where the
contracts can see the bug, and with TensorFlow's own documented error where they cannot
(XLA compilation failures); with ``SHAPECHECK_MODE=off`` they fail the way TensorFlow fails;
fixed programs exit 0 and print one ``OK seed NNN fixed`` line in every mode (off, trace, strict).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from shapecheck import rules
from shapecheck.findings import Finding
from shapecheck.static.api import KnowledgePacks, build_project, check_module, load_packs, summarise_module

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "examples" / "seed_bugs"
SEED_DIRS = sorted(p for p in SEEDS_DIR.iterdir() if p.is_dir() and re.fullmatch(r"\d{3}_\w+", p.name))
EXPECT = re.compile(r"#\s*expect:\s*(SC\d{3}(?:\s*,\s*SC\d{3})*)\s*$")
CHECKED_FAMILY = re.compile(r"SC[123]\d\d")
KNOWN_CODES = set(rules.codes("contracts", "xla", "config"))  # the registry: rules/catalogue/


def expected_markers(source: str) -> dict[int, set[str]]:
    """``{line: {codes}}`` from ``# expect:`` comments (real comments only, via tokenize)."""
    out: dict[int, set[str]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            match = EXPECT.search(tok.string)
            if match:
                codes = {c.strip() for c in match.group(1).split(",")}
                out.setdefault(tok.start[0], set()).update(codes)
    return out


def analyse(path: Path, packs: KnowledgePacks) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    project = build_project([summarise_module(path, source, packs)], packs)
    return check_module(path, source, project, packs)


def describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.line}:{f.col} {f.code} {f.message}" for f in findings) or "  (none)"


@pytest.fixture(scope="module")
def packs() -> KnowledgePacks:
    return load_packs()


def test_every_seed_report_has_a_program_pair() -> None:
    names = [p.name[:3] for p in SEED_DIRS]
    assert names == ["000", "001", "002", "003", "004"], names
    for seed in SEED_DIRS:
        assert (seed / "buggy.py").is_file() and (seed / "fixed.py").is_file(), seed.name


@pytest.mark.parametrize("seed", SEED_DIRS, ids=lambda p: p.name)
def test_markers_are_well_formed(seed: Path) -> None:
    buggy = expected_markers((seed / "buggy.py").read_text(encoding="utf-8"))
    assert buggy, f"{seed.name}/buggy.py marks no line with '# expect: SCnnn'"
    for line, codes in buggy.items():
        assert codes <= KNOWN_CODES, f"{seed.name}/buggy.py:{line}: unknown codes {codes - KNOWN_CODES}"
    fixed = expected_markers((seed / "fixed.py").read_text(encoding="utf-8"))
    assert not fixed, f"{seed.name}/fixed.py must not expect findings, marks {fixed}"
    for variant in ("buggy.py", "fixed.py"):
        assert len((seed / variant).read_text(encoding="utf-8").splitlines()) <= 130, f"{seed.name}/{variant}"


@pytest.mark.parametrize("seed", SEED_DIRS, ids=lambda p: p.name)
def test_buggy_variant_is_flagged_where_marked(seed: Path, packs: KnowledgePacks) -> None:
    path = seed / "buggy.py"
    expected = expected_markers(path.read_text(encoding="utf-8"))
    findings = analyse(path, packs)
    found: dict[int, set[str]] = {}
    for f in findings:
        found.setdefault(f.line, set()).add(f.code)
    missing = {line: codes - found.get(line, set()) for line, codes in expected.items()}
    missing = {line: codes for line, codes in missing.items() if codes}
    unexpected = [f for f in findings if f.line not in expected and CHECKED_FAMILY.fullmatch(f.code)]
    assert not missing and not unexpected, (
        f"{seed.name}/buggy.py\nmissing (line: codes): {missing}\n"
        f"unexpected findings on unmarked lines:\n{describe(unexpected)}\nall findings:\n{describe(findings)}"
    )


@pytest.mark.parametrize("seed", SEED_DIRS, ids=lambda p: p.name)
def test_fixed_variant_is_clean(seed: Path, packs: KnowledgePacks) -> None:
    path = seed / "fixed.py"
    findings = analyse(path, packs)
    assert findings == [], f"{seed.name}/fixed.py should be clean:\n{describe(findings)}"


def test_cli_over_the_whole_directory_matches_the_per_file_analysis(packs: KnowledgePacks) -> None:
    """Ten programs, five of them named buggy.py: one file's facts must never leak into another's."""
    proc = subprocess.run(
        [sys.executable, "-m", "shapecheck.cli.main", "check", "--output-format", "json", "--no-cache",
         "--isolated", "--exit-zero", str(SEEDS_DIR.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    from_cli = {(Path(f["path"]).parent.name, Path(f["path"]).name, f["line"], f["code"])
                for f in json.loads(proc.stdout)}
    per_file = {(seed.name, variant, f.line, f.code)
                for seed in SEED_DIRS for variant in ("buggy.py", "fixed.py")
                for f in analyse(seed / variant, packs)}
    assert from_cli == per_file, (
        f"only from the directory run: {sorted(from_cli - per_file)}\n"
        f"only from the per-file runs: {sorted(per_file - from_cli)}"
    )
    # The disambiguated module keys (``buggy@<path>``) stay internal: messages use the names people know.
    assert not [f["message"] for f in json.loads(proc.stdout) if re.search(r"@\S*\.py", f["message"])]


@pytest.mark.parametrize("seed", SEED_DIRS, ids=lambda p: p.name)
def test_readme_documents_every_seed(seed: Path) -> None:
    readme = (SEEDS_DIR / "README.md").read_text(encoding="utf-8")
    assert f"{seed.name}/" in readme, f"README.md has no section for {seed.name}"


# --- runtime ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One program run: variant, mode, extra argv, and the text that must appear in its output."""

    seed: str
    variant: str
    mode: str
    expect_ok: bool
    needles: tuple[str, ...]
    argv: tuple[str, ...] = ()


RUNS = [
    # 000: the contracts cannot see an XLA compile failure; TensorFlow's error is the report.
    Run("000", "buggy", "trace", False, ("UnimplementedError", "Asked to propagate a dynamic dimension", "fft")),
    Run("000", "buggy", "off", False, ("UnimplementedError", "Asked to propagate a dynamic dimension", "fft")),
    # 001: TF_XLA_FLAGS=--tf_xla_auto_jit=0 is set, yet the helper is XLA-compiled.
    Run("001", "buggy", "trace", False, ("TF_XLA_FLAGS=--tf_xla_auto_jit=0", "compiled by XLA anyway")),
    Run("001", "buggy", "off", False, ("TF_XLA_FLAGS=--tf_xla_auto_jit=0", "compiled by XLA anyway")),
    # N=8 is B*C (B=2, C=4 bound by ReassemblePatches.call): the error must say flat vs per-group.
    Run("002", "buggy", "trace", False, ("ShapeContractError", "translate_gather", "'offsets'", "N=8",
                                        "hint:", "flat")),
    Run("002", "buggy", "off", False, ("Cannot reshape a tensor with 512 elements to shape [2,64]",)),
    # 003: XLA rejects the tile multiples at an unknown (serving) batch size.
    Run("003", "buggy", "trace", False, ("must be a compile-time constant", "Tile")),
    Run("003", "buggy", "off", False, ("must be a compile-time constant", "Tile")),
    Run("004", "buggy", "trace", False, ("ShapeContractError", "translate", "5088", "N=159")),
    Run("004", "buggy", "off", False, ("Dimensions must be equal, but are 5088 and 159",
                                      "31 of 32 chunks differ")),
    *[Run(seed, "fixed", mode, True, (f"OK seed {seed} fixed",)) for seed in ("000", "001", "002", "003", "004")
      for mode in ("trace", "off", "strict")],
    # 004 under XLA, as the original translation ran: the same failure, and the same fix.
    Run("004", "buggy", "off", False, ("Dimensions must be equal, but are 5088 and 159",), argv=("--xla",)),
    Run("004", "fixed", "trace", True, ("OK seed 004 fixed", "xla=True"), argv=("--xla",)),
]


def _seed_dir(number: str) -> Path:
    return next(p for p in SEED_DIRS if p.name.startswith(number))


@pytest.mark.slow
@pytest.mark.parametrize("run", RUNS, ids=lambda r: "-".join([r.seed, r.variant, r.mode, *(a.strip("-") for a in r.argv)]))
def test_program_run(run: Run) -> None:
    script = _seed_dir(run.seed) / f"{run.variant}.py"
    env = dict(os.environ)
    env["SHAPECHECK_MODE"] = run.mode
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env.pop("TF_XLA_FLAGS", None)
    proc = subprocess.run(
        [sys.executable, str(script), *run.argv], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    output = proc.stdout + proc.stderr
    if run.expect_ok:
        assert proc.returncode == 0, f"{script} failed:\n{output[-4000:]}"
        ok_lines = [line for line in proc.stdout.splitlines() if line.startswith("OK seed")]
        assert len(ok_lines) == 1, proc.stdout
    else:
        assert proc.returncode != 0, f"{script} was expected to fail but exited 0:\n{output[-4000:]}"
        if run.mode == "off":
            assert "ShapeContractError" not in output, "SHAPECHECK_MODE=off must not check contracts"
    for needle in run.needles:
        assert needle in output, f"{needle!r} not in the output of {script} ({run.mode}):\n{output[-4000:]}"
