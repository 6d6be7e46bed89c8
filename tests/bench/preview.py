"""The live preview's latency, for the benchmark: ``python -m generator serve`` seen over HTTP.

:func:`measure_preview` starts ``serve`` on a portfolio (``--port 0``: a free port) in a
session of its own and waits for the line it prints once its first build is done and it
serves (requests made before wait in the socket's backlog; the address is read from that
line). Then, for each run, with the preview's processes quiet before every step:

1. one note of one project file edited (a new text at its start, :func:`synth.with_marker`),
   the file replaced in one step (:func:`write_at_once`, as editors that save by renaming
   do: the preview never reads a half-written file), and the served pages asked for over
   HTTP every :data:`POLL_SECONDS`: **page**, seconds from the write until the edited
   project's page holds the new text; **site**, until the lead department's page of the
   note's week (which lists every report of its projects) holds it, which only a full
   rebuild writes (that page, hundreds of kilobytes at 1,000 projects, is fetched when the preview's reload counter moves and at
   least every :data:`WEEK_POLL_SECONDS`); **search**, until a fragment of the served
   search index holds it (read from the served folder); **settled**, until the preview's
   processes use no more CPU (:meth:`PreviewProcess.wait_quiet`, to 0.1 s): the rebuild done;
2. the same file broken (a line indented with a tab, :func:`synth.broken`): **error**,
   until the project's page is the preview's error page (HTTP 500);
3. the valid file written back: **fixed**, until the page holds the text again. The file
   is then as it was at the last good build, so the preview's build finds nothing to redo:
   this is the cost of a mistake undone, not of a new edit.

Polling costs the machine under test about a seventh of one core (measured at 250
projects: the preview serving a 120 KB page and its counter 44 times a second, 9 % of a
core, the benchmark 5 %).

Finally the preview is stopped with SIGTERM, as a service manager stops it: it must exit 0
and leave no process of its session (the build child, the fork server, Pagefind) behind;
any left after :data:`LEFTOVER_GRACE_SECONDS` are reported and ended. The preview's output
goes to a log, each line with the seconds since it started, the benchmark's steps among
them, which shows where an edit's time goes.
"""

from __future__ import annotations

import gzip
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import search, serve
from tests.bench import synth
from tests.bench.measure import SAMPLE_SECONDS, process_name, session_members, tree_cpu_seconds

POLL_SECONDS = 0.02
"""How often the edited project's page (and the reload counter) is asked for."""
WEEK_POLL_SECONDS = 1.0
"""The week page is also fetched at least this often (fetching it every 20 ms would load
the machine being measured)."""
QUIET_WINDOW_SECONDS = 0.5
QUIET_CPU_SECONDS = 0.05
"""The preview is quiet when its processes used less CPU than this over the window."""
TIMEOUT_SECONDS = 600.0
"""The longest wait for any one step."""
STOP_TIMEOUT_SECONDS = 60.0
LEFTOVER_GRACE_SECONDS = 10.0
MARKER = "预览改动{n}次"
"""The new text each run puts at the start of the note (CJK and a digit, no punctuation:
found whole in Pagefind's fragments once their word breaks are taken out)."""
ERROR_PAGE_MARK = b'class="problems"'
"""What the preview's error page (:func:`generator.serve.error_page`) always holds."""
WORD_BREAK = "\u200b"
"""What Pagefind's extended build puts between the Chinese words of a fragment."""
SPARE_NAME = ".bench-edit.tmp"
"""The new file is written under this name in the root (which only ``site.yaml`` is
watched in), then renamed over the project file."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
_URL = re.compile(r"http://127\.0\.0\.1:\d+/")


@dataclass
class PreviewRun:
    """One edit seen through the live preview; seconds from the file's write."""

    page_s: float
    """Until the edited project's page holds the new text."""
    site_s: float
    """Until the week page that gathers the note from every project holds it."""
    search_s: float | None
    """Until a fragment of the served search index holds it (None: it never did)."""
    settled_s: float
    """Until the preview's processes fell quiet (the rebuild done)."""
    error_s: float
    """From writing an invalid file until the project's page is the error page."""
    fixed_s: float
    """From writing the valid file back (as it was at the last good build) until the page
    holds the text again."""


