"""``diff --base REF``: what the working tree changes in the project files, in plain words.

The working tree's projects (loaded and validated as for ``build``) are compared with
the files of ``projects/`` at the git revision ``REF``; a file added or removed counts
too. Milestones are paired as :mod:`generator.history` pairs them (by ``id``, else by
title). What is reported, project by project (in id order):

* ``project-added``, ``project-removed``, ``status-changed``, ``project-due-changed``
  (the project's own due date set, moved: ``days`` > 0 later, < 0 earlier, or removed);
* ``milestone-added``, ``milestone-removed``, ``milestone-renamed``, ``due-moved`` (with
  the slip since the milestone's baseline, from the history), ``milestone-done`` (on
  time, or how many days late), ``milestone-reopened``;
* ``note-added`` (one per note; the text groups them by kind);
* ``indicator-value-added``, ``indicator-value-changed``.

A due date (a milestone's or the project's own) moved later in a project where no note of
kind ``decision`` or ``problem`` is added by the same change is **flagged**. Output: plain
text, Markdown (for a pull request's comment and job summary) or JSON, in the site's
language.

Git is run five times at most: ``rev-parse`` (the revision), ``ls-tree`` and
``cat-file --batch`` (the files at the revision), and the two of :mod:`generator.history`
when a due date moved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from generator import history, pipeline
from generator.context import NOTE_KINDS
from generator.loader import load_bytes
from generator.models import ProjectFile
from generator.validate import Project, project_id_problem

Value = str | int | float | None
DUE_CHANGES = ("due-moved", "project-due-changed")
"""The changes of a due date, flagged when later and unexplained."""
REASON_KINDS = ("decision", "problem")
"""A note of one of these kinds, added with a later due date, explains it."""


class RevisionError(Exception):
    """The revision cannot be read: not a repository, no git, or no such revision."""


@dataclass(frozen=True)
class Change:
    project: str
    """The project's id."""
    project_title: str
    file: str
    change: str
    """One of the codes listed in the module's docstring."""
    title: str
    """The milestone's title, the indicator's name, or the project's title."""
    before: Value = None
    after: Value = None
    days: int | None = None
    # Only for the words:
    date: dt.date | None = None
    """The note's or the figure's date."""
    baseline: dt.date | None = None
    slip_days: int | None = None
    """For ``due-moved``: the new due date minus the milestone's baseline."""
    unit: str = ""
    index: int | None = None
    """The milestone's place in the working tree's file."""

    def as_json(self) -> dict[str, Value]:
        return {
            "project": self.project,
            "title": self.title,
            "change": self.change,
            "from": self.before,
            "to": self.after,
            "days": self.days,
        }


@dataclass(frozen=True)
class Flag:
    project: str
    project_title: str
    title: str
    days: int
    """How many days later the due date is now."""


@dataclass(frozen=True)
class Summary:
    base: str
    changes: list[Change]
    flagged: list[Flag]


# --- comparing ----------------------------------------------------------------------------


def summarise(root: Path, base: str, today: dt.date) -> Summary:
    """Compare the working tree with ``base``.

    Raises :class:`RevisionError` for an unusable revision (checked first) and
    :class:`generator.pipeline.BuildError` for invalid files in the working tree.
    """
    commit = _resolve(root, base)
    try:
        before = _files_at(root, commit)
    except history.GitError as exc:
        raise RevisionError(f"cannot read {pipeline.PROJECTS_DIR}/ at '{base}': {exc}") from None
    portfolio = pipeline.load_portfolio(root, today)
    now = {p.id: p for p in portfolio.projects}
    changes: list[Change] = []
    moved: list[Project] = []
    for project_id in sorted(set(before) | set(now)):
        project = now.get(project_id)
        raw = before.get(project_id)
        if project is not None and raw is not None and raw == _read(root, project):
            continue
        found = compare(project_id, _parse(raw, project_id), project)
        changes += found
        if project is not None and any(c.change == "due-moved" for c in found):
            moved.append(project)
    if moved:  # the slip since the baseline: read the history of these files only
        slips = history.slips(root, moved, portfolio.site.timezone, today)
        changes = [_with_slip(c, slips) for c in changes]
    return Summary(base, changes, flags(changes))


