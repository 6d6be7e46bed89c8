"""Baselines, slips and re-plans read from git (generator/history.py) and where they show.

One repository, committed with fixed dates (the site's zone is Asia/Shanghai, UTC+8):

* alpha: "Submit plan" moved twice (+30, +17 days); "Draft rules" (id ``rules``) renamed
  to "Publish rules" and moved +14 days in the same commit; "Survey" done 5 days late;
* beta: renamed to gamma.yaml (a new project id: its history starts at the rename);
* delta: one commit holds an impossible date; that version is skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import html as htmllib
import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import history, pipeline, search, status
from generator.history import Point, Replan, Slip
from generator.views import weekly
from tests.conftest import Root, RunResult
from tests.gitrepo import Repo

Run = Callable[..., RunResult]
TODAY = dt.date(2026, 11, 25)
D = dt.date

ALPHA_1 = """\
title: Alpha
lead: academic-affairs
milestones:
  - title: Submit plan
    due: 2026-06-15
  - title: Draft rules
    id: rules
    due: 2026-07-31
    owner: personnel
  - title: Survey
    due: 2026-05-31
notes:
  - date: 2026-11-20
    text: Started.
"""
ALPHA_2 = ALPHA_1.replace("due: 2026-06-15", "due: 2026-07-15")
ALPHA_3 = ALPHA_2.replace("title: Draft rules", "title: Publish rules").replace(
    "due: 2026-07-31", "due: 2026-08-14"
)
ALPHA_4 = ALPHA_3.replace("due: 2026-07-15", "due: 2026-08-01").replace(
    "due: 2026-05-31", "due: 2026-05-31\n    done: 2026-06-05"
)
BETA_1 = """\
title: Beta
lead: personnel
milestones:
  - {title: Kickoff, due: 2026-09-01}
"""
DELTA_1 = """\
title: Delta
lead: science-tech
milestones:
  - {title: Report, due: 2026-10-01}
