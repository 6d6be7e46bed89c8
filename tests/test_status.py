"""Unit tests of generator.status: milestone states, progress, health and sort order.

Pure functions of (valid data, today): models are built directly, no files, no CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from generator import status
from generator.models import Milestone, Note, ProjectFile, SiteConfig
from generator.validate import Project

TODAY = dt.date(2026, 11, 25)
DAY = dt.timedelta(days=1)


def site(due_soon_days: int = 14, stale_after_days: int = 14) -> SiteConfig:
    return SiteConfig(
        title="测试站点",
        language="en",
        due_soon_days=due_soon_days,
        stale_after_days=stale_after_days,
        departments=[{"id": "academic-affairs", "name": "教务处"}],
    )


def milestone(
    due: dt.date, done: dt.date | None = None, weight: float = 1, title: str = "节点"
) -> Milestone:
    return Milestone(title=title, due=due, done=done, weight=weight)


def note(date: dt.date, text: str = "进展") -> Note:
    return Note(date=date, text=text)


def project(
    pid: str = "p",
    *,
    state: str = "active",
    milestones: Sequence[Milestone] = (),
    notes: Sequence[Note] = (),
) -> Project:
    data = ProjectFile(
        title=f"项目 {pid}",
        lead="academic-affairs",
        status=state,
        milestones=list(milestones),
        notes=list(notes),
    )
    lines = tuple(10 + 4 * i for i in range(len(milestones)))
    return Project(pid, f"projects/{pid}.yaml", data, lines)


def fresh() -> list[Note]:
    """A note written today: keeps an active project out of amber."""
    return [note(TODAY)]


# --- milestone states -------------------------------------------------------------------


def test_done_on_the_due_date_is_done() -> None:
    assert status.milestone_state(milestone(TODAY - 5 * DAY, done=TODAY - 5 * DAY), TODAY, 14) == (
        "done",
        0,
    )


def test_done_before_the_due_date_is_done() -> None:
    m = milestone(TODAY + 30 * DAY, done=TODAY - 2 * DAY)
    assert status.milestone_state(m, TODAY, 14) == ("done", 0)


def test_done_one_day_after_due_is_done_late_by_one_day() -> None:
    m = milestone(TODAY - 10 * DAY, done=TODAY - 9 * DAY)
    assert status.milestone_state(m, TODAY, 14) == ("done-late", 1)


def test_done_late_counts_days_from_due_to_done_not_to_today() -> None:
    m = milestone(dt.date(2026, 3, 31), done=dt.date(2026, 4, 8))
    assert status.milestone_state(m, TODAY, 14) == ("done-late", 8)


def test_not_done_due_yesterday_is_overdue_by_one_day() -> None:
    assert status.milestone_state(milestone(TODAY - DAY), TODAY, 14) == ("overdue", 1)


def test_not_done_due_today_is_due_soon_with_zero_days_left() -> None:
    assert status.milestone_state(milestone(TODAY), TODAY, 14) == ("due-soon", 0)


def test_due_in_exactly_due_soon_days_is_due_soon() -> None:
    assert status.milestone_state(milestone(TODAY + 14 * DAY), TODAY, 14) == ("due-soon", 14)


def test_due_one_day_beyond_due_soon_days_is_upcoming() -> None:
    assert status.milestone_state(milestone(TODAY + 15 * DAY), TODAY, 14) == ("upcoming", 15)


def test_due_soon_window_follows_the_setting() -> None:
    assert status.milestone_state(milestone(TODAY + 3 * DAY), TODAY, 3) == ("due-soon", 3)
    assert status.milestone_state(milestone(TODAY + 4 * DAY), TODAY, 3) == ("upcoming", 4)


def test_due_soon_days_zero_still_flags_a_milestone_due_today() -> None:
    assert status.milestone_state(milestone(TODAY), TODAY, 0) == ("due-soon", 0)
    assert status.milestone_state(milestone(TODAY + DAY), TODAY, 0) == ("upcoming", 1)


def test_a_done_milestone_long_past_due_is_not_overdue() -> None:
    m = milestone(TODAY - 100 * DAY, done=TODAY - 100 * DAY)
    assert status.milestone_state(m, TODAY, 14)[0] == "done"


@pytest.mark.parametrize("state", ["paused", "done", "cancelled"])
def test_a_past_due_milestone_of_a_project_not_active_is_overdue_but_never_flagged(
    state: str,
) -> None:
    """A past date is never 'upcoming': the state says overdue, the counts leave it out."""
    ms = [
        milestone(TODAY - DAY, title="due yesterday"),
        milestone(TODAY, title="due today"),
        milestone(TODAY - 30 * DAY, title="long past"),
    ]
    result = status.project_status(project(state=state, milestones=ms, notes=fresh()), site(), TODAY)
    assert [(m.milestone.title, m.state, m.days, m.flagged) for m in result.milestones] == [
        ("due yesterday", "overdue", 1, False),
        ("due today", "due-soon", 0, False),
        ("long past", "overdue", 30, False),
    ]
    assert (result.overdue, result.health) == (0, state)


def test_a_past_due_milestone_of_an_active_project_is_overdue_and_flagged() -> None:
    ms = [milestone(TODAY - DAY, title="due yesterday"), milestone(TODAY, title="due today")]
    result = status.project_status(project(milestones=ms, notes=fresh()), site(), TODAY)
    assert [(m.state, m.days, m.flagged) for m in result.milestones] == [
        ("overdue", 1, True),
        ("due-soon", 0, False),
    ]
    assert (result.overdue, result.health) == (1, "red")


def test_project_status_keeps_milestone_order_lines_and_days() -> None:
    ms = [
        milestone(TODAY + 20 * DAY, title="later"),
        milestone(TODAY - 3 * DAY, title="late"),
        milestone(TODAY + 2 * DAY, title="soon"),
        milestone(TODAY - 9 * DAY, done=TODAY - 7 * DAY, title="done late"),
    ]
    result = status.project_status(project(milestones=ms, notes=fresh()), site(), TODAY)
    assert [(m.milestone.title, m.state, m.days, m.line) for m in result.milestones] == [
        ("later", "upcoming", 20, 10),
        ("late", "overdue", 3, 14),
        ("soon", "due-soon", 2, 18),
        ("done late", "done-late", 2, 22),
    ]
    assert (result.overdue, result.due_soon) == (1, 1)
    assert result.next_milestone is not None
    assert result.next_milestone.milestone.title == "late"


# --- progress ---------------------------------------------------------------------------


def test_progress_with_no_milestones_is_zero() -> None:
    assert status.progress([]) == 0.0
    result = status.project_status(project(notes=fresh()), site(), TODAY)
    assert result.progress == 0.0


def test_progress_weighs_done_and_done_late_milestones() -> None:
    ms = [
        milestone(TODAY - 20 * DAY, done=TODAY - 20 * DAY, weight=1),  # done
        milestone(TODAY - 20 * DAY, done=TODAY - 10 * DAY, weight=2),  # done-late
        milestone(TODAY + 20 * DAY, weight=3),  # upcoming
    ]
    assert status.progress(ms) == pytest.approx(3 / 6)
    result = status.project_status(project(milestones=ms, notes=fresh()), site(), TODAY)
    assert result.progress == pytest.approx(0.5)


def test_progress_is_by_weight_not_by_count() -> None:
    ms = [milestone(TODAY, done=TODAY, weight=0.5), milestone(TODAY + DAY, weight=1.5)]
    assert status.progress(ms) == pytest.approx(0.25)


def test_progress_is_one_when_everything_is_done() -> None:
    ms = [milestone(TODAY - DAY, done=TODAY - DAY, weight=w) for w in (1, 2, 3)]
    assert status.progress(ms) == 1.0


def test_progress_counts_nothing_for_overdue_or_pending() -> None:
    ms = [milestone(TODAY - DAY, weight=2), milestone(TODAY + DAY, weight=2)]
    assert status.progress(ms) == 0.0


# --- health -----------------------------------------------------------------------------


def health(
    *,
    state: str = "active",
    milestones: Sequence[Milestone] = (),
    notes: Sequence[Note] = (),
    stale_after_days: int = 14,
) -> str:
    result = status.project_status(
        project(state=state, milestones=milestones, notes=notes),
        site(stale_after_days=stale_after_days),
        TODAY,
    )
    return result.health


def test_overdue_milestone_makes_an_active_project_red_even_with_a_fresh_note() -> None:
    assert health(milestones=[milestone(TODAY - DAY)], notes=fresh()) == "red"


def test_red_beats_amber() -> None:
    assert health(milestones=[milestone(TODAY - DAY)], notes=[]) == "red"


def test_newest_note_stale_after_days_plus_one_is_amber() -> None:
    assert health(notes=[note(TODAY - 15 * DAY)]) == "amber"


def test_newest_note_exactly_stale_after_days_old_is_green() -> None:
    assert health(notes=[note(TODAY - 14 * DAY)]) == "green"


def test_stale_boundary_follows_the_setting() -> None:
    assert health(notes=[note(TODAY - 7 * DAY)], stale_after_days=7) == "green"
    assert health(notes=[note(TODAY - 8 * DAY)], stale_after_days=7) == "amber"


def test_no_notes_is_amber() -> None:
    assert health(milestones=[milestone(TODAY + 30 * DAY)]) == "amber"


def test_the_newest_note_counts_whatever_its_place_in_the_file() -> None:
    notes = [note(TODAY - 40 * DAY), note(TODAY - 2 * DAY), note(TODAY - 30 * DAY)]
    assert health(notes=notes) == "green"
    result = status.project_status(project(notes=notes), site(), TODAY)
    assert result.last_note == TODAY - 2 * DAY
    assert result.days_since_note == 2
    assert [n.date for n in result.notes] == [TODAY - 2 * DAY, TODAY - 30 * DAY, TODAY - 40 * DAY]


def test_a_due_soon_milestone_does_not_turn_a_project_red() -> None:
    assert health(milestones=[milestone(TODAY)], notes=fresh()) == "green"


@pytest.mark.parametrize("state", ["paused", "done", "cancelled"])
def test_paused_done_and_cancelled_follow_status(state: str) -> None:
    # Overdue and stale would make an active project red; the status wins.
    assert health(state=state, milestones=[milestone(TODAY - 30 * DAY)], notes=[]) == state
    assert health(state=state, notes=fresh()) == state


# --- portfolio order --------------------------------------------------------------------


def test_portfolio_is_sorted_red_first_then_amber_green_paused_done_cancelled() -> None:
    late = milestone(TODAY - DAY)
    projects = [
        project("a-green", notes=fresh()),
        project("b-paused", state="paused", notes=fresh()),
        project("c-done", state="done"),
        project("d-cancelled", state="cancelled"),
        project("m-amber"),
        project("y-red-one", milestones=[late], notes=fresh()),
        project("z-red-two", milestones=[late, late], notes=fresh()),
    ]
    result = status.portfolio_status(site(), list(reversed(projects)), TODAY)
    assert [(p.project.id, p.health) for p in result.projects] == [
        ("z-red-two", "red"),
        ("y-red-one", "red"),
        ("m-amber", "amber"),
        ("a-green", "green"),
        ("b-paused", "paused"),
        ("c-done", "done"),
        ("d-cancelled", "cancelled"),
    ]
    assert result.today == TODAY


def test_projects_of_equal_health_and_overdue_count_sort_by_id() -> None:
    projects = [project(pid, notes=fresh()) for pid in ("c", "a", "b")]
    result = status.portfolio_status(site(), projects, TODAY)
    assert [p.project.id for p in result.projects] == ["a", "b", "c"]
