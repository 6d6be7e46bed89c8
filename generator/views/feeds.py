"""Feeds to subscribe to: the reports as Atom, the milestones as iCalendar.

* ``feed.xml``: every note of every project, newest first; ``projects/<id>/feed.xml``
  for each project;
* ``milestones.ics``: every milestone as an all-day event on its due date;
  ``departments/<id>/milestones.ics`` for each department that delivers milestones
  (the owner, or the project's lead when a milestone names no owner).

Every value that could change between two builds of one day is derived from the data
or from the as-of date, so the bytes only change when the portfolio does. Both formats
are written as text: every value passes an escaping function of its format (``_x`` for
XML, ``_ics_text`` for iCalendar), which tests check by parsing the output with
ElementTree and the icalendar library.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from generator.context import Page
from generator.models import Note, SiteConfig
from generator.render import markdown_to_html
from generator.status import MilestoneStatus, PortfolioStatus, ProjectStatus
from generator.views.ledger import days_text, state_label, translator

ATOM = "http://www.w3.org/2005/Atom"
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


def _x(text: str) -> str:
    """Text or an attribute value for XML: escaped, and cleaned of forbidden characters."""
    return html.escape(_clean(text), quote=True)


def _element(tag: str, text: str, indent: str = "  ", **attrs: str) -> str:
    attributes = "".join(f' {name}="{_x(value)}"' for name, value in attrs.items())
    return f"{indent}<{tag}{attributes}>{_x(text)}</{tag}>\n"


def _empty(tag: str, indent: str = "  ", **attrs: str) -> str:
    attributes = "".join(f' {name}="{_x(value)}"' for name, value in attrs.items())
    return f"{indent}<{tag}{attributes}/>\n"


def atom_feed(
    portfolio: PortfolioStatus,
    notes: list[FeedNote],
    path: str,
    title: str,
    page: str,
) -> bytes:
    """An Atom 1.0 document at ``path`` (from the site's root) with ``notes`` as entries;
    ``page`` is the HTML page the feed stands for. Written as text: every value passes
    through :func:`_x`."""
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
    newest = notes[0].note.date if notes else portfolio.today
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n",
        f'<feed xmlns="{ATOM}" xml:lang="{_x(language)}">\n',
        _element("id", feed_id(site, path)),
        _element("title", title),
        _element("updated", _midnight(newest, zone)),
        "  <author>\n",
        _element("name", site.organization or site.title, "    "),
        "  </author>\n",
        _empty("link", rel="alternate", type="text/html", href=_link(site, page, here)),
    ]
    if site.base_url:
        parts.append(
            _empty("link", rel="self", type="application/atom+xml", href=site.base_url + path)
        )
    parts.append(_element("generator", "progress-site"))
    for item in notes:
        project_id = item.project.project.id
        note = item.note
        project_page = f"projects/{project_id}/index.html"
        entry_title = t.gettext("%(project)s · %(kind)s · %(date)s") % {
            "project": item.project.project.data.title,
            "kind": kinds[note.kind],
            "date": note.date.isoformat(),
        }
        parts += [
            "  <entry>\n",
            _element("id", entry_id(site, project_id, note.date, item.index), "    "),
            _element("title", entry_title, "    "),
            _element("updated", _midnight(note.date, zone), "    "),
        ]
        if note.author:
            parts += ["    <author>\n", _element("name", note.author, "      "), "    </author>\n"]
        parts += [
            _empty("category", "    ", term=note.kind, label=kinds[note.kind]),
            _empty(
                "link",
                "    ",
                rel="alternate",
                type="text/html",
                href=_link(site, project_page + "#notes", here),
            ),
            f'    <content type="html" xml:base="{_x(_link(site, project_page, here))}">'
            f"{_x(str(markdown_to_html(note.text)).strip())}</content>\n",
            "  </entry>\n",
        ]
    parts.append("</feed>\n")
    return "".join(parts).encode("utf-8")


# --- iCalendar -----------------------------------------------------------------------------


def event_uid(site: SiteConfig, project_id: str, index: int) -> str:
    """``<project-id>-<n>@<host>``, n counting the project's milestones from 1 (the page's
    ``#milestone-n`` anchor)."""
    return f"{project_id}-{index + 1}@{_host(site)}"


def _ics_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    value = _clean(value).replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not pieces else 74):
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces) + "\r\n"


def _event(
    portfolio: PortfolioStatus, status: ProjectStatus, ms: MilestoneStatus, names: dict[str, str]
) -> str:
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
    summary = t.gettext("%(project)s: %(milestone)s") % {
        "project": data.title,
        "milestone": milestone.title,
    }
    content = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_ics_text(summary)}",
        f"DTSTART;VALUE=DATE:{milestone.due:%Y%m%d}",
        f"DTEND;VALUE=DATE:{milestone.due + dt.timedelta(days=1):%Y%m%d}",
        f"DTSTAMP:{portfolio.today:%Y%m%d}T000000Z",
        f"UID:{_ics_text(event_uid(site, status.project.id, ms.index))}",
        f"CATEGORIES:{_ics_text(state_label(language, ms.state))}",
        f"DESCRIPTION:{_ics_text(chr(10).join(lines))}",
        "TRANSP:TRANSPARENT",
    ]
    if site.base_url:
        content.append(f"URL:{site.base_url + page}")
    content.append("END:VEVENT")
    return "".join(_fold(line) for line in content)


def calendar(
    portfolio: PortfolioStatus,
    items: list[tuple[ProjectStatus, MilestoneStatus]],
    name: str,
    events: dict[tuple[str, int], str] | None = None,
) -> bytes:
    """An iCalendar document of ``items``; ``events`` caches each event's text between the
    site's calendar and the departments' ones."""
    site = portfolio.site
    names = {d.id: d.name for d in site.departments}
    cache = {} if events is None else events
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(_one_line(name))}",
        f"X-WR-CALDESC:{_ics_text(_one_line(site.title))}",
        "REFRESH-INTERVAL;VALUE=DURATION:P1D",
        "X-PUBLISHED-TTL:P1D",
    ]
    parts = [_fold(line) for line in head]
    ordered = sorted(items, key=lambda i: (i[1].milestone.due, i[0].project.id, i[1].index))
    for status, ms in ordered:
        key = (status.project.id, ms.index)
        if key not in cache:
            cache[key] = _event(portfolio, status, ms, names)
        parts.append(cache[key])
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode("utf-8")


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
    events: dict[tuple[str, int], str] = {}
    out.append(("milestones.ics", calendar(portfolio, everything, calendar_name, events)))
    owned = owned_milestones(portfolio)
    for dept in site.departments:  # every department, so a subscription never breaks
        name = t.gettext("%(department)s: milestones") % {"department": dept.name}
        path = f"departments/{dept.id}/milestones.ics"
        out.append((path, calendar(portfolio, owned.get(dept.id, []), name, events)))
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())
