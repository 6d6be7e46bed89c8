"""CI builds are incremental too: a fresh checkout with ``.cache/`` and the site restored
takes the same shortcuts as a rebuild in place.

A CI runner starts from a new clone (every file's time is the moment of the checkout), in
a new Python environment (the Pagefind binary freshly installed), maybe at another path;
the workflows restore ``.cache/`` and the last built site from the CI's cache
(docs/publishing.md, "The build cache in CI"). Nothing the build keys on may depend on
any of that: only on the content of the inputs, and on the output folder being exactly as
the last build left it (which the cache's ``tar`` keeps, times included).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import pipeline, report, search
from tests.conftest import ONE_PROJECT, REPO, Root
from tests.gitrepo import git_env

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def reinstalled(binary: Path, folder: Path) -> Path:
    """The same binary as a fresh install leaves it: another path, another time."""
    folder.mkdir(parents=True)
    copy = folder / binary.name
    shutil.copyfile(binary, copy)
    os.utime(copy, ns=(0, binary.stat().st_mtime_ns + 86_400 * 10**9))
    return copy


def test_the_same_pagefind_installed_afresh_is_the_same_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = search.fingerprint()
    assert installed != "pagefind missing"
    copy = reinstalled(search.executable(), tmp_path / "venv")
    monkeypatch.setattr(search, "executable", lambda: copy)
    assert search.fingerprint() == installed, "a new environment, the same Pagefind"
    with copy.open("r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
        handle.seek(-1, os.SEEK_END)
        handle.write(bytes([last[0] ^ 1]))
    assert search.fingerprint() != installed, "another binary, whatever its time"


def test_a_copy_of_the_root_elsewhere_finds_the_build_in_its_output_folder(
    root: Root, tmp_path: Path, no_search_index: None
) -> None:
    root.project("x", ONE_PROJECT)
    first = pipeline.build_site(root.path, root.path / "_site", TODAY)
    assert not first.up_to_date
    moved = tmp_path / "elsewhere" / "root"
    shutil.copytree(root.path, moved)  # file times kept, to the nanosecond
    for path in [moved / "site.yaml", *(moved / "projects").iterdir()]:
        os.utime(path)  # the inputs checked out afresh: their times are now
    again = pipeline.build_site(moved, moved / "_site", TODAY)
    assert again.up_to_date
    assert (again.files, again.warnings) == (first.files, first.warnings)


# --- the workflows ------------------------------------------------------------------------

WORKFLOWS = REPO / ".github" / "workflows"
CACHED = {".cache", "_site"}
"""What the workflows keep between runs: the build's cache and the site it built."""
SAVERS = {("publish.yml", "build"), ("pull-request.yml", "check")}
"""The only jobs that use a cache action. Every entry a job saves can be restored by later
runs on the same branch, and an entry saved on main by every run anywhere: so a saver runs
only on main (push, schedule, by hand) or in a pull request (scoped to its merge ref), never
on an event whose run belongs to main and whose input comes from anyone (issues, comments,
pull_request_target)."""
TRUSTED_EVENTS = {"push", "schedule", "workflow_dispatch", "pull_request"}
TODAY_TEXT = TODAY.isoformat()


