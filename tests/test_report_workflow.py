"""The Report workflow (``.github/workflows/report.yml``): who it listens to, what each job may
do, and its scripts run here as the runner runs them (``bash -eo pipefail``), on a copy of a
repository, with the event's file GitHub writes and a stand-in ``gh`` that records its calls.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import forms
from tests.conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "report.yml"
CREATE_PULL_REQUEST = "peter-evans/create-pull-request@271a8d0340265f705b14b6d32b9829c1cb33d45e"
MEMBERS = 'contains(fromJSON(\'["OWNER", "MEMBER", "COLLABORATOR"]\'),'
PROJECT = """\
title: 一流本科专业建设
lead: academic-affairs
milestones:
  - title: 中期检查
    due: 2026-12-31
"""


def workflow() -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    return data


def step(job: str, name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return next(s for s in steps if s.get("name") == name or s.get("id") == name)


# --- who it listens to, what each job may do ------------------------------------------


def test_it_listens_for_the_forms_label_from_members_only() -> None:
    data = workflow()
    assert data["on"] == {"issues": {"types": ["opened", "edited"]}}
    form = yaml.safe_load((REPO / forms.FORM_FILE).read_text(encoding="utf-8"))
    assert form["labels"] == [forms.REPORT_LABEL["zh-CN"]]  # the repository's site is zh-CN
    for job in ("apply", "decline"):
        condition = " ".join(data["jobs"][job]["if"].split())
        for label in forms.REPORT_LABEL.values():
            assert f"contains(github.event.issue.labels.*.name, '{label}')" in condition
        assert MEMBERS in condition
    assert "!" + MEMBERS in " ".join(data["jobs"]["decline"]["if"].split())
    assert "!" + MEMBERS not in " ".join(data["jobs"]["apply"]["if"].split())


def test_each_job_has_the_least_it_needs() -> None:
    data = workflow()
    assert data["permissions"] == {}
    assert {job: spec["permissions"] for job, spec in data["jobs"].items()} == {
        "apply": {"contents": "read"},
        "propose": {"contents": "write", "pull-requests": "write"},
        "tell": {"issues": "write"},
        "decline": {"issues": "write"},
    }
    for job, spec in data["jobs"].items():
        for each in spec["steps"]:
            if each.get("uses", "").startswith("actions/checkout@"):
                assert each["with"]["persist-credentials"] is False, job
            assert "${{" not in each.get("run", ""), (job, each.get("name"))
    text = WORKFLOW.read_text(encoding="utf-8")
    assert f"uses: {CREATE_PULL_REQUEST} # v7.0.8\n" in text
    (pr,) = [s for s in data["jobs"]["propose"]["steps"] if s.get("id") == "pr"]
    assert pr["with"]["branch"] == "report/issue-${{ github.event.issue.number }}"
    assert pr["with"]["add-paths"] == "projects/*.yaml"


# --- the scripts, run -------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, Any]:
    """A checkout of a small repository, the runner's folders and a ``python`` and a ``gh``
    of our own on the PATH (``gh`` writes each call's arguments and input into gh.log)."""
    repo = tmp_path / "repo"
    (repo / "projects").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", repo / "site.yaml")
    (repo / "projects" / "majors.yaml").write_text(PROJECT, encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run([*git, *command], cwd=repo, check=True, capture_output=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    log = tmp_path / "gh.log"
    gh = bin_dir / "gh"
    gh.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            printf '%s\\n' "$*" >> {log}
            for arg in "$@"; do
              case "$prev" in --body-file) cat "$arg" >> {log} ;; esac
              prev="$arg"
            done
            """
        ),
        encoding="utf-8",
    )
    gh.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "RUNNER_TEMP": str(temp),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    return {"repo": repo, "env": env, "temp": temp, "log": log, "tmp": tmp_path}


def run_step(runner: dict[str, Any], script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={**runner["env"], **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def event(runner: dict[str, Any], body: str) -> None:
    issue = {"number": 7, "body": body, "created_at": "2026-11-24T16:30:00Z"}
    Path(runner["env"]["GITHUB_EVENT_PATH"]).write_text(json.dumps({"issue": issue}), "utf-8")


def outputs(runner: dict[str, Any]) -> dict[str, str]:
    lines = Path(runner["env"]["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


def issue_body(project: str, text: str, milestone: str = "") -> str:
    answers = {"project": project, "kind": "进展", "text": text, "milestone": milestone}
    return "\n\n".join(
        f"### {forms.label(key, 'zh-CN')}\n\n{answers.get(key) or forms.NO_RESPONSE}"
        for key in forms.ANSWER_KEYS
    )


def test_a_report_goes_from_the_issue_to_a_pull_request_and_a_comment(
    runner: dict[str, Any],
) -> None:
    text = "完成中期检查 ${{ github.token }} $(touch /tmp/pwned) `id`"
    event(runner, issue_body("一流本科专业建设 (majors)", text, "中期检查"))
    applied = run_step(runner, step("apply", "apply")["run"], runner["repo"])
    assert applied.returncode == 0, applied.stderr
    assert outputs(runner) == {"applied": "true"}, applied.stderr
    report = runner["temp"] / "report"
    assert sorted(p.name for p in report.iterdir()) == [
        "body.md",
        "change.patch",
        "result.json",
    ]
    assert "+++ b/projects/majors.yaml" in (report / "change.patch").read_text(encoding="utf-8")
    # propose: a fresh checkout, the patch applied, the pull request's words written.
    fresh = runner["tmp"] / "fresh"
    subprocess.run(["git", "clone", "-q", str(runner["repo"]), str(fresh)], check=True)
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=runner["repo"], check=True)
    Path(runner["env"]["GITHUB_OUTPUT"]).unlink()
    proposed = run_step(runner, step("propose", "change")["run"], fresh, NUMBER="7")
    assert proposed.returncode == 0, proposed.stderr
    assert outputs(runner) == {"title": "进展报告：一流本科专业建设（2026-11-25）"}
    written = (fresh / "projects" / "majors.yaml").read_text(encoding="utf-8")
    assert written.endswith(f"    kind: progress\n    text: {text}\n")
    assert "    done: 2026-11-25\n" in written
    body = (runner["temp"] / "pull-request.md").read_text(encoding="utf-8")
    assert body.endswith("\n\nCloses #7\n")
    # tell: the comment links the pull request, the fix label goes.
    told = run_step(
        runner,
        step("tell", "Comment with the pull request, or with what to fix")["run"],
        runner["tmp"],
        NUMBER="7",
        PULL_REQUEST="https://github.com/o/r/pull/8",
    )
    assert told.returncode == 0, told.stderr
    log = runner["log"].read_text(encoding="utf-8")
    assert log.startswith(
        f"issue comment 7 --body-file {runner['temp']}/comment.md\n"
        "已根据本报告生成拉取请求：https://github.com/o/r/pull/8\n"
    )
    assert log.endswith("issue edit 7 --remove-label 需要修改\n")
    assert not Path("/tmp/pwned").exists()


def test_a_report_that_does_not_apply_is_commented_and_labelled(runner: dict[str, Any]) -> None:
    before = (runner["repo"] / "projects" / "majors.yaml").read_bytes()
    event(runner, issue_body("一流本科专业建设 (majors)", "x", "终期"))
    applied = run_step(runner, step("apply", "apply")["run"], runner["repo"])
    assert applied.returncode == 0, applied.stderr
    assert outputs(runner) == {"applied": "false"}
    assert (runner["repo"] / "projects" / "majors.yaml").read_bytes() == before
    told = run_step(
        runner,
        step("tell", "Comment with the pull request, or with what to fix")["run"],
        runner["tmp"],
        NUMBER="7",
        PULL_REQUEST="",
    )
    assert told.returncode == 0, told.stderr
    log = runner["log"].read_text(encoding="utf-8").splitlines()
    assert log[1:6] == [
        "本报告未能写入项目文件，原因如下：",
        "",
        "```text",
        "projects/majors.yaml 中没有节点“终期”；请填写文件中某个节点的名称或编号：“中期检查”",
        "```",
    ]
    assert log[-2:] == ["label create 需要修改 --color D93F0B", "issue edit 7 --add-label 需要修改"]


def test_a_patch_that_reaches_beyond_the_project_files_is_refused(
    runner: dict[str, Any],
) -> None:
    report = runner["temp"] / "report"
    report.mkdir()
    workflows = runner["repo"] / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "x.yml").write_text("on: push\n", encoding="utf-8")
    patch = subprocess.run(
        ["git", "diff", "--no-index", "--", "/dev/null", ".github/workflows/x.yml"],
        cwd=runner["repo"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    shutil.rmtree(runner["repo"] / ".github")
    (report / "change.patch").write_text(patch, encoding="utf-8")
    (report / "result.json").write_text('{"title": "t", "summary": "s"}', encoding="utf-8")
    proposed = run_step(runner, step("propose", "change")["run"], runner["repo"], NUMBER="7")
    assert proposed.returncode == 1
    assert "::error::the change is not one project file" in proposed.stdout
    assert not (runner["repo"] / ".github").exists()
