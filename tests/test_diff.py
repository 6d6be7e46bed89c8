"""``diff --base REF``: the pull-request summary, in text, Markdown and JSON.

The repository: ``base`` (a tag) holds alpha, whose "Submit plan" was already moved once
(2026-06-15 → 2026-07-15), and gone. The branch then moves "Submit plan" again (to
2026-08-01: +17 days, +47 since the baseline) without a decision or problem note, renames
"Draft rules" (its id kept), records "Survey" as done 5 days late, swaps "Old step" for
"New step", adds a figure and two notes, pauses alpha, adds beta and removes gone.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Root, RunResult
from tests.gitrepo import Repo

Run = Callable[..., RunResult]
TODAY = ("--today", "2026-11-25")

ALPHA = """\
title: Alpha
lead: academic-affairs
milestones:
  - title: Submit plan
    due: 2026-06-15
  - title: Draft rules
    id: rules
    due: 2026-07-31
  - title: Survey
    due: 2026-05-31
  - title: Old step
    due: 2026-09-30
indicators:
  - name: Courses
    unit: 门
    values:
      - {date: 2026-03-01, value: 5}
notes:
  - date: 2026-03-01
    text: Started.
"""
ALPHA_BASE = ALPHA.replace("due: 2026-06-15", "due: 2026-07-15")
ALPHA_NOW = (
    ALPHA_BASE.replace("lead: academic-affairs\n", "lead: academic-affairs\nstatus: paused\n")
    .replace("due: 2026-07-15", "due: 2026-08-01")
    .replace("title: Draft rules", "title: Publish rules")
    .replace("    due: 2026-05-31\n", "    due: 2026-05-31\n    done: 2026-06-05\n")
    .replace("title: Old step\n    due: 2026-09-30", "title: New step\n    due: 2026-12-01")
    .replace("value: 5}\n", "value: 5}\n      - {date: 2026-06-01, value: 9}\n")
    + "  - date: 2026-06-02\n    text: More.\n"
    + "  - date: 2026-06-03\n    kind: next\n    text: Then.\n"
)
BETA = """\
title: Beta
lead: personnel
milestones:
  - {title: Kickoff, due: 2026-09-01}
"""

EXPECTED_TEXT = """\
Changes to the project files compared with base: 12 in 3 project(s).

Alpha (projects/alpha.yaml)
  - status changed: active → paused
  - due date moved: Submit plan, 2026-07-15 → 2026-08-01 (+17 day(s); +47 day(s) in all since the baseline 2026-06-15)
  - milestone renamed: Draft rules → Publish rules
  - marked done: Survey, on 2026-06-05, 5 day(s) late
  - milestone added: New step, due 2026-12-01
  - milestone removed: Old step (was due 2026-09-30)
  - indicator figure added: Courses, 9门 on 2026-06-01 (previous figure 5门)
  - notes added: 1 progress, 1 next steps

Beta (projects/beta.yaml)
  - new project file
  - milestone added: Kickoff, due 2026-09-01

Gone (projects/gone.yaml)
  - project file removed

Flagged: due dates moved later without a note of kind decision or problem (1)
  - Alpha — Submit plan: due date moved 17 day(s) later without a note of kind decision or problem
"""

EXPECTED_MARKDOWN = """\
## Changes to the project files

Compared with `base`: 12 change(s) in 3 project(s).

### ⚠️ Flagged: due dates moved later without a note of kind decision or problem (1)

- **Alpha** — Submit plan: due date moved 17 day(s) later without a note of kind decision or problem

### Alpha (`projects/alpha.yaml`)

- status changed: active → paused
- due date moved: Submit plan, 2026-07-15 → 2026-08-01 (+17 day(s); +47 day(s) in all since the baseline 2026-06-15)
- milestone renamed: Draft rules → Publish rules
- marked done: Survey, on 2026-06-05, 5 day(s) late
- milestone added: New step, due 2026-12-01
- milestone removed: Old step (was due 2026-09-30)
- indicator figure added: Courses, 9门 on 2026-06-01 (previous figure 5门)
- notes added: 1 progress, 1 next steps

### Beta (`projects/beta.yaml`)

- new project file
- milestone added: Kickoff, due 2026-09-01

### Gone (`projects/gone.yaml`)

