"""``serve``: the live preview rebuilds on change, shows errors, reloads, stays in its folder.

Most tests run the real command line in a subprocess on a free loopback port (with
Pagefind's indexing step switched off, as in the other build tests) and stop it with
SIGINT, as Ctrl-C would. Every wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from generator import pipeline, search, serve
from tests.bench import synth
from tests.conftest import REPO, TODAY, Root, RunResult

Run = Callable[..., RunResult]

WAIT_SECONDS = 10.0
START_SECONDS = 60.0

# The subprocess: Ctrl-C raises KeyboardInterrupt even when the test runner was started
# with SIGINT ignored (a background job), and Pagefind's indexing step is skipped.
BOOT = """\
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from generator import search
search.build_index = lambda *args: None
from generator.cli import main
sys.exit(main(sys.argv[1:]))
"""

PROJECT = """\
title: Alpha project
lead: academic-affairs
milestones:
  - title: Plan
    due: 2026-02-28
"""

# Line 5, column 10: the date that does not exist.
BROKEN = PROJECT.replace("2026-02-28", "2026-02-30")

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
_SCRIPT = re.compile(r"<script " + serve.RELOAD_MARKER + r">.*?</script>\n", re.S)


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process builds skip Pagefind's indexing step (seconds per build)."""
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def fetch(url: str) -> tuple[int, str]:
    try:
        with _OPENER.open(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8")


def wait_for(url: str, ok: Callable[[int, str], bool]) -> tuple[int, str]:
    """Fetch ``url`` until ``ok`` holds, for at most :data:`WAIT_SECONDS`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        status, body = fetch(url)
        if ok(status, body):
            return status, body
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never matched; last answer {status}:\n{body[:2000]}")
        time.sleep(0.1)


class Server:
    """``progress-site serve`` running in a subprocess."""

    def __init__(self, root: Path, session: bool = False) -> None:
        """``session``: in a process group of its own, as a terminal starts a program."""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                BOOT,
                "serve",
                "--root",
                str(root),
                "--port",
                "0",
                "--today",
                TODAY.isoformat(),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            start_new_session=session,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=_drain, args=(self.proc.stdout, self.out, lines)),
            threading.Thread(target=_drain, args=(self.proc.stderr, self.err, None)),
        ]
        for reader in self._readers:
            reader.start()
        self.url = self._wait_for_url(lines)

    def _wait_for_url(self, lines: queue.Queue[str | None]) -> str:
        deadline = time.monotonic() + START_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                return found.group(0)
        self.stop()
        raise AssertionError(f"serve did not start:\n{''.join(self.err)}")

    @property
    def port(self) -> int:
        port = urllib.parse.urlsplit(self.url).port
        assert port is not None
        return port

    def counter(self) -> int:
        status, body = fetch(self.url + "__reload")
        assert status == 200
        return int(body)

    def counter_above(self, before: int) -> int:
        """Wait until the counter passes ``before``: it moves just after the new site is
        swapped in, so a page can show the new content a moment before the counter does
        (the browser then reloads once more, harmlessly)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while (now := self.counter()) <= before:
            assert time.monotonic() < deadline, f"the counter stayed at {now}"
            time.sleep(0.05)
        return now

    def stop(
        self, group: bool = False, how: signal.Signals = signal.SIGINT
    ) -> tuple[int, str, str]:
        """Ctrl-C, or ``how`` (``group``: to every process of its group, as a terminal sends
        it); returns (exit code, stdout, stderr)."""
        if self.proc.poll() is None:
            if group:
                os.killpg(self.proc.pid, how)
            else:
                self.proc.send_signal(how)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=20)
        for reader in self._readers:
            reader.join(timeout=20)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, "".join(self.out), "".join(self.err)


def _drain(stream: IO[str], into: list[str], lines: queue.Queue[str | None] | None) -> None:
    for line in stream:
        into.append(line)
        if lines is not None:
            lines.put(line)
    if lines is not None:
        lines.put(None)


@pytest.fixture
def server(root: Root) -> Iterator[Server]:
    root.project("p", PROJECT)
    running = Server(root.path)
    try:
        yield running
    finally:
        running.stop()


# --- rebuilds ------------------------------------------------------------------------------


def test_serves_the_site_and_rebuilds_when_a_project_changes(server: Server, root: Root) -> None:
    status, body = fetch(server.url)
    assert status == 200
    assert "Alpha project" in body
    before = server.counter()

    root.project("p", PROJECT.replace("Alpha project", "Beta project"))

    wait_for(server.url, lambda status, body: status == 200 and "Beta project" in body)
    _, page = fetch(server.url + "projects/p/index.html")
    assert "Beta project" in page
    server.counter_above(before)