def workflow(file: str) -> dict[str, Any]:
    loaded = yaml.safe_load((WORKFLOWS / file).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def cache_steps(file: str, job: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """The restore step, the generator's steps after it, and the save step."""
    steps = workflow(file)["jobs"][job]["steps"]
    uses = [str(step.get("uses", "")).split("@")[0] for step in steps]
    restore = uses.index("actions/cache/restore")
    save = uses.index("actions/cache/save")
    runs = [
        step
        for step in steps[restore:save]
        if str(step.get("run", "")).startswith("python -m generator")
    ]
    return steps[restore], runs, steps[save]


@pytest.mark.parametrize(("file", "job"), sorted(SAVERS))
def test_the_build_cache_is_restored_before_the_build_and_saved_after_it(
    file: str, job: str
) -> None:
    restore, runs, save = cache_steps(file, job)
    assert restore["uses"].split("@")[1] == save["uses"].split("@")[1], "one release"
    assert runs[-1]["run"] == "python -m generator build --root . --out _site"
    assert set(restore["with"]["path"].split()) == CACHED
    assert set(save["with"]["path"].split()) == CACHED
    key = restore["with"]["key"]
    prefix = "progress-site-${{ runner.os }}-${{ hashFiles("
    assert key.startswith(prefix), "keyed on the generator and the theme"
    files = key[len(prefix) : key.index(")")]
    assert [f.strip().strip("'") for f in files.split(",")] == [
        "generator/**",
        "theme/**",
        "pyproject.toml",
    ]
    assert key.endswith("-${{ github.run_id }}"), "each run saves its own entry"
    assert restore["with"]["restore-keys"].splitlines() == [key.removesuffix("${{ github.run_id }}")]
    step_id = restore["id"]
    assert save["with"]["key"] == f"${{{{ steps.{step_id}.outputs.cache-primary-key }}}}"
    assert save["if"] == f"steps.{step_id}.outputs.cache-hit != 'true'"


def test_only_the_build_jobs_use_a_cache_and_never_on_an_event_of_main_with_outside_input() -> (
    None
):
    found = set()
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        loaded = workflow(path.name)
        events = loaded[True]  # YAML 1.1 reads the key `on` as True
        events = {events: None} if isinstance(events, str) else events
        for job_id, job in loaded["jobs"].items():
            for step in job.get("steps", []):
                action = str(step.get("uses", "")).split("@")[0]
                if action.startswith("actions/cache"):
                    found.add((path.name, job_id))
                elif not (action.startswith("actions/setup-") and "cache" in step.get("with", {})):
                    continue
                assert set(events) <= TRUSTED_EVENTS, (path.name, job_id, set(events))
                if "push" in events:
                    assert events["push"] == {"branches": ["main"]}, (path.name, job_id)
    assert found == SAVERS


# --- a fresh checkout, as a CI runner makes it ----------------------------------------------


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A git repository of the sample portfolio (history is read from git)."""
    path = tmp_path / "origin"
    path.mkdir()
    shutil.copy(REPO / "site.yaml", path / "site.yaml")
    shutil.copytree(REPO / "projects", path / "projects")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        git(path, *args)
    return path


def git(cwd: Path, *args: str) -> None:
    env = git_env("2026-03-02T10:00:00+08:00")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def run_steps(steps: list[dict[str, Any]], cwd: Path, tmp_path: Path) -> list[str]:
    """Each step's script as the runner runs it, in a fresh Python process; `python` takes
    the test's interpreter and date, the generator is this checkout's. What each printed."""
    shim = tmp_path / "bin"
    if not shim.exists():
        shim.mkdir()
        (shim / "python").write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "$@" --today {TODAY_TEXT}\n', encoding="utf-8"
        )
        (shim / "python").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB", "CI_"))}
    env.update(PATH=f"{shim}:{env['PATH']}", PYTHONPATH=str(REPO))
    printed = []
    for step in steps:
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        printed.append(done.stdout)
    return printed


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file: its bytes and its inode (a file written again gets a new one)."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_ino)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(("file", "job"), sorted(SAVERS))
def test_a_fresh_checkout_with_the_cache_restored_has_nothing_to_build(
    origin: Path, tmp_path: Path, file: str, job: str
) -> None:
    restore, runs, _ = cache_steps(file, job)
    said = run_steps(runs, origin, tmp_path)[-1]
    built = re.match(r"已构建 9 个项目（截至 2026-11-25），共 (\d+) 个文件", said)
    assert built, said
    # What actions/cache does: tar --posix (file times kept to the nanosecond), then
    # extracted into the new runner's fresh clone.
    archive = tmp_path / "cache.tar"
    paths = restore["with"]["path"].split()
    subprocess.run(["tar", "--posix", "-cf", archive, "-C", origin, *paths], check=True)
    fresh = tmp_path / "runner" / "work"
    fresh.parent.mkdir()
    git(tmp_path, "clone", "-q", str(origin), str(fresh))
    for path in [fresh / "site.yaml", *(fresh / "projects").iterdir()]:
        os.utime(path, ns=(0, 1_000_000_000))  # checked out at another time
    subprocess.run(["tar", "-xf", archive, "-C", fresh], check=True)
    restored = files(fresh / "_site")
    said = run_steps(runs, fresh, tmp_path)[-1]
    up_to_date = report.word(
        "up_to_date", "zh-CN", files=built.group(1), projects=9, today=TODAY_TEXT, out="_site"
    )
    assert said == up_to_date + "\n"
    assert files(fresh / "_site") == restored, "nothing written"
    assert {p: b for p, (b, _) in restored.items()} == {
        p: b for p, (b, _) in files(origin / "_site").items()
    }


def test_the_daily_rebuild_in_a_fresh_checkout_reads_every_file_back_validated(
    origin: Path, tmp_path: Path, validated: list[str]
) -> None:
    """The next day every page says another date, so the site is rendered again; but no
    project file is parsed again, and the result is what a build from nothing makes."""
    pipeline.build_site(origin, origin / "_site", TODAY)
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(origin), str(fresh))
    for name in CACHED:
        shutil.copytree(origin / name, fresh / name)
    validated.clear()
    tomorrow = TODAY + dt.timedelta(days=1)
    result = pipeline.build_site(fresh, fresh / "_site", tomorrow)
    assert not result.up_to_date
    assert validated == []
    cold = pipeline.build_site(fresh, tmp_path / "cold", tomorrow, force=True)
    assert len(validated) == cold.projects == 9
    assert {p: b for p, (b, _) in files(fresh / "_site").items()} == {
        p: b for p, (b, _) in files(tmp_path / "cold").items()
    }


def test_gitlab_a_fresh_checkout_with_the_build_cache_has_nothing_to_build(
    origin: Path, tmp_path: Path
) -> None:
    """The job `build` of .gitlab-ci.yml, run as GitLab runs it: its cache folder restored
    into a fresh clone with the times GitLab's archive keeps (whole seconds, here later)."""
    config = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = config["build"]
    [kept] = [cache["paths"] for cache in job["cache"] if cache["key"] == "progress-site-build"]
    script = [{"run": line} for line in job["script"]]
    said = run_steps(script, origin, tmp_path)
    assert said[1].startswith("已构建 9 个项目（截至 2026-11-25）"), said
    fresh = tmp_path / "gitlab-runner"
    git(tmp_path, "clone", "-q", str(origin), str(fresh))
    for folder in kept:
        shutil.copytree(origin / folder, fresh / folder)
        for path in (fresh / folder).rglob("*"):
            os.utime(path, (2_000_000_000, 2_000_000_000))
    assert not (fresh / "public").exists() and not (fresh / ".cache").exists()
    shown = run_steps(script, fresh, tmp_path)
    assert shown[1].startswith("自上次构建以来没有变化：public 中 9 个项目（截至 2026-11-25）"), shown
    assert {p: b for p, (b, _) in files(fresh / "public").items()} == {
        p: b for p, (b, _) in files(origin / "public").items()
    }

