"""How much the XLA analysis adds to parsing: parse every file with libcst, then run
collect_module_facts + build_region_map + check_module_xla on the parsed trees.

Usage: python benchmarks/xla_lint_speed.py [ROOT] [MAX_FILES]   (default: the installed keras/src, 300)
Prints seconds for parsing and for each analysis stage and the ratio to parsing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from shapecheck.static.xla import build_region_map, check_module_xla, collect_module_facts
from shapecheck.static.xla.standalone import module_name_of


def main() -> None:
    if len(sys.argv) > 1:
        root = Path(sys.argv[1])
    else:
        import importlib.util

        spec = importlib.util.find_spec("keras")
        assert spec is not None and spec.origin is not None
        root = Path(spec.origin).parent / "src"
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    files = sorted(root.rglob("*.py"))[:limit]
    sources = [(f, f.read_text(encoding="utf-8")) for f in files]
    t0 = time.perf_counter()
    parsed = [(str(f), module_name_of(str(f.relative_to(root))), MetadataWrapper(cst.parse_module(s), unsafe_skip_copy=True))
              for f, s in sources]
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    facts = [collect_module_facts(name, path, w) for path, name, w in parsed]
    t_collect = time.perf_counter() - t0
    t0 = time.perf_counter()
    region_map = build_region_map(facts)
    t_map = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = sum(len(check_module_xla(path, name, w, region_map)) for path, name, w in parsed)
    t_check = time.perf_counter() - t0
    total = t_collect + t_map + t_check
    print(f"{len(files)} files under {root}")
    print(f"parse   {t_parse:7.2f}s")
    print(f"collect {t_collect:7.2f}s  ({t_collect / t_parse:.2f}x parse)")
    print(f"map     {t_map:7.2f}s  ({t_map / t_parse:.2f}x parse)")
    print(f"check   {t_check:7.2f}s  ({t_check / t_parse:.2f}x parse)  {n} findings")
    print(f"xla analysis total {total:.2f}s = {total / t_parse:.2f}x parse")


if __name__ == "__main__":
    main()
