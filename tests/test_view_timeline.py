"""The battle map, the indicator sparklines and the countdown (generator/views/timeline.py).

Two built sites: the repository's own (site.yaml + projects/) and a small inline fixture
whose milestones take every state. The HTML is read through stable attributes only
(``data-state``, ``data-project``, ``data-date``, ``data-count``, ``data-trend``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from generator import charts as timeline
from generator import pipeline, render, views
from generator.models import Indicator, IndicatorValue
from generator.status import IndicatorStatus
from generator.views import timeline as timeline_view
from tests.conftest import REPO, SITE_YAML, TODAY, Root, RunResult

Run = Callable[..., RunResult]


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], department: str | None) -> None:
        self.tag, self.attrs, self.department = tag, attrs, department

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class Collector(HTMLParser):
    """Every element with its attributes, and the battle-map group (department) it sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.department: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "tr" and "tl-group" in values.get("class", "").split():
            self.department = values["data-department"]
        self.elements.append(Element(tag, values, self.department))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def having(self, cls: str) -> list[Element]:
        return [e for e in self.elements if cls in e.classes]


def parse(path: Path) -> Collector:
    collector = Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def build(run: Run, root: Path, out: Path) -> dict[str, Any]:
    code, _, err = run("build", "--root", root, "--out", out, "--today", TODAY.isoformat())
    assert code == 0, err
    data: dict[str, Any] = json.loads((out / "data.json").read_text(encoding="utf-8"))
    return data


def check_battle_map(out: Path, data: dict[str, Any]) -> Collector:
    """One row per project in its lead department's group; each mark's state as data.json."""
    page = parse(out / "timeline" / "index.html")
    rows = page.having("tl-row")
    assert sorted(r.attrs["data-project"] for r in rows) == sorted(
        p["id"] for p in data["projects"]
    )
    leads = {p["id"]: p["lead"] for p in data["projects"]}
    for row in rows:
        assert row.department == leads[row.attrs["data-project"]]
    departments = [d["id"] for d in data["departments"]]
    groups = [e.attrs["data-department"] for e in page.elements if "tl-group" in e.classes]
    assert groups == [d for d in departments if d in leads.values()]  # site.yaml's order
    marks = {
        (m.attrs["data-project"], int(m.attrs["data-index"])): m for m in page.having("tl-mark")
    }
    expected = {(p["id"], i): ms for p in data["projects"] for i, ms in enumerate(p["milestones"])}
    assert marks.keys() == expected.keys()
    for key, mark in marks.items():
        assert mark.attrs["data-state"] == expected[key]["state"], key
        assert f"tl-{expected[key]['state']}" in mark.classes
        assert mark.attrs["data-due"] == expected[key]["due"]
    return page


def tick_x(page: Collector, day: str) -> float:
    return float(next(e for e in page.having("tl-tick") if e.attrs["data-date"] == day).attrs["x1"])


