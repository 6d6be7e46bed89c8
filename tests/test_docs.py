"""The README and docs/: every relative link leads to a file of the repository, and every
#anchor to a heading of that file (as GitHub and GitLab make them from headings)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCS = [REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "CONTRIBUTING.en.md"]
DOCS += sorted((REPO / "docs").glob("*.md"))
LINK = re.compile(r"\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub makes it: lower case, punctuation dropped (letters,
    digits, CJK, '-' and '_' kept), spaces made '-'."""
    text = re.sub(r"[`*\[\]()]", "", heading.strip().lower())
    kept = (c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return "".join("-" if c == " " else c for c in kept)


def outside_code(text: str) -> list[str]:
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(re.sub(r"`[^`]*`", "", line))
    return lines


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in outside_code(path.read_text(encoding="utf-8")):
        if m := re.match(r"#{1,6} (.*)", line):
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(path: Path) -> list[str]:
    return [
        t for line in outside_code(path.read_text(encoding="utf-8")) for t in LINK.findall(line)
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_link_leads_somewhere(doc: Path) -> None:
    broken = []
    for target in links(doc):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # http(s), mailto: not followed here (no network)
        path, _, fragment = target.partition("#")
        dest = (doc.parent / path).resolve() if path else doc
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(f"{target}: no heading makes #{fragment}")
    assert broken == []


def test_the_readme_is_a_front_door() -> None:
    """What the project is, the two commands, where to go next: under 15 KB."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 15_000
    assert "make site\nmake test\n" in readme
    for doc in sorted((REPO / "docs").glob("*.md")):
        assert f"(docs/{doc.name})" in readme, f"the README does not lead to {doc.name}"


def test_slugs_are_githubs() -> None:
    assert slug("Alerts (告诫提醒)") == "alerts-告诫提醒"
    assert slug("`alerts plan`") == "alerts-plan"
    assert slug("Pace and the backward schedule (专项分析、倒排工期)") == (
        "pace-and-the-backward-schedule-专项分析倒排工期"
    )


# --- the command line's synopsis is the parser's --------------------------------------------


def _commands() -> dict[str, set[str]]:
    """Every command of the parser (``alerts sync`` for a command with actions) → its
    options, from argparse itself."""
    import argparse

    from generator import cli

    def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        found: dict[str, argparse.ArgumentParser] = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.update(action.choices)
        return found

    found: dict[str, set[str]] = {}
    for name, sub in subparsers(cli._parser()).items():
        actions = subparsers(sub)
        for full, parser in ({f"{name} {a}": p for a, p in actions.items()} or {name: sub}).items():
            found[full] = {
                o for a in parser._actions for o in a.option_strings if o.startswith("--")
            } - {"--help"}
    return found


def _synopsis() -> dict[str, set[str]]:
    """The synopsis at the top of docs/command-line.md: command → the options it shows."""
    text = (REPO / "docs" / "command-line.md").read_text(encoding="utf-8")
    block = text.split("```text\n", 1)[1].split("```", 1)[0]
    found: dict[str, set[str]] = {}
    command = ""
    for line in block.splitlines():
        if not line.startswith(" "):
            words = re.match(r"[a-z][a-z-]*(?: [a-z]+)?(?= |$)", line)
            assert words, line
            command = words.group()
            if command.split(" ")[0] not in ("alerts", "report"):
                command = command.split(" ")[0]
            found[command] = set()
        found[command] |= set(re.findall(r"--[a-z][a-z-]*", line))
    return found


def test_the_command_lines_synopsis_shows_every_command_and_option() -> None:
    assert _synopsis() == _commands()
