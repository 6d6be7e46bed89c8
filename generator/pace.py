"""专项分析: each indicator's pace against its due date, and each project's backward schedule
(倒排工期). Pure functions of the data and the as-of date; docs/site.md ("Pace and the
backward schedule") is their contract, and the tests check every boundary by hand.

Indicator pace (:func:`indicator_pace`), from the figures dated on or before ``today``:

* **required pace** = (target - latest figure) / weeks left to the due date, per week,
  where weeks left = (due - today) in days / 7; none on or after the due date;
* **recent pace** = the least-squares slope of the figures over their dates, per day, * 7
  (so per week, like the required pace), over the figures dated in the ``pace_weeks`` * 7
  days that end today (today included); when those are fewer than 3, over the last 3
  figures dated in the 26 weeks (182 days) that end today; fewer than 2 there: no pace;
* **projected date** = the latest figure's date + (target - latest) / slope per day,
  rounded up to a whole day; none when the slope is zero, goes the wrong way, or would
  take more than 100 years (:data:`HORIZON_DAYS`);
* **verdict**, the first rule that applies: ``no-data`` without a target or without any
  figure; ``reached`` when the latest figure is at or beyond the target (judged on the
  latest figure alone: a target reached and then fallen back from is not reached);
  ``no-data`` without a due date (the indicator's, else the project's); ``behind-pace``
  when the due date has passed; ``no-data`` with fewer than 2 figures for the pace;
  ``behind-pace`` when the pace is zero or the wrong way, or the projected date is after
  the due date; ``on-pace`` otherwise (projected date on or before the due date).

Figures are sorted by date; of two figures of one date (which validation refuses) the
later one in the file counts. The work is linear in the number of figures (a sort of
figures already in order is one pass), and :func:`indicator_pace` takes them sorted, so
that the weekly digest asks it about every week without sorting again.

Backward schedule (:func:`schedule`), for an active project: the milestones left (not
done), the days left to the project's due date, and the milestones done in the 90 days
that end today (today included); from at least 2 of those, the rate (milestones per 30
days = done / 3) and the finish: today + ⌈left * 90 / done⌉ days. It is ``late`` when
the finish is after the project's due date.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

Direction = Literal["up", "down"]
Verdict = Literal["on-pace", "behind-pace", "reached", "no-data"]
VERDICTS: tuple[Verdict, ...] = ("behind-pace", "on-pace", "reached", "no-data")
Reason = Literal[
    "reached",
    "on-pace",
    "late",
    "flat",
    "wrong-way",
    "due-passed",
    "no-target",
    "no-values",
    "no-due",
    "few-values",
]
"""Why the verdict is what it is: ``late`` (projected after the due date), ``flat`` (no
change, or a target more than 100 years away), ``wrong-way``, ``due-passed``; for
``no-data``: ``no-target``, ``no-values``, ``no-due``, ``few-values``."""
Basis = Literal["weeks", "values"]
"""What the recent pace was measured over: the last ``pace_weeks`` weeks, or the last 3
figures (fewer than 3 in those weeks)."""

FALLBACK_VALUES = 3
FALLBACK_DAYS = 26 * 7
HORIZON_DAYS = 36525
"""A target more than 100 years away at the recent pace is not reached at this pace."""
SCHEDULE_DAYS = 90
SCHEDULE_MIN_DONE = 2


class Dated(Protocol):
    """A dated figure, such as :class:`generator.models.IndicatorValue`."""

    @property
    def date(self) -> dt.date: ...

    @property
    def value(self) -> float: ...


@dataclass(frozen=True)
class Series:
    """An indicator's figures in date order, one per date: dates, values, and the dates
    as day numbers (:meth:`datetime.date.toordinal`) for the slope."""

    dates: tuple[dt.date, ...]
    values: tuple[float, ...]
    days: tuple[int, ...]


def series(figures: Iterable[Dated]) -> Series:
    """``figures`` sorted by date (a stable sort); of one date, the last one given counts."""
    by_date: dict[dt.date, float] = {}
    for figure in figures:
        by_date[figure.date] = figure.value
    dates = sorted(by_date)
    return Series(
        tuple(dates), tuple(by_date[d] for d in dates), tuple(d.toordinal() for d in dates)
    )


class Pace(NamedTuple):
    """An indicator's pace (a tuple: the weekly digest makes one per indicator and week)."""

    verdict: Verdict
    reason: Reason
    due: dt.date | None
    """The indicator's due date, else the project's."""
    latest: float | None
    """The latest figure dated on or before today."""
    latest_date: dt.date | None
    required: float | None
    """Per week: what is left to the target / the weeks left to the due date."""
    recent: float | None
    """Per week: the least-squares slope per day, * 7."""
    basis: Basis | None
    used: int
    """How many figures the recent pace was measured over (0 without one)."""
    projected: dt.date | None
    """The day the target is reached at the recent pace; None when not at this pace."""
    days_after_due: int | None
    """Projected date - due date: > 0 late, ≤ 0 on pace."""

    @property
    def behind(self) -> bool:
        return self.verdict == "behind-pace"


NO_FIGURES = Series((), (), ())
NO_PACE = Pace("no-data", "no-values", None, None, None, None, None, None, 0, None, None)
"""The pace of an indicator with no figure and nothing else known."""


