"""The command line: exit codes, check formats, the default "today", and safe output."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import pipeline, search, write
from tests.conftest import REPO, SITE_YAML, Root, RunResult

Run = Callable[..., RunResult]


@pytest.fixture
def with_search_index() -> None:
    """Ask for this to keep the build's Pagefind indexing step."""


@pytest.fixture(autouse=True)
def no_search_index(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the Pagefind indexing step (seconds per build) unless a test asks for it."""
    if "with_search_index" not in request.fixturenames:
        monkeypatch.setattr(search, "build_index", lambda *args: None)


VALID = """\
title: 一流本科专业建设
lead: academic-affairs
milestones:
  - title: 印发方案
    due: 2026-01-31
    done: 2026-01-28
  - title: 年度总结
    due: 2026-12-31
notes:
  - date: 2026-11-20
    text: 进展顺利。
"""

# Milestone "提交申报材料" starts on line 4 and is 24 days overdue on 2026-11-25;
# "报送推荐材料" is due in 5 days.
LATE = """\
title: 一流本科专业建设
lead: academic-affairs
milestones:
  - title: 提交申报材料
    due: 2026-11-01
  - title: 报送推荐材料
    due: 2026-11-30
notes:
  - date: 2026-11-20
    text: 材料仍在修改。
"""

INVALID = """\
title: 一流本科专业建设
lead: academic-affairs
milstones: []
"""
INVALID_MESSAGE = (
    "unknown key 'milstones' (did you mean 'milestones'?); allowed here: contact, departments, "
    "due, indicators, lead, milestones, notes, sponsor, start, status, summary, tags, title"
)

TODAY = ("--today", "2026-11-25")


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and every folder under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


# --- exit codes -------------------------------------------------------------------------


def test_build_valid_input_exits_0_and_writes_the_site(run: Run, root: Root) -> None:
    root.project("x", VALID)
    code, stdout, err = run("build", "--root", root.path, *TODAY)
    assert (code, err) == (0, "")
    assert "2026-11-25" in stdout
    out = root.path / "_site"  # the default output folder, under the root
    assert (out / "index.html").is_file()
    assert (out / "projects" / "x" / "index.html").is_file()
    assert json.loads((out / "data.json").read_text(encoding="utf-8"))["as_of"] == "2026-11-25"


def test_build_invalid_input_exits_1_and_writes_nothing(
    run: Run, root: Root, tmp_path: Path
) -> None:
    root.project("x", INVALID)
    out = tmp_path / "site"
    code, stdout, err = run("build", "--root", root.path, "--out", out, *TODAY)
    assert code == 1
    assert stdout == ""
    assert f"projects/x.yaml:3:1: {INVALID_MESSAGE}" in err.splitlines()
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [root.path]  # no staging folder left behind


@pytest.mark.parametrize(
    "args",
    [
        ["publish"],
        [],
        ["build", "--today", "2026-13-01"],
        ["check", "--today", "2026-02-30"],
        ["check", "--today", "tomorrow"],
        ["check", "--format", "xml"],
        ["check", "--fail-on", "warning"],
        ["build", "--lang", "fr"],
        ["build", "--no-such-option"],
    ],
    ids=lambda a: " ".join(a) or "no-command",
)
def test_usage_errors_exit_2(run: Run, root: Root, args: list[str]) -> None:
    root.project("x", VALID)
    code, _, err = run(*args, "--root", root.path) if args else run()
    assert code == 2
    assert "usage:" in err
    assert "Traceback" not in err
    assert not (root.path / "_site").exists()


def test_missing_root_folder_exits_2(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for command in ("build", "check"):
        code, _, err = run(command, "--root", missing, *TODAY)
        assert code == 2
        assert "--root" in err and "nowhere" in err
        assert "Traceback" not in err
    assert not missing.exists()


def test_root_that_is_a_file_exits_2(run: Run, tmp_path: Path) -> None:
    a_file = tmp_path / "site.yaml"
    a_file.write_text(SITE_YAML, encoding="utf-8")
    code, _, err = run("check", "--root", a_file, *TODAY)
    assert code == 2
    assert "Traceback" not in err


@pytest.mark.parametrize("today", ["20261125", "2026-W48-3"])
def test_today_other_than_yyyy_mm_dd_is_a_usage_error(run: Run, root: Root, today: str) -> None:
    root.project("x", VALID)
    code, _, _ = run("check", "--root", root.path, "--today", today)
    assert code == 2


def test_check_valid_exits_0(run: Run, root: Root) -> None:
    root.project("x", VALID)
    code, stdout, err = run("check", "--root", root.path, *TODAY)
    assert (code, err) == (0, "")
    assert "all 1 project files are valid (as of 2026-11-25)" in stdout


def test_check_invalid_exits_1(run: Run, root: Root) -> None:
    root.project("x", INVALID)
    code, stdout, _ = run("check", "--root", root.path, *TODAY)
    assert code == 1
    assert stdout.splitlines() == [f"projects/x.yaml:3:1: {INVALID_MESSAGE}", "1 problem(s) found"]


def test_check_exits_0_with_an_overdue_milestone_by_default(run: Run, root: Root) -> None:
    root.project("x", LATE)
    code, stdout, _ = run("check", "--root", root.path, *TODAY)
    assert code == 0
    assert "Overdue milestones: 1" in stdout


def test_fail_on_overdue_exits_1_when_anything_is_overdue(run: Run, root: Root) -> None:
    root.project("x", LATE)
    root.project("y", VALID)
    code, _, _ = run("check", "--root", root.path, "--fail-on", "overdue", *TODAY)
    assert code == 1


def test_fail_on_overdue_exits_0_when_nothing_is_overdue(run: Run, root: Root) -> None:
    root.project("x", LATE.split("notes:")[0])
    # The day the first milestone is due: nothing is overdue yet.
    code, stdout, _ = run(
        "check", "--root", root.path, "--fail-on", "overdue", "--today", "2026-11-01"
    )
    assert "Overdue milestones: 0" in stdout
    assert code == 0


def test_fail_on_overdue_ignores_paused_projects(run: Run, root: Root) -> None:
    root.project(
        "x", LATE.replace("lead: academic-affairs", "lead: academic-affairs\nstatus: paused")
    )
    code, _, _ = run("check", "--root", root.path, "--fail-on", "overdue", *TODAY)
    assert code == 0


def test_fail_on_overdue_exits_1_on_invalid_input(run: Run, root: Root) -> None:
    root.project("x", INVALID)
    code, _, _ = run("check", "--root", root.path, "--fail-on", "overdue", *TODAY)
    assert code == 1


# --- check --format json ----------------------------------------------------------------


def test_json_lists_errors_with_file_line_column_message(
    run: Run, root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    root.project("x", INVALID)
    root.project("y", "title: 研究生教育\nlead: academic-affairs\ndue: 2026-02-30\n")
    # A relative --root still gives paths relative to the root.
    monkeypatch.chdir(root.path.parent)
    code, stdout, err = run("check", "--root", root.path.name, "--format", "json", *TODAY)
    assert (code, err) == (1, "")
    report = json.loads(stdout)
    assert report["errors"] == [
        {"file": "projects/x.yaml", "line": 3, "column": 1, "message": INVALID_MESSAGE},
        {
            "file": "projects/y.yaml",
            "line": 3,
            "column": 6,
            "message": "'2026-02-30' is not a real calendar date (due); check the month and the day",
        },
    ]
    assert report["overdue"] == []
    assert report["due_soon"] == []


def test_json_lists_overdue_and_due_soon(run: Run, root: Root) -> None:
    root.project("x", LATE)
    root.project("y", VALID)
    code, stdout, _ = run("check", "--root", root.path, "--format", "json", *TODAY)
    assert code == 0
    report = json.loads(stdout)
    assert {"errors", "overdue", "due_soon"} <= set(report)
    assert report["errors"] == []

    def core(entries: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: e[k] for k in ("project", "title", "due")} for e in entries]

    assert core(report["overdue"]) == [
        {"project": "x", "title": "提交申报材料", "due": "2026-11-01"}
    ]
    assert core(report["due_soon"]) == [
        {"project": "x", "title": "报送推荐材料", "due": "2026-11-30"}
    ]
    for entry in report["overdue"] + report["due_soon"]:
        if "file" in entry:
            assert entry["file"] == "projects/x.yaml"


def test_json_site_yaml_errors_are_relative_to_root(run: Run, root: Root) -> None:
    root.site(SITE_YAML.replace("Asia/Shanghai", "Mars/Olympus"))
    root.project("x", VALID)
    code, stdout, _ = run("check", "--root", root.path, "--format", "json", *TODAY)
    assert code == 1
    [error] = json.loads(stdout)["errors"]
    assert (error["file"], error["line"], error["column"]) == ("site.yaml", 4, 11)


# --- check --format github --------------------------------------------------------------


def test_github_error_annotations(run: Run, root: Root, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    root.project("x", INVALID)
    root.project(
        "y",
        """\
        title: 研究生教育
        lead: academic-affairs
        milestones:
          - title: 课程遴选
            due: 2026-11-30
            weight: 0
        """,
    )
    code, stdout, _ = run("check", "--root", root.path, "--format", "github", *TODAY)
    assert code == 1
    assert stdout.splitlines() == [
        f"::error file=projects/x.yaml,line=3,col=1::{INVALID_MESSAGE}",
        "::error file=projects/y.yaml,line=6,col=13::'weight' must be greater than 0, not 0",
    ]


def test_github_warning_at_the_overdue_milestones_line(
    run: Run, root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    root.project("x", LATE)
    code, stdout, _ = run("check", "--root", root.path, "--format", "github", *TODAY)
    assert code == 0
    [line] = stdout.splitlines()
    prefix = "::warning file=projects/x.yaml,line=4::"
    assert line.startswith(prefix)
    assert "提交申报材料" in line and "2026-11-01" in line
    assert "报送推荐材料" not in line


def test_github_summary_table_is_appended(
    run: Run, root: Root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    root.project("x", LATE)
    code, _, _ = run("check", "--root", root.path, "--format", "github", *TODAY)
    assert code == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# Earlier step\n")
    lines = text.splitlines()
    header = "| Project | Milestone | Due | Days overdue | Lead department |"
    assert header in lines
    table = lines[lines.index(header) :]
    assert table[1].startswith("| ---")
    assert table[2] == "| 一流本科专业建设 | 提交申报材料 | 2026-11-01 | 24 | 教务处 |"
    assert not any("报送推荐材料" in row for row in lines)

    # A second run appends again rather than overwriting.
    run("check", "--root", root.path, "--format", "github", *TODAY)
    again = summary.read_text(encoding="utf-8")
    assert again.startswith(text)
    assert again.count(header) == 2


def test_github_summary_lists_invalid_input(
    run: Run, root: Root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    root.project("x", INVALID)
    code, _, _ = run("check", "--root", root.path, "--format", "github", *TODAY)
    assert code == 1
    assert f"| `projects/x.yaml:3:1` | {INVALID_MESSAGE} |" in summary.read_text(encoding="utf-8")


def test_text_and_json_formats_do_not_write_the_summary(
    run: Run, root: Root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    root.project("x", LATE)
    run("check", "--root", root.path, *TODAY)
    run("check", "--root", root.path, "--format", "json", *TODAY)
    assert not summary.exists()


# --- "today" in the site's time zone ----------------------------------------------------


def freeze_clock(monkeypatch: pytest.MonkeyPatch, instant: dt.datetime) -> None:
    """Make generator.pipeline's clock read ``instant`` (an aware datetime)."""

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

    fake = types.SimpleNamespace(
        datetime=Clock, date=dt.date, timedelta=dt.timedelta, timezone=dt.timezone
    )
    monkeypatch.setattr(pipeline, "dt", fake)


EVENING_UTC = dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC)  # 2026-11-26 04:00 in Shanghai

