"""Search: the index is built by Pagefind's extended binary as part of ``build``.

The index is built on the staging folder before the swap, so a failed index build
leaves the published site as it was; two builds of the same input are byte-identical,
index included. Finding a Chinese word in Chromium is tests/browser/test_pages.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import search
from tests.conftest import REPO, RunResult

Run = Callable[..., RunResult]
TODAY = "2026-11-25"


def repo_root(tmp_path: Path) -> Path:
    """A copy of the repository's own site.yaml and projects/."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "projects", root / "projects")
    return root


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_writes_the_index_and_the_search_page(tmp_path: Path, run: Run) -> None:
    out = tmp_path / "site"
    code, _, err = run("build", "--root", repo_root(tmp_path), "--out", out, "--today", TODAY)
    assert code == 0, err
    bundle = out / "pagefind"
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"):
        assert (bundle / name).is_file(), name
    assert list(bundle.glob("index/zh-cn_*.pf_index")), "one index, in the site's language"
    page = (out / "search.html").read_text(encoding="utf-8")
    assert '<script src="pagefind/pagefind-ui.js"></script>' in page
    assert '<script src="static/search.js"></script>' in page
    assert 'id="search-status"' in page, "the message shown with JavaScript off"
    project = (out / "projects" / "first-class-majors" / "index.html").read_text(encoding="utf-8")
    assert '<main id="main" data-pagefind-body>' in project
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "data-pagefind-body" not in home, "only project and department pages are indexed"
    assert '<a href="search.html">搜索</a>' in home


def test_two_builds_are_byte_identical(tmp_path: Path, run: Run) -> None:
    root = repo_root(tmp_path)
    first, second = tmp_path / "one", tmp_path / "two" / "elsewhere"
    for out in (first, second):
        code, _, err = run("build", "--root", root, "--out", out, "--today", TODAY)
        assert code == 0, err
    a, b = snapshot(first), snapshot(second)
    assert any(name.startswith("pagefind/index/") for name in a)
    assert a.keys() == b.keys()
    assert [n for n in a if a[n] != b[n]] == []


