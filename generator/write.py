"""Stage 6, write: rendered files → the output folder, all or nothing.

The site is written into a fresh sibling folder and swapped in with one rename, so a
failed, interrupted or half-rendered build never touches what was published.
Every output path is checked to stay inside the output folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

_BUILDING = ".building-"
_RENAME_EXCHANGE = 2


class UnsafePath(ValueError):
    """An output path that would land outside the output folder."""


class UnsafeDestination(ValueError):
    """An output folder that must not be replaced by a built site."""


MARKER = "data.json"
"""Every built site has it; a non-empty folder without it is not one of ours."""


def check_destination(out: Path, protected: Iterable[Path]) -> None:
    """Refuse an output folder whose replacement would destroy sources or other files.

    The site replaces its output folder wholesale, so the folder must not be (or hold)
    the project root, the projects or the theme, and if it already exists with content
    it must be a site built before.
    """
    target = out.absolute().resolve()
    for place in protected:
        place = place.absolute().resolve()
        if place.is_relative_to(target):
            raise UnsafeDestination(f"{out} is or contains {place}")
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


def write_site(
    out: Path,
    files: Iterable[tuple[str, bytes]],
    finish: Callable[[Path], None] | None = None,
) -> int:
    """Write ``files`` as the new content of ``out``; returns how many were written.

    ``finish`` runs on the complete staging folder before the swap (the search index
    is built there). If anything fails before the swap (rendering is lazy, so a
    template error raised while iterating ``files`` counts too), ``out`` is left
    exactly as it was.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{_BUILDING}", dir=out.parent))
    try:
        count = 0
        for path, content in files:
            target = staging.joinpath(*safe_relative(path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            count += 1
        if finish is not None:
            finish(staging)
        staging.chmod(0o755)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


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


def _remove_leftovers(out: Path) -> None:
    """Staging folders of builds that were killed midway."""
    for leftover in out.parent.glob(f".{out.name}{_BUILDING}*"):
        with contextlib.suppress(OSError):
            shutil.rmtree(leftover)
