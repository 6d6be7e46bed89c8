"""``check --format gitlab``: the GitLab Code Quality report, against GitLab's documented
format (tests/gitlab-codequality.schema.json) and for fingerprints that survive edits."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import REPO, SITE_YAML, Root, RunResult

Run = Callable[..., RunResult]
TODAY = ("--today", "2026-11-25")
SCHEMA = json.loads((REPO / "tests" / "gitlab-codequality.schema.json").read_text("utf-8"))

BROKEN = """\
title: 一流本科专业建设
lead: academic-affairs
due: 2026-02-30
milestones:
  - title: 印发方案
    due: 2026-01-31
  - titel: 年度总结
    due: 2026-12-31
"""

# GitLab's own example, from the documentation of the format.
DOCUMENTED = [
    {
        "description": "'unused' is assigned a value but never used.",
        "check_name": "no-unused-vars",
        "fingerprint": "7815696ecbf1c96e6894b779456d330e",
        "severity": "minor",
        "location": {"path": "lib/index.js", "lines": {"begin": 42}},
    }
]


def validate(report: object) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(report)


def gitlab(run: Run, root: Root, *more: str) -> tuple[int, list[dict[str, Any]], str]:
    code, stdout, err = run("check", "--root", root.path, "--format", "gitlab", *TODAY, *more)
    report = json.loads(stdout)
    validate(report)
    return code, report, err


# --- the schema --------------------------------------------------------------------------


def test_the_schema_is_a_valid_json_schema_and_takes_gitlabs_own_example() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validate(DOCUMENTED)
    validate([])
    positions = copy.deepcopy(DOCUMENTED)
    positions[0]["location"] = {"path": "a.yaml", "positions": {"begin": {"line": 3}}}
    validate(positions)


def _without(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda entry: entry.pop(key)


@pytest.mark.parametrize(
    ("spoil", "why"),
    [
        (_without("fingerprint"), "'fingerprint' is a required property"),
        (_without("check_name"), "'check_name' is a required property"),
        (_without("description"), "'description' is a required property"),
        (lambda e: e.update(severity="error"), "'error' is not one of"),
        (lambda e: e.update(severity="Minor"), "'Minor' is not one of"),
        (lambda e: e["location"].pop("lines"), "is not valid under any of the given schemas"),
        (lambda e: e["location"]["lines"].update(begin=0), "0 is less than the minimum of 1"),
        (lambda e: e["location"]["lines"].update(begin="42"), "'42' is not of type 'integer'"),
        (lambda e: e["location"].update(path="/builds/x/lib/index.js"), "does not match"),
        (lambda e: e["location"].update(path="./lib/index.js"), "does not match"),
        (lambda e: e.update(fingerprint=""), "should be non-empty"),
    ],
)
def test_the_schema_refuses_what_gitlab_would_not_read(
    spoil: Callable[[dict[str, Any]], None], why: str
) -> None:
    report = copy.deepcopy(DOCUMENTED)
    spoil(report[0])
    with pytest.raises(jsonschema.ValidationError, match=why):
        validate(report)


def test_the_schema_refuses_an_object_instead_of_an_array() -> None:
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'array'"):
        validate({"issues": DOCUMENTED})


# --- the report --------------------------------------------------------------------------


def test_invalid_values_are_reported_on_their_lines(run: Run, root: Root) -> None:
    root.project("x", BROKEN)
    code, report, err = gitlab(run, root)
    assert (code, err) == (1, "")
    assert [
        (e["location"]["path"], e["location"]["lines"]["begin"], e["check_name"], e["severity"])
        for e in report
    ] == [
        ("projects/x.yaml", 3, "progress-site/impossible_date", "major"),
        ("projects/x.yaml", 7, "progress-site/missing_key", "major"),
        ("projects/x.yaml", 7, "progress-site/unknown_key", "major"),
    ]
    assert report[0]["description"] == (
        "'2026-02-30' is not a real calendar date (due); check the month and the day"
    )
    assert report[1]["description"] == "the required key 'title' is missing here"
    assert report[2]["description"].startswith("unknown key 'titel' (did you mean 'title'?)")


def test_descriptions_are_in_the_sites_language(run: Run, root: Root) -> None:
    root.site(SITE_YAML.replace("language: en", "language: zh-CN"))
    root.project("x", BROKEN)
    _, report, _ = gitlab(run, root)
    assert report[0]["description"] == "“2026-02-30”不是实际存在的日期（due）；请检查月份和日期"
    assert report[1]["description"] == "此处缺少必填的键“title”"
    _, english, _ = gitlab(run, root, "--lang", "en")
    assert english[1]["description"] == "the required key 'title' is missing here"
    assert [e["fingerprint"] for e in english] == [e["fingerprint"] for e in report]


def test_a_file_that_cannot_be_read_is_critical(run: Run, root: Root) -> None:
    root.project("x", 'title: "一流本科专业建设\nlead: academic-affairs\n')
    root.project("y", "title: 研究生教育\nlead: academic-affairs\ndue: 2026-13-01\n")
    _, report, _ = gitlab(run, root)
    assert [(e["location"]["path"], e["severity"]) for e in report] == [
        ("projects/x.yaml", "critical"),
        ("projects/y.yaml", "major"),
    ]
    assert report[0]["check_name"] == "progress-site/yaml_unclosed_quote"


def test_a_valid_portfolio_gives_an_empty_report(run: Run, root: Root) -> None:
    root.project("x", "title: 一流本科专业建设\nlead: academic-affairs\n")
    code, stdout, _ = run("check", "--root", root.path, "--format", "gitlab", *TODAY)
    assert (code, stdout) == (0, "[]\n")


def test_warnings_are_minor(run: Run, root: Root) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        due: 2026-12-01
        milestones:
          - title: 年度总结
            due: 2026-12-31
        """,
    )
    code, [entry], _ = gitlab(run, root)
    assert code == 0
    assert entry["severity"] == "minor"
    assert entry["check_name"] == "progress-site/milestone_after_project"
    assert entry["location"] == {"path": "projects/x.yaml", "lines": {"begin": 6}}


