"""Link previews (generator/meta.py): the description and Open Graph tags of every page.

A chat (WeChat, DingTalk, Feishu) shows a pasted link by its ``og:title`` and
``og:description``; every page kind has them, worded from the page's own figures, in the
site's language, and escaped: a title with quotes and ``<`` cannot break out of its tag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator import meta
from generator.models import SiteConfig
from tests.conftest import REPO, SITE_YAML, TODAY, Root, RunResult

Run = Callable[..., RunResult]

HOSTILE = """Alpha "quoted" <script>alert(1)</script> & 'apos' </title><b>"""
NEXT = """Next "<i>" & 'q'"""
TAGS = ("description", "og:type", "og:site_name", "og:title", "og:description", "og:url")


class Head(HTMLParser):
    """The tags inside <head>, and its meta tags by name or property (text unescaped)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.meta: dict[str, list[str]] = {}
        self.title = ""
        self._in: str | None = "head"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._in is None:
            return
        self.tags.append(tag)
        values = dict(attrs)
        key = values.get("name") or values.get("property")
        if tag == "meta" and key:
            self.meta.setdefault(key, []).append(values.get("content") or "")
        if tag == "title":
            self._in = "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in == "title":
            self._in = "head"
        if tag == "head":
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def previews(out: Path) -> dict[str, dict[str, str]]:
    """Page → its preview tags; each tag once, and nothing but these tags in the head."""
    found = {}
    for page in sorted(out.rglob("*.html")):
        if "pagefind" in page.parts:
            continue
        parsed = head(page)
        name = page.relative_to(out).as_posix()
        assert set(parsed.tags) <= {"html", "head", "meta", "title", "link", "script"}, name
        assert all(len(v) == 1 for v in parsed.meta.values()), (name, parsed.meta)
        found[name] = {k: v[0] for k, v in parsed.meta.items() if k in TAGS}
    return found


def fixture_root(root: Root, site: str) -> Root:
    root.site(site)
    root.project(
        "alpha",
        f"""\
        title: {_yaml(HOSTILE)}
        lead: academic-affairs
        start: 2026-01-01
        due: 2026-12-31
        milestones:
          - {{title: {_yaml(NEXT)}, due: 2026-10-01}}
          - {{title: Done one, due: 2026-03-01, done: 2026-03-01}}
          - {{title: Later, due: 2026-12-01}}
          - {{title: Last, due: 2026-12-20}}
        notes:
          - {{date: 2026-11-20, text: On its way.}}
        """,
    )
    root.project(
        "beta",
        """\
        title: Beta
        lead: personnel
        milestones:
          - {title: Report, due: 2026-12-04}
        notes:
          - {date: 2026-11-20, text: Fine.}
        """,
    )
    root.project("gamma", "title: Gamma\nlead: science-tech\nstatus: paused\n")
    return root


