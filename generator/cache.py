"""What one build leaves for the next, so that nothing is done twice.

Three things are kept under ``.cache/`` in the root (git-ignored), and a fourth below.
Each is only a shortcut: without it, the build does the work itself and writes the same
bytes.

**The build record** (``builds/``, one per output folder): a key over everything the
site is made from, and the path, size and modification time of every file the build
left in the output folder. The next build into the same folder computes the key again;
when it is the same and the folder still holds exactly those files, untouched, the site
on disk already is what the build would write, byte for byte, and nothing is done. The
key covers the bytes of ``site.yaml`` and of every file in ``projects/``, the date the
status is computed for, the newest commit that changed ``projects/`` (baselines and
re-plans come from that history: :func:`generator.history.head`),
every file of the theme, the generator's own source, the Python version and the
versions of the libraries that shape the output, the Pagefind binary, and the repository
the pages link into (for reporting progress and editing a file; it may come from the CI's
variables rather than ``site.yaml``). Anything else (a different number of worker
processes) does not change a byte of the site.

**Each project's own files** (``projects/<id>/``: its page and its feed) are made from
that project's file, its milestones' history, ``site.yaml``, the date, the theme, the
repository and the generator, and nothing else. The record keeps a key over those for every project
(:func:`unit_keys`); the next build takes the files of a project whose key is the same,
and which are still exactly as that build left them, from the site it replaces instead
of rendering them again (:meth:`Previous.reusable`). A page that gathers some projects
and says which (:class:`generator.context.Depends`: a department's page of a week) is kept
the same way, by a key over those projects' keys and what else it names
(:meth:`Inputs.page_keys`). An edit to one project file then renders that project's own
files, its lead department's pages of the weeks, and the pages every project shares; of
those, ``data.json`` takes each unchanged project's part as the last build laid it out, and
the weeks' pages each unchanged project's counts as the last build counted them, kept by the
same key (``pieces/``, :class:`Pieces`).

**Validated project files** (``parsed/``, :class:`Memo`): each file's validated data,
its warnings and the HTML of its Markdown, by a digest of all that validation reads (the
file's name and bytes, ``site.yaml``, the generator and its libraries) but the date, which
each entry keeps: it holds from that date on, so the next day's build reads it back too.
Reading one back costs about a quarter of parsing and validating it; a file with errors
is never kept, so every error is found by parsing, with its exact position.

A fourth only saves reading: **the digests of the project files and of the Pagefind
binary** (``digests``, :class:`Known`), by what ``stat`` says of each file; a file that
says anything else (another size, time, inode) is read and digested again.

None of it depends on where the root is, or on the files' times except the output
folder's (the record's listing) and the digests' shortcut, which only ever reads more:
a copy of the root elsewhere with ``.cache/`` and the output folder restored as they
were, times included (a CI cache, ``tar``), builds the same inputs with nothing to do.

Everything is read back by an unpickler that knows only the classes it may hold, so a
file planted under ``.cache/`` cannot run code; a file that cannot be read, or written,
only means the work is done in full. What it holds is still trusted as this build's own
work (the record that the site is up to date, the validated files, the search indexes):
``.cache/`` must come from builds of the same repository, never from an untrusted one
(docs/publishing.md, "The build cache in CI"). A failed build leaves the site and its
record as they were, and a build killed after its swap leaves new files that no longer
match the old record. ``build --force`` reads none of it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import importlib.metadata
import io
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel

from generator import models
from generator.diagnostics import Diagnostic
from generator.validate import Project

if TYPE_CHECKING:
    from generator.context import Depends

CACHE_DIR = ".cache"
RECORDS = "builds"
LOCKS = "locks"
PARSED = "parsed"
DIGESTS = "digests"
PIECES = "pieces"
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
_FORMAT = 3


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
    units: dict[str, str]
    """Project id → the key its own files were made with (see :meth:`Inputs.unit_keys`), and
    page path → the key of a page that says what it depends on (:meth:`Inputs.page_keys`)."""
    format: int = _FORMAT
    """The layout of this record: one written by another version is not read."""


class _Digest:
    def __init__(self) -> None:
        self._hash = hashlib.blake2b(digest_size=32)

    def add(self, label: str, data: bytes) -> _Digest:
        self._hash.update(f"{label}\0{len(data)}\0".encode())
        self._hash.update(data)
        return self

    def add_tree(self, label: str, folder: Path) -> _Digest:
        for path in _files(folder):
            self.add(f"{label} {path.relative_to(folder).as_posix()}", _read(path))
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


@functools.cache
def environment() -> str:
    """What shapes every output besides the inputs: this format, Python, the libraries'
    versions and the generator's own source (as this process loaded it)."""
    digest = _Digest().add("format", str(_FORMAT).encode()).add("python", sys.version.encode())
    for name in LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.add("library " + name, version.encode())
    return digest.add_tree("generator", GENERATOR).hexdigest()


