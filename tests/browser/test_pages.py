"""Every page kind of the repository's own site, in real Chromium, served over http.

The site is built from the repository's ``site.yaml`` and ``projects/`` (as of
2026-11-25) into a temporary folder and served by Python's ``http.server`` on 127.0.0.1
at a free port, under a sub-path (``/progress/``), as a campus web server would serve it.
Page kinds are found by globbing the output — ``projects/*/index.html`` is one kind —
so a new view is covered without touching this file; the largest page of each kind
stands for it (the most content, the most to get wrong).

For each kind, at desktop (1280 by 900) and phone (375 by 812) size:

* no console error, no uncaught page error, no failed request (network error or HTTP
  status 400 and up), no request outside the site (each is recorded, then aborted);
* axe-core finds no WCAG 2.1 A/AA violation;
* on the phone, the page does not scroll sideways (wide tables scroll in their frame);
* printed (CSS print media), the navigation is hidden and the "as of" date shows;
* a full-page screenshot goes to ``test-artifacts/``.

Search is tested end to end: a Chinese word typed into Pagefind's UI finds its project.
The Nu HTML Checker (vnu) validates every generated HTML file.

axe-core and vnu come from ``node_modules/`` (``make browser-deps``: ``npm ci``), vnu
runs on the machine's Java. Missing tools skip these tests with the reason, except
under CI, where they fail.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from generator.cli import main
from tests.browser.conftest import serve_folder

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
NODE_MODULES = REPO / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
TODAY = "2026-11-25"
SUB_PATH = "progress"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}
SEARCH_WORD = "一流本科"
SEARCH_PROJECT = "projects/first-class-majors/index.html"
"""A word from the title of one of the repository's projects, and that project's page."""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(present: bool, what: str) -> None:
    """Skip without ``what`` (fail under CI), naming the make target that installs it."""
    if present:
        return
    message = f"{what} is missing: run `make browser-deps`"
    if _in_ci():
        pytest.fail(f"CI is set and {message}", pytrace=False)
    pytest.skip(message)


# --- the site, built and served -------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's site, built through the CLI into ``<tmp>/progress/``."""
    out = tmp_path_factory.mktemp("served") / SUB_PATH
    log = io.StringIO()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        code = main(["build", "--root", str(REPO), "--out", str(out), "--today", TODAY])
    assert code == 0, f"the repository's site does not build:\n{log.getvalue()}"
    return out


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """``http://127.0.0.1:<free port>/progress/``, serving ``site``; stopped at the end."""
    with serve_folder(site.parent) as root:
        yield f"{root}{SUB_PATH}/"


def page_kinds(site: Path) -> dict[str, str]:
    """Kind → its largest page: ``projects/x/index.html`` is of kind ``projects/*/index.html``."""
    kinds: dict[str, list[Path]] = {}
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        parts = rel.parts
        if parts[0] == "pagefind":
            continue
        kind = "/".join([parts[0], *["*"] * (len(parts) - 2), parts[-1]])
        kind = rel.as_posix() if len(parts) < 3 else kind
        kinds.setdefault(kind, []).append(page)
    return {
        kind: max(pages, key=lambda p: (p.stat().st_size, p.as_posix()))
        .relative_to(site)
        .as_posix()
        for kind, pages in sorted(kinds.items())
    }


