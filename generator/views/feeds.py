"""Feeds to subscribe to: the reports as Atom, the milestones as iCalendar.

* ``feed.xml``: every note of every project, newest first; ``projects/<id>/feed.xml``
  for each project;
* ``milestones.ics``: every milestone as an all-day event on its due date;
  ``departments/<id>/milestones.ics`` for each department that delivers milestones
  (the owner, or the project's lead when a milestone names no owner).

Every value that could change between two builds of one day is derived from the data
or from the as-of date, so the bytes only change when the portfolio does. User text
reaches the XML only through ElementTree, which escapes it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from generator.context import Page
from generator.models import Note, SiteConfig
from generator.render import markdown_to_html
from generator.status import MilestoneStatus, PortfolioStatus, ProjectStatus
from generator.views.ledger import days_text, state_label, translator

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
DEFAULT_HOST = "progress-site"
PRODID = "-//progress-site//Milestones//EN"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text XML 1.0 can carry: characters it forbids are dropped."""
    return _NOT_XML.sub("", text)


def _host(site: SiteConfig) -> str:
    if site.base_url:
        host = urlsplit(site.base_url).hostname
        if host:
            return host
    return DEFAULT_HOST


def _base_path(site: SiteConfig) -> str:
    """The path part of base_url ('/progress/'), or '/' without one."""
    if not site.base_url:
        return "/"
    return urlsplit(site.base_url).path or "/"


def _link(site: SiteConfig, path: str, here: str) -> str:
    """``path`` (from the site's root) as an absolute URL when base_url is set, else relative
    to the folder ``here`` ('' for the root, 'projects/x/' for a project) of the file."""
    if site.base_url:
        return site.base_url + path
    if here and path.startswith(here):
        return path[len(here) :] or "./"
    return "../" * here.count("/") + path


# --- Atom ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedNote:
    project: ProjectStatus
    index: int
    """The note's place in its project file, from 0: part of the entry's stable id."""
    note: Note


def _notes(projects: tuple[ProjectStatus, ...] | list[ProjectStatus]) -> list[FeedNote]:
    """Newest first; one date: projects by id, then the order of the file."""
    items = [
        FeedNote(status, i, note)
        for status in projects
        for i, note in enumerate(status.project.data.notes)
    ]
    items.sort(key=lambda f: (-f.note.date.toordinal(), f.project.project.id, f.index))
    return items


def entry_id(site: SiteConfig, project_id: str, date: dt.date, index: int) -> str:
    """A tag: URI (RFC 4151) from the site's host, the note's date, project and place."""
    path = _base_path(site)
    return f"tag:{_host(site)},{date.isoformat()}:{path}projects/{project_id}/notes/{index}"


def feed_id(site: SiteConfig, path: str) -> str:
    """The feed's own address when base_url is set, else a name-based UUID of its path."""
    if site.base_url:
        return site.base_url + path
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{DEFAULT_HOST}:{path}"))


