"""The ledger (ledger.html, ledger.xlsx) and the feeds (Atom, iCalendar).

Two sites: the repository's own data, and a small inline fixture whose every milestone
state, owner and note order is known, both built as of 2026-11-25.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from icalendar import Calendar

from generator.views import feeds
from tests.conftest import REPO, SITE_YAML, Root, RunResult

Run = Callable[..., RunResult]

AS_OF = "2026-11-25"
A = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

FIXTURE_SITE = (
    SITE_YAML
    + """\
  - id: finance
    name: 财务处
"""
)

ALPHA = """\
title: Alpha 项目
lead: academic-affairs
milestones:
  - title: =1+1
    due: 2026-03-01
    done: 2026-02-28
    owner: personnel
  - title: Late one
    due: 2026-05-01
    done: 2026-05-10
  - title: Overdue one
    due: 2026-11-01
  - title: Soon
    due: 2026-12-01
    owner: science-tech
  - title: "@later"
    due: 2027-03-01
    owner: academic-affairs
notes:
  - date: 2026-11-20
    text: "Steady <script>alert(1)</script> and `<script>` in code"
  - date: 2026-11-10
    kind: problem
    author: 教务处
    text: A **problem**
  - date: 2026-11-20
    kind: next
    text: Next steps here
"""

BETA = """\
title: Beta "quoted" & <b>tags</b>
lead: personnel
milestones:
  - title: B one
    due: 2026-12-31
    owner: science-tech
notes:
  - date: 2026-11-22
    kind: decision
    text: Decided.
"""

GAMMA = """\
title: Gamma
lead: science-tech
"""

# Expected, in the ledger's order (projects by id, milestones in file order).
LEDGER = [
    ("alpha", "=1+1", "done", "academic-affairs", "personnel"),
    ("alpha", "Late one", "done-late", "academic-affairs", "academic-affairs"),
    ("alpha", "Overdue one", "overdue", "academic-affairs", "academic-affairs"),
    ("alpha", "Soon", "due-soon", "academic-affairs", "science-tech"),
    ("alpha", "@later", "upcoming", "academic-affairs", "academic-affairs"),
    ("beta", "B one", "upcoming", "personnel", "science-tech"),
]
DUES = {
    "alpha-1": dt.date(2026, 3, 1),
    "alpha-2": dt.date(2026, 5, 1),
    "alpha-3": dt.date(2026, 11, 1),
    "alpha-4": dt.date(2026, 12, 1),
    "alpha-5": dt.date(2027, 3, 1),
    "beta-1": dt.date(2026, 12, 31),
}
DEPARTMENT_UIDS = {
    "academic-affairs": {"alpha-2", "alpha-3", "alpha-5"},
    "personnel": {"alpha-1"},
    "science-tech": {"alpha-4", "beta-1"},
}
# Newest first; one date: projects by id, then the order of the file.
FEED_ORDER = [
    ("beta", "2026-11-22", 0),
    ("alpha", "2026-11-20", 0),
    ("alpha", "2026-11-20", 2),
    ("alpha", "2026-11-10", 1),
]
# feed.xml carries the notes of the last SITE_FEED_DAYS (14) days up to 2026-11-25, so from
# 2026-11-12 on: not alpha's problem of 2026-11-10, which its project's feed still carries.
SITE_FEED_ORDER = FEED_ORDER[:3]

REPRODUCIBLE = [
    "ledger.xlsx",
    "feed.xml",
    "projects/alpha/feed.xml",
    "projects/beta/feed.xml",
    "projects/gamma/feed.xml",
    "milestones.ics",
    "departments/academic-affairs/milestones.ics",
    "departments/personnel/milestones.ics",
    "departments/science-tech/milestones.ics",
]


def write_fixture(root: Root, site: str = FIXTURE_SITE) -> Root:
    root.site(site)
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    root.project("gamma", GAMMA)
    return root


def build(run: Run, root: Path, out: Path) -> Path:
    code, _, err = run("build", "--root", root, "--out", out, "--today", AS_OF)
    assert code == 0, err
    return out


@pytest.fixture
def fixture_site(root: Root, run: Run, tmp_path: Path) -> Path:
    return build(run, write_fixture(root).path, tmp_path / "fixture-site")


@pytest.fixture
def repo_site(run: Run, tmp_path: Path) -> Path:
    return build(run, REPO, tmp_path / "repo-site")


# --- helpers -------------------------------------------------------------------------------


class LedgerRows(HTMLParser):
    """The body rows of table#ledger: their data attributes and cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self._in_table = self._in_body = self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id") == "ledger":
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append({"attrs": found, "cells": []})
        elif self._in_body and tag in ("td", "th"):
            self.rows[-1]["cells"].append("")
            self._in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._in_table = False
        elif tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell and self.rows:
            self.rows[-1]["cells"][-1] += data


