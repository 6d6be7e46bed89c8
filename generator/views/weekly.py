"""The weekly digest (每周汇总): one page per ISO week, and an index of the weeks.

A week runs Monday to Sunday and is named by its ISO year and number (``2026-W48``).
The digest covers every week from the one of the earliest dated item — a note, a
completion date, an indicator figure — up to the week of the as-of date, so past
weeks stay browsable. Each item is put in its week's bucket once; a week's page is
then built from its own buckets (and the next week's, for what falls due next).

For one week, Monday ``mon`` to Sunday ``sun``:

* completed: milestones done within ``mon..sun`` (for the as-of week, up to today);
* missed: milestones of active projects due within ``mon..sun`` and not done by their
  due date — done after it, or not done while the due date has passed;
* coming week: milestones due within the 7 days after ``sun``, not done by ``sun``;
* re-planned: due dates changed within the week (by the date of the commit in the site's
  time zone; today for an uncommitted change), oldest first;
* notes dated within the week, by project, then by kind (progress, problem, next, decision);
* indicators: the latest figure on or before ``sun`` against the latest on or before the
  Sunday before, with the trend;
* behind pace: the indicators of active projects whose pace verdict, as of the week's
  last day counted (``sun``, or today for the as-of week), is ``behind-pace``
  (:func:`generator.pace.indicator_pace`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass
from typing import Literal

from generator import context, meta
from generator.context import NOTE_KINDS, Common, Page, Week, week_of
from generator.history import Replan
from generator.models import Indicator, IndicatorValue, Note
from generator.pace import Pace, indicator_pace
from generator.status import IndicatorStatus, MilestoneStatus, PortfolioStatus, ProjectStatus

WEEK = dt.timedelta(days=7)
Trend = Literal["up", "down", "flat", "new"]


@dataclass(frozen=True)
class Entry:
    """A milestone of a project, as listed in a week."""

    project: ProjectStatus
    milestone: MilestoneStatus


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
class KindNotes:
    kind: str
    notes: list[Note]


@dataclass(frozen=True)
class ProjectNotes:
    project: ProjectStatus
    kinds: list[KindNotes]
    """Only the kinds with notes, in the order of :data:`NOTE_KINDS`."""


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


class WeekPage(Common):
    week: Week
    current: bool
    """The as-of week: 'completed' counts up to today only."""
    until: dt.date
    """The last day counted: the week's Sunday, or today for the as-of week."""
    completed: list[Entry]
    missed: list[Entry]
    coming: list[Entry]
    coming_start: dt.date
    coming_end: dt.date
    replans: list[ReplanEntry]
    """Due dates changed this week (up to today), oldest first."""
    notes: list[ProjectNotes]
    note_count: int
    indicators: list[IndicatorChange]
    behind_pace: list[PaceEntry]
    """Indicators behind pace as of ``until``, by project id and in the file's order."""
    previous: Week | None
    next: Week | None


class WeeksIndexPage(Common):
    weeks: list[WeekSummary]
    """Newest first."""


@dataclass(frozen=True)
class _Buckets:
    """Every dated item, put once in the bucket of its week (keyed by the week's Monday)."""

    done: dict[dt.date, list[Entry]]
    due: dict[dt.date, list[Entry]]
    notes: dict[dt.date, list[tuple[ProjectStatus, Note]]]
    replans: dict[dt.date, list[ReplanEntry]]
    first: dt.date
    """The earliest dated item (note, completion, figure, re-plan), or today with none."""


def _buckets(projects: list[ProjectStatus], today: dt.date) -> _Buckets:
    done: defaultdict[dt.date, list[Entry]] = defaultdict(list)
    due: defaultdict[dt.date, list[Entry]] = defaultdict(list)
    notes: defaultdict[dt.date, list[tuple[ProjectStatus, Note]]] = defaultdict(list)
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
        for note in data.notes:
            notes[week_of(note.date).monday].append((status, note))
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


def _notes(notes: list[tuple[ProjectStatus, Note]]) -> list[ProjectNotes]:
    """Notes of one week, by project (in id order) and kind, each kind oldest first."""
    by_project: dict[str, tuple[ProjectStatus, dict[str, list[Note]]]] = {}
    for status, note in notes:
        kinds = by_project.setdefault(status.project.id, (status, defaultdict(list)))[1]
        kinds[note.kind].append(note)
    return [
        ProjectNotes(
            status,
            [
                KindNotes(kind, sorted(kinds[kind], key=lambda n: n.date))
                for kind in NOTE_KINDS
                if kinds.get(kind)
            ],
        )
        for status, kinds in by_project.values()
    ]


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


def _complete(
    page: WeekPage,
    notes: list[tuple[ProjectStatus, Note]],
    series: list[Series],
    paced: list[Paced],
) -> WeekPage:
    """The week's page with its notes, indicator table and the indicators behind pace
    (built when it is rendered)."""
    return WeekPage(
        **{
            **page,
            "notes": _notes(notes),
            "indicators": _indicator_changes(series, page["week"]),
            "behind_pace": _behind_pace(paced, page["until"], page["site"].pace_weeks),
        }
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


def _trend(change: float | None) -> Trend:
    if change is None:
        return "new"
    if change > 0:
        return "up"
    return "down" if change < 0 else "flat"


WeekNotes = list[tuple[ProjectStatus, Note]]


def _week_pages(
    state: PortfolioStatus,
) -> tuple[list[tuple[WeekPage, WeekNotes]], list[WeekSummary]]:
    """Each week's page (its notes and figures left to :func:`_complete`) and summary."""
    today = state.today
    projects = sorted(state.projects, key=lambda p: p.project.id)
    buckets = _buckets(projects, today)
    weeks = _weeks(buckets.first, today)
    pages: list[tuple[WeekPage, WeekNotes]] = []
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
            notes=[],  # filled in by _complete
            note_count=len(notes),
            indicators=[],  # filled in by _complete
            behind_pace=[],  # filled in by _complete
            previous=weeks[i - 1] if i > 0 else None,
            next=weeks[i + 1] if i + 1 < len(weeks) else None,
        )
        pages.append((page, notes))
    summaries = [
        WeekSummary(
            week=p["week"],
            completed=len(p["completed"]),
            missed=len(p["missed"]),
            coming=len(p["coming"]),
            notes=p["note_count"],
            current=p["current"],
        )
        for p, _ in reversed(pages)
    ]
    return pages, summaries


def pages(state: PortfolioStatus) -> list[Page]:
    weeks, summaries = _week_pages(state)
    projects = sorted(state.projects, key=lambda p: p.project.id)
    series, paced = _series(projects), _paced(projects)
    path = "weeks/index.html"
    names = [s.week.name for s in summaries]  # newest first
    preview = meta.weeks(
        state.site, path, len(names), names[-1] if names else None, names[0] if names else None
    )
    index = WeeksIndexPage(**context.common(state, path, "weeks", preview), weeks=summaries)
    return [
        Page("weeks/index.html", "weeks.html", index),
        *(
            Page(
                w["week"].path,
                "week.html",
                make=functools.partial(_complete, w, notes, series, paced),
            )
            for w, notes in weeks
        ),
    ]


def files(state: PortfolioStatus, kept: Container[str] = frozenset()) -> list[tuple[str, bytes]]:
    return []
