"""专项分析: each indicator's pace against its due date, and each project's backward schedule
(倒排工期). Pure functions of the data and the as-of date; the README ("Pace and the
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
from typing import Literal, Protocol

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
    """An indicator's figures in date order, one per date, dates and values apart."""

    dates: tuple[dt.date, ...]
    values: tuple[float, ...]


def series(figures: Iterable[Dated]) -> Series:
    """``figures`` sorted by date (a stable sort); of one date, the last one given counts."""
    by_date: dict[dt.date, float] = {}
    for figure in figures:
        by_date[figure.date] = figure.value
    dates = sorted(by_date)
    return Series(tuple(dates), tuple(by_date[d] for d in dates))


@dataclass(frozen=True)
class Pace:
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


NO_FIGURES = Series((), ())
NO_PACE = Pace("no-data", "no-values", None, None, None, None, None, None, 0, None, None)
"""The pace of an indicator with no figure and nothing else known."""


def reached(value: float, target: float, direction: Direction) -> bool:
    return value >= target if direction == "up" else value <= target


def slope(dates: Sequence[dt.date], values: Sequence[float]) -> float:
    """The least-squares slope of ``values`` over ``dates``, per day (2 or more dates, all
    different)."""
    origin = dates[0]
    xs = [(d - origin).days for d in dates]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(values) / len(values)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True))
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
    end = bisect.bisect_right(figures.dates, today)  # figures after today are ignored
    latest = figures.values[end - 1] if end else None
    latest_date = figures.dates[end - 1] if end else None

    def pace(verdict: Verdict, reason: Reason) -> Pace:
        """The verdict, with every figure known by then."""
        known = per_day is not None
        after = (projected - due).days if projected is not None and due is not None else None
        return Pace(
            verdict=verdict,
            reason=reason,
            due=due,
            latest=latest,
            latest_date=latest_date,
            required=required,
            recent=per_day * 7 if known and per_day is not None else None,
            basis=basis if known else None,
            used=used if known else 0,
            projected=projected,
            days_after_due=after,
        )

    required: float | None = None
    per_day: float | None = None
    projected: dt.date | None = None
    basis: Basis = "weeks"
    used = 0
    if target is None:
        return pace("no-data", "no-target")
    if latest is None or latest_date is None:
        return pace("no-data", "no-values")
    if reached(latest, target, direction):
        return pace("reached", "reached")
    left = target - latest
    if due is not None and due > today:
        required = _finite(left / ((due - today).days / 7))
    start = bisect.bisect_right(figures.dates, today - dt.timedelta(days=7 * pace_weeks), 0, end)
    if end - start < FALLBACK_VALUES:
        basis = "values"
        oldest = bisect.bisect_right(
            figures.dates, today - dt.timedelta(days=FALLBACK_DAYS), 0, end
        )
        start = max(oldest, end - FALLBACK_VALUES)
    used = end - start
    if used >= 2:
        per_day = _finite(slope(figures.dates[start:end], figures.values[start:end])) or 0.0
        if per_day * left > 0:  # moving toward the target
            days = round(left / per_day, 6)  # float noise must not add a day
            if days <= HORIZON_DAYS:  # (nor may an overflow: inf and nan fail this)
                projected = latest_date + dt.timedelta(days=math.ceil(days))
    if due is None:
        return pace("no-data", "no-due")
    if due < today:
        return pace("behind-pace", "due-passed")
    if per_day is None:
        return pace("no-data", "few-values")
    if projected is None:
        return pace("behind-pace", "wrong-way" if per_day * left < 0 else "flat")
    if projected > due:
        return pace("behind-pace", "late")
    return pace("on-pace", "on-pace")


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