def compare(project_id: str, base: ProjectFile | None, project: Project | None) -> list[Change]:
    """The changes from ``base`` (the file at the revision) to ``project`` (the working tree)."""
    file = f"{pipeline.PROJECTS_DIR}/{project_id}.yaml"
    if project is None:
        if base is None:
            return []
        return [Change(project_id, base.title, file, "project-removed", base.title)]
    now = project.data

    def change(code: str, title: str, **fields: Any) -> Change:
        return Change(project_id, now.title, file, code, title, **fields)

    found: list[Change] = []
    if base is None:
        found.append(change("project-added", now.title))
        base = ProjectFile(title=now.title, lead=now.lead)
    else:
        if base.status != now.status:
            found.append(change("status-changed", now.title, before=base.status, after=now.status))
        if base.due != now.due:
            days = (now.due - base.due).days if base.due and now.due else None
            before, after = (d.isoformat() if d else None for d in (base.due, now.due))
            found.append(
                change("project-due-changed", now.title, before=before, after=after, days=days)
            )
    pairs = history.match(history.points(base.milestones), history.points(now.milestones))
    for index, (milestone, i) in enumerate(zip(now.milestones, pairs, strict=True)):
        title = milestone.title
        if i is None:
            found.append(change("milestone-added", title, after=milestone.due.isoformat()))
            continue
        old = base.milestones[i]
        if old.title != title:
            found.append(change("milestone-renamed", title, before=old.title, after=title))
        if old.due != milestone.due:
            days = (milestone.due - old.due).days
            found.append(
                change(
                    "due-moved",
                    title,
                    before=old.due.isoformat(),
                    after=milestone.due.isoformat(),
                    days=days,
                    index=index,
                )
            )
        if old.done is None and milestone.done is not None:
            late = max((milestone.done - milestone.due).days, 0)
            found.append(
                change(
                    "milestone-done",
                    title,
                    before=milestone.due.isoformat(),
                    after=milestone.done.isoformat(),
                    days=late,
                )
            )
        elif old.done is not None and milestone.done is None:
            found.append(change("milestone-reopened", title, before=old.done.isoformat()))
    matched = {i for i in pairs if i is not None}
    for i, old in enumerate(base.milestones):
        if i not in matched:
            found.append(change("milestone-removed", old.title, before=old.due.isoformat()))
    kept = Counter((n.date, n.kind, n.author, n.text) for n in base.notes)
    for note in now.notes:
        key = (note.date, note.kind, note.author, note.text)
        if kept[key] > 0:
            kept[key] -= 1
        else:
            found.append(change("note-added", now.title, after=note.kind, date=note.date))
    found += _indicator_changes(base, now, change)
    return found


def _indicator_changes(
    base: ProjectFile, now: ProjectFile, change: Callable[..., Change]
) -> list[Change]:
    found: list[Change] = []
    earlier: dict[str, dict[dt.date, float]] = {}
    for indicator in base.indicators:
        earlier.setdefault(indicator.name, {v.date: v.value for v in indicator.values})
    for indicator in now.indicators:
        old = earlier.get(indicator.name, {})
        previous: float | None = None
        for point in sorted(indicator.values, key=lambda v: v.date):
            before = old.get(point.date)
            if before is None:
                found.append(
                    change(
                        "indicator-value-added",
                        indicator.name,
                        before=_number(previous),
                        after=_number(point.value),
                        date=point.date,
                        unit=indicator.unit,
                    )
                )
            elif before != point.value:
                found.append(
                    change(
                        "indicator-value-changed",
                        indicator.name,
                        before=_number(before),
                        after=_number(point.value),
                        date=point.date,
                        unit=indicator.unit,
                    )
                )
            previous = point.value
    return found


def flags(changes: list[Change]) -> list[Flag]:
    """Due dates moved later in a project that gains no decision or problem note."""
    explained = {c.project for c in changes if c.change == "note-added" and c.after in REASON_KINDS}
    return [
        Flag(c.project, c.project_title, c.title, c.days)
        for c in changes
        if c.change in DUE_CHANGES and c.days is not None and c.days > 0
        if c.project not in explained
    ]


