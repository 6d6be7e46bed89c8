"""The weekly digest (weeks/) and the departments league table (departments/index.html).

A week has its page (``weeks/<week>/index.html``: the table of lead departments, then what
was missed, moved and reported as a problem, by department), and each department that leads
a project has its page of the week (``weeks/<week>/<id>/index.html``: everything, reports as
first lines linking their full text, the indicators that changed, then those that did not).

One inline fixture, built as of Wednesday 2026-11-25 (ISO week 2026-W48), whose every
milestone, note and figure sits at a known place around the week boundaries:

* alpha (active, led by 教务处): milestones completed, done late, missed, due next;
  notes of every kind in W47, and one each side of the Sunday/Monday boundary;
* beta (paused, led by 人事处): an open milestone past due, never "missed";
* gamma (active, led by 人事处 with 科技处 taking part): last note on 2026-10-01.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import context, pipeline, status
from generator.context import Page
from generator.models import Note
from generator.views import weekly
from tests.conftest import Root, RunResult

Run = Callable[..., RunResult]
TODAY = dt.date(2026, 11, 25)

SITE = """\
title: 测试站点
language: en
due_soon_days: 14
stale_after_days: 14
departments:
  - id: academic-affairs
    name: 教务处
  - id: personnel
    name: 人事处
  - id: science-tech
    name: 科技处
  - id: finance
    name: 财务处
"""

ALPHA = """\
title: Alpha <b>项目</b>
lead: academic-affairs
milestones:
  - title: On time in W47
    due: 2026-11-20
    done: 2026-11-18
  - title: Late, done in W47
    due: 2026-11-10
    done: 2026-11-17
  - title: Missed in W47
    due: 2026-11-19
  - title: Due Tuesday of W48
    due: 2026-11-24
  - title: Due Friday of W48
    due: 2026-11-27
  - title: Done early on Saturday
    due: 2026-11-26
    done: 2026-11-21
  - title: Done in W48
    due: 2026-12-01
    done: 2026-11-24
  - title: Due in W49
    due: 2026-12-03
indicators:
  - name: Courses
    values:
      - {date: 2026-11-13, value: 10}
      - {date: 2026-11-20, value: 12}
  - name: Rate
    unit: "%"
    values:
      - {date: 2026-11-22, value: 45}
      - {date: 2026-11-14, value: 50}
  - name: Newcomer
    values:
      - {date: 2026-11-19, value: 7}
notes:
  - date: 2026-11-20
    kind: decision
    text: Decided in W47
  - date: 2026-11-19
    text: Second progress of W47
  - date: 2026-11-17
    kind: next
    text: Next steps of W47
  - date: 2026-11-18
    text: First progress of W47
  - date: 2026-11-16
    kind: problem
    text: "A problem <script>alert(1)</script>"
  - date: 2026-11-22
    text: Sunday note
  - date: 2026-11-23
    text: Monday note
"""

BETA = """\
title: Beta
lead: personnel
status: paused
milestones:
  - title: Paused past due
    due: 2026-11-18
notes:
  - date: 2026-11-20
    text: Beta progress of W47
"""

GAMMA = """\
title: Gamma
lead: personnel
departments: [science-tech]
milestones:
  - title: Gamma soon
    due: 2026-12-01
    owner: science-tech
  - title: Gamma later
    due: 2027-03-01
notes:
  - date: 2026-10-01
    text: Gamma's only note
"""


@pytest.fixture
def fixture(root: Root) -> Root:
    root.site(SITE)
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    root.project("gamma", GAMMA)
    return root


def week_pages(root: Root, today: dt.date = TODAY) -> dict[str, Any]:
    """The weekly view's page contexts, by output path."""
    portfolio = pipeline.load_portfolio(root.path, today)
    state = status.portfolio_status(portfolio.site, portfolio.projects, today)
    pages: list[Page] = weekly.pages(state)
    return {p.path: p.context for p in pages}


def weeks_only(pages: dict[str, Any]) -> list[str]:
    """The paths of the weeks' own pages (not their departments'), in order."""
    return [path for path in pages if re.fullmatch(r"weeks/[^/]+/index\.html", path)]