- project file removed
"""


def change(
    project: str,
    title: str,
    code: str,
    before: object = None,
    after: object = None,
    days: int | None = None,
) -> dict[str, object]:
    return {
        "project": project,
        "title": title,
        "change": code,
        "from": before,
        "to": after,
        "days": days,
    }


EXPECTED_JSON = {
    "changes": [
        change("alpha", "Alpha", "status-changed", "active", "paused"),
        change("alpha", "Submit plan", "due-moved", "2026-07-15", "2026-08-01", 17),
        change("alpha", "Publish rules", "milestone-renamed", "Draft rules", "Publish rules"),
        change("alpha", "Survey", "milestone-done", "2026-05-31", "2026-06-05", 5),
        change("alpha", "New step", "milestone-added", None, "2026-12-01"),
        change("alpha", "Old step", "milestone-removed", "2026-09-30"),
        change("alpha", "Alpha", "note-added", None, "progress"),
        change("alpha", "Alpha", "note-added", None, "next"),
        change("alpha", "Courses", "indicator-value-added", 5, 9),
        change("beta", "Beta", "project-added"),
        change("beta", "Kickoff", "milestone-added", None, "2026-09-01"),
        change("gone", "Gone", "project-removed"),
    ],
    "flagged": [
        {
            "project": "alpha",
            "title": "Submit plan",
            "reason": "due date moved 17 day(s) later without a note of kind decision or problem",
        }
    ],
}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("diff") / "root")
    repo.project("alpha", ALPHA)
    repo.project("gone", "title: Gone\nlead: personnel\n")
    repo.commit("2026-03-02T10:00:00+08:00", "start")
    repo.project("alpha", ALPHA_BASE)
    repo.commit("2026-04-06T10:00:00+08:00", "first move")
    repo.git("tag", "base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.project("alpha", ALPHA_NOW)
    repo.project("beta", BETA)
    (repo.path / "projects" / "gone.yaml").unlink()
    repo.commit("2026-06-08T10:00:00+08:00", "the change under review")
    return repo


@pytest.fixture
def repo(origin: Repo, tmp_path: Path) -> Repo:
    """A copy of the repository, for a test to change."""
    copy = Repo.__new__(Repo)
    copy.path = tmp_path / "root"
    shutil.copytree(origin.path, copy.path)
    return copy


def diff(run: Run, root: Path, *args: str) -> RunResult:
    return run("diff", "--root", root, "--base", "base", *TODAY, *args)


def test_text(run: Run, origin: Repo) -> None:
    assert diff(run, origin.path) == (0, EXPECTED_TEXT, "")


def test_markdown(run: Run, origin: Repo) -> None:
    assert diff(run, origin.path, "--format", "markdown") == (0, EXPECTED_MARKDOWN, "")


def test_json(run: Run, origin: Repo) -> None:
    code, out, err = diff(run, origin.path, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == EXPECTED_JSON


def test_uncommitted_changes_count_too(run: Run, repo: Repo) -> None:
    repo.git("checkout", "-q", "base")
    repo.project("alpha", ALPHA_BASE.replace("due: 2026-07-31", "due: 2026-07-20"))
    code, out, _ = diff(run, repo.path)
    assert code == 0
    assert out == (
        "Changes to the project files compared with base: 1 in 1 project(s).\n\n"
        "Alpha (projects/alpha.yaml)\n"
        "  - due date moved: Draft rules, 2026-07-31 → 2026-07-20 "
        "(-11 day(s); -11 day(s) in all since the baseline 2026-07-31)\n"
    )  # moved earlier: not flagged


@pytest.mark.parametrize("kind", ["decision", "problem"])
def test_no_flag_when_a_decision_or_problem_note_is_added(run: Run, repo: Repo, kind: str) -> None:
    repo.project("alpha", ALPHA_NOW + f"  - date: 2026-06-04\n    kind: {kind}\n    text: Why.\n")
    code, out, _ = diff(run, repo.path, "--format", "json")
    assert code == 0
    assert json.loads(out)["flagged"] == []


def test_a_progress_note_does_not_explain_a_later_date(run: Run, repo: Repo) -> None:
    repo.project("alpha", ALPHA_NOW + "  - date: 2026-06-04\n    text: Still going.\n")
    _, out, _ = diff(run, repo.path, "--format", "json")
    assert [f["title"] for f in json.loads(out)["flagged"]] == ["Submit plan"]


@pytest.mark.parametrize(
    ("before", "after", "line", "days"),
    [
        ("due: 2026-12-31\n", "due: 2027-03-31\n", "project due date moved: 2026-12-31 → 2027-03-31 (+90 day(s))", 90),
        ("due: 2026-12-31\n", "due: 2026-12-01\n", "project due date moved: 2026-12-31 → 2026-12-01 (-30 day(s))", -30),
        ("", "due: 2026-12-31\n", "project due date set: 2026-12-31", None),
        ("due: 2026-12-31\n", "", "project due date removed (was 2026-12-31)", None),
    ],
    ids=["later", "earlier", "set", "removed"],
)
def test_the_projects_own_due_date(
    run: Run, repo: Repo, before: str, after: str, line: str, days: int | None
) -> None:
    repo.git("checkout", "-q", "base")
    with_due = ALPHA_BASE.replace("lead: academic-affairs\n", "lead: academic-affairs\n" + before)
    repo.project("alpha", with_due)
    repo.commit("2026-06-01T10:00:00+08:00", "a due date")
    repo.git("tag", "-f", "base")
    repo.project("alpha", with_due.replace("academic-affairs\n" + before, "academic-affairs\n" + after))
    code, out, _ = diff(run, repo.path)
    assert code == 0
    assert out.splitlines()[2:] == ["Alpha (projects/alpha.yaml)", f"  - {line}"] + (
        ["", "Flagged: due dates moved later without a note of kind decision or problem (1)",
         "  - Alpha — Alpha: due date moved 90 day(s) later without a note of kind decision or problem"]
        if days and days > 0 else []
    )
    _, out, _ = diff(run, repo.path, "--format", "json")
    found = json.loads(out)["changes"]
    assert found == [change("alpha", "Alpha", "project-due-changed", before[5:-1] or None, after[5:-1] or None, days)]


def test_a_new_projects_due_date_is_part_of_the_new_file(run: Run, repo: Repo) -> None:
    repo.project("delta", "title: Delta\nlead: personnel\ndue: 2026-12-31\n")
    _, out, _ = diff(run, repo.path, "--format", "json")
    assert [c["change"] for c in json.loads(out)["changes"] if c["project"] == "delta"] == [
        "project-added"
    ]


def test_no_changes(run: Run, repo: Repo) -> None:
    repo.git("checkout", "-q", "base")
    assert diff(run, repo.path) == (
        0,
        "No changes to the project files compared with base.\n",
        "",
    )
    _, out, _ = diff(run, repo.path, "--format", "json")
    assert json.loads(out) == {"changes": [], "flagged": []}


def test_in_chinese(run: Run, origin: Repo) -> None:
    code, out, _ = diff(run, origin.path, "--lang", "zh-CN")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "与 base 相比，项目文件共有 12 处变化，涉及 3 个项目。"
    assert (
        "  - 截止日期调整：Submit plan，2026-07-15 → 2026-08-01"
        "（推迟 17 天；较原定 2026-06-15 累计推迟 47 天）"
    ) in lines
    assert "  - 标记完成：Survey，2026-06-05 完成，逾期 5 天" in lines
    assert "  - 新增报告：进展 1 条、下一步措施 1 条" in lines
    assert lines[-1] == (
        "  - Alpha — Submit plan：截止日期推迟 17 天，但未新增“决定”或“存在问题”类报告"
    )


def test_markdown_keeps_titles_inert(run: Run, repo: Repo) -> None:
    title = "Plan <b>*now*</b> @office [link](https://x.example)"
    repo.project("alpha", ALPHA_NOW.replace("title: Submit plan", f"title: {title}"))
    code, out, _ = diff(run, repo.path, "--format", "markdown")
    assert code == 0
    assert (
        r"Plan \<b\>\*now\*\</b\> @" + "\u200b" + r"office \[link\]\(https://x.example\)"
    ) in out
    assert "<b>" not in out and "[link](" not in out


def test_unknown_revision_exits_2(run: Run, origin: Repo) -> None:
    code, out, err = run("diff", "--root", origin.path, "--base", "no-such-branch", *TODAY)
    assert (code, out) == (2, "")
    assert err == (
        "progress-site diff: error: unknown revision 'no-such-branch': "
        "no branch, tag or commit of that name here\n"
    )


def test_outside_a_repository_exits_2(run: Run, root: Root) -> None:
    root.project("alpha", BETA)
    code, _, err = run("diff", "--root", root.path, "--base", "main", *TODAY)
    assert code == 2
    assert err.startswith("progress-site diff: error: cannot read git revisions in ")
    assert "Traceback" not in err


def test_invalid_working_tree_exits_1_with_located_problems(run: Run, repo: Repo) -> None:
    repo.project("alpha", ALPHA_NOW.replace("due: 2026-08-01", "due: 2026-08-32"))
    code, out, err = diff(run, repo.path)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "projects/alpha.yaml:6:10: '2026-08-32' is not a real calendar date (due); "
        "check the month and the day",
        "1 problem(s) found",
    ]


def test_base_is_required(run: Run, origin: Repo) -> None:
    code, _, err = run("diff", "--root", origin.path)
    assert code == 2
    assert "--base" in err


def test_workflows_summarise_pull_requests_and_fail_daily_on_stale_projects() -> None:
    import yaml

    from tests.conftest import REPO

    workflows = REPO / ".github" / "workflows"
    pull = yaml.safe_load((workflows / "pull-request.yml").read_text(encoding="utf-8"))
    steps = [s.get("run", "") for s in pull["jobs"]["changes"]["steps"]]
    assert any('diff --root . --base "origin/$BASE_REF" --format markdown' in s for s in steps)
    assert any("$GITHUB_STEP_SUMMARY" in s for s in steps)
    assert pull["jobs"]["changes"]["steps"][0]["with"]["fetch-depth"] == 0
    assert pull["jobs"]["comment"]["permissions"] == {"pull-requests": "write"}
    publish = yaml.safe_load((workflows / "publish.yml").read_text(encoding="utf-8"))
    assert publish["jobs"]["build"]["steps"][0]["with"]["fetch-depth"] == 0
    check = publish["jobs"]["overdue"]["steps"][-1]["run"]
    # tests/test_workflows.py runs this script for each event.
    assert "set -- --fail-on overdue --fail-on stale" in check
