"""Render the rule catalogue to ``docs/rules/SCnnn.md`` (the pages SARIF's helpUri links to).

Run ``python3 -m shapecheck.cli.rule_docs docs/rules`` after editing ``rules/catalogue``;
a test fails while the pages and the catalogue disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shapecheck.cli.catalogue import load_catalogue
from shapecheck.cli.rule_command import rule_markdown


def pages() -> dict[str, str]:
    """File name -> content of every page, and the index."""
    rules, problems = load_catalogue()
    if problems:
        raise SystemExit("broken catalogue entries:\n" + "\n".join(problems))
    out = {f"{code}.md": rule_markdown(rules[code]) for code in sorted(rules)}
    index = ["# Rules", "", "Generated from `rules/catalogue` by `python3 -m shapecheck.cli.rule_docs docs/rules`.", ""]
    index += [f"- [{code} {rules[code].name}]({code}.md): {rules[code].summary}" for code in sorted(rules)]
    out["README.md"] = "\n".join(index) + "\n"
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 -m shapecheck.cli.rule_docs DIRECTORY", file=sys.stderr)
        return 2
    directory = Path(argv[0])
    directory.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for stale in directory.glob("SC*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (directory / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} pages to {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
