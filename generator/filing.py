"""``report add`` and ``report apply``: a report written into its project file, as a minimal
edit of the file's text.

A report comes as a :class:`Draft` (every value the text it was typed as, from the command
line or from the issue form) and is checked into a :class:`Request`: the project exists, the
kind is one of the four, dates are real and not after today, the text is not empty and within
bounds, the figures are numbers. :func:`edit` then adds, to the file's text, the lines of the
new note, the ``done:`` of the milestone reached and the new figures, at the places the loader
recorded (:mod:`generator.yamledit`), every other byte kept: comments, quoting, key order,
blank lines, CRLF or LF, a byte order mark. It reads the edited text back and compares it with
the data it meant (the old data plus the new note, done date and figures, nothing else), and
validates it as ``check`` would; only then is the file replaced (a temporary file, then
``os.replace``). Anything wrong, and nothing is written: the reason is said in the site's
language.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import datetime as dt
import os
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from generator import yamledit
from generator.diagnostics import errors_only, suggest
from generator.loader import load_bytes
from generator.messages import hint_text, render_message
from generator.models import CHOICE_NAMES, ID_PATTERN, Date, NoteKind, Number, SiteConfig
from generator.validate import Project, validate_project

PROJECTS_DIR = "projects"
MAX_TEXT = 10_000
"""Characters of a report's text (a long weekly summary is about 2,000)."""
MAX_LINE = 200
"""Characters of a one-line value: an author, a milestone's or an indicator's name."""
MAX_FIGURES = 50
KINDS: tuple[str, ...] = get_args(NoteKind)
_ID = re.compile(ID_PATTERN)
_DATE: TypeAdapter[dt.date] = TypeAdapter(Date)
_NUMBER: TypeAdapter[float] = TypeAdapter(Number)
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
_EQUALS = ("=", "\uff1d")
"""Between a figure's name and its value: = or the full-width one a Chinese keyboard types."""

