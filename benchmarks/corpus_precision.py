"""Precision of the analyser on real code it was not written for: findings per KLOC per rule, and a triage.

Lints the packages of the corpus (``/work/corpus/<package>``, built by ``build_corpus.py``)
or reads a JSON report made earlier, counts findings per rule per thousand non-blank lines,
and joins them with the hand triage in ``corpus_triage.toml`` (one entry per finding:
``path`` relative to the corpus, ``line``, ``code``, ``verdict`` = true | false | intended,
``reason``). Precision per rule counts true and intended findings over triaged ones.

    PYTHONPATH=$PWD python3 benchmarks/corpus_precision.py [--corpus /work/corpus] [--packages a,b] [--report OUT.json]
    PYTHONPATH=$PWD python3 benchmarks/corpus_precision.py --from-report OUT.json [MORE.json ...]

The whole corpus takes minutes: lint one package per report (``--packages tf-models-official
--report tfm.json``) and join the reports with ``--from-report``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TRIAGE = HERE / "corpus_triage.toml"


def kloc(paths: list[Path]) -> float:
    lines = 0
    for root in paths:
        for f in root.rglob("*.py"):
            try:
                lines += sum(1 for line in f.read_text(errors="replace").splitlines() if line.strip())
            except OSError:
                continue
    return lines / 1000


def lint(paths: list[Path], report: Path) -> None:
    cmd = [sys.executable, "-m", "shapecheck.cli", "check", "--no-cache", "--isolated", "--exit-zero",
           "--output-format", "json", "-o", str(report), *map(str, paths)]
    subprocess.run(cmd, check=True, cwd=HERE.parent)


def findings_of(report: Path, corpus: Path) -> list[dict[str, Any]]:
    data = json.loads(report.read_text())
    items = data["findings"] if isinstance(data, dict) and "findings" in data else data
    out = []
    for f in items:
        path = Path(f.get("path") or f.get("filename"))
        try:
            rel = str(path.resolve().relative_to(corpus.resolve()))
        except ValueError:
            rel = str(path)
        line = f.get("line") or (f.get("location") or {}).get("row")
        out.append({"path": rel, "line": line, "code": f.get("code"), "message": f.get("message", "")})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    ap.add_argument("--packages", default="", help="comma-separated package directories (default: all)")
    ap.add_argument("--report", type=Path, default=Path("corpus_report.json"), help="where the lint writes its JSON")
    ap.add_argument("--from-report", type=Path, nargs="+", default=None,
                    help="read these JSON reports (one per package, say) instead of linting")
    ap.add_argument("--list", action="store_true", help="print every finding with its verdict")
    args = ap.parse_args(argv)
    names = args.packages.split(",") if args.packages else sorted(p.name for p in args.corpus.iterdir() if p.is_dir())
    paths = [args.corpus / n for n in names]
    reports = args.from_report
    if reports is None:
        lint(paths, args.report)
        reports = [args.report]
    found = [f for report in reports for f in findings_of(report, args.corpus)]
    size = kloc(paths)
    per_rule = Counter(f["code"] for f in found)
    triage: dict[tuple[str, int, str], dict[str, str]] = {}
    if TRIAGE.exists():
        for entry in tomllib.loads(TRIAGE.read_text())["finding"]:
            triage[(entry["path"], entry["line"], entry["code"])] = entry
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    for f in found:
        entry = triage.get((f["path"], f["line"], f["code"]))
        verdicts[f["code"]][entry["verdict"] if entry else "untriaged"] += 1
    print(f"packages: {', '.join(names)}; {size:.1f} KLOC (non-blank); {len(found)} findings")
    print(f"{'rule':6} {'findings':>8} {'per KLOC':>9} {'true':>5} {'intended':>9} {'false':>6} {'untriaged':>10} {'precision':>10}")
    total: Counter[str] = Counter()
    for code in sorted(per_rule):
        v = verdicts[code]
        total.update(v)
        judged = v["true"] + v["intended"] + v["false"]
        precision = f"{100 * (v['true'] + v['intended']) / judged:.0f}%" if judged else "-"
        print(f"{code:6} {per_rule[code]:>8} {per_rule[code] / size:>9.3f} {v['true']:>5} {v['intended']:>9} {v['false']:>6} "
              f"{v['untriaged']:>10} {precision:>10}")
    judged = total["true"] + total["intended"] + total["false"]
    if judged:
        print(f"triaged {judged}: {100 * (total['true'] + total['intended']) / judged:.0f}% true or intended")
    if args.list:
        for f in found:
            entry = triage.get((f["path"], f["line"], f["code"]))
            print(f"{f['path']}:{f['line']} {f['code']} [{entry['verdict'] if entry else '?'}] {f['message'][:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
