"""Stage 4, build page contexts: portfolio status → one typed context per page.

Everything a template shows is decided here, in Python: which rows, in what order,
which figures. Templates only lay the values out and translate the site's words.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

from generator import charts, forge, forms, meta
from generator.models import Note, ProjectFile, SiteConfig
from generator.pace import Schedule
from generator.status import (
    HEALTH_ORDER,
    Behind,
    MilestoneStatus,
    PortfolioStatus,
    ProjectStatus,
    delivers,
    falling_behind,
)

STATES = ("overdue", "due-soon", "upcoming", "done-late", "done")
HEALTHS = tuple(HEALTH_ORDER)
NOTE_KINDS = ("progress", "problem", "next", "decision")


class Common(TypedDict):
    site: SiteConfig
    today: dt.date
    root: str
    """Relative path from the page to the site's root: '' or '../../'."""
    departments: dict[str, str]
    """Department id → name, for every reference a page shows."""
    section: str
    meta: meta.Meta
    """The page's link preview (``og:`` tags and description), see :mod:`generator.meta`."""


@dataclass(frozen=True)
class Week:
    monday: dt.date

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def year(self) -> int:
        return self.monday.isocalendar().year

    @property
    def number(self) -> int:
        return self.monday.isocalendar().week

    @property
    def name(self) -> str:
        """``2026-W48``: the ISO year (which may differ from the calendar year) and week."""
        return f"{self.year}-W{self.number:02d}"

    @property
    def path(self) -> str:
        return f"weeks/{self.name}/index.html"


@functools.lru_cache(maxsize=8192)
def week_of(day: dt.date) -> Week:
    return Week(day - dt.timedelta(days=day.weekday()))


class IndexPage(Common):
    projects: list[ProjectStatus]
    health_counts: dict[str, int]
    state_counts: dict[str, int]
    milestone_total: int
    days_to_year_end: int
    this_week: Week
    """The week of the as-of date, whose digest the home page links."""
    behind_pace: int
    """Indicators of active projects behind pace (:mod:`generator.pace`)."""


@dataclass(frozen=True)
class ProjectLinks:
    """Where to act on a project in its repository."""

    report: str
    """The report form, the project chosen (and the issue's title begun)."""
    edit: str
    """The forge's web editor on the project's file, on the published branch."""


def project_links(
    repository: forge.Repository | None, project_id: str, title: str, language: str
) -> ProjectLinks | None:
    """The links to report on a project and to edit its file; None without a repository
    (no links rather than broken ones)."""
    if repository is None:
        return None
    choice = forms.project_choice(title, project_id)
    fields = {"project": choice, "title": forms.word("title", language) + choice}
    return ProjectLinks(
        report=repository.new_issue_url(fields),
        edit=repository.edit_url(forge.project_path(project_id)),
    )


class ProjectPage(Common):
    links: ProjectLinks | None
    status: ProjectStatus
    strip: charts.BattleMap | None
    """The project's own battle-map row, on its own time axis."""
    sparklines: list[charts.Sparkline]
    """One per indicator, in the order of ``status.indicators``."""
    report_ids: list[str]
    """The id of each report on the page, in the order of ``status.notes``
    (:func:`report_anchors`): where the weekly digest links each report's full text."""


@dataclass(frozen=True)
class DepartmentMilestone:
    project: ProjectStatus
    milestone: MilestoneStatus


class DepartmentPage(Common):
    id: str
    name: str
    links: dict[str, ProjectLinks]
    """Project id → its links, for the projects it leads or takes part in (none without
    a repository)."""
    led: list[ProjectStatus]
    joined: list[ProjectStatus]
    owned: list[DepartmentMilestone]
    overdue: list[DepartmentMilestone]
    stale: list[ProjectStatus]
    """The stale active projects it leads (:func:`generator.status.falling_behind`)."""
    since: dt.date | None
    """The day it went on the "falling behind" list; None when it is not on it (or when
    that day is not known)."""
    contacts: list[str]
    """Who answers for its alerts: forge handles from site.yaml."""


class DepartmentRow(TypedDict):
    id: str
    name: str
    led: int
    joined: int
    overdue: int
    due_soon: int
    done_late: int
    days_since_note: int | None
    """Days since the newest note on a project it leads or joins; None without any."""
    stale: bool
    """An active project it leads has no note for more than ``stale_after_days`` (or none)."""
    stale_projects: int
    """How many such projects it leads."""
    since: dt.date | None
    """The day it went on the "falling behind" list (see :class:`generator.status.Behind`)."""
    slipped: int
    """Milestones it delivers whose due date is later than their baseline."""
    slip_days: int
    """Their days of slip, added up."""
    behind_pace: int
    """Indicators behind pace of the active projects it leads."""