def _with_slip(change: Change, slips: history.Slips) -> Change:
    if change.change != "due-moved" or change.index is None:
        return change
    slip = slips.get((change.project, change.index))
    if slip is None:
        return change
    return dataclasses.replace(change, baseline=slip.baseline, slip_days=slip.slip_days)


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == int(value) else value


# --- reading the revision -----------------------------------------------------------------


def _resolve(root: Path, ref: str) -> str:
    try:
        out = history.git(
            root, "rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"
        )
    except history.GitError as exc:
        if exc.returncode == 1:
            raise RevisionError(
                f"unknown revision '{ref}': no branch, tag or commit of that name here"
            ) from None
        if exc.returncode == -1:
            raise RevisionError(f"git cannot be run ({exc}); diff needs git") from None
        raise RevisionError(f"cannot read git revisions in {root}: {exc}") from None
    return out.decode("ascii").strip()


def _files_at(root: Path, commit: str) -> dict[str, bytes]:
    """Project id → the bytes of projects/<id>.yaml at ``commit``."""
    listing = history.git(root, "ls-tree", "-z", commit, "--", f"{pipeline.PROJECTS_DIR}/")
    blobs: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        parts = meta.split(b" ")
        if len(parts) != 3 or parts[1] != b"blob":
            continue
        name = path.decode("utf-8", "surrogateescape").rpartition("/")[2]
        if name.endswith(".yaml") and project_id_problem(f"projects/{name}", name) is None:
            blobs[name[: -len(".yaml")]] = parts[2].decode("ascii")
    found = history.read_blobs(root, sorted(set(blobs.values())), lambda raw: raw)
    return {pid: found[blob] for pid, blob in blobs.items() if blob in found}


def _parse(raw: bytes | None, project_id: str) -> ProjectFile | None:
    """A file at the revision, checked against the schema only (None when it is not valid)."""
    if raw is None:
        return None
    doc = load_bytes(raw, f"{pipeline.PROJECTS_DIR}/{project_id}.yaml")
    if doc.data is None or any(d.severity == "error" for d in doc.diagnostics):
        return None
    try:
        return ProjectFile.model_validate(doc.data)
    except ValidationError:
        return None


def _read(root: Path, project: Project) -> bytes | None:
    try:
        return (root / project.file).read_bytes()
    except OSError:
        return None


# --- words --------------------------------------------------------------------------------