DUE_ON_25TH = """\
title: 一流本科专业建设
lead: academic-affairs
milestones:
  - title: 提交申报材料
    due: 2026-11-25
notes:
  - date: 2026-11-20
    text: 材料仍在修改。
"""


def test_default_today_is_today_in_the_sites_time_zone(
    run: Run, root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch, EVENING_UTC)
    root.project("x", DUE_ON_25TH)
    code, stdout, _ = run("check", "--root", root.path, "--format", "json")
    report = json.loads(stdout)
    assert report["as_of"] == "2026-11-26"
    assert [(e["title"], e["due"]) for e in report["overdue"]] == [("提交申报材料", "2026-11-25")]
    assert report["due_soon"] == []
    code, _, _ = run("check", "--root", root.path, "--fail-on", "overdue")
    assert code == 1
    # A day earlier, it is the 25th in Shanghai: due today, not yet overdue.
    freeze_clock(monkeypatch, EVENING_UTC - dt.timedelta(days=1))
    _, stdout, _ = run("check", "--root", root.path, "--format", "json")
    report = json.loads(stdout)
    assert (report["as_of"], report["overdue"]) == ("2026-11-25", [])


def test_default_today_in_utc_is_still_the_25th(
    run: Run, root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch, EVENING_UTC)
    root.site(SITE_YAML.replace("Asia/Shanghai", "UTC"))
    root.project("x", DUE_ON_25TH)
    code, stdout, _ = run("check", "--root", root.path, "--format", "json")
    report = json.loads(stdout)
    assert report["as_of"] == "2026-11-25"
    assert report["overdue"] == []
    assert [(e["title"], e["due"]) for e in report["due_soon"]] == [("提交申报材料", "2026-11-25")]
    code, _, _ = run("check", "--root", root.path, "--fail-on", "overdue")
    assert code == 0
    # Five hours later it is the 26th in UTC too.
    freeze_clock(monkeypatch, EVENING_UTC + dt.timedelta(hours=5))
    _, stdout, _ = run("check", "--root", root.path, "--format", "json")
    report = json.loads(stdout)
    assert report["as_of"] == "2026-11-26"
    assert [e["due"] for e in report["overdue"]] == ["2026-11-25"]