def test_a_change_right_after_start_is_not_missed(server: Server, root: Root) -> None:
    # No request has been answered yet: the watcher was live before the start line.
    root.project("p", PROJECT.replace("Alpha project", "Early change"))
    wait_for(server.url, lambda status, body: "Early change" in body)


def test_site_yaml_changes_rebuild_too(server: Server, root: Root) -> None:
    before = server.counter()
    site = (root.path / "site.yaml").read_text(encoding="utf-8")
    root.site(site.replace("title: 测试站点", "title: Renamed site"))
    wait_for(server.url, lambda status, body: "Renamed site" in body)
    server.counter_above(before)


def test_a_broken_file_shows_the_errors_and_the_fixed_file_brings_the_site_back(
    server: Server, root: Root
) -> None:
    root.project("p", BROKEN)

    status, body = wait_for(server.url, lambda status, body: status == 500)
    assert "projects/p.yaml:5:10: &#x27;2026-02-30&#x27; is not a real calendar date" in body
    assert "Alpha project" not in body  # the error page, not the stale site
    assert "The site could not be built" in body  # in the site's language (en)
    assert serve.RELOAD_MARKER in body  # it reloads by itself once fixed
    status, other = fetch(server.url + "projects/p/index.html")
    assert status == 500 and "projects/p.yaml:5:10:" in other
    status, data = fetch(server.url + "data.json")
    assert status == 500 and "projects/p.yaml:5:10:" in data  # no stale data either
    broken_at = server.counter()

    root.project("p", PROJECT.replace("Alpha project", "Fixed project"))

    # The fixed file's own page comes back first, from that file alone; the whole site,
    # rebuilt, follows (its home page then lists the fixed project).
    page = server.url + "projects/p/index.html"
    wait_for(page, lambda status, body: status == 200 and "Fixed project" in body)
    wait_for(server.url, lambda status, body: status == 200 and "Fixed project" in body)
    server.counter_above(broken_at)


def test_the_reload_counter_moves_with_every_rebuild(server: Server, root: Root) -> None:
    start = server.counter()
    root.project("p", PROJECT.replace("Alpha project", "One"))
    wait_for(server.url, lambda status, body: "One" in body)
    after_one = server.counter_above(start)
    root.project("p", PROJECT.replace("Alpha project", "Two"))
    wait_for(server.url, lambda status, body: "Two" in body)
    server.counter_above(after_one)


# --- what is served --------------------------------------------------------------------------


