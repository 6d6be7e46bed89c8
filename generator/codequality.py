"""``check --format gitlab``: a GitLab Code Quality report.

GitLab reads the report of a job's ``artifacts:reports:codequality`` and shows each entry
in the merge request's widget (and, on GitLab Ultimate, on its line in the diff). The
format is the subset of the Code Climate issue that GitLab documents: a JSON array of
objects with ``description``, ``check_name``, ``fingerprint``, ``severity``,
``location.path`` and ``location.lines.begin`` (GitLab ignores anything else, and refuses
a byte order mark). ``tests/gitlab-codequality.schema.json`` holds that format as a JSON
Schema, and the tests validate every report against it.

The entries, in the order of the other formats: every diagnostic (errors, then warnings
as they come), then each overdue milestone, then, with ``--fail-on stale``, each active
project without a recent note.

- ``check_name``: ``progress-site/<message code>`` (``progress-site/unknown_key``), and
  ``progress-site/overdue`` and ``progress-site/stale``.
- ``severity``: ``critical`` for an error that keeps a whole file from being read (a YAML
  syntax error, a file that is not UTF-8 …: nothing else in it was checked), ``major`` for
  any other error, ``minor`` for a warning, an overdue milestone or a stale project.
- ``fingerprint``: GitLab compares the fingerprints of the merge request's report with
  those of the target branch's to say what a change fixed and what it introduced, so a
  fingerprint must not change when nothing about the problem changed. It is a digest of
  the file, the message code and the *path of the value* the problem is at
  (``milestones[2].due``; found from the line and column in the file's positions), never
  the line: a line added above the problem moves it, and leaves its fingerprint alone.
  Problems with the same file, code and path (two missing keys in one mapping, a YAML
  error that is at no value) are told apart by their order, counted from 0.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostic
from generator.loader import Path as ValuePath
from generator.loader import Positions, load_bytes
from generator.report import item_fields, overdue, stale, stale_words, word
from generator.status import PortfolioStatus

CHECK_PREFIX = "progress-site/"
UNREADABLE = frozenset(
    {
        "file_missing",
        "symlink_outside",
        "not_a_file",
        "too_large",
        "line_too_long",
        "not_utf8",
        "read_failed",
        "empty_file",
        "several_documents",
        "top_not_mapping",
        "too_deep",
    }
)
"""Error codes (besides every ``yaml_*``) that keep a whole file from being read."""


def severity(diagnostic: Diagnostic) -> str:
    if diagnostic.severity == "warning":
        return "minor"
    if diagnostic.code.startswith("yaml_") or diagnostic.code in UNREADABLE:
        return "critical"
    return "major"


def value_path(positions: Positions, line: int, col: int) -> ValuePath | None:
    """The path of the value (or key) a diagnostic at ``line``:``col`` points at: the value
    that starts there, else the key written there, else the last value or key that starts
    before it on its line; ``None`` when none is on that line."""
    for table in (positions.values, positions.keys):
        exact = [path for path, at in table.items() if at == (line, col)]
        if exact:
            return max(exact, key=lambda path: (len(path), _shown(path)))
    before = [
        (at[1], len(path), _shown(path), path)
        for table in (positions.values, positions.keys)
        for path, at in table.items()
        if at[0] == line and at[1] <= col
    ]
    return max(before)[3] if before else None


def _shown(path: ValuePath) -> str:
    """``milestones[2].due``: keys joined by dots, list positions in brackets."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def value_paths(root: Path, diagnostics: Iterable[Diagnostic]) -> dict[Diagnostic, str]:
    """Each diagnostic's value path (``""`` when it is at no value), from the files under
    ``root`` it names, each read once (only regular files inside ``root``)."""
    found: dict[Diagnostic, str] = {}
    positions: dict[str, Positions | None] = {}
    for diagnostic in diagnostics:
        if diagnostic.file not in positions:
            positions[diagnostic.file] = _positions(root, diagnostic.file)
        table = positions[diagnostic.file]
        path = value_path(table, diagnostic.line, diagnostic.col) if table else None
        found[diagnostic] = _shown(path) if path else ""
    return found


def _positions(root: Path, file: str) -> Positions | None:
    base = root.resolve()
    try:
        target = (root / file).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            return None
        raw = target.read_bytes()
    except (OSError, ValueError):
        return None
    return load_bytes(raw, file).positions


def fingerprint(file: str, check: str, path: str, ordinal: int) -> str:
    text = "\0".join((file, check, path, str(ordinal)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def issues(
    diagnostics: list[Diagnostic],
    state: PortfolioStatus | None,
    lang: str,
    paths: Mapping[Diagnostic, str],
    *,
    with_stale: bool = False,
) -> list[dict[str, Any]]:
    """The report's entries; ``paths``: :func:`value_paths` of the diagnostics."""
    entries: list[tuple[str, str, str, str, str, int]] = [
        (
            d.file,
            CHECK_PREFIX + d.code,
            paths.get(d, ""),
            severity(d),
            d.message(lang),
            d.line,
        )
        for d in diagnostics
    ]
    if state is not None:
        for project, milestone in overdue(state):
            text = word("overdue_item", lang, **item_fields(project, milestone, state))
            where = f"milestones[{milestone.index}]"
            entries.append(
                (
                    project.project.file,
                    CHECK_PREFIX + "overdue",
                    where,
                    "minor",
                    text,
                    milestone.line,
                )
            )
        if with_stale:
            for project in stale(state):
                text = stale_words(project, state, lang)
                entries.append((project.project.file, CHECK_PREFIX + "stale", "", "minor", text, 1))
    seen: dict[tuple[str, str, str], int] = {}
    report: list[dict[str, Any]] = []
    for file, check, path, level, text, line in entries:
        ordinal = seen.get((file, check, path), 0)
        seen[(file, check, path)] = ordinal + 1
        report.append(
            {
                "description": text,
                "check_name": check,
                "fingerprint": fingerprint(file, check, path, ordinal),
                "severity": level,
                "location": {"path": file, "lines": {"begin": max(1, line)}},
            }
        )
    return report


def dumps(report: list[dict[str, Any]]) -> str:
    """The report as GitLab reads it: UTF-8 JSON without a byte order mark."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
