"""The weekly digest at scale (issue 18): at 1,000 projects every page of a week is under
500 KB, and nothing is lost.

The portfolio is the benchmark's (:func:`tests.conftest.thousand_projects`: 1,000 projects
of 100 reports and 3 weekly indicators each, built once per session), about 2,300 reports
and 3,000 indicator figures a week, which made a week's page of 4 MB when it held them all.
For the week with the most reports and for the week with the largest page:

* every report of the week is linked, once, from its lead department's page of the week,
  which the week's page links; each link leads to an id of its project's page, and that id
  is the report's (the project's reports of that date in the order of its file);
* every indicator with a figure by the week's end is on its department's page of the week,
  those that changed first, then those that did not, as many of each as the week's table
  counts;
* the indicators behind pace, counted on the week's page, are listed on its departments'.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from generator.context import report_anchors, week_of
from generator.models import Note

LIMIT = 500_000
"""Bytes: what a page of the week may weigh at 1,000 projects."""

ROW = re.compile(
    r'<th scope="row"><a href="\.\./\.\./(weeks/[^"]+/index\.html)">[^<]+</a></th>\s*'
    + r'<td class="num">(?:<strong class="alert">)?(\d+)(?:</strong>)?</td>\s*' * 7
    + r'<td class="num"><a href="\.\./\.\./weeks/[^"]+/index\.html#unchanged">(\d+)<span',
)
"""A row of the week's table: the department's page, its reports, problems, completed,
missed, moved, due next, indicators changed and unchanged."""
REPORT = re.compile(r'<a href="(?:\.\./)+projects/([^/]+)/index\.html#(report-[^"]+)">')
INDICATOR = re.compile(
    r'<th scope="row">([^<]+)</th>\s*<td><a href="(?:\.\./)+projects/([^/]+)/index\.html#indicators">'
)
PACE = re.compile(r'<a href="(?:\.\./)+projects/([^/]+)/index\.html#indicator-charts">')


@pytest.fixture(scope="module")
def site(thousand_projects: Path) -> Path:
    return thousand_projects


@pytest.fixture(scope="module")
def data(site: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((site / "data.json").read_text(encoding="utf-8"))
    return result


@pytest.fixture(scope="module")
def reports(data: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Project id → the id of each of its reports on its page → the report (data.json's)."""
    return {
        p["id"]: dict(
            zip(report_anchors(Note.model_validate(n) for n in p["notes"]), p["notes"], strict=True)
        )
        for p in data["projects"]
    }


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def section(html: str, heading_id: str) -> str:
    start = html.index(f'<h2 id="{heading_id}">')
    end = html.find("<h2 ", start + 1)
    return html[start : end if end >= 0 else len(html)]


def weeks_to_check(site: Path, data: dict[str, Any]) -> list[str]:
    """The week with the most reports and the week with the largest page."""
    reports = Counter(
        week_of(dt.date.fromisoformat(n["date"])).name for p in data["projects"] for n in p["notes"]
    )
    largest = max(site.glob("weeks/*/index.html"), key=lambda p: p.stat().st_size).parent.name
    return sorted({reports.most_common(1)[0][0], largest})


def test_every_page_of_every_week_is_under_500_kb(site: Path) -> None:
    sizes = {
        p.relative_to(site).as_posix(): p.stat().st_size for p in site.rglob("weeks/**/*.html")
    }
    weeks = {path: size for path, size in sizes.items() if path.count("/") == 2}
    assert len(weeks) == 53  # from 2025-W48 to 2026-W48
    largest = max(weeks, key=lambda path: weeks[path])
    assert weeks[largest] < LIMIT, f"{largest}: {weeks[largest]:,} bytes"
    heavy = {path: size for path, size in sizes.items() if size >= LIMIT}
    assert heavy == {}
    # Its departments' pages too: 14 departments, each with a page of every week.
    assert len(sizes) == 1 + len(weeks) + 53 * 14  # the index of the weeks too


def test_every_report_of_the_week_links_its_full_text(
    site: Path, data: dict[str, Any], reports: dict[str, dict[str, dict[str, Any]]]
) -> None:
    for name in weeks_to_check(site, data):
        week = read(site, f"weeks/{name}/index.html")
        rows = ROW.findall(week)
        assert len(rows) == 14, name  # every department leads projects in the synthetic one
        linked: list[tuple[str, str]] = []
        for path, filed, problems, *_ in rows:
            found = REPORT.findall(section(read(site, path), "reports"))
            assert len(found) == int(filed), path
            assert sum(reports[p][a]["kind"] == "problem" for p, a in found) == int(problems)
            linked += found
        # Each report of the week once, and nothing else.
        expected = {
            (project, anchor)
            for project, notes in reports.items()
            for anchor, note in notes.items()
            if week_of(dt.date.fromisoformat(note["date"])).name == name
        }
        assert len(linked) == len(set(linked)) == len(expected) > 2000
        assert set(linked) == expected
        # The problems on the week's own page are among them, and lead to the same places.
        problems = REPORT.findall(section(week, "problems"))
        assert problems and set(problems) <= expected
        assert {reports[p][a]["kind"] for p, a in problems} == {"problem"}
        # Each link's id is on its project's page, on that report (its date and kind).
        by_project: dict[str, list[str]] = {}
        for project, anchor in linked:
            by_project.setdefault(project, []).append(anchor)
        for project, ids in sorted(by_project.items()):
            html = read(site, f"projects/{project}/index.html")
            for anchor in ids:
                at = html.index(
                    f'<li class="kind-{reports[project][anchor]["kind"]}" id="{anchor}">'
                )
                item = html[at : html.index("</li>", at)]
                assert f'datetime="{reports[project][anchor]["date"]}"' in item, (project, anchor)


def test_every_indicator_of_the_week_is_reachable(site: Path, data: dict[str, Any]) -> None:
    for name in weeks_to_check(site, data):
        sunday = monday(name) + dt.timedelta(days=6)
        expected = Counter(
            (p["id"], i["name"])
            for p in data["projects"]
            for i in p["indicators"]
            if any(dt.date.fromisoformat(v["date"]) <= sunday for v in i["values"])
        )
        week = read(site, f"weeks/{name}/index.html")
        found: Counter[tuple[str, str]] = Counter()
        behind = 0
        for path, *counts, unchanged in ROW.findall(week):
            page = section(read(site, path), "indicators")
            split = page.index('<h3 id="unchanged">')
            changed = INDICATOR.findall(page[:split])
            assert len(changed) == int(counts[6]), path
            assert len(INDICATOR.findall(page[split:])) == int(unchanged), path
            found.update((p, label.rsplit(" (", 1)[0]) for label, p in INDICATOR.findall(page))
            behind += len(PACE.findall(section(read(site, path), "behind-pace")))
        assert found == expected and len(expected) == 3000
        total = re.search(r"<dt>[^<]+</dt><dd>(\d+)</dd></div>\s*</dl>", week)
        assert total is not None and int(total[1]) == behind > 0


def monday(name: str) -> dt.date:
    """The Monday of ISO week ``2026-W47``."""
    year, number = name.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1)