def reached(value: float, target: float, direction: Direction) -> bool:
    return value >= target if direction == "up" else value <= target


def slope(days: Sequence[int], values: Sequence[float]) -> float:
    """The least-squares slope of ``values`` over ``days`` (day numbers), per day: 2 or
    more days, all different. Centred on the means, in one pass each."""
    n = len(days)
    mean_x = sum(days) / n
    mean_y = sum(values) / n
    sxx = sxy = 0.0
    for x, y in zip(days, values, strict=True):
        dx = x - mean_x
        sxx += dx * dx
        sxy += dx * (y - mean_y)
    return sxy / sxx


def indicator_pace(
    figures: Series,
    target: float | None,
    direction: Direction,
    due: dt.date | None,
    today: dt.date,
    pace_weeks: int,
) -> Pace:
    """The pace verdict of one indicator as of ``today`` (see the module's docstring)."""
    dates = figures.dates
    end = bisect.bisect_right(dates, today)  # figures after today are ignored
    if target is None or not end:
        reason: Reason = "no-target" if target is None else "no-values"
        latest = figures.values[end - 1] if end else None
        latest_date = dates[end - 1] if end else None
        return Pace("no-data", reason, due, latest, latest_date, None, None, None, 0, None, None)
    latest, latest_date = figures.values[end - 1], dates[end - 1]
    if reached(latest, target, direction):
        return Pace("reached", "reached", due, latest, latest_date, None, None, None, 0, None, None)
    left = target - latest
    required = None
    if due is not None and due > today:
        required = _finite(left / ((due - today).days / 7))
    start = bisect.bisect_right(dates, today - dt.timedelta(days=7 * pace_weeks), 0, end)
    basis: Basis = "weeks"
    if end - start < FALLBACK_VALUES:
        basis = "values"
        oldest = bisect.bisect_right(dates, today - dt.timedelta(days=FALLBACK_DAYS), 0, end)
        start = max(oldest, end - FALLBACK_VALUES)
    used = end - start
    per_day: float | None = None
    projected: dt.date | None = None
    if used >= 2:
        per_day = _finite(slope(figures.days[start:end], figures.values[start:end])) or 0.0
        if per_day * left > 0:  # moving toward the target
            days = round(left / per_day, 6)  # float noise must not add a day
            if days <= HORIZON_DAYS:  # (nor may an overflow: inf and nan fail this)
                projected = latest_date + dt.timedelta(days=math.ceil(days))
    after = (projected - due).days if projected is not None and due is not None else None
    verdict: Verdict
    if due is None:
        verdict, reason = "no-data", "no-due"
    elif due < today:
        verdict, reason = "behind-pace", "due-passed"
    elif per_day is None:
        verdict, reason = "no-data", "few-values"
    elif projected is None:
        verdict, reason = "behind-pace", "wrong-way" if per_day * left < 0 else "flat"
    elif projected > due:
        verdict, reason = "behind-pace", "late"
    else:
        verdict, reason = "on-pace", "on-pace"
    if per_day is None:
        return Pace(verdict, reason, due, latest, latest_date, required, None, None, 0, None, None)
    return Pace(
        verdict, reason, due, latest, latest_date, required, per_day * 7, basis, used,
        projected, after,
    )  # fmt: skip


def _finite(value: float) -> float | None:
    """``value``, or None when figures near the float limits overflowed it."""
    return value if math.isfinite(value) else None


# --- the backward schedule (倒排工期) -----------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    left: int
    """Milestones not done."""
    days_left: int | None
    """The project's due date - today (negative once passed); None without a due date."""
    done_recently: int
    """Milestones done in the 90 days that end today."""
    rate: float | None
    """Milestones done per 30 days over those 90 days; None from fewer than 2."""
    needed: int | None
    """Days the milestones left take at that rate, rounded up."""
    finish: dt.date | None
    """today + ``needed``."""
    days_after_due: int | None
    """finish - the project's due date."""

    @property
    def late(self) -> bool:
        """The milestones left, at the recent rate, end after the project's due date."""
        return self.days_after_due is not None and self.days_after_due > 0


def schedule(done: Iterable[dt.date | None], due: dt.date | None, today: dt.date) -> Schedule:
    """The backward schedule of one active project: ``done`` holds each milestone's
    completion date (None while not done)."""
    dates = list(done)
    left = sum(1 for d in dates if d is None)
    since = today - dt.timedelta(days=SCHEDULE_DAYS)
    recent = sum(1 for d in dates if d is not None and since < d <= today)
    days_left = (due - today).days if due is not None else None
    if recent < SCHEDULE_MIN_DONE:
        return Schedule(left, days_left, recent, None, None, None, None)
    rate = recent * 30 / SCHEDULE_DAYS
    if not left:
        return Schedule(left, days_left, recent, rate, None, None, None)
    needed = -(-left * SCHEDULE_DAYS // recent)  # ⌈left * 90 / done⌉, in whole numbers
    finish = today + dt.timedelta(days=needed)
    after = (finish - due).days if due is not None else None
    return Schedule(left, days_left, recent, rate, needed, finish, after)
