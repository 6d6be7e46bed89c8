"""A rebuild after an edit reuses what the edit cannot have changed, and writes the
same bytes as a build from nothing.

Two shortcuts are tested here (generator/cache.py): a project's own files
(``projects/<id>/``) taken unchanged from the site being replaced, and each project
file's validation kept in ``.cache/parsed/``. Every test compares the result with a
``--force`` build into another folder, which uses neither.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import os
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import cache, context, pipeline, search
from generator.status import ProjectStatus
from generator.views import weekly
from tests.conftest import (
    ONE_PROJECT,
    REPO,
    Root,
    RunResult,
    inodes,
    one_project_warning,
    trap,
)
from tests.gitrepo import Repo

Run = Callable[..., RunResult]
TODAY = "2026-11-25"

ALPHA = ONE_PROJECT
BETA = """\
title: 人才引进
lead: personnel
milestones:
  - {title: 发布公告, due: 2026-09-01, done: 2026-08-30}
notes:
  - {date: 2026-11-18, text: 已面试 12 人。}
"""
GAMMA = """\
title: 智慧校园
lead: science-tech
milestones:
  - {title: 上线, due: 2026-10-01}
"""
WARNING = one_project_warning("projects/alpha.yaml")


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def same_tree(a: Path, b: Path) -> bool:
    left = {p.relative_to(a): p for p in a.rglob("*") if p.is_file()}
    right = {p.relative_to(b): p for p in b.rglob("*") if p.is_file()}
    if left.keys() != right.keys():
        return False
    return all(filecmp.cmp(left[k], right[k], shallow=False) for k in left)


def build(run: Run, root: Path, out: Path, *extra: str, today: str = TODAY) -> RunResult:
    code, said, err = run("build", "--root", root, "--out", out, "--today", today, *extra)
    assert code == 0, err
    return code, said, err


def matches_a_build_from_nothing(run: Run, root: Path, out: Path, tmp_path: Path) -> bool:
    fresh = tmp_path / "fresh"
    build(run, root, fresh, "--force")
    return same_tree(out, fresh)


@pytest.fixture
def site(root: Root, tmp_path: Path, run: Run) -> tuple[Path, dict[str, int]]:
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    root.project("gamma", GAMMA)
    out = tmp_path / "site"
    build(run, root.path, out)
    return out, inodes(out)


def own_files(before: dict[str, int], after: dict[str, int], project: str) -> bool:
    """Whether every file of ``project``'s folder was taken from the previous site."""
    prefix = f"projects/{project}/"
    mine = {path: ino for path, ino in before.items() if path.startswith(prefix)}
    assert len(mine) == 2, "its page and its feed"
    return all(after.get(path) == ino for path, ino in mine.items())