def test_a_failed_index_build_leaves_the_published_site_untouched(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, out = repo_root(tmp_path), tmp_path / "site"
    code, _, err = run("build", "--root", root, "--out", out, "--today", TODAY)
    assert code == 0, err
    before = snapshot(out)

    failing = tmp_path / "pagefind-that-fails"
    failing.write_text("#!/bin/sh\necho 'index exploded' >&2\nexit 3\n", encoding="utf-8")
    failing.chmod(0o755)
    monkeypatch.setattr(search, "executable", lambda: failing)
    code, _, err = run("build", "--root", root, "--out", out, "--today", "2026-12-01")

    assert code == 1
    assert "Pagefind failed (exit 3): index exploded" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(["root", "site", failing.name]), (
        "no staging folder is left behind"
    )


def test_without_the_extended_build_the_build_says_what_to_install(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pagefind_bin_extended", None)  # import fails
    code, _, err = run("build", "--root", repo_root(tmp_path), "--out", tmp_path / "site")
    assert code == 1
    assert "pip install 'pagefind[extended]'" in err
    assert not (tmp_path / "site").exists()


def test_pagefind_settings_from_the_environment_are_ignored(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stray PAGEFIND_* variable cannot move or change the index."""
    monkeypatch.setenv("PAGEFIND_OUTPUT_SUBDIR", "elsewhere")
    monkeypatch.setenv("PAGEFIND_ROOT_SELECTOR", "footer")
    out = tmp_path / "site"
    code, _, err = run("build", "--root", repo_root(tmp_path), "--out", out, "--today", TODAY)
    assert code == 0, err
    assert (out / "pagefind" / "pagefind-ui.js").is_file()
    assert not (out / "elsewhere").exists()
    assert "PAGEFIND_OUTPUT_SUBDIR" in os.environ  # the build's own process is unchanged


# --- several indexes, and the cache of built indexes ------------------------------------


def test_each_project_goes_to_one_index_and_departments_to_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import context, pipeline, status

    monkeypatch.setattr(search, "BUNDLE_PROJECTS", 4)
    portfolio = pipeline.load_portfolio(REPO, dt.date(2026, 11, 25))
    state = status.portfolio_status(portfolio.site, portfolio.projects, dt.date(2026, 11, 25))
    pages = [p for p in context.build_pages(state) if search.indexed(p)]
    found = search.bundles(pages)
    ids = sorted(p.stem for p in (REPO / "projects").glob("*.yaml"))
    assert [b.folder for b in found] == ["pagefind", "pagefind-2", "pagefind-3"], "9 / 4, up"
    projects = [[p.split("/")[1] for p in b.pages if p.startswith("projects/")] for b in found]
    assert sorted(p for group in projects for p in group) == ids, "each in one index"
    assert projects == [group for _, group in search.groups(ids)]
    departments = [[p for p in b.pages if p.startswith("departments/")] for b in found]
    assert departments[0] == [f"departments/{d['id']}/index.html" for d in site_departments()]
    assert departments[1:] == [[], []]
    page = search.pages(state)[0]
    assert page.context["merge"] == ["pagefind-2/", "pagefind-3/"]  # type: ignore[typeddict-item]


def test_adding_or_removing_a_project_changes_one_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "BUNDLE_PROJECTS", 200)
    ids = [f"project-{n:04d}" for n in range(950)]
    before = dict(search.groups(ids))
    sizes = sorted(len(group) for group in before.values())
    assert len(sizes) == 5 and sizes[0] > 160 and sizes[-1] < 220, "about even"
    for changed in ([*ids, "a-new-one"], ids[:500] + ids[501:]):  # still five indexes
        after = dict(search.groups(changed))
        assert len([n for n in before if before[n] != after[n]]) == 1


def test_an_index_left_without_projects_is_left_out_but_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search, "BUNDLE_PROJECTS", 1)
    ids = [f"p{n}" for n in range(12)]  # twelve indexes asked for, some left empty
    found = search.groups(ids)
    assert sorted(p for _, group in found for p in group) == sorted(ids)
    assert found[0][0] == 1 and all(group for _, group in found[1:])
    assert len(found) < 12, "these ids leave some of the twelve empty"
    assert search.groups([]) == [(1, [])]


def test_an_unchanged_index_is_copied_from_the_cache_and_an_edited_one_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import pipeline

    root = repo_root(tmp_path)
    monkeypatch.setattr(search, "BUNDLE_PROJECTS", 5)  # two indexes
    runs: list[str] = []
    real_run = search._run_pagefind

    def counting(binary: Path, site_dir: Path, language: str, bundle: search.Bundle) -> None:
        runs.append(bundle.folder)
        real_run(binary, site_dir, language, bundle)

    monkeypatch.setattr(search, "_run_pagefind", counting)
    today = dt.date(2026, 11, 25)
    pipeline.build_site(root, tmp_path / "one", today, workers=1)
    assert runs == ["pagefind", "pagefind-2"]
    pipeline.build_site(root, tmp_path / "two", today, workers=1)
    assert runs == ["pagefind", "pagefind-2"], "both indexes came from the cache"
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    entries = [tmp_path / site / "pagefind-2" / "pagefind-entry.json" for site in ("one", "two")]
    assert entries[0].stat().st_ino == entries[1].stat().st_ino, "linked, not copied"

    last = sorted((root / "projects").glob("*.yaml"))[-1]  # in pagefind-2
    text = last.read_text(encoding="utf-8")
    assert "第二批面试考核启动。" in text
    last.write_text(text.replace("第二批面试考核启动。", "第二批面试考核启动并完成。"), "utf-8")
    pipeline.build_site(root, tmp_path / "three", today, workers=1)
    assert runs == ["pagefind", "pagefind-2", "pagefind-2"], "only the edited one is rebuilt"
    shutil.rmtree(root / ".cache")
    pipeline.build_site(root, tmp_path / "cold", today, workers=1)
    assert snapshot(tmp_path / "three") == snapshot(tmp_path / "cold"), "cached = built afresh"


def site_departments() -> list[dict[str, str]]:
    import yaml

    loaded: list[dict[str, str]] = yaml.safe_load((REPO / "site.yaml").read_text("utf-8"))[
        "departments"
    ]
    return loaded


def test_the_cache_keeps_only_recent_indexes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for i in range(12):
        entry = cache / f"{i:02d}"
        entry.mkdir(parents=True)
        os.utime(entry, ns=(i * 10**9, i * 10**9))
    search._prune(cache, keep=5)
    assert sorted(p.name for p in cache.iterdir()) == ["07", "08", "09", "10", "11"]


def test_a_cached_index_that_vanishes_midway_is_built_afresh(tmp_path: Path) -> None:
    kept = tmp_path / "cache" / "key"
    (kept / "index").mkdir(parents=True)
    (kept / "pagefind-entry.json").write_text("{}", encoding="utf-8")
    (kept / "index" / "gone").symlink_to(tmp_path / "nowhere")  # copying it fails
    target = tmp_path / "site" / "pagefind"
    assert search._copy_kept(kept, target) is False
    assert not target.exists(), "no half-copied index is left for Pagefind to trip on"
    assert search._copy_kept(tmp_path / "cache" / "missing", target) is False
