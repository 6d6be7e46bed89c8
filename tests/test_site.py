"""The built site: the repository's own data as of 2026-11-25, data.json, and sanitising."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import render, search
from generator.cli import main
from tests.conftest import REPO, Root, RunResult

Run = Callable[..., RunResult]

AS_OF = dt.date(2026, 11, 25)
PROJECT_IDS = sorted(p.stem for p in (REPO / "projects").glob("*.yaml"))
SITE = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
DEPARTMENT_IDS = [d["id"] for d in SITE["departments"]]
HEALTH_RANK = {"red": 0, "amber": 1, "green": 2, "paused": 3, "done": 4, "cancelled": 5}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# As of 2026-11-25: the four projects with overdue milestones first (most overdue first,
# then by id), then the green ones, then the paused one.
EXPECTED_ORDER = [
    "asset-inventory",
    "first-class-majors",
    "graduate-employment",
    "research-platforms",
    "cadre-team-building",
    "graduate-education-reform",
    "strict-party-governance",
    "talent-recruitment",
    "smart-campus",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's projects/ and site.yaml, built once (search index and all) as of
    2026-11-25; the tests below only read it."""
    out = tmp_path_factory.mktemp("repository") / "site"
    code = main(["build", "--root", str(REPO), "--out", str(out), "--today", AS_OF.isoformat()])
    assert code == 0
    return out


@pytest.fixture
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """For builds of small inline roots: skip Pagefind's slow indexing step."""
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def data_of(out: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / "data.json").read_text(encoding="utf-8"))
    return loaded


def source(project_id: str) -> dict[str, Any]:
    """A project file as YAML 1.1 reads it (dates become dates): an independent reading."""
    text = (REPO / "projects" / f"{project_id}.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if k == "href" and v]


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


# --- pages ------------------------------------------------------------------------------


def test_the_repository_holds_nine_projects() -> None:
    assert len(PROJECT_IDS) == 9


def test_index_lists_every_project_red_first(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    listed: list[str] = []
    for href in links(html):
        found = re.fullmatch(r"projects/([a-z0-9-]+)/index\.html", href)
        if found and found.group(1) not in listed:
            listed.append(found.group(1))
    assert listed == EXPECTED_ORDER
    health = {p["id"]: p["health"] for p in data_of(site)["projects"]}
    ranks = [HEALTH_RANK[health[i]] for i in listed]
    assert ranks == sorted(ranks)
    assert [health[i] for i in listed[:4]] == ["red"] * 4


def test_index_shows_the_as_of_date(site: Path) -> None:
    assert "2026-11-25" in (site / "index.html").read_text(encoding="utf-8")


def test_every_project_has_a_page_with_its_title(site: Path) -> None:
    for project_id in PROJECT_IDS:
        page = site / "projects" / project_id / "index.html"
        assert page.is_file(), project_id
        html = page.read_text(encoding="utf-8")
        assert source(project_id)["title"] in html
        for milestone in source(project_id)["milestones"]:
            assert milestone["due"].isoformat() in html


def test_every_department_of_site_yaml_has_a_page(site: Path) -> None:
    assert len(DEPARTMENT_IDS) >= 9
    for dept in SITE["departments"]:
        page = site / "departments" / dept["id"] / "index.html"
        assert page.is_file(), dept["id"]
        assert dept["name"] in page.read_text(encoding="utf-8")
    assert (site / "departments" / "index.html").is_file()


def test_no_page_links_to_a_missing_page(site: Path) -> None:
    for page in site.rglob("*.html"):
        for href in links(page.read_text(encoding="utf-8")):
            if href.startswith(("#", "http://", "https://", "mailto:")):
                continue
            target = (page.parent / re.split(r"[?#]", href)[0]).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site)} → {href}"


# --- data.json --------------------------------------------------------------------------


def test_data_json_has_as_of_and_every_project(site: Path) -> None:
    data = data_of(site)
    assert data["as_of"] == "2026-11-25"
    assert sorted(p["id"] for p in data["projects"]) == PROJECT_IDS


def test_data_json_projects_match_the_contract(site: Path) -> None:
    for project in data_of(site)["projects"]:
        assert {"id", "title", "lead", "departments", "health", "progress", "milestones"} <= set(
            project
        )
        yaml_data = source(project["id"])
        assert project["title"] == yaml_data["title"]
        assert project["lead"] in DEPARTMENT_IDS
        assert isinstance(project["departments"], list)
        assert all(d in DEPARTMENT_IDS for d in project["departments"])
        assert project["health"] in HEALTH_RANK
        assert isinstance(project["progress"], (int, float))
        assert 0 <= project["progress"] <= 1
        for milestone in project["milestones"]:
            assert {"title", "due", "done", "state"} <= set(milestone)
            assert DATE.match(milestone["due"])
            assert milestone["done"] is None or DATE.match(milestone["done"])
            assert milestone["state"] in {"done", "done-late", "overdue", "due-soon", "upcoming"}