def _midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> str:
    """The start of ``day`` in the site's zone, RFC 3339 with its offset."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone).isoformat()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def atom_feed(
    portfolio: PortfolioStatus,
    notes: list[FeedNote],
    path: str,
    title: str,
    page: str,
) -> bytes:
    """An Atom 1.0 document at ``path`` (from the site's root) with ``notes`` as entries;
    ``page`` is the HTML page the feed stands for."""
    site = portfolio.site
    language = site.language
    t = translator(language)
    zone = zoneinfo.ZoneInfo(site.timezone)
    here = path.rpartition("/")[0] + "/" if "/" in path else ""
    kinds = {
        "progress": t.gettext("Progress"),
        "problem": t.gettext("Problem"),
        "next": t.gettext("Next steps"),
        "decision": t.gettext("Decision"),
    }

    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: language})
    _sub(feed, "id", feed_id(site, path))
    _sub(feed, "title", title)
    newest = notes[0].note.date if notes else portfolio.today
    _sub(feed, "updated", _midnight(newest, zone))
    author = _sub(feed, "author")
    _sub(author, "name", site.organization or site.title)
    _sub(feed, "link", rel="alternate", type="text/html", href=_link(site, page, here))
    if site.base_url:
        _sub(feed, "link", rel="self", type="application/atom+xml", href=site.base_url + path)
    _sub(feed, "generator", "progress-site")

    for item in notes:
        project_id = item.project.project.id
        note = item.note
        project_page = f"projects/{project_id}/index.html"
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(site, project_id, note.date, item.index))
        entry_title = t.gettext("%(project)s · %(kind)s · %(date)s") % {
            "project": item.project.project.data.title,
            "kind": kinds[note.kind],
            "date": note.date.isoformat(),
        }
        _sub(entry, "title", entry_title)
        _sub(entry, "updated", _midnight(note.date, zone))
        if note.author:
            _sub(_sub(entry, "author"), "name", note.author)
        _sub(entry, "category", term=note.kind, label=kinds[note.kind])
        _sub(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            href=_link(site, project_page + "#notes", here),
        )
        content = _sub(entry, "content", str(markdown_to_html(note.text)), type="html")
        content.set(XML_BASE, _link(site, project_page, here))

    ET.indent(feed, space=" ")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


# --- iCalendar -----------------------------------------------------------------------------


def event_uid(site: SiteConfig, project_id: str, index: int) -> str:
    """``<project-id>-<n>@<host>``, n counting the project's milestones from 1 (the page's
    ``#milestone-n`` anchor)."""
    return f"{project_id}-{index + 1}@{_host(site)}"


def _event(
    portfolio: PortfolioStatus, status: ProjectStatus, ms: MilestoneStatus, names: dict[str, str]
) -> Event:
    site = portfolio.site
    language = site.language
    t = translator(language)
    data = status.project.data
    milestone = ms.milestone
    owner = milestone.owner or data.lead
    lines = [
        t.gettext("State: %(state)s (%(days)s)")
        % {
            "state": state_label(language, ms.state),
            "days": days_text(language, ms.state, ms.days),
        },
        t.gettext("Lead department: %(name)s") % {"name": names[data.lead]},
        t.gettext("Owner: %(name)s") % {"name": names[owner]},
    ]
    if milestone.done:
        lines.append(t.gettext("Done on %(date)s") % {"date": milestone.done.isoformat()})
    page = f"projects/{status.project.id}/index.html#milestone-{ms.index + 1}"
    if site.base_url:
        lines.append(site.base_url + page)

    event = Event()
    event.add("uid", event_uid(site, status.project.id, ms.index))
    event.add("dtstamp", dt.datetime.combine(portfolio.today, dt.time(0, 0), tzinfo=dt.UTC))
    event.add("dtstart", milestone.due)
    event.add("dtend", milestone.due + dt.timedelta(days=1))
    event.add(
        "summary",
        t.gettext("%(project)s: %(milestone)s")
        % {"project": data.title, "milestone": milestone.title},
    )
    event.add("description", "\n".join(lines))
    event.add("categories", [state_label(language, ms.state)])
    event.add("transp", "TRANSPARENT")
    if site.base_url:
        event.add("url", site.base_url + page)
    return event


def calendar(
    portfolio: PortfolioStatus,
    items: list[tuple[ProjectStatus, MilestoneStatus]],
    name: str,
) -> bytes:
    site = portfolio.site
    names = {d.id: d.name for d in site.departments}
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _one_line(name))  # x- properties take no escaped line breaks
    cal.add("x-wr-caldesc", _one_line(site.title))
    cal.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "P1D")
    ordered = sorted(items, key=lambda i: (i[1].milestone.due, i[0].project.id, i[1].index))
    for status, ms in ordered:
        cal.add_component(_event(portfolio, status, ms, names))
    return bytes(cal.to_ical())


def owned_milestones(
    portfolio: PortfolioStatus,
) -> dict[str, list[tuple[ProjectStatus, MilestoneStatus]]]:
    """Department id → the milestones it delivers: its own, or its projects' unowned ones."""
    owned: dict[str, list[tuple[ProjectStatus, MilestoneStatus]]] = {}
    for status in portfolio.projects:
        for ms in status.milestones:
            dept = ms.milestone.owner or status.project.data.lead
            owned.setdefault(dept, []).append((status, ms))
    return owned


# --- the view ------------------------------------------------------------------------------


def pages(portfolio: PortfolioStatus) -> list[Page]:
    return []


def files(portfolio: PortfolioStatus) -> list[tuple[str, bytes]]:
    site = portfolio.site
    t = translator(site.language)
    projects = sorted(portfolio.projects, key=lambda p: p.project.id)
    out: list[tuple[str, bytes]] = [
        (
            "feed.xml",
            atom_feed(
                portfolio,
                _notes(projects),
                "feed.xml",
                t.gettext("%(site)s: reports") % {"site": site.title},
                "index.html",
            ),
        )
    ]
    for status in projects:
        title = t.gettext("%(project)s: reports") % {"project": status.project.data.title}
        path = f"projects/{status.project.id}/feed.xml"
        page = f"projects/{status.project.id}/index.html"
        out.append((path, atom_feed(portfolio, _notes([status]), path, title, page)))

    everything = [(status, ms) for status in projects for ms in status.milestones]
    calendar_name = t.gettext("%(site)s: milestones") % {"site": site.title}
    out.append(("milestones.ics", calendar(portfolio, everything, calendar_name)))
    owned = owned_milestones(portfolio)
    for dept in site.departments:
        if dept.id in owned:
            name = t.gettext("%(department)s: milestones") % {"department": dept.name}
            path = f"departments/{dept.id}/milestones.ics"
            out.append((path, calendar(portfolio, owned[dept.id], name)))
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())