def ledger_rows(site: Path) -> list[dict[str, Any]]:
    parser = LedgerRows()
    parser.feed((site / "ledger.html").read_text(encoding="utf-8"))
    return parser.rows


def atom(path: Path) -> ET.Element:
    root = ET.fromstring(path.read_bytes())
    assert root.tag == A + "feed"
    return root


def entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(A + "entry")


def text(element: ET.Element, tag: str) -> str:
    found = element.find(A + tag)
    assert found is not None and found.text is not None, tag
    return found.text


def events(path: Path) -> list[Any]:
    calendar = Calendar.from_ical(path.read_bytes())
    for prop in ("PRODID", "VERSION", "X-WR-CALNAME"):
        assert calendar.get(prop), prop
    return list(calendar.walk("VEVENT"))


def uid_stem(event: Any) -> str:
    return str(event.get("UID")).split("@")[0]


# --- ledger.html ---------------------------------------------------------------------------


def test_ledger_page_has_one_row_per_milestone_with_its_state(fixture_site: Path) -> None:
    rows = ledger_rows(fixture_site)
    assert len(rows) == len(LEDGER)
    for row, (_, title, state, lead, owner) in zip(rows, LEDGER, strict=True):
        assert row["attrs"]["data-state"] == state
        assert row["attrs"]["class"] == f"row-{state}"
        assert row["attrs"]["data-departments"] == f"{lead} {owner}"
        assert title in row["cells"][3]
    labels = [row["cells"][6].strip() for row in rows]  # the glyph, then the state in words
    assert labels == ["●Done", "◆Done late", "✕Overdue", "▲Due soon", "○Upcoming", "○Upcoming"]
    assert rows[2]["cells"][7].strip() == "24 days overdue"
    assert rows[1]["cells"][7].strip() == "9 days late"


def test_ledger_page_links_its_downloads_and_works_without_javascript(fixture_site: Path) -> None:
    html = (fixture_site / "ledger.html").read_text(encoding="utf-8")
    for target in ("ledger.csv", "ledger.xlsx", "milestones.ics", "feed.xml"):
        assert f'href="{target}"' in html
    assert '<script src="static/ledger.js" defer></script>' in html
    assert 'id="ledger-tools" hidden' in html  # the filters appear with JavaScript only
    assert "<script>" not in html
    assert "Beta &#34;quoted&#34; &amp; &lt;b&gt;tags&lt;/b&gt;" in html
    script = (fixture_site / "static" / "ledger.js").read_text(encoding="utf-8")
    assert "http" not in script and "fetch" not in script and "aria-sort" in script


def test_ledger_page_of_the_repository_matches_data_json(repo_site: Path) -> None:
    data = json.loads((repo_site / "data.json").read_text(encoding="utf-8"))
    expected = [m["state"] for p in data["projects"] for m in p["milestones"]]
    rows = ledger_rows(repo_site)
    assert [r["attrs"]["data-state"] for r in rows] == expected
    assert len(rows) == len(expected) > 0


# --- ledger.xlsx ---------------------------------------------------------------------------


def test_ledger_xlsx_opens_with_header_rows_dates_and_text_kept_as_text(
    fixture_site: Path,
) -> None:
    book = openpyxl.load_workbook(fixture_site / "ledger.xlsx")
    sheet = book.active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == [
        "Project ID",
        "Project",
        "Lead department",
        "Responsible department",
        "Milestone",
        "Start",
        "Due",
        "Done",
        "State",
        "Days left (negative: late)",
        "Weight",
        "Latest report",
        "Baseline due date",
        "Slip (days)",
        "Re-plans",
    ]
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O7"
    body = values[1:]
    assert [(r[0], r[4]) for r in body] == [(p, t) for p, t, *_ in LEDGER]
    labels = ["Done", "Done late", "Overdue", "Due soon", "Upcoming", "Upcoming"]
    assert [r[8] for r in body] == labels
    assert body[0][6] == dt.datetime(2026, 3, 1)
    assert body[0][7] == dt.datetime(2026, 2, 28)
    assert body[2][7] is None
    assert [r[9] for r in body] == [0, -9, -24, 6, 96, 36]
    assert body[0][2] == "教务处" and body[0][3] == "人事处"
    assert body[0][11] == dt.datetime(2026, 11, 20)
    formula = sheet.cell(row=2, column=5)
    assert formula.value == "=1+1" and formula.data_type == "s"
    assert sheet.cell(row=6, column=5).value == "@later"
    assert sheet.cell(row=7, column=2).value == 'Beta "quoted" & <b>tags</b>'


