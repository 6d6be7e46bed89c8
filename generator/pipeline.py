"""The orchestrator: load → validate → compute status → build contexts → render → write.

``build_site`` reads top to bottom; ``check`` runs the same stages and stops before
rendering. Nothing touches the output folder until every file has loaded and
validated, and the write stage swaps the finished site in at once.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import os
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator import cache, context, forge, history, render, search, status, views, write
from generator import workers as worker_pool
from generator.diagnostics import Diagnostic, InputError, errors_only, make
from generator.loader import Document, load_bytes
from generator.models import ProjectFile, SiteConfig
from generator.validate import Project, project_id_problem, validate_project, validate_site

THEME = Path(__file__).resolve().parent.parent / "theme"
SITE_FILE = "site.yaml"
PROJECTS_DIR = "projects"
DEFAULT_LANGUAGE = "zh-CN"
SEARCH_CACHE = ".cache/pagefind"
"""Search indexes already built, by content: an edit rebuilds only the index it touches."""
PARALLEL_FROM = 20
"""Portfolios this large render on every core; below it, forking costs more than it saves."""


@dataclass(frozen=True)
class Portfolio:
    """Everything loaded and valid, with the warnings found on the way."""

    site: SiteConfig
    projects: list[Project]
    warnings: list[Diagnostic]
    digests: dict[str, str]
    """Project id → a digest of its file's bytes."""
    html: dict[str, str]
    """Each project's Markdown converted (when the load was asked to, or read back)."""
    used: set[str]
    """The memo entries this portfolio was read from or left in."""


@dataclass(frozen=True)
class BuildResult:
    projects: int
    today: dt.date
    language: str
    files: int
    """How many files the build wrote (or, when up to date, the build that is still there)."""
    warnings: list[Diagnostic]
    up_to_date: bool = False
    """Nothing had changed since the last build into the same folder: nothing was done."""


class BuildError(InputError):
    """Invalid input; ``language`` is the one the site asked for, when it could be read."""

    def __init__(self, diagnostics: list[Diagnostic], language: str) -> None:
        super().__init__(diagnostics)
        self.language = language

    def __reduce__(self) -> tuple[type[BuildError], tuple[list[Diagnostic], str]]:
        return BuildError, (self.diagnostics, self.language)  # from a child process


def build_site(
    root: Path,
    out: Path,
    today: dt.date,
    theme: Path = THEME,
    workers: int | None = None,
    force: bool = False,
    repository: forge.Repository | None = None,
) -> BuildResult:
    """``repository``: where the site's files live (:func:`generator.forge.resolve`, which
    the command line calls), for the links to report progress and edit a project's file;
    without one the pages have no such links."""
    sources = (root / PROJECTS_DIR, theme)
    write.check_destination(out, protected=(root, *sources), sources=sources)
    # One build at a time into one folder; no pass of the cyclic garbage collector over
    # the portfolio while it is made (see workers.collector_paused).
    with cache.building(root, out), worker_pool.collector_paused():
        return _build(root, out, today, theme, workers, force, repository)


