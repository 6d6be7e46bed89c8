"""An unfinished milestone of a paused, done or cancelled project whose date has passed.

Its state is ``overdue`` (a past date is never "upcoming"), but it is never flagged: not in
``check`` (text, JSON, GitHub annotations, the job summary, ``--fail-on overdue``), not in
the portfolio's totals, counts and health, not in the league table and its "falling behind"
list, not in the battle map's group counts, not among the week's missed milestones; and the
project page says why next to it.

The fixture, as of Wednesday 2026-11-25 (ISO week 2026-W48): four projects, one per status,
each with a milestone due yesterday (the first day a milestone can be overdue) and one due
today (still due soon), each project led by its own department.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import alerts, context, pipeline, search, status
from generator.views import weekly
from tests.conftest import Root, RunResult

Run = Callable[..., RunResult]
TODAY = dt.date(2026, 11, 25)

SITE = """\
title: 测试站点
language: en
timezone: Asia/Shanghai
departments:
  - {id: live-dept, name: 进行处}
  - {id: paused-dept, name: 暂停处}
  - {id: done-dept, name: 完成处}
  - {id: cancelled-dept, name: 取消处}
"""

PROJECT = """\
title: {status} project
lead: {status}-dept
status: {status}
milestones:
  - title: due yesterday
    due: 2026-11-24
  - title: due today
    due: 2026-11-25
notes:
  - date: 2026-11-20
    text: 进展。