def titles(entries: list[weekly.Entry]) -> list[str]:
    return [e.milestone.milestone.title for e in entries]


def note_texts(page: Any) -> list[str]:
    """The texts of a week's reports, department by department."""
    return [note.text for d in page["department_weeks"] for _, note, _ in d.notes]


def report_texts(page: Any) -> list[str]:
    """The texts of a department's reports of the week, as its page lists them."""
    return [r.note.text for group in page["reports"] for kind in group.kinds for r in kind.reports]


def build(run: Run, root: Root, today: str = "2026-11-25") -> Path:
    out = root.path.parent / f"site-{today}"
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", today)
    assert code == 0, err
    return out


def text_of(html: str) -> str:
    """The page's words, tags dropped and spaces folded."""
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


# --- weeks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2026-11-22", "2026-W47"),  # Sunday ends the week
        ("2026-11-23", "2026-W48"),  # Monday starts the next
        ("2026-11-29", "2026-W48"),
        ("2026-12-31", "2026-W53"),  # 2026 has 53 ISO weeks
        ("2027-01-01", "2026-W53"),  # a Friday of 2027 still in 2026's last week
        ("2027-01-03", "2026-W53"),
        ("2027-01-04", "2027-W01"),
        ("2025-12-29", "2026-W01"),  # a Monday of 2025 already in 2026's first week
        ("2025-12-28", "2025-W52"),
    ],
)
def test_week_of(day: str, name: str) -> None:
    week = weekly.week_of(dt.date.fromisoformat(day))
    assert week.name == name
    assert week.path == f"weeks/{name}/index.html"
    assert week.monday.weekday() == 0 and week.sunday - week.monday == dt.timedelta(days=6)


def test_notes_fall_in_their_week_at_the_sunday_monday_boundary(fixture: Root) -> None:
    pages = week_pages(fixture)
    assert "Sunday note" in note_texts(pages["weeks/2026-W47/index.html"])
    assert "Monday note" not in note_texts(pages["weeks/2026-W47/index.html"])
    assert note_texts(pages["weeks/2026-W48/index.html"]) == ["Monday note"]


def test_weeks_run_from_the_earliest_dated_item_to_the_as_of_week(fixture: Root) -> None:
    pages = week_pages(fixture)
    # Gamma's note of Thursday 2026-10-01 is the earliest dated item: week 2026-W40.
    names = [pages[path]["week"].name for path in weeks_only(pages)]
    assert names == [f"2026-W{n}" for n in range(40, 49)]
    index = pages["weeks/index.html"]
    assert [s.week.name for s in index["weeks"]] == [f"2026-W{n}" for n in range(48, 39, -1)]
    assert [s.current for s in index["weeks"]] == [True] + [False] * 8
    w48 = pages["weeks/2026-W48/index.html"]
    assert w48["current"] and w48["until"] == TODAY
    assert w48["previous"].name == "2026-W47" and w48["next"] is None
    w40 = pages["weeks/2026-W40/index.html"]
    assert w40["previous"] is None and w40["next"].name == "2026-W41"


def test_no_dated_item_gives_the_as_of_week_alone(root: Root) -> None:
    root.site(SITE)
    root.project("alpha", "title: Alpha\nlead: personnel\n")
    assert list(week_pages(root)) == [
        "weeks/index.html",
        "weeks/2026-W48/index.html",
        "weeks/2026-W48/personnel/index.html",
    ]


def test_iso_year_edges(root: Root) -> None:
    root.site(SITE)
    root.project(
        "alpha",
        """\
        title: Alpha
        lead: personnel
        notes:
          - {date: 2025-12-29, text: First Monday}
          - {date: 2026-12-31, text: New Year's Eve}
          - {date: 2027-01-01, text: New Year's Day}
        """,
    )
    pages = week_pages(root, dt.date(2027, 1, 6))
    paths = weeks_only(pages)
    assert paths[0] == "weeks/2026-W01/index.html"
    assert paths[-1] == "weeks/2027-W01/index.html"
    assert len(paths) == 53 + 1
    assert not any("2025-W" in p for p in paths)
    assert note_texts(pages["weeks/2026-W01/index.html"]) == ["First Monday"]
    assert note_texts(pages["weeks/2026-W53/index.html"]) == ["New Year's Eve", "New Year's Day"]
    assert note_texts(pages["weeks/2027-W01/index.html"]) == []