_WORDS: dict[str, tuple[str, str]] = {
    "no_project": (
        "there is no project '{value}' (no file {file}){hint}; the projects are: {allowed}",
        "没有项目“{value}”（没有文件 {file}）{hint}；现有项目：{allowed}",
    ),
    "not_a_file": (
        "{file} is not a regular file inside the repository; it is not edited",
        "{file} 不是仓库中的普通文件，不予修改",
    ),
    "read_failed": ("{file} could not be read: {reason}", "无法读取 {file}：{reason}"),
    "file_invalid": (
        "{file} has errors of its own; fix them first, then report again:",
        "{file} 本身有错误；请先改正，再提交报告：",
    ),
    "empty": (
        "'{name}' is empty; write what was done, found, planned or decided",
        "“{name}”为空；请填写进展、问题、下一步措施或决定的内容",
    ),
    "too_long": (
        "'{name}' is {length} characters long; the limit is {limit}",
        "“{name}”长 {length} 个字符，上限是 {limit}",
    ),
    "one_line": ("'{name}' must be one line", "“{name}”只能写一行"),
    "unstorable": (
        "'{name}' holds a character that cannot be saved in a text file (U+{code}); remove it",
        "“{name}”含有无法保存到文本文件的字符（U+{code}），请删去",
    ),
    "no_milestone": (
        "{file} has no milestone '{value}'{hint}; write a milestone's title or id as the "
        "file has it: {allowed}",
        "{file} 中没有节点“{value}”{hint}；请填写文件中某个节点的名称或编号：{allowed}",
    ),
    "no_milestones": (
        "{file} has no milestones yet, so '{value}' cannot be marked done; add the milestone "
        "to the file first",
        "{file} 中还没有任何节点，无法登记“{value}”完成；请先在文件中添加该节点",
    ),
    "same_title": (
        "{n} milestones of {file} are called '{value}'; give each an id in the file and name "
        "the one reached by its id",
        "{file} 中有 {n} 个节点名为“{value}”，无法确定是哪一个；请在文件中为它们加上编号"
        "（id），再用编号填写",
    ),
    "already_done": (
        "the milestone '{value}' is already done (on {done}); there is nothing to record",
        "节点“{value}”已于 {done} 完成，无需再登记",
    ),
    "no_indicator": (
        "{file} has no indicator '{value}'{hint}; write an indicator's name as the file has "
        "it: {allowed}",
        "{file} 中没有指标“{value}”{hint}；请填写文件中某个指标的名称：{allowed}",
    ),
    "no_indicators": (
        "{file} has no indicators yet, so '{value}' cannot be recorded; add the indicator "
        "to the file first",
        "{file} 中还没有任何指标，无法登记“{value}”；请先在文件中添加该指标",
    ),
    "figure_twice": (
        "the indicator '{value}' is given twice; give one figure per indicator",
        "指标“{value}”填写了两次；每个指标只填一个数值",
    ),
    "value_exists": (
        "the indicator '{value}' already has a figure for {date} ({figure}); to correct it, "
        "edit the file",
        "指标“{value}”在 {date} 已有数值（{figure}）；如需更正，请直接修改文件",
    ),
    "bad_figure": (
        "'{value}' is not a figure: write the indicator's name, '=' and the number, for "
        "example 资产账实相符率 = 98.5",
        "“{value}”不是指标数值：请写成“指标名称 = 数值”，例如“资产账实相符率 = 98.5”",
    ),
    "too_many_figures": (
        "{n} figures are given; the limit is {limit}",
        "填写了 {n} 个指标数值，上限是 {limit} 个",
    ),
    "without": (
        "'{given}' is given without '{needed}': say which {what}",
        "填写了“{given}”却没有填写“{needed}”：请说明是哪个{what}",
    ),
    "milestone_word": ("milestone was reached", "节点完成了"),
    "figures_word": ("figures it is the date of", "数值的日期"),
    "would_be_invalid": (
        "with this report {file} would not be valid, so it was not changed:",
        "加入本次报告后 {file} 将不符合要求，因此未作修改：",
    ),
    "warning_in_file": (
        "warning: {file}:{line}: {message}",
        "警告：{file}:{line}：{message}",
    ),
    "in_edited_file": (
        "in the edited file, line {line}: {message}",
        "修改后的文件第 {line} 行：{message}",
    ),
    "layout": (
        "{file} is written in a way this report cannot be added to without changing other "
        "lines ({detail}); add it to the file by hand",
        "{file} 的写法使本次报告无法在不改动其他行的情况下加入（{detail}）；请直接在文件中添加",
    ),
    "write_failed": ("{file} could not be written: {reason}", "无法写入 {file}：{reason}"),
    "nothing_written": ("nothing was written", "未写入任何内容"),
    "internal": (
        "the generator failed ({error}); this is a bug, not a mistake in the report: a "
        "maintainer will look at it",
        "生成器出错（{error}）；这是程序的缺陷，并非报告填写有误，维护者会处理",
    ),
    "added": ("{file}: added the {kind} report of {date}", "{file}：已添加 {date} 的{kind}报告"),
    "done_added": (
        "the milestone '{title}' done on {date}",
        "节点“{title}”完成于 {date}",
    ),
    "figure_added": ("{name} = {value} on {date}", "{name} = {value}（{date}）"),
}
KIND_WORDS: dict[str, tuple[str, str]] = {
    "progress": ("progress", "进展"),
    "problem": ("problem", "存在问题"),
    "next": ("next steps", "下一步措施"),
    "decision": ("decision", "决定"),
}
"""A note's kind in words (the form's choices, and the site's own words for them)."""


def word(key: str, lang: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh-CN" else en).format(**args)


def kind_word(kind: str, lang: str) -> str:
    en, zh = KIND_WORDS[kind]
    return zh if lang == "zh-CN" else en


class ReportError(Exception):
    """A report that cannot be written: the reasons in words, and the diagnostics of a file
    that is (or would be) invalid, each a ``file:line:col: message`` line."""

    def __init__(self, reasons: Sequence[str], details: Sequence[str] = ()) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)
        self.details = list(details)


@dataclass(frozen=True)
class Draft:
    """A report as it was typed: each value the text given, and, in ``names``, the name
    each field goes by in messages (``--date`` on the command line, 日期 in the form)."""

    project: str
    kind: str
    text: str
    date: str = ""
    author: str = ""
    milestone: str = ""
    done: str = ""
    figures: tuple[str, ...] = ()
    figure_date: str = ""
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, key: str) -> str:
        return self.names.get(key, key)