def _yaml(text: str) -> str:
    """``text`` as a YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


BASE = "https://example.org/progress/"


def test_every_page_kind_has_its_preview_escaped(root: Root, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site"
    fixture_root(root, SITE_YAML + f"base_url: {BASE}\n")
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", TODAY.isoformat())
    assert code == 0, err
    html = (out / "projects" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<i>" not in html and "<b>" not in html
    tags = previews(out)
    for kind in (
        "index.html",
        "projects/alpha/index.html",
        "timeline/index.html",
        "weeks/index.html",
        "weeks/2026-W48/index.html",
        "departments/index.html",
        "departments/personnel/index.html",
        "ledger.html",
        "search.html",
    ):
        assert set(tags[kind]) == set(TAGS), kind
    for name, found in tags.items():
        assert found["og:description"] == found["description"], name
        assert found["og:site_name"] == "测试站点", name
        folder = name.removesuffix("index.html")
        assert found["og:url"] == BASE + folder, name
        assert found["og:type"] == ("website" if name == "index.html" else "article"), name
        assert found["og:title"] and found["description"], name

    alpha = tags["projects/alpha/index.html"]
    assert alpha["og:title"] == HOSTILE  # whole, exactly as written, escaped in the HTML
    assert alpha["description"] == (
        f"1 overdue milestone · Progress 25% · Next milestone: {NEXT}, due 2026-10-01"
        " (55 days overdue) · Lead department: 教务处"
    )
    assert tags["projects/beta/index.html"]["description"] == (
        "On track · Progress 0% · Next milestone: Report, due 2026-12-04 (9 days left)"
        " · Lead department: 人事处"
    )
    assert tags["projects/gamma/index.html"]["description"] == (
        "Paused · Progress 0% · Lead department: 科技处"
    )
    assert tags["index.html"] == tags["index.html"] | {
        "og:title": "测试站点",
        "description": "3 projects · Overdue: 1 · On track: 1 · Paused: 1 · 5 milestones"
        " · Overdue milestones: 1 · Due within 14 days: 2 · Milestones done: 1",
    }
    assert tags["timeline/index.html"]["og:title"] == "Battle map · 测试站点"
    assert tags["timeline/index.html"]["description"] == (
        "3 projects · 5 milestones · Overdue milestones: 1 · Due within 14 days: 2"
    )
    assert tags["weeks/2026-W48/index.html"]["og:title"] == "Week 48, 2026 · 测试站点"
    assert tags["weeks/2026-W48/index.html"]["description"] == (
        "2026-11-23 to 2026-11-29 · Milestones completed: 0 · Milestones missed: 0"
        " · Due dates moved: 0 · Due in the coming week: 2 · Reports filed: 0"
    )
    assert tags["weeks/2026-W47/index.html"]["description"].endswith("Reports filed: 2")
    assert tags["weeks/index.html"]["description"] == "40 weeks · 2026-W09 – 2026-W48"
    assert tags["departments/index.html"]["description"] == (
        "3 departments · Falling behind: 1 · Overdue milestones: 1"
    )
    assert tags["departments/academic-affairs/index.html"] == tags[
        "departments/academic-affairs/index.html"
    ] | {
        "og:title": "教务处",
        "description": "Projects led: 1 · Projects taken part in: 0 · Overdue milestones: 1"
        " · Milestones this department delivers: 4",
    }
    assert tags["ledger.html"]["description"] == (
        "5 milestones · Overdue: 1 · Due soon: 2 · Upcoming: 1 · Done: 1"
    )
    assert tags["search.html"]["description"] == "Search the projects and departments of 测试站点"


def test_without_base_url_no_address_and_the_words_in_chinese(
    root: Root, run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    fixture_root(root, SITE_YAML.replace("language: en", "language: zh-CN"))
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", TODAY.isoformat())
    assert code == 0, err
    tags = previews(out)
    assert all("og:url" not in found for found in tags.values())
    assert tags["projects/alpha/index.html"]["description"] == (
        f"逾期节点 1 个 · 进展 25% · 下一节点：{NEXT}，2026-10-01 到期（已逾期 55 天）"
        " · 牵头部门：教务处"
    )
    assert tags["projects/beta/index.html"]["description"] == (
        "正常推进 · 进展 0% · 下一节点：Report，2026-12-04 到期（剩余 9 天） · 牵头部门：人事处"
    )
    assert tags["index.html"]["description"] == (
        "3 个项目 · 逾期 1 · 正常推进 1 · 暂停 1 · 5 个节点 · 逾期节点 1 · 14 天内到期 2"
        " · 已完成节点 1"
    )
    assert tags["weeks/index.html"]["description"] == "共 40 周 · 2026-W09 – 2026-W48"
    assert tags["timeline/index.html"]["og:title"] == "挂图作战 · 测试站点"


def test_the_repository_sample_reads_as_the_issue_says(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, err = run("build", "--root", REPO, "--out", out, "--today", TODAY.isoformat())
    assert code == 0, err
    found = head(out / "projects" / "asset-inventory" / "index.html").meta
    assert found["og:title"] == ["国有资产清查与公房管理"]
    assert found["og:description"][0].startswith("逾期节点 2 个 · 进展 57% · 下一节点：")
    assert found["og:url"] == ["https://example.org/progress/projects/asset-inventory/"]


SITE = SiteConfig.model_validate(
    {"title": "T", "language": "en", "departments": [{"id": "a", "name": "A"}]}
)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["one\nline", "  two\t words "], "one line · two words"),
        (["", "only"], "only"),
        (["x" * 400], "x" * (meta.MAX_LENGTH - 1) + "…"),
    ],
)
def test_a_description_is_one_bounded_line(parts: list[str], expected: str) -> None:
    made = meta.make(SITE, "projects/p/index.html", "Title\nsplit", parts)
    assert made.description == expected
    assert made.title == "Title split"
    assert made.url is None and made.kind == "article"


def test_default_preview_for_a_page_without_its_own() -> None:
    made = meta.default(SITE, dt.date(2026, 11, 25), "other/page.html")
    assert (made.title, made.description) == ("T", "Status as of 2026-11-25")