@dataclass(frozen=True)
class Inputs:
    """Digests of what a build reads, each file read once for every key made from them."""

    shared: str
    """The environment, the date and ``site.yaml``: what every page is made from besides
    the projects and the theme."""
    validation: str
    """The environment and ``site.yaml``: what validating any project file reads besides
    the file itself and the date (the key of :class:`Memo`, whose entries say their date)."""
    theme: str
    files: dict[str, str]
    """Every file under ``projects/``, by its path from the root → a digest of its bytes."""

    def key(self, extra: list[str]) -> str:
        """A digest of every input of a build (``extra``: the history's newest commit, the
        Pagefind binary…)."""
        digest = _Digest().add("shared", self.shared.encode()).add("theme", self.theme.encode())
        for item in extra:
            digest.add("extra", item.encode())
        for path, file in sorted(self.files.items()):
            digest.add("project " + path, file.encode())
        return digest.hexdigest()

    def unit_keys(
        self, digests: Mapping[str, str], histories: Mapping[str, str], links: str = ""
    ) -> dict[str, str]:
        """Project id → a key over everything its own files are made from: the project file
        (``digests``, of its bytes), its milestones' history (``histories``, as text), and
        what every page shares (``site.yaml``, the date, the theme, the generator, and
        ``links``: the repository its pages link into)."""
        shared = self.shared + self.theme
        return {
            project_id: _Digest()
            .add("shared", shared.encode())
            .add("links", links.encode())
            .add("id", project_id.encode())
            .add("file", digest.encode())
            .add("history", histories.get(project_id, "").encode())
            .hexdigest()
            for project_id, digest in digests.items()
        }

    def page_keys(
        self, pages: Mapping[str, tuple[str, Depends]], units: Mapping[str, str], links: str = ""
    ) -> dict[str, str]:
        """Page path → a key over everything that page is made from, for each page that
        says (``pages``: path → its template and :class:`~generator.context.Depends`):
        what every page shares, ``links``, the template and path, the page's ``detail``
        and the key of each project it shows (``units``, from :meth:`unit_keys`)."""
        shared = self.shared + self.theme
        keys: dict[str, str] = {}
        for path, (template, depends) in pages.items():
            digest = _Digest().add("shared", shared.encode()).add("links", links.encode())
            digest.add("page", f"{path}\0{template}".encode())
            digest.add("detail", depends.detail.encode())
            for project_id in depends.projects:
                digest.add("project " + project_id, units.get(project_id, "").encode())
            keys[path] = digest.hexdigest()
        return keys


SETTLED_NS = 2_000_000_000
"""How long after its last write a file's digest may be kept (see :class:`Known`)."""


