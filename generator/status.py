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
* who is falling behind (:func:`falling_behind`): a department with an overdue milestone it
  delivers, or an active project it leads that is stale. The departments page, the alerts
  and ``check --fail-on stale`` all read it from there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

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
    elif _silent(days_since, site.stale_after_days):
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
        indicators=tuple(_indicator_status(i) for i in data.indicators),
    )


def _indicator_status(indicator: Indicator) -> IndicatorStatus:
    values = sorted(indicator.values, key=lambda v: v.date)
    latest = values[-1] if values else None
    previous = values[-2].value if len(values) > 1 else None
    share = None
    if latest is not None and indicator.target:
        share = latest.value / indicator.target
    return IndicatorStatus(
        indicator=indicator,
        latest=latest.value if latest else None,
        latest_date=latest.date if latest else None,
        previous=previous,
        share=share,
    )


def portfolio_status(
    site: SiteConfig, projects: list[Project], today: dt.date, slips: Slips | None = None
) -> PortfolioStatus:
    """Every project's status; ``slips`` from :func:`generator.history.slips`, when read."""
    statuses = [project_status(p, site, today, slips) for p in projects]
    statuses.sort(key=lambda s: (HEALTH_ORDER[s.health], -s.overdue, s.project.id))
    return PortfolioStatus(site=site, today=today, projects=tuple(statuses))


# --- who is falling behind ------------------------------------------------------------------


def _silent(days_since_note: int | None, stale_after_days: int) -> bool:
    return days_since_note is None or days_since_note > stale_after_days


def is_stale(project: ProjectStatus, stale_after_days: int) -> bool:
    """Active, and its newest note is more than ``stale_after_days`` old (or it has none).

    Each project on its own: a recent note on one project says nothing about another."""
    return project.project.data.status == "active" and _silent(
        project.days_since_note, stale_after_days
    )


def stale_since(project: ProjectStatus, stale_after_days: int, today: dt.date) -> dt.date | None:
    """The first day ``project`` was stale: its newest note's date + ``stale_after_days``
    + 1. Never reported, a project is stale from its start (the rule gives a project
    without any note no grace), so its ``start``; ``None`` without one (or with a start
    still to come), as the files alone cannot tell when it was added."""
    if project.last_note is not None:
        return project.last_note + dt.timedelta(days=stale_after_days + 1)
    start = project.project.data.start
    return start if start is not None and start <= today else None


def delivers(project: ProjectStatus, milestone: MilestoneStatus) -> str:
    """The department that delivers ``milestone``: its ``owner``, else the project's lead."""
    return milestone.milestone.owner or project.project.data.lead


@dataclass(frozen=True)
class Behind:
    """What one department is behind on, as of the portfolio's date."""

    department: str
    """The department's id."""
    overdue: tuple[tuple[ProjectStatus, MilestoneStatus], ...]
    """The overdue milestones it delivers: the earliest due first, then by project id and
    place in the file."""
    stale: tuple[ProjectStatus, ...]
    """The stale active projects it leads: those never reported first, then the longest
    silent, then by id."""
    since: dt.date | None
    """The day it went on the list: the earliest of the day after each overdue milestone's
    due date and each stale project's :func:`stale_since` (``None`` when none is known)."""


def stale_order(project: ProjectStatus) -> tuple[bool, int, str]:
    """Never reported first, then the longest silent, then by id."""
    return (
        project.days_since_note is not None,
        -(project.days_since_note or 0),
        project.project.id,
    )


def falling_behind(portfolio: PortfolioStatus) -> dict[str, Behind]:
    """Department id → what it is behind on, for every department behind (and only those),
    in the order of ``site.yaml``.

    A department is behind when a milestone it delivers (:func:`delivers`) is overdue, or
    when an active project it leads is stale (:func:`is_stale`), each project on its own.
    This is the one place that decides it: the departments page's "falling behind" list,
    the alert plan and ``check --fail-on stale`` read it from here.
    """
    limit = portfolio.site.stale_after_days
    overdue: dict[str, list[tuple[ProjectStatus, MilestoneStatus]]] = {}
    stale: dict[str, list[ProjectStatus]] = {}
    for project in portfolio.projects:
        for milestone in project.milestones:
            if milestone.state == "overdue":
                overdue.setdefault(delivers(project, milestone), []).append((project, milestone))
        if is_stale(project, limit):
            stale.setdefault(project.project.data.lead, []).append(project)
    order = [d.id for d in portfolio.site.departments]
    order += sorted((set(overdue) | set(stale)) - set(order))  # none, once validated
    found: dict[str, Behind] = {}
    for dept in order:
        late = sorted(
            overdue.get(dept, []),
            key=lambda pm: (pm[1].milestone.due, pm[0].project.id, pm[1].index),
        )
        silent = sorted(stale.get(dept, []), key=stale_order)
        if not late and not silent:
            continue
        days = [m.milestone.due + dt.timedelta(days=1) for _, m in late]
        days += [d for p in silent if (d := stale_since(p, limit, portfolio.today)) is not None]
        found[dept] = Behind(dept, tuple(late), tuple(silent), min(days, default=None))
    return found
