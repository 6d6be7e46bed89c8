"""专项分析, the pure functions (generator/pace.py): indicator pace and the backward schedule.

Every expected number here is worked out by hand in the comment beside it, as of
Wednesday 2026-11-25, not computed by the code under test. Useful dates around it:

* 4 weeks = 28 days: the pace window holds the figures dated 2026-10-29 … 2026-11-25
  (one dated 2026-10-28 is outside);
* 26 weeks = 182 days: the fallback reaches back to figures dated 2026-05-28
  (Nov 25 → May 25 is 184 days, so 182 days back is May 27, which is outside);
* 90 days: the schedule counts milestones done 2026-08-28 … 2026-11-25
  (Nov 25 → Aug 25 is 92 days, so 90 days back is Aug 27, which is outside).
"""

from __future__ import annotations

import datetime as dt

import pytest

from generator import pace
from generator.models import IndicatorValue
from generator.pace import Pace, Series, indicator_pace, schedule

TODAY = dt.date(2026, 11, 25)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def figures(*pairs: tuple[str, float]) -> Series:
    return pace.series(IndicatorValue(date=d(day), value=value) for day, value in pairs)


# Four weekly figures rising by 2 a week, the last dated today.
WEEKLY = figures(("2026-11-04", 10), ("2026-11-11", 12), ("2026-11-18", 14), ("2026-11-25", 16))


def judge(
    series: Series,
    target: float | None = 20,
    due: str | None = "2026-12-23",
    direction: pace.Direction = "up",
    today: dt.date = TODAY,
    weeks: int = 4,
) -> Pace:
    return indicator_pace(series, target, direction, d(due) if due else None, today, weeks)


# --- the figures -------------------------------------------------------------------------------


def test_figures_are_sorted_by_date_and_the_last_of_one_date_counts() -> None:
    shuffled = figures(("2026-11-18", 3), ("2026-11-04", 1), ("2026-11-11", 2), ("2026-11-18", 4))
    assert shuffled.dates == (d("2026-11-04"), d("2026-11-11"), d("2026-11-18"))
    assert shuffled.values == (1, 2, 4)


def test_figures_out_of_date_order_give_the_verdict_of_the_sorted_ones() -> None:
    reversed_ = figures(
        ("2026-11-25", 16), ("2026-11-18", 14), ("2026-11-11", 12), ("2026-11-04", 10)
    )
    assert judge(reversed_) == judge(WEEKLY)


def test_slope_is_per_day() -> None:
    # x = 0, 7, 14, 21 (mean 10.5); y = 10, 12, 14, 16 (mean 13):
    # Σ(x-x̄)(y-ȳ) = 31.5 + 3.5 + 3.5 + 31.5 = 70; Σ(x-x̄)² = 110.25·2 + 12.25·2 = 245
    assert pace.slope(WEEKLY.days, WEEKLY.values) == pytest.approx(70 / 245)  # 2/7 a day


# --- on pace, behind pace ----------------------------------------------------------------------


def test_on_pace() -> None:
    result = judge(WEEKLY)
    assert result.verdict == "on-pace" and result.reason == "on-pace"
    assert (result.latest, result.latest_date) == (16, d("2026-11-25"))
    # left 20 - 16 = 4; due 2026-12-23 is 28 days = 4 weeks away: 1 a week
    assert result.required == pytest.approx(1.0)
    # 2/7 a day * 7 = 2 a week, over the 4 figures of the last 4 weeks
    assert result.recent == pytest.approx(2.0)
    assert (result.basis, result.used) == ("weeks", 4)
    # 4 / 2/7 = 14 days after the latest figure (the float 14.000000000000002 is not 15)
    assert result.projected == d("2026-12-09")
    assert result.days_after_due == -14
    assert not result.behind


def test_behind_pace_when_the_projected_date_is_after_the_due_date() -> None:
    result = judge(WEEKLY, due="2026-12-02")
    assert (result.verdict, result.reason) == ("behind-pace", "late")
    assert result.required == pytest.approx(4.0)  # 4 left in 7 days = 1 week
    assert result.projected == d("2026-12-09")
    assert result.days_after_due == 7
    assert result.behind


def test_projected_on_the_due_date_itself_is_on_pace() -> None:
    result = judge(WEEKLY, due="2026-12-09")
    assert (result.verdict, result.days_after_due) == ("on-pace", 0)
    one_day_short = judge(WEEKLY, due="2026-12-08")
    assert (one_day_short.verdict, one_day_short.days_after_due) == ("behind-pace", 1)


def test_the_projected_date_is_rounded_up_to_a_whole_day() -> None:
    # left 20 - 16 = 4 at 2/7 a day is 14 days; a target of 20.5: 4.5 / 2/7 = 15.75 → 16
    assert judge(WEEKLY, target=20.5).projected == d("2026-12-11")


