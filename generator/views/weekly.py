"""The weekly digest (每周汇总): for each ISO week a page of the week, one page per lead
department for that week, and an index of the weeks.

A week runs Monday to Sunday and is named by its ISO year and number (``2026-W48``).
The digest covers every week from the one of the earliest dated item — a note, a
completion date, an indicator figure — up to the week of the as-of date, so past
weeks stay browsable. Each item is put in its week's bucket once; a week's pages are
then built from its own buckets (and the next week's, for what falls due next).

For one week, Monday ``mon`` to Sunday ``sun``:

* completed: milestones done within ``mon..sun`` (for the as-of week, up to today);
* missed: milestones of active projects due within ``mon..sun`` and not done by their
  due date — done after it, or not done while the due date has passed;
* coming week: milestones due within the 7 days after ``sun``, not done by ``sun``;
* re-planned: due dates changed within the week (by the date of the commit in the site's
  time zone; today for an uncommitted change), oldest first;
* reports (notes) dated within the week, by project, then by kind (progress, problem,
  next, decision), each as its first line with a link to its full text on its project's
  page (:func:`context.report_anchors`);
* indicators: the latest figure on or before ``sun`` against the latest on or before the
  Sunday before, with the trend; *changed* when it went up or down or is the first figure,
  *unchanged* otherwise (not updated, or the same figure again);
* behind pace: the indicators of active projects whose pace verdict, as of the week's
  last day counted (``sun``, or today for the as-of week), is ``behind-pace``
  (:func:`generator.pace.indicator_pace`).

How the pages share that out, as a supervision office reads a week — which departments
need following up, and for what; then one department's week in full:

* ``weeks/<week>/index.html``, the week: its totals; a table of the departments that lead a
  project, in the order of the departments page (those falling behind first), with each
  one's counts; then, by department, the milestones missed, the due dates moved and the
  problems reported (first lines). Its size grows with the departments and with what went
  wrong that week, not with the portfolio's routine reporting.
* ``weeks/<week>/<department>/index.html``, a department's week (the projects it leads):
  every list above in full — milestones completed, missed, moved, due next; every report's
  first line; the indicators behind pace; every indicator's figure, those that changed
  first, then those that did not (which the week's table counts and links).

A department's counts in a week's table are the sum of its projects' counts
(:func:`project_weeks`: each project's indicators counted week by week, a pure function of
that project's status, the date and ``pace_weeks``), which a build keeps for every
unchanged project. With the counts go the project's keys for the weeks: a digest, for
each week, of everything the project puts on that week's pages. A week's page (and a
department's) is made from its projects' keys for that week and what every page of the
week shares, so an edit renders again only the pages of the weeks it touches: a report
edited, its week's; a figure added, its week's and the next's.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import html as htmllib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict, TypeVar

from pydantic import BaseModel

from generator import context, meta
from generator.context import NOTE_KINDS, Common, Page, Week, week_of
from generator.history import Replan
from generator.models import Indicator, IndicatorValue, Note
from generator.pace import Pace, indicator_pace
from generator.render import markdown_to_html
from generator.status import IndicatorStatus, MilestoneStatus, PortfolioStatus, ProjectStatus

WEEK = dt.timedelta(days=7)
Trend = Literal["up", "down", "flat", "new"]
LINE_WIDTH = 96
"""How wide a report's first line may be on a week's pages, in columns: a Chinese character
takes two (48 of them, about two lines on a phone), a Latin letter one."""


@dataclass(frozen=True)
class Entry:
    """A milestone of a project, as listed in a week."""

    project: ProjectStatus
    milestone: MilestoneStatus

    @property
    def other_owner(self) -> str | None:
        """The department that delivers it, when that is not its project's lead (under
        whose name the week lists it)."""
        owner = self.milestone.milestone.owner
        return owner if owner and owner != self.project.project.data.lead else None


@dataclass(frozen=True)
class ReplanEntry:
    """A change of a milestone's due date, as listed in the week it was made."""

    project: ProjectStatus
    milestone: MilestoneStatus
    replan: Replan

    @property
    def slip_days(self) -> int:
        """The milestone's slip once this change was made: its new due date minus baseline."""
        return (self.replan.after - self.milestone.baseline).days


