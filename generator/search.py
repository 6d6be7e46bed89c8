"""Search: the search page, and Pagefind's index built over the finished site.

The index is built by Pagefind's *extended* binary (the ``pagefind[extended]`` wheel
ships it), which segments Chinese text into words; the standard build does not, and a
search for 一流本科 would find nothing.

Only project and department pages are indexed (:data:`INDEXED_TEMPLATES`; their
``<main>`` carries ``data-pagefind-body``, so navigation, headers and footers never
match); every note has its one place there, and week pages only repeat them. The
pipeline writes those pages first, then :func:`index_in_background` starts Pagefind on
them (``--glob``, so it does not even read the other pages) while the rest of the site
is rendered on the other cores. It all happens in the staging folder before the swap,
so a failed index build leaves the published site untouched. Result links keep their
``index.html``, so they also work from a sub-path and match the site's own links.

Pagefind's output is deterministic for the same pages: files are named by content hash,
and nothing in them depends on the folder's name, the time or the order files were
written. The binary runs in an empty working folder with every ``PAGEFIND_*`` variable
removed, so no stray ``pagefind.yml`` or environment setting can change the index.

The search page loads Pagefind's default UI from the bundle it writes
(``pagefind/pagefind-ui.js``, ``pagefind/pagefind-ui.css``): nothing leaves the site.
The UI fetches the index, so search needs the site served over http(s); opened from a
plain folder (``file://``), or with JavaScript off, the page says so instead.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from generator.context import Page, common
from generator.status import PortfolioStatus

SEARCH_PAGE = "search.html"
BUNDLE = "pagefind"
"""The folder, inside the site, that Pagefind writes its index and UI files to."""
TIMEOUT_SECONDS = 300
INDEXED_TEMPLATES = frozenset({"project.html", "department.html"})
"""The page kinds whose ``<main>`` carries ``data-pagefind-body``."""
GLOB = "{projects,departments}/*/index.html"
"""Where those pages are; Pagefind reads no other file."""


class SearchIndexError(OSError):
    """Pagefind is missing or failed; the message says which and why."""


def pages(portfolio: PortfolioStatus) -> list[Page]:
    """The search page, at the site's root."""
    return [Page(SEARCH_PAGE, "search.html", common(portfolio, SEARCH_PAGE, "search"))]


def executable() -> Path:
    """Pagefind's extended binary, from the ``pagefind_bin_extended`` wheel."""
    try:
        import pagefind_bin_extended  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SearchIndexError(
            "Pagefind's extended build is not installed (pip install 'pagefind[extended]')"
        ) from exc
    try:
        found = pagefind_bin_extended.get_executable()
    except FileNotFoundError as exc:
        raise SearchIndexError(f"Pagefind's extended binary is missing: {exc}") from exc
    return Path(str(found))


def fingerprint() -> str:
    """Which Pagefind binary would index the site (for the build record's key)."""
    try:
        binary = executable()
        info = binary.stat()
    except (SearchIndexError, OSError):
        return "pagefind missing"
    return f"{binary} {info.st_size} {info.st_mtime_ns}"


def pagefind_language(language: str) -> str:
    """The site's language as Pagefind names it: ``zh-CN`` → ``zh-cn``."""
    return language.lower()


def indexed(page: Page) -> bool:
    """Whether Pagefind indexes this page (so it must be written before indexing starts)."""
    return page.template in INDEXED_TEMPLATES


class Indexing:
    """An index being built; this base class builds none (tests use it to skip Pagefind)."""

    def wait(self) -> None:
        """Block until the index is complete; raise :class:`SearchIndexError` if it failed."""

    def stop(self) -> None:
        """Abandon the index (the build failed elsewhere)."""


@contextlib.contextmanager
def index_in_background(site_dir: Path, language: str) -> Iterator[None]:
    """Index the pages already under ``site_dir`` while the block runs; wait at its end."""
    indexing = start_index(site_dir, language)
    try:
        yield
    except BaseException:
        indexing.stop()
        raise
    indexing.wait()


def start_index(site_dir: Path, language: str) -> Indexing:
    """Start Pagefind on ``site_dir``; it writes ``site_dir/pagefind/``."""
    return _Pagefind(site_dir.absolute(), language)


class _Pagefind(Indexing):
    def __init__(self, site_dir: Path, language: str) -> None:
        command = [
            str(executable()),
            "--site",
            str(site_dir),
            "--glob",
            GLOB,
            "--output-subdir",
            BUNDLE,
            "--force-language",
            pagefind_language(language),
            "--keep-index-url",
            "--silent",
        ]
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND")}
        self._site_dir = site_dir
        self._workdir = tempfile.TemporaryDirectory(prefix="pagefind-")
        self._started = time.monotonic()
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self._workdir.name,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            self._workdir.cleanup()
            raise SearchIndexError(f"Pagefind could not start: {exc}") from exc

    def wait(self) -> None:
        left = TIMEOUT_SECONDS - (time.monotonic() - self._started)
        try:
            stdout, stderr = self._process.communicate(timeout=max(left, 1))
        except subprocess.TimeoutExpired as exc:
            self.stop()
            raise SearchIndexError(
                f"Pagefind did not finish indexing within {TIMEOUT_SECONDS} seconds"
            ) from exc
        finally:
            self._workdir.cleanup()
        if self._process.returncode != 0:
            output = (stderr.strip() or stdout.strip())[-2000:]
            raise SearchIndexError(f"Pagefind failed (exit {self._process.returncode}): {output}")
        if not (self._site_dir / BUNDLE / "pagefind-ui.js").is_file():
            raise SearchIndexError(f"Pagefind wrote no search UI into {BUNDLE}/")

    def stop(self) -> None:
        self._process.kill()
        self._process.communicate()
        self._workdir.cleanup()