def test_overdue_milestones_and_stale_projects_are_minor(run: Run, root: Root) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        milestones:
          - title: 印发方案
            due: 2026-01-31
            done: 2026-01-28
          - title: 提交申报材料
            due: 2026-11-01
        """,
    )
    code, report, _ = gitlab(run, root)
    assert code == 0
    [overdue] = report
    assert overdue["check_name"] == "progress-site/overdue"
    assert overdue["severity"] == "minor"
    assert overdue["location"] == {"path": "projects/x.yaml", "lines": {"begin": 7}}
    assert (
        "提交申报材料" in overdue["description"] and "24 day(s) overdue" in overdue["description"]
    )

    code, report, _ = gitlab(run, root, "--fail-on", "overdue", "--fail-on", "stale")
    assert code == 1
    assert [e["check_name"] for e in report] == ["progress-site/overdue", "progress-site/stale"]
    assert report[1]["description"] == "一流本科专业建设: no note yet (lead: 教务处)"
    assert report[1]["location"] == {"path": "projects/x.yaml", "lines": {"begin": 1}}


# --- fingerprints ------------------------------------------------------------------------


def test_fingerprints_survive_lines_added_above(run: Run, root: Root) -> None:
    root.project("x", BROKEN)
    _, before, _ = gitlab(run, root)
    root.project(
        "x",
        "# 一流本科专业建设的进度\n\n"
        + BROKEN.replace("due: 2026-02-30\n", "summary: 新增的一行\ndue: 2026-02-30\n"),
    )
    _, after, _ = gitlab(run, root)
    assert [e["location"]["lines"]["begin"] for e in after] == [6, 10, 10]
    assert [e["fingerprint"] for e in after] == [e["fingerprint"] for e in before]


def test_a_problem_at_another_value_has_another_fingerprint(run: Run, root: Root) -> None:
    root.project("x", BROKEN)
    _, before, _ = gitlab(run, root)
    # The misspelt key moves from the second milestone to the first.
    root.project(
        "x",
        BROKEN.replace("  - title: 印发方案", "  - titel: 印发方案").replace(
            "  - titel: 年度总结", "  - title: 年度总结"
        ),
    )
    _, after, _ = gitlab(run, root)
    assert [e["check_name"] for e in after] == [e["check_name"] for e in before]
    assert after[0]["fingerprint"] == before[0]["fingerprint"]
    assert after[1]["fingerprint"] != before[1]["fingerprint"]
    assert after[2]["fingerprint"] != before[2]["fingerprint"]


def test_fingerprints_are_unique_and_the_report_is_byte_identical(run: Run, root: Root) -> None:
    root.project(
        "x",
        """\
        summary: 两个必填的键都缺了
        """,
    )
    root.project("y", BROKEN)
    code, first, _ = run("check", "--root", root.path, "--format", "gitlab", *TODAY)
    _, again, _ = run("check", "--root", root.path, "--format", "gitlab", *TODAY)
    assert code == 1 and first == again
    report = json.loads(first)
    validate(report)
    missing = [e for e in report if e["location"]["path"] == "projects/x.yaml"]
    assert [e["check_name"] for e in missing] == ["progress-site/missing_key"] * 2
    fingerprints = [e["fingerprint"] for e in report]
    assert len(set(fingerprints)) == len(fingerprints)


# --- --output ----------------------------------------------------------------------------


def test_output_writes_the_report_and_shows_the_text_in_the_log(
    run: Run, root: Root, tmp_path: Path
) -> None:
    root.project("x", BROKEN)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "gl-code-quality-report.json"
    code, stdout, err = run(
        "check", "--root", root.path, "--format", "gitlab", "--output", target, *TODAY
    )
    assert (code, err) == (1, "")
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # GitLab refuses a byte order mark
    report = json.loads(raw.decode("utf-8"))
    validate(report)
    assert len(report) == 3
    assert stdout.splitlines() == [
        "projects/x.yaml:3:6: '2026-02-30' is not a real calendar date (due); check the month "
        "and the day",
        "projects/x.yaml:7:5: the required key 'title' is missing here",
        stdout.splitlines()[2],
        "3 problem(s) found",
    ]
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_output_into_a_missing_folder_is_one_line(run: Run, root: Root, tmp_path: Path) -> None:
    root.project("x", BROKEN)
    target = tmp_path / "no-such-folder" / "report.json"
    code, stdout, err = run(
        "check", "--root", root.path, "--format", "gitlab", "--output", target, *TODAY
    )
    assert code == 1 and stdout == ""
    assert err == f"progress-site: error: cannot write {target}: No such file or directory\n"


def test_the_sample_portfolio_gives_a_valid_report(run: Run) -> None:
    code, stdout, _ = run("check", "--root", REPO, "--format", "gitlab", "--today", "2026-12-04")
    assert code == 0
    validate(json.loads(stdout))


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
