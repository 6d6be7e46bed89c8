"""Baselines and re-plans of every milestone, read from the project files' git history.

For each project file the versions are, oldest first: every commit on the first-parent
line of ``HEAD`` that changed it, then the working tree (what was loaded and validated,
so an uncommitted edit is the newest version, dated today). A milestone is followed from
version to version by its ``id`` when it has one, else by its title; one that disappears
and comes back (by id, or by title) keeps its history. Its **baseline** is the first
due date it was committed with; each later change of the due date is a **re-plan**
(the commit's date in the site's time zone, the due date before and after).

Git is run twice for any number of files and commits:

* ``git log --first-parent -m --raw --no-renames -- projects/``: every commit that
  changed a project file, with the blob id of each file's new version;
* ``git cat-file --batch``: the text of every distinct blob, streamed.

Only the top-level ``milestones:`` block of each version is parsed (with the project's
own loader, :func:`generator.loader.load_bytes`, and the ``Milestone`` model), and only
when its text differs from a block seen before: a weekly note does not cost a parse.
When the block cannot be cut out cleanly the whole file is parsed instead. A version
whose milestones do not parse or validate (or repeat an ``id``) is skipped: the next
good version is compared with the last good one.

Limits, by design: a renamed file is a new project id, so its history starts at the
rename (git's rename detection is not used: a project id is its file name); history is
what the clone holds (``fetch-depth: 0`` in CI); no git, no repository, no commit or a
file never committed all mean "no history": the baseline is the current due date and
there are no re-plans. Nothing is cached on disk: the result is a pure function of the
repository's state, the working tree and ``today``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import threading
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from generator.loader import load_bytes
from generator.models import Milestone
from generator.validate import Project

PROJECTS_DIR = "projects"
T = TypeVar("T")
GIT_TIMEOUT = 120
"""Seconds a git process may take before history is given up (the build goes on without)."""

# Settings a user's git configuration could change and our parsing relies on.
_GIT_CONFIG = (
    "-c",
    "log.showSignature=false",
    "-c",
    "log.showRoot=true",
    "-c",
    "core.quotePath=false",
)
_FILE_MODES = frozenset((b"100644", b"100755"))


@dataclass(frozen=True)
class Replan:
    """One change of a milestone's due date."""

    date: dt.date
    """The commit's date in the site's time zone; today for an uncommitted change."""
    before: dt.date
    after: dt.date

    @property
    def days(self) -> int:
        """How far the due date moved: > 0 later, < 0 earlier."""
        return (self.after - self.before).days


@dataclass(frozen=True)
class Slip:
    """A milestone's history: its first committed due date and every change since."""

    baseline: dt.date
    slip_days: int
    """Current due date minus baseline: > 0 slipped, < 0 brought forward."""
    replans: tuple[Replan, ...] = ()

    @staticmethod
    def unplanned(due: dt.date) -> Slip:
        """No history: the current due date is the baseline."""
        return Slip(due, 0, ())


Slips = Mapping[tuple[str, int], Slip]
"""(project id, milestone index in the current file) → its slip."""


def by_project(slips: Slips) -> dict[str, str]:
    """Project id → its milestones' slips as text: what a key over its pages needs."""
    found: dict[str, list[str]] = {}
    for (project_id, index), slip in sorted(slips.items()):
        found.setdefault(project_id, []).append(f"{index} {slip!r}")
    return {project_id: "\n".join(lines) for project_id, lines in found.items()}


@dataclass(frozen=True)
class Point:
    """What is followed of a milestone from version to version."""

    title: str
    due: dt.date
    id: str | None = None


def points(milestones: Iterable[Milestone]) -> tuple[Point, ...]:
    return tuple(Point(m.title, m.due, m.id) for m in milestones)


def match(old: Sequence[Point], new: Sequence[Point]) -> list[int | None]:
    """For each milestone of ``new``, the index of the same milestone in ``old`` (or None).

    By ``id`` first; then by title, in order, among those not matched yet, never pairing
    two milestones that carry different ids.
    """
    found: list[int | None] = [None] * len(new)
    used: set[int] = set()
    by_id: dict[str, int] = {}
    for i, point in enumerate(old):
        if point.id is not None:
            by_id.setdefault(point.id, i)
    for j, point in enumerate(new):
        same = by_id.get(point.id) if point.id is not None else None
        if same is not None and same not in used:
            found[j] = same
            used.add(same)
    by_title: defaultdict[str, list[int]] = defaultdict(list)
    for i, point in enumerate(old):
        by_title[point.title].append(i)
    for j, point in enumerate(new):
        if found[j] is not None:
            continue
        for i in by_title.get(point.title, ()):
            other = old[i].id
            if i in used or (point.id is not None and other is not None and other != point.id):
                continue
            found[j] = i
            used.add(i)
            break
    return found


# --- the whole computation -----------------------------------------------------------------


