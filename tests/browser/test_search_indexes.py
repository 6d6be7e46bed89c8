"""One search over several indexes: a large portfolio's pagefind/, pagefind-2/, …

The repository's nine projects are built with three projects to an index, so the search
page merges three Pagefind indexes; a word from a project in each must be found, with
links that work under a sub-path, and nothing may fail or leave the site.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from generator import pipeline, search
from tests.browser.conftest import WatchedPage, serve_folder
from tests.conftest import REPO

SUB_PATH = "progress"
IDS = sorted(p.stem for p in (REPO / "projects").glob("*.yaml"))
# (word, the project whose page holds it): one project in each of the three indexes.
FOUND_IN = [
    ("人才引进", "talent-recruitment"),  # pagefind/
    ("一流本科", "first-class-majors"),  # pagefind-2/
    ("智慧校园", "smart-campus"),  # pagefind-3/
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("indexes") / SUB_PATH
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "BUNDLE_PROJECTS", 3)
        pipeline.build_site(REPO, out, dt.date(2026, 11, 25), force=True)
        where = {project: number for number, group in search.groups(IDS) for project in group}
    assert [where[project] for _, project in FOUND_IN] == [1, 2, 3], "one word from each index"
    assert sorted(p.name for p in out.glob("pagefind*")) == ["pagefind", "pagefind-2", "pagefind-3"]
    with serve_folder(out.parent) as root:
        yield f"{root}{SUB_PATH}/"


@pytest.mark.parametrize(("word", "project"), FOUND_IN)
def test_a_word_is_found_whichever_index_holds_its_page(
    page: WatchedPage, base_url: str, word: str, project: str
) -> None:
    page.serve_from(base_url)
    page.goto(base_url + "search.html?q=" + word)
    results = page.locator(".pagefind-ui__result-link")
    results.first.wait_for()
    hrefs: list[str] = results.evaluate_all("(links) => links.map((a) => a.href)")
    target = f"{base_url}projects/{project}/index.html"
    assert target in hrefs, hrefs
    assert all(href.startswith(base_url) for href in hrefs), "every link stays on the site"
    results.nth(hrefs.index(target)).click()
    page.wait_for_url(target)
    assert not page.problems()


def test_the_indexes_merged_in_share_the_first_ones_search_program(
    page: WatchedPage, base_url: str
) -> None:
    """Pagefind's WebAssembly (68 KB) comes once, from pagefind/: each index merged in adds
    only its own small files (its entry, its metadata, the parts a word is looked up in),
    so many small indexes cost a reader a few requests, not a program each."""
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.serve_from(base_url)
    word, project = FOUND_IN[2]  # in pagefind-3/
    page.goto(base_url + "search.html?q=" + word)
    page.locator(f'.pagefind-ui__result-link[href*="projects/{project}/"]').first.wait_for()
    wasm = [url for url in fetched if "/wasm." in url]
    assert [url.removeprefix(base_url) for url in wasm] == ["pagefind/wasm.unknown.pagefind"]
    for folder in ("pagefind", "pagefind-2", "pagefind-3"):
        mine = [url for url in fetched if url.startswith(f"{base_url}{folder}/")]
        assert any("/pagefind-entry.json" in url for url in mine), folder
        assert any(url.endswith(".pf_meta") for url in mine), folder
    assert not page.problems()
