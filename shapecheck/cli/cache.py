"""The on-disk cache: per-file summaries and findings, so unchanged files are not even parsed.

Layout (``.shapecheck_cache/`` at the project root unless ``--cache-dir``)::

    .shapecheck_cache/
        CACHEDIR.TAG  .gitignore
        v1-<engine>/<hash of the project-relative path>.pickle

``<engine>`` hashes the tool version, the analyser's own source files (so a changed
analyser never reads stale results) and the analysis-relevant configuration (packs and
their contents); directories for other engines are pruned. Each entry records the file's
content hash; its findings are stored under the ``project.fingerprint()`` they were
computed against. Entries are written atomically (temp file + rename), and a corrupt or
unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapecheck.findings import Finding

FORMAT_VERSION = "v1"
_BUCKET = re.compile(r"^v\d+-[0-9a-f]{16}$")
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by shapecheck.\n"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def engine_key(tool_version: str, analysis_digest: str) -> str:
    """Changes whenever the code or data that produce findings change.

    Hashes the size and mtime of the analyser (``shapecheck/static``, ``shapecheck/contract``,
    the finding record, the rule registry, the CLI's pre-flight and worker modules), the
    shipped packs and the rule catalogue.
    """
    h = hashlib.sha256(f"{tool_version}\0{analysis_digest}\0".encode())
    package = Path(__file__).resolve().parent.parent  # shapecheck/
    from shapecheck.resources import rules_dir

    sources = [package / "static", package / "contract", package / "findings.py", package / "rules.py",
               package / "cli" / "sources.py", package / "cli" / "workers.py"]
    try:
        # the catalogue too: a finding's severity comes from its rule's entry
        sources.extend([rules_dir() / "packs", rules_dir() / "catalogue"])
    except FileNotFoundError:
        pass
    for source in sources:
        walk = os.walk(source) if source.is_dir() else [(str(source.parent), [], [source.name])]
        for dirpath, dirnames, filenames in walk:
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".toml")):
                    full = os.path.join(dirpath, name)
                    try:
                        st = os.stat(full)
                    except OSError:
                        continue
                    h.update(f"{full}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:16]


@dataclass
class CacheEntry:
    """One file's cached results. The summary stays pickled (``summary_blob``) until the
    project index must be rebuilt, so a fully warm run never imports the analyser."""

    rel: str
    content: str
    summary_blob: bytes | None = None  # pickled ModuleSummary
    input_error: Finding | None = None  # SC001-SC003: the file cannot be analysed
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # project fingerprint -> raw findings


@dataclass
class Manifest:
    """The project fingerprint computed for one exact set of file contents."""

    contents: dict[str, str]  # rel -> content hash
    fingerprint: str


class Cache:
    """A cache directory; ``enabled=False`` makes every lookup a miss and every store a no-op."""

    def __init__(self, directory: Path, engine: str, enabled: bool = True) -> None:
        self.directory = directory
        self.engine = engine
        self.enabled = enabled
        self.bucket = directory / f"{FORMAT_VERSION}-{engine}"
        self._prepared = False
        self.hits = 0
        self.misses = 0
        self.write_errors: list[str] = []

    def _entry_path(self, rel: str) -> Path:
        return self.bucket / (hashlib.blake2b(rel.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() + ".pickle")

    def get(self, rel: str, content: str) -> CacheEntry | None:
        if not self.enabled:
            return None
        try:
            with self._entry_path(rel).open("rb") as fh:
                entry = pickle.load(fh)
        except Exception:  # missing, truncated, or written by an incompatible build: a miss
            self.misses += 1
            return None
        if not isinstance(entry, CacheEntry) or entry.rel != rel or entry.content != content:
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def _manifest_path(self, rels: list[str]) -> Path:
        h = hashlib.blake2b(digest_size=16)
        for rel in sorted(rels):
            h.update(rel.encode("utf-8", "surrogatepass") + b"\0")
        return self.bucket / f"manifest-{h.hexdigest()}.pickle"

    def get_manifest(self, contents: dict[str, str]) -> str | None:
        """The fingerprint recorded for exactly these contents, or None."""
        if not self.enabled:
            return None
        try:
            with self._manifest_path(list(contents)).open("rb") as fh:
                manifest = pickle.load(fh)
        except Exception:
            return None
        if not isinstance(manifest, Manifest) or manifest.contents != contents:
            return None
        return manifest.fingerprint

    def put_manifest(self, contents: dict[str, str], fingerprint: str) -> None:
        self._write(self._manifest_path(list(contents)), Manifest(dict(contents), fingerprint), "manifest")

    def _prepare(self) -> None:
        """Create the bucket. The tag and a ``*`` .gitignore are written only into a directory
        shapecheck creates (``--cache-dir`` may name an existing one, which is left as it is),
        and other engines' buckets are pruned only where that tag is ours."""
        self._prepared = True
        fresh = not self.directory.exists()
        self.bucket.mkdir(parents=True, exist_ok=True)
        tag = self.directory / "CACHEDIR.TAG"
        if fresh:
            tag.write_text(_TAG)
            (self.directory / ".gitignore").write_text("# Automatically created by shapecheck.\n*\n")
        try:
            ours = tag.read_text(errors="replace").startswith(_TAG)
        except OSError:
            ours = False
        if ours:
            for sibling in self.directory.iterdir():
                if sibling != self.bucket and _BUCKET.match(sibling.name) and sibling.is_dir() and not sibling.is_symlink():
                    shutil.rmtree(sibling, ignore_errors=True)

    def put(self, entry: CacheEntry) -> None:
        self._write(self._entry_path(entry.rel), entry, entry.rel)

    def _write(self, target: Path, obj: Any, label: str) -> None:
        if not self.enabled:
            return
        try:
            if not self._prepared:
                self._prepare()
            fd, tmp = tempfile.mkstemp(dir=self.bucket, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, target)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError) as exc:
            # A read-only checkout or an unpicklable summary must not fail the run.
            if len(self.write_errors) < 3:
                self.write_errors.append(f"{label}: {type(exc).__name__}: {exc}")


def clean(start: Path) -> list[Path]:
    """Remove every ``.shapecheck_cache`` directory under ``start`` that shapecheck created
    (it holds shapecheck's CACHEDIR.TAG); symlinks are not followed. Returns what was removed."""
    removed: list[Path] = []
    for dirpath, dirnames, _files in os.walk(start):
        if ".shapecheck_cache" in dirnames:
            candidate = Path(dirpath) / ".shapecheck_cache"
            dirnames.remove(".shapecheck_cache")
            try:
                ours = (candidate / "CACHEDIR.TAG").read_text(errors="replace").startswith(_TAG)
            except OSError:
                ours = False
            if ours and not candidate.is_symlink():
                shutil.rmtree(candidate, ignore_errors=True)
                removed.append(candidate)
        dirnames[:] = [d for d in dirnames if d != ".git"]
    return removed