class Known:
    """Digests of files kept by what ``stat`` says of each (size, modification and change
    times, inode, device), in ``.cache/digests``: a file that says the same as when it was
    digested has the same bytes (git's index assumes as much), and is not read again.
    The change time moves with every write and cannot be set back, so an edited file is
    always read; a file written within :data:`SETTLED_NS` of being digested is not kept
    (two writes within one tick of the file system's clock can leave the same times).
    Only a shortcut: without it every file is read, and a copy of the root elsewhere
    (other inodes and times) reads every file once."""

    def __init__(self, root: Path, read: bool = True) -> None:
        """``read`` off (``build --force``): every file is read, and its digest kept."""
        self._path = root / CACHE_DIR / DIGESTS
        try:
            if not read:
                raise FileNotFoundError(self._path)
            with self._path.open("rb") as handle:
                loaded = _DigestsReader(handle).load()
        except Exception:  # none yet, or unreadable: every file is read
            loaded = {}
        self._kept: dict[str, tuple[tuple[int, ...], str]] = (
            loaded if isinstance(loaded, dict) else {}
        )
        self._used: dict[str, tuple[tuple[int, ...], str]] = {}

    def digest(self, path: Path, digest: Callable[[Path], str]) -> str:
        """``digest(path)``, or what it gave when the file was last as it is now."""
        key = f"{digest.__module__}.{digest.__qualname__} {os.path.abspath(path)}"
        try:
            info = os.stat(path)
        except OSError:
            return digest(path)
        signature = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        kept = self._kept.get(key)
        if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == signature:
            if isinstance(kept[1], str):  # what a build wrote, not whatever else was put there
                self._used[key] = kept
                return kept[1]
        found = digest(path)
        if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > SETTLED_NS:
            self._used[key] = (signature, found)
        return found

    def save(self) -> None:
        """Keep the digests this run used (silently skipped if it cannot)."""
        if self._used != self._kept:
            _write_pickle(self._path, self._used)
            self._kept = dict(self._used)


def _project_digest(path: Path) -> str:
    return file_digest(_read(path))


def inputs(
    root: Path, projects: Path, theme: Path | None, today: str, known: Known | None = None
) -> Inputs:
    """Read and digest ``site.yaml``, every file of ``projects`` and of the theme (when
    there is one to render with), once; the project files through ``known`` (saved here
    when not given)."""
    own = known or Known(root)
    validation = (
        _Digest()
        .add("environment", environment().encode())
        .add("site.yaml", _read(root / "site.yaml"))
        .hexdigest()
    )
    shared = _Digest().add("validation", validation.encode()).add("today", today.encode())
    files = {
        path.relative_to(root).as_posix(): own.digest(path, _project_digest)
        for path in _files(projects)
    }
    if known is None:
        own.save()
    theme_digest = _Digest().add_tree("theme", theme).hexdigest() if theme is not None else ""
    return Inputs(shared.hexdigest(), validation, theme_digest, files)


def file_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=32).hexdigest()


def owner(path: str) -> str | None:
    """The project whose own folder (``projects/<id>/``) holds the site's file ``path``."""
    parts = path.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "projects" else None


def unit_of(path: str) -> str:
    """The unit of the build record that ``path`` belongs to: its project (a project's own
    files), else the page itself (see :meth:`Inputs.page_keys`; no project id has a '/')."""
    return owner(path) or path


@dataclass(frozen=True)
class Previous:
    """The record of the build now in the output folder, and that folder as it is now."""

    record: Record
    listing: dict[str, tuple[int, int]]

    def is_build(self, build_key: str) -> bool:
        """Whether the folder holds exactly what a build with this key writes."""
        return self.record.key == build_key and self.listing == self.record.files

    def reusable(self, units: Mapping[str, str]) -> dict[str, list[str]]:
        """Unit → its files in the output folder, for every unit whose key is unchanged and
        whose files are still exactly as that build left them. A unit is a project (its
        own files, by its id) or a page that says what it depends on (by its path)."""
        folders: dict[str, list[str]] = {}
        for path in self.record.files:
            folders.setdefault(unit_of(path), []).append(path)
        kept: dict[str, list[str]] = {}
        for unit, key in units.items():
            files = folders.get(unit)
            if not files or key != self.record.units.get(unit):
                continue
            if all(self.listing.get(path) == self.record.files[path] for path in files):
                kept[unit] = sorted(files)
        return kept


@contextlib.contextmanager
def building(root: Path, out: Path) -> Iterator[None]:
    """Held for a whole build into ``out``: a second build into the same folder waits for
    the first to finish, instead of reading a site that is being replaced (or removing the
    first one's staging folder as a leftover). Without a lock to take, it does not wait."""
    record = _record_path(root, out)
    path = root / CACHE_DIR / LOCKS / record.with_suffix(".lock").name
    try:
        import fcntl  # POSIX only
    except ImportError:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a")
    except OSError:
        yield
        return
    with handle:
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def previous(root: Path, out: Path) -> Previous | None:
    """The record of the build in ``out``; None without one this version can read."""
    try:
        with _record_path(root, out).open("rb") as handle:
            record = _RecordReader(handle).load()
    except Exception:  # no record, or one this version cannot read: build in full
        return None
    if not isinstance(record, Record) or vars(record).get("format") != _FORMAT:
        return None
    return Previous(record, _listing(out))


