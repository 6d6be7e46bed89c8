"""Stage 6, write: rendered files → the output folder, all or nothing.

The site is written into a fresh sibling folder and swapped in with one rename, so a
failed, interrupted or half-rendered build never touches what was published.
Every output path is checked to stay inside the output folder.

Output comes as *jobs*: each renders some files (one page, the ledger, the feeds) when
called. :meth:`Staging.write` runs them, in several worker processes when asked
(:mod:`generator.workers`); every job writes its own files, so nothing rendered has to
travel back to this process or be held in memory at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

from generator import workers as worker_pool

Output = tuple[str, bytes | Iterable[bytes]]
"""A file of the site: its path relative to the site's root, and its content (whole, or in
chunks written as they come, for a file too large to hold at once)."""
Job = Callable[[], Iterable[Output]]
"""Renders some of the site's files when called."""

_BUILDING = ".building-"
_RENAME_EXCHANGE = 2


class UnsafePath(ValueError):
    """An output path that would land outside the output folder."""


class UnsafeDestination(ValueError):
    """An output folder that must not be replaced by a built site."""


MARKER = "data.json"
"""Every built site has it; a non-empty folder without it is not one of ours."""


def check_destination(out: Path, protected: Iterable[Path], sources: Iterable[Path] = ()) -> None:
    """Refuse an output folder whose replacement would destroy sources or other files.

    The site replaces its output folder wholesale, so the folder must not be (or hold)
    any ``protected`` folder (the project root, the projects, the theme), nor lie inside
    a folder of ``sources`` (the projects, the theme: a site there would be read as
    input by the next build), and if it already exists with content it must be a site
    built before.
    """
    target = out.absolute().resolve()
    for place in protected:
        place = place.absolute().resolve()
        if place.is_relative_to(target):
            raise UnsafeDestination(f"{out} is or contains {place}")
    for place in sources:
        place = place.absolute().resolve()
        if target.is_relative_to(place):
            raise UnsafeDestination(f"{out} is inside {place}, which holds the site's sources")
    if not target.exists():
        return
    if not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).is_file()):
        raise UnsafeDestination(
            f"{out} is not empty and is not a site built before (it has no {MARKER})"
        )


def safe_relative(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or not rel.parts or any(p in ("..", "", ".") for p in rel.parts):
        raise UnsafePath(path)
    if "\\" in path or "\0" in path:
        raise UnsafePath(path)
    return rel


class Staging:
    """The folder a new site is written into before it replaces the published one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, jobs: Sequence[Job], workers: int = 1) -> int:
        """Run every job and write its files; returns how many files were written."""
        return worker_pool.run([functools.partial(self._write, job) for job in jobs], workers)

    @contextlib.contextmanager
    def beside(self, jobs: Sequence[Job], workers: int = 1) -> Iterator[Callable[[], int]]:
        """Run every job and write its files while the block goes on (on a core the
        block's work leaves free: :func:`generator.workers.beside`); the block is given a
        function that waits for them and returns how many files they wrote."""
        tasks = [functools.partial(self._write, job) for job in jobs]
        with worker_pool.beside(tasks, workers) as written:
            yield written

    def keep(self, published: Path, paths: Iterable[str]) -> int:
        """Take files unchanged from the published site (``published``) into this one: each
        is linked (the published site is never written to, only replaced), or copied where
        a link cannot be made. Returns how many files were taken."""
        count = 0
        made: set[Path] = set()
        for path in paths:
            parts = safe_relative(path).parts
            source, target = published.joinpath(*parts), self.path.joinpath(*parts)
            if target.parent not in made:  # once a folder, not once a file
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            try:
                os.link(source, target, follow_symlinks=False)
            except OSError:
                shutil.copy2(source, target, follow_symlinks=False)
            count += 1
        return count

    def _write(self, job: Job) -> int:
        count = 0
        for path, content in job():
            target = self.path.joinpath(*safe_relative(path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            # "x": every file is written once, and never through a link that
            # :meth:`keep` made to the published site.
            with target.open("xb") as handle:
                if isinstance(content, bytes):
                    handle.write(content)
                else:
                    handle.writelines(content)
            count += 1
        return count


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Staging]:
    """A fresh staging folder beside ``out``, swapped in for ``out`` when the block ends.

    If anything fails inside the block, the staging folder is removed and ``out`` is
    left exactly as it was.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    site = Staging(Path(tempfile.mkdtemp(prefix=f".{out.name}{_BUILDING}", dir=out.parent)))
    try:
        yield site
        site.path.chmod(0o755)
        _swap_in(site.path, out)
    except BaseException:
        shutil.rmtree(site.path, ignore_errors=True)
        raise


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists() and not out.is_symlink():
        os.rename(staging, out)
        return
    if out.is_symlink() or not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a folder")
    if _exchange(staging, out):
        shutil.rmtree(staging)  # it now holds the previous site
        return
    retired = staging.with_name(staging.name + "-old")
    os.rename(out, retired)
    os.rename(staging, out)
    shutil.rmtree(retired)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2); False where that is unavailable."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def remove_leftovers(out: Path) -> None:
    """Remove the staging folders of builds of ``out`` that were killed midway."""
    for leftover in out.parent.glob(f".{out.name}{_BUILDING}*"):
        with contextlib.suppress(OSError):
            shutil.rmtree(leftover)


def write_file(path: Path, text: str) -> None:
    """Write one file (a report) whole or not at all: a temporary file beside it, renamed
    over it; a reader never sees half of it. Its mode follows the umask, as ``open``'s."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