# --- milestones ----------------------------------------------------------------------------


def test_completed_missed_and_coming(fixture: Root) -> None:
    pages = week_pages(fixture)
    w46, w47, w48 = (pages[f"weeks/2026-W{n}/index.html"] for n in (46, 47, 48))

    # Completed: by completion date, done-late ones marked by their state.
    assert titles(w47["completed"]) == [
        "Late, done in W47",
        "On time in W47",
        "Done early on Saturday",
    ]
    assert [e.milestone.state for e in w47["completed"]] == ["done-late", "done", "done"]
    assert titles(w48["completed"]) == ["Done in W48"]
    assert titles(w46["completed"]) == []

    # Missed: due in the week and not done by then; a paused project's never counts.
    assert titles(w46["missed"]) == ["Late, done in W47"]
    assert titles(w47["missed"]) == ["Missed in W47"]
    assert "Paused past due" not in titles(w47["missed"])
    # In the as-of week only due dates before today can have been missed.
    assert titles(w48["missed"]) == ["Due Tuesday of W48"]

    # Coming: due in the 7 days after Sunday and still open at the week's end.
    assert (w47["coming_start"], w47["coming_end"]) == (
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
    )
    assert titles(w47["coming"]) == ["Due Tuesday of W48", "Due Friday of W48"]
    assert titles(w48["coming"]) == ["Gamma soon", "Due in W49"]
    assert "Paused past due" in titles(w46["coming"])


def section(html: str, heading_id: str) -> str:
    """The page from the ``<h2>`` with this id up to the next ``<h2>`` (or the page's end)."""
    start = html.index(f'<h2 id="{heading_id}">')
    end = html.find("<h2 ", start + 1)
    return html[start : end if end >= 0 else len(html)]


def test_week_page_lists_and_marks(fixture: Root, run: Run) -> None:
    out = build(run, fixture)
    html = (out / "weeks/2026-W47/index.html").read_text(encoding="utf-8")
    text = text_of(html)
    assert "<h1>Week 47, 2026</h1>" in html
    assert "November 16, 2026 to November 22, 2026" in text
    # What was missed, by lead department: the department's heading links its week.
    missed = section(html, "missed")
    assert re.findall(r"<h3[^>]*><a href=\"([^\"]+)\">([^<]+)</a></h3>", missed) == [
        ("../../weeks/2026-W47/academic-affairs/index.html", "教务处")
    ]
    assert "✕ Overdue Alpha <b>项目</b> — Missed in W47 due 2026-11-19 · 6 days overdue" in text_of(
        missed
    )
    assert 'href="../../weeks/2026-W46/index.html"' in html
    assert 'href="../../weeks/2026-W48/index.html"' in html
    assert 'href="../../projects/alpha/index.html#milestone-3"' in html
    assert "Alpha &lt;b&gt;项目&lt;/b&gt;" in html and "<b>项目" not in html
    assert 'href="../../static/weekly.css"' in html
    # What was completed is on the department's page, with the rest of its week.
    page = (out / "weeks/2026-W47/academic-affairs/index.html").read_text(encoding="utf-8")
    completed = text_of(section(page, "completed"))
    assert "◆ Done late Alpha <b>项目</b> — Late, done in W47" in completed
    assert "done 2026-11-17, due 2026-11-10 · 7 days late" in completed
    assert "Missed in W47 due 2026-11-19 · 6 days overdue" in text_of(section(page, "missed"))
    assert "<h1>教务处 · Week 47, 2026</h1>" in page
    assert 'href="../../../weeks/2026-W46/academic-affairs/index.html"' in page
    assert 'href="../../../weeks/2026-W47/index.html"' in page  # back to the week
    assert 'href="../../../departments/academic-affairs/index.html"' in page
    assert 'href="../../../projects/alpha/index.html#milestone-3"' in page


