"""Stage 5, render: page contexts → bytes, through the theme's Jinja2 templates.

One place builds the Jinja environment (autoescape on, ``StrictUndefined``, the i18n
extension fed by the theme's gettext catalog). Markdown from project files is
rendered once per distinct text and sanitised with nh3 against an allow-list.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
import html
import io
import itertools
import json
import re
import shutil
import string
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cmarkgfm
import jinja2
import markupsafe
import nh3
from babel.dates import format_date
from babel.support import NullTranslations
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup

from generator.context import Page
from generator.words import translations

Output = tuple[str, bytes]

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


_CMARK_RAW = cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE
_GFM_EXTENSIONS = ["table", "autolink", "strikethrough"]
"""GitHub's dialect without its tag filter: nh3 removes <script> and what it holds."""
_PLAIN = re.compile(r"^[^\n\\`*_\[\]<>#!|~&:.=+\-\d]*$")
"""One line without a character Markdown could act on: a paragraph of text, escaped."""


MARKDOWN_CACHE_SIZE = 1 << 20
"""Distinct texts kept: every note of a 3,000-project portfolio (~100 each) and its summaries.
A note shows on its project's page and its week's, so a build must not evict one it needs."""


_rendered: dict[str, Markup] = {}


def markdown_to_html(text: str) -> Markup:
    """:func:`convert_markdown`, once per distinct text. A note shows on its project's page,
    its week's page and its project's feed, which different workers render: the build
    converts every text while the files are loaded (:func:`remember_markdown`), and every
    worker forked afterwards inherits the HTML instead of converting the note again."""
    found = _rendered.get(text)
    if found is None:
        if len(_rendered) >= MARKDOWN_CACHE_SIZE:
            _rendered.clear()
        found = _rendered[text] = convert_markdown(text)
    return found


def remember_markdown(converted: dict[str, str]) -> None:
    """HTML converted elsewhere (by the worker that loaded the file, or by an earlier
    build) by :func:`convert_markdown`."""
    _rendered.update(
        (text, html if isinstance(html, Markup) else Markup(html))
        for text, html in converted.items()
    )


def convert_markdown(text: str) -> Markup:
    """Markdown (GitHub's dialect, by cmark-gfm) → safe HTML.

    Raw HTML passes through cmark (its safe mode would drop a whole paragraph that starts
    with a tag, losing the author's words) and nh3's allow-list then removes every tag,
    attribute and link scheme not listed above: nh3 is the one security boundary.
    Headings are shifted to h3+, below the page's own.
    A one-line text with no Markdown characters needs no engine at all.
    """
    if _PLAIN.match(text):
        return Markup("<p>" + html.escape(text, quote=False) + "</p>\n")
    marked = _cjk_emphasis(text)
    rendered = cmarkgfm.markdown_to_html_with_extensions(
        marked, options=_CMARK_RAW, extensions=_GFM_EXTENSIONS
    )
    if marked is not text:
        rendered = rendered.replace(_MARK, "").replace(_MARK_IN_URL, "")
    rendered = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", rendered)
    return Markup(_CLEANER.clean(rendered))


_MARK = "\ue000"
"""A private-use character, which no report holds, set beside a run of ``*`` by
:func:`_cjk_emphasis` and removed from the HTML."""
_MARK_IN_URL = "%EE%80%80"
""":data:`_MARK` as cmark writes it in a link's address."""
_STARS = re.compile(r"\*+")


def _cjk_emphasis(text: str) -> str:
    """``text`` with a :data:`_MARK` between a run of ``*`` and the punctuation beside it
    when a CJK letter is on the run's other side: ``完成**“双一流”**建设``.

    CommonMark was written for languages with spaces between words: a run with punctuation
    on one side and a letter on the other may not open (``成**“``) or close (``”**建``), so
    GitHub shows the stars. With the mark in between, the punctuation is no longer beside
    the run and the bold is what the author meant; everything else cmark does (links,
    strikethrough, tables) is unchanged. English text (a letter beside the run is ASCII)
    keeps CommonMark's rules, and so does ``_`` (never emphasis inside a word); so does a
    run with no other run on the side it would pair with. Returns ``text`` itself when
    nothing is marked.
    """
    if "*" not in text or _MARK in text or _MARK_IN_URL in text:
        return text
    pieces: list[str] = []
    done = 0
    runs = [run.span() for run in _STARS.finditer(text)]
    for number, (start, end) in enumerate(runs):
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before == "\\":  # an escaped star, not a run
            continue
        # Only a run that has another to pair with: a stray star keeps CommonMark's reading.
        if _cjk_letter(before) and _punctuation(after) and number + 1 < len(runs):
            pieces += [text[done:end], _MARK]  # it may now open
            done = end
        elif _punctuation(before) and _cjk_letter(after) and number > 0:
            pieces += [text[done:start], _MARK]  # it may now close
            done = start
    if not pieces:
        return text
    return "".join(pieces) + text[done:]