class DepartmentsIndexPage(Common):
    rows: list[DepartmentRow]
    """The league table: the departments falling behind first."""
    warnings: list[DepartmentRow]
    """The departments falling behind (overdue milestones or stale projects, by
    :func:`generator.status.falling_behind`), in the table's order."""
    pace_warnings: list[DepartmentRow]
    """The rows that lead indicators behind pace, in the table's order: listed under
    "falling behind" too, each on a line of its own (see :func:`_departments_index`)."""


@dataclass(frozen=True)
class Depends:
    """All a page is made from besides what every page shares (``site.yaml``, the date, the
    theme, the generator and the repository its links lead into): the projects whose data
    it shows, by id, and anything else its context holds, as text (``detail``). A page that
    says so is kept from the site it replaces when none of that has changed
    (:meth:`generator.cache.Inputs.page_keys`), rather than rendered again; a page that
    does not is always rendered. What it names must cover its whole context: a value taken
    from any other project would be left stale."""

    projects: tuple[str, ...]
    detail: str


class Page:
    """One HTML page of the site: where it goes, its template, and its context.

    A context that is costly to build (charts, a week's figures) can be given as
    ``make``, a function called when the page is rendered: then it is built in the
    worker process that renders the page, on whichever core is free. ``depends``: see
    :class:`Depends`.
    """

    __slots__ = ("_context", "_make", "depends", "path", "template")

    def __init__(
        self,
        path: str,
        template: str,
        context: Common | None = None,
        make: Callable[[], Common] | None = None,
        depends: Depends | None = None,
    ) -> None:
        if (context is None) == (make is None):
            raise ValueError("a page takes a context or a function that makes it, not both")
        self.path = path
        """Output path, relative to the site's root, with '/' separators."""
        self.template = template
        self._context = context
        self._make = make
        self.depends = depends

    @property
    def context(self) -> Common:
        """One of the TypedDicts above (or a view's own), all extending :class:`Common`.
        One given as ``make`` is made each time it is asked for and not kept: a page is
        rendered once, and a worker that kept each context it made (every week's figures,
        the ledger's rows) would hold about 100 MB more by the end of a 1,000-project
        build."""
        if self._context is not None:
            return self._context
        assert self._make is not None
        return self._make()

    def __repr__(self) -> str:
        return f"Page({self.path!r}, {self.template!r})"


def common(
    portfolio: PortfolioStatus, path: str, section: str, preview: meta.Meta | None = None
) -> Common:
    """What every page's context holds; ``root`` leads from ``path`` back to the site's root.
    ``preview`` is the page's link preview; a page without one gets :func:`meta.default`."""
    return Common(
        site=portfolio.site,
        today=portfolio.today,
        root="../" * path.count("/"),
        departments={d.id: d.name for d in portfolio.site.departments},
        section=section,
        meta=preview or meta.default(portfolio.site, portfolio.today, path),
    )


def build_pages(
    portfolio: PortfolioStatus, repository: forge.Repository | None = None
) -> list[Page]:
    """The portfolio's, the projects' and the departments' pages; with a ``repository``,
    the project and department pages link to the report form and to the projects' files."""
    site = portfolio.site
    links = {
        s.project.id: project_links(repository, s.project.id, s.project.data.title, site.language)
        for s in portfolio.projects
    }
    pages = [Page("index.html", "index.html", _index(portfolio))]
    pages += [project_page(portfolio, s, links[s.project.id]) for s in portfolio.projects]
    behind = falling_behind(portfolio)
    known = {project_id: found for project_id, found in links.items() if found is not None}
    shares = _shares(portfolio)
    department_pages = [
        _department(portfolio, d.id, d.name, list(d.contacts), behind.get(d.id), known, shares)
        for d in site.departments
    ]
    pages.append(
        Page(
            "departments/index.html",
            "departments.html",
            _departments_index(portfolio, department_pages),
        )
    )
    pages += [
        Page(f"departments/{d['id']}/index.html", "department.html", d, depends=_made_from(d))
        for d in department_pages
    ]
    return pages