def test_an_edit_rebuilds_that_project_and_keeps_the_others_files(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, before = site
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    after = inodes(out)
    assert not own_files(before, after, "beta")
    assert own_files(before, after, "alpha") and own_files(before, after, "gamma")
    assert after["index.html"] != before["index.html"], "pages of every project are rebuilt"
    assert "15 人" in (out / "projects/beta/index.html").read_text(encoding="utf-8")
    assert "15 人" in (out / "data.json").read_text(encoding="utf-8")
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


@pytest.mark.parametrize("change", ["site.yaml", "another day", "theme", "forced"])
def test_a_shared_input_changed_rebuilds_every_project(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path, change: str
) -> None:
    out, before = site
    root.project("beta", BETA.replace("12 人", "15 人"))  # and one project edited
    if change == "theme":
        theme = tmp_path / "theme"
        shutil.copytree(pipeline.THEME, theme)
        page = theme / "templates" / "project.html"
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        pipeline.build_site(root.path, out, dt.date(2026, 11, 25), theme=theme)
    elif change == "site.yaml":
        path = root.path / "site.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("title:", "title: 新", 1))
        build(run, root.path, out)
    elif change == "another day":
        build(run, root.path, out, today="2026-11-26")
    else:
        build(run, root.path, out, "--force")
    after = inodes(out)
    for project in ("alpha", "beta", "gamma"):
        assert not own_files(before, after, project), project


def test_a_kept_file_touched_by_hand_is_rendered_again(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, before = site
    page = out / "projects" / "gamma" / "index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace("上线".encode(), "下线".encode()))
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    assert page.read_bytes() == good
    assert own_files(before, inodes(out), "alpha")
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def department_weeks(files: dict[str, int], department: str) -> dict[str, int]:
    """The pages of ``department`` for each week (``weeks/<week>/<department>/``)."""
    return {
        path: ino
        for path, ino in files.items()
        if path.startswith("weeks/") and path.endswith(f"/{department}/index.html")
    }


def test_an_edit_keeps_every_page_of_the_weeks_it_does_not_touch(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    """Beta's report of 2026-11-18 is in week 47: that week's page and its lead's page of
    that week are rendered again; every other page of the weeks is kept."""
    out, before = site
    root.project("beta", BETA.replace("12 人", "15 人"))  # led by personnel
    build(run, root.path, out)
    after = inodes(out)
    for department in ("academic-affairs", "science-tech"):
        pages = department_weeks(before, department)
        assert len(pages) > 10, "a page for every week"
        assert department_weeks(after, department) == pages, f"{department}'s pages kept"
    personnel = department_weeks(before, "personnel")
    changed = department_weeks(after, "personnel")
    assert changed.keys() == personnel.keys()
    again = {path for path, ino in personnel.items() if changed[path] != ino}
    assert again == {"weeks/2026-W47/personnel/index.html"}
    weeks = [path for path in before if path.count("/") == 2 and path.startswith("weeks/2")]
    assert len(weeks) > 10
    again = {path for path in weeks if after[path] != before[path]}
    assert again == {"weeks/2026-W47/index.html"}
    assert "15 人" in (out / "weeks/2026-W47/index.html").read_text(encoding="utf-8") or (
        "15 人" in (out / "weeks/2026-W47/personnel/index.html").read_text(encoding="utf-8")
    )
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_an_edit_keeps_the_pages_of_the_departments_that_do_not_show_the_project(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, before = site
    root.project("beta", BETA.replace("12 人", "15 人"))  # led by personnel
    build(run, root.path, out)
    after = inodes(out)
    pages = {path for path in before if re.fullmatch(r"departments/[^/]+/index\.html", path)}
    assert len(pages) == 3
    again = {path for path in pages if after[path] != before[path]}
    assert again == {"departments/personnel/index.html"}
    # gamma's milestone, overdue, delivered by personnel: on its page, and then done
    both = {"departments/personnel/index.html", "departments/science-tech/index.html"}
    for milestone in ("owner: personnel}", "owner: personnel, done: 2026-09-30}"):
        root.project("gamma", GAMMA.replace("due: 2026-10-01}", f"due: 2026-10-01, {milestone}"))
        build(run, root.path, out)
        again = {path for path in pages if inodes(out)[path] != after[path]}
        assert again == both
        after = inodes(out)
        assert matches_a_build_from_nothing(run, root.path, out, tmp_path)
        shutil.rmtree(tmp_path / "fresh")
    assert "上线" in (out / "departments/personnel/index.html").read_text(encoding="utf-8")


def test_a_project_led_by_another_department_renders_both_departments_pages(
    root: Root, run: Run, tmp_path: Path
) -> None:
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    root.project("gamma", GAMMA)
    root.project("delta", GAMMA.replace("智慧校园", "数据中台"))  # science-tech leads two
    out = tmp_path / "site"
    build(run, root.path, out)
    before = inodes(out)
    root.project("gamma", GAMMA.replace("science-tech", "personnel"))
    build(run, root.path, out)
    after = inodes(out)
    for department in ("science-tech", "personnel"):  # one lost gamma, one gained it
        pages = department_weeks(before, department)
        again = {path for path, ino in pages.items() if after[path] != ino}
        # gamma's milestone is due in week 40 (missed) and listed as coming in week 39
        assert again == {f"weeks/2026-W{n}/{department}/index.html" for n in (39, 40)}
    assert department_weeks(after, "academic-affairs") == department_weeks(
        before, "academic-affairs"
    )
    page = out / "weeks/2026-W40/personnel/index.html"  # the week gamma's milestone was due
    assert "智慧校园" in page.read_text(encoding="utf-8")
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_a_new_first_week_renders_every_departments_pages_again(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    """A report dated before every other adds weeks to the list: each department's page
    of the first week now links back to an earlier one."""
    out, before = site
    first = min(path.split("/")[1] for path in department_weeks(before, "academic-affairs"))
    root.project("beta", BETA + "  - {date: 2025-06-02, text: 立项。}\n")
    build(run, root.path, out)
    after = inodes(out)
    page = f"weeks/{first}/academic-affairs/index.html"
    assert after[page] != before[page], "its link to the week before is new"
    assert len(department_weeks(after, "academic-affairs")) > len(
        department_weeks(before, "academic-affairs")
    )
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_a_kept_week_page_touched_by_hand_is_rendered_again(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, _ = site
    page = out / next(iter(department_weeks(inodes(out), "science-tech")))
    good = page.read_bytes()
    page.write_bytes(good + b"<!-- edited -->")
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    assert page.read_bytes() == good
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_a_project_removed_and_added_back(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, _ = site
    (root.path / "projects" / "gamma.yaml").unlink()
    build(run, root.path, out)
    assert not (out / "projects" / "gamma").exists()
    root.project("gamma", GAMMA)
    build(run, root.path, out)
    assert (out / "projects" / "gamma" / "index.html").is_file()
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_a_change_in_history_alone_rebuilds_that_project(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's bytes come back to what they were; its re-plans have changed."""
    repo = Repo(tmp_path / "repo")
    repo.project("alpha", ALPHA)
    repo.project("gamma", GAMMA)
    repo.commit("2026-03-02T10:00:00+08:00", "start")
    out = tmp_path / "site"
    build(run, repo.path, out)
    before = inodes(out)
    repo.project("alpha", ALPHA.replace("due: 2026-12-31", "due: 2027-01-15"))
    repo.commit("2026-04-02T10:00:00+08:00", "moved")
    repo.project("alpha", ALPHA)
    repo.commit("2026-05-02T10:00:00+08:00", "moved back")
    build(run, repo.path, out)
    after = inodes(out)
    assert not own_files(before, after, "alpha")
    assert own_files(before, after, "gamma")
    assert matches_a_build_from_nothing(run, repo.path, out, tmp_path)


def parsed(root: Path) -> list[Path]:
    return sorted((root / ".cache" / "parsed").iterdir())


def test_unchanged_files_are_read_back_validated_with_their_warnings(
    root: Root,
    site: tuple[Path, dict[str, int]],
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    validated: list[str],
) -> None:
    out, _ = site
    assert len(parsed(root.path)) == 3
    validated.clear()
    read: list[str] = []
    real_read = pipeline._read_raw
    monkeypatch.setattr(
        pipeline,
        "_read_raw",
        lambda root, file, path: read.append(file) or real_read(root, file, path),
    )
    root.project("beta", BETA.replace("12 人", "15 人"))
    _, _, err = build(run, root.path, out)
    assert validated == ["beta"], "only the edited file is parsed again"
    projects_read = [file for file in read if file.startswith("projects/")]
    assert projects_read == ["projects/beta.yaml"], "a kept file is not even read by the load"
    assert err.splitlines() == [WARNING], "a kept file's warnings are still reported"
    assert len(parsed(root.path)) == 3, "the entry of beta's old bytes is removed"
    validated.clear()
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)
    assert sorted(validated) == ["alpha", "beta", "gamma"], "--force reads nothing kept"


def test_a_validated_file_holds_on_later_days_not_earlier_ones(
    root: Root,
    site: tuple[Path, dict[str, int]],
    run: Run,
    tmp_path: Path,
    validated: list[str],
) -> None:
    """The next day's build (CI's daily rebuild of an unchanged portfolio) reads every file
    back; a build for an earlier day validates them again, and finds a date after it."""
    out, _ = site
    validated.clear()
    build(run, root.path, out, today="2026-11-26")
    assert validated == [], "validated on the 25th: still valid on the 26th"
    fresh = tmp_path / "fresh"
    build(run, root.path, fresh, "--force", today="2026-11-26")
    assert same_tree(out, fresh)
    validated.clear()
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", "2026-11-19")
    assert sorted(validated) == ["alpha", "beta", "gamma"]
    assert code == 1
    assert "projects/alpha.yaml:8:11: the date 2026-11-20 is after today (2026-11-19)" in err


def test_a_check_leaves_the_files_validated_for_the_build(
    root: Root, run: Run, tmp_path: Path, validated: list[str]
) -> None:
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    checked = run("check", "--root", root.path, "--today", TODAY)
    assert checked[0] == 0, checked[2]
    assert sorted(validated) == ["alpha", "beta"]
    assert run("check", "--root", root.path, "--today", TODAY) == checked, "same report"
    validated.clear()
    out = tmp_path / "site"
    _, _, err = build(run, root.path, out)
    assert validated == [], "CI checks a pull request, then builds it: parsed once"
    assert err.splitlines() == [WARNING]
    root.project("beta", BETA.replace("12 人", "15 人"))
    assert run("check", "--root", root.path, "--today", TODAY)[0] == 0
    assert len(parsed(root.path)) == 2, "the entry of beta's old bytes is removed"
    build(run, root.path, out)
    assert validated == ["beta"]
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_a_kept_validation_is_data_never_code(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, _ = site
    marker = tmp_path / "ran"
    for entry in parsed(root.path):
        entry.write_bytes(trap(marker))
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    assert not marker.exists()
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_an_unreadable_kept_validation_means_parsing_the_file(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, tmp_path: Path
) -> None:
    out, _ = site
    for entry in parsed(root.path):
        entry.write_bytes(b"\x80\x05truncated")
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


@pytest.mark.parametrize("forged", ["missing", "a string"])
def test_a_kept_validation_without_its_date_means_parsing_the_file(
    root: Root, site: tuple[Path, dict[str, int]], run: Run, validated: list[str], forged: str
) -> None:
    out, _ = site
    for entry in parsed(root.path):
        kept = cache.unpickle_parsed(entry.read_bytes())
        if forged == "missing":
            object.__delattr__(kept, "today")
        else:
            object.__setattr__(kept, "today", TODAY)
        entry.write_bytes(pickle.dumps(kept))
    validated.clear()
    build(run, root.path, out, today="2026-11-26")
    assert sorted(validated) == ["alpha", "beta", "gamma"]


def test_an_error_in_an_edited_file_is_reported_with_its_position(
    root: Root, site: tuple[Path, dict[str, int]], run: Run
) -> None:
    out, before = site
    root.project("beta", BETA.replace("due: 2026-09-01", "due: 2026-09-31"))
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", TODAY)
    assert code == 1
    assert "projects/beta.yaml:4:" in err
    assert inodes(out) == before


def test_unit_keys_follow_each_input() -> None:
    def keys(today: str, digests: dict[str, str], histories: dict[str, str]) -> dict[str, str]:
        inputs = cache.inputs(REPO, REPO / "projects", pipeline.THEME, today)
        return inputs.unit_keys(digests, histories)

    base = keys(TODAY, {"a": "1", "b": "2"}, {"a": "h"})
    assert base == keys(TODAY, {"a": "1", "b": "2"}, {"a": "h"})
    assert keys(TODAY, {"a": "1", "b": "3"}, {"a": "h"})["a"] == base["a"]
    assert keys(TODAY, {"a": "9", "b": "2"}, {"a": "h"})["a"] != base["a"]
    assert keys(TODAY, {"a": "1", "b": "2"}, {"a": "g"})["a"] != base["a"]
    assert keys("2026-11-26", {"a": "1"}, {"a": "h"})["a"] != base["a"]


def test_validated_models_share_their_sets_of_given_fields(root: Root) -> None:
    """One frozen set per shape of input, not one per model (see share_field_sets)."""
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    portfolio = pipeline.load_portfolio(root.path, dt.date(2026, 11, 25))
    alpha, beta = portfolio.projects
    assert alpha.data.notes[0].model_fields_set == {"date", "text"}
    assert beta.data.notes[0].model_fields_set == {"date", "text"}
    assert alpha.data.notes[0].model_fields_set is beta.data.notes[0].model_fields_set
    assert isinstance(alpha.data.model_fields_set, frozenset)
    assert beta.data.milestones[0].model_fields_set == {"title", "due", "done", "owner"}
    with pytest.raises(Exception, match="frozen"):
        alpha.data.notes[0].text = "changed"  # type: ignore[misc]


def test_a_file_taken_from_the_published_site_is_never_written_through(tmp_path: Path) -> None:
    """A kept file is a hard link to the published one: writing the same path again must
    fail, not change the site that is still published."""
    from generator import write

    published = tmp_path / "site"
    (published / "projects" / "a").mkdir(parents=True)
    page = published / "projects" / "a" / "index.html"
    page.write_bytes(b"published")
    with pytest.raises(FileExistsError), write.staging(published) as site:
        assert site.keep(published, ["projects/a/index.html"]) == 1
        site.write([lambda: [("projects/a/index.html", b"overwritten")]])
    assert page.read_bytes() == b"published"


def project_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The project files whose bytes the build's inputs read (to digest them)."""
    seen: list[str] = []
    real = cache._read

    def read(path: Path) -> bytes:
        if path.parent.name == "projects":
            seen.append(path.name)
        return real(path)

    monkeypatch.setattr(cache, "_read", read)
    return seen


def test_files_as_they_were_at_the_last_build_are_not_read_again(
    root: Root, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "SETTLED_NS", -1)  # the files here were written just now
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    out = tmp_path / "site"
    build(run, root.path, out)
    reads = project_reads(monkeypatch)
    _, said, _ = build(run, root.path, out)
    assert reads == [] and "up to date" in said, said
    build(run, root.path, out, "--force")
    assert sorted(reads) == ["alpha.yaml", "beta.yaml"], "--force reads every file"
    reads.clear()
    beta = root.path / "projects" / "beta.yaml"
    before = beta.stat()
    text = beta.read_text(encoding="utf-8")
    beta.write_text(text.replace("12 人", "15 人"), encoding="utf-8")  # the same size
    os.utime(beta, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same time
    assert beta.stat().st_size == before.st_size
    build(run, root.path, out)
    assert reads == ["beta.yaml"], "its change time moved: read again"
    assert "15 人" in (out / "projects/beta/index.html").read_text(encoding="utf-8")
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_a_file_written_moments_before_it_is_digested_is_read_again(
    root: Root, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writes within one tick of the file system's clock can leave the same times."""
    monkeypatch.setattr(cache, "SETTLED_NS", 3600 * 10**9)  # "moments": an hour, however slow
    root.project("alpha", ALPHA)
    out = tmp_path / "site"
    build(run, root.path, out)  # alpha.yaml was written well within SETTLED_NS
    reads = project_reads(monkeypatch)
    build(run, root.path, out)
    assert reads == ["alpha.yaml"]


def test_kept_digests_are_data_never_code(
    root: Root, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root.project("alpha", ALPHA)
    planted = root.path / ".cache" / cache.DIGESTS
    planted.parent.mkdir(parents=True, exist_ok=True)
    marker = tmp_path / "ran"
    planted.write_bytes(trap(marker))
    reads = project_reads(monkeypatch)
    build(run, root.path, tmp_path / "site")
    assert not marker.exists()
    assert reads == ["alpha.yaml"], "read, as without kept digests"
    key = f"generator.cache._project_digest {root.path / 'projects' / 'alpha.yaml'}"
    for odd in (5, (1,), ("x", 2), [1, 2], (None, None)):  # plain data, but not digests
        planted.write_bytes(pickle.dumps({key: odd}))
        build(run, root.path, tmp_path / "site", "--force")
    assert reads == ["alpha.yaml"] * 6


def test_a_commit_that_changes_no_project_file_leaves_nothing_to_build(
    tmp_path: Path, run: Run
) -> None:
    """History (baselines, re-plans) is read from the commits that changed projects/."""
    repo = Repo(tmp_path / "repo")
    repo.project("alpha", ALPHA)
    repo.commit("2026-03-02T10:00:00+08:00", "start")
    out = tmp_path / "site"
    build(run, repo.path, out)
    repo.write("README.md", "# 进展\n")
    repo.commit("2026-03-03T10:00:00+08:00", "docs only")
    _, said, _ = build(run, repo.path, out)
    assert "up to date" in said, said
    repo.project("alpha", ALPHA.replace("due: 2026-12-31", "due: 2027-01-15"))
    repo.commit("2026-04-02T10:00:00+08:00", "moved")
    repo.project("alpha", ALPHA)  # the same bytes as at the last build, one re-plan later
    repo.commit("2026-05-02T10:00:00+08:00", "moved back")
    _, said, _ = build(run, repo.path, out)
    assert said.startswith("built "), said
    assert matches_a_build_from_nothing(run, repo.path, out, tmp_path)


def spied(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[str]:
    """The projects ``owner.name`` is called for (its first argument: a project's status)."""
    made: list[str] = []
    real = getattr(owner, name)

    def spy(status: ProjectStatus, *args: Any) -> Any:
        made.append(status.project.id)
        return real(status, *args)

    monkeypatch.setattr(owner, name, spy)
    return made


def laid_out(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The projects whose part of data.json the build lays out (rather than takes as kept)."""
    return spied(monkeypatch, context, "project_json")


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The projects whose indicators the build counts week by week (rather than takes the
    counts the last build kept)."""
    return spied(monkeypatch, weekly, "project_weeks")


@pytest.mark.parametrize(
    ("kind", "spy"),
    [("data.json", laid_out), ("weeks", counted)],
    ids=["data.json's parts", "the weeks' counts"],
)
def test_what_is_kept_per_project_is_taken_for_each_unchanged_project(
    root: Root,
    site: tuple[Path, dict[str, int]],
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    spy: Callable[[pytest.MonkeyPatch], list[str]],
) -> None:
    out, _ = site
    pieces = root.path / ".cache" / cache.PIECES / kind
    assert len(list(pieces.iterdir())) == 3, "one piece a project"
    made = spy(monkeypatch)
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    assert made == ["beta"]
    assert "15 人" in (out / "data.json").read_text(encoding="utf-8")
    assert len(list(pieces.iterdir())) == 3, "beta's piece before the edit is let go"
    build(run, root.path, tmp_path / "forced", "--force")
    assert sorted(made) == ["alpha", "beta", "beta", "gamma"], "--force makes every piece"
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_a_part_of_data_json_that_cannot_be_read_is_laid_out_again(
    root: Root,
    site: tuple[Path, dict[str, int]],
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, _ = site
    for piece in (root.path / ".cache" / cache.PIECES / "data.json").iterdir():
        piece.write_bytes(b"\xff\xfe not text")
    made = laid_out(monkeypatch)
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    assert made == ["alpha", "beta", "gamma"]
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)


def test_counts_that_cannot_be_read_or_kept_are_counted_here(
    root: Root,
    site: tuple[Path, dict[str, int]],
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, _ = site
    kept = root.path / ".cache" / cache.PIECES / "weeks"
    for piece in kept.iterdir():
        piece.write_text("2026-11-23 9,9,9 not counts", encoding="utf-8")
    made = counted(monkeypatch)
    root.project("beta", BETA.replace("12 人", "15 人"))
    build(run, root.path, out)
    assert sorted(made) == ["alpha", "beta", "gamma"]
    assert matches_a_build_from_nothing(run, root.path, out, tmp_path)
    # Counts the build cannot keep (a full disk) are counted again in the build itself.
    monkeypatch.setattr(cache.Pieces, "put", lambda self, key, text: False)
    made.clear()
    build(run, root.path, tmp_path / "unkept", "--force")
    assert sorted(made) == ["alpha", "alpha", "beta", "beta", "gamma", "gamma"]
    assert same_tree(tmp_path / "unkept", out)
