"""The site's words outside the templates: the theme's gettext catalog, read from Python.

The templates translate their own words through the Jinja environment
(:func:`generator.render.environment`); the views that serialise files themselves (the
ledger's workbook, the feeds and calendars) and the page contexts' link previews
(:mod:`generator.meta`) take theirs from here, from the default theme's catalog, so a
phrase reads the same on a page, in a spreadsheet and in a chat's preview of a link.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from generator.pace import Verdict
from generator.status import Health, State

THEME = Path(__file__).resolve().parent.parent / "theme"
"""The default theme, whose gettext catalog translates the words of non-HTML outputs."""


def translations(theme: Path, language: str) -> NullTranslations:
    """``theme``'s catalog for ``language``, read from its ``messages.po`` (no ``.mo``)."""
    if language == "en":
        return NullTranslations()
    po_path = theme / "locale" / language.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language.replace("-", "_"))
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@functools.lru_cache(maxsize=8)
def translator(language: str) -> NullTranslations:
    """The default theme's catalog for ``language`` (English msgids pass through)."""
    return translations(THEME, language)


@functools.lru_cache(maxsize=64)
def state_label(language: str, state: State) -> str:
    _ = translator(language).gettext
    labels = {
        "done": _("Done"),
        "done-late": _("Done late"),
        "overdue": _("Overdue"),
        "due-soon": _("Due soon"),
        "upcoming": _("Upcoming"),
    }
    return labels[state]


@functools.lru_cache(maxsize=64)
def health_label(language: str, health: Health) -> str:
    """The theme's ``health_label`` macro in Python."""
    _ = translator(language).gettext
    labels = {
        "red": _("Overdue"),
        "amber": _("No recent report"),
        "green": _("On track"),
        "paused": _("Paused"),
        "done": _("Completed"),
        "cancelled": _("Cancelled"),
    }
    return labels[health]


@functools.lru_cache(maxsize=64)
def verdict_label(language: str, verdict: Verdict) -> str:
    """A pace verdict in words: the theme's ``pace_label`` macro's."""
    _ = translator(language).gettext
    labels = {
        "behind-pace": _("Behind pace"),
        "on-pace": _("On pace"),
        "reached": _("Target reached"),
        "no-data": _("No pace verdict"),
    }
    return labels[verdict]


@functools.lru_cache(maxsize=8)
def direction_label(language: str, direction: str) -> str:
    _ = translator(language).gettext
    return _("Up") if direction == "up" else _("Down")


@functools.lru_cache(maxsize=4096)
def days_text(language: str, state: State, days: int) -> str:
    """Days late or left, in words: the same phrases as the theme's ``days_text`` macro.
    Kept per (language, state, days), as :func:`state_label`: the calendars and the ledger
    ask for the same few hundred phrases thousands of times."""
    t = translator(language)
    if state == "done":
        return t.gettext("on time")
    if state == "done-late":
        return t.ngettext("%(num)d day late", "%(num)d days late", days) % {"num": days}
    if state == "overdue":
        return t.ngettext("%(num)d day overdue", "%(num)d days overdue", days) % {"num": days}
    if days == 0:
        return t.gettext("due today")
    if days < 0:
        late = -days
        return t.ngettext("%(num)d day past due", "%(num)d days past due", late) % {"num": late}
    return t.ngettext("%(num)d day left", "%(num)d days left", days) % {"num": days}


def slip_text(language: str, days: int) -> str:
    """A slip in words: "+3 days", "-2 days", or "–" without one (the theme's ``slip`` macro)."""
    t = translator(language)
    if days > 0:
        return t.ngettext("+%(num)d day", "+%(num)d days", days) % {"num": days}
    if days < 0:
        return t.ngettext("-%(num)d day", "-%(num)d days", -days) % {"num": -days}
    return "–"