def raw_get(server: Server, path: str, host: str | None = None) -> tuple[int, str]:
    """GET ``path`` exactly as written: no client-side normalisation of ``..``."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_paths_cannot_leave_the_site_folder(server: Server) -> None:
    assert raw_get(server, "/index.html")[0] == 200
    for path in ["/../site.yaml", "/%2e%2e/site.yaml", "/../projects/p.yaml", "/../../etc/hosts"]:
        status, body = raw_get(server, path)
        assert status == 404, path
        assert "departments:" not in body and "lead: academic-affairs" not in body, path


def test_only_loopback_host_names_are_answered(server: Server) -> None:
    assert raw_get(server, "/", host=f"localhost:{server.port}")[0] == 200
    assert raw_get(server, "/", host="attacker.example")[0] == 403  # DNS rebinding
    assert raw_get(server, "/__reload", host="attacker.example")[0] == 403


def test_the_reload_script_is_served_but_never_built(
    server: Server, root: Root, tmp_path: Path, run: Run
) -> None:
    status, served = fetch(server.url)
    assert status == 200
    assert served.count(serve.RELOAD_MARKER) == 1
    assert serve.RELOAD_PATH in served

    out = tmp_path / "built"
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", TODAY.isoformat())
    assert code == 0, err
    pages = list(out.rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert serve.RELOAD_MARKER not in text and serve.RELOAD_PATH not in text, page
    # The script is the only difference between the served page and the built one.
    assert _SCRIPT.sub("", served) == (out / "index.html").read_text(encoding="utf-8")


def test_ctrl_c_stops_cleanly(server: Server) -> None:
    assert fetch(server.url)[0] == 200
    code, out, err = server.stop()
    assert code == 0
    assert "Traceback" not in err
    assert out.splitlines()[-1] == "stopped"


# --- in process: the theme is watched, the page is escaped, usage errors -------------------


def test_theme_changes_rebuild(root: Root, tmp_path: Path) -> None:
    root.project("p", PROJECT)
    theme = tmp_path / "theme"
    shutil.copytree(pipeline.THEME, theme)
    log: list[str] = []
    preview = serve.Preview(root.path, port=0, today=TODAY, theme=theme, log=log.append)
    preview.start()
    thread = threading.Thread(target=preview.serve_forever, daemon=True)
    thread.start()
    try:
        assert "theme-edit-marker" not in fetch(preview.url)[1]
        base = theme / "templates" / "base.html"
        good = base.read_text(encoding="utf-8")
        base.write_text(good.replace("</footer>", "{{ no_such_value }}</footer>"), "utf-8")
        _, body = wait_for(preview.url, lambda status, body: status == 500)
        assert "base.html:" in body and "no_such_value" in body
        base.write_text(good.replace("</footer>", "<p>theme-edit-marker</p></footer>"), "utf-8")
        wait_for(preview.url, lambda status, body: "theme-edit-marker" in body)
    finally:
        preview.close()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert preview.site_dir == root.path / ".cache" / "serve-site"


def test_the_error_page_escapes_every_message() -> None:
    snapshot = serve.Snapshot(
        7,
        "en",
        ("projects/p.yaml:2:8: unknown department '<script>alert(1)</script>'",),
        "build failed: 1 problem(s); nothing was written",
    )
    page = serve.error_page(snapshot).decode("utf-8")
    assert "<script>alert(1)" not in page
    assert (
        "projects/p.yaml:2:8: unknown department &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;"
        in page
    )
    assert f'var seen="{serve.error_token(snapshot)}"' in page
    chinese = serve.error_page(serve.Snapshot(1, "zh-CN", (), "构建失败")).decode("utf-8")
    assert '<html lang="zh-CN">' in chinese and "站点无法构建" in chinese


def test_a_taken_port_is_an_error_not_a_traceback(root: Root, run: Run) -> None:
    root.project("p", PROJECT)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("serve", "--root", root.path, "--port", str(port))
    assert code == 1
    assert "cannot serve" in err and "Traceback" not in err


def test_a_port_out_of_range_is_a_usage_error(root: Root, run: Run) -> None:
    code, _, err = run("serve", "--root", root.path, "--port", "70000")
    assert code == 2
    assert "not a port number" in err


def test_a_foreign_folder_in_the_preview_place_is_never_replaced(root: Root, run: Run) -> None:
    root.project("p", PROJECT)
    foreign = root.path / ".cache" / "serve-site"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("precious", encoding="utf-8")
    code, _, err = run("serve", "--root", root.path, "--port", "0")
    assert code == 2
    assert "refusing to build there: " in err
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "precious"


def next_build(preview: serve.Preview, after: serve.Snapshot) -> serve.Snapshot:
    """The outcome of the full build the watchers start after ``after``."""
    deadline = time.monotonic() + START_SECONDS
    while (now := preview.snapshot()).builds == after.builds:
        assert time.monotonic() < deadline, "no rebuild"
        time.sleep(0.05)
    return now


def test_a_large_portfolio_is_built_in_a_child_process_with_its_errors(
    root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From PARALLEL_FROM projects on, each build runs in a child process (which may use
    every core); what it built, or what was wrong, comes back as from a build here."""
    for n in range(pipeline.PARALLEL_FROM):
        root.project(f"p{n:02d}", PROJECT.replace("Alpha project", f"Project {n}"))
    children: list[pipeline.BuildResult | BaseException] = []
    real = serve.build_in_child

    def counting(*args: Any) -> pipeline.BuildResult:
        try:
            result = real(*args)
        except BaseException as exc:
            children.append(exc)
            raise
        children.append(result)
        return result

    monkeypatch.setattr(serve, "build_in_child", counting)
    log: list[str] = []
    preview = serve.Preview(root.path, port=0, today=TODAY, log=log.append)
    preview.start()
    try:
        first = preview.snapshot()
        assert first.problems is None, first.problems
        assert isinstance(children[0], pipeline.BuildResult) and children[0].projects == 20
        page = preview.site_dir / "projects" / "p07" / "index.html"
        assert "Project 7" in page.read_text(encoding="utf-8")
        root.project("p07", BROKEN)
        broken = next_build(preview, first)
        assert isinstance(children[-1], pipeline.BuildError)
        assert broken.problems is not None
        assert any(p.startswith("projects/p07.yaml:5:10: ") for p in broken.problems)
        assert "Project 7" in page.read_text(encoding="utf-8"), "the last good site stays"
        root.project("p07", PROJECT.replace("Alpha project", "Project seven"))
        fixed = next_build(preview, broken)
        assert fixed.problems is None, fixed.problems
        assert "Project seven" in page.read_text(encoding="utf-8")
    finally:
        preview.close()