def save(
    root: Path,
    out: Path,
    record_key: str,
    projects: int,
    language: str,
    count: int,
    warnings: list[Diagnostic],
    units: dict[str, str],
) -> None:
    """Leave the record of a build just swapped into ``out``; silently skipped if it cannot."""
    record = Record(record_key, _listing(out), projects, language, count, warnings, units)
    _write_pickle(_record_path(root, out), record)


def _write_pickle(path: Path, value: object) -> bool:
    """Write ``value`` whole or not at all (never a half-written file); False if it could not."""
    return _write(path, lambda handle: pickle.dump(value, handle, pickle.HIGHEST_PROTOCOL))


def _write_bytes(path: Path, data: bytes) -> bool:
    return _write(path, lambda handle: handle.write(data))


def _write(path: Path, fill: Callable[[IO[bytes]], object]) -> bool:
    written: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            written = Path(handle.name)
            fill(handle)
        os.replace(written, path)
        return True
    except Exception:  # a cache that cannot be written only costs work next time
        if written is not None:
            with contextlib.suppress(OSError):
                written.unlink(missing_ok=True)
        return False


def unpickle_parsed(data: bytes) -> Parsed:
    """A validated file as :meth:`Memo.put` pickled it."""
    found = _ParsedReader(io.BytesIO(data)).load()
    if not isinstance(found, Parsed):
        raise pickle.UnpicklingError("not a validated project file")
    return found


@dataclass(frozen=True)
class Parsed:
    """A project file as one build validated it: what the next build reads instead."""

    project: Project
    diagnostics: list[Diagnostic]
    """Its warnings (a file with errors is never kept)."""
    html: dict[str, str]
    """Each of its Markdown texts → its HTML (as ``Markup``)."""
    today: dt.date
    """The date it was validated for. It holds for every later date too: validation reads
    the date only to refuse a date after it (a file with errors is never kept), and a date
    not after one day is not after any later day."""


class Pieces:
    """What a build derives from one project alone for the pages that gather every project
    (``data.json``'s part of it, its indicators counted week by week), kept in
    ``.cache/pieces/<kind>/`` by the key of the project's own files
    (:meth:`Inputs.unit_keys`: its file, its history, what every page shares): a rebuild
    takes an unchanged project's piece as the last build made it. Like the search indexes,
    a piece is trusted as the build's own work. Not read when ``read`` is off
    (``build --force``), but for one this build wrote itself."""

    def __init__(self, root: Path, kind: str, read: bool = True) -> None:
        self._folder = root / CACHE_DIR / PIECES / kind
        self._read = read

    def get(self, key: str, written: bool = False) -> str | None:
        """The piece kept for ``key``; None without one (or one that cannot be read).
        ``written``: one this build wrote, read even when earlier builds' are not."""
        if not self._read and not written:
            return None
        try:
            return (self._folder / key).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, key: str, text: str) -> bool:
        """Keep a piece (whole or not at all; skipped if it cannot: then False)."""
        return _write_bytes(self._folder / key, text.encode("utf-8"))

    def prune(self, keys: set[str]) -> None:
        """Keep only the pieces of ``keys``."""
        _remove_all_but(self._folder, keys)