def test_the_projected_date_counts_from_the_latest_figure_not_from_today() -> None:
    # The same figures a week older: latest 16 on 2026-11-18, projected 14 days later.
    older = figures(("2026-10-28", 10), ("2026-11-04", 12), ("2026-11-11", 14), ("2026-11-18", 16))
    result = judge(older)
    # The window (after 2026-10-28) holds 11-04, 11-11, 11-18: 3 figures, 2 a week
    assert (result.basis, result.used) == ("weeks", 3)
    assert result.recent == pytest.approx(2.0)
    assert result.projected == d("2026-12-02")


def test_a_pace_of_zero_is_behind_and_not_at_this_pace() -> None:
    flat = figures(("2026-11-11", 16), ("2026-11-18", 16), ("2026-11-25", 16))
    result = judge(flat)
    assert (result.verdict, result.reason) == ("behind-pace", "flat")
    assert result.recent == 0 and result.projected is None and result.days_after_due is None
    assert result.required == pytest.approx(1.0)


def test_moving_the_wrong_way_is_behind_pace() -> None:
    falling = figures(("2026-11-11", 18), ("2026-11-18", 17), ("2026-11-25", 16))
    result = judge(falling)
    assert (result.verdict, result.reason) == ("behind-pace", "wrong-way")
    assert result.recent == pytest.approx(-1.0)  # -1 a week
    assert result.projected is None


def test_a_target_more_than_100_years_away_is_not_at_this_pace() -> None:
    # 1 a day: a target 36,525 days away (the horizon) is reached, one more day is not.
    # 2026-11-25 + 36,524 days = 2126-11-25 (100 years with 24 leap days: 2028 … 2124,
    # but not 2100), so + 36,525 days = 2126-11-26.
    slow = figures(("2026-11-11", 0), ("2026-11-25", 14))
    at_horizon = judge(slow, target=14 + 36525, due="2200-01-01")
    assert at_horizon.projected == d("2126-11-26") and at_horizon.verdict == "on-pace"
    beyond = judge(slow, target=14 + 36526, due="2200-01-01")
    assert (beyond.verdict, beyond.reason, beyond.projected) == ("behind-pace", "flat", None)


def test_figures_near_the_float_limits_give_a_verdict_not_an_error() -> None:
    huge = figures(("2026-11-11", -1.7e308), ("2026-11-18", 1.7e308), ("2026-11-25", -1.7e308))
    result = judge(huge, target=1.7e308)
    assert result.verdict == "behind-pace" and result.projected is None


# --- the window --------------------------------------------------------------------------------


def test_a_figure_dated_exactly_pace_weeks_ago_is_outside_the_window() -> None:
    # 2026-10-28 is 28 days back: outside, so the window holds 2 figures and the
    # fallback takes the last 3 (10-28, 11-11, 11-25).
    outside = judge(figures(("2026-10-28", 10), ("2026-11-11", 12), ("2026-11-25", 14)))
    assert (outside.basis, outside.used) == ("values", 3)
    inside = judge(figures(("2026-10-29", 10), ("2026-11-11", 12), ("2026-11-25", 14)))
    assert (inside.basis, inside.used) == ("weeks", 3)


def test_pace_weeks_sets_the_window() -> None:
    # Two weeks: after 2026-11-11, so 11-18 and 11-25 only: fewer than 3, the last 3 instead.
    result = judge(WEEKLY, weeks=2)
    assert (result.basis, result.used) == ("values", 3)
    assert result.recent == pytest.approx(2.0)


def test_monthly_figures_fall_back_to_the_last_3() -> None:
    monthly = figures(
        ("2026-09-02", 40), ("2026-09-30", 50), ("2026-10-28", 60), ("2026-11-25", 70)
    )
    result = judge(monthly, target=80, due="2026-12-31")
    # The window holds 11-25 alone (10-28 is 28 days back): the last 3 figures instead,
    # x = 0, 28, 56; y = 50, 60, 70: 10 every 28 days = 2.5 a week
    assert (result.basis, result.used) == ("values", 3)
    assert result.recent == pytest.approx(2.5)
    # left 10 at 10/28 a day: 28 days after 2026-11-25
    assert result.projected == d("2026-12-23")
    assert (result.verdict, result.days_after_due) == ("on-pace", -8)
    # left 10 in 36 days (2026-12-31): 10 / 36/7
    assert result.required == pytest.approx(70 / 36)