def test_default_today_follows_the_clock_across_a_year_end(
    run: Run, root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch, dt.datetime(2030, 12, 31, 17, 30, tzinfo=dt.UTC))
    root.project("x", VALID.split("notes:")[0])
    _, stdout, _ = run("check", "--root", root.path, "--format", "json")
    assert json.loads(stdout)["as_of"] == "2031-01-01"


def test_explicit_today_overrides_the_clock(
    run: Run, root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch, EVENING_UTC)
    root.project("x", DUE_ON_25TH)
    _, stdout, _ = run("check", "--root", root.path, "--format", "json", "--today", "2026-11-24")
    assert json.loads(stdout)["as_of"] == "2026-11-24"


# --- the output folder ------------------------------------------------------------------


def test_failed_build_leaves_the_output_folder_unchanged(
    run: Run, root: Root, tmp_path: Path
) -> None:
    root.project("x", VALID)
    out = tmp_path / "site"
    assert run("build", "--root", root.path, "--out", out, *TODAY)[0] == 0
    (out / "extra.txt").write_bytes(b"kept by hand\n")
    before = snapshot(out)
    siblings = sorted(p.name for p in tmp_path.iterdir())

    root.project("x", INVALID)
    root.project("y", LATE)  # valid, and would change every page if it were built
    code, stdout, err = run("build", "--root", root.path, "--out", out, "--today", "2026-12-01")
    assert code == 1
    assert stdout == ""
    assert "projects/x.yaml:3:1:" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings


@pytest.mark.usefixtures("with_search_index")
def test_two_builds_are_byte_identical(run: Run, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert run("build", "--root", REPO, "--out", a, *TODAY)[0] == 0
    assert run("build", "--root", REPO, "--out", b, *TODAY)[0] == 0
    first, second = snapshot(a), snapshot(b)
    assert len([v for v in first.values() if v is not None]) >= 9 + 1 + 1
    assert first.keys() == second.keys()
    for path in first:
        assert first[path] == second[path], path


def test_output_folder_holding_the_sources_is_refused(run: Run, root: Root) -> None:
    source = root.project("x", VALID)
    out = root.path  # --out . from inside the root; --out projects does the same
    code, _, err = run("build", "--root", root.path, "--out", out, *TODAY)
    assert source.read_text(encoding="utf-8") == VALID
    assert (root.path / "site.yaml").is_file()
    assert code != 0
    assert "Traceback" not in err


@pytest.mark.parametrize("inside", ["projects/site", "theme-copy/site"])
def test_output_folder_inside_the_sources_is_refused(run: Run, root: Root, inside: str) -> None:
    import shutil

    root.project("x", VALID)
    shutil.copytree(pipeline.THEME, root.path / "theme-copy")
    out = root.path / inside
    if inside.startswith("theme"):
        with pytest.raises(write.UnsafeDestination, match="which holds the site's sources"):
            pipeline.build_site(root.path, out, dt.date(2026, 11, 25), theme=root.path / "theme-copy")
        return
    code, said, err = run("build", "--root", root.path, "--out", out, *TODAY)
    assert code == 2
    assert said == ""
    assert err == (
        f"progress-site: error: refusing to build there: {out} is inside "
        f"{(root.path / 'projects').resolve()}, which holds the site's sources\n"
    )
    assert not out.exists()


# --- never a traceback ------------------------------------------------------------------


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_no_traceback_for_bad_input_or_usage(root: Root, tmp_path: Path) -> None:
    root.project("x", INVALID)
    root.raw("y.yaml", b"title: \xff\xfe\nlead: [\n")
    root.project("Bad Name.yaml", VALID)
    cases = [
        (["build", "--root", root.path, "--out", tmp_path / "o"], 1),
        (["check", "--today", "2026-13-01", "--root", root.path], 2),
    ]
    for args, expected in cases:
        done = cli(*args)
        assert done.returncode == expected, (args, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
        assert "Traceback" not in done.stdout
