"""告诫提醒: the alert plan, a pure function of the computed portfolio and today.

One alert per department on the departments page's "falling behind" list. The plan is data
(Terraform's *plan*): :mod:`generator.sync` compares it with what a forge holds and an
adapter (:mod:`generator.adapters.github`, …) makes the fewest calls that reach it. Nothing
here talks to a network or reads the clock.

The contract between the plan and the sync:

- ``Alert.key`` is stable (``dept:<id>``) and is what an issue is found by, through the
  hidden marker at the end of its body (never by its title).
- ``Alert.items`` are the stable keys of what the department is behind on
  (``overdue:<project>/<milestone key>``, ``stale:<project>``, …), sorted; the marker
  carries them and their digest, so the next sync knows which items are new.
- ``Alert.labels`` names each item in the site's language, for the comment that tells
  people what newly fell behind.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from babel.dates import format_date
from babel.support import NullTranslations

from generator import forge, render
from generator.status import (
    Behind,
    MilestoneStatus,
    PortfolioStatus,
    ProjectStatus,
    falling_behind,
)

THEME = Path(__file__).resolve().parent.parent / "theme"
"""The theme whose catalog holds the alerts' words."""

MARKER_PREFIX = "<!-- progress-site:alert "
MARKER_SUFFIX = " -->"
_MARKER = re.compile(r"<!-- progress-site:alert (\{.*?\}) -->")
MAX_MARKER_ITEMS = 500
"""A marker lists at most this many item keys (an issue body is bounded by the forge)."""
MAX_MARKER_CHARS = 20_000
"""…and at most this many characters of them (the digest always covers every item)."""


@dataclass(frozen=True)
class Alert:
    """The issue one department should have open today."""

    key: str
    """``dept:<department id>``."""
    department: str
    """The department's id."""
    title: str
    """The issue's title, in the site's language."""
    body: str
    """The issue's body (Markdown), ending with :func:`marker`'s line."""
    items: tuple[str, ...]
    """Sorted stable keys of the items behind."""
    labels: dict[str, str] = field(default_factory=dict)
    """Item key → the item in words (for the comment naming new items)."""
    since: dt.date | None = None
    """The day the department went on the "falling behind" list."""
    contacts: tuple[str, ...] = ()
    """The department's handles, as written in site.yaml."""

    @property
    def digest(self) -> str:
        return items_digest(self.items)


@dataclass(frozen=True)
class Plan:
    """Every alert due as of ``as_of``, in the order of the departments in site.yaml."""

    as_of: dt.date
    language: str
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class Marker:
    """What an issue's hidden marker says: whose it is and what it listed."""

    key: str
    digest: str
    items: tuple[str, ...]


def items_digest(items: tuple[str, ...]) -> str:
    """A short digest of the sorted item keys: equal digests, equal items."""
    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:16]


def marker(key: str, items: tuple[str, ...]) -> str:
    """The hidden line at the end of an alert's body (an HTML comment: not shown).

    It lists the first items, up to :data:`MAX_MARKER_ITEMS` and :data:`MAX_MARKER_CHARS`
    (item keys hold titles, and Chinese is six characters a letter in JSON): the body it
    ends stays under the forge's limit however many items there are."""
    listed: list[str] = []
    size = 0
    for item in items[:MAX_MARKER_ITEMS]:
        size += len(_marker_json(item)) + 1
        if size > MAX_MARKER_CHARS:
            break
        listed.append(item)
    payload = {"key": key, "digest": items_digest(items), "items": listed}
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return MARKER_PREFIX + text.replace("--", "\\u002d\\u002d") + MARKER_SUFFIX


def _marker_json(text: str) -> str:
    return json.dumps(text, ensure_ascii=True).replace("--", "\\u002d\\u002d")


def parse_marker(body: str | None) -> Marker | None:
    """The marker in an issue's body, or ``None`` when it has none or it was tampered
    with (a body comes from the forge: it is untrusted, and bounded here)."""
    if not body:
        return None
    found = _MARKER.search(body[-200_000:])
    if not found:
        return None
    try:
        data = json.loads(found.group(1))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    key, digest, items = data.get("key"), data.get("digest"), data.get("items", [])
    if not (isinstance(key, str) and key.startswith("dept:") and len(key) <= 200):
        return None
    if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{16}", digest)):
        return None
    if not (isinstance(items, list) and all(isinstance(i, str) for i in items)):
        return None
    return Marker(key=key, digest=digest, items=tuple(items[:MAX_MARKER_ITEMS]))


