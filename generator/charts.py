"""Chart geometry: the battle map (挂图作战), its one-row strip, and indicator sparklines.

Every coordinate is computed here, in Python, into small frozen dataclasses; the
templates (``timeline*.html``) only lay them out as inline SVG. The battle map puts
every project on a row and every milestone on a shared time axis:

* the axis runs from the first of the month of the earliest date (project start or due,
  milestone start, due or done, and today) to the first of the month after the latest
  one, so it is padded to whole months and always shows the "today" line;
* rows are grouped by lead department, in the order of ``site.yaml``; inside a group the
  projects keep the meeting order of :mod:`generator.status` (red first);
* each milestone is a mark at its due date, shaped *and* coloured by its state, with a
  slip line to its completion date (done late) or to today (overdue, in an active project:
  a paused, done or cancelled project's overdue mark has none).

The same component draws a one-row strip on each project page (its own axis);
:func:`sparkline` draws an indicator's figures. The context stage calls these; the
templates lay the results out.

The work is linear in the number of milestones; nothing depends on dict or set order.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from babel.dates import format_date, format_skeleton

from generator.pace import Schedule
from generator.status import IndicatorStatus, PortfolioStatus, ProjectStatus, State

ELLIPSIS = "…"
SCHEDULE_FLAG = "⚑"
"""Before the name of a project behind its backward schedule on the battle map."""
PHONE_LABEL_UNITS = 20
"""Longest project name kept whole in the battle map's label column on a phone (timeline.css
narrows the column to 9.5rem there; a CJK character counts 2)."""
TIP_UNITS = 24
"""Width of a line of a focused mark's name, in width units (a CJK character counts 2): at
13px (timeline.css) about 160px, within the marks a phone shows beside the names."""
TIP_ROOM = TIP_UNITS * 3.5
"""Half the width a mark's focused name may need: nearer an end of the axis than this, the
name runs into the plot instead of across the end."""

Trend = Literal["up", "down", "flat"]
TREND_ARROWS: dict[str, str] = {"up": "▲", "down": "▼", "flat": "▶"}
STATES: tuple[State, ...] = ("overdue", "due-soon", "upcoming", "done-late", "done")
"""The legend's order, most urgent first (as :data:`generator.context.STATES`)."""
DRAW_ORDER: dict[str, int] = {state: i for i, state in enumerate(reversed(STATES))}
"""Marks of one row are drawn least urgent first, so the urgent ones sit on top."""


# --- the model of the SVG ----------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    """Fixed sizes of one flavour of the chart, in SVG user units (CSS pixels)."""

    label_width: float
    """Width of the column of project names at the left; 0 for a strip (timeline.css knows 250)."""
    label_x: float
    label_units: int
    """Longest label kept whole, in width units (a CJK character counts 2)."""
    row_height: float
    header_height: float
    year_y: float
    month_y: float
    tick_top: float
    """Where a month's grid line starts; a year's line starts higher, at ``year_top``."""
    year_top: float
    today_top: float
    pad: float
    """Room left and right of the plot, so a mark on the axis's edge is drawn whole."""
    mark_radius: float
    min_px_per_day: float
    min_plot_width: float
    numbered: bool
    """Number each mark (1, 2, …) as in the project's milestone table."""
    tip_line: float = 15
    """Line height of a focused mark's name (13px text, timeline.css)."""


MAP = Geometry(
    label_width=250,
    label_x=10,
    label_units=32,
    row_height=26,
    header_height=44,
    year_y=15,
    month_y=36,
    tick_top=22,
    year_top=21,
    today_top=4,
    pad=14,
    mark_radius=6,
    min_px_per_day=2.5,
    min_plot_width=900,
    numbered=False,
)
STRIP = Geometry(
    label_width=0,
    label_x=0,
    label_units=0,
    row_height=46,
    header_height=44,
    year_y=15,
    month_y=36,
    tick_top=22,
    year_top=21,
    today_top=4,
    pad=18,
    mark_radius=7,
    min_px_per_day=0,
    min_plot_width=1120,
    numbered=True,
)