@dataclass(frozen=True)
class Figure:
    name: str
    value: str
    """The number as written (``98.5``, ``1e3``): it goes into the file as it is."""


@dataclass(frozen=True)
class Request:
    """A checked report: what :func:`edit` writes."""

    project: str
    kind: str
    text: str
    date: dt.date
    author: str = ""
    milestone: str = ""
    done: dt.date | None = None
    figures: tuple[Figure, ...] = ()
    figure_date: dt.date | None = None


@dataclass(frozen=True)
class Added:
    """What :func:`edit` wrote, for the messages that say so."""

    file: str
    project_title: str
    kind: str
    date: dt.date
    milestone: str = ""
    done: dt.date | None = None
    figures: tuple[Figure, ...] = ()
    figure_date: dt.date | None = None
    warnings: tuple[str, ...] = ()
    """What the report makes the file warn about that it did not before, in words."""

    def lines(self, lang: str) -> list[str]:
        lines = [
            word("added", lang, file=self.file, kind=kind_word(self.kind, lang), date=self.date)
        ]
        if self.milestone and self.done:
            lines.append(word("done_added", lang, title=self.milestone, date=self.done))
        lines += [
            word("figure_added", lang, name=f.name, value=f.value, date=self.figure_date)
            for f in self.figures
        ]
        return lines + list(self.warnings)


# --- checking a draft --------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    """A draft checked: the request (None with problems), the problems, and what the
    file's lookups need even then (so that every problem is said at once)."""

    request: Request | None
    problems: list[str]
    milestone: str
    figures: tuple[Figure, ...]
    figure_date: dt.date


def check(draft: Draft, lang: str, default_date: dt.date, today: dt.date) -> Request:
    """The draft as a request, or ReportError naming every problem (never one at a time).
    ``default_date``: the report's date when none is given (the day an issue was filed)."""
    checked = _check(draft, lang, default_date, today)
    if checked.request is None:
        raise ReportError(checked.problems)
    return checked.request


def _check(draft: Draft, lang: str, default_date: dt.date, today: dt.date) -> _Checked:
    problems: list[str] = []

    def date(key: str, text: str, default: dt.date) -> dt.date:
        if not text.strip():
            return default
        try:
            return _DATE.validate_python(text)
        except ValidationError as exc:
            error = exc.errors()[0]
            code = error["type"] if error["type"] in _DATE_CODES else "expected_date"
            shown = text.strip()[:MAX_LINE]
            problems.append(render_message(code, {"key": draft.name(key), "value": shown}, lang))
            return default

    def line(key: str, text: str) -> str:
        value = text.strip()
        if _LINE_BREAKS.search(value):
            problems.append(word("one_line", lang, name=draft.name(key)))
        elif len(value) > MAX_LINE:
            problems.append(
                word("too_long", lang, name=draft.name(key), length=len(value), limit=MAX_LINE)
            )
        return value

    def without(given: str, needed: str, what: str) -> None:
        """A date given for what is not: a done date without a milestone, and the like."""
        names = {"given": draft.name(given), "needed": draft.name(needed)}
        problems.append(word("without", lang, what=word(what, lang), **names))

    for key in ("project", "kind", "text", "date", "author", "milestone", "done", "figure_date"):
        problems += _storable(draft.name(key), getattr(draft, key), lang)
    for figure in draft.figures:
        problems += _storable(draft.name("figures"), figure, lang)
    if not draft.text.strip():
        problems.append(word("empty", lang, name=draft.name("text")))
    elif len(draft.text) > MAX_TEXT:
        problems.append(
            word("too_long", lang, name=draft.name("text"), length=len(draft.text), limit=MAX_TEXT)
        )
    kind = _kind(draft.kind)
    if kind is None:
        shown = draft.kind.strip()[:MAX_LINE]
        hint = suggest(shown, KINDS) or ""
        allowed = [*KINDS, *(kind_word(k, "zh-CN") for k in KINDS)]
        args: dict[str, object] = {
            "key": draft.name("kind"),
            "value": shown,
            "hint": hint,
            "allowed": allowed,
        }
        problems.append(render_message("bad_choice", args, lang))
    report_date = date("date", draft.date, default_date)
    if report_date > today:
        problems.append(
            render_message("value_after_today", {"value": report_date, "today": today}, lang)
        )
    milestone = line("milestone", draft.milestone)
    done = date("done", draft.done, report_date)
    if draft.done.strip() and not milestone:
        without("done", "milestone", "milestone_word")
    elif milestone and done > today:
        problems.append(render_message("done_in_future", {"value": done, "today": today}, lang))
    figures = _figures(draft, lang, problems)
    figure_date = date("figure_date", draft.figure_date, report_date)
    if draft.figure_date.strip() and not figures:
        without("figure_date", "figures", "figures_word")
    elif figures and figure_date > today:
        late: dict[str, object] = {"value": figure_date, "today": today}
        problems.append(render_message("value_after_today", late, lang))
    author = line("author", draft.author)
    request = None
    if not problems and kind is not None:
        request = Request(
            project=draft.project.strip(),
            kind=kind,
            text=draft.text,
            date=report_date,
            author=author,
            milestone=milestone,
            done=done if milestone else None,
            figures=figures,
            figure_date=figure_date if figures else None,
        )
    return _Checked(request, problems, milestone, figures, figure_date)


