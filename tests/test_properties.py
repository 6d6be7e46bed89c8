"""Property tests: valid project files mutated at random never crash the loader or validator.

Every outcome is either a valid project or a list of diagnostics, each naming the
mutated file and a line inside it. ``FUZZ_EXAMPLES`` scales the run (``make fuzz``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import loader, validate
from generator.loader import load_bytes

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)
SAMPLES = sorted((REPO / "projects").glob("*.yaml"))
SITE = validate.validate_site(load_bytes((REPO / "site.yaml").read_bytes(), "site.yaml"))[0]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))

TOKENS = [
    ":", ": ", "-", "- ", " ", "  ", "\t", '"', "'", "[", "]", "{", "}", ",", "&a", "*a", "!",
    "!!python/object:os.system", "#", "\n", "\r\n", "x", "中", "0", "2026-02-30", "no", "12:30",
    "0o17", "~", "null", "|", ">", "---", "...", "%", "@", "`", "\ufeff", "\x00", "\xff",
    "\x1b", "\x7f", "\x9b", "：", "，", "、", "**", "{a: **b**}", "2026/1/31", "\uff12\uff10",
    "title", "due", "done", "lead", "milestones", "weight: 0", "weight: -1", "dué",
]


def check(raw: bytes, file: str = "projects/sample.yaml") -> None:
    doc = load_bytes(raw, file)
    assert SITE is not None
    project, problems = validate.validate_project(doc, "sample", SITE, TODAY)
    text = raw.decode("utf-8-sig", errors="replace")
    line_count = len(re.split("\r\n|[\r\n\x85\u2028\u2029]", text))
    for problem in problems:
        assert problem.file == file
        assert 1 <= problem.line <= line_count, (problem, line_count)
        assert problem.col >= 1
        assert problem.message("en") and problem.message("zh-CN")
    if project is None:
        assert any(p.severity == "error" for p in problems)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(SAMPLES)).read_text(encoding="utf-8")
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["insert", "delete", "dup", "drop", "swap", "indent"]))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if action == "insert":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(TOKENS)) + line[at:]
        elif action == "delete" and line:
            at = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:at] + line[at + draw(st.integers(1, 4)) :]
        elif action == "dup":
            lines.insert(i, line)
        elif action == "drop" and len(lines) > 1:
            del lines[i]
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "indent":
            lines[i] = " " * draw(st.integers(0, 7)) + line.lstrip(" ")
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_project_files_give_located_answers(raw: bytes) -> None:
    check(raw)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_located_answers(raw: bytes) -> None:
    check(raw)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_token_soup_gives_located_answers(tokens: list[str]) -> None:
    check("".join(tokens).encode("utf-8", errors="surrogatepass"))


def test_limits_are_what_the_readme_states() -> None:
    readme = "".join(  # the README and the reference in docs/
        p.read_text(encoding="utf-8") for p in [REPO / "README.md", *(REPO / "docs").glob("*.md")]
    )
    for figure in (loader.MAX_FILE_BYTES, loader.MAX_LINE_CHARS, loader.MAX_DEPTH):
        assert f"{figure:,}" in readme or str(figure) in readme
