"""The weekly digest by lead department, in real Chromium, at 9 and at 1,000 projects.

The repository's sample (9 projects) and the benchmark's portfolio of 1,000 projects
(:func:`tests.conftest.thousand_projects`), each served over http under a sub-path, on a
phone (390 by 844) and at a desk (1280 by 900). On each, the week with the largest page
(2026-W47 and 2026-W43, the weeks with problems reported and milestones missed) is read
as a supervision office reads it:

* the week's page: its table has a row for every department that leads a project, in the
  order of the departments page; a problem's first line, clicked, opens its project's page
  scrolled to that report, highlighted, whose text begins with that line;
* a department's name, clicked, opens its page of the week; a report's first line there,
  clicked, lands on the report's full text in the same way;
* the count of a department's indicators unchanged, clicked, opens its page of the week at
  those indicators, one row each, after the ones that changed, one row each as counted;
* no page scrolls sideways (wide tables scroll in their frame), axe-core finds no WCAG 2.1
  A/AA violation, nothing fails to load, and each page's first screen goes to
  ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from generator.cli import main
from tests.browser.conftest import serve_folder
from tests.browser.test_pages import AXE, REPO, Visit, artifact, require

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TODAY = "2026-11-25"
SIZES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
CASES = [(p, s) for p in ("sample", "thousand") for s in SIZES]
IDS = [f"{p}-{s}" for p, s in CASES]


@pytest.fixture(scope="module")
def sites(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], tuple[Path, str]]]:
    """Portfolio name → (its built site, the address it is served at), each built once."""
    served: dict[str, tuple[Path, str]] = {}
    with contextlib.ExitStack() as stack:

        def get(name: str) -> tuple[Path, str]:
            if name not in served:
                if name == "thousand":
                    site: Path = request.getfixturevalue("thousand_projects")
                else:
                    site = tmp_path_factory.mktemp("weekly") / "progress"
                    log = io.StringIO()
                    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                        code = main(
                            ["build", "--root", str(REPO), "--out", str(site), "--today", TODAY]
                        )
                    assert code == 0, log.getvalue()
                address = stack.enter_context(serve_folder(site.parent))
                served[name] = (site, f"{address}{site.name}/")
            return served[name]

        yield get


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[..., Visit]]:
    opened: list[Visit] = []

    def make(base_url: str, size: str) -> Visit:
        opened.append(Visit(browser, base_url, **SIZES[size]))
        return opened[-1]

    yield make
    for v in opened:
        v.close()


def largest_week(site: Path) -> str:
    return max(site.glob("weeks/*/index.html"), key=lambda p: p.stat().st_size).parent.name


LANDED = """() => {
  const target = document.querySelector(':target');
  if (!target) return null;
  const r = target.getBoundingClientRect();
  return {id: target.id, top: r.top, height: window.innerHeight,
          text: target.querySelector('.text').innerText,
          background: getComputedStyle(target).backgroundColor};
}"""
"""The element the address's fragment names, where it is on the screen, and its text."""


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_page(v: Visit, size: str, label: str) -> list[str]:
    """What is wrong with the page now open: it scrolls sideways, or axe finds faults."""
    problems = v.axe()
    width = v.page.evaluate("document.documentElement.scrollWidth")
    if width > SIZES[size]["viewport"]["width"]:
        problems.append(f"{v.page.url}: scrolls sideways ({width}px)")
    v.page.screenshot(path=artifact(label))
    return problems


def follow_report(v: Visit, link: Any) -> list[str]:
    """Click a report's first line: its project's page opens on that report."""
    line = link.inner_text()
    anchor = link.get_attribute("href").split("#", 1)[1]
    link.click()
    v.page.wait_for_url(f"**/index.html#{anchor}")
    landed = v.page.evaluate(LANDED)
    if landed is None or landed["id"] != anchor:
        return [f"{v.page.url}: no report {anchor} to land on ({landed})"]
    problems = []
    if not squeezed(landed["text"]).startswith(squeezed(line.rstrip("…"))):
        problems.append(f"{anchor}: {landed['text'][:60]!r} does not begin with {line!r}")
    if not -1 <= landed["top"] < landed["height"]:
        problems.append(f"{anchor}: not on the screen (top {landed['top']})")
    if landed["background"] != "rgb(255, 241, 214)":  # --amber-bg: the report linked
        problems.append(f"{anchor}: not highlighted ({landed['background']})")
    return problems


