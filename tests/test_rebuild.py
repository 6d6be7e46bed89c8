"""A build with nothing changed does nothing, and any change at all rebuilds.

The build record (generator/cache.py) keys a build on every input; the output folder
must also still hold exactly the files the last build left there. These tests change
one thing at a time and watch whether the site was written again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import search
from tests.conftest import ONE_PROJECT, Root, RunResult, one_project_warning, trap
from tests.conftest import inodes as stamps

Run = Callable[..., RunResult]

PROJECT = ONE_PROJECT
WARNING = one_project_warning("projects/x.yaml")


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def built_in_full_then_up_to_date(run: Run, root: Root, out: Path) -> None:
    code, said, err = build(run, root, out)
    assert code == 0, err
    assert said.startswith("built ")
    code, said, _ = build(run, root, out)
    assert said.startswith("nothing changed since the last build")


@pytest.fixture
def built(root: Root, tmp_path: Path, run: Run) -> tuple[Path, dict[str, int]]:
    root.project("x", PROJECT)
    out = tmp_path / "site"
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", "2026-11-25")
    assert code == 0, err
    return out, stamps(out)


def build(run: Run, root: Root, out: Path, *extra: str, today: str = "2026-11-25") -> RunResult:
    return run("build", "--root", root.path, "--out", out, "--today", today, *extra)


def test_nothing_changed_means_nothing_written_and_the_same_warnings(
    root: Root, built: tuple[Path, dict[str, int]], run: Run
) -> None:
    out, before = built
    code, said, err = build(run, root, out)
    assert code == 0
    assert said.startswith("nothing changed since the last build: the ")
    assert "for 1 projects as of 2026-11-25" in said
    assert err.splitlines() == [WARNING], "the warnings of the build that is still there"
    assert stamps(out) == before


@pytest.mark.parametrize(
    "change",
    ["project edited", "project added", "site.yaml edited", "another day", "forced"],
)
def test_any_change_to_an_input_rebuilds(
    root: Root, built: tuple[Path, dict[str, int]], run: Run, change: str
) -> None:
    out, before = built
    extra: list[str] = []
    today = "2026-11-25"
    if change == "project edited":
        root.project("x", PROJECT.replace("第一轮", "第二轮"))
    elif change == "project added":
        root.project("y", "title: 新项目\nlead: academic-affairs\n")
    elif change == "site.yaml edited":
        site = root.path / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8").replace("title:", "title: 新", 1), "utf-8")
    elif change == "another day":
        today = "2026-11-26"
    else:
        extra = ["--force"]
    code, said, err = build(run, root, out, *extra, today=today)
    assert code == 0, err
    assert said.startswith("built "), said
    assert stamps(out) != before
    if change == "project edited":
        assert "第二轮" in (out / "projects" / "x" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("change", ["file edited", "file removed", "file added"])
def test_a_touched_output_folder_is_rebuilt_to_what_it_should_be(
    root: Root, built: tuple[Path, dict[str, int]], run: Run, change: str
) -> None:
    out, before = built
    page = out / "projects" / "x" / "index.html"
    good = page.read_bytes()
    if change == "file edited":
        page.write_bytes(good.replace("第一轮".encode(), "第九轮".encode()))
        os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))
    elif change == "file removed":
        page.unlink()
    else:
        (out / "stray.html").write_text("left by hand", encoding="utf-8")
    code, said, err = build(run, root, out)
    assert code == 0, err
    assert said.startswith("built ")
    assert page.read_bytes() == good
    assert not (out / "stray.html").exists()
    assert stamps(out).keys() == before.keys()


def test_a_failed_build_forgets_the_record(
    root: Root, built: tuple[Path, dict[str, int]], run: Run
) -> None:
    out, before = built
    good = (root.path / "projects" / "x.yaml").read_text(encoding="utf-8")
    root.project("x", "title: [\n")
    code, _, _ = build(run, root, out)
    assert code == 1
    assert stamps(out) == before, "a failed build leaves the site as it was"
    root.project("x", good)
    code, said, _ = build(run, root, out)
    assert code == 0
    assert said.startswith("nothing changed since the last build"), (
        "the site on disk still is this input's build"
    )


def test_an_unreadable_record_only_means_a_full_build(
    root: Root, built: tuple[Path, dict[str, int]], run: Run
) -> None:
    out, _ = built
    records = list((root.path / ".cache" / "builds").iterdir())
    assert len(records) == 1
    records[0].write_bytes(b"not a pickle")
    built_in_full_then_up_to_date(run, root, out)


def test_a_record_that_names_any_other_code_is_not_run(
    root: Root, built: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, _ = built
    marker = tmp_path / "ran"
    (record,) = (root.path / ".cache" / "builds").iterdir()
    record.write_bytes(trap(marker))
    code, said, err = build(run, root, out)
    assert code == 0, err
    assert said.startswith("built ")
    assert not marker.exists(), "a record is data: nothing in it is called"


def test_a_record_that_cannot_be_written_never_fails_the_build(
    root: Root, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import cache

    def refuse(*args: object, **kwargs: object) -> None:
        raise TypeError("cannot pickle this")

    monkeypatch.setattr(cache.pickle, "dump", refuse)
    root.project("x", PROJECT)
    out = tmp_path / "site"
    code, said, err = build(run, root, out)
    assert code == 0, err
    assert (out / "index.html").is_file()
    assert list((root.path / ".cache" / "builds").iterdir()) == [], "no half-written record"
    code, said, _ = build(run, root, out)
    assert said.startswith("built "), "without a record, the next build runs in full"


def test_a_record_of_an_earlier_version_only_means_a_full_build(
    root: Root, built: tuple[Path, dict[str, int]], run: Run
) -> None:
    """A record pickled before it had per-project keys (format 1) is set aside, not used."""
    import pickle

    from generator import cache

    out, _ = built
    (path,) = (root.path / ".cache" / "builds").iterdir()
    with path.open("rb") as handle:
        record = pickle.load(handle)
    for name in ("units", "format"):
        del record.__dict__[name]  # as the first version wrote it
    path.write_bytes(pickle.dumps(record))
    assert cache.previous(root.path, out) is None
    root.project("x", PROJECT.replace("第一轮", "第二轮"))
    built_in_full_then_up_to_date(run, root, out)


def test_two_builds_into_one_folder_take_turns(
    root: Root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second waits for the first, rather than removing its staging folder as a
    leftover or taking files from a site being replaced."""
    import datetime as dt
    import threading
    import time

    from generator import pipeline, write

    root.project("x", PROJECT)
    out = tmp_path / "site"
    today = dt.date(2026, 11, 25)
    pipeline.build_site(root.path, out, today)
    root.project("x", PROJECT.replace("第一轮", "第二轮"))
    inside = threading.Event()
    real_keep = write.Staging.keep

    def slow_keep(self: write.Staging, published: Path, paths: list[str]) -> int:
        if not inside.is_set():
            inside.set()
            time.sleep(1.5)  # the other build starts meanwhile
        return real_keep(self, published, paths)

    monkeypatch.setattr(write.Staging, "keep", slow_keep)
    failures: list[BaseException] = []

    def first() -> None:
        try:
            pipeline.build_site(root.path, out, today, force=True)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(30)
    second = pipeline.build_site(root.path, out, today)
    thread.join(30)
    assert failures == []
    assert second.up_to_date, "it waited, then found the first one's site"
    assert "第二轮" in (out / "projects" / "x" / "index.html").read_text(encoding="utf-8")