def _build(
    root: Path,
    out: Path,
    today: dt.date,
    theme: Path,
    workers: int | None,
    force: bool,
    repository: forge.Repository | None,
) -> BuildResult:
    """The stages, in order, with the output folder to this build alone."""
    # Unchanged inputs and an untouched output folder: the site there is this build's.
    known = cache.Known(root, not force)  # files as at the last build are not read again
    inputs = cache.inputs(root, root / PROJECTS_DIR, theme, today.isoformat(), known)
    links = repr(repository)  # the links into the repository are on every project's page
    build_key = inputs.key([history.head(root), search.fingerprint(known), links])
    known.save()
    previous = None if force else cache.previous(root, out)
    if previous is not None and previous.is_build(build_key):
        record = previous.record
        return BuildResult(
            record.projects, today, record.language, record.count, record.warnings, True
        )
    workers = workers or default_workers(root)
    portfolio, memo = _load(root, today, inputs, workers, force)
    # History: each milestone's baseline and re-plans from git (2 git processes in all).
    slips = history.slips(root, portfolio.projects, portfolio.site.timezone, today)
    state = status.portfolio_status(portfolio.site, portfolio.projects, today, slips)
    # A project whose file, history and shared inputs are unchanged keeps its own files
    # (and what the last build derived from it alone); a page that says what it is made
    # from (a week's, by what each project shows that week) keeps its file when none of
    # that changed.
    units = inputs.unit_keys(portfolio.digests, history.by_project(slips), links)
    own = previous.reusable(units) if previous is not None else {}
    counted = _week_counts(state, units, cache.Pieces(root, "weeks", not force), workers)
    language = portfolio.site.language
    render.remember_markdown(portfolio.html)  # converted while loading, for every worker
    # What is made from the status alone, the largest first: the spreadsheet. When most
    # projects keep their files (an edit), that is written on a core of its own while this
    # process makes the pages' contexts, as that core would wait otherwise (the rest, with
    # the pages, keeps the cores even to the end); a build of mostly new files writes it
    # with the pages (beside them, it would keep a third process and its memory through
    # much of the build: 950 → 1,180 MiB at 1,000 projects).
    spreadsheet = functools.partial(views.ledger.files, state, own)
    from_status: list[write.Job] = [
        spreadsheet,
        *(functools.partial(v.files, state, own) for v in views.ALL if v is not views.ledger),
        lambda: [
            ("data.json", _data_json(state, units, cache.Pieces(root, "data.json", not force)))
        ],
        lambda: [
            ("ledger.csv", render.render_csv(context.LEDGER_COLUMNS, context.ledger_rows(state)))
        ],
        lambda: render.static_files(theme),
        functools.partial(_prune_memo, memo, portfolio.used),
    ]
    beside = [spreadsheet] if len(own) * 2 > len(state.projects) else []
    with write.staging(out) as site, site.beside(beside, workers) as status_files:
        pages = context.build_pages(state, repository) + search.pages(state)
        pages += views.weekly.pages(state, counted)
        pages += [p for view in views.ALL if view is not views.weekly for p in view.pages(state)]
        depends = {page.path: (page.template, page.depends) for page in pages if page.depends}
        page_units = inputs.page_keys(depends, units, links)
        kept = own | (previous.reusable(page_units) if previous is not None else {})
        searched = [page for page in pages if search.indexed(page)]
        other = [page for page in pages if not search.indexed(page) and page.path not in kept]
        # A page of its own kind (the ledger, the timeline) gathers every project: first.
        kinds = collections.Counter(page.template for page in pages)
        other.sort(key=lambda page: kinds[page.template] > 1)
        compiled = None if force else render.compiled_templates(theme)
        count = site.keep(out, [path for files in kept.values() for path in files])
        fresh = [page for page in searched if cache.unit_of(page.path) not in kept]
        page_jobs = render.page_jobs(fresh, theme, language, compiled)
        rendered = dict(zip([page.path for page in fresh], page_jobs, strict=True))
        # Each index renders its pages, then Pagefind indexes them, while the other
        # workers render the rest.
        indexes = search.bundles(searched)
        jobs = search.index_jobs(site.path, language, indexes, root / SEARCH_CACHE, rendered)
        jobs += [job for job in from_status if job not in beside]
        jobs += render.page_jobs(other, theme, language, compiled)
        count += site.write(jobs, workers) + status_files()
        search.prune(root / SEARCH_CACHE, len(indexes))
    cache.save(
        root,
        out,
        build_key,
        len(state.projects),
        language,
        count,
        portfolio.warnings,
        units | page_units,
    )
    return BuildResult(len(state.projects), today, language, count, portfolio.warnings)


def project_page(
    root: Path,
    project_id: str,
    today: dt.date,
    renderer: Callable[[str], render.PageRenderer],
    repository: forge.Repository | None = None,
) -> tuple[str, bytes]:
    """One project's page from ``site.yaml`` and that project's file alone, as the full
    build renders it (no other project's data is on it): the preview shows an edit with
    this at once, while the full build follows. ``renderer``: the theme's, for a language.
    Raises :class:`BuildError` with the
    problems the full build would report for those two files, and
    :class:`generator.render.ThemeError` as a build does."""
    site_doc = _read(root, root / SITE_FILE)
    site, problems = validate_site(site_doc)
    if site is None or errors_only(problems):
        raise BuildError(problems, site.language if site else _language_hint(site_doc))
    path = root / PROJECTS_DIR / f"{project_id}.yaml"
    [loaded] = _load_batch(root, site, today, None, None, [(project_id, path)]).values()
    if loaded.parsed is None or errors_only(loaded.diagnostics):
        raise BuildError(sorted(problems + loaded.diagnostics), site.language)
    project = loaded.parsed.project
    slips = history.slips(root, [project], site.timezone, today)
    state = status.portfolio_status(site, [project], today, slips)
    [alone] = state.projects
    links = context.project_links(repository, project.id, project.data.title, site.language)
    [page] = renderer(site.language).render(context.project_page(state, alone, links))
    return page