def _punctuation(char: str) -> bool:
    """Punctuation as CommonMark's flanking rules count it (ASCII's, and Unicode's P*)."""
    return bool(char) and (char in string.punctuation or unicodedata.category(char)[0] == "P")


def _cjk_letter(char: str) -> bool:
    """A character beyond ASCII that is neither a space nor punctuation: 中, か, 한…"""
    return char > "\x7f" and not char.isspace() and not _punctuation(char)


# --- the theme's words and dates ---------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _long_date(value: dt.date, language: str) -> str:
    return format_date(value, format="long", locale=language.replace("-", "_"))


def _isoformat(value: dt.date) -> str:
    """A date as YYYY-MM-DD: a filter, which Jinja calls directly, unlike a method."""
    return value.isoformat()


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# --- the environment ---------------------------------------------------------------------


def _gettext_callables(
    catalog: NullTranslations,
) -> tuple[Callable[..., str], Callable[..., str]]:
    """Jinja's new-style ``_``/``gettext`` and ``ngettext``, their results the same, faster.

    Jinja's own go through three context calls per message; these call the catalog directly
    and keep each message without variables once formatted, for the whole build.
    As in Jinja, the message is Markup when autoescaping and always a %-format string.
    """
    formatted: dict[str, str] = {}
    plurals: dict[tuple[str, str, int], str] = {}

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, string: str, /, **variables: Any) -> str:
        autoescape = context.eval_ctx.autoescape
        if not variables and autoescape:
            found = formatted.get(string)
            if found is None:
                found = formatted[string] = Markup(catalog.gettext(string)) % variables
            return found
        message = catalog.gettext(string)
        return (Markup(message) if autoescape else message) % variables

    @jinja2.pass_context
    def ngettext(
        context: jinja2.runtime.Context,
        singular: str,
        plural: str,
        num: int,
        /,
        **variables: Any,
    ) -> str:
        autoescape = context.eval_ctx.autoescape
        if not variables and autoescape:
            key = (singular, plural, num)
            found = plurals.get(key)
            if found is None:
                found = Markup(catalog.ngettext(singular, plural, num)) % {"num": num}
                plurals[key] = found
            return found
        variables.setdefault("num", num)
        message = catalog.ngettext(singular, plural, num)
        return (Markup(message) if autoescape else message) % variables

    return gettext, ngettext


def _escape_str(text: str) -> str:
    return str(markupsafe.escape(text))


_escape_inner: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _escape_str)
"""The C function that does ``markupsafe.escape``'s work (``markupsafe._speedups``); in a
MarkupSafe without it, ``escape`` itself (slower, the same characters)."""


def escape_text(value: Any) -> str:
    """What ``markupsafe.escape(value)`` gives, as a plain ``str``.

    Jinja escapes every ``{{ value }}`` of a template with ``markupsafe.escape``, which
    (since MarkupSafe 3) wraps each result in a new :class:`Markup` through Python code:
    a third of the time of a page of a thousand rows. The text is only joined into the
    page, so the wrapper is not needed; the escaping itself is MarkupSafe's own (its C
    function), so every character comes out the same.
    """
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return _escape_inner(str(value))


