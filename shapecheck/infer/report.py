"""The report of a recorded run: what was covered, what was proposed, what was not and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapecheck.infer.generalise import Proposal
from shapecheck.infer.observe import Observations
from shapecheck.infer.pack_writer import stub_name


@dataclass
class Summary:
    instrumented: int
    reached: int
    calls: int  # calls that returned normally
    distinct: int  # distinct call shapes kept as evidence
    proposed: int
    not_reached: list[str]
    no_contract: list[tuple[str, str]]
    failed_tests: int


def summarise(observations: Observations, proposals: list[Proposal], public_only: bool) -> Summary:
    shown = [p for p in proposals if p.info.public or not public_only]
    records = {r.info.key: r for r in observations.functions.values()}
    return Summary(
        instrumented=len(shown),
        reached=sum(1 for p in shown if records[p.info.key].calls_seen),
        calls=sum(records[p.info.key].calls_seen for p in shown),
        distinct=sum(p.calls for p in shown),
        proposed=sum(1 for p in shown if p.reason is None and p.slots),
        not_reached=[stub_name(p)[0] for p in shown if p.calls == 0],
        no_contract=[(stub_name(p)[0], p.reason) for p in shown if p.calls and p.reason],
        failed_tests=len(observations.failed_tags),
    )


def text_report(summary: Summary, proposals: list[Proposal], public_only: bool, pack: str | None) -> str:
    scope = "public functions and layer calls" if public_only else "functions and layer calls"
    lines = [
        f"{summary.instrumented} {scope} instrumented, {summary.reached} reached; "
        f"{summary.calls} calls recorded ({summary.distinct} distinct shapes used as evidence)",
        f"{summary.proposed} contracts proposed" + (f" -> {pack}" if pack else ""),
    ]
    if summary.failed_tests:
        lines.append(f"calls made by {summary.failed_tests} failing test(s) were not used as evidence")
    for p in proposals:
        if (public_only and not p.info.public) or p.reason is not None or not p.slots:
            continue
        extra = f"  (ambiguous: {'; '.join(p.ambiguous)})" if p.ambiguous else ""
        lines.append(f"  {stub_name(p)[0]}: {p.signature}  [{', '.join(p.dtypes)}]{extra}")
        lines.extend(f"      note: {n}" for n in p.notes)
    if summary.no_contract:
        lines.append("no contract:")
        lines.extend(f"  {name}: {why}" for name, why in summary.no_contract)
    if summary.not_reached:
        lines.append("not reached by the command:")
        lines.extend(f"  {name}" for name in summary.not_reached)
    return "\n".join(lines) + "\n"


def json_report(summary: Summary, proposals: list[Proposal], public_only: bool) -> dict[str, Any]:
    return {
        "summary": vars(summary),
        "contracts": [
            {"name": stub_name(p)[0], "signature": p.signature, "params": [s.param for s in p.params],
             "dtypes": p.dtypes, "calls": p.calls, "notes": p.notes, "ambiguous": p.ambiguous}
            for p in proposals
            if p.reason is None and p.slots and (p.info.public or not public_only)
        ],
    }