@dataclass(frozen=True)
class Report:
    """A report (note) as a week lists it: its first line, and where its full text is."""

    project: ProjectStatus
    note: Note
    anchor: str
    """Its id on its project's page (:func:`context.report_anchors`)."""
    link: str
    """Its full text, from the site's root: ``projects/<id>/index.html#<anchor>``."""
    line: str
    """Its first line as plain text, cut to :data:`LINE_WIDTH` columns."""
    cut: bool
    """Whether ``line`` was cut short (it then ends with '…')."""


@dataclass(frozen=True)
class KindReports:
    kind: str
    reports: list[Report]


@dataclass(frozen=True)
class ProjectReports:
    project: ProjectStatus
    kinds: list[KindReports]
    """Only the kinds with reports, in the order of :data:`NOTE_KINDS`."""


Dated = tuple[ProjectStatus, Note, str]
"""A report of a week with its id on its project's page."""


@dataclass(frozen=True)
class DepartmentWeek:
    """One department's part of a week: what the projects it leads did."""

    id: str
    name: str
    path: str
    """Its page for the week, ``weeks/<week>/<id>/index.html``."""
    completed: list[Entry]
    missed: list[Entry]
    replans: list[ReplanEntry]
    coming: list[Entry]
    notes: list[Dated]
    problems: int
    """Its reports of the kind ``problem``."""


@dataclass(frozen=True)
class DepartmentFigures:
    """A department's row in the week's table: its indicators counted."""

    department: DepartmentWeek
    changed: int
    unchanged: int
    behind_pace: int


@dataclass(frozen=True)
class DepartmentProblems:
    department: DepartmentWeek
    reports: list[Report]
    """By project (in id order), each project's oldest first."""


@dataclass(frozen=True)
class IndicatorChange:
    project: ProjectStatus
    indicator: Indicator
    value: float
    date: dt.date
    """The date of ``value``: within the week when a figure was reported that week."""
    previous: float | None
    change: float | None
    trend: Trend
    reported: bool
    """Whether a figure is dated within the week."""

    @property
    def changed(self) -> bool:
        """Up, down, or a first figure: the week's digest shows it in full."""
        return self.trend != "flat"


@dataclass(frozen=True)
class PaceEntry:
    """An indicator behind pace as of the week's last day counted."""

    project: ProjectStatus
    indicator: Indicator
    pace: Pace


@dataclass(frozen=True)
class WeekSummary:
    week: Week
    completed: int
    missed: int
    coming: int
    notes: int
    current: bool


class _WeekFields(TypedDict):
    """What every page of one week holds, beside :class:`Common`."""

    week: Week
    current: bool
    """The as-of week: 'completed' counts up to today only."""
    until: dt.date
    """The last day counted: the week's Sunday, or today for the as-of week."""
    coming_start: dt.date
    coming_end: dt.date
    previous: Week | None
    next: Week | None


class _Week(Common, _WeekFields):
    pass


class WeekPage(_Week):
    """The week: the departments' table and what went wrong, by department."""

    completed: list[Entry]
    missed: list[Entry]
    coming: list[Entry]
    replans: list[ReplanEntry]
    """Due dates changed this week (up to today), oldest first."""
    note_count: int
    department_weeks: list[DepartmentWeek]
    """The departments that lead a project, in the order of the departments page."""
    figures: list[DepartmentFigures]
    """One per department, in that order (built when the page is rendered)."""
    problems: list[DepartmentProblems]
    """The problems reported, by department: those with any (built when rendered)."""
    behind_pace: int
    """Indicators behind pace as of ``until`` (built when rendered)."""


class DepartmentWeekPage(_Week):
    """One department's week, in full."""

    department: DepartmentWeek
    reports: list[ProjectReports]
    changed: list[IndicatorChange]
    """Its indicators that changed this week, by project id and in the file's order."""
    unchanged: list[IndicatorChange]
    """Its indicators with a figure that did not change this week, in the same order."""
    behind_pace: list[PaceEntry]
    """Its indicators behind pace as of ``until``, by project id and in the file's order."""


class WeeksIndexPage(Common):
    weeks: list[WeekSummary]
    """Newest first."""


@dataclass(frozen=True)
class _Buckets:
    """Every dated item, put once in the bucket of its week (keyed by the week's Monday)."""

    done: dict[dt.date, list[Entry]]
    due: dict[dt.date, list[Entry]]
    notes: dict[dt.date, list[Dated]]
    replans: dict[dt.date, list[ReplanEntry]]
    first: dt.date
    """The earliest dated item (note, completion, figure, re-plan), or today with none."""