def test_the_departments_table_in_the_order_of_the_departments_page(
    fixture: Root, run: Run
) -> None:
    """The departments that lead a project, those falling behind first (教务处: two overdue
    milestones, then 人事处: a stale project); each row counts its part of the week."""
    pages = week_pages(fixture)
    w47 = pages["weeks/2026-W47/index.html"]
    assert [d.id for d in w47["department_weeks"]] == ["academic-affairs", "personnel"]
    html = (build(run, fixture) / "weeks/2026-W47/index.html").read_text(encoding="utf-8")
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = [text_of(r).split(" ") for r in re.findall(r"<tr.*?</tr>", body, re.S)]
    # reports, problems, completed, missed, moved, due the week after, indicators changed,
    # unchanged (with the department's name for a screen reader), behind pace
    assert rows == [
        ["教务处", "6", "1", "3", "1", "0", "2", "3", "0", "(教务处)", "0"],
        ["人事处", "1", "0", "0", "0", "0", "0", "0", "0", "(人事处)", "0"],
    ]
    assert 'href="../../weeks/2026-W47/academic-affairs/index.html">教务处</a>' in body
    assert 'href="../../weeks/2026-W47/personnel/index.html#unchanged">0' in body


def test_a_milestone_another_department_delivers_names_it(fixture: Root, run: Run) -> None:
    """Under its lead department's name, a milestone says who delivers it only when that is
    another department: 人事处 leads gamma, 科技处 delivers Gamma soon."""
    out = build(run, fixture)
    gamma = text_of(section((out / "weeks/2026-W48/personnel/index.html").read_text(), "coming"))
    assert "Gamma — Gamma soon due 2026-12-01 · 科技处" in gamma
    assert "Gamma — Gamma later" not in gamma
    alpha = (out / "weeks/2026-W48/academic-affairs/index.html").read_text(encoding="utf-8")
    assert "departments/academic-affairs/index.html" not in section(alpha, "coming")


# --- reports -------------------------------------------------------------------------------


def test_reports_grouped_by_project_then_kind(fixture: Root) -> None:
    pages = week_pages(fixture)
    assert pages["weeks/2026-W47/index.html"]["note_count"] == 7
    alpha = pages["weeks/2026-W47/academic-affairs/index.html"]
    assert [g.project.project.id for g in alpha["reports"]] == ["alpha"]
    kinds = alpha["reports"][0].kinds
    assert [k.kind for k in kinds] == ["progress", "problem", "next", "decision"]
    assert [r.note.text for r in kinds[0].reports] == [
        "First progress of W47",
        "Second progress of W47",
        "Sunday note",
    ]
    beta = pages["weeks/2026-W47/personnel/index.html"]
    assert report_texts(beta) == ["Beta progress of W47"]
    assert [k.kind for k in beta["reports"][0].kinds] == ["progress"]


def test_report_headings_first_lines_and_escaping(fixture: Root, run: Run) -> None:
    out = build(run, fixture)
    alpha = section(
        (out / "weeks/2026-W47/academic-affairs/index.html").read_text(encoding="utf-8"),
        "reports",
    )
    headings = re.findall(r"<h[34][^>]*>(?:<a [^>]*>)?([^<]+)", alpha)
    assert headings == [
        "Alpha &lt;b&gt;项目&lt;/b&gt;",
        "Progress",
        "Problems",
        "Next steps",
        "Decisions",
    ]
    beta = section(
        (out / "weeks/2026-W47/personnel/index.html").read_text(encoding="utf-8"), "reports"
    )
    assert re.findall(r"<h[34][^>]*>(?:<a [^>]*>)?([^<]+)", beta) == ["Beta", "Progress"]
    # Each report is its first line, linking its full text on its project's page.
    links = re.findall(r'<li><a href="([^"]+)">([^<]*)</a>', alpha)
    assert links[:3] == [
        ("../../../projects/alpha/index.html#report-2026-11-18", "First progress of W47"),
        ("../../../projects/alpha/index.html#report-2026-11-19", "Second progress of W47"),
        ("../../../projects/alpha/index.html#report-2026-11-22", "Sunday note"),
    ]
    assert ("../../../projects/alpha/index.html#report-2026-11-16", "A problem") in links
    assert "<script>" not in alpha and "alert(1)" not in alpha


