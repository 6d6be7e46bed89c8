"""Link previews: what a chat (WeChat, DingTalk, Feishu) or a mail shows for a page's link.

Every page context carries one :class:`Meta`, which ``base.html`` writes as
``<meta name="description">`` and the Open Graph tags (``og:title``, ``og:description``,
``og:type``, ``og:site_name``, and ``og:url`` when ``site.yaml`` has a ``base_url``).
The words are decided here, in the site's language (the theme's catalog, through
:mod:`generator.words`), from the same figures the page shows: a project's health,
overdue milestones, progress and next milestone; the portfolio's totals; a week's counts.
The template only escapes them into their attributes.

A project's preview is made from that project and ``site.yaml`` alone, as its page is
(:mod:`generator.cache` keeps an unchanged project's page from the build before).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from generator.models import SiteConfig
from generator.status import HEALTH_ORDER, Health, ProjectStatus, State
from generator.words import days_text, health_label, state_label, translator

MAX_LENGTH = 300
"""A description is cut (with '…') beyond this many characters; chats show two lines."""
_SPACES = re.compile(r"\s+")
SEPARATOR = " · "


@dataclass(frozen=True)
class Meta:
    """One page's link preview, as plain text (the template escapes it)."""

    title: str
    description: str
    kind: str
    """``og:type``: ``website`` for the portfolio, ``article`` for every other page."""
    url: str | None
    """The page's address from ``base_url`` (a folder's ``index.html`` left off); None
    without a ``base_url``."""
    site_name: str


def url(site: SiteConfig, path: str) -> str | None:
    """``path`` under ``base_url``, ``projects/x/index.html`` as ``projects/x/``."""
    if not site.base_url:
        return None
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return site.base_url + path


def make(site: SiteConfig, path: str, title: str, parts: Iterable[str]) -> Meta:
    """A page's preview: its ``title``, and its ``parts`` joined as the description."""
    description = _clean(SEPARATOR.join(p for p in parts if p))
    if len(description) > MAX_LENGTH:
        description = description[: MAX_LENGTH - 1].rstrip() + "…"
    return Meta(
        title=_clean(title),
        description=description,
        kind="website" if path == "index.html" else "article",
        url=url(site, path),
        site_name=_clean(site.title),
    )


def default(site: SiteConfig, today: dt.date, path: str) -> Meta:
    """Any page without a preview of its own: the site, its organisation and the date."""
    t = translator(site.language)
    status = t.gettext("Status as of %(date)s") % {"date": today.isoformat()}
    return make(site, path, site.title, [site.organization or "", status])


def titled(site: SiteConfig, name: str) -> str:
    """A page's name with the site's title: ``Battle map · <site>``."""
    return f"{name}{SEPARATOR}{site.title}"


def counted(language: str, label: str, number: int) -> str:
    """``Overdue milestones: 5`` (``逾期节点 5``)."""
    return translator(language).gettext("%(label)s: %(num)d") % {"label": label, "num": number}


# --- each page kind ----------------------------------------------------------------------


def portfolio(
    site: SiteConfig, path: str, projects: Sequence[ProjectStatus], state_counts: dict[str, int]
) -> Meta:
    """The totals of the home page: projects by health, then milestones by state."""
    language = site.language
    t = translator(language)
    healths: dict[Health, int] = {}
    for status in projects:
        healths[status.health] = healths.get(status.health, 0) + 1
    parts = [
        t.ngettext("%(num)d project", "%(num)d projects", len(projects)) % {"num": len(projects)},
        *(
            counted(language, health_label(language, h), n)
            for h, n in sorted(healths.items(), key=lambda item: HEALTH_ORDER[item[0]])
        ),
        *_milestones(site, state_counts),
        counted(
            language,
            t.gettext("Milestones done"),
            state_counts.get("done", 0) + state_counts.get("done-late", 0),
        ),
    ]
    return make(site, path, site.title, parts)


def project(site: SiteConfig, path: str, status: ProjectStatus) -> Meta:
    """Health (a red project says it by its overdue count), overdue milestones, progress,
    the next milestone with its date and days, and the lead department."""
    language = site.language
    t = translator(language)
    data = status.project.data
    names = {d.id: d.name for d in site.departments}
    parts = [] if status.health == "red" else [health_label(language, status.health)]
    if status.overdue:
        parts.append(
            t.ngettext("%(num)d overdue milestone", "%(num)d overdue milestones", status.overdue)
            % {"num": status.overdue}
        )
    parts.append(
        t.gettext("Progress %(percent)s") % {"percent": f"{round(status.progress * 100)}%"}
    )
    if status.next_milestone is not None:
        ms = status.next_milestone
        parts.append(
            t.gettext("Next milestone: %(title)s, due %(date)s (%(days)s)")
            % {
                "title": ms.milestone.title,
                "date": ms.milestone.due.isoformat(),
                "days": days_text(language, ms.state, ms.days),
            }
        )
    parts.append(t.gettext("Lead department: %(name)s") % {"name": names.get(data.lead, data.lead)})
    return make(site, path, data.title, parts)


