"""Language: ``language`` in site.yaml chooses the site's own words and date format.

The repository's site is built twice from a temporary copy, once in each language, and
every generated HTML page is checked for its ``<html lang>``; a few of the theme's words
and the "as of" date are checked in the translation of each.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, RunResult

Run = Callable[..., RunResult]
TODAY = "2026-11-25"

EXPECTED = {
    "zh-CN": {
        "lead": "牵头部门",
        "as_of": "截至 2026年11月25日",
        "nav": ">项目总览</a>",
        "search": ">搜索</h1>",
        "pagefind": "zh-cn",
    },
    "en": {
        "lead": "Lead department",
        "as_of": "As of November 25, 2026",
        "nav": ">Portfolio</a>",
        "search": ">Search</h1>",
        "pagefind": "en",
    },
}
OTHER = {"zh-CN": "en", "en": "zh-CN"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Language → the repository's site built in that language (once per module)."""
    from generator.cli import main

    sites: dict[str, Path] = {}

    def build(language: str) -> Path:
        if language not in sites:
            base = tmp_path_factory.mktemp(f"site-{language}")
            root = base / "root"
            root.mkdir()
            shutil.copytree(REPO / "projects", root / "projects")
            text = (REPO / "site.yaml").read_text(encoding="utf-8")
            text, found = re.subn(r"(?m)^language: .*$", f"language: {language}", text)
            assert found == 1, "site.yaml has one language line"
            (root / "site.yaml").write_text(text, encoding="utf-8")
            out = base / "site"
            code = main(["build", "--root", str(root), "--out", str(out), "--today", TODAY])
            assert code == 0
            sites[language] = out
        return sites[language]

    return build


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_page_declares_the_language_and_dates_in_it(
    language: str, built: Callable[[str], Path]
) -> None:
    out = built(language)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    texts = {page.relative_to(out).as_posix(): page.read_text(encoding="utf-8") for page in pages}
    assert [name for name, html in texts.items() if f'<html lang="{language}">' not in html] == []
    as_of = EXPECTED[language]["as_of"]
    assert [name for name, html in texts.items() if as_of not in html] == [], "the as-of date"


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_words_and_dates_are_in_the_language(language: str, built: Callable[[str], Path]) -> None:
    out = built(language)
    words, other = EXPECTED[language], EXPECTED[OTHER[language]]
    home = (out / "index.html").read_text(encoding="utf-8")
    project = (out / "projects" / "first-class-majors" / "index.html").read_text(encoding="utf-8")
    search = (out / "search.html").read_text(encoding="utf-8")

    for page in (home, project):
        assert words["lead"] in page
        assert other["lead"] not in page
    for page in (home, project, search):
        assert words["as_of"] in page
        assert other["as_of"] not in page
        assert words["nav"] in page
    assert words["search"] in search
    assert list((out / "pagefind").glob(f"pagefind.{words['pagefind']}_*.pf_meta"))


def test_every_message_of_the_theme_and_the_views_has_a_chinese_translation() -> None:
    """Extract with the project's babel.cfg, as `pybabel extract` does, and look each up."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    repo = Path(__file__).resolve().parent.parent
    method_map = [
        ("theme/templates/**.html", "jinja2"),
        ("generator/**.py", "python"),
    ]
    options = {"theme/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(repo), method_map, options
        )
    }
    po_path = repo / "theme" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    untranslated = sorted(
        m
        for m in found
        if catalog.get(m) is None or not catalog.get(m).string  # type: ignore[union-attr]
    )
    assert len(found) > 150
    assert untranslated == []


def test_the_message_template_is_current() -> None:
    """messages.pot holds exactly the messages the theme and the views use, as the
    `pybabel extract` command of docs/development.md writes it (run it after changing a message)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    repo = Path(__file__).resolve().parent.parent
    method_map = [("theme/templates/**.html", "jinja2"), ("generator/**.py", "python")]
    options = {"theme/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    used = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(repo), method_map, options
        )
    }
    with (repo / "theme" / "locale" / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(used - template) == [] and sorted(template - used) == []
