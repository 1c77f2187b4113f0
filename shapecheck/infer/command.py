"""``shapecheck infer`` and ``shapecheck annotate``: running the recorded command and writing outputs."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import shapecheck
from shapecheck.infer.hook import ENV_OUT, ENV_PACKAGES
from shapecheck.infer.observe import Observations

_SITECUSTOMIZE = '''\
# Written by `shapecheck infer`: installs the recording import hook, then runs the
# sitecustomize this one shadows (if any).
import sys as _sys

try:
    from shapecheck.infer.hook import install_from_environment as _install
    _install()
except Exception as _exc:  # the recorded command must run even if recording cannot
    print(f"shapecheck infer: recording disabled: {type(_exc).__name__}: {_exc}", file=_sys.stderr)

_here = __file__.rsplit("/", 1)[0]
_saved = list(_sys.path)
_me = _sys.modules.pop("sitecustomize", None)
try:
    _sys.path[:] = [p for p in _sys.path if p != _here]
    import sitecustomize  # noqa: F401
except ImportError:
    pass
finally:
    _sys.path[:] = _saved
    if _me is not None:
        _sys.modules["sitecustomize"] = _me
'''
PYTEST_PLUGIN = "shapecheck.infer.pytest_tags"


@dataclass
class InferOptions:
    packages: list[str]
    command: list[str]
    output: Path
    report: Path | None = None
    observations: Path | None = None  # save the raw observations here
    from_observations: list[Path] | None = None  # generalise saved observations instead of running
    include_private: bool = False


def _recording_env(packages: list[str], site_dir: str, out_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    shapecheck_root = str(Path(shapecheck.__file__).resolve().parent.parent)
    path = [site_dir, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p], shapecheck_root]
    env["PYTHONPATH"] = os.pathsep.join(path)
    env[ENV_PACKAGES] = ",".join(packages)
    env[ENV_OUT] = out_dir
    plugins = [p for p in env.get("PYTEST_PLUGINS", "").split(",") if p]
    env["PYTEST_PLUGINS"] = ",".join([*plugins, PYTEST_PLUGIN])
    return env


def record(packages: list[str], command: list[str], stderr: TextIO) -> tuple[Observations, int]:
    """Run ``command`` with the recording hook; the merged observations and its exit code."""
    observations = Observations()
    with tempfile.TemporaryDirectory(prefix="shapecheck-infer-") as tmp:
        site_dir = os.path.join(tmp, "site")
        out_dir = os.path.join(tmp, "observations")
        os.makedirs(site_dir)
        os.makedirs(out_dir)
        Path(site_dir, "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
        try:
            code = subprocess.run(command, env=_recording_env(packages, site_dir, out_dir)).returncode
        except OSError as exc:
            print(f"shapecheck infer: cannot run {shlex.join(command)}: {exc}", file=stderr)
            return observations, 127
        for path in sorted(Path(out_dir).glob("*.json")):
            try:
                observations.merge_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                print(f"shapecheck infer: {path.name}: unreadable observations skipped: {exc}", file=stderr)
    return observations, code


def run_infer(options: InferOptions, stdout: TextIO, stderr: TextIO) -> int:
    from shapecheck.cli.errors import UsageError
    from shapecheck.infer.generalise import generalise
    from shapecheck.infer.pack_writer import write_pack
    from shapecheck.infer.report import json_report, summarise, text_report

    for target in (options.output, options.report, options.observations):
        if target is not None and not target.resolve().parent.is_dir():  # say so before a long run, not after
            raise UsageError(f"{target}: the directory {target.resolve().parent} does not exist")
    if options.from_observations:
        observations = Observations()
        for path in options.from_observations:
            try:
                observations.merge_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"{path}: not a shapecheck observations file: {exc}") from None
    else:
        if not options.packages:
            raise UsageError("--packages names the packages to record (e.g. --packages mypkg)")
        if not options.command:
            raise UsageError("give the command to record after --, e.g. shapecheck infer --packages mypkg -- pytest")
        observations, code = record(options.packages, options.command, stderr)
        if code and code != 127:
            print(f"shapecheck infer: the command exited with {code}; calls of failing tests are not evidence",
                  file=stderr)
    if options.observations:
        options.observations.write_text(json.dumps(observations.to_json()), encoding="utf-8")
    if options.packages:
        wanted = tuple(options.packages)
        observations.functions = {
            k: r for k, r in observations.functions.items()
            if any(r.info.module == p or r.info.module.startswith(p + ".") for p in wanted)
        }
    if not observations.functions:
        print("shapecheck infer: no function of the packages was imported by the command", file=stderr)
        return 2
    public_only = not options.include_private
    proposals = generalise(observations)
    written = [p for p in proposals if p.info.public or not public_only]
    options.output.write_text(write_pack(written, shlex.join(options.command)), encoding="utf-8")
    summary = summarise(observations, proposals, public_only)
    stdout.write(text_report(summary, proposals, public_only, str(options.output)))
    if options.report:
        options.report.write_text(json.dumps(json_report(summary, proposals, public_only), indent=2), encoding="utf-8")
    return 0
