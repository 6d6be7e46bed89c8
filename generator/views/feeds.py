"""Feeds to subscribe to: the reports as Atom, the milestones as iCalendar.

* ``feed.xml``: the notes of the last :data:`SITE_FEED_DAYS` days of every project,
  newest first; ``projects/<id>/feed.xml`` for each project, with every note it has;
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
import re
import uuid
import zoneinfo
from collections.abc import Container, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from generator.context import Page, report_anchors
from generator.models import Department, Note, SiteConfig
from generator.render import markdown_to_html
from generator.status import MilestoneStatus, PortfolioStatus, ProjectStatus
from generator.words import days_text, state_label, translator

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

SITE_FEED_DAYS = 14
"""How far back the site-wide ``feed.xml`` reaches: the notes dated on the as-of date or in
the 13 days before it (and any dated later). A feed carries recent items to readers that
check it every few hours or days and keep what they have seen; the whole history of a large
portfolio (1,000 projects of 100 notes each) would make every check download about 100 MB.
A window of days, unlike a number of entries, still carries a note committed a few days
after the date it bears however many projects write: a reader that checks once a week
misses none committed within a week of its date. Each project's own feed keeps all of its
notes: those feeds, the project pages and ``data.json`` are the full record."""


@dataclass(frozen=True)
class FeedNote:
    project: ProjectStatus
    index: int
    """The note's place in its project file, from 0: part of the entry's stable id."""
    note: Note


def _newest_first(item: FeedNote) -> tuple[int, str, int]:
    """Newest first; one date: projects by id, then the order of the file."""
    return (-item.note.date.toordinal(), item.project.project.id, item.index)


def site_feed_since(today: dt.date) -> dt.date:
    """The oldest date of a note in the site-wide feed (see :data:`SITE_FEED_DAYS`)."""
    return today - dt.timedelta(days=SITE_FEED_DAYS - 1)


def site_feed_notes(portfolio: PortfolioStatus) -> list[FeedNote]:
    """The notes of ``feed.xml``: those dated since :func:`site_feed_since`, newest first."""
    since = site_feed_since(portfolio.today)
    items = [
        FeedNote(status, i, note)
        for status in portfolio.projects
        for i, note in enumerate(status.project.data.notes)
        if note.date >= since
    ]
    items.sort(key=_newest_first)
    return items


def project_feed_notes(status: ProjectStatus) -> list[FeedNote]:
    """Every note of one project, newest first: its feed is the full record."""
    items = [FeedNote(status, i, note) for i, note in enumerate(status.project.data.notes)]
    items.sort(key=_newest_first)
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
    """Text or an attribute value for XML: cleaned of forbidden characters, then escaped as
    :func:`html.escape` does (``&<>"'``), by one chain of C-level replaces."""
    return (
        _NOT_XML.sub("", text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


class FeedEntries:
    """The Atom entries of one build, each note's text made once.

    The parts of an entry that do not depend on the feed holding it (id, title, dates,
    author, category and the escaped content) are written once per note; the links, which
    are relative to the feed's folder without a base_url, are written once per project and
    feed folder. A note of the site-wide feed's window also appears in its project's feed,
    so its parts are kept for the second one; the others are used once and not kept.
    """

    def __init__(self, portfolio: PortfolioStatus) -> None:
        self.site = portfolio.site
        t = translator(self.site.language)
        self.zone = zoneinfo.ZoneInfo(self.site.timezone)
        self.kinds = {
            "progress": t.gettext("Progress"),
            "problem": t.gettext("Problem"),
            "next": t.gettext("Next steps"),
            "decision": t.gettext("Decision"),
        }
        self.categories = {
            kind: f'    <category term="{_x(kind)}" label="{_x(label)}"/>\n'
            for kind, label in self.kinds.items()
        }
        self.title = t.gettext("%(project)s · %(kind)s · %(date)s")
        self.since = site_feed_since(portfolio.today)
        self._kept: dict[tuple[str, int], tuple[str, str]] = {}
        self._dates: dict[dt.date, str] = {}
        self._authors: dict[str, str] = {"": ""}
        self._links: dict[tuple[str, str], tuple[str, str]] = {}
        self._anchors: dict[str, list[str]] = {}

    def updated(self, day: dt.date) -> str:
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = _midnight(day, self.zone)
        return found

    def entry(self, item: FeedNote, here: str) -> str:
        """The entry of ``item`` in a feed in the folder ``here`` ('' or 'projects/x/')."""
        key = (item.project.project.id, item.index)
        parts = self._kept.get(key)
        if parts is None:
            parts = self._parts(item)
            if item.note.date >= self.since:
                self._kept[key] = parts
        head, content = parts
        return f"{head}{self._link_lines(item, here)}{content}</content>\n  </entry>\n"

    def _link_lines(self, item: FeedNote, here: str) -> str:
        """The entry's link to its report on its project's page (the id the page gives it,
        :func:`generator.context.report_anchors`) and the start of its content element."""
        project_id = item.project.project.id
        anchors = self._anchors.get(project_id)
        if anchors is None:
            anchors = self._anchors[project_id] = report_anchors(item.project.project.data.notes)
        found = self._links.get((project_id, here))
        if found is None:
            page = _link(self.site, f"projects/{project_id}/index.html", here)
            found = self._links[(project_id, here)] = (
                '    <link rel="alternate" type="text/html" href="' + _x(page),
                f'"/>\n    <content type="html" xml:base="{_x(page)}">',
            )
        start, end = found
        return f"{start}#{anchors[item.index]}{end}"

    def _author(self, name: str) -> str:
        found = self._authors.get(name)
        if found is None:
            found = self._authors[name] = (
                f"    <author>\n      <name>{_x(name)}</name>\n    </author>\n"
            )
        return found

    def _parts(self, item: FeedNote) -> tuple[str, str]:
        note = item.note
        title = self.title % {
            "project": item.project.project.data.title,
            "kind": self.kinds[note.kind],
            "date": note.date.isoformat(),
        }
        head = (
            "  <entry>\n"
            f"    <id>{_x(entry_id(self.site, item.project.project.id, note.date, item.index))}"
            "</id>\n"
            f"    <title>{_x(title)}</title>\n"
            f"    <updated>{self.updated(note.date)}</updated>\n"
            f"{self._author(note.author)}"
            f"{self.categories[note.kind]}"
        )
        return head, _x(str(markdown_to_html(note.text)).strip())


def atom_feed(
    portfolio: PortfolioStatus,
    notes: list[FeedNote],
    path: str,
    title: str,
    page: str,
    entries: FeedEntries | None = None,
    subtitle: str = "",
) -> bytes:
    """An Atom 1.0 document at ``path`` (from the site's root) with ``notes`` as entries;
    ``page`` is the HTML page the feed stands for; ``entries`` writes (and keeps) the
    entries' text within one build. Written as text: every value passes through :func:`_x`."""
    site = portfolio.site
    made = FeedEntries(portfolio) if entries is None else entries
    here = path.rpartition("/")[0] + "/" if "/" in path else ""
    newest = notes[0].note.date if notes else portfolio.today
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n"
        f'<feed xmlns="{ATOM}" xml:lang="{_x(site.language)}">\n'
        f"  <id>{_x(feed_id(site, path))}</id>\n"
        f"  <title>{_x(title)}</title>\n"
    ]
    if subtitle:
        parts.append(f"  <subtitle>{_x(subtitle)}</subtitle>\n")
    parts.append(
        f"  <updated>{made.updated(newest)}</updated>\n"
        "  <author>\n"
        f"    <name>{_x(site.organization or site.title)}</name>\n"
        "  </author>\n"
        f'  <link rel="alternate" type="text/html" href="{_x(_link(site, page, here))}"/>\n'
    )
    if site.base_url:
        parts.append(
            f'  <link rel="self" type="application/atom+xml" href="{_x(site.base_url + path)}"/>\n'
        )
    parts.append("  <generator>progress-site</generator>\n")
    parts += [made.entry(item, here) for item in notes]
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
    """One content line, folded at 75 octets without splitting a UTF-8 character: each
    piece ends before the continuation bytes (``10xxxxxx``) of a character it cannot hold."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    pieces: list[bytes] = []
    start, limit = 0, 75
    while len(encoded) - start > limit:
        end = start + limit
        while encoded[end] & 0xC0 == 0x80:
            end -= 1
        pieces.append(encoded[start:end])
        start, limit = end, 74
    pieces.append(encoded[start:])
    return b"\r\n ".join(pieces).decode("utf-8") + "\r\n"


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


def site_feed(portfolio: PortfolioStatus, entries: FeedEntries) -> tuple[str, bytes]:
    """``feed.xml``: the notes of the last :data:`SITE_FEED_DAYS` days of every project."""
    site = portfolio.site
    t = translator(site.language)
    subtitle = t.ngettext(
        "The reports of the last %(num)d day; each project's own feed holds all of its reports.",
        "The reports of the last %(num)d days; each project's own feed holds all of its reports.",
        SITE_FEED_DAYS,
    ) % {"num": SITE_FEED_DAYS}
    title = t.gettext("%(site)s: reports") % {"site": site.title}
    notes = site_feed_notes(portfolio)
    return "feed.xml", atom_feed(
        portfolio, notes, "feed.xml", title, "index.html", entries, subtitle
    )


def project_feed(
    portfolio: PortfolioStatus, status: ProjectStatus, entries: FeedEntries
) -> tuple[str, bytes]:
    """``projects/<id>/feed.xml``: every note of the project."""
    t = translator(portfolio.site.language)
    title = t.gettext("%(project)s: reports") % {"project": status.project.data.title}
    path = f"projects/{status.project.id}/feed.xml"
    page = f"projects/{status.project.id}/index.html"
    return path, atom_feed(portfolio, project_feed_notes(status), path, title, page, entries)


def site_calendar(
    portfolio: PortfolioStatus, events: dict[tuple[str, int], str]
) -> tuple[str, bytes]:
    """``milestones.ics``: every milestone of every project."""
    site = portfolio.site
    t = translator(site.language)
    everything = [(status, ms) for status in portfolio.projects for ms in status.milestones]
    name = t.gettext("%(site)s: milestones") % {"site": site.title}
    return "milestones.ics", calendar(portfolio, everything, name, events)


def department_calendar(
    portfolio: PortfolioStatus,
    dept: Department,
    owned: list[tuple[ProjectStatus, MilestoneStatus]],
    events: dict[tuple[str, int], str],
) -> tuple[str, bytes]:
    """``departments/<id>/milestones.ics``: the milestones ``dept`` delivers (``owned``)."""
    t = translator(portfolio.site.language)
    name = t.gettext("%(department)s: milestones") % {"department": dept.name}
    return f"departments/{dept.id}/milestones.ics", calendar(portfolio, owned, name, events)


def files(
    portfolio: PortfolioStatus, kept: Container[str] = frozenset()
) -> Iterator[tuple[str, bytes]]:
    """Every feed and calendar, one at a time (each is written before the next is made),
    but the feeds of the ``kept`` projects. ``entries`` and ``events`` share each note's
    entry and each milestone's event between the files of one build that hold it twice."""
    entries = FeedEntries(portfolio)
    yield site_feed(portfolio, entries)
    for status in sorted(portfolio.projects, key=lambda p: p.project.id):
        if status.project.id not in kept:
            yield project_feed(portfolio, status, entries)
    events: dict[tuple[str, int], str] = {}
    yield site_calendar(portfolio, events)
    owned = owned_milestones(portfolio)
    for dept in portfolio.site.departments:  # every department, so a subscription never breaks
        yield department_calendar(portfolio, dept, owned.get(dept.id, []), events)


def _one_line(text: str) -> str:
    return " ".join(text.split())
