"""The workflows' supply chain, checked for the facts that zizmor (``make audit``) does not state.

- Every ``uses:`` names a full 40-hex commit and says which release that is in a comment on
  the same line (``actions/checkout@<sha> # v4.2.2``): a tag can be moved to other code, a
  commit cannot, and Dependabot moves the commit and the comment together.
- No ``${{ … }}`` inside a ``run:`` script or a github-script ``script:``. The runner pastes an
  expression's value into the script before the shell or Node reads it, so an issue title, a
  pull request body or a branch name would become code. Values reach scripts through ``env:``.
- The workflow's default token is read-only; a job may write only where ``WRITERS`` says so.
- Every checkout of a job that does not push keeps no token on disk
  (``persist-credentials: false``).

zizmor reports most of these too, but under its own rules of confidence and persona; these
are the project's own rules, and the allow-lists below are where a new writer is reviewed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"

# (workflow file, job id) → the scopes the job may write, each for a reason stated beside it.
WRITERS: dict[tuple[str, str], frozenset[str]] = {
    # Publishes the built site to GitHub Pages (and proves where the deployment comes from).
    ("publish.yml", "deploy"): frozenset({"pages", "id-token"}),
    # Opens, updates and closes the alert issues (告诫提醒); runs the generator, pushes nothing.
    ("publish.yml", "alerts"): frozenset({"issues"}),
    # Pushes the branch of a filed report and opens its pull request; runs none of its code.
    ("report.yml", "propose"): frozenset({"contents", "pull-requests"}),
    # Comments on the report's issue and labels it.
    ("report.yml", "tell"): frozenset({"issues"}),
    ("report.yml", "decline"): frozenset({"issues"}),
    # Posts or updates the summary comment on the pull request; runs none of its code.
    ("pull-request.yml", "comment"): frozenset({"pull-requests"}),
}

# (workflow file, job id) of the jobs whose checkout must keep its token to push. None yet.
PUSHERS: frozenset[tuple[str, str]] = frozenset()

PINNED = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^@\s]+)?@[0-9a-f]{40}")
DOCKER_PINNED = re.compile(r"docker://[^@\s]+@sha256:[0-9a-f]{64}")
VERSION_COMMENT = re.compile(r"\s+# v\d+\.\d+(?:\.\d+)?\s*$")
IMAGE_COMMENT = re.compile(r"\s+# \S.*$")


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _items(node: yaml.Node | None) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), v) for k, v in node.value]


def _at(name: str, node: yaml.Node) -> str:
    return f"{name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def problems(name: str, text: str) -> list[str]:
    """Every breach of the rules above in one workflow, as ``file:line:col: what to do``."""
    lines = text.splitlines()
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return [f"{name}:1:1: the workflow is empty"]
    found: list[str] = []

    def pin(node: yaml.Node) -> None:
        ref = str(node.value)
        if ref.startswith("./"):
            return
        if not (PINNED.fullmatch(ref) or DOCKER_PINNED.fullmatch(ref)):
            found.append(
                f"{_at(name, node)}: `{ref}` is not pinned to a commit; write "
                "`owner/name@<the release's full 40-hex commit> # vX.Y.Z`"
            )
            return
        comment = VERSION_COMMENT if PINNED.fullmatch(ref) else IMAGE_COMMENT
        if not comment.match(lines[node.end_mark.line][node.end_mark.column :]):
            found.append(
                f"{_at(name, node)}: `{ref}` does not say its version; end the line "
                "with the release it is, as in `# v4.2.2` (for an image: `# alpine 3.20`)"
            )

    def no_expression(node: yaml.Node, what: str) -> None:
        for number in range(node.start_mark.line, node.end_mark.line + 1):
            column = lines[number].find("${{") if number < len(lines) else -1
            if column >= 0:
                found.append(
                    f"{name}:{number + 1}:{column + 1}: an expression inside {what} is pasted "
                    "into the script before it runs; pass the value in `env:` and read it "
                    'as "$NAME"'
                )

    def read_only(node: yaml.Node, allowed: frozenset[str], where: str) -> None:
        if not isinstance(node, yaml.MappingNode):
            found.append(
                f"{_at(name, node)}: `permissions: {node.value}` grants every scope at once; "
                "name each scope, as in `contents: read`"
            )
            return
        for scope, level in _items(node):
            if level.value == "write" and scope not in allowed:
                found.append(
                    f"{_at(name, level)}: {where} may write `{scope}`; only the jobs in "
                    "WRITERS (tests/test_workflows.py) may write, each for a stated reason"
                )

    default = _get(root, "permissions")
    if default is None:
        found.append(
            f"{_at(name, root)}: no workflow-level `permissions:`, so every job gets the "
            "repository's default token; add `permissions:` with `contents: read`"
        )
    else:
        read_only(default, frozenset(), "every job")

    for job_id, job in _items(_get(root, "jobs")):
        permissions = _get(job, "permissions")
        if permissions is not None:
            read_only(permissions, WRITERS.get((name, job_id), frozenset()), f"job `{job_id}`")
        called = _get(job, "uses")
        if called is not None:
            pin(called)
        steps = _get(job, "steps")
        for step in steps.value if isinstance(steps, yaml.SequenceNode) else []:
            uses = _get(step, "uses")
            if uses is not None:
                pin(uses)
                action = str(uses.value).split("@", 1)[0]
                options = _get(step, "with")
                if action == "actions/checkout" and (name, job_id) not in PUSHERS:
                    keep = _get(options, "persist-credentials")
                    if keep is None or keep.value != "false":
                        found.append(
                            f"{_at(name, uses)}: this checkout keeps the token in .git/config; "
                            "add `persist-credentials: false` under `with:`"
                        )
                script = _get(options, "script")
                if action == "actions/github-script" and script is not None:
                    no_expression(script, "a github-script `script:`")
            run = _get(step, "run")
            if run is not None:
                no_expression(run, "`run:`")
    return found


def test_the_repositorys_workflows_follow_the_rules() -> None:
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert {"publish.yml", "pull-request.yml", "test.yml"} <= {f.name for f in files}
    assert [p for f in files for p in problems(f.name, f.read_text(encoding="utf-8"))] == []


def test_each_writer_named_in_the_allow_list_exists_and_writes_what_it_says() -> None:
    for (file, job_id), scopes in WRITERS.items():
        workflow = yaml.safe_load((WORKFLOWS / file).read_text(encoding="utf-8"))
        granted = workflow["jobs"][job_id]["permissions"]
        assert {s for s, level in granted.items() if level == "write"} == scopes, (file, job_id)


BAD = """\
name: Bad
on: pull_request_target
permissions:
  contents: write
