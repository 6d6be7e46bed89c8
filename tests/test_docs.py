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
