""".gitlab-ci.yml: its jobs, rules and artifacts, and that no script holds a value from a
merge request.

Two ways: the file read as YAML and its jobs checked here (always), and gitlab-ci-local
(npm, pinned in package.json; `make browser-deps` installs it) validating it against
GitLab's own JSON Schema of the CI configuration and listing the jobs each kind of
pipeline runs, as GitLab's rules decide. gitlab-ci-local 4.64.1 is the newest release that
runs on Debian's Node.js 18 (later ones need Node.js 22). Without Node.js or the package
those tests skip, except under CI, where they fail. Jobs are not run here: each installs
the generator with pip, which would replace the shared development install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

CI_FILE = REPO / ".gitlab-ci.yml"
GITLAB_CI_LOCAL = REPO / "node_modules" / "gitlab-ci-local" / "src" / "index.js"
KEYWORDS = {
    "workflow", "stages", "variables", "default", "include", "image", "services", "cache",
    "before_script", "after_script",
}  # fmt: skip
SCRIPTS = ("before_script", "script", "after_script")
ALLOWED_IN_SCRIPTS = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME"}
"""Variables a script may name: only the target branch, which exists in the project (a
protected name the merge request's author cannot choose), and only inside double quotes."""
MR = '$CI_PIPELINE_SOURCE == "merge_request_event"'
SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule"'
DEFAULT_BRANCH = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"


def load(text: str | None = None) -> dict[str, Any]:
    data = yaml.safe_load(text if text is not None else CI_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def jobs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: job
        for name, job in config.items()
        if name not in KEYWORDS and not name.startswith(".") and isinstance(job, dict)
    }


def resolved(config: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """A job with its ``extends`` (one level, as the file uses it) applied."""
    base = config.get(job["extends"], {}) if "extends" in job else {}
    return {**base, **job}


def script_problems(config: dict[str, Any]) -> list[str]:
    """Every variable a script names that it must not, or names outside double quotes."""
    problems: list[str] = []
    places = [("default", config.get("default", {})), *jobs(config).items()]
    for name, job in places:
        for key in SCRIPTS:
            for line in job.get(key, []) or []:
                for found in re.finditer(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", line):
                    variable = found.group(1)
                    quoted = line[: found.start()].count('"') % 2 == 1
                    if variable not in ALLOWED_IN_SCRIPTS:
                        problems.append(f"{name}: {key} names ${variable}")
                    elif not quoted:
                        problems.append(f"{name}: {key} names ${variable} outside quotes")
                if re.search(r"\beval\b|`", line):
                    problems.append(f"{name}: {key} evaluates text: {line}")
    return problems


# --- the file, read as YAML ----------------------------------------------------------------


def test_stages_and_jobs() -> None:
    config = load()
    assert config["stages"] == ["check", "build", "deploy", "report"]
    assert set(jobs(config)) == {
        "check", "changes", "preview", "mr-note", "build", "pages", "overdue", "alerts",
    }  # fmt: skip
    assert [rule["if"] for rule in config["workflow"]["rules"]] == [MR, SCHEDULE, DEFAULT_BRANCH]
    for name, job in jobs(config).items():
        assert job["stage"] in config["stages"], name


def test_check_writes_the_code_quality_report_even_when_it_fails() -> None:
    check = jobs(load())["check"]
    [command] = check["script"]
    assert command == (
        "python -m generator check --root . --format gitlab --output gl-code-quality-report.json"
    )
    assert check["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json"}
    assert check["artifacts"]["when"] == "always"
    # In merge requests, and on the default branch that they are compared with.
    assert [rule["if"] for rule in check["rules"]] == [MR, SCHEDULE, DEFAULT_BRANCH]
    assert check["rules"][1]["when"] == "never"


def test_merge_requests_get_a_preview_and_a_summary_note() -> None:
    config = load()
    found = {name: resolved(config, job) for name, job in jobs(config).items()}
    for name in ("changes", "preview", "mr-note"):
        assert found[name]["rules"] == [{"if": MR}], name
    preview = found["preview"]
    assert preview["artifacts"]["expose_as"] == "site preview"
    assert preview["artifacts"]["paths"] == ["public/"]
    assert preview["script"] == ["python -m generator build --root . --out public"]
    changes = found["changes"]["script"]
    assert any("--format markdown > changes/summary.md" in line for line in changes)
    assert any("--format json > changes/summary.json" in line for line in changes)
    assert "cat changes/summary.md" in changes  # without a token, the log has it
    note = found["mr-note"]
    assert note["needs"] == ["changes"]
    assert note["script"] == [
        "python -m generator mr-note --root . --file changes/summary.md "
        "--changes changes/summary.json"
    ]


def test_the_default_branch_builds_an_artifact_and_publishes_it_on_pages() -> None:
    config = load()
    found = {name: resolved(config, job) for name, job in jobs(config).items()}
    build, pages = found["build"], found["pages"]
    assert "python -m generator build --root . --out public" in build["script"]
    assert build["artifacts"]["paths"] == ["public/"]
    assert {"if": DEFAULT_BRANCH} in build["rules"]
    assert pages["needs"] == ["build"]  # the same build, not a second one
    assert pages["artifacts"]["paths"] == ["public/"]
    assert pages["stage"] == "deploy"
    assert {"if": '$PROGRESS_SITE_PAGES == "false"', "when": "never"} in pages["rules"]
    for job in (build, pages):
        assert {"if": MR, "when": "never"} == job["rules"][0]


def test_only_the_default_branch_build_keeps_the_build_cache() -> None:
    """Between pipelines of the default branch, whose caches merge requests cannot write;
    the pip cache of the other jobs is kept beside it."""
    config = load()
    found = {name: resolved(config, job) for name, job in jobs(config).items()}
    assert found["build"]["cache"] == [
        config["default"]["cache"],
        {"key": "progress-site-build", "paths": [".build-cache/"]},
    ]
    assert found["build"]["script"] == [
        "if [ -f .build-cache/site.tar ]; then tar -xf .build-cache/site.tar; fi",
        "python -m generator build --root . --out public",
        "mkdir -p .build-cache && tar --posix -cf .build-cache/site.tar .cache public",
    ]
    others = {name: job.get("cache") for name, job in found.items() if name != "build"}
    assert all(".build-cache" not in json.dumps(cache) for cache in others.values()), others


def test_the_schedule_fails_on_overdue_and_stale_and_syncs_alerts() -> None:
    found = jobs(load())
    assert found["overdue"]["rules"] == [{"if": SCHEDULE}]
    assert found["overdue"]["script"] == [
        "python -m generator check --root . --fail-on overdue --fail-on stale"
    ]
    assert found["overdue"]["needs"] == []  # never holds back publishing
    assert found["alerts"]["rules"] == [{"if": SCHEDULE}]
    assert found["alerts"]["script"] == ["python -m generator alerts sync --root ."]
    assert found["alerts"]["resource_group"] == "alerts"


def test_no_script_holds_a_value_from_a_merge_request() -> None:
    assert script_problems(load()) == []
    assert "PROGRESS_SITE_TOKEN" not in json.dumps(
        [job.get(key) for job in jobs(load()).values() for key in SCRIPTS]
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('echo "$CI_MERGE_REQUEST_TITLE"', "names $CI_MERGE_REQUEST_TITLE"),
        ("git log ${CI_COMMIT_MESSAGE}", "names $CI_COMMIT_MESSAGE"),
        (
            "python -m generator diff --base origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
            "names $CI_MERGE_REQUEST_TARGET_BRANCH_NAME outside quotes",
        ),
        ('eval "echo hello"', 'evaluates text: eval "echo hello"'),
        ("echo `id`", "evaluates text: echo `id`"),
    ],
)
def test_the_script_check_finds_what_it_must(line: str, problem: str) -> None:
    config = load(f"bad:\n  script:\n    - {json.dumps(line)}\n")
    assert script_problems(config) == [f"bad: script {problem}"]


# --- gitlab-ci-local: GitLab's schema and rules --------------------------------------------


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    missing = (
        "Node.js is missing"
        if found is None
        else "node_modules/gitlab-ci-local is missing (run make browser-deps)"
        if not GITLAB_CI_LOCAL.is_file()
        else None
    )
    if missing or found is None:
        message = f"{missing}: .gitlab-ci.yml is not checked against GitLab's schema"
        if _under_ci():
            pytest.fail(f"CI is set and {message}", pytrace=False)
        pytest.skip(message)
    return found


def gitlab_ci_local(
    node: str, folder: Path, *args: str, text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """gitlab-ci-local in a fresh repository holding ``text`` (default: the real file)."""
    if not (folder / ".git").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".gitlab-ci.yml").write_text(
            text if text is not None else CI_FILE.read_text(encoding="utf-8"), encoding="utf-8"
        )
        for command in (
            ["git", "init", "-q", "-b", "main"],
            ["git", "add", ".gitlab-ci.yml"],
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "ci"],
        ):
            subprocess.run(command, cwd=folder, check=True, capture_output=True)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "GITLAB", "GCL_"))}
    environ["GCL_IGNORE_PREDEFINED_VARS"] = "CI_PIPELINE_SOURCE,CI_COMMIT_BRANCH"
    return subprocess.run(
        [node, str(GITLAB_CI_LOCAL), "--no-color", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


PIPELINES = {
    "merge request": (
        ["--variable", "CI_PIPELINE_SOURCE=merge_request_event", "--unset-variable",
         "CI_COMMIT_BRANCH", "--variable", "CI_MERGE_REQUEST_IID=7",
         "--variable", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main"],
        {"check", "changes", "preview", "mr-note"},
    ),
    "push to the default branch": (
        ["--variable", "CI_PIPELINE_SOURCE=push"],
        {"check", "build", "pages"},
    ),
    "push to the default branch, no Pages": (
        ["--variable", "CI_PIPELINE_SOURCE=push", "--variable", "PROGRESS_SITE_PAGES=false"],
        {"check", "build"},
    ),
    "schedule": (
        ["--variable", "CI_PIPELINE_SOURCE=schedule"],
        {"build", "pages", "overdue", "alerts"},
    ),
    "push to another branch": (
        ["--variable", "CI_PIPELINE_SOURCE=push", "--variable", "CI_COMMIT_BRANCH=feature"],
        set(),
    ),
}  # fmt: skip


@pytest.mark.parametrize("pipeline", list(PIPELINES))
def test_gitlab_ci_local_runs_the_right_jobs_in_each_pipeline(
    node: str, tmp_path: Path, pipeline: str
) -> None:
    args, expected = PIPELINES[pipeline]
    listed = gitlab_ci_local(node, tmp_path / "repo", "--list-csv", *args)
    assert listed.returncode == 0, listed.stderr + listed.stdout
    assert "json schema validated" in listed.stdout + listed.stderr
    rows = [line.split(";") for line in listed.stdout.splitlines() if ";" in line]
    assert rows and rows[0][0] == "name"
    assert {row[0] for row in rows[1:]} == expected
    if expected:
        chain = gitlab_ci_local(node, tmp_path / "repo", "--validate-dependency-chain", *args)
        assert chain.returncode == 0, chain.stderr + chain.stdout


def test_gitlab_ci_local_refuses_a_file_gitlab_would_refuse(node: str, tmp_path: Path) -> None:
    spoiled = CI_FILE.read_text(encoding="utf-8").replace(
        "    reports:\n      codequality: gl-code-quality-report.json",
        "    reports:\n      codequality: {path: gl-code-quality-report.json}",
    )
    assert spoiled != CI_FILE.read_text(encoding="utf-8")
    listed = gitlab_ci_local(node, tmp_path / "repo", "--list-csv", text=spoiled)
    assert listed.returncode != 0
    assert "codequality" in listed.stdout + listed.stderr