def _markdown(data: ProjectFile) -> dict[str, str]:
    """The project's Markdown as HTML: converted while it is loaded, in the worker that
    loads it, and kept with it in the memo. Not kept in the worker: the build takes it
    from each file's result (:func:`generator.render.remember_markdown`), and a worker
    that kept every text it converted would hold a copy of them all (about 200 MiB
    each of two workers at 1,000 projects)."""
    return {text: render.convert_markdown(text) for text in context.project_markdown(data)}


def _data_json(
    state: status.PortfolioStatus, units: Mapping[str, str], pieces: cache.Pieces
) -> Iterator[bytes]:
    """``data.json``: each project's part as the last build laid it out when that project's
    key is unchanged (``units``), else laid out now and kept in ``pieces`` for the next."""
    depth = context.DATA_JSON_PROJECT_DEPTH

    def each(project: status.ProjectStatus) -> render.JsonText:
        key = units[project.project.id]
        kept = pieces.get(key)
        if kept is not None:
            return render.JsonText.at(kept, depth)
        made = render.json_text(context.project_json(project), depth)
        pieces.put(key, made)
        return made

    yield from render.json_chunks(context.data_json(state, each))
    pieces.prune({units[project.project.id] for project in state.projects})


WEEK_COUNT_BATCH = 50
"""Projects a worker counts at a time, week by week (:func:`_week_counts`)."""


def _week_counts(
    state: status.PortfolioStatus, units: Mapping[str, str], pieces: cache.Pieces, workers: int
) -> dict[str, views.weekly.ProjectWeeks]:
    """Each project's indicators counted week by week (what the weeks' pages add up): as
    the last build counted them when the project's key is unchanged (``units``), else
    counted now, on every core when there are many, and kept in ``pieces`` for the next
    build. The workers hand their counts over through ``pieces``; one they could not keep
    is counted here."""
    today, pace_weeks = state.today, state.site.pace_weeks
    read = views.weekly.ProjectWeeks.read
    counted = {}
    todo = []
    for project in state.projects:
        kept = read(project.project.id, pieces.get(units[project.project.id]))
        if kept is None:
            todo.append(project)
        else:
            counted[project.project.id] = kept

    def count(batch: list[status.ProjectStatus]) -> int:
        """Counts and keeps a batch; returns how many could not be kept."""
        unkept = 0
        for project in batch:
            weeks = views.weekly.project_weeks(project, today, pace_weeks)
            unkept += not pieces.put(units[project.project.id], weeks.text())
        return unkept

    size = WEEK_COUNT_BATCH
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    unkept = worker_pool.run([functools.partial(count, batch) for batch in batches], workers)
    for project in todo:
        key = project.project.id
        written = None if unkept else read(key, pieces.get(units[key], written=True))
        counted[key] = written or views.weekly.project_weeks(project, today, pace_weeks)
    pieces.prune({units[project.project.id] for project in state.projects})
    return counted


def _prune_memo(memo: cache.Memo, used: set[str]) -> list[write.Output]:
    """A write job that writes no page: the memo keeps only the entries this build used."""
    memo.prune(used)
    return []


def check(
    root: Path, today: dt.date, workers: int | None = None
) -> tuple[status.PortfolioStatus, list[Diagnostic]]:
    """The stages up to the status, nothing rendered. Files are validated as a build
    validates them (on every core for a large portfolio) and kept in the same memo, so
    the build that usually follows a check (CI checks a pull request, then builds it)
    parses none of them again."""
    inputs = cache.inputs(root, root / PROJECTS_DIR, None, today.isoformat())
    portfolio, memo = _load(root, today, inputs, workers or default_workers(root))
    memo.prune(portfolio.used)
    return status.portfolio_status(portfolio.site, portfolio.projects, today), portfolio.warnings


