"""Search: the search page, and Pagefind's index built over the finished site.

The index is built by Pagefind's *extended* binary (the ``pagefind[extended]`` wheel
ships it), which segments Chinese text into words; the standard build does not, and a
search for 一流本科 would find nothing.

Only project and department pages are indexed (:data:`INDEXED_TEMPLATES`; their
``<main>`` carries ``data-pagefind-body``, so navigation, headers and footers never
match); every note has its one place there, and week pages only repeat them. Each
index is one job of the write stage (:func:`index_jobs`): it renders that index's pages
(those not kept from the site before), then Pagefind runs over them (``--glob`` names
each page, so it reads no other file), while the other workers render the rest: the
indexes are the longest jobs, so they are handed out first. It
all happens in the staging folder before the swap, so a failed index build leaves the
published site untouched. Result links keep their ``index.html``, so they also work
from a sub-path and match the site's own links.

A large portfolio gets several indexes (:func:`bundles`): one per :data:`BUNDLE_PROJECTS`
projects, each project in the one a digest of its id names (:func:`groups`), ``pagefind/``
with the department pages, then ``pagefind-2/`` and so on; the search page merges them
(Pagefind's
``mergeIndex``), so one search covers every page. Pagefind's memory then stays bounded
whatever the portfolio's size, and each index is kept in ``.cache/pagefind/`` under the
root, named by a digest of its pages, the binary and these options: a build whose pages
of one index are unchanged links that index's files instead of building it again.

Pagefind's output is deterministic for the same pages: files are named by content hash,
and nothing in them depends on the folder's name, the time or the order files were
written (so a cached index is byte-identical to a fresh one). The binary runs in an
empty working folder with every ``PAGEFIND_*`` variable removed, so no stray
``pagefind.yml`` or environment setting can change the index.

The search page loads Pagefind's default UI from the bundle it writes
(``pagefind/pagefind-ui.js``, ``pagefind/pagefind-ui.css``): nothing leaves the site.
The UI fetches the index, so search needs the site served over http(s); opened from a
plain folder (``file://``), or with JavaScript off, the page says so instead.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator import cache, meta
from generator.context import Common, Page, common
from generator.status import PortfolioStatus
from generator.write import Job, Output

SEARCH_PAGE = "search.html"
BUNDLE = "pagefind"
"""The folder, inside the site, that Pagefind writes its index and UI files to."""
TIMEOUT_SECONDS = 300
INDEXED_TEMPLATES = frozenset({"project.html", "department.html"})
"""The page kinds whose ``<main>`` carries ``data-pagefind-body``."""
BUNDLE_PROJECTS = 50
"""Project pages per index. Pagefind holds a whole index in memory while building it (about
1.6 MB a project page of a hundred notes), so one index for 3,000 projects would need 5 GB;
indexes of 50 stay near 125 MB however large the portfolio, and an edit rebuilds one, in
about 0.8 s (Pagefind starts in 0.2 s, then takes about 12 ms a page: 2.6 s for 200). A
reader pays little for many: the indexes merged in share the first one's WebAssembly, and
each adds a few small requests to a search (tests/browser/test_search_indexes.py)."""
CACHE_SPARE = 8
"""Cached indexes kept beyond two per index of the current build."""


class SearchIndexError(OSError):
    """Pagefind is missing or failed; the message says which and why."""


class SearchPage(Common):
    merge: list[str]
    """The folders of the indexes after the first, which the search page merges in."""


def pages(portfolio: PortfolioStatus) -> list[Page]:
    """The search page, at the site's root."""
    ids = [status.project.id for status in portfolio.projects]
    merge = [_folder(number) + "/" for number, _ in groups(ids)[1:]]
    preview = meta.search(portfolio.site, SEARCH_PAGE)
    page = SearchPage(**common(portfolio, SEARCH_PAGE, "search", preview), merge=merge)
    return [Page(SEARCH_PAGE, "search.html", page)]


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