@dataclass(frozen=True)
class Tick:
    """The first day of a month: a grid line, and the month's (and maybe year's) label."""

    date: dt.date
    x: float
    label: str
    """The month's short name, centred in the month; '' for months skipped when narrow."""
    label_x: float
    year: str
    """The year, at January and at the axis's first month; '' otherwise."""
    year_x: float
    major: bool
    """A year boundary or an end of the axis: drawn darker."""
    top: float


@dataclass(frozen=True)
class Axis:
    start: dt.date
    """First day shown: the first of a month."""
    end: dt.date
    """The first of the month after the last day shown."""
    left: float
    """x of ``start``."""
    px_per_day: float
    ticks: tuple[Tick, ...]
    """One per month boundary, ``end`` included (unlabelled)."""
    today: dt.date
    today_x: float
    today_label: str
    today_label_x: float
    today_anchor: str

    def x(self, day: dt.date) -> float:
        return _round(self.left + (day - self.start).days * self.px_per_day)


@dataclass(frozen=True)
class Mark:
    project: str
    project_title: str
    index: int
    """Position in the project file, from 0 (the table's anchor is ``milestone-<index+1>``)."""
    number: int
    title: str
    state: State
    due: dt.date
    done: dt.date | None
    days: int
    x: float
    y: float
    path: str
    """The shape's SVG path data, already placed at (x, y)."""
    number_y: float
    slip_x: float | None
    """The end of the slip line: the completion date (done late) or today (overdue, flagged)."""
    tip_lines: tuple[str, ...]
    """The milestone's title in lines of at most :data:`TIP_UNITS`, shown when the mark has
    the focus (a tap on a phone), with its days late or left on a line of their own below."""
    tip_x: float
    tip_y: float
    """The first line's baseline: the lines end above the mark; they lean into the plot near
    the axis's ends."""
    tip_anchor: str


@dataclass(frozen=True)
class Row:
    project: str
    title: str
    label: str
    """The title, shortened with '…' to fit the label column; the full title goes to <title>."""
    short_label: str
    """The title shortened to the narrower column of a phone (:data:`PHONE_LABEL_UNITS`)."""
    href: str | None
    """Link to the project page, relative to the site's root; None on the project's own page."""
    status: str
    health: str
    y: float
    mid: float
    text_y: float
    zebra: bool
    span_x: float | None
    """The project's period (start to due) as a bar behind the marks, when both are known."""
    span_y: float
    span_width: float
    span_height: float
    marks: tuple[Mark, ...]
    schedule: Schedule | None = None
    """Set when the milestones left, at the recent rate, end after the project's due date
    (the backward schedule, :func:`generator.pace.schedule`): the row is flagged."""


@dataclass(frozen=True)
class Group:
    """The projects of one lead department: one SVG, with its own header of months."""

    id: str
    name: str
    rows: tuple[Row, ...]
    height: float
    body_height: float
    """The height below the group's header of months: its rows."""
    overdue: int
    milestones: int


@dataclass(frozen=True)
class LegendItem:
    state: State
    path: str
    """The state's shape, centred on (0, 0) for a small legend icon."""
    count: int