def _made_from(page: DepartmentPage) -> Depends:
    """What a department's page is made from: the projects it leads or takes part in and
    those with a milestone it delivers (whose statuses say what it is behind on), and its
    name and contacts; an edit of another department's project keeps it as it was."""
    shown = {p.project.id for p in page["led"] + page["joined"]}
    shown.update(m.project.project.id for m in page["owned"])
    return Depends(tuple(sorted(shown)), f"{page['id']}\0{page['name']}\0{page['contacts']!r}")


def project_page(
    portfolio: PortfolioStatus, status: ProjectStatus, links: ProjectLinks | None
) -> Page:
    """One project's page: it reads the site, today and the project's own status, no other
    project's, which is what lets the preview show an edit from that one file."""
    path = project_path(status.project.id)
    preview = meta.project(portfolio.site, path, status)
    at = common(portfolio, path, "projects", preview)
    make = functools.partial(_project, portfolio, status, links, at)
    return Page(path, "project.html", make=make)


def project_path(project_id: str) -> str:
    """Where a project's page goes, relative to the site's root."""
    return f"projects/{project_id}/index.html"


def project_markdown(data: ProjectFile) -> Iterator[str]:
    """The texts of one project that the site renders from Markdown: its summary, its
    milestones' notes, its notes."""
    if data.summary:
        yield data.summary
    yield from (m.note for m in data.milestones if m.note)
    yield from (note.text for note in data.notes)


def _project(
    portfolio: PortfolioStatus,
    status: ProjectStatus,
    links: ProjectLinks | None,
    common: Common,
) -> ProjectPage:
    return ProjectPage(
        **common,
        links=links,
        status=status,
        strip=charts.project_strip(status, portfolio.today, portfolio.site.language),
        sparklines=[charts.sparkline(i) for i in status.indicators],
        report_ids=report_anchors(status.notes),
    )


def report_anchors(notes: Iterable[Note]) -> list[str]:
    """Each report's id on its project's page, in the order given: ``report-2026-11-18``,
    and ``report-2026-11-18-2`` for the second report of that date (in the order of the
    file). The id stays when a report of another date is added, removed or moved, so a
    link to it keeps its report; the order of ``status.notes`` (newest first, one date's
    in the file's order) and the file's own give every report the same id."""
    seen: dict[dt.date, int] = {}
    anchors = []
    for note in notes:
        n = seen[note.date] = seen.get(note.date, 0) + 1
        anchors.append(f"report-{note.date.isoformat()}" + (f"-{n}" if n > 1 else ""))
    return anchors


def _index(portfolio: PortfolioStatus) -> IndexPage:
    milestones = [m for p in portfolio.projects for m in p.milestones]
    state_counts = {  # the overdue milestones flagged: those of active projects
        s: sum(1 for m in milestones if m.state == s and (s != "overdue" or m.flagged))
        for s in STATES
    }
    preview = meta.portfolio(portfolio.site, "index.html", portfolio.projects, state_counts)
    return IndexPage(
        **common(portfolio, "index.html", "index", preview),
        projects=list(portfolio.projects),
        health_counts={h: sum(1 for p in portfolio.projects if p.health == h) for h in HEALTHS},
        state_counts=state_counts,
        milestone_total=len(milestones),
        days_to_year_end=charts.days_to_year_end(portfolio.today),
        this_week=week_of(portfolio.today),
        behind_pace=sum(len(p.behind_pace) for p in portfolio.projects),
    )


@dataclass(frozen=True)
class _Shares:
    """Each department's part of the portfolio, gathered in one pass over it (by
    department id; in the portfolio's order, the milestones by due date)."""

    led: dict[str, list[ProjectStatus]]
    joined: dict[str, list[ProjectStatus]]
    owned: dict[str, list[DepartmentMilestone]]


def _shares(portfolio: PortfolioStatus) -> _Shares:
    led: defaultdict[str, list[ProjectStatus]] = defaultdict(list)
    joined: defaultdict[str, list[ProjectStatus]] = defaultdict(list)
    owned: defaultdict[str, list[DepartmentMilestone]] = defaultdict(list)
    for p in portfolio.projects:
        led[p.project.data.lead].append(p)
        for dept_id in dict.fromkeys(p.project.data.departments):
            joined[dept_id].append(p)
        for m in p.milestones:
            owned[delivers(p, m)].append(DepartmentMilestone(p, m))
    for found in owned.values():
        found.sort(
            key=lambda d: (d.milestone.milestone.due, d.project.project.id, d.milestone.index)
        )
    return _Shares(led, joined, owned)