"""
STATUSES = ("active", "paused", "done", "cancelled")
NOT_ACTIVE = STATUSES[1:]


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def fixture(root: Root, statuses: tuple[str, ...] = STATUSES) -> Root:
    root.site(SITE)
    for state in statuses:
        name = "live" if state == "active" else state
        text = PROJECT.replace("{status}-dept", f"{name}-dept").replace("{status}", state)
        root.project(name, text)
    return root


def portfolio(root: Root) -> status.PortfolioStatus:
    loaded = pipeline.load_portfolio(root.path, TODAY)
    return status.portfolio_status(loaded.site, loaded.projects, TODAY)


def test_the_state_is_overdue_in_every_project_and_flagged_in_the_active_one(root: Root) -> None:
    state = portfolio(fixture(root))
    found = {
        p.project.data.status: [(m.milestone.title, m.state, m.days, m.flagged) for m in p.milestones]
        for p in state.projects
    }
    assert found["active"] == [
        ("due yesterday", "overdue", 1, True),
        ("due today", "due-soon", 0, False),
    ]
    for name in NOT_ACTIVE:
        assert found[name] == [
            ("due yesterday", "overdue", 1, False),
            ("due today", "due-soon", 0, False),
        ]
    assert {p.project.data.status: (p.health, p.overdue) for p in state.projects} == {
        "active": ("red", 1),
        "paused": ("paused", 0),
        "done": ("done", 0),
        "cancelled": ("cancelled", 0),
    }


def test_check_lists_and_fails_on_the_active_projects_overdue_milestone_only(
    run: Run, root: Root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture(root)
    code, out, _ = run("check", "--root", root.path, "--today", "2026-11-25")
    assert code == 0
    lines = out.splitlines()
    start = lines.index("Overdue milestones: 1")
    assert lines[start + 1] == (
        "  projects/live.yaml:5: active project — due yesterday: due 2026-11-24, "
        "1 day(s) overdue (lead: 进行处)"
    )
    assert lines[start + 2] == ""
    code, out, _ = run("check", "--root", root.path, "--today", "2026-11-25", "--format", "json")
    assert [(e["project"], e["title"]) for e in json.loads(out)["overdue"]] == [
        ("live", "due yesterday")
    ]
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run("check", "--root", root.path, "--today", "2026-11-25", "--format", "github")
    assert [line for line in out.splitlines() if "overdue" in line] == [
        "::warning file=projects/live.yaml,line=5::active project — due yesterday: due 2026-11-24, "
        "1 day(s) overdue (lead: 进行处)"
    ]
    table = [line for line in summary.read_text(encoding="utf-8").splitlines() if "| 2026" in line]
    assert table == ["| active project | due yesterday | 2026-11-24 | 1 | 进行处 |"]
    code, _, _ = run("check", "--root", root.path, "--today", "2026-11-25", "--fail-on", "overdue")
    assert code == 1


@pytest.mark.parametrize("name", NOT_ACTIVE)
@pytest.mark.parametrize("today", ["2026-11-25", "2026-11-24", "2027-06-30"])
def test_fail_on_overdue_passes_for_a_project_that_is_not_active(
    run: Run, root: Root, name: str, today: str
) -> None:
    fixture(root, (name,))
    code, out, _ = run("check", "--root", root.path, "--today", today, "--fail-on", "overdue")
    assert code == 0
    assert "Overdue milestones: 0" in out


def test_totals_league_table_and_falling_behind_count_the_active_project_only(
    root: Root,
) -> None:
    state = portfolio(fixture(root))
    pages = {p.path: p.context for p in context.build_pages(state)}
    home = pages["index.html"]
    assert home["state_counts"]["overdue"] == 1
    assert home["health_counts"] == {
        "red": 1,
        "amber": 0,
        "green": 0,
        "paused": 1,
        "done": 1,
        "cancelled": 1,
    }
    league = pages["departments/index.html"]
    rows = {r["id"]: r["overdue"] for r in league["rows"]}
    assert rows == {"live-dept": 1, "paused-dept": 0, "done-dept": 0, "cancelled-dept": 0}
    assert [r["id"] for r in league["warnings"]] == ["live-dept"]
    for name in NOT_ACTIVE:
        page = pages[f"departments/{name}-dept/index.html"]
        assert page["overdue"] == []
        assert [d.milestone.state for d in page["owned"]] == ["overdue", "due-soon"]


def test_the_week_misses_the_active_projects_milestone_only(root: Root) -> None:
    state = portfolio(fixture(root))
    pages = {p.path: p.context for p in weekly.pages(state)}
    missed = pages["weeks/2026-W48/index.html"]["missed"]
    assert [(e.project.project.id, e.milestone.milestone.title) for e in missed] == [
        ("live", "due yesterday")
    ]


def test_the_pages_say_the_project_is_not_active_next_to_its_overdue_milestone(
    run: Run, root: Root, tmp_path: Path
) -> None:
    fixture(root)
    out = tmp_path / "site"
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", "2026-11-25")
    assert code == 0, err
    notes = {
        "live": None,
        "paused": "Project paused: not counted as overdue",
        "done": "Project completed: not counted as overdue",
        "cancelled": "Project cancelled: not counted as overdue",
    }
    for name, words in notes.items():
        html = (out / "projects" / name / "index.html").read_text(encoding="utf-8")
        found = re.findall(r'<small class="state-note">([^<]*)</small>', html)
        assert found == ([words] if words else []), name
    home = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(r"Overdue milestones</dt><dd>1</dd>", home)
    timeline = (out / "timeline" / "index.html").read_text(encoding="utf-8")
    svg = "".join(re.findall(r'<svg class="tl-svg tl-plot".*?</svg>', timeline, flags=re.S))
    assert svg.count('class="tl-slip tl-slip-overdue"') == 1  # the active project's
    assert timeline.count(" overdue</strong>") == 1  # one group counts one


def test_in_chinese_the_project_page_says_so_too(run: Run, root: Root, tmp_path: Path) -> None:
    fixture(root, ("paused",))
    site = root.path / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: en", "language: zh-CN"))
    out = tmp_path / "site"
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", "2026-11-25")
    assert code == 0, err
    html = (out / "projects" / "paused" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<small class="state-note">([^<]*)</small>', html) == [
        "项目已暂停，不计入逾期"
    ]


def test_the_alert_plan_warns_the_active_projects_department_only(root: Root) -> None:
    """The departments behind (the alerts, ``check --fail-on stale``, the falling-behind
    list) come from one rule: the paused, done and cancelled projects' departments have an
    overdue milestone but nothing flagged, and are not warned."""
    state = portfolio(fixture(root))
    assert list(status.falling_behind(state)) == ["live-dept"]
    found = alerts.plan(state, TODAY, None)
    assert [a.department for a in found.alerts] == ["live-dept"]
