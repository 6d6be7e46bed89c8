"""Fixtures in layers: a root folder written inline → a loaded portfolio → a built site.

Bad inputs are written inline with ``textwrap.dedent`` in each test, so the file a
test reads is the file it asserts about.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import pipeline
from generator.cli import main

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)

SITE_YAML = """\
title: 测试站点
organization: 测试大学
language: en
timezone: Asia/Shanghai
due_soon_days: 14
stale_after_days: 14
departments:
  - id: academic-affairs
    name: 教务处
  - id: personnel
    name: 人事处
  - id: science-tech
    name: 科技处
"""

MINIMAL_PROJECT = """\
title: 一流本科专业建设
lead: academic-affairs
"""


class Root:
    """A project root on disk: site.yaml and projects/, written by the test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        (path / "projects").mkdir(parents=True, exist_ok=True)

    def site(self, text: str = SITE_YAML) -> Root:
        (self.path / "site.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return self

    def project(self, name: str, text: str) -> Path:
        target = self.path / "projects" / (name if "." in name else f"{name}.yaml")
        target.write_text(textwrap.dedent(text), encoding="utf-8")
        return target

    def raw(self, name: str, data: bytes) -> Path:
        target = self.path / "projects" / name
        target.write_bytes(data)
        return target


@pytest.fixture
def root(tmp_path: Path) -> Root:
    """An empty root with the standard test site.yaml (English messages)."""
    return Root(tmp_path / "root").site()


RunResult = tuple[int, str, str]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., RunResult]:
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""

    def invoke(*args: str | Path) -> RunResult:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def inodes(out: Path) -> dict[str, int]:
    """Every file's inode: a file written again gets a new one, a file kept keeps its own."""
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


ONE_PROJECT = """\
title: 一流本科专业建设
lead: academic-affairs
due: 2026-12-01
milestones:
  - title: 年度总结
    due: 2026-12-31
notes:
  - date: 2026-11-20
    text: 完成**第一轮**评估。
"""
"""A valid project with one warning (see :func:`one_project_warning`)."""


def one_project_warning(file: str) -> str:
    """The warning :data:`ONE_PROJECT` gets, saved as ``file``."""
    return (
        f"{file}:6:10: warning: this milestone is due on 2026-12-31, "
        "after the project's own due date 2026-12-01"
    )


def trap(marker: Path) -> bytes:
    """A pickle that makes the folder ``marker`` when loaded: what a file planted under
    ``.cache/`` would hold. A reader that treats the cache as data leaves ``marker`` absent."""
    return pickle.dumps(_Trap(str(marker)))


class _Trap:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (self.marker,))


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the project files validated (rather than read back from the memo)."""
    found: list[str] = []
    real = pipeline.validate_project

    def counting(doc, project_id, site, today):  # type: ignore[no-untyped-def]
        found.append(project_id)
        return real(doc, project_id, site, today)

    monkeypatch.setattr(pipeline, "validate_project", counting)
    return found


SCALE_PROJECTS = 1000
"""The size at which the weekly digest must stay readable (issue 18): the benchmark's."""


@pytest.fixture(scope="session")
def thousand_projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's synthetic portfolio of :data:`SCALE_PROJECTS` projects, as
    ``make bench`` writes it (tests/bench/synth.py with its defaults: 20 milestones, 100
    reports and 3 indicators of 52 weekly figures a project), built once per session as of
    its date, without the search index (which no test of it reads; Pagefind would take
    as long again). The built site's folder; its root is beside it (``../root``)."""
    from generator import search
    from tests.bench import synth

    base = tmp_path_factory.mktemp("thousand")
    synth.write_portfolio(base / "root", SCALE_PROJECTS)
    out = base / "site"
    today = synth.TODAY.isoformat()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "build_index", lambda *args: None)
        code = main(["build", "--root", str(base / "root"), "--out", str(out), "--today", today])
    assert code == 0
    return out