@pytest.mark.parametrize(("portfolio", "size"), CASES, ids=IDS)
def test_a_week_read_by_department(
    portfolio: str,
    size: str,
    sites: Callable[[str], tuple[Path, str]],
    visit: Callable[..., Visit],
) -> None:
    require(AXE.is_file(), f"axe-core ({AXE.relative_to(REPO)})")
    site, base_url = sites(portfolio)
    week = largest_week(site)
    v = visit(base_url, size)
    problems: list[str] = []

    # The week's page: a row for each lead department, in the departments page's order.
    v.open(f"weeks/{week}/index.html")
    problems += check_page(v, size, f"weekly-{portfolio}-{size}-week")
    rows = v.page.locator("table.week-departments tbody th[scope=row] a")
    names = rows.all_inner_texts()
    leads = {p.parent.name for p in site.glob(f"weeks/{week}/*/index.html")}
    assert len(names) == len(leads) == (9 if portfolio == "sample" else 14)
    counts = [
        [int(re.match(r"\d+", cell)[0]) for cell in row.locator("td.num").all_inner_texts()]  # type: ignore[index]
        for row in v.page.locator("table.week-departments tbody tr").all()
    ]

    # A problem's first line, on the week's page, opens its full text.
    problem = v.page.locator("#problems ~ ul.week-reports a").first
    problems += follow_report(v, problem)
    v.page.go_back()

    # A department's name opens its week; a report's first line there, its full text.
    department = rows.nth(next(n for n, row in enumerate(counts) if row[0]))  # with reports
    name = department.inner_text()
    department.click()
    v.page.wait_for_url(f"**/weeks/{week}/*/index.html")
    assert v.page.locator("h1").inner_text().startswith(name)
    problems += check_page(v, size, f"weekly-{portfolio}-{size}-department")
    reports = v.page.locator("ol.week-reports a")
    assert reports.count() > 0
    problems += follow_report(v, reports.last)
    v.page.go_back()

    # A department's indicators unchanged, counted on the week's page, open its page there.
    v.page.go_back()
    v.page.locator("table.week-departments tbody tr").first.locator("td.num a").click()
    v.page.wait_for_url(f"**/weeks/{week}/*/index.html#unchanged")
    landed = v.page.evaluate(
        """() => ({id: document.querySelector(':target').id, height: window.innerHeight,
                   top: document.querySelector(':target').getBoundingClientRect().top})"""
    )
    assert landed["id"] == "unchanged" and -1 <= landed["top"] < landed["height"], landed
    changed, unchanged = counts[0][6:8]
    assert v.page.locator("#changed + .table-wrap tbody tr").count() == changed
    assert v.page.locator("#unchanged + .table-wrap tbody tr").count() == unchanged
    problems += check_page(v, size, f"weekly-{portfolio}-{size}-indicators")

    problems += v.problems
    assert not problems, "\n".join(problems)


def test_the_weeks_departments_in_the_order_of_the_departments_page(
    sites: Callable[[str], tuple[Path, str]], visit: Callable[..., Visit]
) -> None:
    site, base_url = sites("thousand")
    v = visit(base_url, "desktop")
    v.open("departments/index.html")
    league = v.page.locator("table.departments tbody th[scope=row] a").all_inner_texts()
    v.open(f"weeks/{largest_week(site)}/index.html")
    week = v.page.locator("table.week-departments tbody th[scope=row] a").all_inner_texts()
    assert week == [name for name in league if name in week] and len(week) == 14
    assert not v.problems