def test_repository_site(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site"
    data = build(run, REPO, out)
    page = check_battle_map(out, data)
    # Today (25 Nov) is 24 days into November's 30: the line sits 24/30 of the way.
    today = page.having("tl-today")
    assert {e.attrs["data-date"] for e in today if "data-date" in e.attrs} == {"2026-11-25"}
    x = float(next(e for e in today if "data-date" in e.attrs).attrs["x1"])
    nov, dec = tick_x(page, "2026-11-01"), tick_x(page, "2026-12-01")
    assert x == pytest.approx(nov + (dec - nov) * 24 / 30, abs=0.02)
    # The home page links to the map and counts down to the year's end.
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="timeline/index.html"' in home
    assert re.search(r'data-countdown="year-end">36<', home)
    # Each project page: a one-row strip with every milestone, a sparkline per indicator.
    for project in data["projects"]:
        strip = parse(out / "projects" / project["id"] / "index.html")
        states = [m.attrs["data-state"] for m in strip.having("tl-mark")]
        assert sorted(states) == sorted(m["state"] for m in project["milestones"])
        counts = [int(e.attrs["data-count"]) for e in strip.having("tl-spark-line")]
        with_values = [i for i in project["indicators"] if i["values"]]
        assert counts == [len(i["values"]) for i in with_values]


FIXTURE_PROJECTS = {
    "alpha": """\
        title: "Alpha <script>x</script> project"
        lead: academic-affairs
        start: 2026-02-10
        due: 2026-12-31
        milestones:
          - {title: "<script>x</script>", due: 2026-03-31, done: 2026-03-30}
          - {title: Late one, due: 2026-05-31, done: 2026-06-10}
          - {title: Missed one, due: 2026-11-01}
          - {title: Soon one, due: 2026-12-01}
          - {title: Later one, due: 2027-01-15}
        indicators:
          - name: Rising
            target: 10
            baseline: 0
            values:
              - {date: 2026-10-01, value: 2}
              - {date: 2026-10-08, value: 3}
              - {date: 2026-10-15, value: 5}
          - name: Falling
            target: 10
            values:
              - {date: 2026-10-01, value: 6}
              - {date: 2026-10-08, value: 4}
          - name: Flat
            values:
              - {date: 2026-10-01, value: 6}
              - {date: 2026-10-08, value: 7}
              - {date: 2026-10-15, value: 7}
              - {date: 2026-10-22, value: 7}
          - name: Single
            values:
              - {date: 2026-10-01, value: 1}
        """,
    "beta": """\
        title: Beta
        lead: personnel
        milestones:
          - {title: First, due: 2026-09-30, done: 2026-09-01}
        """,
    "gamma": """\
        title: Gamma, a project with a very long name that will not fit the label column at all
        lead: academic-affairs
        status: paused
        milestones:
          - {title: Paused past due, due: 2026-10-01}
        """,
}


@pytest.fixture
def fixture_site(root: Root, run: Run, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    for name, text in FIXTURE_PROJECTS.items():
        root.project(name, text)
    out = tmp_path / "out"
    return out, build(run, root.path, out)


def test_fixture_battle_map(fixture_site: tuple[Path, dict[str, Any]]) -> None:
    out, data = fixture_site
    page = check_battle_map(out, data)
    alpha = next(p for p in data["projects"] if p["id"] == "alpha")
    assert [m["state"] for m in alpha["milestones"]] == [
        "done",
        "done-late",
        "overdue",
        "due-soon",
        "upcoming",
    ]
    # The axis is padded to whole months: 1 Feb 2026 (alpha's start) to 1 Feb 2027.
    ticks = [e.attrs["data-date"] for e in page.having("tl-tick")]
    assert ticks[0] == "2026-02-01" and ticks[-1] == "2027-02-01"
    assert len(set(ticks)) == 13
    # Every state has its legend entry; state classes are carried by shape too.
    assert [e.attrs["data-legend"] for e in page.elements if "data-legend" in e.attrs] == [
        "overdue",
        "due-soon",
        "upcoming",
        "done-late",
        "done",
    ]
    html = (out / "timeline" / "index.html").read_text(encoding="utf-8")
    # Grouped under the department's heading, with the row linking to the project.
    assert 'href="../departments/academic-affairs/index.html">教务处</a>' in html
    assert 'href="../projects/beta/index.html"' in html
    # The long title is cut in the label, whole in its <title>.
    assert "…</text>" in html
    assert "<title>Gamma, a project with a very long name that will not fit the label" in html
    # Slip lines: done late to its completion, overdue to today; the paused project's
    # overdue milestone is marked overdue (a cross) but has no delay running to today.
    svg = "".join(re.findall(r'<svg class="tl-svg tl-plot".*?</svg>', html, flags=re.S))
    assert svg.count('class="tl-slip tl-slip-done-late"') == 1
    assert svg.count('class="tl-slip tl-slip-overdue"') == 1
    gamma = next(p for p in data["projects"] if p["id"] == "gamma")
    assert [m["state"] for m in gamma["milestones"]] == ["overdue"]
    legend = re.search(r'data-legend="overdue">.*?</li>', html, flags=re.S)
    assert legend is not None and '<span class="tl-count">2</span>' in legend.group()
    group = re.search(r'id="tl-group-academic-affairs">.*?</h2>', html, flags=re.S)
    assert group is not None and "1 overdue" in group.group()  # alpha's, not gamma's


def test_user_text_is_escaped(fixture_site: tuple[Path, dict[str, Any]]) -> None:
    out, _ = fixture_site
    for page in ("timeline/index.html", "projects/alpha/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert "<script>x" not in html
        assert "&lt;script&gt;x&lt;/script&gt;" in html
        svg = "".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))
        assert "&lt;script&gt;x&lt;/script&gt;" in svg
        assert "<script" not in svg


def test_indicator_sparklines_and_trends(fixture_site: tuple[Path, dict[str, Any]]) -> None:
    out, _ = fixture_site
    page = parse(out / "projects" / "alpha" / "index.html")
    lines = page.having("tl-spark-line")
    assert [int(e.attrs["data-count"]) for e in lines] == [3, 2, 4, 1]
    for line in lines:
        assert len(line.attrs["points"].split()) == int(line.attrs["data-count"])
    assert [e.attrs["data-trend"] for e in page.having("tl-trend")] == ["up", "down", "flat"]
    html = (out / "projects" / "alpha" / "index.html").read_text(encoding="utf-8")
    for arrow in ("▲", "▼", "▶"):
        assert f'<span class="tl-arrow" aria-hidden="true">{arrow}</span>' in html
    assert "Up from 3, the previous figure" in html
    assert "Down from 6, the previous figure" in html
    assert "Unchanged from the previous figure" in html
    assert page.having("tl-spark-target") and page.having("tl-spark-baseline")


def test_strip_on_project_page(fixture_site: tuple[Path, dict[str, Any]]) -> None:
    out, _ = fixture_site
    page = parse(out / "projects" / "alpha" / "index.html")
    assert len(page.having("tl-row")) == 1
    assert [m.attrs["data-state"] for m in page.having("tl-mark")] == [
        # drawn least urgent first, so the urgent ones sit on top
        "done",
        "done-late",
        "upcoming",
        "due-soon",
        "overdue",
    ]
    html = (out / "projects" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../static/timeline.css"' in html
    assert 'href="../../timeline/index.html"' in html


def test_countdown(fixture_site: tuple[Path, dict[str, Any]]) -> None:
    out, _ = fixture_site
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "Days to the end of 2026" in home
    assert re.search(r'data-countdown="year-end">36<', home)
    assert timeline.days_to_year_end(dt.date(2026, 11, 25)) == 36
    assert timeline.days_to_year_end(dt.date(2026, 12, 31)) == 0
    assert timeline.days_to_year_end(dt.date(2028, 1, 1)) == 365


def test_chinese_site(root: Root, run: Run, tmp_path: Path) -> None:
    root.site(SITE_YAML.replace("language: en", "language: zh-CN"))
    for name, text in FIXTURE_PROJECTS.items():
        root.project(name, text)
    out = tmp_path / "zh"
    build(run, root.path, out)
    html = (out / "timeline" / "index.html").read_text(encoding="utf-8")
    assert "<h1>挂图作战</h1>" in html
    assert ">今天 11月25日</text>" in html
    assert ">2月</text>" in html
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "距 2026 年底天数" in home
    assert "挂图作战：全部项目时间节点一图总览" in home
    project = (out / "projects" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert "指标走势" in project and "较上次数据 3 上升" in project


def test_helpers() -> None:
    assert timeline.truncate("short", 10) == "short"
    cut = timeline.truncate("一二三四五六七八九十", 10)
    assert cut.endswith("…") and len(cut) <= 5
    shapes = {s: timeline.shape(s, 0, 0, 6) for s in timeline.STATES}
    assert len(set(shapes.values())) == 4  # done and upcoming share the circle: fill tells them
    assert shapes["done"] == shapes["upcoming"]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("专业建设专项经费执行过半", ["专业建设专项经费执行过半"]),
        ("《公房定额配置与有偿使用办法》报审并印发", ["《公房定额配置与有偿使用", "办法》报审并印发"]),
        ("一二三四五六七八九十" * 3, ["一二三四五六七八九十一二", "三四五六七八九十一二三…"]),
        ("Review the annual budget of the platform", ["Review the annual budget", "of the platform"]),
        ("Supercalifragilisticexpialidocious", ["Supercalifragilisticexpi", "alidocious"]),
    ],
)
def test_a_focused_marks_name_wraps_in_two_lines(text: str, lines: list[str]) -> None:
    assert timeline.wrap(text, timeline.TIP_UNITS, 2) == lines


def test_250_projects_stay_legible(root: Root) -> None:
    leads = ["academic-affairs", "personnel", "science-tech"]
    for i in range(250):
        root.project(
            f"p{i:03d}",
            f"""\
            title: 项目 {i} 名称很长很长很长很长很长很长很长很长很长很长
            lead: {leads[i % 3]}
            start: 2026-01-01
            due: 2026-12-31
            milestones:
              - {{title: A, due: 2026-03-31, done: 2026-04-02}}
              - {{title: B, due: 2026-11-20}}
              - {{title: C, due: 2026-12-01}}
            """,
        )
    assert timeline_view in views.ALL
    state, _ = pipeline.check(root.path, TODAY)
    chart = timeline.battle_map(state)
    assert chart.rows == 250
    g = chart.geometry
    for group in chart.groups:
        assert group.height == g.header_height + len(group.rows) * g.row_height + 6
        tops = [r.y for r in group.rows]
        assert all(b - a == g.row_height for a, b in itertools.pairwise(tops))
        assert all(r.label.endswith("…") for r in group.rows)
    pages = timeline_view.pages(state)
    (job,) = render.page_jobs(pages, pipeline.THEME, "en")
    html = b"".join(dict(job())[timeline_view.PATH]).decode()
    assert html.count('class="tl-row ') == 250
    assert html.count('data-state="overdue"') == 250


def test_sparkline_geometry() -> None:
    values = [
        IndicatorValue(date=dt.date(2026, 10, d), value=v) for d, v in ((15, 5), (1, 1), (8, 3))
    ]
    indicator = Indicator(name="n", target=9, baseline=1, values=values)
    line = timeline.sparkline(IndicatorStatus(indicator, 5, dt.date(2026, 10, 15), 3, 5 / 9))
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert len(points) == line.count == 3
    xs = [x for x, _ in points]
    assert xs == sorted(xs) and xs[0] == line.plot_left and xs[-1] == line.plot_right
    assert xs[1] == pytest.approx((line.plot_left + line.plot_right) / 2)
    ys = [y for _, y in points]
    assert ys == sorted(ys, reverse=True)  # rising values, falling y
    assert (line.low, line.high) == (1, 9)
    assert line.baseline_y == line.plot_bottom and line.target_y == line.plot_top
    assert (line.trend, line.arrow, line.delta, line.toward_target) == ("up", "▲", "+2", True)