# --- the plan -------------------------------------------------------------------------------

BODY_LIMIT = 65_536
"""GitHub's limit on an issue's body, in characters."""
BODY_BUDGET = 60_000
"""What a body is built to stay within: the limit, less a margin."""
TITLE_LIMIT = 256
"""GitHub's limit on an issue's title."""
TEXT_LIMIT = 200
"""Each piece of text from the files (a title, a name) shown in a body, at most, in
characters; a longer one is cut and ends with '…'."""
KEY_PREFIX = "dept:"


def plan(state: PortfolioStatus, today: dt.date, repository: forge.Repository | None) -> Plan:
    """One alert per department on the departments page's "falling behind" list
    (:func:`generator.status.falling_behind`), in the order of ``site.yaml``.

    ``state`` is the portfolio computed as of ``today``; ``repository`` (from
    :func:`generator.forge.resolve`, ``None`` when unknown) gives the bodies their links to
    edit a project's file and to file a progress report, and ``site.yaml``'s ``base_url``
    their links to the published site.

    Everything from the files that a body or a label shows is escaped for Markdown and
    HTML, and an ``@`` in it mentions no one: only the department's ``contacts`` are
    mentioned. ``labels`` are Markdown too, ready for a comment. Same state, same plan,
    byte for byte.
    """
    if today != state.today:
        raise ValueError(f"the state was computed as of {state.today}, not {today}")
    words = _Words(state.site.language)
    departments = {d.id: d for d in state.site.departments}
    alerts = []
    for dept_id, behind in falling_behind(state).items():
        department = departments.get(dept_id)
        name = department.name if department else dept_id
        contacts = tuple(department.contacts) if department else ()
        alerts.append(_alert(state, behind, name, contacts, repository, words))
    return Plan(as_of=today, language=state.site.language, alerts=tuple(alerts))


def overdue_key(project: ProjectStatus, milestone: MilestoneStatus) -> str:
    """``overdue:<project id>/<milestone id or title>``. A key that a milestone before it
    in the same file already has (two milestones of one title, neither with an ``id``)
    gets ``#2``, ``#3``… in the order of the file."""
    keys = [m.id or m.title for m in project.project.data.milestones]
    own = keys[milestone.index]
    seen = keys[: milestone.index].count(own)
    return f"overdue:{project.project.id}/{own}" + (f"#{seen + 1}" if seen else "")


def stale_key(project: ProjectStatus) -> str:
    """``stale:<project id>``."""
    return f"stale:{project.project.id}"


@dataclass(frozen=True)
class _Table:
    """A table of a body, its rows cut to the budget."""

    heading: str
    head: tuple[str, str]
    rows: list[str]