def _load(
    root: Path, today: dt.date, inputs: cache.Inputs, workers: int, force: bool = False
) -> tuple[Portfolio, cache.Memo]:
    """Stages 1 and 2 as ``build`` and ``check`` run them: in up to ``workers`` processes,
    a file kept in the memo by an earlier run read back (unless ``force``), the others
    validated, converted and kept there."""
    memo = cache.Memo(root, inputs.validation, today, read=not force)
    return load_portfolio(root, today, memo, workers, _markdown, inputs.files), memo


def default_workers(root: Path) -> int:
    """Every core for a portfolio of :data:`PARALLEL_FROM` projects or more, else one."""
    return worker_pool.available() if project_count(root) >= PARALLEL_FROM else 1


def load_portfolio(
    root: Path,
    today: dt.date,
    memo: cache.Memo | None = None,
    workers: int = 1,
    convert: Convert | None = None,
    known: Mapping[str, str] | None = None,
) -> Portfolio:
    """Stages 1 and 2 for every file; raises :class:`BuildError` with every problem found.

    With a ``memo``, a file validated by an earlier build with the same bytes (and the
    same ``site.yaml`` and generator, for ``today`` or an earlier date) is read back from
    it instead; the others are parsed and validated in up to ``workers`` processes, which
    also ``convert`` each valid project's Markdown and leave the result in the memo for
    the next build.
    ``known``: the digests of the files' bytes, when the build has them already
    (:attr:`cache.Inputs.files`): a file kept in the memo is then not read again.
    """
    site_doc = _read(root, root / SITE_FILE)
    site, problems = validate_site(site_doc)
    language = site.language if site else _language_hint(site_doc)
    project_files, listing_problems = _project_files(root)
    problems += listing_problems
    loaded: dict[str, Loaded] = {}
    todo: list[tuple[str, Path]] = []
    for project_id, path in project_files:
        file = _relative(root, path)
        unreadable = _unreadable(root, file, path)
        if unreadable is not None:
            problems.append(unreadable)
            continue
        if site is None:  # only what the file itself says is wrong
            problems += _read(root, path).diagnostics
            continue
        digest = (known or {}).get(file) if memo is not None else None
        key = memo.key(file, digest) if memo is not None and digest is not None else ""
        kept = memo.get(key) if memo is not None and key else None
        if kept is not None and digest is not None:
            loaded[project_id] = Loaded(digest, key, kept, kept.diagnostics)
        else:
            todo.append((project_id, path))
    if site is not None and todo:  # read, parsed and validated: in workers if there are many
        load = functools.partial(_load_batch, root, site, today, memo, convert)
        for batch in worker_pool.map_each(load, _batches(todo, workers), workers):
            loaded.update((project_id, found.unpickled()) for project_id, found in batch.items())
    projects: list[Project] = []
    html: dict[str, str] = {}
    for project_id, _ in project_files:  # in the order of the files' names
        if project_id in loaded:
            found = loaded[project_id]
            problems += found.diagnostics
            if found.parsed is not None:
                projects.append(found.parsed.project)
                html.update(found.parsed.html)
    if errors_only(problems) or site is None:
        raise BuildError(problems, language)
    digests = {project_id: found.digest for project_id, found in loaded.items()}
    used = {found.key for found in loaded.values()}
    return Portfolio(site, projects, sorted(problems), digests, html, used)


Convert = Callable[[ProjectFile], dict[str, str]]
"""A project's Markdown texts → their HTML."""


@dataclass(frozen=True)
class Loaded:
    """One project file, read and validated (by this build or by an earlier one)."""

    digest: str
    """Of the file's bytes."""
    key: str
    """Its entry in the memo ('' without one)."""
    parsed: cache.Parsed | None
    """None when the file has errors, or when it comes as ``pickled``."""
    diagnostics: list[Diagnostic]
    pickled: bytes | None = None
    """The file as kept in the memo: what a worker sends, rather than pickling it again."""

    def unpickled(self) -> Loaded:
        """This, with ``parsed`` read from ``pickled`` (whose bytes are then let go)."""
        if self.pickled is None:
            return self
        return Loaded(self.digest, self.key, cache.unpickle_parsed(self.pickled), self.diagnostics)


