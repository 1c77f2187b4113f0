"""Build the real-code corpus: sources of pinned PyPI packages unpacked from their wheels.

Benchmarks (lint speed, mutation precision, findings per KLOC) read it; tests never do.

    python3 benchmarks/build_corpus.py [--dest /work/corpus]

Each package lands in ``DEST/<distribution>/`` with only its ``.py`` files, next to a
``MANIFEST.json`` naming the wheel, its sha256 and the file count. A package already
unpacked at the pinned version is left alone, so the script is cheap to run again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# Pinned: the corpus must be the same code on every machine and in every later session.
PINS: dict[str, str] = {
    "tf-models-official": "2.20.0",
    "keras-hub": "0.32.0",
    "gpflow": "2.11.2",
    "tensorflow-addons": "0.23.0",
    "deepxde": "1.15.0",
    "tensorflow-recommenders": "0.7.7",
}
DEFAULT_DEST = Path(__file__).resolve().parents[2] / "corpus"


def _download(name: str, version: str, into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.11", "-d", str(into), f"{name}=={version}"],
        check=True,
    )
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"{name}=={version}: expected one wheel, pip left {[w.name for w in wheels]}")
    return wheels[0]


def _unpack(wheel: Path, target: Path) -> int:
    count = 0
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.endswith(".py") or ".dist-info/" in info.filename:
                continue
            out = target / info.filename
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(zf.read(info))
            count += 1
    return count


def build(dest: Path) -> dict[str, dict[str, object]]:
    dest.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for name, version in PINS.items():
        target = dest / name
        stamp = target / "MANIFEST.json"
        if stamp.is_file() and json.loads(stamp.read_text()).get("version") == version:
            manifest[name] = json.loads(stamp.read_text())
            continue
        with tempfile.TemporaryDirectory() as tmp:
            wheel = _download(name, version, Path(tmp))
            sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
            if target.exists():
                subprocess.run(["rm", "-rf", str(target)], check=True)
            files = _unpack(wheel, target)
        entry = {"version": version, "wheel": wheel.name, "sha256": sha, "py_files": files}
        stamp.write_text(json.dumps(entry, indent=1) + "\n")
        manifest[name] = entry
        print(f"{name}=={version}: {files} .py files", flush=True)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args()
    manifest = build(args.dest)
    total = sum(int(e["py_files"]) for e in manifest.values())
    print(f"corpus at {args.dest}: {len(manifest)} packages, {total} .py files")


if __name__ == "__main__":
    main()