def fingerprint(known: cache.Known | None = None) -> str:
    """Which Pagefind binary would index the site (for the build record's key): a digest
    of its bytes, so that the same binary installed afresh (a CI runner's new virtual
    environment, at another path, with other file times) is known as the same; through
    ``known``, it is read only when it is not as it was at the last build."""
    try:
        binary = executable()
        return known.digest(binary, binary_digest) if known else binary_digest(binary)
    except (SearchIndexError, OSError):
        return "pagefind missing"


def binary_digest(binary: Path) -> str:
    """A digest of the binary's bytes (SHA-256, about 40 ms for its 60 MB), taken once a
    process for each state of the file: worker processes forked later inherit it."""
    info = binary.stat()
    return _digest_of(binary, info.st_size, info.st_mtime_ns, info.st_ino)


@functools.cache
def _digest_of(binary: Path, size: int, mtime_ns: int, inode: int) -> str:
    with binary.open("rb") as handle:
        return "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()


def pagefind_language(language: str) -> str:
    """The site's language as Pagefind names it: ``zh-CN`` → ``zh-cn``."""
    return language.lower()


def indexed(page: Page) -> bool:
    """Whether Pagefind indexes this page (so it must be written before indexing starts)."""
    return page.template in INDEXED_TEMPLATES


@dataclass(frozen=True)
class Bundle:
    """One Pagefind index: the folder it is written to and the pages it indexes."""

    folder: str
    pages: tuple[str, ...]
    """Paths relative to the site's root."""


def bundles(pages: list[Page]) -> list[Bundle]:
    """The indexed pages in indexes (see :func:`groups`), the department pages in the first."""
    projects = {
        page.path.split("/")[1]: page.path for page in pages if page.template == "project.html"
    }
    departments = [page.path for page in pages if page.template == "department.html"]
    found = []
    for number, group in groups(list(projects)):
        paths = [projects[project_id] for project_id in group]
        found.append(Bundle(_folder(number), tuple(paths + departments if number == 1 else paths)))
    return found