"""


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def make_history(path: Path) -> Repo:
    repo = Repo(path)
    repo.project("alpha", ALPHA_1)
    repo.project("beta", BETA_1)
    repo.project("delta", DELTA_1)
    repo.commit("2026-03-02T10:00:00+08:00", "start")
    repo.project("alpha", ALPHA_2)
    repo.project("beta", BETA_1.replace("2026-09-01", "2026-09-15"))
    repo.project("delta", DELTA_1.replace("2026-10-01", "2026-10-45"))  # skipped
    # 18:30 UTC on April 5th is 02:30 on April 6th in Shanghai.
    repo.commit("2026-04-05T18:30:00+00:00", "move the plan")
    repo.project("alpha", ALPHA_3)
    repo.git("mv", "projects/beta.yaml", "projects/gamma.yaml")
    repo.project("gamma", BETA_1.replace("2026-09-01", "2026-09-30"))
    repo.commit("2026-05-11T09:00:00+08:00", "rename")
    repo.project("alpha", ALPHA_4)
    repo.project("delta", DELTA_1.replace("2026-10-01", "2026-10-20"))
    repo.commit("2026-06-08T09:00:00+08:00", "done and moved")
    return repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return make_history(tmp_path_factory.mktemp("history") / "root")


def slips_of(root: Path, today: dt.date = TODAY) -> dict[tuple[str, int], Slip]:
    portfolio = pipeline.load_portfolio(root, today)
    return dict(history.slips(root, portfolio.projects, portfolio.site.timezone, today))


# --- the history ---------------------------------------------------------------------------


def test_a_milestone_moved_twice(repo: Repo) -> None:
    assert slips_of(repo.path)[("alpha", 0)] == Slip(
        baseline=D(2026, 6, 15),
        slip_days=47,
        replans=(
            Replan(D(2026, 4, 6), D(2026, 6, 15), D(2026, 7, 15)),  # the site's zone's date
            Replan(D(2026, 6, 8), D(2026, 7, 15), D(2026, 8, 1)),
        ),
    )


def test_a_milestone_renamed_keeps_its_history_by_id(repo: Repo) -> None:
    assert slips_of(repo.path)[("alpha", 1)] == Slip(
        D(2026, 7, 31), 14, (Replan(D(2026, 5, 11), D(2026, 7, 31), D(2026, 8, 14)),)
    )


def test_a_milestone_done_late_without_a_new_date_has_no_slip(repo: Repo) -> None:
    assert slips_of(repo.path)[("alpha", 2)] == Slip(D(2026, 5, 31), 0, ())


def test_a_renamed_file_starts_its_history_at_the_rename(repo: Repo) -> None:
    found = slips_of(repo.path)
    assert found[("gamma", 0)] == Slip(D(2026, 9, 30), 0, ())
    assert ("beta", 0) not in found


def test_a_version_that_does_not_validate_is_skipped(repo: Repo) -> None:
    assert slips_of(repo.path)[("delta", 0)] == Slip(
        D(2026, 10, 1), 19, (Replan(D(2026, 6, 8), D(2026, 10, 1), D(2026, 10, 20)),)
    )


def test_an_uncommitted_edit_is_the_newest_version_dated_today(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "root")
    repo.project("alpha", ALPHA_1)
    repo.commit("2026-03-02T10:00:00+08:00")
    repo.project("alpha", ALPHA_1.replace("due: 2026-06-15", "due: 2026-06-20"))
    assert slips_of(repo.path)[("alpha", 0)] == Slip(
        D(2026, 6, 15), 5, (Replan(TODAY, D(2026, 6, 15), D(2026, 6, 20)),)
    )
    new = repo.project("new", DELTA_1)  # never committed: no history
    assert slips_of(repo.path)[("new", 0)] == Slip(D(2026, 10, 1), 0, ())
    new.unlink()


def test_a_milestone_removed_and_restored_keeps_its_baseline(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "root")
    repo.project("alpha", ALPHA_1)
    repo.commit("2026-03-02T10:00:00+08:00")
    repo.project("alpha", "title: Alpha\nlead: academic-affairs\n")
    repo.commit("2026-03-09T10:00:00+08:00")
    repo.project("alpha", ALPHA_2)
    repo.commit("2026-03-16T10:00:00+08:00")
    assert slips_of(repo.path)[("alpha", 0)] == Slip(
        D(2026, 6, 15), 30, (Replan(D(2026, 3, 16), D(2026, 6, 15), D(2026, 7, 15)),)
    )


def test_without_a_repository_the_due_date_is_the_baseline(root: Root) -> None:
    root.project("alpha", ALPHA_4)
    found = slips_of(root.path)
    assert [found[("alpha", i)] for i in range(3)] == [
        Slip(D(2026, 8, 1), 0, ()),
        Slip(D(2026, 8, 14), 0, ()),
        Slip(D(2026, 5, 31), 0, ()),
    ]


def test_without_git_the_due_date_is_the_baseline(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on it
    assert slips_of(repo.path)[("alpha", 0)] == Slip(D(2026, 8, 1), 0, ())


def test_an_empty_repository_means_no_history(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "root")
    repo.project("alpha", ALPHA_1)
    assert slips_of(repo.path)[("alpha", 0)] == Slip(D(2026, 6, 15), 0, ())


def test_a_site_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "top")
    site = Repo.__new__(Repo)
    site.path = repo.path / "site"
    (site.path / "projects").mkdir(parents=True)
    shutil.copy(repo.path / "site.yaml", site.path / "site.yaml")
    site.project("alpha", ALPHA_1)
    repo.commit("2026-03-02T10:00:00+08:00")
    site.project("alpha", ALPHA_2)
    repo.commit("2026-04-06T10:00:00+08:00")
    assert slips_of(site.path)[("alpha", 0)].replans == (
        Replan(D(2026, 4, 6), D(2026, 6, 15), D(2026, 7, 15)),
    )


def test_a_merged_branch_counts_once_along_the_first_parents(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "root")
    repo.project("alpha", ALPHA_1)
    repo.commit("2026-03-02T10:00:00+08:00")
    repo.git("checkout", "-q", "-b", "feature")
    repo.project("alpha", ALPHA_1.replace("2026-06-15", "2026-06-20"))
    repo.commit("2026-03-03T10:00:00+08:00")
    repo.project("alpha", ALPHA_1.replace("2026-06-15", "2026-06-25"))
    repo.commit("2026-03-04T10:00:00+08:00")
    repo.git("checkout", "-q", "main")
    repo.write("other.txt", "unrelated\n")
    repo.commit("2026-03-05T10:00:00+08:00")
    repo.git("merge", "-q", "--no-ff", "feature", "-m", "merge", date="2026-03-06T10:00:00+08:00")
    assert slips_of(repo.path)[("alpha", 0)] == Slip(
        D(2026, 6, 15), 10, (Replan(D(2026, 3, 6), D(2026, 6, 15), D(2026, 6, 25)),)
    )


def test_two_git_processes_for_any_number_of_files(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []
    popen = subprocess.Popen

    class CountingPopen(popen):  # type: ignore[misc, valid-type]
        """Every process, whether started by subprocess.run or by Popen itself."""

        def __init__(self, args: list[str], **kwargs: Any) -> None:
            started.append(args)
            super().__init__(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", CountingPopen)
    slips_of(repo.path)
    assert [args[0] for args in started] == ["git", "git"]
    assert "log" in started[0] and "cat-file" in started[1]


# --- reading one version -------------------------------------------------------------------


def test_the_milestones_block_is_cut_at_the_next_top_level_key() -> None:
    raw = (
        b"\xef\xbb\xbftitle: x\r\nmilestones:\r\n- title: A\r\n  due: 2026-01-01\r\n"
        b"# a comment\r\n  id: a\r\nnotes:\r\n  - date: 2026-01-01\r\n    text: 'milestones: no'\r\n"
    )
    block = history.milestone_block(raw)
    assert block == b"milestones:\r\n- title: A\r\n  due: 2026-01-01\r\n# a comment\r\n  id: a\r\n"
    assert history.parse_points(block) == (Point("A", D(2026, 1, 1), "a"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"title: x\n", ()),
        (b"milestones: [{title: A, due: 2026-01-01}]\n", (Point("A", D(2026, 1, 1)),)),
        (b"milestones:\n  - {title: A, due: 2026-02-30}\n", None),
        (
            b"milestones:\n  - {title: A, due: 2026-01-01, id: x}\n  - {title: B, due: 2026-01-02, id: x}\n",
            None,
        ),
        (b"milestones: [\n", None),
    ],
)
def test_versions_are_read_tolerantly(text: bytes, expected: tuple[Point, ...] | None) -> None:
    assert history.VersionReader()(text) == expected


def test_milestones_are_matched_by_id_then_by_title() -> None:
    old = [
        Point("A", D(2026, 1, 1)),
        Point("B", D(2026, 1, 1), "b"),
        Point("C", D(2026, 1, 1), "c"),
    ]
    new = [
        Point("B renamed", D(2026, 1, 1), "b"),
        Point("A", D(2026, 1, 1), "a"),  # an id added: still A by its title
        Point("C", D(2026, 1, 1), "other"),  # another id: another milestone
    ]
    assert history.match(old, new) == [1, 0, None]


# --- where the history shows ---------------------------------------------------------------


@pytest.fixture(scope="module")
def site(repo: Repo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from generator.cli import main

    out = tmp_path_factory.mktemp("site") / "out"
    saved = search.build_index
    search.build_index = lambda *args: None  # type: ignore[assignment]
    try:
        code = main(["build", "--root", str(repo.path), "--out", str(out), "--today", "2026-11-25"])
    finally:
        search.build_index = saved  # type: ignore[assignment]
    assert code == 0
    return out


def text_of(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def test_data_json_milestones_have_baseline_slip_and_replans(site: Path) -> None:
    data = json.loads((site / "data.json").read_text(encoding="utf-8"))
    alpha = next(p for p in data["projects"] if p["id"] == "alpha")
    assert [
        (m["id"], m["title"], m["due"], m["baseline"], m["slip_days"], m["replans"])
        for m in alpha["milestones"]
    ] == [
        (None, "Submit plan", "2026-08-01", "2026-06-15", 47, 2),
        ("rules", "Publish rules", "2026-08-14", "2026-07-31", 14, 1),
        (None, "Survey", "2026-05-31", "2026-05-31", 0, 0),
    ]


def test_project_page_shows_baseline_slip_and_replans(site: Path) -> None:
    page = (site / "projects/alpha/index.html").read_text(encoding="utf-8")
    row = text_of(re.findall(r'<tr class="row-[^"]+" id="milestone-1">.*?</tr>', page, re.S)[0])
    assert row.startswith("Submit plan ")
    assert "Overdue 2026-08-01 2026-06-15 +47 days 2 " in row  # state, due, baseline, slip
    assert "2026-04-06 : 2026-06-15 → 2026-07-15 (+30 days)" in row
    assert "2026-06-08 : 2026-07-15 → 2026-08-01 (+17 days)" in row
    survey = re.findall(r'<tr class="row-[^"]+" id="milestone-3">.*?</tr>', page, re.S)[0]
    assert "Done late 2026-05-31 2026-05-31 – 0 2026-06-05" in text_of(survey)


def test_ledger_csv_has_baseline_slip_and_replans(site: Path) -> None:
    rows = list(csv.reader(io.StringIO((site / "ledger.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][-3:] == ["baseline", "slip_days", "replans"]
    alpha = [r for r in rows[1:] if r[0] == "alpha"]
    assert [r[-3:] for r in alpha] == [
        ["2026-06-15", "47", "2"],
        ["2026-07-31", "14", "1"],
        ["2026-05-31", "0", "0"],
    ]


def test_ledger_page_and_xlsx_have_baseline_slip_and_replans(site: Path) -> None:
    import openpyxl

    page = text_of((site / "ledger.html").read_text(encoding="utf-8"))
    assert "Baseline due date Slip Re-plans Latest report" in page
    assert "2026-06-15 +47 days 2" in page
    sheet = openpyxl.load_workbook(site / "ledger.xlsx").active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][-3:] == ["Baseline due date", "Slip (days)", "Re-plans"]
    assert values[1][-3:] == [dt.datetime(2026, 6, 15), 47, 2]


def test_departments_league_counts_slipped_milestones_and_days(site: Path) -> None:
    page = (site / "departments/index.html").read_text(encoding="utf-8")
    assert "Slipped milestones" in page and "Days of slip" in page
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = {
        (cells := text_of(r).split(" "))[0]: cells[-3:-1]  # the last: behind pace
        for r in re.findall(r"<tr.*?</tr>", body, re.S)
    }
    # 教务处 leads alpha (Submit plan +47), 人事处 owns Publish rules (+14), 科技处 leads delta.
    assert rows == {"教务处": ["1", "47"], "人事处": ["1", "14"], "科技处": ["1", "19"]}


def test_weekly_digest_lists_the_replans_of_the_week(site: Path) -> None:
    page = (site / "weeks/2026-W15/index.html").read_text(encoding="utf-8")
    section = text_of(page[page.index('id="replans"') : page.index('<h2 id="problems"')])
    assert (
        "Alpha — Submit plan 2026-04-06 : 2026-06-15 → 2026-07-15 (+30 days) · "
        "+30 days in all since the baseline 2026-06-15" in section
    )
    june = text_of((site / "weeks/2026-W24/index.html").read_text(encoding="utf-8"))
    assert "2026-07-15 → 2026-08-01 (+17 days) · +47 days in all since the baseline" in june
    assert "Delta — Report 2026-06-08 : 2026-10-01 → 2026-10-20 (+19 days)" in june
    quiet = (site / "weeks/2026-W16/index.html").read_text(encoding="utf-8")
    assert text_of(
        quiet[quiet.index('id="replans"') : quiet.index('<h2 id="problems"')]
    ).endswith("None.")


def test_weekly_context_holds_the_replans(repo: Repo) -> None:
    portfolio = pipeline.load_portfolio(repo.path, TODAY)
    slips = history.slips(repo.path, portfolio.projects, portfolio.site.timezone, TODAY)
    state = status.portfolio_status(portfolio.site, portfolio.projects, TODAY, slips)
    pages = {p.path: p.context for p in weekly.pages(state)}
    entries = pages["weeks/2026-W20/index.html"]["replans"]  # type: ignore[typeddict-item]
    assert [(e.milestone.milestone.title, e.replan.days, e.slip_days) for e in entries] == [
        ("Publish rules", 14, 14)
    ]


def test_chinese_words(repo: Repo, run: Run, tmp_path: Path) -> None:
    copy = tmp_path / "root"
    shutil.copytree(repo.path, copy)
    site = (
        (copy / "site.yaml").read_text(encoding="utf-8").replace("language: en", "language: zh-CN")
    )
    (copy / "site.yaml").write_text(site, encoding="utf-8")
    out = tmp_path / "out"
    assert run("build", "--root", copy, "--out", out, "--today", "2026-11-25")[0] == 0
    page = text_of((out / "projects/alpha/index.html").read_text(encoding="utf-8"))
    assert "原定截止日期 延期 调整次数" in page
    assert "2026-06-15 推迟 47 天 2" in page
    week = text_of((out / "weeks/2026-W15/index.html").read_text(encoding="utf-8"))
    assert "截止日期调整" in week
    assert "2026-06-15 → 2026-07-15 (推迟 30 天) · 较原定 2026-06-15 累计推迟 30 天" in week


# --- milestone ids -------------------------------------------------------------------------


def test_a_milestone_id_is_unique_within_its_project(run: Run, root: Root) -> None:
    root.project(
        "alpha",
        """\
        title: Alpha
        lead: academic-affairs
        milestones:
          - {title: One, due: 2026-06-01, id: step}
          - title: Two
            due: 2026-07-01
            id: step
        """,
    )
    code, out, _ = run("check", "--root", root.path, "--today", "2026-11-25")
    assert code == 1
    assert (
        "projects/alpha.yaml:7:9: the milestone id 'step' is already used in this project "
        "(line 4); give each milestone its own id"
    ) in out.splitlines()


def test_a_milestone_id_must_be_an_id(run: Run, root: Root) -> None:
    root.project(
        "alpha",
        """\
        title: Alpha
        lead: academic-affairs
        milestones:
          - {title: One, due: 2026-06-01, id: Step One}
        """,
    )
    code, out, _ = run("check", "--root", root.path, "--today", "2026-11-25")
    assert code == 1
    assert "projects/alpha.yaml:4:39: 'Step One' is not a valid id" in out
