"""Real headless Chromium (Debian's package, driven by Playwright) for the browser tests.

``browser`` is one Chromium for the whole session. ``page`` is a fresh, isolated page
that records everything a payload could do without the test asking: console errors,
uncaught page errors, dialogs (alert, confirm, prompt: recorded, then dismissed) and
every request that does not stay on ``file://`` (nor on an origin the test serves the
site from itself, see ``WatchedPage.serve_from``); such requests are aborted. On teardown
it saves a screenshot to ``test-artifacts/`` at the repository root. ``open_page``,
``screenshot`` and ``launch`` (a Chromium for another thread) serve module-scoped needs.

Chromium comes from ``make browser-deps`` (``apt-get install chromium``), never from
``playwright install``. Without it the tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Dialog,
        Page,
        Playwright,
        Request,
        Route,
    )

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)"
        if _in_ci():
            pytest.fail(f"CI is set and {message}", pytrace=False)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright is not installed: pip install -e '.[test]' (never `playwright install`;"
            f" the tests drive {CHROMIUM})",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless. (A thread of its own needs its own ``sync_playwright``.)"""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


class WatchedPage:
    """A Playwright page plus what happened on it; other attributes go to the page.

    A request is *external* unless its URL starts with one of ``local`` (``file://``,
    plus any origin a test serves the site from itself, see ``serve_from``).
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.local: list[str] = ["file://"]
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.external_requests: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("dialog", self._on_dialog)
        page.on("request", self._on_request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)

    def serve_from(self, origin: str) -> None:
        """Count requests to ``origin`` (``http://127.0.0.1:8000/``) as the site's own."""
        self.local.append(origin)

    def is_local(self, url: str) -> bool:
        return url.startswith(tuple(self.local))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") or ""
            self.console_errors.append(f"{self.page.url}: {message.text} {where}".rstrip())

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{self.page.url}: {dialog.type}({dialog.message!r})")
        dialog.dismiss()

    def _on_request(self, request: Request) -> None:
        if not self.is_local(request.url):
            self.external_requests.append(f"{self.page.url}: {request.method} {request.url}")

    def mark(self) -> tuple[int, int, int, int]:
        """A point in the record, for ``problems(since=...)``."""
        return (
            len(self.dialogs),
            len(self.page_errors),
            len(self.console_errors),
            len(self.external_requests),
        )

    def problems(self, since: tuple[int, int, int, int] = (0, 0, 0, 0)) -> list[str]:
        """Everything recorded (after ``since``), one line each; empty when nothing happened."""
        d, p, c, r = since
        return [
            *(f"dialog opened: {x}" for x in self.dialogs[d:]),
            *(f"page error: {x}" for x in self.page_errors[p:]),
            *(f"console error: {x}" for x in self.console_errors[c:]),
            *(f"external request: {x}" for x in self.external_requests[r:]),
        ]


def open_page(browser: Browser) -> WatchedPage:
    """A watched page in a fresh, isolated context; close it with ``.context.close()``."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, service_workers="block", locale="en-US"
    )
    watched = WatchedPage(context.new_page())

    # Nothing leaves the machine even if a payload gets through; the attempt is recorded.
    def only_local(route: Route) -> None:
        if watched.is_local(route.request.url):
            route.continue_()
        else:
            route.abort()

    context.route(re.compile(r"^(?!file:)"), only_local)  # file:// is never routed
    return watched


def screenshot(page: WatchedPage, label: str) -> None:
    """Save what ``page`` shows as ``test-artifacts/<label>.png``; never raises."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")[:180]
    try:
        page.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    except Exception as exc:  # a crashed page must not hide the test's own result
        print(f"no screenshot for {label}: {exc}")


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[WatchedPage]:
    watched = open_page(browser)
    try:
        yield watched
    finally:
        screenshot(watched, request.node.nodeid)
        watched.context.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        # Chromium asks the host's root for /favicon.ico on its own (the page does not,
        # and Playwright does not report it); the host's root is not the site's.
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """``http://127.0.0.1:<free port>/`` serving ``folder`` until the block ends."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