def test_report_ids_number_the_reports_of_a_date_in_the_files_order() -> None:
    day = dt.date(2026, 11, 18)
    notes = [
        Note(date=day, text="first of the 18th"),
        Note(date=day + dt.timedelta(days=1), text="the 19th"),
        Note(date=day, text="second of the 18th"),
    ]
    assert context.report_anchors(notes) == [
        "report-2026-11-18",
        "report-2026-11-19",
        "report-2026-11-18-2",
    ]
    # Newest first, as the project page lists them: each report keeps its id.
    newest_first = sorted(notes, key=lambda n: n.date, reverse=True)
    assert context.report_anchors(newest_first) == [
        "report-2026-11-19",
        "report-2026-11-18",
        "report-2026-11-18-2",
    ]


def test_every_report_links_an_id_of_its_project_page(fixture: Root, run: Run) -> None:
    """The links of every week's reports, on the departments' pages and among the problems
    of the week's page, each lead to one report of the project's page, which says the
    same; every report of the project is linked from its week."""
    fixture.project(
        "alpha",
        ALPHA + "  - {date: 2026-11-19, kind: problem, text: Second report of 11-19}\n",
    )
    out = build(run, fixture)
    linked: dict[str, set[str]] = {}
    for page in sorted((out / "weeks").rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for project, anchor in re.findall(
            r'href="[./]*projects/([^/]+)/index\.html#(report-[^"]+)"', html
        ):
            linked.setdefault(project, set()).add(anchor)
    for project, anchors in linked.items():
        html = (out / "projects" / project / "index.html").read_text(encoding="utf-8")
        ids = re.findall(r'<li class="kind-[a-z]+" id="(report-[^"]+)">', html)
        assert len(ids) == len(set(ids)), ids
        assert anchors == set(ids), project
    assert "report-2026-11-19-2" in linked["alpha"]
    alpha = (out / "projects/alpha/index.html").read_text(encoding="utf-8")
    second = alpha[alpha.index('id="report-2026-11-19-2"') :]
    assert text_of(second[: second.index("</li>")]).endswith("Second report of 11-19")


@pytest.mark.parametrize(
    ("text", "line", "cut"),
    [
        ("One line", "One line", False),
        (
            "完成**第一轮**评估，详见[通知](https://example.org/n)。",
            "完成第一轮评估，详见通知。",
            False,
        ),
        ("First paragraph.\n\nSecond paragraph.", "First paragraph.…", True),
        ("本周完成以下工作：\n\n- 一\n- 二", "本周完成以下工作…", True),
        ("- first item\n- second item", "first item…", True),
        ("就业报告未能发布：\n数据核查尚未反馈。", "就业报告未能发布：数据核查尚未反馈。", False),
        ("# Heading\nText", "Heading…", True),
        ("A <script>alert(1)</script>problem &amp; more", "A problem & more", False),
        ("推" * 60, "推" * 47 + "…", True),
        ("推进建设；" * 12, "推进建设；" * 8 + "推进建设…", True),
        ("word " * 30, "word " * 18 + "word…", True),
    ],
    ids=[
        "plain",
        "markdown",
        "paragraphs",
        "lead-and-list",
        "list",
        "wrapped",
        "heading",
        "html",
        "wide",
        "clauses",
        "words",
    ],
)
def test_first_line(text: str, line: str, cut: bool) -> None:
    """A report's first paragraph as plain text, cut within 96 columns (a Chinese character
    takes two) after a clause or a word, '…' where the report goes on."""
    assert weekly.first_line(text) == (line, cut)


# --- indicators ----------------------------------------------------------------------------


def changes(page: Any) -> dict[str, tuple[float, float | None, float | None, str, bool]]:
    return {
        c.indicator.name: (c.value, c.previous, c.change, c.trend, c.reported)
        for c in page["changed"] + page["unchanged"]
    }


def test_indicator_change_against_the_previous_sunday(fixture: Root) -> None:
    pages = week_pages(fixture)

    def every(week: str) -> dict[str, tuple[float, float | None, float | None, str, bool]]:
        return changes(pages[f"weeks/{week}/academic-affairs/index.html"])

    assert every("2026-W45") == {}
    assert every("2026-W46") == {
        "Courses": (10, None, None, "new", True),
        "Rate": (50, None, None, "new", True),
    }
    # The Rate figure of Sunday 2026-11-22 belongs to W47.
    assert every("2026-W47") == {
        "Courses": (12, 10, 2, "up", True),
        "Rate": (45, 50, -5, "down", True),
        "Newcomer": (7, None, None, "new", True),
    }
    assert every("2026-W48") == {
        "Courses": (12, 12, 0, "flat", False),
        "Rate": (45, 45, 0, "flat", False),
        "Newcomer": (7, 7, 0, "flat", False),
    }


def test_changed_indicators_first_the_unchanged_counted_on_the_week(fixture: Root) -> None:
    """Figures again in W48 (the same 7 for Newcomer) leave it unchanged there."""
    fixture.project(
        "alpha", ALPHA.replace("value: 7}", "value: 7}\n      - {date: 2026-11-24, value: 7}")
    )
    pages = week_pages(fixture)
    w47 = pages["weeks/2026-W47/academic-affairs/index.html"]
    assert [c.indicator.name for c in w47["changed"]] == ["Courses", "Rate", "Newcomer"]
    assert w47["unchanged"] == []
    w48 = pages["weeks/2026-W48/academic-affairs/index.html"]
    assert w48["changed"] == []
    assert [(c.indicator.name, c.reported) for c in w48["unchanged"]] == [
        ("Courses", False),
        ("Rate", False),
        ("Newcomer", True),
    ]
    for week, counted in (("2026-W47", (3, 0)), ("2026-W48", (0, 3)), ("2026-W45", (0, 0))):
        figures = pages[f"weeks/{week}/index.html"]["figures"]
        assert [(f.department.id, f.changed, f.unchanged) for f in figures] == [
            ("academic-affairs", *counted),
            ("personnel", 0, 0),
        ]


def test_trend_arrows_carry_a_text_alternative(fixture: Root, run: Run) -> None:
    out = build(run, fixture)
    w47 = (out / "weeks/2026-W47/academic-affairs/index.html").read_text(encoding="utf-8")
    assert '<span class="arrow" aria-hidden="true">▲</span> <span class="vh">Up</span> +2' in w47
    assert (
        '<span class="arrow" aria-hidden="true">▼</span> <span class="vh">Down</span> \u22125'
        in w47
    )
    assert "first figure" in w47
    assert '<h3 id="unchanged">Unchanged this week (0)</h3>' in w47
    w48 = (out / "weeks/2026-W48/academic-affairs/index.html").read_text(encoding="utf-8")
    assert '<h3 id="changed">Changed this week (0)</h3>' in w48
    unchanged = w48[w48.index('<h3 id="unchanged">') :]
    assert unchanged.count('<span class="arrow" aria-hidden="true">▶</span> unchanged') == 3
    assert unchanged.count("(not updated this week)") == 3


# --- the index, the home page, the build ---------------------------------------------------


def test_weeks_index_and_home_page_link(fixture: Root, run: Run) -> None:
    out = build(run, fixture)
    index = (out / "weeks/index.html").read_text(encoding="utf-8")
    linked = re.findall(r'href="\.\./(weeks/[^"]+/index\.html)"', index)
    assert linked == [f"weeks/2026-W{n}/index.html" for n in range(48, 39, -1)]
    row = text_of(index[index.index("2026-W47</a>") : index.index("2026-W46</a>")])
    assert row.startswith("2026-W47 2026-11-16 to 2026-11-22 3 1 2 7")
    home = (out / "index.html").read_text(encoding="utf-8")
    assert """<a href="weeks/2026-W48/index.html">This week's digest: 2026-W48</a>""" in home
    assert all((out / path).is_file() for path in linked)


def test_weekly_pages_are_deterministic(fixture: Root, run: Run) -> None:
    first = build(run, fixture)
    again = fixture.path.parent / "again"
    assert run("build", "--root", fixture.path, "--out", again, "--today", "2026-11-25")[0] == 0
    for path in sorted((first / "weeks").rglob("*.html")):
        assert path.read_bytes() == (again / path.relative_to(first)).read_bytes(), path


def alpha_keys(root: Root, alpha: str) -> dict[str, str]:
    """Alpha's key for each week it shows on, by week."""
    root.project("alpha", alpha)
    portfolio = pipeline.load_portfolio(root.path, TODAY)
    state = status.portfolio_status(portfolio.site, portfolio.projects, TODAY)
    [project] = [p for p in state.projects if p.project.id == "alpha"]
    weeks = weekly.project_weeks(project, TODAY, state.site.pace_weeks)
    return {context.week_of(monday).name: key for monday, key in weeks.keys}


@pytest.mark.parametrize(
    ("before", "after", "weeks"),
    [
        # a report's text: its week
        ("text: First progress of W47", "text: First progress, edited", {"2026-W47"}),
        # a milestone done (due in W49): the week it was done, the week it is due, the
        # week before (which lists it as coming)
        ("    due: 2026-12-03\n", "    due: 2026-12-03\n    done: 2026-11-24\n", {"W48", "W49"}),
        # an earlier figure: its week now has one, and the next week's 'previous week'
        ("      - {date: 2026-11-13, value: 10}", "      - {date: 2026-11-05, value: 9}\n"
         "      - {date: 2026-11-13, value: 10}", {"2026-W45", "2026-W46"}),
        # one earlier in the same week changes nothing shown: the week shows its latest
        ("      - {date: 2026-11-13, value: 10}", "      - {date: 2026-11-09, value: 9}\n"
         "      - {date: 2026-11-13, value: 10}", set()),
        # the project's title, lead or status: every week it shows on
        ("title: Alpha <b>项目</b>", "title: Alpha", "all"),
        ("lead: academic-affairs", "lead: finance", "all"),
        ("lead: academic-affairs", "lead: academic-affairs\nstatus: paused", "all"),
        # a report's kind, or another report of the same date before it (its id follows)
        ("    kind: next\n", "    kind: problem\n", {"2026-W47"}),
    ],
)
def test_a_weeks_key_changes_with_what_the_project_shows_that_week(
    fixture: Root, before: str, after: str, weeks: set[str] | str
) -> None:
    """Each week's key covers what alpha puts on that week's pages, and nothing of the
    others: an edit changes the keys of exactly the weeks whose pages it changes."""
    kept = alpha_keys(fixture, ALPHA)
    assert before in ALPHA
    edited = alpha_keys(fixture, ALPHA.replace(before, after))
    changed = {w for w in kept.keys() | edited.keys() if kept.get(w) != edited.get(w)}
    if weeks == "all":
        assert changed == kept.keys() | edited.keys()
    else:
        assert changed == {w if w.startswith("2026-") else f"2026-{w}" for w in weeks}


EDITS = [
    ("text: First progress of W47", "text: First progress, edited"),
    ("    due: 2026-12-03\n", "    due: 2026-12-03\n    done: 2026-11-24\n"),
    ("      - {date: 2026-11-13, value: 10}", "      - {date: 2026-11-02, value: 9}\n"
     "      - {date: 2026-11-13, value: 10}"),
    ("lead: academic-affairs", "lead: finance"),
    ("lead: academic-affairs", "lead: academic-affairs\nstatus: paused"),
    ("  - date: 2026-11-23\n    text: Monday note\n", ""),
    ("  - title: Due in W49\n    due: 2026-12-03\n", ""),
]


@pytest.mark.parametrize(("before", "after"), EDITS)
def test_after_an_edit_the_weeks_pages_are_those_of_a_build_from_nothing(
    fixture: Root, run: Run, before: str, after: str
) -> None:
    """Pages of the weeks kept by their keys, the others rendered again: the same bytes as a
    build that keeps nothing."""
    out = build(run, fixture)
    pages = {p.relative_to(out): p.stat().st_ino for p in (out / "weeks").rglob("*.html")}
    fixture.project("alpha", ALPHA.replace(before, after))
    assert run("build", "--root", fixture.path, "--out", out, "--today", "2026-11-25")[0] == 0
    fresh = fixture.path.parent / "fresh"
    code, _, err = run(
        "build", "--root", fixture.path, "--out", fresh, "--today", "2026-11-25", "--force"
    )
    assert code == 0, err
    written = sorted((out / "weeks").rglob("*.html"))
    expected = sorted((fresh / "weeks").rglob("*.html"))
    assert [p.relative_to(out) for p in written] == [p.relative_to(fresh) for p in expected]
    for path in written:
        assert path.read_bytes() == (fresh / path.relative_to(out)).read_bytes(), path
    kept = [p for p in written if pages.get(p.relative_to(out)) == p.stat().st_ino]
    assert kept, "some pages of the weeks were kept"


def test_weekly_pages_in_chinese(fixture: Root, run: Run) -> None:
    fixture.site(SITE.replace("language: en", "language: zh-CN"))
    out = build(run, fixture)
    html = (out / "weeks/2026-W47/index.html").read_text(encoding="utf-8")
    assert "<h1>2026 年第 47 周</h1>" in html
    for words in ("完成的节点", "未按期完成的节点", "下周到期", "各牵头部门情况", "反映的问题"):
        assert words in html
    html = (out / "weeks/2026-W47/academic-affairs/index.html").read_text(encoding="utf-8")
    assert "<h1>教务处 · 2026 年第 47 周</h1>" in html
    for words in ("存在问题", "决定事项", "上升", "下降", "每条报告只列首行"):
        assert words in html
    assert "本周汇总：2026-W48" in (out / "index.html").read_text(encoding="utf-8")


# --- departments league --------------------------------------------------------------------


def league(out: Path) -> tuple[list[str], list[list[str]]]:
    html = (out / "departments/index.html").read_text(encoding="utf-8")
    section = html[html.index('<section class="league-warnings"') : html.index("</section>")]
    warnings = [text_of(item) for item in re.findall(r"<li>(.*?)</li>", section, re.S)]
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = [text_of(r).split(" ") for r in re.findall(r"<tr.*?</tr>", body, re.S)]
    return warnings, rows


def test_league_table_puts_those_falling_behind_first(fixture: Root, run: Run) -> None:
    warnings, rows = league(build(run, fixture))
    # name, led, joined, overdue, due soon, done late, days since the last note, stale
    # projects led, slipped milestones and days of slip (none: the fixture is not in a git
    # repository), indicators behind pace. 人事处 leads gamma, silent for 55 days: its paused
    # beta's note of 5 days ago does not hide it. 科技处 only takes part in gamma: the lead
    # answers for reports.
    assert rows == [
        ["教务处", "1", "0", "2", "2", "1", "2", "0", "0", "0", "0"],
        ["人事处", "2", "0", "0", "0", "0", "5", "1", "0", "0", "0"],
        ["科技处", "0", "1", "0", "1", "0", "55", "0", "0", "0", "0"],
        ["财务处", "0", "0", "0", "0", "0", "—", "0", "0", "0", "0"],
    ]
    # On the list since the day after Missed in W47 was due (2026-11-19), and since gamma's
    # last note (2026-10-01) + 14 days + 1.
    assert warnings == [
        "教务处: 2 milestones overdue · since November 20, 2026",
        "人事处: 1 project without a report for over 14 days · since October 16, 2026",
    ]


def test_league_warning_lines_in_chinese(root: Root, run: Run) -> None:
    root.site(SITE.replace("language: en", "language: zh-CN"))
    root.project(
        "alpha",
        """\
        title: Alpha
        lead: academic-affairs
        milestones:
          - {title: One, due: 2026-11-01}
          - {title: Two, due: 2026-11-02, owner: 教务处}
          - {title: Three, due: 2026-11-03, owner: personnel}
        notes:
          - {date: 2026-11-05, text: Old news}
        """,
    )
    root.project("beta", "title: Beta\nlead: finance\n")
    warnings, rows = league(build(run, root))
    assert warnings == [
        "教务处：2 个节点逾期，1 个项目超过 14 天未报告 · 自 2026年11月2日 起",
        "人事处：1 个节点逾期 · 自 2026年11月4日 起",
        "财务处：1 个项目超过 14 天未报告",  # never reported, no start date: since unknown
    ]
    assert [r[0] for r in rows] == ["教务处", "人事处", "财务处", "科技处"]
