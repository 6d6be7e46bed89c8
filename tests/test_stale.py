"""``check --fail-on stale``: active projects without a recent note turn the run red.

As of 2026-11-25 with ``stale_after_days: 14``: fresh's newest note is 14 days old (still
recent), old's is 15 days old, silent has none, and quiet (paused) is never stale.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Root, RunResult

Run = Callable[..., RunResult]
TODAY = ("--today", "2026-11-25")


@pytest.fixture
def portfolio(root: Root) -> Root:
    root.project(
        "fresh",
        """\
        title: Fresh
        lead: academic-affairs
        notes:
          - {date: 2026-10-01, text: Older.}
          - {date: 2026-11-11, text: Newest.}
        """,
    )
    root.project(
        "old",
        """\
        title: Old
        lead: personnel
        notes:
          - {date: 2026-11-10, text: Two weeks and a day.}
        """,
    )
    root.project("silent", "title: Silent\nlead: science-tech\n")
    root.project("quiet", "title: Quiet\nlead: personnel\nstatus: paused\n")
    return root


def test_stale_projects_fail_the_check_and_are_listed(run: Run, portfolio: Root) -> None:
    code, out, _ = run("check", "--root", portfolio.path, "--fail-on", "stale", *TODAY)
    assert code == 1
    assert out.endswith(
        "Active projects without a note for more than 14 days: 2\n"
        "  projects/silent.yaml: Silent: no note yet (lead: 科技处)\n"
        "  projects/old.yaml: Old: last note 2026-11-10, 15 day(s) ago (lead: 人事处)\n"
    )


def test_without_stale_projects_the_check_passes(run: Run, portfolio: Root) -> None:
    (portfolio.path / "projects" / "silent.yaml").unlink()
    code, out, _ = run(
        "check", "--root", portfolio.path, "--fail-on", "stale", "--today", "2026-11-24"
    )
    assert code == 0
    assert out.endswith("Active projects without a note for more than 14 days: 0\n")


def test_stale_projects_do_not_fail_the_default_check(run: Run, portfolio: Root) -> None:
    code, out, _ = run("check", "--root", portfolio.path, *TODAY)
    assert code == 0
    assert "without a note" not in out  # listed only when asked for


def test_fail_on_may_be_given_twice(run: Run, portfolio: Root) -> None:
    portfolio.project(
        "late",
        """\
        title: Late
        lead: academic-affairs
        milestones:
          - {title: Step, due: 2026-11-01}
        notes:
          - {date: 2026-11-24, text: Busy.}
        """,
    )
    both = ("--fail-on", "overdue", "--fail-on", "stale")
    assert run("check", "--root", portfolio.path, *both, *TODAY)[0] == 1
    for name in ("old", "silent"):
        (portfolio.path / "projects" / f"{name}.yaml").unlink()
    assert run("check", "--root", portfolio.path, *both, *TODAY)[0] == 1  # overdue
    assert run("check", "--root", portfolio.path, "--fail-on", "stale", *TODAY)[0] == 0


def test_json_lists_stale_projects(run: Run, portfolio: Root) -> None:
    code, out, _ = run(
        "check", "--root", portfolio.path, "--fail-on", "stale", "--format", "json", *TODAY
    )
    assert code == 1
    assert json.loads(out)["stale"] == [
        {
            "project": "silent",
            "title": "Silent",
            "lead": "science-tech",
            "last_note": None,
            "days": None,
        },
        {
            "project": "old",
            "title": "Old",
            "lead": "personnel",
            "last_note": "2026-11-10",
            "days": 15,
        },
    ]


def test_github_annotates_each_stale_file_and_summarises(
    run: Run, portfolio: Root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(
        "check", "--root", portfolio.path, "--fail-on", "stale", "--format", "github", *TODAY
    )
    assert code == 1
    assert out.splitlines() == [
        "::warning file=projects/silent.yaml::Silent: no note yet (lead: 科技处)",
        "::warning file=projects/old.yaml::Old: last note 2026-11-10, 15 day(s) ago (lead: 人事处)",
    ]
    text = summary.read_text(encoding="utf-8")
    assert "### Active projects without a note for more than 14 days: 2" in text
    assert "| Old | 2026-11-10 | 15 | 人事处 |" in text
    assert "| Silent | — | — | 科技处 |" in text


def test_invalid_input_still_exits_1(run: Run, portfolio: Root) -> None:
    portfolio.project("broken", "title: Broken\n")
    code, out, _ = run(
        "check", "--root", portfolio.path, "--fail-on", "stale", "--format", "json", *TODAY
    )
    assert code == 1
    assert json.loads(out)["stale"] == []


def test_chinese_listing(run: Run, portfolio: Root) -> None:
    code, out, _ = run(
        "check", "--root", portfolio.path, "--fail-on", "stale", "--lang", "zh-CN", *TODAY
    )
    assert code == 1
    assert "超过 14 天没有进展报告的在办项目：2 个" in out
    assert "  projects/old.yaml: Old：最近报告 2026-11-10，已 15 天（牵头部门：人事处）" in out