def slips(root: Path, projects: Sequence[Project], timezone: str, today: dt.date) -> Slips:
    """The slip of every milestone of ``projects`` (as loaded from the working tree)."""
    wanted = {f"{PROJECTS_DIR}/{p.id}.yaml": p for p in projects}
    try:
        changes = [c for c in _log(root) if c.path in wanted and c.blob is not None]
        read = read_blobs(root, sorted({c.blob for c in changes if c.blob}), VersionReader())
    except GitError:
        changes, read = [], {}
    zone = zoneinfo.ZoneInfo(timezone)
    versions: defaultdict[str, list[tuple[dt.date, tuple[Point, ...]]]] = defaultdict(list)
    for change in changes:
        found = read.get(change.blob or "")
        if found is not None:
            date = dt.datetime.fromtimestamp(change.time, zone).date()
            versions[change.path].append((date, found))
    result: dict[tuple[str, int], Slip] = {}
    for path, project in wanted.items():
        history = [*versions.get(path, []), (today, points(project.data.milestones))]
        for index, slip in enumerate(follow(history)):
            result[(project.id, index)] = slip
    return result


@dataclass
class _Track:
    baseline: dt.date
    due: dt.date
    replans: list[Replan] = field(default_factory=list)


def follow(versions: Sequence[tuple[dt.date, Sequence[Point]]]) -> list[Slip]:
    """The slips of the last version's milestones, following them through ``versions``."""
    live: list[tuple[Point, _Track]] = []
    gone: list[tuple[Point, _Track]] = []  # most recently removed first
    previous: Sequence[Point] | None = None
    for date, current in versions:
        if current == previous:  # a version that left the milestones alone: a note added
            continue
        previous = current
        pool = live + gone
        pairs = match([point for point, _ in pool], current)
        used = {i for i in pairs if i is not None}
        now: list[tuple[Point, _Track]] = []
        for point, i in zip(current, pairs, strict=True):
            if i is None:
                track = _Track(point.due, point.due)
            else:
                track = pool[i][1]
                if point.due != track.due:
                    track.replans.append(Replan(date, track.due, point.due))
                    track.due = point.due
            now.append((point, track))
        gone = [entry for i, entry in enumerate(pool) if i not in used]
        live = now
    return [Slip(t.baseline, (t.due - t.baseline).days, tuple(t.replans)) for _, t in live]


# --- reading the milestones of one version -------------------------------------------------

_MILESTONES: TypeAdapter[list[Milestone]] = TypeAdapter(list[Milestone])
_BLOCK_KEY = re.compile(rb"milestones[ \t]*:")
_BOM = b"\xef\xbb\xbf"
_BLOCK_END = re.compile(rb"\n(?![ \t\r\n#]|-(?:[ \t\r\n]|$)|$)")
"""A line break before a line that starts a new top-level key (not an indented line, a
blank line, a comment or a list item ``- ``, and not the end of the file)."""


def milestone_block(raw: bytes) -> bytes:
    """The top-level ``milestones:`` block of a file, or the whole file when unsure.

    The block runs from its key to the next line that starts in the first column with
    anything but a space, a tab, a comment or a list item (``- ``): the next top-level
    key. A file holding no block key at all, or two of them, is returned whole.
    """
    raw = raw.removeprefix(_BOM)
    found = _block_key(raw, 0)
    if found is None or _block_key(raw, found.end()) is not None:
        return raw
    after = _BLOCK_END.search(raw, found.end())
    end = after.start() + 1 if after else len(raw)
    return raw[found.start() : end]


class VersionReader:
    """Reads the milestones of file versions, parsing each distinct block once."""

    def __init__(self) -> None:
        self._seen: dict[bytes, tuple[Point, ...] | None] = {}

    def __call__(self, raw: bytes) -> tuple[Point, ...] | None:
        block = milestone_block(raw)
        if block not in self._seen:
            found = parse_points(block)
            if found is None and len(block) < len(raw.removeprefix(_BOM)):
                found = parse_points(raw)  # the cut was wrong, or the file is: read it all
            self._seen[block] = found
        return self._seen[block]


def _block_key(raw: bytes, start: int) -> re.Match[bytes] | None:
    """The next ``milestones:`` at the start of a line (found with ``bytes.find``: fast)."""
    at = raw.find(b"milestones", start)
    while at != -1:
        if at == 0 or raw[at - 1] == 0x0A:  # "\n"
            found = _BLOCK_KEY.match(raw, at)
            if found is not None:
                return found
        at = raw.find(b"milestones", at + 1)
    return None


def parse_points(block: bytes) -> tuple[Point, ...] | None:
    """The milestones of one version (a block or a whole file), or None when invalid."""
    doc = load_bytes(block, "history")
    if doc.data is None or any(d.severity == "error" for d in doc.diagnostics):
        return None
    raw: Any = doc.data.get("milestones")
    try:
        milestones = _MILESTONES.validate_python([] if raw is None else raw)
    except ValidationError:
        return None
    ids = [m.id for m in milestones if m.id is not None]
    if len(ids) != len(set(ids)):
        return None
    return points(milestones)