def expected_state(milestone: dict[str, Any], active: bool) -> str:
    due: dt.date = milestone["due"]
    done: dt.date | None = milestone.get("done")
    if done is not None:
        return "done" if done <= due else "done-late"
    if due < AS_OF and active:
        return "overdue"
    if AS_OF <= due <= AS_OF + dt.timedelta(days=SITE.get("due_soon_days", 14)):
        return "due-soon"
    return "upcoming"


def test_data_json_milestones_and_progress_agree_with_the_files(site: Path) -> None:
    for project in data_of(site)["projects"]:
        yaml_data = source(project["id"])
        active = yaml_data.get("status", "active") == "active"
        milestones = yaml_data.get("milestones") or []
        assert [(m["title"], m["due"], m["done"], m["state"]) for m in project["milestones"]] == [
            (
                m["title"],
                m["due"].isoformat(),
                m["done"].isoformat() if m.get("done") else None,
                expected_state(m, active),
            )
            for m in milestones
        ], project["id"]
        total = sum(m.get("weight", 1) for m in milestones)
        done = sum(m.get("weight", 1) for m in milestones if m.get("done"))
        assert project["progress"] == pytest.approx(done / total if total else 0.0, abs=1e-4)
        assert project["lead"] == yaml_data["lead"]
        assert project["departments"] == yaml_data.get("departments", [])


def test_data_json_has_one_record_a_line(site: Path) -> None:
    raw = (site / "data.json").read_text(encoding="utf-8")
    lines = {line.strip().removesuffix(",") for line in raw.splitlines()}
    data = json.loads(raw)
    records = [
        *data["departments"],
        *(r for p in data["projects"] for r in p["milestones"] + p["notes"]),
        *(v for p in data["projects"] for i in p["indicators"] for v in i["values"]),
    ]
    assert records
    for record in records:  # each on its own line, as json.dumps writes it
        assert json.dumps(record, ensure_ascii=False) in lines, record
    assert raw.startswith('{\n "as_of": "2026-11-25",\n "site": {"title": ')
    assert raw.endswith("\n ]\n}\n")


def test_render_json_lays_out_only_what_holds_records() -> None:
    data = {
        "a": 1,
        "flat": {"x": [1, 2], "y": 'é "quoted"\n'},
        "empty": [],
        "records": [{"k": 1}, {"k": [2, 3], "nested": [{"z": None}]}],
    }
    raw = render.render_json(data).decode("utf-8")
    assert json.loads(raw) == data
    assert raw == (
        "{\n"
        ' "a": 1,\n'
        ' "flat": {"x": [1, 2], "y": "é \\"quoted\\"\\n"},\n'
        ' "empty": [],\n'
        ' "records": [\n'
        '  {"k": 1},\n'
        "  {\n"
        '   "k": [2, 3],\n'
        '   "nested": [\n'
        '    {"z": null}\n'
        "   ]\n"
        "  }\n"
        " ]\n"
        "}\n"
    )
    many = {"r": [{"i": n} for n in range(10_000)]}  # written out a few thousand at a time
    rows = ",\n".join(f'  {{"i": {n}}}' for n in range(10_000))
    assert render.render_json(many).decode("utf-8") == '{\n "r": [\n' + rows + "\n ]\n}\n"


def test_a_lazy_list_is_written_as_it_is_made_with_the_same_bytes() -> None:
    made: list[int] = []

    def records() -> Iterator[dict[str, object]]:
        for n in range(10_000):
            made.append(n)
            yield {"i": n, "nested": [{"z": n}]}

    eager = render.render_json({"a": 1, "r": [{"i": n, "nested": [{"z": n}]} for n in range(10_000)]})
    chunks = render.json_chunks({"a": 1, "r": records()})
    first = next(chunks)
    assert len(made) < 10_000, "the first chunk comes before every record is made"
    assert first + b"".join(chunks) == eager
    # A lazy value cannot be looked into first: its parent is laid out even when it is empty.
    assert render.render_json({"a": 1, "r": iter([])}) == b'{\n "a": 1,\n "r": []\n}\n'
    assert render.render_json({"a": 1, "r": []}) == b'{"a": 1, "r": []}\n'


def test_parts_laid_out_before_are_written_one_at_a_time() -> None:
    """data.json's projects as kept parts (:class:`render.JsonText`, each a whole project
    of tens of kilobytes at scale): each is written out before the next is made, so the
    file is never held whole (it was, 77 MB at 1,000 projects, until a part counted as a
    record of a few bytes)."""
    made: list[int] = []

    def parts() -> Iterator[render.JsonText]:
        for n in range(200):
            made.append(n)
            yield render.json_text({"i": n, "notes": [{"text": "进展" * 5_000}]}, 2)

    eager = render.render_json(
        {"a": 1, "r": [{"i": n, "notes": [{"text": "进展" * 5_000}]} for n in range(200)]}
    )
    chunks = render.json_chunks({"a": 1, "r": parts()})
    written = b""
    for chunk in chunks:
        assert len(chunk) < 40_000, "one part at most (30 KB here), not the parts so far"
        written += chunk
    assert made == list(range(200))
    assert written == eager


