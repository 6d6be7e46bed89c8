"""Live preview: build into a private folder, serve it on 127.0.0.1, rebuild on change.

:class:`Preview` ties three parts together:

* **Watchers.** Two background threads run :func:`watchfiles.watch`: one over
  ``projects/`` and the theme folder (recursive), one over the root folder alone
  (not recursive, only ``site.yaml`` counts — watching the folder, not the file,
  survives editors that save by renaming a new file over the old one, and does not
  descend into ``.venv`` or ``node_modules``). Each batch of changes a watcher reports
  marks the site as out of date.
* **The builder.** One thread waits for that mark, clears it and rebuilds with
  :func:`generator.pipeline.build_site` (which swaps the finished site in at once).
  Changes that arrive during a build are folded into a single next build. A portfolio
  of :data:`generator.pipeline.PARALLEL_FROM` projects or more is built in a child
  process of its own (:func:`build_in_child`), which may fork workers for every core:
  this process runs threads, and forking a threaded process is unsafe. A smaller one
  is built here, in one process, where starting a child would cost more than it saves.
* **At once.** A batch of changes that only writes a few project files is shown before
  the full build: the watcher thread renders those projects' pages from ``site.yaml`` and
  each file alone (:func:`generator.pipeline.project_page`, the bytes the build writes)
  and serves them until a full build that started after the batch ends; a file with errors
  shows the error page as fast.
* **The server.** :class:`http.server.ThreadingHTTPServer` on 127.0.0.1 serves the
  site folder. Every HTML response carries a small script that asks ``/__reload`` whether
  its page changed (with a digest of it); the question is held until the answer differs,
  so the page reloads as soon as its own content changes, and only then. When
  the last build failed, every path answers with the error page instead of the stale
  site (HTTP 500, so ``curl --fail``, link checkers and scripts can tell a broken
  build from a page; a browser shows the body all the same).

**No change is missed.** :meth:`Preview.start` waits until both watchers are
registered with the operating system before the first build and before the server
answers anything: a watcher thread signals *ready* on the first value its
``watch`` generator yields (``yield_on_timeout`` makes it yield an empty batch after
``rust_timeout`` ms even when nothing changed), and ``watch`` only yields once its
native watcher is constructed, which registers every path synchronously; changes from
then on are buffered by the watcher until the thread collects them. A change made
after the start line is printed therefore always leads to a rebuild.

The reload script is added while serving and never written to disk: ``build`` output
never contains it. Requests are confined to the site folder (``translate_path`` drops
``..``, and the resolved file must lie inside the folder) and answered only for the
host names 127.0.0.1 and localhost, so a web page cannot read the preview through DNS
rebinding. A ``projects/`` folder that does not exist at start is not watched (the
error page says it is missing; restart after creating it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import html
import http.server
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import context, forge, pipeline, render, report, schema, write
from generator import workers as worker_pool
from generator.validate import project_id_problem

if TYPE_CHECKING:
    import watchfiles

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SITE_DIR = Path(".cache") / "serve-site"
"""Where, under the root, the preview is built (``.cache/`` is git-ignored)."""
RELOAD_PATH = "/__reload"
RELOAD_MARKER = "data-progress-site-live-reload"
"""An attribute on the injected script tag; tests look for it."""
POLL_MS = 1000
"""How long a page waits before asking again when the preview did not answer."""
WAIT_SECONDS = 25.0
"""How long :data:`RELOAD_PATH` holds a page's question open before answering "no news"."""
AT_ONCE_MAX = 5
"""At most this many project files saved together are shown at once, before the build."""
READY_TIMEOUT_SECONDS = 30.0
_WATCH_TIMEOUT_MS = 200
_HTML_SUFFIXES = (".html", ".htm")
_LOCAL_NAMES = {HOST, "localhost"}

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("The site could not be built", "站点无法构建"),
    "hint": (
        "Fix the file and save it: this page reloads by itself.",
        "修改文件并保存后，本页会自动刷新。",
    ),
    "serving": (
        "serving the live preview at {url} (built into {out}); press Ctrl-C to stop",
        "实时预览：{url}（构建到 {out}）；按 Ctrl-C 停止",
    ),
    "rebuilt": ("rebuilt ({files} files)", "已重新构建（{files} 个文件）"),
    "theme": (
        "the theme failed to render; nothing was written",
        "主题模板渲染失败；未写入任何文件",
    ),
    "write": (
        "the site could not be written; the preview shows this page instead",
        "无法写入站点；预览改为显示本页",
    ),
    "internal": (
        "internal error while building: {error}",
        "构建时发生内部错误：{error}",
    ),
    "at_once": (
        "updated {pages} at once; rebuilding the rest",
        "已先更新 {pages}；其余页面正在重建",
    ),
    "stopped": ("stopped", "已停止"),
}