class Memo:
    """Validated project files of earlier builds (``.cache/parsed/``), by a digest of all
    that validation reads but the date: the file's name and bytes, ``site.yaml`` and the
    generator. An entry is used from the date it was validated for onwards
    (:attr:`Parsed.today`), so a build on the next day (the daily rebuild) reads it back
    too; a build for an earlier date validates the file again. Entries are written by
    whichever process validated the file; the build then removes the entries it did not
    use (:meth:`prune`).
    """

    def __init__(self, root: Path, validation: str, today: dt.date, read: bool = True) -> None:
        """``validation``: :attr:`Inputs.validation`, what validation reads besides the
        file and the date."""
        self.folder = root / CACHE_DIR / PARSED
        self.read = read
        self.today = today
        self._shared = validation

    def key(self, file: str, digest: str) -> str:
        """The entry's name for ``file`` holding the bytes of that ``digest``."""
        return (
            _Digest()
            .add("shared", self._shared.encode())
            .add("file", file.encode())
            .add("bytes", digest.encode())
            .hexdigest()
        )

    def get(self, key: str) -> Parsed | None:
        """What an earlier build made of the file, if kept (never when ``read`` is off)."""
        if not self.read:
            return None
        try:
            with (self.folder / f"{key}.pickle").open("rb") as handle:
                found = _ParsedReader(handle).load()
        except Exception:  # none, or unreadable: the file is parsed again
            return None
        day = getattr(found, "today", None) if isinstance(found, Parsed) else None
        return found if isinstance(day, dt.date) and day <= self.today else None

    def put(self, key: str, parsed: Parsed) -> bytes | None:
        """Keep ``parsed``; returns it pickled (None if it cannot be), which
        :func:`unpickle_parsed` reads back: a worker sends the build those same bytes."""
        try:
            data = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # kept only if it can be
            return None
        _write_bytes(self.folder / f"{key}.pickle", data)
        return data

    def prune(self, used: set[str]) -> None:
        """Remove every entry but the ``used`` ones."""
        _remove_all_but(self.folder, used, ".pickle")


def _remove_all_but(folder: Path, names: set[str], suffix: str = "") -> None:
    """Remove each file in ``folder`` but those named ``<name><suffix>`` for ``names``
    (silently: what cannot be removed only takes room)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.removesuffix(suffix) not in names:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


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


class _DigestsReader(pickle.Unpickler):
    """Reads :class:`Known`'s digests: plain dicts, tuples, numbers and strings, no class."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not part of the kept digests")


class _ParsedReader(pickle.Unpickler):
    """Reads a validated project file and nothing else (see :class:`_RecordReader`)."""

    ALLOWED = frozenset(
        {
            ("generator.cache", "Parsed"),
            ("generator.validate", "Project"),
            ("markupsafe", "Markup"),
            ("generator.diagnostics", "Diagnostic"),
            ("datetime", "date"),
            *(
                ("generator.models", name)
                for name, value in vars(models).items()
                if isinstance(value, type) and issubclass(value, BaseModel)
            ),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a validated file")
        return super().find_class(module, name)


def _record_path(root: Path, out: Path) -> Path:
    """Where the record of the build in ``out`` is kept: named after the output folder's
    path from the root when it lies inside it (``_site``), so that a copy of the root
    elsewhere (a CI runner's fresh checkout with ``.cache/`` and ``_site/`` restored) finds
    it; after its absolute path otherwise."""
    folder, top = out.absolute(), root.absolute()
    place = "in root " + folder.relative_to(top).as_posix() if folder.is_relative_to(top) else ""
    name = hashlib.blake2b(
        place.encode() if place else os.fsencode(folder), digest_size=16
    ).hexdigest()
    return root / CACHE_DIR / RECORDS / f"{name}.pickle"


def _listing(out: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``out`` (its path from ``out``, '/'-separated) → (size, mtime_ns).
    Strings, not :class:`Path` objects: at 1,000 projects this runs on every build."""
    listing: dict[str, tuple[int, int]] = {}
    stack = [(os.fspath(out), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, prefix + entry.name + "/"))
                continue
            info = entry.stat(follow_symlinks=False)
            listing[prefix + entry.name] = (info.st_size, info.st_mtime_ns)
    return listing


def _files(folder: Path) -> list[Path]:
    """The files under ``folder`` (following no linked folder), sorted as paths are, but
    hidden files and ``__pycache__``."""
    found: list[tuple[str, ...]] = []
    stack: list[tuple[str, tuple[str, ...]]] = [(os.fspath(folder), ())]
    while stack:
        path, parts = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    stack.append((entry.path, (*parts, entry.name)))
            elif not entry.name.startswith(".") and entry.is_file():
                found.append((*parts, entry.name))
    return [folder.joinpath(*parts) for parts in sorted(found)]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"