def groups(project_ids: list[str]) -> list[tuple[int, list[str]]]:
    """The projects of each index, by number: one index per :data:`BUNDLE_PROJECTS` projects
    (rounded up), a project in the index that a digest of its id names, so that adding or
    removing a project changes that index alone (while the count holds), and the indexes
    are about even in size (250 projects: five of about 50, built two at a time). An index
    left without projects is left out, but the first.
    """
    count = max(1, -(-len(project_ids) // BUNDLE_PROJECTS))
    members: list[list[str]] = [[] for _ in range(count)]
    for project_id in sorted(project_ids):
        digest = hashlib.blake2b(project_id.encode(), digest_size=8).digest()
        members[int.from_bytes(digest, "big") % count].append(project_id)
    return [(n, group) for n, group in enumerate(members, 1) if group or n == 1]


def _folder(number: int) -> str:
    """Where the ``number``-th index goes: ``pagefind``, ``pagefind-2``, …"""
    return BUNDLE if number == 1 else f"{BUNDLE}-{number}"


def index_jobs(
    site_dir: Path,
    language: str,
    indexes: list[Bundle],
    cache: Path | None,
    render: Mapping[str, Job] | None = None,
) -> list[Job]:
    """Jobs for the write stage, one an index; once they are all done, :func:`prune` the
    cache. Each first gives the pages of its index that ``render`` has a job for (by path:
    the pages not kept from the site before), then, once the write stage has written them
    (it writes each file as it is given, before asking for the next), indexes them and
    writes the index's own files: so an index's pages are rendered on the same core,
    just before, and no page waits for every other to be written."""
    render = render or {}

    def job(bundle: Bundle) -> Iterator[Output]:
        for path in bundle.pages:
            if path in render:
                yield from render[path]()
        build_index(site_dir, language, [bundle], cache)

    return [functools.partial(job, bundle) for bundle in indexes]


def build_index(site_dir: Path, language: str, indexes: list[Bundle], cache: Path | None) -> None:
    """Build each index into ``site_dir``, one after the other; reuse cached ones."""
    binary = executable()
    for bundle in indexes:
        key = _bundle_key(site_dir, language, bundle, binary)
        kept = cache / key if cache is not None else None
        target = site_dir / bundle.folder
        if kept is not None and _copy_kept(kept, target):
            continue
        _run_pagefind(binary, site_dir, language, bundle)
        if cache is not None and kept is not None:
            _keep(target, cache, kept)


def prune(cache: Path, indexes: int) -> None:
    """Keep the cached indexes a build of ``indexes`` used, and a few more."""
    _prune(cache, keep=2 * indexes + CACHE_SPARE)


def _run_pagefind(binary: Path, site_dir: Path, language: str, bundle: Bundle) -> None:
    command = [
        str(binary),
        "--site",
        str(site_dir.absolute()),
        "--glob",
        "{" + ",".join(bundle.pages) + "}",
        "--output-subdir",
        bundle.folder,
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
        except OSError as exc:
            raise SearchIndexError(f"Pagefind could not start: {exc}") from exc
    if done.returncode != 0:
        output = (done.stderr.strip() or done.stdout.strip())[-2000:]
        raise SearchIndexError(f"Pagefind failed (exit {done.returncode}): {output}")
    if not (site_dir / bundle.folder / "pagefind-ui.js").is_file():
        raise SearchIndexError(f"Pagefind wrote no search UI into {bundle.folder}/")


def _bundle_key(site_dir: Path, language: str, bundle: Bundle, binary: Path) -> str:
    """Everything an index is made of: its pages, the binary (its bytes, wherever it is
    installed), the options (this file)."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (binary_digest(binary), language, bundle.folder):
        digest.update(part.encode() + b"\0")
    digest.update(Path(__file__).read_bytes())
    for page in bundle.pages:
        content = (site_dir / page).read_bytes()
        digest.update(f"{page}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def _copy_kept(kept: Path, target: Path) -> bool:
    """Take a cached index into the site, each file linked (no file of a site or of the
    cache is ever written in place: a build writes new files, and prunes whole folders) or
    copied where a link cannot be made; False when there is none (or it vanished midway:
    another build pruned it), and the index is then built afresh."""
    if not kept.is_dir():
        return False
    try:
        shutil.copytree(kept, target, copy_function=_link_or_copy)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return False
    with contextlib.suppress(OSError):
        os.utime(kept)  # recently used: pruned last
    return True


def _link_or_copy(source: str, target: str) -> None:
    """A link to a file; a copy of what a symbolic link leads to (none is ever written
    there: a link to one that leads nowhere fails, as copying it would)."""
    if not os.path.islink(source):
        with contextlib.suppress(OSError):
            os.link(source, target)
            return
    shutil.copy2(source, target)


def _keep(built: Path, cache: Path, kept: Path) -> None:
    """Keep a fresh index in the cache (whole, or not at all), linked as in :func:`_copy_kept`."""
    with contextlib.suppress(OSError):
        cache.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=cache))
        try:
            shutil.copytree(built, partial, dirs_exist_ok=True, copy_function=_link_or_copy)
            os.replace(partial, kept)
        finally:
            shutil.rmtree(partial, ignore_errors=True)


def _prune(cache: Path, keep: int) -> None:
    """Keep the ``keep`` indexes used most recently."""
    with contextlib.suppress(OSError):
        entries = sorted(
            (e for e in os.scandir(cache) if e.is_dir() and not e.name.startswith(".")),
            key=lambda e: e.stat().st_mtime_ns,
            reverse=True,
        )
        for entry in entries[keep:]:
            shutil.rmtree(entry.path, ignore_errors=True)