def _alert(
    state: PortfolioStatus,
    behind: Behind,
    name: str,
    contacts: tuple[str, ...],
    repository: forge.Repository | None,
    w: _Words,
) -> Alert:
    site = state.site
    limit = site.stale_after_days
    overdue = [(overdue_key(p, m), p, m) for p, m in behind.overdue]
    stale = [(stale_key(p), p) for p in behind.stale]
    labels = {key: w.overdue_label(p, m) for key, p, m in overdue}
    labels.update({key: w.stale_label(p) for key, p in stale})
    items = tuple(sorted(labels))
    key = KEY_PREFIX + behind.department
    title = w._("[Progress alert] %(summary)s", summary=w.summary(name, behind, limit))
    site_link = functools.partial(_site_url, site.base_url)

    since = (
        w._(
            "As of %(today)s; on the falling-behind list since %(date)s.",
            today=w.date(state.today),
            date=w.date(behind.since),
        )
        if behind.since
        else w._("As of %(today)s.", today=w.date(state.today))
    )
    if url := site_link("departments/index.html"):
        since += w.space + w._("[The departments page](%(url)s) lists them all.", url=url)
    head = ["**" + w.summary(escape(name), behind, limit) + "**", "", since]

    tables: list[_Table] = []
    if overdue:
        heading = w.ngettext(
            "%(num)d overdue milestone", "%(num)d overdue milestones", len(overdue)
        )
        columns = (w._("Project"), w._("Milestone"), w._("Due"), w._("Days overdue"))
        rows = [
            _row(
                _project_cell(p, site_link),
                escape(m.milestone.title),
                m.milestone.due.isoformat(),
                str(m.days),
                escape(p.project.data.sponsor) or "—",
            )
            for _key, p, m in overdue
        ]
        tables.append(_Table(heading, _table_head(*columns, w._("Leader in charge")), rows))
    if stale:
        names = (w._("Project"), w._("Latest report"), w._("Days since"))
        rows = [
            _row(
                _project_cell(p, site_link),
                p.last_note.isoformat() if p.last_note else w._("never"),
                "—" if p.days_since_note is None else str(p.days_since_note),
                escape(p.project.data.sponsor) or "—",
            )
            for _key, p in stale
        ]
        heading = w.stale_count(len(stale), limit)
        tables.append(_Table(heading, _table_head(*names, w._("Leader in charge")), rows))

    answer = ["### " + w._("Who answers for it"), ""]
    if contacts:
        answer.append(w._("%(contacts)s: please see to the above.", contacts=" ".join(contacts)))
    else:
        answer.append(w.no_contacts(name, repository))
    todo = ["### " + w._("What to do"), "", *w.todo(repository), "", "### " + w._("The projects")]
    projects = {p.project.id: p for _k, p, _m in overdue} | {p.project.id: p for _k, p in stale}
    links = [w.project_links(p, repository) for p in projects.values()]
    end = marker(key, items)

    # Every table and list is cut to what fits: the first rows, then how many more.
    more = w.more(site_link(f"departments/{behind.department}/index.html"))
    fixed = [*head, *answer, *todo, end] + [f"### {t.heading}" for t in tables]
    fixed += [line for t in tables for line in t.head]
    budget = BODY_BUDGET - sum(len(line) + 2 for line in fixed) - 300 * (len(tables) + 1)
    parts = head
    for table in tables:
        parts += ["", "### " + table.heading, "", *table.head]
        budget = _fill(parts, table.rows, budget, more)
    parts += ["", *answer, "", *todo, ""]
    _fill(parts, links, budget, more)
    parts += ["", end]
    return Alert(
        key=key,
        department=behind.department,
        title=_bounded(_one_line(title), TITLE_LIMIT),
        body="\n".join(parts) + "\n",
        items=items,
        labels=labels,
        since=behind.since,
        contacts=contacts,
    )


def _fill(parts: list[str], rows: list[str], budget: int, more: Callable[[int], str]) -> int:
    """Append the rows that fit in ``budget`` characters, then how many did not; the
    budget that is left."""
    for count, row in enumerate(rows):
        if len(row) + 1 > budget:
            parts += ["", more(len(rows) - count)]  # a blank line ends a table
            return budget
        parts.append(row)
        budget -= len(row) + 1
    return budget


def _table_head(*columns: str) -> tuple[str, str]:
    """The columns' names, then the rule: the next to last column (days) a number."""
    rule = ["---"] * len(columns)
    rule[-2] = "---:"
    return (_row(*columns), _row(*rule))


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _project_cell(project: ProjectStatus, site_link: Callable[[str], str | None]) -> str:
    title = escape(project.project.data.title)
    url = site_link(f"projects/{project.project.id}/index.html")
    return f"[{title}]({url})" if url else title


def _site_url(base_url: str | None, path: str) -> str | None:
    """A page of the published site, when ``site.yaml`` says where it is."""
    return _safe_url(base_url + path) if base_url else None


def _safe_url(url: str) -> str:
    """A URL that a Markdown link's destination holds as it is: no space, bracket or
    angle bracket (percent-encoded)."""
    return url.translate(_URL_ESCAPES)


_URL_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in " ()<>[]\"'`\\"})