def test_the_fallback_reaches_back_26_weeks_and_no_further() -> None:
    # 182 days back is 2026-05-27: a figure then is outside, one a day later inside.
    outside = judge(figures(("2026-05-27", 10), ("2026-11-25", 16)))
    assert (outside.verdict, outside.reason, outside.used, outside.recent) == (
        "no-data",
        "few-values",
        0,
        None,
    )
    inside = judge(figures(("2026-05-28", 2), ("2026-11-25", 16)))
    assert (inside.verdict, inside.basis, inside.used) == ("behind-pace", "values", 2)
    # 14 in 181 days: 14 * 7 / 181 a week; 4 left take 4 * 181 / 14 = 51.71… → 52 days
    assert inside.recent == pytest.approx(98 / 181)
    assert inside.projected == d("2027-01-16")
    assert inside.days_after_due == 24


def test_figures_after_today_are_ignored() -> None:
    ahead = figures(
        *zip([str(day) for day in WEEKLY.dates], WEEKLY.values, strict=True), ("2026-11-26", 99)
    )
    assert judge(ahead) == judge(WEEKLY)
    only_ahead = judge(figures(("2026-11-26", 99)))
    assert (only_ahead.verdict, only_ahead.reason, only_ahead.latest) == (
        "no-data",
        "no-values",
        None,
    )


# --- reached, no data, the due date --------------------------------------------------------------


def test_reached_is_judged_on_the_latest_figure() -> None:
    assert judge(WEEKLY, target=16).verdict == "reached"
    assert judge(WEEKLY, target=15).verdict == "reached"
    # Reached at 20, fallen back to 19: not reached, judged on its pace. x = 0, 7, 14;
    # y = 18, 20, 19: Σ(x-x̄)(y-ȳ) = 7 + 0 + 0, Σ(x-x̄)² = 98: 1/14 a day, ½ a week
    fallen = figures(("2026-11-11", 18), ("2026-11-18", 20), ("2026-11-25", 19))
    result = judge(fallen)
    assert result.recent == pytest.approx(0.5)
    # 1 left at 1/14 a day: 14 days, 2026-12-09, before the due date 2026-12-23
    assert (result.verdict, result.projected, result.days_after_due) == (
        "on-pace",
        d("2026-12-09"),
        -14,
    )
    assert judge(fallen, due="2026-12-01").verdict == "behind-pace"


def test_reached_holds_after_the_due_date_and_without_one() -> None:
    assert judge(WEEKLY, target=16, due="2026-11-01").verdict == "reached"
    assert judge(WEEKLY, target=16, due=None).verdict == "reached"


def test_no_target_and_no_figures_are_no_data() -> None:
    assert (judge(WEEKLY, target=None).reason, judge(WEEKLY, target=None).verdict) == (
        "no-target",
        "no-data",
    )
    empty = judge(figures())
    assert (empty.verdict, empty.reason, empty.latest, empty.required) == (
        "no-data",
        "no-values",
        None,
        None,
    )


def test_without_a_due_date_there_is_no_verdict_but_the_paces_are_given() -> None:
    result = judge(WEEKLY, due=None)
    assert (result.verdict, result.reason) == ("no-data", "no-due")
    assert result.required is None
    assert result.recent == pytest.approx(2.0)
    assert result.projected == d("2026-12-09") and result.days_after_due is None


def test_a_single_figure_gives_no_verdict_but_the_required_pace() -> None:
    single = judge(figures(("2026-11-25", 16)))
    assert (single.verdict, single.reason) == ("no-data", "few-values")
    assert single.required == pytest.approx(1.0)
    assert (single.recent, single.basis, single.used, single.projected) == (None, None, 0, None)


def test_a_due_date_passed_without_reaching_the_target_is_behind_pace() -> None:
    result = judge(WEEKLY, due="2026-11-24")
    assert (result.verdict, result.reason) == ("behind-pace", "due-passed")
    assert result.required is None  # no weeks left
    assert result.recent == pytest.approx(2.0) and result.projected == d("2026-12-09")
    assert result.days_after_due == 15
    # … even from a single figure, which cannot give a pace
    single = judge(figures(("2026-11-25", 16)), due="2026-11-24")
    assert (single.verdict, single.reason, single.recent) == ("behind-pace", "due-passed", None)


def test_on_the_due_date_itself_the_pace_still_decides() -> None:
    # Due today, not reached: no weeks left (no required pace); 16 today, projected 12-09.
    today = judge(WEEKLY, due="2026-11-25")
    assert (today.verdict, today.reason, today.required) == ("behind-pace", "late", None)
    assert today.days_after_due == 14
    # An older latest figure whose projection lands on or before today is on pace.
    older = figures(("2026-10-14", 10), ("2026-10-21", 12), ("2026-10-28", 14), ("2026-11-04", 16))
    # window after 10-28: 11-04 alone, so the last 3 (2 a week); 4 left: 14 days, 11-18
    result = judge(older, due="2026-11-25")
    assert (result.verdict, result.projected, result.days_after_due) == (
        "on-pace",
        d("2026-11-18"),
        -7,
    )