class _CodeGenerator(CodeGenerator):
    """Jinja's compiler, but for one thing: an output ``{{ value }}`` of an autoescaped
    template is escaped by :func:`escape_text` (see there)."""

    def _output_child_pre(
        self, node: jinja2.nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        if not frame.eval_ctx.autoescape or frame.eval_ctx.volatile:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_text(")
        if finalize.src is not None:
            self.write(finalize.src)


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    escape_text = staticmethod(escape_text)


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """The theme's templates as compiled Python, kept between builds (a tenth of a second
    or more a build, every build, compiling them). Jinja names each by its template and
    checks it against the template's text; the folder is named by this file and Jinja's
    version (:func:`compiled_templates`), which decide how a template compiles. A file that
    cannot be read is compiled afresh, one that cannot be written is not kept."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates(theme: Path) -> jinja2.BytecodeCache | None:
    """Where the theme's compiled templates are kept: beside them, in the theme's
    ``__pycache__/`` (git-ignored, left out of the theme's digest), as Python keeps its
    compiled modules beside the modules. Never under ``.cache/``: CI restores that folder,
    and nothing read from it may run (:mod:`generator.cache`); compiled templates do.
    Those of another version of this file or of Jinja are removed. None when the folder
    cannot be made (a theme on a read-only disk): every build compiles them."""
    digest = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=10)
    digest.update(jinja2.__version__.encode())
    folder = theme / "__pycache__" / "templates"
    here = folder / digest.hexdigest()
    try:
        here.mkdir(parents=True, exist_ok=True)
        for other in folder.iterdir():
            if other != here:
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        return None
    return _CompiledTemplates(str(here), "%s")


def environment(
    theme: Path, language: str, compiled: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    """``compiled``: where compiled templates are kept between builds (none: compile all)."""
    env = _Environment(
        bytecode_cache=compiled,
        loader=jinja2.FileSystemLoader(theme / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    catalog = translations(theme, language)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    gettext, ngettext = _gettext_callables(catalog)
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.filters["markdown"] = markdown_to_html
    env.filters["long_date"] = functools.partial(_long_date, language=language)
    env.filters["isoformat"] = _isoformat
    env.filters["percent"] = _percent
    env.filters["number"] = _number
    env.globals["language"] = language
    return env


class ThemeError(Exception):
    """A template that does not compile or fails while rendering a page."""

    def __init__(self, file: str, line: int, message: str, page: str) -> None:
        super().__init__(f"{file}:{line}: {message} (while rendering {page})")
        self.file, self.line, self.message, self.page = file, line, message, page

    def __reduce__(self) -> tuple[type[ThemeError], tuple[str, int, str, str]]:
        return ThemeError, (self.file, self.line, self.message, self.page)  # from a worker


def page_jobs(
    pages: list[Page], theme: Path, language: str, compiled: jinja2.BytecodeCache | None = None
) -> list[Callable[[], list[tuple[str, Iterator[bytes]]]]]:
    """One job per page, for the write stage; the templates are compiled here, once."""
    renderer = PageRenderer(theme, language, compiled)
    renderer.compile({page.template for page in pages})
    return [functools.partial(renderer.stream, page) for page in pages]


class PageRenderer:
    """The theme's environment and compiled templates, shared by every page of a build."""

    def __init__(
        self, theme: Path, language: str, compiled: jinja2.BytecodeCache | None = None
    ) -> None:
        self.theme = theme
        self.env = environment(theme, language, compiled)
        self.templates: dict[str, jinja2.Template] = {}

    def compile(self, names: set[str]) -> None:
        for name in sorted(names):
            self._template(name, name)

    def render(self, page: Page) -> list[tuple[str, bytes]]:
        """The page, whole."""
        return [(page.path, b"".join(self._chunks(page)))]

    def stream(self, page: Page) -> list[tuple[str, Iterator[bytes]]]:
        """The page as it is rendered, a few thousand pieces at a time: a page of a
        thousand projects (the ledger, a week) is written without ever being held whole."""
        return [(page.path, self._chunks(page))]

    def _chunks(self, page: Page) -> Iterator[bytes]:
        template = self._template(page.template, page.path)
        try:
            pieces = template.generate(**page.context)
            while chunk := list(itertools.islice(pieces, _PIECES_PER_CHUNK)):
                yield "".join(chunk).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:  # an imported template, compiled on first use
            where = exc.filename or page.template
            raise ThemeError(where, exc.lineno, exc.message or str(exc), page.path) from exc
        except Exception as exc:
            where, line = _template_frame(exc, self.theme, page.template)
            raise ThemeError(where, line, f"{type(exc).__name__}: {exc}", page.path) from exc

    def _template(self, name: str, page: str) -> jinja2.Template:
        template = self.templates.get(name)
        if template is None:
            try:
                template = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                where = exc.filename or name
                raise ThemeError(where, exc.lineno, exc.message or str(exc), page) from exc
            except Exception as exc:
                where, line = _template_frame(exc, self.theme, name)
                raise ThemeError(where, line, f"{type(exc).__name__}: {exc}", page) from exc
            self.templates[name] = template
        return template


_PIECES_PER_CHUNK = 8192


def _template_frame(exc: BaseException, theme: Path, fallback: str) -> tuple[str, int]:
    """The innermost template file and line in a rendering error's traceback."""
    found = (str(theme / "templates" / fallback), 0)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


_JSON = json.JSONEncoder(ensure_ascii=False)
"""Without ``indent``, so that :meth:`json.JSONEncoder.encode` runs the C encoder."""


def render_json(data: dict[str, Any]) -> bytes:
    """``data`` as JSON, laid out one record a line.

    Any ``indent`` makes the standard library fall back on its pure-Python encoder: with
    ``indent=1`` (every value on a line of its own) 250 projects took 0.3 s (1.2 s under
    cProfile) for 21 MB. Here each record (a department, a milestone, an indicator's value,
    a note), and any object or list that holds no list of objects, is one line written by
    the C encoder; only the objects and lists above the records are laid out here, a member
    a line, indented one space a level. That takes 0.18 s for 19 MB, and a diff of two
    builds still shows a changed milestone or note as one changed line (one project a line
    would be faster still, 0.09 s, but would show a new note as a changed line of 80 kB).
    The value parsed back is the same as with ``json.dumps``; so are the bytes of a record.
    """
    return b"".join(json_chunks(data))


def json_chunks(data: dict[str, Any]) -> Iterator[bytes]:
    """:func:`render_json`'s bytes, a few thousand pieces at a time. A lazy value in
    ``data`` (an iterator, such as ``data.json``'s projects made one at a time) is laid out
    as a list and never held whole: a large portfolio's file is written as it is made.
    (It cannot be looked into first, so the object holding it is laid out even when the
    iterator turns out empty.)"""
    pieces: list[str] = []
    for _ in _json_lines(data, "\n", pieces):
        yield "".join(pieces).encode("utf-8")
        pieces.clear()
    pieces.append("\n")
    yield "".join(pieces).encode("utf-8")


class JsonText(str):
    """A value already laid out as :func:`json_chunks` lays it out ``depth`` levels down
    (:func:`json_text`): put at that depth, it is written as it is."""

    depth: int

    @classmethod
    def at(cls, text: str, depth: int) -> JsonText:
        laid_out = cls(text)
        laid_out.depth = depth
        return laid_out


def json_text(value: Any, depth: int) -> JsonText:
    """``value`` laid out as :func:`json_chunks` lays out a value ``depth`` levels down."""
    pieces: list[str] = []
    for _ in _json_lines(value, "\n" + " " * depth, pieces):
        pass
    return JsonText.at("".join(pieces), depth)


def _json_lines(value: Any, newline: str, pieces: list[str]) -> Iterator[None]:
    """Append ``value`` as JSON to ``pieces`` (``newline`` starts a line at its depth);
    yields whenever enough pieces have gathered to be written out."""
    if isinstance(value, JsonText):
        if value.depth != len(newline) - 1:
            raise ValueError(f"JSON laid out for depth {value.depth}, put at {len(newline) - 1}")
        pieces.append(value)
        yield None  # a whole project's part: written out before the next is made or read
    elif isinstance(value, dict) and _laid_out(value):
        inner = newline + " "
        pieces.append("{")
        for n, (key, item) in enumerate(value.items()):
            pieces.append((inner if n == 0 else "," + inner) + _JSON.encode(key) + ": ")
            yield from _json_lines(item, inner, pieces)
        pieces.append(newline + "}")
    elif isinstance(value, Iterator) or (isinstance(value, list) and _laid_out(value)):
        inner = newline + " "
        pieces.append("[")
        empty = True
        for n, item in enumerate(value):
            pieces.append(inner if n == 0 else "," + inner)
            yield from _json_lines(item, inner, pieces)
            empty = False
            if len(pieces) >= 4096:
                yield None
        pieces.append("]" if empty else newline + "]")
    else:
        pieces.append(_JSON.encode(value))


def _laid_out(value: dict[str, Any] | list[Any]) -> bool:
    """Laid out by hand: a list that holds an object or a list, or an object that holds
    such a list (at any depth), or a lazy value. Anything else is one record, on one line."""
    values = value if isinstance(value, list) else value.values()
    if _SCALARS.issuperset(map(type, values)):  # the common case, checked in C
        return False
    if isinstance(value, list):
        return any(isinstance(v, (dict, list)) for v in value)
    return any(
        isinstance(v, Iterator) or (isinstance(v, (dict, list)) and _laid_out(v))
        for v in value.values()
    )


_SCALARS = frozenset((str, int, float, bool, type(None)))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str | int | float) -> str | int | float:
    """A cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def render_csv(header: tuple[str, ...], rows: list[tuple[str | int | float, ...]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def static_files(theme: Path) -> Iterator[tuple[str, bytes]]:
    static = theme / "static"
    for path in sorted(static.rglob("*")):
        if path.is_file():
            yield "static/" + path.relative_to(static).as_posix(), path.read_bytes()