def _buckets(projects: list[ProjectStatus], today: dt.date) -> _Buckets:
    done: defaultdict[dt.date, list[Entry]] = defaultdict(list)
    due: defaultdict[dt.date, list[Entry]] = defaultdict(list)
    notes: defaultdict[dt.date, list[Dated]] = defaultdict(list)
    replans: defaultdict[dt.date, list[ReplanEntry]] = defaultdict(list)
    first = today
    for status in projects:
        data = status.project.data
        for ms in status.milestones:
            entry = Entry(status, ms)
            due[week_of(ms.milestone.due).monday].append(entry)
            if ms.milestone.done is not None and ms.milestone.done <= today:
                done[week_of(ms.milestone.done).monday].append(entry)
                first = min(first, ms.milestone.done)
            for replan in ms.replans:
                if replan.date <= today:
                    replans[week_of(replan.date).monday].append(ReplanEntry(status, ms, replan))
                    first = min(first, replan.date)
        anchors = context.report_anchors(data.notes)
        for note, anchor in zip(data.notes, anchors, strict=True):
            notes[week_of(note.date).monday].append((status, note, anchor))
            first = min(first, note.date)
        first = min([first, *(v.date for i in data.indicators for v in i.values)])
    return _Buckets(done, due, notes, replans, first)


def _weeks(first: dt.date, today: dt.date) -> list[Week]:
    week, last = week_of(first), week_of(today)
    weeks = []
    while week.monday <= last.monday:
        weeks.append(week)
        week = Week(week.monday + WEEK)
    return weeks


def _completed(entries: list[Entry]) -> list[Entry]:
    """The bucket holds completion dates up to today only, so nothing here is ahead of it."""
    return sorted(entries, key=lambda e: e.milestone.milestone.done or e.milestone.milestone.due)


def _missed(entries: list[Entry], today: dt.date) -> list[Entry]:
    def missed(entry: Entry) -> bool:
        m = entry.milestone.milestone
        if entry.project.project.data.status != "active" or m.due >= today:
            return False
        return m.done is None or m.done > m.due

    return sorted(filter(missed, entries), key=lambda e: e.milestone.milestone.due)


def _coming(entries: list[Entry], sunday: dt.date) -> list[Entry]:
    def open_at(entry: Entry) -> bool:
        done = entry.milestone.milestone.done
        return done is None or done > sunday

    return sorted(filter(open_at, entries), key=lambda e: e.milestone.milestone.due)


def _reports(notes: list[Dated]) -> list[ProjectReports]:
    """Reports of one week, by project (in id order) and kind, each kind oldest first."""
    by_project: dict[str, tuple[ProjectStatus, dict[str, list[Dated]]]] = {}
    for dated in notes:
        status, note, _ = dated
        kinds = by_project.setdefault(status.project.id, (status, defaultdict(list)))[1]
        kinds[note.kind].append(dated)
    return [
        ProjectReports(
            status,
            [
                KindReports(
                    kind, [_report(d) for d in sorted(kinds[kind], key=lambda d: d[1].date)]
                )
                for kind in NOTE_KINDS
                if kinds.get(kind)
            ],
        )
        for status, kinds in sorted(by_project.values(), key=lambda pk: pk[0].project.id)
    ]


def _report(dated: Dated) -> Report:
    status, note, anchor = dated
    line, cut = first_line(note.text)
    link = f"projects/{status.project.id}/index.html#{anchor}"
    return Report(status, note, anchor, link, line, cut)


_BREAK = re.compile(
    r"</(?:p|li|h[3-6]|pre|blockquote|th|td)>|<br\s*/?>|<(?:ul|ol|table|hr)\b[^>]*>"
)
"""Where a line of a report's HTML ends: a block's end, a line break, a list or a table."""
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_WRAPPED = re.compile(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])")
"""A line wrapped in the file between two Chinese characters: joined without a space."""
_SPACES = re.compile(r"\s+")
_TEXT = re.compile(r">[^<]*?[^<\s]")
"""Some text after a tag (a break's, where :func:`first_line` looks on from)."""
_CLAUSE = re.compile(r".*[。！？；，、.!?;,:：)）\]】”’ ]", re.S)
"""A line cut short ends after its last punctuation mark or space (before the '…')."""