# --- direction: down ---------------------------------------------------------------------------


FALLING = figures(("2026-11-11", 100), ("2026-11-18", 90), ("2026-11-25", 80))


def test_down_on_pace() -> None:
    result = judge(FALLING, target=50, direction="down")
    # -10 a week; left 50 - 80 = -30 over 4 weeks: -7.5 a week
    assert result.recent == pytest.approx(-10.0)
    assert result.required == pytest.approx(-7.5)
    # -30 / (-10/7 a day) = 21 days after 2026-11-25
    assert result.projected == d("2026-12-16")
    assert (result.verdict, result.days_after_due) == ("on-pace", -7)


def test_down_reached_and_wrong_way() -> None:
    assert judge(FALLING, target=80, direction="down").verdict == "reached"
    assert judge(FALLING, target=85, direction="down").verdict == "reached"
    rising = judge(WEEKLY, target=5, direction="down")
    assert (rising.verdict, rising.reason) == ("behind-pace", "wrong-way")
    # the same falling figures with direction up: the wrong way
    assert judge(FALLING, target=120).reason == "wrong-way"


# --- the backward schedule (倒排工期) ------------------------------------------------------------


def done(*days: str | None) -> list[dt.date | None]:
    return [d(day) if day else None for day in days]


def test_schedule_late() -> None:
    # 3 done in the last 90 days, 2 left: 1 per 30 days; 2 * 90 / 3 = 60 days → 2027-01-24
    result = schedule(
        done("2026-09-01", "2026-10-01", "2026-11-01", None, None), d("2026-12-31"), TODAY
    )
    assert (result.left, result.days_left, result.done_recently) == (2, 36, 3)
    assert result.rate == pytest.approx(1.0)
    assert (result.needed, result.finish, result.days_after_due) == (60, d("2027-01-24"), 24)
    assert result.late


def test_schedule_ending_on_the_due_date_is_not_late() -> None:
    # 2 done, 1 left: 90 / 2 = 45 days → 2027-01-09
    on_time = schedule(done("2026-10-01", "2026-11-01", None), d("2027-01-09"), TODAY)
    assert (on_time.finish, on_time.days_after_due, on_time.late) == (d("2027-01-09"), 0, False)
    a_day_late = schedule(done("2026-10-01", "2026-11-01", None), d("2027-01-08"), TODAY)
    assert (a_day_late.days_after_due, a_day_late.late) == (1, True)


def test_schedule_days_are_rounded_up() -> None:
    # 4 done, 1 left: 90 / 4 = 22.5 → 23 days; rate 4 per 90 days = 4/3 per 30 days
    result = schedule(
        done("2026-09-01", "2026-09-15", "2026-10-01", "2026-11-01", None), None, TODAY
    )
    assert result.needed == 23 and result.finish == d("2026-12-18")
    assert result.rate == pytest.approx(4 / 3)
    assert (result.days_left, result.days_after_due, result.late) == (None, None, False)


def test_schedule_needs_2_milestones_done_in_the_90_days() -> None:
    # 2026-08-27 is 90 days back: outside; 2026-08-28 inside
    outside = schedule(done("2026-08-27", "2026-11-01", None), d("2026-12-31"), TODAY)
    assert (outside.done_recently, outside.rate, outside.finish, outside.late) == (
        1,
        None,
        None,
        False,
    )
    inside = schedule(done("2026-08-28", "2026-11-01", None), d("2026-12-31"), TODAY)
    assert (inside.done_recently, inside.needed, inside.finish) == (2, 45, d("2027-01-09"))
    # Many done long ago count for nothing
    old = schedule(
        done("2026-01-05", "2026-02-05", "2026-03-05", "2026-11-01", None), d("2026-12-31"), TODAY
    )
    assert (old.done_recently, old.rate, old.late) == (1, None, False)


def test_schedule_with_nothing_left_or_a_due_date_passed() -> None:
    finished = schedule(done("2026-10-01", "2026-11-01"), d("2026-12-31"), TODAY)
    assert (finished.left, finished.needed, finished.finish, finished.late) == (
        0,
        None,
        None,
        False,
    )
    assert finished.rate == pytest.approx(2 / 3)
    passed = schedule(done("2026-10-01", "2026-11-01", None), d("2026-11-20"), TODAY)
    # 45 days → 2027-01-09, 50 days after 2026-11-20
    assert (passed.days_left, passed.days_after_due, passed.late) == (-5, 50, True)
