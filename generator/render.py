"""Stage 5, render: page contexts → bytes, through the theme's Jinja2 templates.

One place builds the Jinja environment (autoescape on, ``StrictUndefined``, the i18n
extension fed by the theme's gettext catalog). Markdown from project files is
rendered once per distinct text and sanitised with nh3 against an allow-list.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import markdown
import nh3
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import Markup

from generator.context import Page

# --- Markdown, sanitised ----------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
"""Links may only use these schemes, or be relative. No images: a report that needs one
links to it, so no reader's browser fetches anything from outside the site."""

_HEADING = re.compile(r"<(/?)h([12])>")
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


@functools.lru_cache(maxsize=65536)
def markdown_to_html(text: str) -> Markup:
    """Markdown → safe HTML. Headings are shifted to h3+, below the page's own."""
    html = markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", html)
    return Markup(_CLEANER.clean(html))


# --- the theme's words and dates ---------------------------------------------------------


def translations(theme: Path, language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    po_path = theme / "locale" / language.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language.replace("-", "_"))
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def _long_date(value: dt.date, language: str) -> str:
    return format_date(value, format="long", locale=language.replace("-", "_"))


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# --- the environment ---------------------------------------------------------------------


def environment(theme: Path, language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(theme, language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["markdown"] = markdown_to_html
    env.filters["long_date"] = functools.partial(_long_date, language=language)
    env.filters["percent"] = _percent
    env.filters["number"] = _number
    env.globals["language"] = language
    return env


def render_pages(pages: list[Page], theme: Path, language: str) -> Iterator[tuple[str, bytes]]:
    env = environment(theme, language)
    templates: dict[str, jinja2.Template] = {}
    for page in pages:
        template = templates.get(page.template) or env.get_template(page.template)
        templates[page.template] = template
        yield page.path, template.render(**page.context).encode("utf-8")


def render_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def static_files(theme: Path) -> Iterator[tuple[str, bytes]]:
    static = theme / "static"
    for path in sorted(static.rglob("*")):
        if path.is_file():
            yield "static/" + path.relative_to(static).as_posix(), path.read_bytes()