def test_ledger_xlsx_of_the_repository_has_chinese_headers(repo_site: Path) -> None:
    book = openpyxl.load_workbook(repo_site / "ledger.xlsx")
    sheet = book.active
    assert sheet is not None and sheet.title == "台账"
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["项目编号", "项目", "牵头部门", "责任部门", "节点"]
    assert header[6:9] == ["截止日期", "完成日期", "状态"]
    assert header[11] == "最近报告"
    data = json.loads((repo_site / "data.json").read_text(encoding="utf-8"))
    assert sheet.max_row == 1 + sum(len(p["milestones"]) for p in data["projects"])
    assert book.properties.created == dt.datetime(2026, 11, 25)


@pytest.mark.parametrize(
    "day",
    [
        dt.date(1899, 12, 31),
        dt.date(1900, 1, 1),
        dt.date(1900, 2, 28),
        dt.date(1900, 3, 1),
        dt.date(1970, 1, 1),
        dt.date(2026, 11, 25),
        dt.date(2099, 12, 31),
    ],
)
def test_dates_are_written_as_the_numbers_xlsxwriter_would_write(day: dt.date) -> None:
    """The spreadsheet writes each date as its Excel day number (no per-cell conversion of
    times and zones): the very cell XlsxWriter's ``write_datetime`` writes, on both sides of
    Excel's 29 February 1900."""
    import io
    import zipfile

    import xlsxwriter

    from generator.views import ledger

    def sheet(write: Callable[[Any, Any], None]) -> bytes:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        write(book.add_worksheet(), book.add_format({"num_format": "yyyy-mm-dd"}))
        book.close()
        with zipfile.ZipFile(buffer) as files:
            return files.read("xl/worksheets/sheet1.xml")

    library = sheet(lambda ws, date: ws.write_datetime(0, 0, day, date))
    ours = sheet(lambda ws, date: ws.write_number(0, 0, ledger._serial(day), date))
    assert ours == library and b"<v>" in ours


# --- reproducible bytes ---------------------------------------------------------------------


def test_two_builds_give_the_same_bytes(root: Root, run: Run, tmp_path: Path) -> None:
    write_fixture(root)
    first = build(run, root.path, tmp_path / "one")
    time.sleep(1.1)  # a timestamp taken from the clock would show as a difference
    second = build(run, root.path, tmp_path / "two")
    for name in REPRODUCIBLE:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    first_ids = [text(e, "id") for e in entries(atom(first / "feed.xml"))]
    assert first_ids == [text(e, "id") for e in entries(atom(second / "feed.xml"))]


# --- feed.xml ------------------------------------------------------------------------------


def test_feed_is_atom_with_the_recent_notes_newest_first(fixture_site: Path) -> None:
    feed = atom(fixture_site / "feed.xml")
    assert text(feed, "updated") == "2026-11-22T00:00:00+08:00"
    assert text(feed, "title")
    assert text(feed, "subtitle") == (
        "The reports of the last 14 days; each project's own feed holds all of its reports."
    )
    found = entries(feed)
    assert len(found) == len(SITE_FEED_ORDER)
    ids = [text(e, "id") for e in found]
    assert ids == [
        f"tag:progress-site,{date}:/projects/{project}/notes/{index}"
        for project, date, index in SITE_FEED_ORDER
    ]
    assert len(set(ids)) == len(ids)
    updated = [text(e, "updated") for e in found]
    assert updated == [f"{date}T00:00:00+08:00" for _, date, _ in SITE_FEED_ORDER]
    assert updated == sorted(updated, reverse=True)
    assert [text(e, "title") for e in found][:2] == [
        'Beta "quoted" & <b>tags</b> · Decision · 2026-11-22',
        "Alpha 项目 · Progress · 2026-11-20",
    ]
    links = [e.find(A + "link") for e in found]
    hrefs = [str(link.get("href")) for link in links if link is not None]
    assert hrefs[:2] == [
        "projects/beta/index.html#report-2026-11-22",
        "projects/alpha/index.html#report-2026-11-20",
    ]
    # Every entry leads to its own report: an id that its project's page has.
    for href in hrefs:
        page, anchor = href.split("#")
        assert f'id="{anchor}"' in (fixture_site / page).read_text(encoding="utf-8"), href
    assert len(set(hrefs)) == len(hrefs)
    bases = [e.find(A + "content") for e in found]
    assert [c.get(XML_BASE) for c in bases if c is not None][:2] == [
        "projects/beta/index.html",
        "projects/alpha/index.html",
    ]