def word(key: str, lang: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh-CN" else en).format(**args)


@dataclass(frozen=True)
class Snapshot:
    """The outcome of the latest build: ``problems`` is ``None`` when the site is good."""

    generation: int
    """Moves with every outcome: a full build's, or an edit shown at once."""
    language: str
    problems: tuple[str, ...] | None = None
    headline: str = ""
    builds: int = 0
    """How many full builds have ended (in success or failure)."""
    files: frozenset[str] = frozenset()
    """The files the ``problems`` are in."""


# --- what the browser gets ---------------------------------------------------------------


def reload_script(token: str) -> str:
    """The live-reload snippet. It asks :data:`RELOAD_PATH` whether its own page has
    changed, with the page's ``token`` (:func:`page_token`); the preview holds the question
    until the answer differs (or :data:`WAIT_SECONDS` pass), so the page reloads the
    moment its content changes and never for a build that left it as it was."""
    return (
        f"<script {RELOAD_MARKER}>"
        "(function(){"
        f'var seen="{token}";'
        "function poll(){"
        f'fetch("{RELOAD_PATH}?page="+encodeURIComponent(location.pathname)+"&seen="+seen,'
        '{cache:"no-store"})'
        ".then(function(r){if(!r.ok){throw r;}return r.text();})"
        ".then(function(now){if(now.trim()!==seen){location.reload();}else{poll();}})"
        ".catch(function(){setTimeout(poll," + str(POLL_MS) + ");});}"
        "poll();})();"
        "</script>\n"
    )


def page_token(content: bytes) -> str:
    """What a page's reload script remembers of it: a digest of the page as built."""
    return hashlib.blake2b(content, digest_size=8).hexdigest()


def error_token(snapshot: Snapshot) -> str:
    """The token of every page while the latest outcome is a failure: it changes when the
    problems do, not with every build that finds the same ones."""
    text = "\n".join(snapshot.problems or ()).encode("utf-8")
    return "e" + hashlib.blake2b(text, digest_size=8).hexdigest()


def inject(page: bytes, token: str) -> bytes:
    """``page`` with the reload script just before its last ``</body>`` (or at the end)."""
    script = reload_script(token).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + script
    return page[:at] + script + page[at:]


def error_page(snapshot: Snapshot) -> bytes:
    """The page shown for every HTML path while the latest build has failed."""
    lang = snapshot.language
    items = "\n".join(
        f"<li><code>{html.escape(line)}</code></li>" for line in snapshot.problems or ()
    )
    title = html.escape(word("title", lang))
    text = f"""<!DOCTYPE html>
<html lang="{html.escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem;
  padding: 0 1rem; color: #1a1a1a; }}
h1 {{ color: #a40000; font-size: 1.5rem; }}
ul {{ padding-left: 1.2rem; }}
li {{ margin: .4rem 0; }}
code {{ white-space: pre-wrap; word-break: break-word; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>{html.escape(snapshot.headline)}</p>
<ul class="problems">
{items}
</ul>
<p>{html.escape(word("hint", lang))}</p>
</main>
{reload_script(error_token(snapshot))}</body>
</html>
"""
    return text.encode("utf-8")


def error_text(snapshot: Snapshot) -> bytes:
    """The same problems as plain text, for paths that are not pages."""
    lines = [snapshot.headline, *(snapshot.problems or ())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _is_page(url_path: str) -> bool:
    last = url_path.rsplit("/", 1)[-1]
    return not last or last.lower().endswith(_HTML_SUFFIXES) or "." not in last


# --- the preview -------------------------------------------------------------------------


class Preview:
    """Watch, build and serve one root folder. ``start`` → ``serve_forever`` → ``close``."""

    def __init__(
        self,
        root: Path,
        *,
        port: int = DEFAULT_PORT,
        today: dt.date | None = None,
        lang: str | None = None,
        theme: Path = pipeline.THEME,
        out: Path | None = None,
        log: Callable[[str], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``environ``: the variables that may name the site's repository (the command
        line's environment, read once); each build resolves it against site.yaml as it is
        then. Without it the pages have no links into a repository."""
        self.root = root.absolute()
        self._environ = dict(environ) if environ is not None else None
        self.theme = theme.absolute()
        self.site_dir = (out or self.root / SITE_DIR).absolute()
        self._port = port
        self._today = today
        self._lang = lang
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._lock = threading.Lock()
        self._moved = threading.Condition(self._lock)
        """Notified whenever the snapshot or the pages shown at once change."""
        self._snapshot = Snapshot(0, lang or pipeline.site_language(self.root))
        self._changes = 0
        """How many batches of changes the watchers have reported."""
        self._at_once: dict[str, tuple[int, bytes]] = {}
        """Site path → (the batch of changes it shows, the page): an edited project's page,
        shown from its file alone until a full build that started after that batch ends."""
        self._last_at_once = 0
        """The batch of changes last shown at once (a page, or the file's problems)."""
        self._renderers: dict[str, render.PageRenderer] = {}
        self._stop = threading.Event()
        self._pending = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: http.server.ThreadingHTTPServer | None = None
        self._serving = False

    # -- lifecycle --

    def start(self) -> None:
        """Bind, start watching (and wait until the watchers are live), build once.

        Raises :class:`OSError` when the port cannot be bound or a watcher cannot start,
        :class:`generator.write.UnsafeDestination` when the site folder may not be
        replaced. Nothing is answered before this returns: the socket listens, but
        requests wait in its backlog until :meth:`serve_forever`.
        """
        sources = (self.root / pipeline.PROJECTS_DIR, self.theme)
        write.check_destination(self.site_dir, protected=(self.root, *sources), sources=sources)
        handler = functools.partial(_Handler, preview=self, directory=str(self.site_dir))
        self._server = http.server.ThreadingHTTPServer((HOST, self._port), handler)
        self._server.daemon_threads = True
        try:
            self._start_watchers()
            self.rebuild()
            builder = threading.Thread(target=self._build_loop, name="serve-build", daemon=True)
            builder.start()
            self._threads.append(builder)
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the preview has not started")
        return f"http://{HOST}:{self._server.server_address[1]}/"

    def serve_forever(self) -> None:
        if self._server is None:
            raise RuntimeError("the preview has not started")
        self._serving = True
        try:
            self._server.serve_forever(poll_interval=0.25)
        finally:
            self._serving = False

    def close(self) -> None:
        """Stop serving, watching and building; safe to call more than once."""
        self._stop.set()
        self._pending.set()
        with self._moved:
            self._moved.notify_all()  # the pages waiting for news are answered
        if self._server is not None:
            if self._serving:
                self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=10)

    # -- state --

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    def shown_at_once(self, path: str) -> bytes | None:
        """The page at ``path`` (relative to the site) if an edit shows it ahead of the
        build, else None."""
        with self._lock:
            found = self._at_once.get(path)
        return found[1] if found is not None else None

    def wait_past(self, generation: int, timeout: float) -> bool:
        """Wait until the outcome moves past ``generation`` or ``timeout`` seconds pass;
        False when the preview is closing."""
        with self._moved:
            self._moved.wait_for(
                lambda: self._snapshot.generation != generation or self._stop.is_set(), timeout
            )
        return not self._stop.is_set()

    def rebuild(self) -> Snapshot:
        """Build once and publish the outcome; the counter moves on success and failure."""
        with self._lock:
            started = self._changes
        today = self._today or pipeline.today_in_site_zone(self.root)
        problems: tuple[str, ...] | None = None
        files: frozenset[str] = frozenset()
        headline = ""
        try:
            result = self._build(today)
        except pipeline.BuildError as exc:
            lang = self._lang or exc.language
            problems = tuple(d.format(lang) for d in exc.diagnostics)
            files = frozenset(d.file for d in exc.diagnostics)
            headline = report.failed_line(len(exc.diagnostics), lang)
        except render.ThemeError as exc:
            lang = self._language()
            problems = (f"{exc.file}:{exc.line}: {exc.message} ({exc.page})",)
            headline = word("theme", lang)
        except (OSError, write.UnsafeDestination) as exc:
            lang = self._language()
            problems = (str(exc),)
            headline = word("write", lang)
        except Exception as exc:  # a bug in the generator: show it and keep serving
            lang = self._language()
            traceback.print_exc(file=sys.stderr)
            problems = (f"{type(exc).__name__}: {exc}",)
            headline = word("internal", lang, error=type(exc).__name__)
        else:
            lang = self._lang or result.language
            for warning in result.warnings:
                self._log(warning.format(lang))
            headline = word("rebuilt", lang, files=result.files)
        with self._moved:
            # The pages shown at once since this build started stay until the next one.
            self._at_once = {p: shown for p, shown in self._at_once.items() if shown[0] > started}
            current = self._snapshot
            outdated = self._last_at_once > started  # an edit is shown that it did not read
            if outdated:
                self._snapshot = dataclasses.replace(current, builds=current.builds + 1)
            else:
                self._snapshot = Snapshot(
                    current.generation + 1, lang, problems, headline, current.builds + 1, files
                )
            snapshot = self._snapshot
            self._moved.notify_all()
        if not self._stop.is_set() and not outdated:
            self._log(snapshot.headline)
            for line in snapshot.problems or ():
                self._log(line)
        return snapshot

    def show_at_once(self, project_ids: list[str], batch: int) -> None:
        """Show an edit of these project files before the full build: their pages, rendered
        here from ``site.yaml`` and each file alone (a few milliseconds each), or the
        problems in them. Anything else that goes wrong is left to the full build, which
        follows in any case."""
        today = self._today or pipeline.today_in_site_zone(self.root)
        shown: dict[str, bytes] = {}
        problems: tuple[str, ...] | None = None
        try:
            repository = self._repository()
            for project_id in project_ids:
                path, page = pipeline.project_page(
                    self.root, project_id, today, self._renderer, repository
                )
                shown[path] = page
        except pipeline.BuildError as exc:
            lang = self._lang or exc.language
            problems = tuple(d.format(lang) for d in exc.diagnostics)
            files = frozenset(d.file for d in exc.diagnostics)
            headline = report.failed_line(len(exc.diagnostics), lang)
        except Exception:  # the theme, the disk, a bug: the full build reports it
            return
        else:
            lang = self._language()
            files = frozenset()
            pages = "、".join(context.project_path(i) for i in project_ids)
            headline = word("at_once", lang, pages=pages)
        edited = frozenset(f"{pipeline.PROJECTS_DIR}/{i}.yaml" for i in project_ids)
        with self._moved:
            current = self._snapshot
            if current.problems is not None and not (current.files and current.files <= edited):
                return  # other problems stand until a full build says otherwise
            self._last_at_once = batch
            self._at_once.update((path, (batch, page)) for path, page in shown.items())
            self._snapshot = Snapshot(
                current.generation + 1, lang, problems, headline, current.builds, files
            )
            self._moved.notify_all()
        if not self._stop.is_set():
            self._log(headline)
            for line in problems or ():
                self._log(line)

    def _warm_up(self) -> None:
        """Compile the project page's templates before the first edit needs them."""
        try:
            self._renderer(pipeline.site_language(self.root)).compile({"project.html"})
        except Exception:  # a broken theme: the builds report it
            self._renderers = {}

    def _renderer(self, language: str) -> render.PageRenderer:
        """The theme compiled once for the pages shown at once (again after it changes)."""
        renderers = self._renderers
        if language not in renderers:
            renderers[language] = render.PageRenderer(self.theme, language)
        return renderers[language]

    def _build(self, today: dt.date) -> pipeline.BuildResult:
        repository = self._repository()
        if pipeline.project_count(self.root) < pipeline.PARALLEL_FROM or not CHILD_BUILDS:
            return pipeline.build_site(
                self.root, self.site_dir, today, self.theme, workers=1, repository=repository
            )
        return build_in_child(self.root, self.site_dir, today, self.theme, self._stop, repository)

    def _repository(self) -> forge.Repository | None:
        if self._environ is None:
            return None
        site, _ = schema.load_site(self.root)
        return forge.resolve(site, self._environ) if site is not None else None

    def _language(self) -> str:
        return self._lang or pipeline.site_language(self.root)

    # -- threads --

    def _start_watchers(self) -> None:
        import watchfiles  # here: ``build`` and ``check`` need not load it

        tree = [p for p in (self.root / pipeline.PROJECTS_DIR, self.theme) if p.is_dir()]
        site_file = pipeline.SITE_FILE

        def only_site_file(change: watchfiles.Change, path: str) -> bool:
            return os.path.basename(path) == site_file

        plans: list[tuple[list[Path], bool, Callable[[watchfiles.Change, str], bool]]] = [
            ([self.root], False, only_site_file)
        ]
        if tree:
            plans.append((tree, True, watchfiles.DefaultFilter()))
        watchers: list[tuple[threading.Event, list[BaseException]]] = []
        for paths, recursive, keep in plans:
            ready = threading.Event()
            failed: list[BaseException] = []
            thread = threading.Thread(
                target=self._watch,
                args=(paths, recursive, keep, ready, failed),
                name="serve-watch",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
            watchers.append((ready, failed))
        for ready, failed in watchers:
            if not ready.wait(READY_TIMEOUT_SECONDS):
                raise OSError("the file watcher did not start in time")
            if failed:
                raise OSError(f"the file watcher could not start: {failed[0]}") from failed[0]

    def _watch(
        self,
        paths: list[Path],
        recursive: bool,
        keep: Callable[[watchfiles.Change, str], bool],
        ready: threading.Event,
        failed: list[BaseException],
    ) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                *paths,
                watch_filter=keep,
                recursive=recursive,
                stop_event=self._stop,
                rust_timeout=_WATCH_TIMEOUT_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                ready.set()  # the first value proves the native watcher is registered
                if changes:
                    self._changed(changes)
        except Exception as exc:
            failed.append(exc)
            if not ready.is_set():
                ready.set()
                return
            if not self._stop.is_set():
                self._log(f"the file watcher stopped: {exc}")

    def _changed(self, changes: set[tuple[watchfiles.Change, str]]) -> None:
        """One batch of changes: an edit of a few project files is shown at once, then
        (in every case) the full build is due."""
        with self._lock:
            self._changes += 1
            batch = self._changes
        if any(Path(path).is_relative_to(self.theme) for _, path in changes):
            self._renderers = {}  # compiled from the theme as it was
        edited = self._edited_projects(changes)
        if edited:
            self.show_at_once(edited, batch)
        self._pending.set()

    def _edited_projects(self, changes: set[tuple[watchfiles.Change, str]]) -> list[str]:
        """The ids of the project files written in this batch, when that is all it holds
        that the site is built from (not the theme, not site.yaml, no file removed), and
        they are at most :data:`AT_ONCE_MAX`; else none."""
        folder = self.root / pipeline.PROJECTS_DIR
        found: set[str] = set()
        for _, path in changes:
            file = Path(path)
            if file.parent != folder:
                if file.is_relative_to(folder):
                    continue  # in a sub-folder: not a project file
                return []
            name = file.name
            if not name.endswith(".yaml") or name.startswith("."):
                continue  # an editor's swap or backup file
            if project_id_problem(f"{pipeline.PROJECTS_DIR}/{name}", name) is not None:
                continue  # not a project's name: the full build says so
            if not file.is_file():
                return []  # removed (or renamed away): the full build only
            found.add(name[: -len(".yaml")])
        return sorted(found) if len(found) <= AT_ONCE_MAX else []

    def _build_loop(self) -> None:
        self._warm_up()
        while True:
            self._pending.wait()
            if self._stop.is_set():
                return
            self._pending.clear()
            self.rebuild()


# --- building in a child process --------------------------------------------------------

CHILD_BUILDS = "forkserver" in multiprocessing.get_all_start_methods()
"""Whether a large portfolio is built in a child process (where forkserver exists)."""


def build_in_child(
    root: Path,
    out: Path,
    today: dt.date,
    theme: Path,
    stop: threading.Event,
    repository: forge.Repository | None = None,
) -> pipeline.BuildResult:
    """:func:`generator.pipeline.build_site` in a child process, with every core.

    The child is forked by multiprocessing's fork server, a process of one thread, so it
    may fork workers itself. Its result, or what it raised, comes back through a pipe;
    ``stop`` set (the preview closing) ends it.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.pipeline"])
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_build_child,
        args=(sending, root, out, today, theme, repository),
        name="serve-build",
    )
    child.start()
    sending.close()
    try:
        while not receiving.poll(0.1):
            if stop.is_set() or not child.is_alive():
                break
        outcome = receiving.recv() if receiving.poll() else None
    except (EOFError, OSError):
        outcome = None
    finally:
        ended = child.is_alive() and stop.is_set()
        if ended:
            child.terminate()
        child.join()
        receiving.close()
        if ended:  # it died writing: its half-written staging folder goes too
            write.remove_leftovers(out)
    if outcome is None:
        raise worker_pool.WorkerDied("the build process stopped unexpectedly (out of memory?)")
    if isinstance(outcome, BaseException):
        raise outcome
    assert isinstance(outcome, pipeline.BuildResult)
    return outcome


def _build_child(
    sending: multiprocessing.connection.Connection,
    root: Path,
    out: Path,
    today: dt.date,
    theme: Path,
    repository: forge.Repository | None,
) -> None:
    # Ctrl-C in a terminal reaches every process of the preview: the preview itself stops
    # and ends this one, which must not report the interrupt as the build's outcome.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        outcome: object = pipeline.build_site(root, out, today, theme, repository=repository)
    except BaseException as exc:  # carried back to the preview, raised there
        outcome = worker_pool.portable(exc)
    try:
        sending.send(outcome)
        sending.close()
    except OSError:  # the preview has stopped and no longer listens: nothing to report
        pass


# --- HTTP --------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder, the reload counter and, after a failed build, the errors."""

    def __init__(self, *args: Any, preview: Preview, **kwargs: Any) -> None:
        self.preview = preview  # set first: the base class handles the request in __init__
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the page polls every second. Errors are still logged."""

    def _respond(self, body: bool) -> None:
        if not self._local_host():
            self.send_error(403, "the preview answers requests for 127.0.0.1 and localhost only")
            return
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        if path == RELOAD_PATH:
            try:
                asked = urllib.parse.parse_qs(split.query, max_num_fields=4)
            except ValueError:  # more fields than the page's own script sends
                self.send_error(400, "too many query fields")
                return
            if "page" in asked:
                self._answer_when_changed(asked["page"][0], asked.get("seen", [""])[0], body)
                return
            counter = str(self.preview.snapshot().generation).encode("ascii")
            self._send(200, "text/plain; charset=utf-8", counter, body)
            return
        snapshot = self.preview.snapshot()
        if snapshot.problems is not None:
            if _is_page(path):
                self._send(500, "text/html; charset=utf-8", error_page(snapshot), body)
            else:
                self._send(500, "text/plain; charset=utf-8", error_text(snapshot), body)
            return
        if not self._confined():
            self.send_error(404)
            return
        shown = self.preview.shown_at_once(_site_path(path))
        if shown is not None:
            self._send(200, "text/html; charset=utf-8", inject(shown, page_token(shown)), body)
            return
        page = self._page_file()
        if page is None:
            if body:
                super().do_GET()
            else:
                super().do_HEAD()
            return
        try:
            content = page.read_bytes()
        except OSError:  # swapped out mid-request; the next poll reloads
            self.send_error(404)
            return
        self._send(200, "text/html; charset=utf-8", inject(content, page_token(content)), body)

    def _answer_when_changed(self, page: str, seen: str, body: bool) -> None:
        """The token of the page at the URL path ``page`` as soon as it is not ``seen``
        (or :data:`WAIT_SECONDS` later, or when the preview closes)."""
        page, seen = page[:2048], seen[:64]  # from the browser: bounded
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            generation = self.preview.snapshot().generation
            now = self._token(page)
            left = deadline - time.monotonic()
            if now != seen or left <= 0 or not self.preview.wait_past(generation, left):
                break
        self._send(200, "text/plain; charset=utf-8", now.encode("ascii"), body)

    def _token(self, url_path: str) -> str:
        """What :func:`page_token` gives for the page the browser would get at ``url_path``
        now ('-' when there is none)."""
        snapshot = self.preview.snapshot()
        if snapshot.problems is not None:
            return error_token(snapshot)
        shown = self.preview.shown_at_once(_site_path(url_path))
        if shown is not None:
            return page_token(shown)
        local = Path(self.translate_path(url_path))
        if local.is_dir():
            local = local / "index.html"
        try:
            if local.resolve().is_relative_to(self.preview.site_dir.resolve()):
                return page_token(local.read_bytes())
        except OSError:
            pass
        return "-"

    def _local_host(self) -> bool:
        """Refuse other host names, so a web page cannot read the preview by DNS rebinding."""
        host = self.headers.get("Host")
        if host is None:
            return True
        name = urllib.parse.urlsplit(f"//{host}").hostname
        return name in _LOCAL_NAMES

    def _confined(self) -> bool:
        """Belt and braces over ``translate_path``: the file must resolve inside the site."""
        target = Path(self.translate_path(self.path)).resolve()
        return target.is_relative_to(self.preview.site_dir.resolve())

    def _page_file(self) -> Path | None:
        """The HTML file this request names (a folder's ``index.html``), if any."""
        local = Path(self.translate_path(self.path))
        if local.is_dir():
            if not urllib.parse.urlsplit(self.path).path.endswith("/"):
                return None  # the base class redirects to the slash form
            local = local / "index.html"
        if local.suffix.lower() in _HTML_SUFFIXES and local.is_file():
            return local
        return None

    def _send(self, code: int, content_type: str, content: bytes, body: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)


def _site_path(url_path: str) -> str:
    """The site-relative path of the file a URL path names ('/projects/a/' →
    'projects/a/index.html')."""
    path = urllib.parse.unquote(url_path).lstrip("/")
    return path + "index.html" if not path or path.endswith("/") else path


def serving_line(preview: Preview, lang: str) -> str:
    return word("serving", lang, url=preview.url, out=preview.site_dir)


def stopped_line(lang: str) -> str:
    return word("stopped", lang)