jobs:
  greet:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065
      - uses: actions/cache@0057852 # v4.3.0
      - run: echo "Thanks for ${{ github.event.pull_request.title }}"
      - run: |
          echo start
          git switch "${{ github.head_ref }}"
      - uses: actions/github-script@f28e40c7f34bde8b3046d885e986cb6290c5673b # v7.1.0
        with:
          script: |
            console.log(`${{ github.event.issue.body }}`)
  label:
    permissions:
      contents: read
      issues: write
    uses: someone/workflows/.github/workflows/label.yml@main
"""


def test_every_planted_violation_is_named_at_its_place() -> None:
    assert problems("bad.yml", BAD) == [
        "bad.yml:4:13: every job may write `contents`; only the jobs in WRITERS "
        "(tests/test_workflows.py) may write, each for a stated reason",
        "bad.yml:8:18: `permissions: write-all` grants every scope at once; "
        "name each scope, as in `contents: read`",
        "bad.yml:10:15: `actions/checkout@v4` is not pinned to a commit; write "
        "`owner/name@<the release's full 40-hex commit> # vX.Y.Z`",
        "bad.yml:10:15: this checkout keeps the token in .git/config; "
        "add `persist-credentials: false` under `with:`",
        "bad.yml:11:15: `actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065` "
        "does not say its version; end the line with the release it is, as in `# v4.2.2` "
        "(for an image: `# alpine 3.20`)",
        "bad.yml:12:15: `actions/cache@0057852` is not pinned to a commit; write "
        "`owner/name@<the release's full 40-hex commit> # vX.Y.Z`",
        "bad.yml:13:31: an expression inside `run:` is pasted into the script before it "
        'runs; pass the value in `env:` and read it as "$NAME"',
        "bad.yml:16:23: an expression inside `run:` is pasted into the script before it "
        'runs; pass the value in `env:` and read it as "$NAME"',
        "bad.yml:20:26: an expression inside a github-script `script:` is pasted into the "
        'script before it runs; pass the value in `env:` and read it as "$NAME"',
        "bad.yml:24:15: job `label` may write `issues`; only the jobs in WRITERS "
        "(tests/test_workflows.py) may write, each for a stated reason",
        "bad.yml:25:11: `someone/workflows/.github/workflows/label.yml@main` is not pinned to "
        "a commit; write `owner/name@<the release's full 40-hex commit> # vX.Y.Z`",
    ]


def test_a_workflow_without_default_permissions_is_named() -> None:
    text = textwrap.dedent(
        """\
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: make test
        """
    )
    assert problems("a.yml", text) == [
        "a.yml:1:1: no workflow-level `permissions:`, so every job gets the repository's "
        "default token; add `permissions:` with `contents: read`"
    ]


def test_the_safe_forms_pass() -> None:
    text = textwrap.dedent(
        """\
        on: pull_request
        permissions: {}
        jobs:
          comment:
            runs-on: ubuntu-latest
            permissions:
              contents: read
              pull-requests: write
            if: ${{ github.event.pull_request.head.repo.full_name == github.repository }}
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
                with:
                  persist-credentials: false
                  ref: ${{ github.event.pull_request.head.sha }}
              - uses: ./.github/actions/local
              - uses: docker://alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000 # alpine 3.20
              - env:
                  TITLE: ${{ github.event.pull_request.title }}
                run: echo "$TITLE"
        """
    )
    assert problems("pull-request.yml", text) == []


def test_the_daily_check_fails_on_overdue_and_stale_and_a_push_only_on_errors(
    tmp_path: Path,
) -> None:
    """The check step reads the event's name from the environment, as the expression did."""
    publish = yaml.safe_load((WORKFLOWS / "publish.yml").read_text(encoding="utf-8"))
    script = publish["jobs"]["overdue"]["steps"][-1]["run"]
    stub = tmp_path / "python"
    stub.write_text('#!/bin/sh\necho "$@"\n', encoding="utf-8")
    stub.chmod(0o755)
    expected = {
        "push": "--fail-on error",
        "schedule": "--fail-on overdue --fail-on stale",
        "workflow_dispatch": "--fail-on overdue --fail-on stale",
    }
    for event, flags in expected.items():
        env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "GITHUB_EVENT_NAME": event}
        done = subprocess.run(
            ["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout == f"-m generator check --root . --format github {flags}\n", event


# --- zizmor, as `make audit` runs it ----------------------------------------------------


def _audit_command(target: Path) -> list[str]:
    """The recipe of `make audit`, with the venv's zizmor and `target` for `.github`."""
    recipe = re.search(r"^audit:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text("utf-8"), re.M)
    assert recipe is not None, "the Makefile has no `audit` target"
    [line] = recipe.group(1).splitlines()
    args = shlex.split(line.strip())
    assert args[0] == "$(VENV)/bin/zizmor" and args[-1] == ".github", args
    zizmor = Path(sys.executable).parent / "zizmor"
    found = str(zizmor) if zizmor.exists() else shutil.which("zizmor")
    if found is None:
        message = "zizmor is not installed: `make audit` installs it (the `test` extra)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"CI is set and {message}", pytrace=False)
        pytest.skip(message)
    # Plain text whatever the runner's terminal settings (a CI may force colour on, which
    # splits "1 low" into escape codes): the words are what the tests read.
    return [found, *args[1:-1], "--color=never", str(target)]


def test_the_pre_commit_hook_runs_the_audit_as_make_does() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in config["repos"][0]["hooks"] if h["id"] == "progress-site-audit"]
    recipe = re.search(r"^audit:.*\n\t(.*)\n", (REPO / "Makefile").read_text("utf-8"), re.M)
    assert recipe is not None
    assert hook["entry"] == recipe.group(1).replace("$(VENV)/bin/", "")
    assert re.match(hook["files"], ".github/workflows/publish.yml")
    assert re.match(hook["files"], ".github/dependabot.yml")


def test_the_audit_finds_nothing_in_the_repository() -> None:
    done = subprocess.run(
        _audit_command(REPO / ".github"), cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


def test_the_audit_fails_on_a_finding_of_low_severity(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "low.yml").write_text(
        textwrap.dedent(
            """\
            name: Low
            on: push
            permissions: {}
            jobs:
              a:
                runs-on: windows-latest
                steps:
                  - run: echo hello
                    shell: cmd
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        _audit_command(tmp_path / ".github"), cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "misfeature" in done.stdout
    assert "1 low, 0 medium, 0 high" in done.stdout


def test_the_audit_fails_on_a_file_it_cannot_read(tmp_path: Path) -> None:
    """Without --strict-collection zizmor would warn, skip the file and pass on the rest."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "fine.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo hello\n",
        encoding="utf-8",
    )
    (tmp_path / ".github" / "dependabot.yml").write_text(
        "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n"
        "    schedule:\n      interval: fortnightly\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        _audit_command(tmp_path / ".github"), cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert '"fortnightly" is not one of' in done.stdout + done.stderr