def test_feed_reaches_back_exactly_the_window_of_days(root: Root, run: Run, tmp_path: Path) -> None:
    assert feeds.SITE_FEED_DAYS == 14
    write_fixture(root)
    root.project(
        "delta",
        """\
title: Delta
lead: personnel
notes:
  - date: 2026-11-11
    text: Fourteen days before the as-of date, one too many
  - date: 2026-11-12
    text: Thirteen days before, the oldest in the window
  - date: 2026-11-25
    text: On the as-of date
""",
    )
    out = build(run, root.path, tmp_path / "site")
    ids = [text(e, "id") for e in entries(atom(out / "feed.xml"))]
    assert ids == [
        "tag:progress-site,2026-11-25:/projects/delta/notes/2",
        *(f"tag:progress-site,{date}:/projects/{p}/notes/{i}" for p, date, i in FEED_ORDER[:3]),
        "tag:progress-site,2026-11-12:/projects/delta/notes/1",
    ]
    delta = entries(atom(out / "projects" / "delta" / "feed.xml"))
    assert [text(e, "id").rsplit("/", 1)[1] for e in delta] == ["2", "1", "0"]


def test_feed_shows_script_only_escaped(fixture_site: Path) -> None:
    raw = (fixture_site / "feed.xml").read_bytes()
    assert b"<script" not in raw
    assert b"alert(1)" not in raw  # nh3 drops the element and what it holds
    html = [e.find(A + "content") for e in entries(atom(fixture_site / "feed.xml"))][1]
    assert html is not None and html.text is not None
    assert "<script" not in html.text
    assert "<code>&lt;script&gt;</code>" in html.text