_DATE_CODES = {"expected_date", "date_with_time", "impossible_date"}


def _kind(text: str) -> str | None:
    written = text.strip()
    if written in KINDS:
        return written
    named = CHOICE_NAMES.get(written) or CHOICE_NAMES.get(written.lower())
    if named in KINDS:
        return named
    for kind, (en, zh) in KIND_WORDS.items():
        if written.lower() in (en, zh):
            return kind
    return None


def _storable(name: str, text: str, lang: str) -> list[str]:
    found = _SURROGATE.search(text)
    return [word("unstorable", lang, name=name, code=f"{ord(found.group()):04X}")] if found else []


def _figures(draft: Draft, lang: str, problems: list[str]) -> tuple[Figure, ...]:
    given = [f for f in draft.figures if f.strip()]
    if len(given) > MAX_FIGURES:
        problems.append(word("too_many_figures", lang, n=len(given), limit=MAX_FIGURES))
        return ()
    figures: list[Figure] = []
    for text in given:
        shown = text.strip()[:MAX_LINE]
        cut = max(text.rfind(sign) for sign in _EQUALS)  # the last one divides
        name, value = text[:cut].strip(), text[cut + 1 :].strip()
        if cut < 0 or not name or _LINE_BREAKS.search(text.strip()):
            problems.append(word("bad_figure", lang, value=shown))
            continue
        if len(name) > MAX_LINE:
            problems.append(
                word("too_long", lang, name=name[:40] + "…", length=len(name), limit=MAX_LINE)
            )
            continue
        try:
            _NUMBER.validate_python(value)
        except ValidationError:
            args: dict[str, object] = {"key": name, "value": value[:MAX_LINE]}
            problems.append(render_message("expected_number", args, lang))
            continue
        if any(f.name == name for f in figures):
            problems.append(word("figure_twice", lang, value=name))
            continue
        figures.append(Figure(name, value))
    return tuple(figures)


# --- the project file --------------------------------------------------------------------


def project_file(root: Path, project: str, lang: str) -> tuple[str, Path]:
    """The project's file (relative name, path); ReportError when there is no such project."""
    file = f"{PROJECTS_DIR}/{project}.yaml"
    path = root / PROJECTS_DIR / f"{project}.yaml"
    if not _ID.match(project) or (not path.exists() and not path.is_symlink()):
        ids = project_ids(root)
        shown = project[:MAX_LINE]
        hint = _hint(suggest(shown, ids), lang)
        allowed = ", ".join(ids)
        raise ReportError(
            [word("no_project", lang, value=shown, file=file, hint=hint, allowed=allowed)]
        )
    if path.is_symlink() or not path.is_file():
        raise ReportError([word("not_a_file", lang, file=file)])
    return file, path


def project_ids(root: Path) -> list[str]:
    folder = root / PROJECTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if _ID.match(p.stem))


