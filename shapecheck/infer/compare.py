"""Do two contracts say the same thing up to renaming of dims?

Each side is a list of ``(label, ShapeSpec)`` (parameters by name, results as ``return``,
``return[0]``...). They are equivalent when the labels and ranks agree, literal sizes agree,
and a one-to-one renaming of names maps every dim of one onto the other (expressions compared
in canonical form after renaming; a variadic run's name is renamed the same way). A name used
once in a whole contract constrains nothing, so it counts as ``_`` (a run's as ``...``).
"""

from __future__ import annotations

from collections import Counter

from shapecheck.contract.expr import Expr
from shapecheck.contract.spec import Dim, DimKind, ShapeSpec

Contract = list[tuple[str, ShapeSpec]]


def _counts(contract: Contract) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _label, spec in contract:
        for dim in spec.dims:
            if dim.expr is not None:
                counts.update(dim.expr.names())
            elif dim.kind is DimKind.VARIADIC and dim.name:
                counts[dim.name] += 1
    return counts


def _kind(dim: Dim, counts: Counter[str]) -> str:
    if dim.kind is DimKind.VARIADIC:
        return "variadic" if dim.name and counts[dim.name] > 1 else "anon-variadic"
    if dim.kind is DimKind.NAMED and dim.name and counts[dim.name] == 1:
        return "anon"
    return dim.kind.value


def difference(a: Contract, b: Contract) -> str | None:
    """``None`` when ``a`` and ``b`` are equivalent, else the first difference found."""
    labels_a, labels_b = [label for label, _ in a], [label for label, _ in b]
    if sorted(labels_a) != sorted(labels_b):
        return f"contracted values differ: {sorted(labels_a)} vs {sorted(labels_b)}"
    specs_b = dict(b)
    counts_a, counts_b = _counts(a), _counts(b)
    mapping: dict[str, str] = {}
    exprs: list[tuple[str, Expr, Expr]] = []
    for label, spec_a in a:
        spec_b = specs_b[label]
        if len(spec_a.dims) != len(spec_b.dims):
            return f"{label}: rank {len(spec_a.dims)} vs {len(spec_b.dims)}"
        for da, db in zip(spec_a.dims, spec_b.dims):
            ka, kb = _kind(da, counts_a), _kind(db, counts_b)
            where = f'{label}: "{spec_a.text}" vs "{spec_b.text}"'
            if ka != kb or da.broadcast != db.broadcast:
                return f"{where}: {da.text} vs {db.text}"
            if ka == "fixed" and da.size != db.size:
                return f"{where}: {da.text} vs {db.text}"
            if ka in ("named", "variadic"):
                assert da.name and db.name
                if mapping.setdefault(da.name, db.name) != db.name:
                    return f"{where}: {da.name} is {mapping[da.name]} elsewhere, {db.name} here"
            if ka == "expr":
                assert da.expr is not None and db.expr is not None
                exprs.append((where, da.expr, db.expr))
    if len(set(mapping.values())) != len(mapping):
        return "two names of one contract are one name in the other"
    renaming = {k: Expr.name(v) for k, v in mapping.items()}
    for where, ea, eb in exprs:
        if ea.substitute(renaming) != eb:
            return f"{where}: {ea} vs {eb}"
    return None