def first_line(text: str, width: int = LINE_WIDTH) -> tuple[str, bool]:
    """A report's first line as plain text: its first paragraph (or list item, heading…),
    its Markdown rendered and the tags dropped, so ``**done**`` reads "done" and a link
    its words; at most ``width`` columns wide with the '…' (:func:`cut`). The '…' also
    ends a line after which the report goes on. Returns the line and whether it is only
    a part of the report."""
    rendered = str(markdown_to_html(text))
    breaks = (m.span() for m in _BREAK.finditer(rendered))
    start = 0
    for stop, after in itertools.chain(breaks, [(len(rendered), len(rendered))]):
        line = _plain(rendered[start:stop])
        start = after
        if not line:
            continue
        if _TEXT.search(rendered, after - 1):  # the report goes on: room for its '…'
            shown, short = cut(line, width - 1)
            return (shown if short else _ellipsis(shown)), True
        return cut(line, width)
    return "", False


def _plain(html: str) -> str:
    text = _TAG.sub("", html)
    if "&" in text:
        text = htmllib.unescape(text)
    if "\n" in text:
        text = _WRAPPED.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _ellipsis(head: str) -> str:
    return head.rstrip(" ，、,;；:：") + "…"


def cut(line: str, width: int = LINE_WIDTH) -> tuple[str, bool]:
    """``line`` if it fits in ``width`` columns (a wide character, Chinese, takes two),
    else its start with '…' within them, ended after a punctuation mark or a space in its
    second half if it has one (a clause, a word), else wherever the columns run out."""
    if len(line) * 2 <= width:
        return line, False
    # One character a column: a wide one followed by a NUL for its second.
    columns = line if line.isascii() else line[: width + 1].translate(_padding())
    if len(columns) <= width and len(line) <= width:
        return line, False
    head = columns[: width - 1]  # one column for the '…'
    if columns[width - 1 : width] == "\0":  # a wide character's second column would not fit
        head = head[:-1]
    head = head.replace("\0", "")
    clause = _CLAUSE.match(head, len(head) // 2)
    return _ellipsis(head[: clause.end()] if clause else head), True


@functools.cache
def _padding() -> dict[int, str]:
    """Each wide or full-width character (East Asian width W or F: Chinese, Japanese,
    Korean, full-width forms, most emoji) → itself and a NUL, for :func:`cut`; made once."""
    planes = itertools.chain(
        range(0x1100, 0x10000), range(0x1F000, 0x1FB00), range(0x20000, 0x3FFFE)
    )
    return {
        code: chr(code) + "\0" for code in planes if unicodedata.east_asian_width(chr(code)) in "WF"
    }


Series = tuple[ProjectStatus, Indicator, list[dt.date], list[IndicatorValue]]
"""One indicator's figures sorted by date, with their dates alone for bisecting."""


def _series(projects: list[ProjectStatus]) -> list[Series]:
    found: list[Series] = []
    for status in projects:
        for indicator in status.project.data.indicators:
            values = sorted(indicator.values, key=lambda v: v.date)
            found.append((status, indicator, [v.date for v in values], values))
    return found


def _indicator_changes(series: list[Series], week: Week) -> list[IndicatorChange]:
    """Each indicator's latest figure by the week's end, against the one a week earlier."""
    changes: list[IndicatorChange] = []
    end, end_before = week.sunday, week.sunday - WEEK
    for status, indicator, dates, values in series:
        at = bisect.bisect_right(dates, end)
        if not at:
            continue
        latest = values[at - 1]
        earlier = bisect.bisect_right(dates, end_before)
        before = values[earlier - 1].value if earlier else None
        change = None if before is None else round(latest.value - before, 9)
        changes.append(
            IndicatorChange(
                project=status,
                indicator=indicator,
                value=latest.value,
                date=latest.date,
                previous=before,
                change=change,
                trend=_trend(change),
                reported=latest.date >= week.monday,
            )
        )
    return changes


def _complete(page: WeekPage, counted: dict[str, list[ProjectWeeks]]) -> WeekPage:
    """The week's page with each department's indicators counted (the sum of its projects'
    counts, ``counted``) and its problems' first lines (built when it is rendered)."""
    monday = page["week"].monday
    figures = []
    for department in page["department_weeks"]:
        changed = unchanged = behind = 0
        for weeks in counted.get(department.id, []):
            c, u, b = weeks.at(monday)
            changed, unchanged, behind = changed + c, unchanged + u, behind + b
        figures.append(DepartmentFigures(department, changed, unchanged, behind))
    problems = [
        DepartmentProblems(department, reports)
        for department in page["department_weeks"]
        if (reports := _problems(department.notes))
    ]
    return WeekPage(
        **{
            **page,
            "figures": figures,
            "problems": problems,
            "behind_pace": sum(f.behind_pace for f in figures),
        }
    )


def _problems(notes: list[Dated]) -> list[Report]:
    """The problems among ``notes``, by project (in id order), each project's oldest first."""
    found = [d for d in notes if d[1].kind == "problem"]
    return [_report(d) for d in sorted(found, key=lambda d: (d[0].project.id, d[1].date))]


def _department_week(
    state: PortfolioStatus,
    page: WeekPage,
    department: DepartmentWeek,
    series: list[Series],
    paced: list[Paced],
    counted: list[ProjectWeeks],
) -> DepartmentWeekPage:
    """A department's week with its reports' first lines, its indicators and those behind
    pace (built when it is rendered; ``counted``: its projects' counts, which say whose
    indicators to judge)."""
    week = page["week"]
    behind = {w.project for w in counted if w.at(week.monday)[2]}
    paced = [p for p in paced if p[0].project.id in behind]
    counts = (
        len(department.completed),
        len(department.missed),
        len(department.replans),
        len(department.coming),
        len(department.notes),
    )
    span = (week.monday, week.sunday)
    path = department.path
    preview = meta.week(state.site, path, week.number, week.year, span, counts, department.name)
    changes = _indicator_changes(series, week)
    return DepartmentWeekPage(
        **context.common(state, path, "weeks", preview),
        **_shared(page),
        department=department,
        reports=_reports(department.notes),
        changed=[c for c in changes if c.changed],
        unchanged=[c for c in changes if not c.changed],
        behind_pace=_behind_pace(paced, page["until"], state.site.pace_weeks),
    )


Paced = tuple[ProjectStatus, IndicatorStatus, float, dt.date, dt.date]
"""An indicator of an active project that can fall behind pace: with its target, its due
date and its first figure's date (its figures sorted once, for every week)."""


def _paced(projects: list[ProjectStatus]) -> list[Paced]:
    """The indicators that can be behind pace in some week: of active projects, with a
    target, a due date (their own or the project's) and a figure."""
    found: list[Paced] = []
    for status in projects:
        if status.project.data.status != "active":
            continue
        for computed in status.indicators:
            indicator = computed.indicator
            due = indicator.due or status.project.data.due
            if indicator.target is not None and due is not None and computed.series.dates:
                found.append((status, computed, indicator.target, due, computed.series.dates[0]))
    return found


def _behind_pace(paced: list[Paced], until: dt.date, pace_weeks: int) -> list[PaceEntry]:
    """The indicators of active projects behind pace as of ``until``."""
    found: list[PaceEntry] = []
    for status, computed, target, due, first in paced:
        if first > until:  # no figure yet that week
            continue
        indicator = computed.indicator
        pace = indicator_pace(computed.series, target, indicator.direction, due, until, pace_weeks)
        if pace.behind:
            found.append(PaceEntry(status, indicator, pace))
    return found


@dataclass(frozen=True)
class ProjectWeeks:
    """One project's indicators counted in each week, from the week of its first figure to
    the as-of week (:func:`project_weeks`): how many changed that week, how many did not,
    how many were behind pace as of its last day counted. A department's figures in a
    week are the sum of its projects' counts. With them, ``keys``: a digest of everything
    the project puts on a week's pages, for each week it puts anything there."""

    project: str
    first: dt.date | None
    """The Monday of the first week counted; None for a project without any figure."""
    counts: tuple[tuple[int, int, int], ...]
    keys: tuple[tuple[dt.date, str], ...] = ()
    """(Monday, digest) of each week the project shows on, oldest first
    (:func:`_week_keys`)."""

    def at(self, monday: dt.date) -> tuple[int, int, int]:
        """The counts of the week that starts on ``monday`` (none outside those counted)."""
        if self.first is None or monday < self.first:
            return (0, 0, 0)
        index = (monday - self.first).days // 7
        return self.counts[index] if index < len(self.counts) else (0, 0, 0)

    def text(self) -> str:
        """As kept between builds: the first Monday, then the counts, week by week; on a
        second line each week's key."""
        weeks = " ".join(f"{c},{u},{b}" for c, u, b in self.counts)
        keys = " ".join(f"{monday.isoformat()}:{key}" for monday, key in self.keys)
        return f"{self.first.isoformat() if self.first else '-'} {weeks}".rstrip() + "\n" + keys

    @classmethod
    def read(cls, project: str, text: str | None) -> ProjectWeeks | None:
        """What :meth:`text` wrote; None for anything else (the counts are then made again)."""
        if text is None:
            return None
        try:
            line, key_line = text.split("\n")
            first, *weeks = line.split(" ")
            counts = tuple(_three(week) for week in weeks)
            monday = None if first == "-" else dt.date.fromisoformat(first)
            keys = tuple(_week_key(item) for item in key_line.split(" ") if item)
        except ValueError:
            return None
        if (monday is None) != (not counts) or (monday is not None and monday.weekday()):
            return None
        return cls(project, monday, counts, keys)


def _week_key(text: str) -> tuple[dt.date, str]:
    monday, key = text.split(":")  # ValueError unless a date and a digest
    day = dt.date.fromisoformat(monday)
    if day.weekday() or len(key) != 2 * KEY_BYTES or not all(c in _HEX for c in key):
        raise ValueError(text)
    return day, key


_HEX = frozenset("0123456789abcdef")
KEY_BYTES = 10
"""The size of a project's key for a week (:func:`_week_keys`)."""


def _three(text: str) -> tuple[int, int, int]:
    c, u, b = (int(n) for n in text.split(","))  # ValueError unless three whole numbers
    if min(c, u, b) < 0:
        raise ValueError(text)
    return c, u, b


def project_weeks(status: ProjectStatus, today: dt.date, pace_weeks: int) -> ProjectWeeks:
    """Each week's counts of one project's indicators, as the week's page shows them, and
    its keys for the weeks (:func:`_week_keys`): a pure function of the project's status,
    the as-of date and the site's ``pace_weeks`` (what a project's key covers), so a build
    keeps them for an unchanged project."""
    series, paced = _series([status]), _paced([status])
    dates = [dates[0] for _, _, dates, _ in series if dates]
    shown: defaultdict[dt.date, list[str]] = defaultdict(list)
    counts = []
    weeks = _weeks(min(dates), today) if dates else []
    for week in weeks:
        figures = shown[week.monday]
        changed, unchanged = _changes_counted(series, week, figures)
        behind = _behind_pace(paced, min(week.sunday, today), pace_weeks)
        counts.append((changed, unchanged, len(behind)))
        figures += [f"pace {e.indicator.name!r} {e.pace!r}" for e in behind]
    keys = _week_keys(status, today, [_fields(i) for _, i, _, _ in series], shown)
    first = weeks[0].monday if weeks else None
    return ProjectWeeks(status.project.id, first, tuple(counts), keys)


def _fields(model: BaseModel) -> str:
    """A model's fields and their values, its figures left out (an indicator's: each week
    shows two of them): each text as it is, with its length (a report's text is most of
    a project's bytes, and ``repr`` would escape it character by character), anything
    else as ``repr`` says it."""
    found = []
    for name, value in model.__dict__.items():  # its fields (a strict model has no others)
        if name != "values":
            text, kind = (value, "s") if isinstance(value, str) else (repr(value), "r")
            found.append(f"{name} {kind}{len(text)} {text}")
    return "\0".join(found)


def _week_keys(
    status: ProjectStatus, today: dt.date, indicators: list[str], shown: Mapping[dt.date, list[str]]
) -> tuple[tuple[dt.date, str], ...]:
    """A digest, for each week, of all that ``status`` puts on that week's pages (the week's
    and its lead department's): its milestones completed, due (missed, or listed as coming
    in the week before) or re-planned that week, each with its state as of ``today``; its
    reports of the week; and ``shown``, its indicators' figures and pace that week. With
    the project's id, title, lead and status, which those lists show, and its
    ``indicators`` (:func:`_fields`), whose figures ``shown`` names by their place. A page
    made from the projects' keys of its week (and what every page of that week shares) is
    kept while none of them changes."""
    data = status.project.data
    parts: defaultdict[dt.date, list[str]] = defaultdict(list)
    for monday, found in shown.items():
        parts[monday] += found
    for ms in status.milestones:
        milestone = ms.milestone
        due = week_of(milestone.due).monday
        mondays = {due, due - WEEK}
        if milestone.done is not None and milestone.done <= today:
            mondays.add(week_of(milestone.done).monday)
        mondays.update(week_of(r.date).monday for r in ms.replans if r.date <= today)
        state = (ms.index, _fields(milestone), ms.state, ms.days, ms.baseline, ms.slip_days)
        shown_ms = f"milestone {state!r} {ms.replans!r} {ms.flagged}"
        for monday in mondays:
            parts[monday].append(shown_ms)
    for note, anchor in zip(data.notes, context.report_anchors(data.notes), strict=True):
        parts[week_of(note.date).monday].append(f"report {anchor} {_fields(note)}")
    project = repr((status.project.id, data.title, data.lead, data.status, indicators))
    return tuple(
        (
            monday,
            hashlib.blake2b(
                "\0".join([project, *parts[monday]]).encode(), digest_size=KEY_BYTES
            ).hexdigest(),
        )
        for monday in sorted(parts)
    )


def _changes_counted(
    series: list[Series], week: Week, shown: list[str] | None = None
) -> tuple[int, int]:
    """How many indicators with a figure by the week's end changed that week (up, down or a
    first figure, as :func:`_indicator_changes` tells), and how many did not. To ``shown``,
    what each (by its place) shows on the week's pages: its latest figure by the week's end
    and the one a week earlier."""
    changed = unchanged = 0
    end, end_before = week.sunday, week.sunday - WEEK
    for n, (_, _, dates, values) in enumerate(series):
        at = bisect.bisect_right(dates, end)
        if not at:
            continue
        earlier = bisect.bisect_right(dates, end_before)
        latest = values[at - 1]
        if earlier and round(latest.value - values[earlier - 1].value, 9) == 0:
            unchanged += 1
        else:
            changed += 1
        if shown is not None:
            before = values[earlier - 1].value if earlier else None
            shown.append(f"figure {n} {latest.date} {latest.value!r} {before!r}")
    return changed, unchanged


def _trend(change: float | None) -> Trend:
    if change is None:
        return "new"
    if change > 0:
        return "up"
    return "down" if change < 0 else "flat"


T = TypeVar("T")


def _by_lead(items: Iterable[T], project: Callable[[T], ProjectStatus]) -> dict[str, list[T]]:
    """``items`` by the lead department of their project, each list in the given order."""
    found: defaultdict[str, list[T]] = defaultdict(list)
    for item in items:
        found[project(item).project.data.lead].append(item)
    return found


def _entry_project(item: Entry | ReplanEntry) -> ProjectStatus:
    return item.project


def _week_pages(
    state: PortfolioStatus,
) -> tuple[list[WeekPage], list[WeekSummary]]:
    """Each week's page (its figures and problems left to :func:`_complete`) and summary."""
    today = state.today
    projects = sorted(state.projects, key=lambda p: p.project.id)
    leading = {p.project.data.lead for p in projects}
    names = {d.id: d.name for d in state.site.departments}
    order = [d for d in context.department_order(state) if d in leading]
    buckets = _buckets(projects, today)
    weeks = _weeks(buckets.first, today)
    pages: list[WeekPage] = []
    for i, week in enumerate(weeks):
        until = min(week.sunday, today)
        notes = buckets.notes.get(week.monday, [])
        completed = _completed(buckets.done.get(week.monday, []))
        missed = _missed(buckets.due.get(week.monday, []), today)
        coming = _coming(buckets.due.get(week.monday + WEEK, []), week.sunday)
        replans = sorted(buckets.replans.get(week.monday, []), key=lambda r: r.replan.date)
        counts = (len(completed), len(missed), len(replans), len(coming), len(notes))
        span = (week.monday, week.sunday)
        preview = meta.week(state.site, week.path, week.number, week.year, span, counts)
        lists = (
            _by_lead(completed, _entry_project),
            _by_lead(missed, _entry_project),
            _by_lead(replans, _entry_project),
            _by_lead(coming, _entry_project),
            _by_lead(notes, lambda d: d[0]),
        )
        departments = [
            DepartmentWeek(
                id=d,
                name=names[d],
                path=department_path(week, d),
                completed=lists[0].get(d, []),
                missed=lists[1].get(d, []),
                replans=lists[2].get(d, []),
                coming=lists[3].get(d, []),
                notes=lists[4].get(d, []),
                problems=sum(1 for _, note, _ in lists[4].get(d, []) if note.kind == "problem"),
            )
            for d in order
        ]
        page = WeekPage(
            **context.common(state, week.path, "weeks", preview),
            week=week,
            current=week.sunday >= today,
            until=until,
            completed=completed,
            missed=missed,
            coming=coming,
            coming_start=week.sunday + dt.timedelta(days=1),
            coming_end=week.sunday + WEEK,
            replans=replans,
            note_count=len(notes),
            department_weeks=departments,
            figures=[],  # filled in by _complete
            problems=[],  # filled in by _complete
            behind_pace=0,  # counted by _complete
            previous=weeks[i - 1] if i > 0 else None,
            next=weeks[i + 1] if i + 1 < len(weeks) else None,
        )
        pages.append(page)
    summaries = [
        WeekSummary(
            week=p["week"],
            completed=len(p["completed"]),
            missed=len(p["missed"]),
            coming=len(p["coming"]),
            notes=p["note_count"],
            current=p["current"],
        )
        for p in reversed(pages)
    ]
    return pages, summaries


def department_path(week: Week, department: str) -> str:
    """A department's page for ``week``."""
    return f"weeks/{week.name}/{department}/index.html"


def _department_pages(
    state: PortfolioStatus,
    page: WeekPage,
    series: dict[str, list[Series]],
    paced: dict[str, list[Paced]],
    counted: dict[str, list[ProjectWeeks]],
    shown: Callable[[Iterable[ProjectWeeks]], str],
) -> Iterator[Page]:
    """The page of each department of one week (built by the worker that renders it).
    All on it comes from what the projects the department leads put on that week's pages
    (``shown``: their keys for the week), the week's place in the list of weeks and what
    every page shares: an edit elsewhere, or of another week, keeps it as it was."""
    shared = repr(_shared(page))
    for d in page["department_weeks"]:
        make = functools.partial(
            _department_week,
            state,
            page,
            d,
            series.get(d.id, []),
            paced.get(d.id, []),
            counted.get(d.id, []),
        )
        detail = f"{d.id}\0{d.name}\0{shared}\0{shown(counted.get(d.id, []))}"
        yield Page(d.path, "week_department.html", make=make, depends=context.Depends((), detail))


def _shown(
    keys: Mapping[str, Mapping[dt.date, str]], monday: dt.date, projects: Iterable[ProjectWeeks]
) -> str:
    """What ``projects`` put on the pages of the week of ``monday``: their keys for it
    (``keys``: by project, each week's), of those that put anything there."""
    return " ".join(f"{w.project}:{key}" for w in projects if (key := keys[w.project].get(monday)))


def _shared(page: WeekPage) -> _WeekFields:
    """What a department's pages of a week take from the week's page."""
    return _WeekFields(
        week=page["week"],
        current=page["current"],
        until=page["until"],
        coming_start=page["coming_start"],
        coming_end=page["coming_end"],
        previous=page["previous"],
        next=page["next"],
    )


def pages(state: PortfolioStatus, counted: Mapping[str, ProjectWeeks] | None = None) -> list[Page]:
    """``counted``: each project's :func:`project_weeks` by id, when the build has them
    (kept from the last build, or counted on every core); else counted here."""
    weeks, summaries = _week_pages(state)
    projects = sorted(state.projects, key=lambda p: p.project.id)
    series = _by_lead(_series(projects), lambda s: s[0])
    paced = _by_lead(_paced(projects), lambda p: p[0])
    if counted is None:
        counted = {
            p.project.id: project_weeks(p, state.today, state.site.pace_weeks) for p in projects
        }
    by_lead = _by_lead(projects, lambda p: p)
    counts = {lead: [counted[p.project.id] for p in led] for lead, led in by_lead.items()}
    path = "weeks/index.html"
    names = [s.week.name for s in summaries]  # newest first
    preview = meta.weeks(
        state.site, path, len(names), names[-1] if names else None, names[0] if names else None
    )
    index = WeeksIndexPage(**context.common(state, path, "weeks", preview), weeks=summaries)
    found = [Page("weeks/index.html", "weeks.html", index)]
    everyone = [counted[p.project.id] for p in projects]
    keys = {weeks.project: dict(weeks.keys) for weeks in everyone}
    for week in weeks:
        shown = functools.partial(_shown, keys, week["week"].monday)
        order = " ".join(d.id for d in week["department_weeks"])
        detail = f"{order}\0{_shared(week)!r}\0{shown(everyone)}"
        depends = context.Depends((), detail)
        make = functools.partial(_complete, week, counts)
        found.append(Page(week["week"].path, "week.html", make=make, depends=depends))
        found += _department_pages(state, week, series, paced, counts, shown)
    return found


def files(state: PortfolioStatus, kept: Container[str] = frozenset()) -> list[tuple[str, bytes]]:
    return []
