"""The static analyser's API, the only one the CLI calls (see docs/ARCHITECTURE.md).

    packs = load_packs(extra=[...])
    summary = summarise_module(path, source, packs)      # per file; picklable
    project = build_project(summaries, packs)            # cross-file knowledge
    findings = check_module(path, source, project, packs)
    text = explain_module(path, source, function_or_None, project, packs)
    regions = xla_map(project)
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from shapecheck.findings import Finding
from shapecheck.static import xla as _xla
from shapecheck.static.packs import KnowledgePacks, PackError, load_packs
from shapecheck.static.modnames import module_name_for
from shapecheck.static.parsed import PARSES, AnalysisError, ParsedFile, parse_file
from shapecheck.static.prefilter import may_have_shape_findings, names_pattern
from shapecheck.static.checker import check_parsed, check_parsed_with_lookups
from shapecheck.static.dynamism import check_compiled
from shapecheck.static.keras_models import keras_class_digests
from shapecheck.static.signatures import collect_functions, malformed_contracts
from shapecheck.static.summary import FunctionInfo, ModuleSummary

__all__ = [
    "AnalysisError",
    "KnowledgePacks",
    "ModuleSummary",
    "PackError",
    "ProjectIndex",
    "build_project",
    "check_module",
    "explain_module",
    "load_packs",
    "summarise_module",
    "xla_map",
]


@dataclass
class ProjectIndex:
    """Cross-file knowledge: every function's contract or body summary, and the compiled regions."""

    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    callable_classes: dict[str, str] = field(default_factory=dict)
    keras_classes: dict[str, str] = field(default_factory=dict)  # class qualname -> content hash of its file
    modules: dict[str, str] = field(default_factory=dict)  # module name -> path
    region_map: Any = None
    packs_digest: str = ""
    contract_names: frozenset[str] = frozenset()  # last name parts of everything with a contract
    # path -> (content hash, findings without the project, names looked up in the project)
    local_results: dict[str, tuple[str, tuple[Finding, ...], frozenset[str]]] = field(default_factory=dict)
    summarised: dict[str, str] = field(default_factory=dict)  # path -> content hash of its summary
    _fingerprint: str = ""
    _names_re: Any = None

    def fingerprint(self) -> str:
        """Changes iff anything another file's findings may depend on changed."""
        return self._fingerprint

    def names_pattern(self) -> Any:
        if self._names_re is None:
            self._names_re = names_pattern(self.contract_names) or False
        return self._names_re or None

    def function(self, qualname: str | None) -> FunctionInfo | None:
        if not qualname:
            return None
        return self.functions.get(qualname)


def _hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


# One parse per file per process: the tree summarise_module made is kept for check_module
# (and explain) of the same content, which takes it out again. Bounded by the source text
# the kept trees stand for (a libcst tree takes about 25 bytes per source character, measured
# on the corpus): past the budget new trees are not kept, so a run over more text than that
# parses only the files beyond it twice, not every file (as evicting the oldest would).
_PARSED: OrderedDict[tuple[str, str], ParsedFile] = OrderedDict()
_PARSED_BUDGET_CHARS = 16_000_000
_parsed_chars = [0]


def _parsed(path: str | Path, source: str, keep: bool = True) -> ParsedFile:
    key = (str(path), _hash(source))
    hit = _PARSED.get(key)
    if hit is not None:
        if not keep:
            _forget(path, source)
        return hit
    parsed = parse_file(path, source)
    if keep and _parsed_chars[0] + len(source) <= _PARSED_BUDGET_CHARS:
        _PARSED[key] = parsed
        _parsed_chars[0] += len(source)
    return parsed


def parsed_for_reading(path: str | Path, source: str) -> ParsedFile:
    """``path``'s tree for another file's analysis to read: the kept one (left kept for the file's
    own check), or a fresh parse that is not kept."""
    hit = _PARSED.get((str(path), _hash(source)))
    return hit if hit is not None else parse_file(path, source)


def _forget(path: str | Path, source: str) -> None:
    dropped = _PARSED.pop((str(path), _hash(source)), None)
    if dropped is not None:
        _parsed_chars[0] -= len(dropped.source)


def parse_counts() -> dict[str, int]:
    """Parses run in this process so far, by parser (``libcst``; ``ast`` for the line index)."""
    return dict(PARSES)


def summarise_module(path: str | Path, source: str, packs: KnowledgePacks) -> ModuleSummary:
    """What other files need to know about this one. Raises AnalysisError for unreadable code."""
    from shapecheck.static.bodies import summarise_bodies
    from shapecheck.static.foreign import store_bodies

    parsed = _parsed(path, source)
    try:
        functions = collect_functions(parsed, packs.shape_hints)
        summary = ModuleSummary(str(path), parsed.module_name, _hash(source), functions, is_package=parsed.is_package)
        summary.callable_classes = _callable_classes(functions)
        summary.keras_classes = keras_class_digests(parsed)
        summarise_bodies(parsed, summary, packs)
        store_bodies(parsed, summary)
        if may_have_shape_findings(source, None):
            # analyse now, while the tree is at hand; check_module reuses this unless the
            # project knows something the file calls (then it analyses again with it)
            found, lookups = check_parsed_with_lookups(parsed, None, packs)
            summary.local_findings = tuple(malformed_contracts(parsed) + found)
            summary.external_lookups = lookups
        summary.xla_facts = _xla.collect_module_facts(parsed.module_name, str(path), parsed.wrapper, parsed.text_index, parsed.model)
    except RecursionError:
        raise AnalysisError(str(path), 1, 1, "too deeply nested to analyse", code="SC003") from None
    return summary