def add(
    root: Path,
    site: SiteConfig,
    draft: Draft,
    default_date: dt.date,
    today: dt.date,
    lang: str | None = None,
) -> Added:
    """Check ``draft`` and write it into its project file: the whole edit, or nothing and
    ReportError with every problem found (the draft's, then the file's). Messages in
    ``lang`` (default: the site's language)."""
    lang = lang or site.language
    checked = _check(draft, lang, default_date, today)
    problems = list(checked.problems)
    try:
        file, path = project_file(root, draft.project.strip(), lang)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ReportError([word("read_failed", lang, file=file, reason=reason)]) from None
        project = _valid(raw, file, site, draft.project.strip(), today, lang)
    except ReportError as exc:
        raise ReportError(problems + exc.reasons, exc.details) from None
    data = project.data
    _milestone(file, data.milestones, checked.milestone, lang, problems)
    _indicators(file, data.indicators, checked.figures, checked.figure_date, lang, problems)
    if problems or checked.request is None:
        raise ReportError(problems)
    new, added = edit(raw, file, site, checked.request, today, lang)
    try:
        _replace(path, new)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ReportError([word("write_failed", lang, file=file, reason=reason)]) from None
    return added


def _valid(
    raw: bytes, file: str, site: SiteConfig, project_id: str, today: dt.date, lang: str
) -> Project:
    """The file as it is, validated: a report is added only to a valid file."""
    project, found = validate_project(load_bytes(raw, file), project_id, site, today)
    if project is None:
        details = [d.format(lang) for d in errors_only(found)]
        raise ReportError([word("file_invalid", lang, file=file)], details)
    return project


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, keeping the file's permissions."""
    mode = stat.S_IMODE(path.stat().st_mode)
    written: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".report-", delete=False) as out:
            written = Path(out.name)
            out.write(data)
        os.chmod(written, mode)
        os.replace(written, path)
        written = None
    finally:
        if written is not None:
            with contextlib.suppress(OSError):
                written.unlink()


def edit(
    raw: bytes,
    file: str,
    site: SiteConfig,
    request: Request,
    today: dt.date,
    lang: str | None = None,
) -> tuple[bytes, Added]:
    """The file's bytes with the report added (a pure function: nothing is read or written)."""
    lang = lang or site.language
    doc = load_bytes(raw, file, ends=True)
    data = _valid(raw, file, site, request.project, today, lang).data
    problems: list[str] = []
    milestone = _milestone(file, data.milestones, request.milestone, lang, problems)
    figure_date = request.figure_date or request.date
    indicators = _indicators(file, data.indicators, request.figures, figure_date, lang, problems)
    if problems:
        raise ReportError(problems)
    bom = raw.startswith(codecs.BOM_UTF8)
    text = raw.decode("utf-8-sig")
    expected = _expected(doc.data, request, milestone, indicators)
    new, new_doc, detail = b"", None, "it reads back differently"
    for tight in (True, False):  # the second try: new lines after a block's blank lines too
        try:
            edits = _edits(yamledit.Source(text, doc, tight), request, milestone, indicators)
        except yamledit.EditError as exc:
            detail = str(exc)
            break
        candidate = (codecs.BOM_UTF8 if bom else b"") + yamledit.apply(text, edits).encode()
        loaded = load_bytes(candidate, file)
        if loaded.data == expected:
            new, new_doc = candidate, loaded
            break
    if new_doc is None:
        raise ReportError([word("layout", lang, file=file, detail=detail)])
    edited, found = validate_project(new_doc, request.project, site, today)
    if edited is None:
        details = [
            word("in_edited_file", lang, line=d.line, message=d.message(lang))
            for d in errors_only(found)
        ]
        raise ReportError([word("would_be_invalid", lang, file=file)], details)
    _, before = validate_project(doc, request.project, site, today)
    known = {d.message(lang) for d in before if d.severity == "warning"}
    warnings = tuple(
        word("warning_in_file", lang, file=file, line=d.line, message=d.message(lang))
        for d in found
        if d.severity == "warning" and d.message(lang) not in known
    )
    title = data.milestones[milestone].title if milestone is not None else ""
    added = Added(
        file,
        data.title,
        request.kind,
        request.date,
        title,
        request.done,
        request.figures,
        request.figure_date,
        warnings,
    )
    return new, added