def test_ctrl_c_in_a_terminal_during_a_child_build_stops_cleanly(tmp_path: Path) -> None:
    """A terminal sends Ctrl-C to the whole group: the preview, the fork server, the build
    child and its workers. The preview stops; nothing else reports the interrupt."""
    root = tmp_path / "root"
    synth.write_portfolio(root, pipeline.PARALLEL_FROM, notes=60)
    server = Server(root, session=True)
    try:
        assert fetch(server.url)[0] == 200
        edited = root / "projects" / "p0003.yaml"
        edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        deadline = time.monotonic() + START_SECONDS
        while not list((root / ".cache").glob(".serve-site.building-*/projects")):
            assert time.monotonic() < deadline, "the rebuild never started writing"
            time.sleep(0.005)  # until the child is writing the new site
    finally:
        code, out, err = server.stop(group=True)
    assert code == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert out.splitlines()[-1] == "已停止"  # the synthetic site is in Chinese
    deadline = time.monotonic() + 10
    while alive := [p for p in processes_in_group(server.proc.pid)]:
        assert time.monotonic() < deadline, f"left running: {alive}"
        time.sleep(0.1)


def test_sigterm_during_a_child_build_stops_quietly_and_removes_the_half_written_site(
    tmp_path: Path,
) -> None:
    """A service manager or `kill` sends SIGTERM to the preview alone: it ends the build
    child (which must not complain that nobody listens any more), removes the folder the
    child was writing, and stops as on Ctrl-C."""
    root = tmp_path / "root"
    synth.write_portfolio(root, pipeline.PARALLEL_FROM, notes=60)
    server = Server(root, session=True)
    try:
        assert fetch(server.url)[0] == 200
        edited = root / "projects" / "p0003.yaml"
        edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        deadline = time.monotonic() + START_SECONDS
        while not list((root / ".cache").glob(".serve-site.building-*/projects")):
            assert time.monotonic() < deadline, "the rebuild never started writing"
            time.sleep(0.005)
    finally:
        code, out, err = server.stop(how=signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert out.splitlines()[-1] == "已停止"
    deadline = time.monotonic() + 10
    while alive := [p for p in processes_in_group(server.proc.pid)]:
        assert time.monotonic() < deadline, f"left running: {alive}"
        time.sleep(0.1)
    assert not list((root / ".cache").glob(".serve-site.building-*"))


def processes_in_group(group: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found


# --- an edit shown at once, before the full build ------------------------------------------


class HeldBuilds:
    """Every full build after the first waits for :meth:`release`, so a test can look at
    what the preview shows while one is running."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.first = True
        real = serve.Preview._build

        def held(preview: serve.Preview, today: Any) -> pipeline.BuildResult:
            if self.first:
                self.first = False
            else:
                self.started.set()
                assert self.gate.wait(START_SECONDS), "the test never released the build"
            return real(preview, today)

        monkeypatch.setattr(serve.Preview, "_build", held)

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> HeldBuilds:
    return HeldBuilds(monkeypatch)


@pytest.fixture
def preview(root: Root, held: HeldBuilds) -> Iterator[serve.Preview]:
    root.project("p", PROJECT)
    root.project("q", PROJECT.replace("Alpha project", "Other project"))
    running = serve.Preview(root.path, port=0, today=TODAY, log=lambda line: None)
    running.start()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        held.release()
        running.close()
        thread.join(timeout=10)


def reload_answer(url: str, page: str, seen: str) -> str:
    status, token = fetch(f"{url}__reload?page={urllib.parse.quote(page)}&seen={seen}")
    assert status == 200
    return token


def test_an_edited_project_shows_on_its_page_before_the_full_build_ends(
    preview: serve.Preview, root: Root, held: HeldBuilds, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = preview.url + "projects/p/index.html"
    _, before = fetch(page)
    builds = preview.snapshot().builds
    root.project("p", PROJECT.replace("Alpha project", "Edited at once"))

    _, body = wait_for(page, lambda status, body: "Edited at once" in body)
    assert held.started.wait(WAIT_SECONDS)
    assert preview.snapshot().builds == builds, "shown before the full build ended"
    assert "Alpha project" in fetch(preview.url)[1], "the home page waits for the build"
    assert "Other project" in fetch(preview.url + "projects/q/index.html")[1]
    shown = preview.shown_at_once("projects/p/index.html")
    assert shown is not None and _SCRIPT.sub("", body).encode("utf-8") == shown
    token = serve.page_token(shown)
    assert f'var seen="{token}"' in body
    assert serve.page_token(_SCRIPT.sub("", before).encode("utf-8")) != token

    held.release()
    wait_for(preview.url, lambda status, body: "Edited at once" in body)
    assert preview.snapshot().builds == builds + 1
    assert preview.shown_at_once("projects/p/index.html") is None, "the build's page now"
    built = (preview.site_dir / "projects" / "p" / "index.html").read_bytes()
    assert built == shown, "the page shown at once is the page the build writes"
    # So a page open in a browser is not reloaded a second time: its token stands.
    monkeypatch.setattr(serve, "WAIT_SECONDS", 0.3)
    assert reload_answer(preview.url, "/projects/p/", token) == token


def test_a_broken_edit_shows_the_error_page_before_the_full_build_ends(
    preview: serve.Preview, root: Root, held: HeldBuilds, monkeypatch: pytest.MonkeyPatch
) -> None:
    root.project("p", BROKEN)
    _, body = wait_for(preview.url + "projects/p/", lambda status, body: status == 500)
    assert "projects/p.yaml:5:10: " in body
    assert held.started.wait(WAIT_SECONDS)
    broken = preview.snapshot()
    assert broken.builds == 1 and broken.files == {"projects/p.yaml"}
    assert f'var seen="{serve.error_token(broken)}"' in body
    monkeypatch.setattr(serve, "WAIT_SECONDS", 0.3)
    token = serve.error_token(broken)
    assert reload_answer(preview.url, "/", token) == token  # every page shows the errors

    held.release()  # the full build finds the same problem: nothing to reload
    deadline = time.monotonic() + WAIT_SECONDS
    while preview.snapshot().builds == broken.builds:
        assert time.monotonic() < deadline, "the full build never ended"
        time.sleep(0.05)
    assert preview.snapshot().problems == broken.problems
    assert reload_answer(preview.url, "/", token) == token

    root.project("p", PROJECT.replace("Alpha project", "Mended"))  # shown at once again
    wait_for(preview.url + "projects/p/", lambda status, body: "Mended" in body)


def test_a_question_held_open_is_answered_when_its_page_changes(
    preview: serve.Preview, root: Root, held: HeldBuilds
) -> None:
    _, body = fetch(preview.url + "projects/p/")
    found = re.search(r'var seen="([0-9a-f]+)"', body)
    assert found is not None
    answers: list[str] = []
    asking = threading.Thread(
        target=lambda: answers.append(reload_answer(preview.url, "/projects/p/", found.group(1)))
    )
    asking.start()
    time.sleep(0.3)
    assert not answers, "no news: the question is held"
    root.project("p", PROJECT.replace("Alpha project", "News"))
    asking.join(WAIT_SECONDS)
    assert answers and answers[0] != found.group(1)
    assert answers[0] == serve.page_token(preview.shown_at_once("projects/p/index.html") or b"")


def test_a_reload_question_with_too_many_fields_is_refused_not_a_traceback(
    preview: serve.Preview,
) -> None:
    status, _ = fetch(preview.url + "__reload?page=/&seen=x&a=1&b=2&c=3")
    assert status == 400
    assert fetch(preview.url + "__reload")[0] == 200  # and the preview still answers


def test_only_project_files_saved_alone_are_shown_at_once(root: Root, tmp_path: Path) -> None:
    root.project("p", PROJECT)
    root.project("q", PROJECT)
    preview = serve.Preview(root.path, port=0, today=TODAY, theme=tmp_path / "theme")
    projects = root.path / "projects"
    edit = (1, str(projects / "p.yaml"))  # watchfiles.Change.added / modified / deleted
    assert preview._edited_projects({edit, (2, str(projects / "q.yaml"))}) == ["p", "q"]
    swap = (1, str(projects / ".p.yaml.swp"))
    assert preview._edited_projects({edit, swap, (1, str(projects / "4913"))}) == ["p"]
    assert preview._edited_projects({edit, (2, str(tmp_path / "theme" / "x.html"))}) == []
    assert preview._edited_projects({edit, (2, str(root.path / "site.yaml"))}) == []
    assert preview._edited_projects({edit, (3, str(projects / "gone.yaml"))}) == []
    many = {(2, str(projects / f"p{n}.yaml")) for n in range(serve.AT_ONCE_MAX + 1)}
    for _, path in many:
        Path(path).write_text(PROJECT, encoding="utf-8")
    assert preview._edited_projects(many) == []