def artifact(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = name.replace("*", "each")
    return str(ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") + ".png"))


# --- a watched browser context --------------------------------------------------------


class Visit:
    """A page in its own context that records what went wrong while it was used."""

    def __init__(self, browser: Browser, base_url: str, **options: Any) -> None:
        self.base_url = base_url
        self.problems: list[str] = []
        self.context: BrowserContext = browser.new_context(
            service_workers="block", locale="zh-CN", **options
        )
        self.context.route("**/*", self._route)
        self.page: Page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._add(f"page error: {error}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _add(self, problem: str) -> None:
        self.problems.append(f"{self.page.url}: {problem}")

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.base_url):
            route.continue_()
        else:
            self._add(f"request outside the site: {route.request.method} {url}")
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self._add(f"console error: {message.text}")

    def _failed(self, request: Any) -> None:
        if request.url.startswith(self.base_url):
            self._add(f"failed request: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self._add(f"HTTP {response.status}: {response.url}")

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path, wait_until="load")
        if path == "search.html":  # Pagefind's UI builds itself once its script has run
            self.page.locator(".pagefind-ui__search-input").wait_for()

    def axe(self) -> list[str]:
        """WCAG 2.1 A/AA violations on the page as it is now, one line each."""
        self.page.add_script_tag(path=str(AXE))
        violations: list[dict[str, Any]] = self.page.evaluate(
            """async (tags) => {
              const result = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
              return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' '))}));
            }""",
            WCAG_TAGS,
        )
        return [
            f"{self.page.url}: axe {v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}"
            f" — {v['nodes']}"
            for v in violations
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator[Callable[..., Visit]]:
    """Visit factory: ``visit(**context options)``; every context is closed at the end."""
    opened: list[Visit] = []

    def make(**options: Any) -> Visit:
        opened.append(Visit(browser, base_url, **options))
        return opened[-1]

    yield make
    for v in opened:
        v.close()


# --- every page kind ------------------------------------------------------------------

PRINTED = """() => {
  const shown = (el) => {
    if (!el) return false;
    const style = getComputedStyle(el);
    return style.display !== 'none' && style.visibility !== 'hidden'
      && el.getClientRects().length > 0;
  };
  const asof = document.querySelector('.asof');
  return {nav: [...document.querySelectorAll('nav')].filter(shown).length,
          asof: shown(asof) ? asof.textContent.trim() : null};
}"""

SQUEEZED = """() => [...document.querySelectorAll('tbody th[scope=row]')]
  .filter((th) => th.getClientRects().length > 0)
  .filter((th) => th.getBoundingClientRect().width < 6 * parseFloat(getComputedStyle(th).fontSize))
  .map((th) => th.textContent.trim().slice(0, 20))"""
"""Row headings narrower than six characters (a table squeezed to fit a phone)."""
SHEET_WIDTH = 688
"""An A4 sheet's width inside the print margins (210 mm less two margins of 14 mm), in CSS pixels."""


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_every_page_kind(size: str, site: Path, visit: Callable[..., Visit]) -> None:
    require(AXE.is_file(), f"axe-core ({AXE.relative_to(REPO)})")
    kinds = page_kinds(site)
    assert {"index.html", "projects/*/index.html", "search.html"} <= kinds.keys(), kinds
    v = visit(**VIEWPORTS[size])
    problems: list[str] = []
    for kind, path in kinds.items():
        v.open(path)
        problems += v.axe()
        if size == "phone":
            width = v.page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                problems.append(f"{path}: scrolls sideways on a phone ({width}px > 375px)")
            if squeezed := v.page.evaluate(SQUEEZED):
                problems.append(f"{path}: row headings squeezed on a phone: {squeezed[:3]}")
        v.page.screenshot(path=artifact(f"page-{size}-{kind}"), full_page=True)
        if size == "desktop":
            v.page.emulate_media(media="print")
            printed = v.page.evaluate(PRINTED)
            v.page.emulate_media(media="screen")
            if printed["nav"]:
                problems.append(f"{path}: navigation shows in print")
            if not printed["asof"] or "2026" not in printed["asof"]:
                problems.append(f"{path}: no 'as of' date in print ({printed['asof']!r})")
    problems += v.problems
    assert not problems, f"{size}, kinds {sorted(kinds)}:\n" + "\n".join(problems)


def test_every_page_kind_prints_within_the_sheet(site: Path, visit: Callable[..., Visit]) -> None:
    """Printed on A4, no page runs off the sheet's right edge; the ledger, a dozen columns
    wide, asks for a landscape sheet."""
    v = visit(viewport={"width": SHEET_WIDTH, "height": 1000})
    v.page.emulate_media(media="print")
    wide = []
    for path in page_kinds(site).values():
        v.page.goto(v.base_url + path, wait_until="load")  # search hides its form in print
        width = v.page.evaluate("document.documentElement.scrollWidth")
        if width > SHEET_WIDTH:
            wide.append(f"{path}: {width}px")
    assert not wide, f"wider than an A4 sheet ({SHEET_WIDTH}px) in print:\n" + "\n".join(wide)
    for path, landscape in (("ledger.html", True), ("index.html", False)):
        v.open(path)
        pdf = v.page.pdf(prefer_css_page_size=True)
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert box, path
        assert (float(box[1]) > float(box[2])) == landscape, (path, box[0])
    assert not v.problems


# --- search ---------------------------------------------------------------------------


def test_search_finds_a_chinese_word(visit: Callable[..., Visit], base_url: str) -> None:
    require(AXE.is_file(), f"axe-core ({AXE.relative_to(REPO)})")
    v = visit(**VIEWPORTS["desktop"])
    v.open("search.html")
    v.page.locator(".pagefind-ui__search-input").fill(SEARCH_WORD)
    results = v.page.locator(".pagefind-ui__result-link")
    results.first.wait_for()
    hrefs: list[str] = results.evaluate_all("(links) => links.map((a) => a.href)")
    assert base_url + SEARCH_PROJECT in hrefs, hrefs
    axe = v.axe()
    v.page.screenshot(path=artifact("search-results"), full_page=True)

    results.nth(hrefs.index(base_url + SEARCH_PROJECT)).click()
    v.page.wait_for_url(base_url + SEARCH_PROJECT)
    assert SEARCH_WORD in v.page.locator("h1").inner_text()

    v.page.goto(base_url + "search.html?q=" + SEARCH_WORD)
    v.page.locator(".pagefind-ui__result-link").first.wait_for()
    assert not axe and not v.problems, "\n".join(axe + v.problems)


def test_search_page_without_javascript_says_so(visit: Callable[..., Visit]) -> None:
    v = visit(java_script_enabled=False, **VIEWPORTS["desktop"])
    v.page.goto(v.base_url + "search.html")
    assert "JavaScript" in v.page.locator("#search-status").inner_text()
    assert not v.problems


def test_search_page_from_a_folder_says_it_needs_a_server(site: Path, page: Any) -> None:
    """From file:// Pagefind cannot fetch its index: the page says so, and nothing fails."""
    status = page.locator("#search-status")
    page.goto((site / "search.html").as_uri())
    expected = status.get_attribute("data-file-message")
    assert expected and "http" in expected
    assert status.inner_text() == expected
    assert not page.problems()


# --- the Nu HTML Checker --------------------------------------------------------------


def test_every_html_file_is_valid(site: Path) -> None:
    java = shutil.which("java")
    require(java is not None, "Java (for the Nu HTML Checker)")
    require(VNU.is_file(), f"vnu ({VNU.relative_to(REPO)})")
    assert java is not None
    command = [java, "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json"]
    done = subprocess.run(
        [*command, "--stdout", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(done.stdout)["messages"]
    errors = [
        f"{m.get('url', '').split(SUB_PATH + '/', 1)[-1]}:{m.get('lastLine', '?')}: "
        f"{m['type']}: {m['message']}"
        for m in messages
    ]
    assert not errors, f"{len(errors)} vnu errors:\n" + "\n".join(errors)
    assert done.returncode == 0, done.stderr
    assert len(list(site.rglob("*.html"))) > 10