def _batches(files: list[tuple[str, Path]], workers: int) -> list[list[tuple[str, Path]]]:
    """A few batches per worker, so that they finish together and each trip carries a
    few files."""
    size = max(1, min(32, -(-len(files) // (4 * workers))))
    return [files[i : i + size] for i in range(0, len(files), size)]


def _load_batch(
    root: Path,
    site: SiteConfig,
    today: dt.date,
    memo: cache.Memo | None,
    convert: Convert | None,
    batch: list[tuple[str, Path]],
) -> dict[str, Loaded]:
    """Read, parse and validate some files (in a worker, or in this process)."""
    loaded: dict[str, Loaded] = {}
    for project_id, path in batch:  # one file at a time: its positions go with it
        file = _relative(root, path)
        raw = _read_raw(root, file, path)
        if isinstance(raw, Diagnostic):
            loaded[project_id] = Loaded("", "", None, [raw])
            continue
        digest = cache.file_digest(raw)  # of the bytes read here, should the file change
        key = memo.key(file, digest) if memo is not None else ""
        project, found = validate_project(load_bytes(raw, file), project_id, site, today)
        if project is None:
            loaded[project_id] = Loaded(digest, key, None, found)
            continue
        html = convert(project.data) if convert else {}
        parsed = cache.Parsed(project, found, html, today)
        pickled = memo.put(key, parsed) if memo is not None else None
        loaded[project_id] = Loaded(digest, key, None if pickled else parsed, found, pickled)
    return loaded


def project_count(root: Path) -> int:
    """How many project files there are."""
    return len(_project_files(root)[0])


def today_in_site_zone(root: Path) -> dt.date:
    """Today in the site's time zone (UTC when site.yaml cannot say). Called by the CLI only."""
    doc = _read(root, root / SITE_FILE)
    zone = "UTC"
    if isinstance(doc.data, dict) and isinstance(doc.data.get("timezone"), str):
        zone = doc.data["timezone"].strip() or "Asia/Shanghai"
    elif isinstance(doc.data, dict):
        zone = "Asia/Shanghai"
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        tz = zoneinfo.ZoneInfo("UTC")
    return dt.datetime.now(tz).date()


def site_language(root: Path) -> str:
    return _language_hint(_read(root, root / SITE_FILE))


# --- reading files ------------------------------------------------------------------------


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read(root: Path, path: Path) -> Document:
    file = _relative(root, path)
    raw = _read_raw(root, file, path)
    if isinstance(raw, Diagnostic):
        return _failed(file, raw)
    return load_bytes(raw, file)


def _read_raw(root: Path, file: str, path: Path) -> bytes | Diagnostic:
    """The file's bytes, or why they cannot be read (a link may lead within ``root`` only)."""
    unreadable = _unreadable(root, file, path)
    if unreadable is not None:
        return unreadable
    try:
        return path.read_bytes()
    except OSError as exc:
        return make(file, 1, 1, "read_failed", reason=exc.strerror or str(exc))


def _unreadable(root: Path, file: str, path: Path) -> Diagnostic | None:
    """Why the file may not be read, if it may not: missing, not a file, or a link that
    leads outside ``root``."""
    if not path.exists() and not path.is_symlink():
        return make(file, 1, 1, "file_missing", what=file)
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return make(file, 1, 1, "symlink_outside")
    if not path.is_file():
        return make(file, 1, 1, "not_a_file")
    return None


def _failed(file: str, diagnostic: Diagnostic) -> Document:
    from generator.loader import Positions

    return Document(file, None, Positions(), [diagnostic])


def _project_files(root: Path) -> tuple[list[tuple[str, Path]], list[Diagnostic]]:
    """(project id, path) of every project file, by name; and the names that are no ids."""
    folder = root / PROJECTS_DIR
    empty = make(PROJECTS_DIR + "/", 1, 1, "projects_empty")
    if not folder.is_dir():
        return [], [empty]
    files: list[tuple[str, Path]] = []
    problems: list[Diagnostic] = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        name = entry.name
        if name.startswith(".") or not name.lower().endswith((".yaml", ".yml")):
            continue
        if entry.is_dir(follow_symlinks=False):
            continue
        wrong_name = project_id_problem(f"{PROJECTS_DIR}/{name}", name)
        if wrong_name:
            problems.append(wrong_name)
            continue
        files.append((name[: -len(".yaml")], folder / name))
    if not files and not problems:
        problems.append(empty)
    return files, problems


def _language_hint(doc: Document) -> str:
    if isinstance(doc.data, dict):
        language = doc.data.get("language")
        if language in ("zh-CN", "en"):
            return str(language)
    return DEFAULT_LANGUAGE