# --- git ----------------------------------------------------------------------------------


class GitError(Exception):
    """git is missing, the folder is not in a repository, or git refused the request."""

    def __init__(self, message: str, returncode: int = -1) -> None:
        super().__init__(message)
        self.returncode = returncode
        """git's exit code; -1 when git could not be run at all."""


@dataclass(frozen=True)
class FileChange:
    time: int
    """The commit's time, seconds since the epoch."""
    path: str
    """Relative to the root, with '/' separators."""
    blob: str | None
    """The new version's blob id; None when the commit deleted the file."""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_NO_LAZY_FETCH"] = "1"  # a partial clone must not fetch blobs one by one
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


def git(root: Path, *args: str) -> bytes:
    """Run one git command in ``root``; its standard output, or :class:`GitError`."""
    try:
        done = subprocess.run(
            ["git", *_GIT_CONFIG, *args],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT,
            env=_environment(),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(str(exc)) from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip(), done.returncode)
    return done.stdout


def head(root: Path) -> str:
    """What the history read from ``root`` depends on (for the build record's key): the
    newest commit :func:`_log` lists, the last along HEAD's first parents to change a file
    in projects/ (whose id stands for all before it); ``""`` outside a git repository or
    before any such commit. A commit that changes nothing there (the docs, a workflow, the
    theme: that has a key of its own) moves no baseline and no re-plan, so the site built
    before it still stands and a rebuild has nothing to do."""
    try:
        newest = git(
            root,
            "log",
            "-1",
            "--first-parent",
            "-m",
            "--no-renames",
            "--relative",
            "--format=%H",
            "--",
            f"{PROJECTS_DIR}/",
        )
    except GitError:
        return ""
    return newest.decode().strip()


def _log(root: Path) -> list[FileChange]:
    """Every change to a file in projects/, oldest first, along HEAD's first parents."""
    out = git(
        root,
        "log",
        "--first-parent",
        "-m",
        "--reverse",
        "--no-renames",
        "--raw",
        "--no-abbrev",
        "--relative",
        "-z",
        "--no-color",
        "--format=%x00%H %ct",
        "--",
        f"{PROJECTS_DIR}/",
    )
    return parse_log(out)


def parse_log(out: bytes) -> list[FileChange]:
    """Read ``git log -z --raw --format=%x00%H %ct`` output."""
    changes: list[FileChange] = []
    tokens = out.split(b"\0")
    time = 0
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token.startswith(b":"):
            fields = token[1:].split(b" ")
            path = tokens[i].decode("utf-8", "surrogateescape") if i < len(tokens) else ""
            i += 1
            if len(fields) != 5:
                continue
            _, mode, _, blob, status = fields
            if status.startswith(b"D") or mode == b"000000":
                changes.append(FileChange(time, path, None))
            elif mode in _FILE_MODES:
                changes.append(FileChange(time, path, blob.decode("ascii")))
        elif token:
            parts = token.split(b" ")
            if len(parts) == 2 and parts[1].isdigit():
                time = int(parts[1])
    return changes


def read_blobs(root: Path, ids: Sequence[str], keep: Callable[[bytes], T]) -> dict[str, T]:
    """``keep(text)`` of every blob (or ``rev:path``) in ``ids``, from one ``git cat-file``.

    The requests are written by a thread while the answers are read, so neither side of
    the pipes can fill up and wait for the other; only what ``keep`` returns is kept.
    Objects that do not exist are left out of the result.
    """
    if not ids:
        return {}
    try:
        process = subprocess.Popen(
            ["git", *_GIT_CONFIG, "cat-file", "--batch"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_environment(),
        )
    except OSError as exc:
        raise GitError(str(exc)) from None
    assert process.stdin is not None and process.stdout is not None
    request = "".join(f"{i}\n" for i in ids).encode("utf-8", "surrogateescape")
    writer = threading.Thread(target=_feed, args=(process.stdin, request), daemon=True)
    writer.start()
    found: dict[str, T] = {}
    try:
        for name in ids:
            header = process.stdout.readline()
            parts = header.split()
            if parts[-1:] == [b"missing"] or parts[-1:] == [b"ambiguous"]:
                continue
            if len(parts) != 3 or not parts[2].isdigit():
                raise GitError(f"git cat-file: unexpected answer {header!r}")
            size = int(parts[2])
            data = process.stdout.read(size)
            process.stdout.read(1)  # the newline after each object
            if len(data) != size:
                raise GitError("git cat-file: the answer ended early")
            found[name] = keep(data)
    finally:
        process.stdout.close()
        writer.join()
        process.wait()
    return found


def _feed(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:  # git stopped reading: the reader reports what went wrong
        pass