def test_project_feeds_hold_every_note_of_their_own(fixture_site: Path) -> None:
    alpha = atom(fixture_site / "projects" / "alpha" / "feed.xml")
    assert "subtitle" not in {child.tag.removeprefix(A) for child in alpha}
    found = entries(alpha)
    assert [text(e, "id").rsplit("/", 1)[1] for e in found] == ["0", "2", "1"]
    first_link = found[0].find(A + "link")
    assert first_link is not None and first_link.get("href") == "index.html#report-2026-11-20"
    problem = found[2]  # 2026-11-10: older than feed.xml reaches
    assert text(problem, "updated") == "2026-11-10T00:00:00+08:00"
    content = problem.find(A + "content")
    assert content is not None and content.get("type") == "html"
    assert content.get(XML_BASE) == "index.html"
    assert content.text == "<p>A <strong>problem</strong></p>"
    assert text(problem.find(A + "author"), "name") == "教务处"  # type: ignore[arg-type]
    assert len(entries(atom(fixture_site / "projects" / "beta" / "feed.xml"))) == 1
    gamma = atom(fixture_site / "projects" / "gamma" / "feed.xml")
    assert entries(gamma) == [] and text(gamma, "updated") == "2026-11-25T00:00:00+08:00"
    page = (fixture_site / "projects" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert 'href="feed.xml"' in page


def test_an_entry_reads_the_same_in_both_feeds_but_for_its_links(fixture_site: Path) -> None:
    site_feed = fixture_site / "feed.xml"
    project_feed = fixture_site / "projects" / "alpha" / "feed.xml"
    shared = {text(e, "id"): e for e in entries(atom(site_feed))}
    for entry in entries(atom(project_feed)):
        twin = shared.get(text(entry, "id"))
        if twin is None:
            continue
        for tag in ("title", "updated", "content"):
            assert text(entry, tag) == text(twin, tag), tag
        assert ET.tostring(entry.find(A + "category")) == ET.tostring(twin.find(A + "category"))
    raw = site_feed.read_text(encoding="utf-8")
    own = project_feed.read_text(encoding="utf-8")
    entry_of = raw.split("  <entry>\n")[2]  # alpha's first note, written once for both feeds
    assert entry_of.replace("projects/alpha/index.html", "index.html") in own


def test_feeds_use_absolute_links_and_the_host_with_base_url(
    root: Root, run: Run, tmp_path: Path
) -> None:
    site = FIXTURE_SITE.replace(
        "language: en\n", "language: en\nbase_url: https://example.edu/sub\n"
    )
    out = build(run, write_fixture(root, site).path, tmp_path / "site")
    feed = atom(out / "feed.xml")
    assert text(feed, "id") == "https://example.edu/sub/feed.xml"
    selves = [link.get("href") for link in feed.findall(A + "link") if link.get("rel") == "self"]
    assert selves == ["https://example.edu/sub/feed.xml"]
    first = entries(feed)[0]
    assert text(first, "id") == "tag:example.edu,2026-11-22:/sub/projects/beta/notes/0"
    link = first.find(A + "link")
    assert link is not None
    assert link.get("href") == "https://example.edu/sub/projects/beta/index.html#report-2026-11-22"
    uids = {str(e.get("UID")) for e in events(out / "milestones.ics")}
    assert uids == {f"{stem}@example.edu" for stem in DUES}


def test_the_repository_feeds_hold_the_recent_notes_and_every_note(repo_site: Path) -> None:
    data = json.loads((repo_site / "data.json").read_text(encoding="utf-8"))
    since = dt.date.fromisoformat(AS_OF) - dt.timedelta(days=feeds.SITE_FEED_DAYS - 1)
    notes = [(p["id"], i, n) for p in data["projects"] for i, n in enumerate(p["notes"])]
    recent = [(p, i, n) for p, i, n in notes if dt.date.fromisoformat(n["date"]) >= since]
    assert 0 < len(recent) < len(notes)  # the window keeps some notes out, and some in
    found = entries(atom(repo_site / "feed.xml"))
    assert len(found) == len(recent)
    updated = [text(e, "updated") for e in found]
    assert updated == sorted(updated, reverse=True)
    assert len({text(e, "id") for e in found}) == len(found)
    assert min(updated) >= f"{since.isoformat()}T00:00:00"
    per_project = [
        entries(atom(repo_site / "projects" / p["id"] / "feed.xml")) for p in data["projects"]
    ]
    assert [len(e) for e in per_project] == [len(p["notes"]) for p in data["projects"]]
    every_id = {text(e, "id").rpartition("/projects/")[2] for feed in per_project for e in feed}
    assert every_id == {f"{p}/notes/{i}" for p, i, _ in notes}


# --- milestones.ics ------------------------------------------------------------------------


def test_calendar_has_an_all_day_event_per_milestone(fixture_site: Path) -> None:
    found = events(fixture_site / "milestones.ics")
    assert len(found) == len(DUES)
    uids = [str(e.get("UID")) for e in found]
    assert len(set(uids)) == len(uids)
    assert set(uids) == {f"{stem}@progress-site" for stem in DUES}
    for event in found:
        due = DUES[uid_stem(event)]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and start == due
        assert type(end) is dt.date and end == due + dt.timedelta(days=1)
        assert event.decoded("DTSTAMP") == dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    summary = {uid_stem(e): str(e.get("SUMMARY")) for e in found}
    assert summary["alpha-3"] == "Alpha 项目: Overdue one"
    description = {uid_stem(e): str(e.get("DESCRIPTION")) for e in found}
    assert "Overdue" in description["alpha-3"] and "教务处" in description["alpha-3"]
    assert "Lead department: 人事处" in description["beta-1"]
    raw = (fixture_site / "milestones.ics").read_bytes()
    assert b"DTSTART;VALUE=DATE:20261101" in raw


def test_department_calendars_hold_exactly_their_milestones(fixture_site: Path) -> None:
    for dept, stems in DEPARTMENT_UIDS.items():
        path = fixture_site / "departments" / dept / "milestones.ics"
        assert {uid_stem(e) for e in events(path)} == stems, dept
        page = (fixture_site / "departments" / dept / "index.html").read_text(encoding="utf-8")
        assert 'href="milestones.ics"' in page
    # A department that delivers nothing yet still has a calendar (empty), so a link to it
    # from a project page, or a subscription made early, never breaks.
    assert events(fixture_site / "departments" / "finance" / "milestones.ics") == []


def test_the_repository_calendar_holds_every_milestone(repo_site: Path) -> None:
    data = json.loads((repo_site / "data.json").read_text(encoding="utf-8"))
    found = events(repo_site / "milestones.ics")
    assert len(found) == sum(len(p["milestones"]) for p in data["projects"])
    dues = {
        f"{p['id']}-{i + 1}": dt.date.fromisoformat(m["due"])
        for p in data["projects"]
        for i, m in enumerate(p["milestones"])
    }
    assert {uid_stem(e): e.decoded("DTSTART") for e in found} == dues
    per_department = sum(
        len(events(path)) for path in (repo_site / "departments").glob("*/milestones.ics")
    )
    assert per_department == len(found)
