"""The build record: a build whose inputs and output are unchanged is not done again.

After every successful build, a record goes to ``.cache/builds/`` under the root
(git-ignored): a key over everything the site is made from, and the path, size and
modification time of every file the build left in the output folder. The next build
into the same folder computes the key again; when it is the same and the folder still
holds exactly those files, untouched, the site on disk already is what the build would
write, byte for byte, and nothing is done.

The key covers the bytes of ``site.yaml`` and of every file in ``projects/``, the date
the status is computed for, git's ``HEAD`` (baselines and re-plans come from history),
every file of the theme, the generator's own source, the Python version and the
versions of the libraries that shape the output, and the Pagefind binary. Anything
else (a different number of worker processes) does not change a byte of the site.

The record is read back by an unpickler that knows only the classes a record is made of,
so a file planted under ``.cache/`` cannot run code. The record is a convenience, never a
source of truth: if it cannot be read or written,
the build simply runs in full. A failed build leaves both the site and its record as
they were, and a build killed after its swap leaves new files that no longer match the
old record.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostic

CACHE_DIR = ".cache"
RECORDS = "builds"
GENERATOR = Path(__file__).resolve().parent
LIBRARIES = (
    "jinja2",
    "markupsafe",
    "cmarkgfm",
    "markdown",
    "nh3",
    "babel",
    "pydantic",
    "pyyaml",
    "openpyxl",
    "pagefind-bin-extended",
)
"""Distributions whose version can change a byte of the output."""
_FORMAT = 1


@dataclass(frozen=True)
class Record:
    """What a finished build leaves for the next one."""

    key: str
    files: dict[str, tuple[int, int]]
    """Every file in the output folder: relative path → (size, modification time in ns)."""
    projects: int
    language: str
    count: int
    """How many files the build wrote."""
    warnings: list[Diagnostic]


def key(root: Path, projects: Path, theme: Path, today: str, extra: list[str]) -> str:
    """A digest of every input of a build (``extra``: git's HEAD, the Pagefind binary…)."""
    digest = hashlib.blake2b(digest_size=32)

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("format", str(_FORMAT).encode())
    add("python", sys.version.encode())
    for name in LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        add("library " + name, version.encode())
    add("today", today.encode())
    for item in extra:
        add("extra", item.encode())
    add("site.yaml", _read(root / "site.yaml"))
    for label, folder in (("project", projects), ("theme", theme), ("generator", GENERATOR)):
        for path in _files(folder):
            add(f"{label} {path.relative_to(folder).as_posix()}", _read(path))
    return digest.hexdigest()


def unchanged(root: Path, out: Path, build_key: str) -> Record | None:
    """The previous build's record if ``out`` is exactly what a build with this key writes."""
    try:
        with _record_path(root, out).open("rb") as handle:
            record = _RecordReader(handle).load()
    except Exception:  # no record, or one this version cannot read: build in full
        return None
    if not isinstance(record, Record) or record.key != build_key:
        return None
    if _listing(out) != record.files:
        return None
    return record


def save(
    root: Path,
    out: Path,
    record_key: str,
    projects: int,
    language: str,
    count: int,
    warnings: list[Diagnostic],
) -> None:
    """Leave the record of a build just swapped into ``out``; silently skipped if it cannot."""
    record = Record(record_key, _listing(out), projects, language, count, warnings)
    path = _record_path(root, out)
    written: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            written = Path(handle.name)
            pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(written, path)
    except Exception:  # the site is already in place: a missing record only costs a rebuild
        if written is not None:
            with contextlib.suppress(OSError):
                written.unlink(missing_ok=True)


class _RecordReader(pickle.Unpickler):
    """Reads a record and nothing else: a file under ``.cache/`` is data, never code, so
    only the classes a record is made of may be named in it."""

    ALLOWED = frozenset(
        {
            ("generator.cache", "Record"),
            ("generator.diagnostics", "Diagnostic"),
            ("datetime", "date"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a build record")
        return super().find_class(module, name)


def _record_path(root: Path, out: Path) -> Path:
    name = hashlib.blake2b(os.fsencode(out.absolute()), digest_size=16).hexdigest()
    return root / CACHE_DIR / RECORDS / f"{name}.pickle"


def _listing(out: Path) -> dict[str, tuple[int, int]]:
    listing: dict[str, tuple[int, int]] = {}
    stack = [out]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
                continue
            info = entry.stat(follow_symlinks=False)
            name = Path(entry.path).relative_to(out).as_posix()
            listing[name] = (info.st_size, info.st_mtime_ns)
    return listing


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"