@dataclass(frozen=True)
class BattleMap:
    geometry: Geometry
    axis: Axis
    width: float
    groups: tuple[Group, ...]
    legend: tuple[LegendItem, ...]

    @property
    def rows(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def behind_schedule(self) -> int:
        """How many rows are flagged as behind their backward schedule."""
        return sum(1 for g in self.groups for r in g.rows if r.schedule is not None)

    @property
    def plot_width(self) -> float:
        """The width right of the label column: the axis and the marks."""
        return _round(self.width - self.geometry.label_width)


def days_to_year_end(today: dt.date) -> int:
    """Days from ``today`` to 31 December of its year (0 on the day itself)."""
    return (dt.date(today.year, 12, 31) - today).days


# --- the battle map ----------------------------------------------------------------------


def battle_map(state: PortfolioStatus) -> BattleMap:
    """Every project of the portfolio, one row each, grouped by lead department."""
    geometry = MAP
    language = state.site.language
    axis = _axis(_dates(state.projects, state.today), state.today, geometry, language)
    by_lead: dict[str, list[ProjectStatus]] = {}
    for status in state.projects:
        by_lead.setdefault(status.project.data.lead, []).append(status)
    order = [d.id for d in state.site.departments]
    order += sorted(lead for lead in by_lead if lead not in order)
    names = {d.id: d.name for d in state.site.departments}
    groups = tuple(
        _group(lead, names.get(lead, lead), by_lead[lead], axis, geometry, link=True)
        for lead in order
        if lead in by_lead
    )
    return BattleMap(
        geometry=geometry,
        axis=axis,
        width=_width(axis, geometry),
        groups=groups,
        legend=_legend(state.projects, geometry, every_state=True),
    )


def project_strip(status: ProjectStatus, today: dt.date, language: str) -> BattleMap | None:
    """One project as a single row on its own axis; None when it has no milestone."""
    if not status.milestones:
        return None
    geometry = STRIP
    axis = _axis(_dates([status], today), today, geometry, language)
    lead = status.project.data.lead
    group = _group(lead, "", [status], axis, geometry, link=False)
    return BattleMap(
        geometry=geometry,
        axis=axis,
        width=_width(axis, geometry),
        groups=(group,),
        legend=_legend([status], geometry, every_state=False),
    )


def _dates(projects: Iterable[ProjectStatus], today: dt.date) -> list[dt.date]:
    dates = [today]
    for status in projects:
        data = status.project.data
        dates += [d for d in (data.start, data.due) if d is not None]
        for ms in status.milestones:
            m = ms.milestone
            dates += [d for d in (m.start, m.due, m.done) if d is not None]
    return dates


def _axis(dates: list[dt.date], today: dt.date, geometry: Geometry, language: str) -> Axis:
    first, last = min(dates), max(dates)
    start = first.replace(day=1)
    end = _next_month(last.replace(day=1))
    days = (end - start).days
    px_per_day = max(geometry.min_px_per_day, geometry.min_plot_width / days)
    left = geometry.label_width + geometry.pad
    locale = language.replace("-", "_")

    def x(day: dt.date) -> float:
        return _round(left + (day - start).days * px_per_day)

    months: list[dt.date] = []
    month = start
    while month <= end:
        months.append(month)
        month = _next_month(month)
    # Label every month, or every 2nd, 3rd … when a month is narrower than a label.
    step = next(s for s in (1, 2, 3, 4, 6, 12) if s * 30.4 * px_per_day >= 44 or s == 12)
    ticks = []
    for i, month in enumerate(months):
        inner = month < end
        labelled = inner and (month.month - 1) % step == 0
        ticks.append(
            Tick(
                date=month,
                x=x(month),
                label=_month_name(month, locale) if labelled else "",
                label_x=_round((x(month) + x(_next_month(month))) / 2),
                year=_year_name(month, locale) if inner and (month.month == 1 or i == 0) else "",
                year_x=_round(x(month) + 4),
                major=month.month == 1 or i == 0 or not inner,
                top=geometry.year_top if month.month == 1 else geometry.tick_top,
            )
        )
    today_x = x(today)
    right = x(end)
    anchor, label_x = "middle", today_x
    if today_x - left < 48:
        anchor, label_x = "start", _round(today_x - 4)
    elif right - today_x < 48:
        anchor, label_x = "end", _round(today_x + 4)
    return Axis(
        start=start,
        end=end,
        left=left,
        px_per_day=px_per_day,
        ticks=tuple(ticks),
        today=today,
        today_x=today_x,
        today_label=format_skeleton("MMMd", today, locale=locale),
        today_label_x=label_x,
        today_anchor=anchor,
    )


def _width(axis: Axis, geometry: Geometry) -> float:
    return _round(axis.x(axis.end) + geometry.pad)


def _group(
    lead: str,
    name: str,
    projects: list[ProjectStatus],
    axis: Axis,
    geometry: Geometry,
    link: bool,
) -> Group:
    rows = []
    for i, status in enumerate(projects):
        top = geometry.header_height + i * geometry.row_height
        rows.append(_row(status, axis, geometry, top, i, link))
    height = _round(geometry.header_height + len(rows) * geometry.row_height + 6)
    return Group(
        id=lead,
        name=name,
        rows=tuple(rows),
        height=height,
        body_height=_round(height - geometry.header_height),
        overdue=sum(p.overdue for p in projects),
        milestones=sum(len(p.milestones) for p in projects),
    )


def _row(
    status: ProjectStatus, axis: Axis, geometry: Geometry, top: float, number: int, link: bool
) -> Row:
    data = status.project.data
    project = status.project.id
    # A numbered strip leaves room above each mark for its number.
    mid = _round(top + geometry.row_height / 2 + (6 if geometry.numbered else 0))
    marks = []
    r = geometry.mark_radius
    right = axis.x(axis.end)
    for ms in status.milestones:
        m = ms.milestone
        x = axis.x(m.due)
        # The focused name, above the mark; the days' line is its last.
        tip_lines = wrap(m.title, TIP_UNITS, 2)
        tip_y = mid - r - 6 - len(tip_lines) * geometry.tip_line
        tip_anchor, tip_x = "middle", x
        if x - axis.left < TIP_ROOM:
            tip_anchor, tip_x = "start", _round(x - r - 2)
        elif right - x < TIP_ROOM:
            tip_anchor, tip_x = "end", _round(x + r + 2)
        slip: float | None = None
        if ms.state == "done-late" and m.done is not None:
            slip = axis.x(m.done)
        elif ms.flagged:  # overdue in an active project: the delay runs on to today
            slip = axis.today_x
        marks.append(
            Mark(
                project=project,
                project_title=data.title,
                index=ms.index,
                number=ms.index + 1,
                title=m.title,
                state=ms.state,
                due=m.due,
                done=m.done,
                days=ms.days,
                x=x,
                y=mid,
                path=shape(ms.state, x, mid, geometry.mark_radius),
                number_y=_round(mid - geometry.mark_radius - 5),
                slip_x=slip,
                tip_lines=tuple(tip_lines),
                tip_x=tip_x,
                tip_y=_round(tip_y),
                tip_anchor=tip_anchor,
            )
        )
    # Draw the most urgent marks last, so they sit on top where marks overlap.
    marks.sort(key=lambda mk: (DRAW_ORDER[mk.state], mk.due, mk.index))
    span_x: float | None = None
    span_width = 0.0
    if data.start is not None and data.due is not None and data.start <= data.due:
        span_x = axis.x(data.start)
        span_width = _round(axis.x(data.due) - span_x)
    late = status.schedule if status.schedule is not None and status.schedule.late else None
    flag_units = (len(SCHEDULE_FLAG) + 1) * 2 if late else 0  # the flag and a space
    units = geometry.label_units - flag_units
    short_units = PHONE_LABEL_UNITS - flag_units
    return Row(
        project=project,
        title=data.title,
        label=truncate(data.title, units) if geometry.label_width else "",
        short_label=truncate(data.title, short_units) if geometry.label_width else "",
        href=f"projects/{project}/index.html" if link else None,
        status=data.status,
        health=status.health,
        y=top,
        mid=mid,
        text_y=_round(mid + 4.5),
        zebra=number % 2 == 1,
        span_x=span_x,
        span_y=_round(mid - 3),
        span_width=span_width,
        span_height=6,
        marks=tuple(marks),
        schedule=late,
    )


def _legend(
    projects: Iterable[ProjectStatus], geometry: Geometry, every_state: bool
) -> tuple[LegendItem, ...]:
    counts: dict[State, int] = dict.fromkeys(STATES, 0)
    for status in projects:
        for ms in status.milestones:
            counts[ms.state] += 1
    return tuple(
        LegendItem(state, shape(state, 0, 0, geometry.mark_radius), counts[state])
        for state in STATES
        if every_state or counts[state]
    )


def shape(state: str, x: float, y: float, r: float) -> str:
    """SVG path data of a state's mark centred on (x, y): its shape tells the state.

    done ● (filled circle) · done-late ◆ (diamond) · overdue ✕ (cross, stroked) ·
    due-soon ▲ (triangle) · upcoming ○ (hollow circle).
    """
    if state == "done-late":
        d = r * 1.3
        return f"M{_n(x)} {_n(y - d)}L{_n(x + d)} {_n(y)}L{_n(x)} {_n(y + d)}L{_n(x - d)} {_n(y)}Z"
    if state == "overdue":
        d = r * 0.85
        return (
            f"M{_n(x - d)} {_n(y - d)}L{_n(x + d)} {_n(y + d)}"
            f"M{_n(x + d)} {_n(y - d)}L{_n(x - d)} {_n(y + d)}"
        )
    if state == "due-soon":
        d = r * 1.25
        return (
            f"M{_n(x)} {_n(y - d)}L{_n(x + d * 0.95)} {_n(y + d * 0.7)}"
            f"L{_n(x - d * 0.95)} {_n(y + d * 0.7)}Z"
        )
    return (
        f"M{_n(x - r)} {_n(y)}a{_n(r)} {_n(r)} 0 1 0 {_n(2 * r)} 0"
        f"a{_n(r)} {_n(r)} 0 1 0 {_n(-2 * r)} 0Z"
    )


def truncate(text: str, units: int) -> str:
    """``text`` cut to ``units`` width units (CJK characters count 2), ending in '…'."""
    if sum(_char_width(c) for c in text) <= units:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        width = _char_width(char)
        if used + width > units - 2:
            break
        kept.append(char)
        used += width
    return "".join(kept).rstrip() + ELLIPSIS


def wrap(text: str, units: int, most: int) -> list[str]:
    """``text`` in at most ``most`` lines of ``units`` width units each (CJK characters count
    2), broken at a space where a line has one; the last line ends in '…' if text is left."""
    lines: list[str] = []
    rest = text.strip()
    while rest and len(lines) < most:
        used, cut = 0, len(rest)
        for i, char in enumerate(rest):
            used += _char_width(char)
            if used > units:
                cut = i
                break
        if cut < len(rest):
            space = rest.rfind(" ", 0, cut + 1)
            cut = space if space > 0 else max(cut, 1)
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        lines[-1] = truncate(lines[-1] + ELLIPSIS * 2, units)
    return lines


def _char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


# --- indicator sparklines ----------------------------------------------------------------


@dataclass(frozen=True)
class Sparkline:
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    plot_width: float
    plot_height: float
    points: str
    """The polyline's points, 'x,y x,y …', one per figure, in date order."""
    count: int
    last_x: float | None
    last_y: float | None
    low: float
    high: float
    """The value axis's ends (figures, target and baseline all fit)."""
    label_x: float
    low_y: float
    high_y: float
    target_y: float | None
    baseline_y: float | None
    first: dt.date | None
    last: dt.date | None
    axis_end: dt.date | None
    """The date at the right end: the due date when the required pace is drawn, else the
    last figure's (None with one figure and nothing drawn after it)."""
    date_y: float
    trend: Trend | None
    """The latest figure against the one before; None with fewer than two figures."""
    arrow: str
    toward_target: bool | None
    """Whether the latest move goes the target's way; None when it cannot be told."""
    delta: str
    """The latest change, signed with a plus or a minus sign (U+2212), or '±0'."""
    pace_line: tuple[float, float, float, float] | None
    """The required pace: from the latest figure (x1, y1) to the target at the due date
    (x2, y2); None when the target is reached, or there is no target, figure or due date
    after the latest figure."""
    required: str
    """The required pace per week, signed ('' without one)."""
    recent: str
    """The recent pace per week, signed ('' without one)."""


def sparkline(indicator: IndicatorStatus) -> Sparkline:
    width, height = 280.0, 92.0
    left, right, top, bottom = 46.0, 270.0, 10.0, 66.0
    ind = indicator.indicator
    values = sorted(ind.values, key=lambda v: v.date)
    numbers = [v.value for v in values]
    extremes = numbers + [t for t in (ind.target, ind.baseline) if t is not None]
    low, high = (min(extremes), max(extremes)) if extremes else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1

    def y(value: float) -> float:
        share = (value - low) / (high - low)
        # Figures near the float limits can overflow the scale: draw those on the bottom line.
        return _round(bottom - (share if math.isfinite(share) else 0.0) * (bottom - top))

    pace = indicator.pace
    ahead = (  # the required pace is drawn up to the due date, after the latest figure
        pace.due
        if pace.verdict != "reached"
        and ind.target is not None
        and pace.due is not None
        and pace.latest_date is not None
        and pace.due > pace.latest_date
        and values
        and values[-1].date == pace.latest_date
        else None
    )
    points: list[tuple[float, float]] = []
    axis_end: dt.date | None = None
    pace_line: tuple[float, float, float, float] | None = None
    if values:
        first, last = values[0].date, values[-1].date
        axis_end = ahead or (last if len(values) > 1 else None)
        span = ((ahead or last) - first).days

        def x(day: dt.date) -> float:
            return _round(left + ((day - first).days / span if span else 0.5) * (right - left))

        points = [(x(v.date), y(v.value)) for v in values]
        if ahead is not None and ind.target is not None:
            pace_line = (*points[-1], x(ahead), y(ind.target))
    trend: Trend | None = None
    toward: bool | None = None
    delta = ""
    if indicator.latest is not None and indicator.previous is not None:
        change = indicator.latest - indicator.previous
        trend = "up" if change > 0 else "down" if change < 0 else "flat"
        delta = "±0" if change == 0 else ("+" if change > 0 else "\u2212") + _plain(abs(change))
        start = ind.baseline if ind.baseline is not None else (numbers[0] if numbers else None)
        if ind.target is not None and start is not None and ind.target != start and change:
            toward = (change > 0) == (ind.target > start)
    return Sparkline(
        width=width,
        height=height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        plot_width=right - left,
        plot_height=bottom - top,
        points=" ".join(f"{_n(px)},{_n(py)}" for px, py in points),
        count=len(points),
        last_x=points[-1][0] if points else None,
        last_y=points[-1][1] if points else None,
        low=low,
        high=high,
        label_x=left - 6,
        low_y=bottom + 4,
        high_y=top + 4,
        target_y=y(ind.target) if ind.target is not None else None,
        baseline_y=y(ind.baseline) if ind.baseline is not None else None,
        first=values[0].date if values else None,
        last=values[-1].date if len(values) > 1 else None,
        axis_end=axis_end,
        date_y=bottom + 20,
        trend=trend,
        arrow=TREND_ARROWS[trend] if trend else "",
        toward_target=toward,
        delta=delta,
        pace_line=pace_line,
        required=signed(pace.required) if pace.required is not None else "",
        recent=signed(pace.recent) if pace.recent is not None else "",
    )


def signed(value: float) -> str:
    """A change, signed with a plus or a minus sign (U+2212), or '±0'."""
    if _plain(abs(value)) == "0":
        return "±0"
    return ("+" if value > 0 else "\u2212") + _plain(abs(value))


# --- small helpers -----------------------------------------------------------------------


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


@functools.lru_cache(maxsize=1024)
def _month_name(month: dt.date, locale: str) -> str:
    return format_date(month, "MMM", locale=locale)


@functools.lru_cache(maxsize=256)
def _year_name(month: dt.date, locale: str) -> str:
    return format_skeleton("y", month, locale=locale)


def _round(value: float) -> float:
    return round(value, 2) + 0.0


def _n(value: float) -> str:
    """A coordinate for path data: at most two decimals, no trailing zeros, never '-0'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _plain(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if math.isclose(value, round(value)):
        return f"{round(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