def _callable_classes(functions: dict[str, FunctionInfo]) -> dict[str, str]:
    out: dict[str, str] = {}
    for qn, info in functions.items():
        owner, _, method = qn.rpartition(".")
        if method in ("call", "__call__") and info.is_method and info.has_contract:
            out.setdefault(owner, qn)
    return out


def build_project(summaries: Sequence[ModuleSummary], packs: KnowledgePacks) -> ProjectIndex:
    """Join per-file summaries into the project index (contracts, summaries, compiled regions)."""
    project = ProjectIndex(packs_digest=packs.fingerprint())
    digest = hashlib.sha256(packs.fingerprint().encode())
    for s in sorted(summaries, key=lambda s: s.module_name + "\0" + s.path):
        project.modules[s.module_name] = s.path
        for qn, info in s.functions.items():
            project.functions[qn] = info
            if info.has_contract or info.body_return is not None or info.body is not None:
                digest.update(
                    repr((qn, info.params, info.returns, info.returns_optional, info.returns_tuple, info.body_return, info.body)).encode()
                )
        project.callable_classes.update(s.callable_classes)
        project.keras_classes.update(s.keras_classes)
        if s.keras_classes:
            digest.update(repr(sorted(s.keras_classes.items())).encode())
        project.summarised[s.path] = s.content_hash
        if s.local_findings is not None:
            project.local_results[s.path] = (s.content_hash, s.local_findings, s.external_lookups)
    names: set[str] = {stub.rpartition(".")[2] for stub in packs.stubs}
    for qn, info in project.functions.items():
        if info.has_contract:
            names.add(qn.rpartition(".")[2])
    for cls in project.callable_classes:
        names.add(cls.rpartition(".")[2])
    project.contract_names = frozenset(names)
    project.region_map = _xla.build_region_map([s.xla_facts for s in summaries if s.xla_facts is not None])
    digest.update(project.region_map.fingerprint().encode())
    project._fingerprint = digest.hexdigest()
    return project


def check_module(path: str | Path, source: str, project: ProjectIndex, packs: KnowledgePacks) -> list[Finding]:
    """Every finding in one file. Raises AnalysisError only for code that cannot be read at all.

    The file's tree is taken out of the per-process cache here: checking is its last use in a run.
    """
    mine = _has_shape_source(project, str(path), source)
    theirs = _xla_wants(project, str(path))
    reuse = _reusable(project, str(path), source) if mine else None
    if (not mine and not theirs) or (reuse is not None and not theirs):
        _forget(path, source)
        return sorted(set(reuse or ()))  # nothing (more) to analyse: no parse (see prefilter.py)
    try:
        parsed = _parsed(path, source, keep=False)
        findings: list[Finding] = []
        if reuse is not None:
            findings.extend(reuse)
        elif mine:
            findings.extend(malformed_contracts(parsed))
            findings.extend(check_parsed(parsed, project, packs))
        if theirs:
            findings.extend(_xla.check_module_xla(str(path), parsed.module_name, parsed.wrapper, project.region_map, parsed.model, parsed.positions))
            findings.extend(check_compiled(parsed, project.region_map, project, packs))
    except RecursionError:
        raise AnalysisError(str(path), 1, 1, "too deeply nested to analyse", code="SC003") from None
    return sorted(set(findings))


def _has_shape_source(project: ProjectIndex, path: str, source: str) -> bool:
    """``prefilter.may_have_shape_findings``, reusing the summary's verdict on the file's own text."""
    names = project.names_pattern()
    if project.summarised.get(path) == _hash(source):
        hit = project.local_results.get(path)
        base = hit is not None  # the summary analysed the file iff its text holds a shape source
        return base or bool(names is not None and names.search(source))
    return may_have_shape_findings(source, names)


def _reusable(project: ProjectIndex, path: str, source: str) -> tuple[Finding, ...] | None:
    """The summary-time findings, if nothing they depended on is known to the project."""
    hit = project.local_results.get(path)
    if hit is None or hit[0] != _hash(source):
        return None
    names = project.names_pattern()
    if names is not None and names.search(source):
        return None  # calls something with a contract elsewhere: analyse with the project
    _h, findings, lookups = hit
    for name in lookups:
        info = project.functions.get(name)
        if info is not None and (info.has_contract or info.body_return is not None or info.body is not None):
            return None
        if name in project.callable_classes:
            return None
        if name.endswith("(...)") and name[:-5] in project.keras_classes:
            return None  # an instance of another file's Keras class applied to a known input
    return findings


def _xla_wants(project: ProjectIndex, path: str) -> bool:
    """Whether the compiled-region checks have anything to look at in this file."""
    rm = project.region_map
    if rm is None:
        return False
    functions = getattr(rm, "module_functions", None)
    roots = getattr(rm, "module_roots", None)
    if functions is None or roots is None:
        return True  # no index to consult: let the XLA package decide
    name = module_name_for(path)
    return bool(functions.get(name) or roots.get(name))


def explain_module(
    path: str | Path, source: str, function: str | None, project: ProjectIndex, packs: KnowledgePacks
) -> str:
    """The source with the inferred shape of each assignment beside it.

    ``function`` restricts the output to one function (``name`` or ``Class.method``);
    an unknown name raises ``ValueError`` listing the functions there are.
    """
    from shapecheck.static.explain import explain_parsed

    parsed = _parsed(path, source)
    try:
        return explain_parsed(parsed, function, project, packs)
    except RecursionError:
        raise AnalysisError(str(path), 1, 1, "too deeply nested to analyse", code="SC003") from None


def xla_map(project: ProjectIndex) -> list[Any]:
    """Compiled regions, the call chains into them and their off-switches."""
    if project.region_map is None:
        return []
    return list(_xla.xla_map(project.region_map))