_WORDS: dict[str, tuple[str, str]] = {
    "head": (
        "Changes to the project files compared with {base}: {n} in {projects} project(s).",
        "与 {base} 相比，项目文件共有 {n} 处变化，涉及 {projects} 个项目。",
    ),
    "none": (
        "No changes to the project files compared with {base}.",
        "与 {base} 相比，项目文件没有变化。",
    ),
    "title": ("Changes to the project files", "项目文件变化"),
    "md-head": (
        "Compared with {base}: {n} change(s) in {projects} project(s).",
        "与 {base} 相比：共 {n} 处变化，涉及 {projects} 个项目。",
    ),
    "md-none": ("Compared with {base}: no changes.", "与 {base} 相比：没有变化。"),
    "project-added": ("new project file", "新增项目文件"),
    "project-removed": ("project file removed", "删除项目文件"),
    "status-changed": ("status changed: {before} → {after}", "状态变更：{before} → {after}"),
    "project-due-changed": (
        "project due date moved: {before} → {after} ({move})",
        "项目截止日期调整：{before} → {after}（{move}）",
    ),
    "project-due-set": ("project due date set: {after}", "设定项目截止日期：{after}"),
    "project-due-removed": (
        "project due date removed (was {before})",
        "取消项目截止日期（原为 {before}）",
    ),
    "milestone-added": ("milestone added: {title}, due {after}", "新增节点：{title}，截止 {after}"),
    "milestone-removed": (
        "milestone removed: {title} (was due {before})",
        "删除节点：{title}（原截止 {before}）",
    ),
    "milestone-renamed": ("milestone renamed: {before} → {after}", "节点改名：{before} → {after}"),
    "done-on-time": (
        "marked done: {title}, on {after}, on time",
        "标记完成：{title}，{after} 完成，按期",
    ),
    "done-late": (
        "marked done: {title}, on {after}, {days} day(s) late",
        "标记完成：{title}，{after} 完成，逾期 {days} 天",
    ),
    "milestone-reopened": (
        "marked not done again: {title} (was done {before})",
        "取消完成：{title}（原完成日期 {before}）",
    ),
    "due-moved": (
        "due date moved: {title}, {before} → {after} ({move}; {total})",
        "截止日期调整：{title}，{before} → {after}（{move}；{total}）",
    ),
    "due-moved-no-history": (
        "due date moved: {title}, {before} → {after} ({move})",
        "截止日期调整：{title}，{before} → {after}（{move}）",
    ),
    "later": ("+{n} day(s)", "推迟 {n} 天"),
    "earlier": ("-{n} day(s)", "提前 {n} 天"),
    "total-later": (
        "+{n} day(s) in all since the baseline {baseline}",
        "较原定 {baseline} 累计推迟 {n} 天",
    ),
    "total-earlier": (
        "-{n} day(s) in all since the baseline {baseline}",
        "较原定 {baseline} 累计提前 {n} 天",
    ),
    "total-none": ("back on the baseline {baseline}", "回到原定日期 {baseline}"),
    "notes-added": ("notes added: {kinds}", "新增报告：{kinds}"),
    "kind-count": ("{n} {kind}", "{kind} {n} 条"),
    "kind-sep": (", ", "、"),
    "indicator-value-added": (
        "indicator figure added: {title}, {after}{unit} on {date}",
        "新增指标数据：{title}，{date} 为 {after}{unit}",
    ),
    "indicator-value-added-after": (
        "indicator figure added: {title}, {after}{unit} on {date} (previous figure {before}{unit})",
        "新增指标数据：{title}，{date} 为 {after}{unit}（上次为 {before}{unit}）",
    ),
    "indicator-value-changed": (
        "indicator figure changed: {title} on {date}, {before}{unit} → {after}{unit}",
        "指标数据修改：{title}，{date} 的数据 {before}{unit} → {after}{unit}",
    ),
    "flagged-head": (
        "Flagged: due dates moved later without a note of kind decision or problem ({n})",
        "需要说明：截止日期推迟，但未新增“决定”或“存在问题”类报告（{n} 处）",
    ),
    "flag-line": ("{project} — {title}: {reason}", "{project} — {title}：{reason}"),
    "reason": (
        "due date moved {days} day(s) later without a note of kind decision or problem",
        "截止日期推迟 {days} 天，但未新增“决定”或“存在问题”类报告",
    ),
}
_KINDS = {
    "progress": ("progress", "进展"),
    "problem": ("problem", "存在问题"),
    "next": ("next steps", "下一步措施"),
    "decision": ("decision", "决定"),
}
_STATUSES = {
    "active": ("active", "进行中"),
    "paused": ("paused", "暂停"),
    "done": ("done", "已完成"),
    "cancelled": ("cancelled", "已取消"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh-CN" else pair[0]


def word(key: str, lang: str, **args: object) -> str:
    return _pick(_WORDS[key], lang).format(**args)


def reason(flag: Flag, lang: str) -> str:
    return word("reason", lang, days=flag.days)


def _plain(text: str) -> str:
    return " ".join(text.split())


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")


def _markdown(text: str) -> str:
    """User text made inert in Markdown: no formatting, links, HTML or @mentions."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _plain(text))
    return escaped.replace("@", "@\u200b")


def _line(change: Change, lang: str, quote: Callable[[str], str]) -> str:
    """One change in words; ``quote`` formats the text that comes from the files."""
    code = change.change
    values: dict[str, object] = {
        "title": quote(change.title),
        "before": change.before,
        "after": change.after,
        "days": change.days,
        "date": change.date.isoformat() if change.date else "",
        "unit": _unit(change.unit, quote),
    }
    if code == "status-changed":
        values["before"] = _pick(_STATUSES[str(change.before)], lang)
        values["after"] = _pick(_STATUSES[str(change.after)], lang)
    if code == "milestone-renamed":
        values["before"] = quote(str(change.before))
    if code == "project-due-changed":
        if change.before is None:
            return word("project-due-set", lang, **values)
        if change.after is None:
            return word("project-due-removed", lang, **values)
        days = change.days or 0
        values["move"] = word("later" if days > 0 else "earlier", lang, n=abs(days))
    if code == "milestone-done":
        return word("done-late" if change.days else "done-on-time", lang, **values)
    if code == "due-moved":
        days = change.days or 0
        values["move"] = word("later" if days > 0 else "earlier", lang, n=abs(days))
        if change.baseline is None or change.slip_days is None:
            return word("due-moved-no-history", lang, **values)
        slip, baseline = change.slip_days, change.baseline.isoformat()
        total = "total-later" if slip > 0 else "total-earlier" if slip < 0 else "total-none"
        values["total"] = word(total, lang, n=abs(slip), baseline=baseline)
    if code == "indicator-value-added" and change.before is not None:
        return word("indicator-value-added-after", lang, **values)
    return word(code, lang, **values)


def _unit(unit: str, quote: Callable[[str], str]) -> str:
    """A unit after a figure: "9门", "9%", but "9 people"."""
    if not unit:
        return ""
    return (" " if unit[0].isascii() and unit[0].isalnum() else "") + quote(unit)


def _grouped(changes: list[Change]) -> list[tuple[Change, list[Change]]]:
    """The changes of each project, in order: (its first change, all its changes)."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.project, []).append(change)
    return [(items[0], items) for items in groups.values()]


def _lines(items: list[Change], lang: str, quote: Callable[[str], str]) -> list[str]:
    """The changes of one project in words, the notes added counted by kind in one line."""
    lines = [_line(c, lang, quote) for c in items if c.change != "note-added"]
    kinds = Counter(str(c.after) for c in items if c.change == "note-added")
    if kinds:
        counted = [
            word("kind-count", lang, n=kinds[kind], kind=_pick(_KINDS[kind], lang))
            for kind in NOTE_KINDS
            if kinds[kind]
        ]
        lines.append(word("notes-added", lang, kinds=word("kind-sep", lang).join(counted)))
    return lines


def _head(summary: Summary, lang: str, base: str, md: bool = False) -> str:
    if not summary.changes:
        return word("md-none" if md else "none", lang, base=base)
    projects = len({c.project for c in summary.changes})
    n = len(summary.changes)
    return word("md-head" if md else "head", lang, base=base, n=n, projects=projects)


def text(summary: Summary, lang: str) -> str:
    out = [_head(summary, lang, summary.base)]
    for first, items in _grouped(summary.changes):
        out += ["", f"{_plain(first.project_title)} ({first.file})"]
        out += [f"  - {line}" for line in _lines(items, lang, _plain)]
    if summary.flagged:
        out += ["", word("flagged-head", lang, n=len(summary.flagged))]
        out += [f"  - {_flag_line(f, lang, _plain, _plain)}" for f in summary.flagged]
    return "\n".join(out) + "\n"


def markdown(summary: Summary, lang: str) -> str:
    base = f"`{_code(summary.base)}`"
    out = [f"## {word('title', lang)}", "", _head(summary, lang, base, md=True)]
    if summary.flagged:
        out += ["", f"### ⚠️ {word('flagged-head', lang, n=len(summary.flagged))}", ""]
        bold = lambda text: f"**{_markdown(text)}**"  # noqa: E731
        out += [f"- {_flag_line(f, lang, bold, _markdown)}" for f in summary.flagged]
    for first, items in _grouped(summary.changes):
        out += ["", f"### {_markdown(first.project_title)} (`{_code(first.file)}`)", ""]
        out += [f"- {line}" for line in _lines(items, lang, _markdown)]
    return "\n".join(out) + "\n"


def _flag_line(
    flag: Flag, lang: str, project: Callable[[str], str], title: Callable[[str], str]
) -> str:
    return word(
        "flag-line",
        lang,
        project=project(flag.project_title),
        title=title(flag.title),
        reason=reason(flag, lang),
    )


def _code(text: str) -> str:
    return text.replace("`", "'")


def as_json(summary: Summary, lang: str) -> str:
    data = {
        "changes": [c.as_json() for c in summary.changes],
        "flagged": [
            {"project": f.project, "title": f.title, "reason": reason(f, lang)}
            for f in summary.flagged
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


FORMATS: dict[str, Callable[[Summary, str], str]] = {
    "text": text,
    "markdown": markdown,
    "json": as_json,
}