def _milestone(
    file: str, milestones: Sequence[Any], wanted: str, lang: str, problems: list[str]
) -> int | None:
    """The index of the milestone named ``wanted`` (its id, else its title)."""
    if not wanted:
        return None
    if not milestones:
        problems.append(word("no_milestones", lang, file=file, value=wanted))
        return None
    by_id = [i for i, m in enumerate(milestones) if m.id == wanted]
    by_title = [i for i, m in enumerate(milestones) if _same(m.title, wanted)]
    found = by_id or by_title
    if len(found) > 1:
        problems.append(word("same_title", lang, file=file, value=wanted, n=len(found)))
        return None
    if not found:
        names = [m.title + (f" ({m.id})" if m.id else "") for m in milestones]
        hint = _hint(suggest(wanted, [m.title for m in milestones]), lang)
        allowed = _listing(names, lang)
        problems.append(
            word("no_milestone", lang, file=file, value=wanted, hint=hint, allowed=allowed)
        )
        return None
    done = milestones[found[0]].done
    if done is not None:
        problems.append(word("already_done", lang, value=milestones[found[0]].title, done=done))
        return None
    return found[0]


def _indicators(
    file: str,
    indicators: Sequence[Any],
    figures: Sequence[Figure],
    day: dt.date,
    lang: str,
    problems: list[str],
) -> dict[str, int]:
    """Each figure's indicator (by name) → its index; ``day``: the figures' date."""
    found: dict[str, int] = {}
    for figure in figures:
        if not indicators:
            problems.append(word("no_indicators", lang, file=file, value=figure.name))
            continue
        index = next((i for i, d in enumerate(indicators) if _same(d.name, figure.name)), None)
        if index is None:
            names = [d.name for d in indicators]
            hint = _hint(suggest(figure.name, names), lang)
            allowed = _listing(names, lang)
            problems.append(
                word("no_indicator", lang, file=file, value=figure.name, hint=hint, allowed=allowed)
            )
            continue
        taken = next((v for v in indicators[index].values if v.date == day), None)
        if taken is not None:
            shown = f"{taken.value:g}"
            problems.append(word("value_exists", lang, value=figure.name, date=day, figure=shown))
            continue
        found[figure.name] = index
    return found


def _same(written: str, wanted: str) -> bool:
    return " ".join(written.split()) == " ".join(wanted.split())


def _listing(names: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh-CN" else ", ").join(
        f"“{n}”" if lang == "zh-CN" else f"'{n}'" for n in names
    )


def _hint(suggestion: str | None, lang: str) -> str:
    return hint_text(suggestion, lang)


def _note(request: Request) -> list[tuple[str, str]]:
    fields = [("date", request.date.isoformat()), ("kind", request.kind)]
    if request.author:
        fields.append(("author", request.author))
    return [*fields, ("text", request.text)]


def _edits(
    source: yamledit.Source, request: Request, milestone: int | None, indicators: Mapping[str, int]
) -> list[yamledit.Edit]:
    """The edits, the innermost first: two at the same place (a figure after the last line
    of the last indicator, and a new ``notes:`` after it) come out in this order."""
    edits: list[yamledit.Edit] = []
    for figure in request.figures:
        assert request.figure_date is not None
        path = ("indicators", indicators[figure.name], "values")
        values = source.data["indicators"][indicators[figure.name]].get("values") or []
        flow = not values or source.is_flow((*path, len(values) - 1))
        point = [("date", request.figure_date.isoformat()), ("value", figure.value)]
        edits += source.append_item(path, point, flow_items=flow)
    if milestone is not None and request.done is not None:
        edits += source.set_key(("milestones", milestone), "done", request.done.isoformat(), "due")
    return edits + source.append_item(("notes",), _note(request))


def _expected(
    data: Any, request: Request, milestone: int | None, indicators: Mapping[str, int]
) -> Any:
    """The file's data as it must read after the edit."""
    expected = copy.deepcopy(data)
    expected["notes"] = [*(expected.get("notes") or []), dict(_note(request))]
    if milestone is not None and request.done is not None:
        expected["milestones"][milestone]["done"] = request.done.isoformat()
    for figure in request.figures:
        assert request.figure_date is not None
        indicator = expected["indicators"][indicators[figure.name]]
        point = {"date": request.figure_date.isoformat(), "value": figure.value}
        indicator["values"] = [*(indicator.get("values") or []), point]
    return expected