def _department(
    portfolio: PortfolioStatus,
    dept_id: str,
    name: str,
    contacts: list[str],
    behind: Behind | None,
    links: dict[str, ProjectLinks],
    shares: _Shares,
) -> DepartmentPage:
    led = shares.led.get(dept_id, [])
    joined = shares.joined.get(dept_id, [])
    owned = shares.owned.get(dept_id, [])
    overdue = [DepartmentMilestone(p, m) for p, m in behind.overdue] if behind else []
    path = f"departments/{dept_id}/index.html"
    preview = meta.department(
        portfolio.site, path, name, len(led), len(joined), len(owned), len(overdue)
    )
    return DepartmentPage(
        **common(portfolio, path, "departments", preview),
        id=dept_id,
        name=name,
        links={p.project.id: links[p.project.id] for p in led + joined if p.project.id in links},
        led=led,
        joined=joined,
        owned=owned,
        overdue=overdue,
        stale=list(behind.stale) if behind else [],
        since=behind.since if behind else None,
        contacts=contacts,
    )


def department_order(portfolio: PortfolioStatus) -> list[str]:
    """Every department's id in the order of the departments page (:func:`_falling_behind`):
    the order in which the weekly digest lists them."""
    behind, shares = falling_behind(portfolio), _shares(portfolio)
    pages = [
        _department(portfolio, d.id, d.name, [], behind.get(d.id), {}, shares)
        for d in portfolio.site.departments
    ]
    return [row["id"] for row in _league(pages)]


def _league(pages: list[DepartmentPage]) -> list[DepartmentRow]:
    return sorted((_department_row(p) for p in pages), key=_falling_behind)


def _departments_index(
    portfolio: PortfolioStatus, pages: list[DepartmentPage]
) -> DepartmentsIndexPage:
    rows = _league(pages)
    warnings = [r for r in rows if r["overdue"] or r["stale_projects"]]
    path = "departments/index.html"
    overdue = sum(r["overdue"] for r in rows)
    preview = meta.departments(portfolio.site, path, len(rows), len(warnings), overdue)
    return DepartmentsIndexPage(
        **common(portfolio, path, "departments", preview),
        rows=rows,
        warnings=warnings,
        # Indicators behind pace put a department on the "falling behind" list too, on a
        # line of their own after the others', so that the rule for those stays as it is.
        pace_warnings=[r for r in rows if r["behind_pace"]],
    )


def _department_row(page: DepartmentPage) -> DepartmentRow:
    projects = page["led"] + page["joined"]
    last_note = max((p.last_note for p in projects if p.last_note), default=None)
    days = (page["today"] - last_note).days if last_note else None
    return DepartmentRow(
        id=page["id"],
        name=page["name"],
        led=len(page["led"]),
        joined=len(page["joined"]),
        overdue=len(page["overdue"]),
        due_soon=sum(1 for d in page["owned"] if d.milestone.state == "due-soon"),
        done_late=sum(1 for d in page["owned"] if d.milestone.state == "done-late"),
        days_since_note=days,
        stale=bool(page["stale"]),
        stale_projects=len(page["stale"]),
        since=page["since"],
        slipped=sum(1 for d in page["owned"] if d.milestone.slip_days > 0),
        slip_days=sum(max(d.milestone.slip_days, 0) for d in page["owned"]),
        behind_pace=sum(len(p.behind_pace) for p in page["led"]),
    )


def _falling_behind(row: DepartmentRow) -> tuple[int, int, int, float, str]:
    """Most overdue first, then most stale projects (so that every department on the
    "falling behind" list comes before the others), then most done late, then longest
    silent, then by name.

    A department with projects but no note at all is the most silent; one without
    projects has nothing to report and comes after every other.
    """
    silence: float = row["days_since_note"] if row["days_since_note"] is not None else -1
    if row["days_since_note"] is None and (row["led"] or row["joined"]):
        silence = float("inf")
    return (-row["overdue"], -row["stale_projects"], -row["done_late"], -silence, row["name"])


LEDGER_COLUMNS = (
    "project_id",
    "project",
    "lead",
    "owner",
    "milestone",
    "start",
    "due",
    "done",
    "state",
    "days",
    "weight",
    "last_note",
    "baseline",
    "slip_days",
    "replans",
)