@dataclass
class PreviewResult:
    start_s: float | None = None
    """From starting ``serve`` until it serves (its first build)."""
    runs: list[PreviewRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """What went wrong: an edit not shown, a failed stop, processes left behind."""


class PreviewFailed(RuntimeError):
    pass


def serve_command(root: Path, today: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generator",
        "serve",
        "--root",
        str(root),
        "--port",
        "0",
        "--today",
        today,
    ]


def fetch(url: str, timeout: float = 60.0) -> tuple[int, bytes]:
    """The status and body of a GET (an error status too, with its body)."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def shows(url: str, text: bytes, status: int = 200) -> Callable[[], bool]:
    """A check: the page at ``url`` answers ``status`` and holds ``text``."""

    def check() -> bool:
        answer, body = fetch(url)
        return answer == status and text in body

    return check


class PreviewProcess:
    """``python -m generator serve`` in a session of its own, its output logged with the
    seconds since it started (and the benchmark's own steps among them)."""

    def __init__(self, command: list[str], cwd: Path, log_file: Path) -> None:
        self._log = log_file.open("w", encoding="utf-8")
        self._lock = threading.Lock()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.note(line.rstrip("\n"), who="serve")
            self._lines.put(line)
        self._lines.put(None)

    def note(self, text: str, who: str = "bench") -> None:
        with self._lock:
            if not self._log.closed:
                self._log.write(f"{time.perf_counter() - self.started:10.3f} {who:5} {text}\n")
                self._log.flush()

    def wait_for_url(self, timeout: float = TIMEOUT_SECONDS) -> str:
        """The preview's address, from the line it prints once its first build is done."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            found = _URL.search(line)
            if found:
                return found.group(0)
        raise PreviewFailed(f"serve did not start (see {self._log.name})")

    def wait_quiet(self, timeout: float = TIMEOUT_SECONDS) -> float:
        """Wait until the preview's processes have used less than :data:`QUIET_CPU_SECONDS`
        of CPU over :data:`QUIET_WINDOW_SECONDS`; the time (``perf_counter``) the quiet
        began, to :data:`SAMPLE_SECONDS`."""
        samples: list[tuple[float, float]] = []
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise PreviewFailed(f"serve exited {self.process.returncode}")
            now = time.perf_counter()
            used_now = tree_cpu_seconds(self.process.pid)
            samples.append((now, used_now))
            older = [s for s in samples if s[0] <= now - QUIET_WINDOW_SECONDS]
            if older:
                began, used = older[-1]
                if used_now - used < QUIET_CPU_SECONDS:
                    return began
                samples = samples[len(older) - 1 :]
            time.sleep(SAMPLE_SECONDS)
        raise PreviewFailed(f"the preview did not fall quiet within {timeout:g} s")

    def stop(self) -> list[str]:
        """SIGTERM, as a service manager stops it; what went wrong ([] when it exited 0 and
        left no process of its session behind; any left are ended here)."""
        problems = []
        pid = self.process.pid
        if self.process.poll() is None:
            os.kill(pid, signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            problems.append(f"serve did not stop within {STOP_TIMEOUT_SECONDS:g} s of SIGTERM")
            self.process.kill()
            code = self.process.wait()
        if code != 0:
            problems.append(f"serve exited {code} on SIGTERM, not 0")
        deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
        while (left := session_members(pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if left:
            names = ", ".join(f"{p} ({process_name(p)})" for p in left)
            problems.append(f"serve left processes behind after SIGTERM: {names}")
            for member in left:
                try:
                    os.kill(member, signal.SIGKILL)
                except OSError:
                    pass
        self._reader.join(timeout=10)
        self.note(f"stopped, exit {code}")
        with self._lock:
            self._log.close()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return problems


def write_at_once(path: Path, text: str) -> float:
    """Replace ``path`` (in ``projects/``) by a file holding ``text`` in one step; the
    ``perf_counter`` time of the replacement."""
    spare = path.parent.parent / SPARE_NAME
    spare.write_text(text, encoding="utf-8")
    written = time.perf_counter()
    os.replace(spare, path)
    return written


def search_holds(site_dir: Path, text: str, since: float) -> bool:
    """Whether a fragment of the search index in ``site_dir`` written since ``since``
    (a ``time.time()``) holds ``text``. Pagefind stores each page's text, gzipped, in a
    fragment, with word breaks between Chinese words; a fragment copied from the cache
    keeps its old time, and the edited page's index is built afresh."""
    for fragment in site_dir.glob(f"{search.BUNDLE}*/fragment/*.pf_fragment"):
        try:
            if fragment.stat().st_mtime < since:
                continue
            content = gzip.decompress(fragment.read_bytes()).decode("utf-8", "replace")
        except (OSError, EOFError):  # swapped out while read: asked again
            continue
        if text in content.replace(WORD_BREAK, ""):
            return True
    return False


def wait_until(
    condition: Callable[[], bool], since: float, what: str, timeout: float = TIMEOUT_SECONDS
) -> float:
    """Ask ``condition`` every :data:`POLL_SECONDS` until it holds; seconds from ``since``
    (a ``perf_counter`` time) to the answer that said so."""
    while True:
        if condition():
            return time.perf_counter() - since
        if time.perf_counter() - since > timeout:
            raise PreviewFailed(f"the preview did not show {what} within {timeout:g} s")
        time.sleep(POLL_SECONDS)


def measure_preview(
    root: Path,
    path: Path,
    runs: int,
    code: Path,
    log_file: Path,
    today: str,
    say: Callable[[str], None],
) -> PreviewResult:
    """Serve ``root`` from the code in ``code`` and time ``runs`` edits of ``path``."""
    result = PreviewResult()
    original = path.read_text(encoding="utf-8")
    _, note_date = synth.newest_note(original.split("\n"))
    site_dir = root / serve.SITE_DIR
    server = PreviewProcess(serve_command(root, today), code, log_file)
    try:
        url = server.wait_for_url()
        result.start_s = time.perf_counter() - server.started
        say(f"preview: serving at {url} after {result.start_s:.2f} s")
        page_url = f"{url}projects/{path.stem}/index.html"
        week_url = url + synth.week_path(note_date, synth.lead_of(original))
        counter_url = url + serve.RELOAD_PATH.lstrip("/")
        for address in (page_url, week_url):
            status, _ = fetch(address)
            if status != 200:
                raise PreviewFailed(f"{address} answered {status} once the preview served")
        for i in range(runs):
            run = _one_run(server, i + 1, path, page_url, week_url, counter_url, site_dir)
            result.runs.append(run)
            say(
                f"preview {i + 1}/{runs}: page {run.page_s:.2f} s, week page {run.site_s:.2f} s, "
                f"search {'–' if run.search_s is None else f'{run.search_s:.2f}'} s, "
                f"settled {run.settled_s:.2f} s, error page {run.error_s:.2f} s, "
                f"fixed {run.fixed_s:.2f} s"
            )
    except (PreviewFailed, OSError) as exc:  # OSError: the preview did not answer
        result.problems.append(str(exc))
    finally:
        result.problems += server.stop()
    for problem in result.problems:
        say(f"preview: {problem}")
    return result


def _one_run(
    server: PreviewProcess,
    n: int,
    path: Path,
    page_url: str,
    week_url: str,
    counter_url: str,
    site_dir: Path,
) -> PreviewRun:
    server.wait_quiet()
    marker = MARKER.format(n=n)
    needle = marker.encode("utf-8")
    text = synth.with_marker(path.read_text(encoding="utf-8"), marker)
    counter = fetch(counter_url)[1]
    wall = time.time()
    server.note(f"run {n}: writing {path.name} with {marker}")
    written = write_at_once(path, text)
    page_s: float | None = None
    site_s: float | None = None
    week_asked = written
    while page_s is None or site_s is None:
        now = time.perf_counter()
        if now - written > TIMEOUT_SECONDS:
            raise PreviewFailed(f"the edit did not show within {TIMEOUT_SECONDS:g} s")
        if page_s is None and shows(page_url, needle)():
            page_s = time.perf_counter() - written
            server.note(f"run {n}: the project's page shows it ({page_s:.3f} s)")
        if site_s is None:
            moved = fetch(counter_url)[1]
            if moved != counter or now - week_asked >= WEEK_POLL_SECONDS:
                counter, week_asked = moved, now
                if shows(week_url, needle)():
                    site_s = time.perf_counter() - written
                    server.note(f"run {n}: the week page shows it ({site_s:.3f} s)")
        time.sleep(POLL_SECONDS)
    search_s: float | None
    try:
        search_s = wait_until(
            lambda: search_holds(site_dir, marker, wall - 1.0),
            written,
            "the edit in the search index",
            timeout=site_s + 60.0,
        )
        server.note(f"run {n}: the search index holds it ({search_s:.3f} s)")
    except PreviewFailed:
        search_s = None
        server.note(f"run {n}: the search index never held it")
    settled_s = server.wait_quiet() - written
    server.note(f"run {n}: quiet from {settled_s:.3f} s")

    server.note(f"run {n}: breaking {path.name}")
    written = write_at_once(path, synth.broken(text))
    error_s = wait_until(shows(page_url, ERROR_PAGE_MARK, 500), written, "the error page")
    server.note(f"run {n}: the error page shows ({error_s:.3f} s)")
    server.wait_quiet()
    server.note(f"run {n}: fixing {path.name}")
    written = write_at_once(path, text)
    fixed_s = wait_until(shows(page_url, needle), written, "the fixed page")
    server.note(f"run {n}: the page is back ({fixed_s:.3f} s)")
    server.wait_quiet()
    return PreviewRun(page_s, site_s, search_s, settled_s, error_s, fixed_s)