def test_data_json_health(site: Path) -> None:
    health = {p["id"]: p["health"] for p in data_of(site)["projects"]}
    assert {i for i, h in health.items() if h == "red"} == set(EXPECTED_ORDER[:4])
    assert health["smart-campus"] == "paused"


@pytest.mark.usefixtures("no_search_index")
def test_data_json_gives_departments_by_id_when_files_use_names(
    run: Run, root: Root, tmp_path: Path
) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: 教务处
        departments: [人事处, science-tech]
        milestones:
          - title: 印发方案
            due: 2026-11-25
            owner: 科技处
        """,
    )
    out = tmp_path / "site"
    assert run("build", "--root", root.path, "--out", out, "--today", "2026-11-25")[0] == 0
    [project] = data_of(out)["projects"]
    assert project["lead"] == "academic-affairs"
    assert project["departments"] == ["personnel", "science-tech"]
    [milestone] = project["milestones"]
    assert (milestone["done"], milestone["state"]) == (None, "due-soon")
    assert milestone.get("owner", "science-tech") == "science-tech"
    assert (out / "departments" / "science-tech" / "index.html").is_file()


# --- sanitising -------------------------------------------------------------------------

PAYLOAD = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
TITLE = "<b onmouseover=alert(1)>T</b>"

HOSTILE_PROJECT = """\
title: '{title}'
summary: |
  {payload}

  <script>alert(2)</script>

  <img src=x onerror=alert(3)>

  [y](javascript:alert(4))
lead: academic-affairs
sponsor: '{title}'
tags: ['{title}']
milestones:
  - title: '{title}'
    due: 2026-12-20
    note: |
      {payload}
indicators:
  - name: '{title}'
    unit: '<i onmouseover=alert(1)>'
    target: 10
    values: [{{date: 2026-11-01, value: 3}}, {{date: 2026-11-08, value: 5}}]
notes:
  - date: 2026-11-20
    kind: problem
    author: '{title}'
    text: |
      {payload}
"""


class Active(HTMLParser):
    """What in a page can run: script elements (with their text) and on* attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str, str]] = []
        self.handlers: list[tuple[str, str, str]] = []
        self.urls: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value or ""))
            if name in {"href", "src", "action", "formaction", "xlink:href"}:
                self.urls.append((value or "").strip().lower())
        if tag in {"script", "iframe", "object", "embed"}:
            self._script = []
            self.scripts.append((tag, dict(attrs).get("src") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            kind, src = self.scripts.pop()
            self.scripts.append((kind, src + "|" + "".join(self._script).strip()))
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)


def active_parts(html: str) -> Active:
    parser = Active()
    parser.feed(html)
    parser.close()
    return parser


LOCAL_SCRIPT = re.compile(r"^(?![a-z][a-z0-9+.-]*:|//)[A-Za-z0-9_./-]+\.js$")
"""The theme may load its own script files by a relative path; nothing else may run."""


@pytest.mark.usefixtures("no_search_index")
def test_markdown_and_titles_cannot_inject_script(run: Run, root: Root, tmp_path: Path) -> None:
    root.project("x", HOSTILE_PROJECT.format(title=TITLE, payload=PAYLOAD))
    out = tmp_path / "site"
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", "2026-11-25")
    assert code == 0, err
    pages = {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(out.rglob("*.html"))
    }
    assert "projects/x/index.html" in pages
    for where, html in pages.items():
        lowered = html.lower()
        assert "<script>alert" not in lowered, where
        # Raw HTML may survive as escaped, visible text (GFM's tag filter), never as markup.
        tags_only = re.sub(r">[^<]*<", "><", lowered)
        assert "alert(2)" not in tags_only and "alert(3)" not in tags_only, where
        assert "javascript:" not in tags_only, where
        assert "onerror" not in tags_only, where
        # The escaped title shows the text "onmouseover=", but never as an attribute:
        # no tag is left unescaped, and no element has an on* attribute.
        assert "<b onmouseover" not in lowered and "<i onmouseover" not in lowered, where
        found = active_parts(html)
        assert found.handlers == [], where
        for kind, script in found.scripts:
            src, _, inline = script.partition("|")
            assert kind == "script", where
            assert LOCAL_SCRIPT.match(src) and not inline, (where, script)
        assert not [u for u in found.urls if u.startswith(("javascript", "data:", "vbscript"))]
    project_page = pages["projects/x/index.html"]
    escaped = "&lt;b onmouseover=alert(1)&gt;T&lt;/b&gt;"
    assert escaped in project_page
    assert escaped in pages["index.html"]
    # Nothing the author wrote is lost: the line starting with a tag shows as inert text,
    # and the Markdown link on its own line still renders, without its javascript: target.
    assert "[x](javascript:alert(1))" in project_page
    assert ">y</a>" in project_page