def department(
    site: SiteConfig, path: str, name: str, led: int, joined: int, owned: int, overdue: int
) -> Meta:
    language = site.language
    t = translator(language)
    parts = [
        counted(language, t.gettext("Projects led"), led),
        counted(language, t.gettext("Projects taken part in"), joined),
        counted(language, t.gettext("Overdue milestones"), overdue),
        counted(language, t.gettext("Milestones this department delivers"), owned),
    ]
    return make(site, path, name, parts)


def departments(site: SiteConfig, path: str, count: int, behind: int, overdue: int) -> Meta:
    language = site.language
    t = translator(language)
    parts = [
        t.ngettext("%(num)d department", "%(num)d departments", count) % {"num": count},
        counted(language, t.gettext("Falling behind"), behind),
        counted(language, t.gettext("Overdue milestones"), overdue),
    ]
    return make(site, path, titled(site, t.gettext("Departments")), parts)


def timeline(site: SiteConfig, path: str, projects: int, states: Iterable[State]) -> Meta:
    """The battle map: how many projects and milestones, and how many overdue or due soon."""
    language = site.language
    t = translator(language)
    parts = [
        t.ngettext("%(num)d project", "%(num)d projects", projects) % {"num": projects},
        *_milestones(site, _count(states)),
    ]
    return make(site, path, titled(site, t.gettext("Battle map")), parts)


def ledger(site: SiteConfig, path: str, states: Iterable[State]) -> Meta:
    """The ledger: every milestone, counted by state (most urgent first)."""
    language = site.language
    t = translator(language)
    counts = _count(states)
    total = sum(counts.values())
    order: tuple[State, ...] = ("overdue", "due-soon", "upcoming", "done-late", "done")
    parts = [
        t.ngettext("%(num)d milestone", "%(num)d milestones", total) % {"num": total},
        *(counted(language, state_label(language, s), counts[s]) for s in order if counts.get(s)),
    ]
    return make(site, path, titled(site, t.gettext("Ledger")), parts)


def weeks(site: SiteConfig, path: str, count: int, first: str | None, last: str | None) -> Meta:
    """The list of weekly digests: how many, from which week to which."""
    t = translator(site.language)
    parts = [t.ngettext("%(num)d week", "%(num)d weeks", count) % {"num": count}]
    if first and last:
        parts.append(f"{first} – {last}")
    return make(site, path, titled(site, t.gettext("Weekly digest")), parts)


def week(
    site: SiteConfig,
    path: str,
    number: int,
    year: int,
    span: tuple[dt.date, dt.date],
    counts: tuple[int, int, int, int, int],
    department: str | None = None,
) -> Meta:
    """One week's digest, or one ``department``'s part of it: its dates, and its counts
    under the page's own headings (``counts``: milestones completed, missed, due dates
    moved, milestones due in the coming week, reports filed)."""
    language = site.language
    t = translator(language)
    title = _week_title(site, number, year, department)
    dates = _dates(site, span)
    labels = (
        t.gettext("Milestones completed"),
        t.gettext("Milestones missed"),
        t.gettext("Due dates moved"),
        t.gettext("Due in the coming week"),
        t.gettext("Reports filed"),
    )
    parts = [dates, *(counted(language, label, n) for label, n in zip(labels, counts, strict=True))]
    return make(site, path, titled(site, title), parts)


def _week_title(site: SiteConfig, number: int, year: int, department: str | None) -> str:
    """``Week 47, 2026``, after the department's name when there is one."""
    title = translator(site.language).gettext("Week %(week)d, %(year)d")
    title %= {"week": number, "year": year}
    return f"{department}{SEPARATOR}{title}" if department else title


def _dates(site: SiteConfig, span: tuple[dt.date, dt.date]) -> str:
    return translator(site.language).gettext("%(start)s to %(end)s") % {
        "start": span[0].isoformat(),
        "end": span[1].isoformat(),
    }


def search(site: SiteConfig, path: str) -> Meta:
    t = translator(site.language)
    parts = [t.gettext("Search the projects and departments of %(site)s") % {"site": site.title}]
    return make(site, path, titled(site, t.gettext("Search")), parts)


def _milestones(site: SiteConfig, counts: Mapping[str, int]) -> list[str]:
    """How many milestones, how many of them overdue, how many due soon."""
    language = site.language
    t = translator(language)
    total = sum(counts.values())
    soon = t.gettext("Due within %(days)d days") % {"days": site.due_soon_days}
    return [
        t.ngettext("%(num)d milestone", "%(num)d milestones", total) % {"num": total},
        counted(language, t.gettext("Overdue milestones"), counts.get("overdue", 0)),
        counted(language, soon, counts.get("due-soon", 0)),
    ]


def _count(states: Iterable[State]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


def _clean(text: str) -> str:
    """One line: every run of spaces, tabs and line breaks as one space."""
    return _SPACES.sub(" ", text).strip()
