"""Stage 3, compute status: pure functions of (valid data, today, milestone history).

Milestone states, progress and health follow the contract of the README:

* ``done`` (done ≤ due) · ``done-late`` (done > due) · ``overdue`` (not done, due < today,
  active project) · ``due-soon`` (not done, today ≤ due ≤ today + due_soon_days) ·
  ``upcoming`` (otherwise);
* progress = weight done ÷ total weight, 0 with no milestones;
* health = done / paused / cancelled from ``status``; for an active project ``red``
  with any overdue milestone, else ``amber`` when the newest note is more than
  ``stale_after_days`` before today (or there is none), else ``green``;
* baseline, slip and re-plans of each milestone come from :mod:`generator.history`
  (without it: the due date is the baseline, no slip, no re-plan);
* each indicator's pace and each active project's backward schedule come from
  :mod:`generator.pace`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from generator import pace as pacing
from generator.history import Replan, Slip, Slips
from generator.models import Indicator, Milestone, Note, SiteConfig
from generator.validate import Project

State = Literal["done", "done-late", "overdue", "due-soon", "upcoming"]
Health = Literal["red", "amber", "green", "paused", "done", "cancelled"]

HEALTH_ORDER: dict[str, int] = {
    "red": 0,
    "amber": 1,
    "green": 2,
    "paused": 3,
    "done": 4,
    "cancelled": 5,
}


@dataclass(frozen=True)
class MilestoneStatus:
    index: int
    line: int
    milestone: Milestone
    state: State
    days: int
    """Days late (done-late, overdue: > 0) or days left until due (others, ≥ 0 or < 0)."""
    baseline: dt.date
    """The first committed due date (the due date itself without history)."""
    slip_days: int
    """Due date minus baseline: > 0 slipped, < 0 brought forward."""
    replans: tuple[Replan, ...]
    """Every change of the due date since the baseline, oldest first."""


@dataclass(frozen=True)
class IndicatorStatus:
    indicator: Indicator
    latest: float | None
    latest_date: dt.date | None
    previous: float | None
    share: float | None
    """Latest value as a share of the target (0..1+), when both exist."""
    pace: pacing.Pace = pacing.NO_PACE
    """Its pace against its due date (the indicator's, else the project's)."""
    series: pacing.Series = pacing.NO_FIGURES
    """Its figures by date, one per date."""


@dataclass(frozen=True)
class ProjectStatus:
    project: Project
    health: Health
    progress: float
    milestones: tuple[MilestoneStatus, ...]
    overdue: int
    due_soon: int
    next_milestone: MilestoneStatus | None
    last_note: dt.date | None
    days_since_note: int | None
    days_left: int | None
    notes: tuple[Note, ...]
    """Newest first; notes of one date keep the order of the file."""
    indicators: tuple[IndicatorStatus, ...]
    schedule: pacing.Schedule | None
    """The backward schedule of its milestones (倒排工期); None unless it is active."""

    @property
    def behind_pace(self) -> tuple[IndicatorStatus, ...]:
        """Its indicators behind pace, counted (as overdue milestones are) only while the
        project is active; a paused, done or cancelled project's page still shows each
        verdict."""
        if self.project.data.status != "active":
            return ()
        return tuple(i for i in self.indicators if i.pace.behind)


@dataclass(frozen=True)
class PortfolioStatus:
    site: SiteConfig
    today: dt.date
    projects: tuple[ProjectStatus, ...]
    """Sorted for the meeting: red first, then by health, overdue count and id."""


def milestone_state(
    milestone: Milestone, today: dt.date, due_soon_days: int, active: bool = True
) -> tuple[State, int]:
    if milestone.done is not None:
        late = (milestone.done - milestone.due).days
        return ("done-late", late) if late > 0 else ("done", 0)
    left = (milestone.due - today).days
    if left < 0 and active:
        return "overdue", -left
    if 0 <= left <= due_soon_days:
        return "due-soon", left
    return "upcoming", left


def progress(milestones: tuple[Milestone, ...] | list[Milestone]) -> float:
    total = sum(m.weight for m in milestones)
    if total <= 0:
        return 0.0
    return sum(m.weight for m in milestones if m.done is not None) / total


def project_status(
    project: Project, site: SiteConfig, today: dt.date, slips: Slips | None = None
) -> ProjectStatus:
    data = project.data
    active = data.status == "active"
    found = slips or {}
    states: list[MilestoneStatus] = []
    for i, (m, line) in enumerate(zip(data.milestones, project.milestone_lines, strict=True)):
        state, days = milestone_state(m, today, site.due_soon_days, active)
        slip = found.get((project.id, i)) or Slip.unplanned(m.due)
        states.append(
            MilestoneStatus(i, line, m, state, days, slip.baseline, slip.slip_days, slip.replans)
        )
    overdue = sum(1 for s in states if s.state == "overdue")
    notes = tuple(sorted(data.notes, key=lambda n: n.date, reverse=True))
    last_note = notes[0].date if notes else None
    days_since = (today - last_note).days if last_note else None
    health: Health
    if data.status != "active":
        health = data.status
    elif overdue:
        health = "red"
    elif days_since is None or days_since > site.stale_after_days:
        health = "amber"
    else:
        health = "green"
    pending = [s for s in states if s.milestone.done is None]
    next_milestone = min(pending, key=lambda s: (s.milestone.due, s.index), default=None)
    return ProjectStatus(
        project=project,
        health=health,
        progress=progress(data.milestones),
        milestones=tuple(states),
        overdue=overdue,
        due_soon=sum(1 for s in states if s.state == "due-soon"),
        next_milestone=next_milestone,
        last_note=last_note,
        days_since_note=days_since,
        days_left=(data.due - today).days if data.due else None,
        notes=notes,
        indicators=tuple(
            _indicator_status(i, data.due, today, site.pace_weeks) for i in data.indicators
        ),
        schedule=pacing.schedule([m.done for m in data.milestones], data.due, today)
        if active
        else None,
    )


def _indicator_status(
    indicator: Indicator, project_due: dt.date | None, today: dt.date, pace_weeks: int
) -> IndicatorStatus:
    values = sorted(indicator.values, key=lambda v: v.date)
    latest = values[-1] if values else None
    previous = values[-2].value if len(values) > 1 else None
    share = None
    if latest is not None and indicator.target:
        share = latest.value / indicator.target
    figures = pacing.series(values)
    due = indicator.due or project_due
    return IndicatorStatus(
        indicator=indicator,
        latest=latest.value if latest else None,
        latest_date=latest.date if latest else None,
        previous=previous,
        share=share,
        pace=pacing.indicator_pace(
            figures, indicator.target, indicator.direction, due, today, pace_weeks
        ),
        series=figures,
    )


def portfolio_status(
    site: SiteConfig, projects: list[Project], today: dt.date, slips: Slips | None = None
) -> PortfolioStatus:
    """Every project's status; ``slips`` from :func:`generator.history.slips`, when read."""
    statuses = [project_status(p, site, today, slips) for p in projects]
    statuses.sort(key=lambda s: (HEALTH_ORDER[s.health], -s.overdue, s.project.id))
    return PortfolioStatus(site=site, today=today, projects=tuple(statuses))