def ledger_rows(portfolio: PortfolioStatus) -> list[tuple[str | int | float, ...]]:
    """The ledger (台账): every milestone of every project, one row each, in project order."""
    names = {d.id: d.name for d in portfolio.site.departments}
    rows: list[tuple[str | int | float, ...]] = []
    for status in sorted(portfolio.projects, key=lambda p: p.project.id):
        data = status.project.data
        for m in status.milestones:
            rows.append(
                (
                    status.project.id,
                    data.title,
                    names[data.lead],
                    names[m.milestone.owner or data.lead],
                    m.milestone.title,
                    _day(m.milestone.start) or "",
                    m.milestone.due.isoformat(),
                    _day(m.milestone.done) or "",
                    m.state,
                    m.days,
                    _number(m.milestone.weight) or 0,
                    _day(status.last_note) or "",
                    m.baseline.isoformat(),
                    m.slip_days,
                    len(m.replans),
                )
            )
    return rows


DATA_JSON_PROJECT_DEPTH = 2
"""How deep ``data.json``'s projects are laid out (in ``projects``, in the file's object)."""


def data_json(
    portfolio: PortfolioStatus, each: Callable[[ProjectStatus], Any] | None = None
) -> dict[str, Any]:
    """The machine-readable site: every project, every milestone, dates as YYYY-MM-DD.

    ``projects`` is an iterator, made as it is written (:func:`generator.render.json_chunks`):
    each project by ``each``, :func:`project_json` or the same already laid out
    (:func:`generator.render.json_text` at :data:`DATA_JSON_PROJECT_DEPTH`)."""
    made = each or project_json
    site = portfolio.site
    projects = sorted(portfolio.projects, key=lambda p: p.project.id)
    return {
        "as_of": portfolio.today.isoformat(),
        "site": {
            "title": site.title,
            "organization": site.organization,
            "language": site.language,
            "timezone": site.timezone,
            "due_soon_days": site.due_soon_days,
            "stale_after_days": site.stale_after_days,
            "pace_weeks": site.pace_weeks,
        },
        "departments": [{"id": d.id, "name": d.name} for d in site.departments],
        "projects": (made(p) for p in projects),  # made one at a time
    }


def project_json(status: ProjectStatus) -> dict[str, Any]:
    """One project as ``data.json`` holds it."""
    data = status.project.data
    return {
        "id": status.project.id,
        "title": data.title,
        "lead": data.lead,
        "departments": list(data.departments),
        "sponsor": data.sponsor,
        "contact": data.contact,
        "status": data.status,
        "start": _day(data.start),
        "due": _day(data.due),
        "tags": list(data.tags),
        "health": status.health,
        "progress": round(status.progress, 4),
        "overdue": status.overdue,
        "due_soon": status.due_soon,
        "days_left": status.days_left,
        "last_note": _day(status.last_note),
        "schedule": _schedule_json(status.schedule),
        "milestones": [
            {
                "id": m.milestone.id,
                "title": m.milestone.title,
                "due": _day(m.milestone.due),
                "start": _day(m.milestone.start),
                "done": _day(m.milestone.done),
                "owner": m.milestone.owner or None,
                "weight": _number(m.milestone.weight),
                "state": m.state,
                "days": m.days,
                "baseline": _day(m.baseline),
                "slip_days": m.slip_days,
                "replans": len(m.replans),
            }
            for m in status.milestones
        ],
        "indicators": [
            {
                "name": i.indicator.name,
                "unit": i.indicator.unit,
                "target": _number(i.indicator.target),
                "baseline": _number(i.indicator.baseline),
                "latest": _number(i.latest),
                "due": _day(i.pace.due),
                "direction": i.indicator.direction,
                "verdict": i.pace.verdict,
                "reason": i.pace.reason,
                "required_pace": _rounded(i.pace.required),
                "recent_pace": _rounded(i.pace.recent),
                "projected": _day(i.pace.projected),
                "values": [
                    {"date": _day(v.date), "value": _number(v.value)}
                    for v in sorted(i.indicator.values, key=lambda v: v.date)
                ],
            }
            for i in status.indicators
        ],
        "notes": [
            {"date": _day(n.date), "kind": n.kind, "author": n.author, "text": n.text}
            for n in status.notes
        ],
    }


def _schedule_json(schedule: Schedule | None) -> dict[str, Any] | None:
    """The backward schedule (倒排工期) of an active project; None for the others."""
    if schedule is None:
        return None
    return {
        "left": schedule.left,
        "days_left": schedule.days_left,
        "done_last_90_days": schedule.done_recently,
        "rate_per_30_days": _rounded(schedule.rate),
        "finish": _day(schedule.finish),
        "late": schedule.late,
    }


def _rounded(value: float | None) -> int | float | None:
    """A pace for data.json: four decimals, a whole number without its '.0'."""
    return None if value is None else _number(round(value, 4) + 0.0)


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == int(value) else value