# --- text from the files, made safe for an issue ----------------------------------------


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MARKDOWN_ESCAPES = str.maketrans(
    {
        **{c: "\\" + c for c in "\\`*_[]()+-!|~{}"},
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "#": "\\#&#8203;",  # no issue reference (#12, owner/name#12) either
        "@": "@&#8203;",  # a zero-width space: no mention, no e-mail link
    }
)
"""Renovate breaks mentions and issue references in the text it quotes the same way."""
_LEADING_NUMBER = re.compile(r"^(\d+)\.")


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def escape(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` from a file as Markdown that shows it as written, on one line and at most
    ``limit`` characters: Markdown's and HTML's characters escaped (a ``|`` does not split
    a table's cell, ``<b>`` is text), and no ``@`` mentions anyone (nor does ``#12`` refer
    to an issue), by a zero-width space after it."""
    plain = _bounded(_one_line(text), limit)
    return _LEADING_NUMBER.sub(r"\1\\.", plain.translate(_MARKDOWN_ESCAPES))


def unescape(markdown: str) -> str:
    """What :func:`escape` made, as the text it shows (for a terminal)."""
    text = markdown.replace("&#8203;", "")
    text = re.sub(r"\\([\\`*_\[\]()+\-!|~{}#.])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- the words of an alert -------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _translations(language: str) -> NullTranslations:
    return render.translations(THEME, language)


class _Words:
    """An alert's words, from the theme's catalog (the departments page says the same)."""

    def __init__(self, language: str) -> None:
        catalog = _translations(language)
        self._gettext = catalog.gettext
        self._ngettext = catalog.ngettext
        self.locale = language.replace("-", "_")
        self.space = "" if language == "zh-CN" else " "
        """Between two sentences (Chinese puts none after its full stop)."""

    def _(self, message: str, **variables: object) -> str:
        return self._gettext(message) % variables if variables else self._gettext(message)

    def ngettext(self, singular: str, plural: str, num: int, **variables: object) -> str:
        return self._ngettext(singular, plural, num) % {"num": num, **variables}

    def date(self, day: dt.date | None) -> str:
        return format_date(day, format="long", locale=self.locale) if day else ""

    def stale_count(self, stale: int, stale_after_days: int) -> str:
        period = self.ngettext("%(num)d day", "%(num)d days", stale_after_days)
        return self.ngettext(
            "%(num)d project without a report for over %(period)s",
            "%(num)d projects without a report for over %(period)s",
            stale,
            period=period,
        )

    def summary(self, department: str, behind: Behind, stale_after_days: int) -> str:
        """The department on the "falling behind" list, as the departments page says it
        (``behind_line`` in the theme's ``macros.html``)."""
        overdue = self.ngettext(
            "%(num)d milestone overdue", "%(num)d milestones overdue", len(behind.overdue)
        )
        stale = self.stale_count(len(behind.stale), stale_after_days)
        if behind.overdue and behind.stale:
            return self._(
                "%(department)s: %(first)s, %(second)s",
                department=department,
                first=overdue,
                second=stale,
            )
        return self._(
            "%(department)s: %(summary)s",
            department=department,
            summary=overdue if behind.overdue else stale,
        )

    def overdue_label(self, project: ProjectStatus, milestone: MilestoneStatus) -> str:
        return self._(
            "%(project)s — %(milestone)s: due %(due)s, %(days)s",
            project=escape(project.project.data.title),
            milestone=escape(milestone.milestone.title),
            due=milestone.milestone.due.isoformat(),
            days=self.ngettext("%(num)d day overdue", "%(num)d days overdue", milestone.days),
        )

    def stale_label(self, project: ProjectStatus) -> str:
        title = escape(project.project.data.title)
        if project.last_note is None or project.days_since_note is None:
            return self._("%(project)s: no report yet", project=title)
        return self._(
            "%(project)s: last report %(date)s, %(ago)s",
            project=title,
            date=project.last_note.isoformat(),
            ago=self.ngettext("%(num)d day ago", "%(num)d days ago", project.days_since_note),
        )

    def project_links(self, project: ProjectStatus, repository: forge.Repository | None) -> str:
        data = project.project.data
        path = forge.project_path(project.project.id)
        line = f"- {escape(data.title)} (`{path}`)"
        if repository is None:
            return line
        form = repository.new_issue_url({"project": f"{data.title} ({project.project.id})"})
        report = self._("[report progress](%(url)s)", url=_safe_url(form))
        edit = self._("[edit the file](%(url)s)", url=_safe_url(repository.edit_url(path)))
        return f"{line}: {report} · {edit}"

    def no_contacts(self, name: str, repository: forge.Repository | None) -> str:
        text = self._(
            "site.yaml lists no contacts for %(department)s, so this alert notifies no one. "
            "Add the GitHub accounts or teams that answer for it under the department in "
            'site.yaml, for example `contacts: ["@zhang-wei", "@my-org/office"]`.',
            department=escape(name),
        )
        if repository is not None:
            url = _safe_url(repository.edit_url("site.yaml"))
            text += self.space + self._("[Edit site.yaml](%(url)s).", url=url)
        return text

    def todo(self, repository: forge.Repository | None) -> list[str]:
        report = (
            self._(
                "**Report progress**: file a progress report with the link below, or add a "
                "dated note under `notes:` in the project's file."
            )
            if repository is not None
            else self._(
                "**Report progress**: add a dated note under `notes:` in the project's file."
            )
        )
        return [
            "- " + report,
            "- "
            + self._(
                "**A milestone is done**: write the day it was done as its `done:` date in "
                "the project's file."
            ),
            "- "
            + self._(
                "**A milestone cannot be met**: change its `due:` date and add a note with "
                "`kind: decision` that says why; the site keeps the change as a re-plan "
                "against its baseline."
            ),
            "",
            self._(
                "This issue closes by itself at the next daily run once nothing here is "
                "overdue or without a recent report."
            ),
        ]

    def more(self, department_page: str | None) -> Callable[[int], str]:
        def line(count: int) -> str:
            text = self.ngettext("… and %(num)d more", "… and %(num)d more", count)
            if department_page:
                page = self._("([all on the department's page](%(url)s))", url=department_page)
                text += self.space + page
            return text

        return line


# --- the plan, shown -------------------------------------------------------------------------

_WORDS: dict[str, tuple[str, str]] = {
    "head": (
        "Alert plan as of {today}: {n} departments falling behind",
        "督办提醒计划（截至 {today}）：{n} 个部门需要提醒",
    ),
    "head_one": (
        "Alert plan as of {today}: 1 department falling behind",
        "督办提醒计划（截至 {today}）：1 个部门需要提醒",
    ),
    "none": ("No department is falling behind: no alert.", "没有落后的部门，无需提醒。"),
    "since": ("on the list since {date}", "自 {date} 起列入落后提醒"),
    "contacts": ("contacts: {contacts}", "联系人：{contacts}"),
    "no_contacts": ("no contacts in site.yaml", "site.yaml 未登记联系人"),
}


def _word(key: str, language: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if language == "zh-CN" else en).format(**args)


def _head(found: Plan) -> str:
    key = "head_one" if len(found.alerts) == 1 else "head"
    return _word(key, found.language, today=found.as_of.isoformat(), n=len(found.alerts))


def plan_json(found: Plan) -> str:
    """The whole plan for programs: keys sorted, dates as YYYY-MM-DD."""
    data = {
        "as_of": found.as_of.isoformat(),
        "language": found.language,
        "alerts": [
            {
                "key": a.key,
                "department": a.department,
                "title": a.title,
                "body": a.body,
                "items": list(a.items),
                "labels": a.labels,
                "digest": a.digest,
                "since": a.since.isoformat() if a.since else None,
                "contacts": list(a.contacts),
            }
            for a in found.alerts
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def plan_text(found: Plan) -> str:
    """The plan for people at a terminal: each alert's key and title, then what it lists."""
    lang = found.language
    lines = [_head(found)]
    if not found.alerts:
        lines.append(_word("none", lang))
    for alert in found.alerts:
        about = [_word("since", lang, date=alert.since.isoformat())] if alert.since else []
        about.append(
            _word("contacts", lang, contacts=" ".join(alert.contacts))
            if alert.contacts
            else _word("no_contacts", lang)
        )
        lines += ["", f"{alert.key}  {alert.title}", "  " + " · ".join(about)]
        lines += [f"  - {unescape(alert.labels.get(item, item))}" for item in alert.items]
    return "\n".join(lines) + "\n"


def plan_markdown(found: Plan) -> str:
    """The plan for a job summary: a heading, then each alert's body under its title,
    folded (``<details>``)."""
    lang = found.language
    parts = [f"## {_head(found)}", ""]
    if not found.alerts:
        parts += [_word("none", lang), ""]
    for alert in found.alerts:
        title = alert.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts += [f"<details><summary>{title}</summary>", "", alert.body, "</details>", ""]
    return "\n".join(parts)


FORMATS: dict[str, Callable[[Plan], str]] = {
    "text": plan_text,
    "json": plan_json,
    "markdown": plan_markdown,
}
