"""Search: the search page, and Pagefind's index built over the finished site.

The index is built by Pagefind's *extended* binary (the ``pagefind[extended]`` wheel
ships it), which segments Chinese text into words; the standard build does not, and a
search for 一流本科 would find nothing. :func:`build_index` runs as the write stage's
``finish`` step, on the complete staging folder before it is swapped in, so a failed
index build leaves the published site untouched.

Only pages whose ``<main>`` carries ``data-pagefind-body`` are indexed (project and
department pages), so navigation, headers and footers never match. Result links keep
their ``index.html``, so they also work from a sub-path and match the site's own links.

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

import os
import subprocess
import tempfile
from pathlib import Path

from generator.context import Page, common
from generator.status import PortfolioStatus

SEARCH_PAGE = "search.html"
BUNDLE = "pagefind"
"""The folder, inside the site, that Pagefind writes its index and UI files to."""
TIMEOUT_SECONDS = 300


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


def pagefind_language(language: str) -> str:
    """The site's language as Pagefind names it: ``zh-CN`` → ``zh-cn``."""
    return language.lower()


def build_index(site_dir: Path, language: str) -> None:
    """Index the HTML pages under ``site_dir`` into ``site_dir/pagefind/``."""
    site_dir = site_dir.absolute()
    command = [
        str(executable()),
        "--site",
        str(site_dir),
        "--output-subdir",
        BUNDLE,
        "--force-language",
        pagefind_language(language),
        "--keep-index-url",
        "--silent",
    ]
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND")}
    with tempfile.TemporaryDirectory(prefix="pagefind-") as workdir:
        try:
            done = subprocess.run(
                command,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SearchIndexError(
                f"Pagefind did not finish indexing within {TIMEOUT_SECONDS} seconds"
            ) from exc
    if done.returncode != 0:
        output = (done.stderr.strip() or done.stdout.strip())[-2000:]
        raise SearchIndexError(f"Pagefind failed (exit {done.returncode}): {output}")
    if not (site_dir / BUNDLE / "pagefind-ui.js").is_file():
        raise SearchIndexError(f"Pagefind wrote no search UI into {BUNDLE}/")
