"""Stage 1, load: bytes on disk → plain Python values with their source positions.

We drive libyaml's event parser (PyYAML's C binding) and compose the values
ourselves, because PyYAML's own constructors hide or lose what our users need:

* every scalar stays the text the author wrote (``no`` stays "no", ``12:30`` stays
  "12:30", ``2026-02-30`` stays a string the validator can locate and explain);
  only an empty value, ``~`` or ``null`` becomes ``None``;
* duplicate keys, anchors/aliases and tags are refused, with their positions;
* nesting depth, file size and line length are bounded before any work is done.

Positions are kept in a :class:`Positions` table keyed by the path of each value,
the same path pydantic reports as an error's ``loc``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.diagnostics import Diagnostic, make

if not yaml.__with_libyaml__:  # pragma: no cover - depends on the installed wheel
    raise ImportError(
        "PyYAML was installed without libyaml; reinstall it from a wheel "
        "(pip install --force-reinstall pyyaml) so files load at full speed"
    )

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_LINE_CHARS = 20_000
MAX_DEPTH = 16

Path = tuple[str | int, ...]
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_ALLOWED_TAGS = frozenset(
    (
        None,
        "!",
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
    )
)


@dataclass
class Positions:
    """1-based (line, column) of every value and every mapping key, by path."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    quoted: set[Path] = field(default_factory=set)
    """The values written in quotes: their text starts one column after their position."""
    ends: dict[Path, tuple[int, int]] = field(default_factory=dict)
    """Where each value ends (just after its last character; a block scalar's end is after
    its trailing blank lines, as libyaml marks it), and, under the path ``(*path, "\0key")``,
    where each key ends. Kept only when :func:`load_bytes` is asked to (``ends=True``): an
    edit of the file's text needs them, validation does not."""

    def of_value(self, path: Path) -> tuple[int, int]:
        """Where the value at ``path`` is; the nearest enclosing value if it is absent."""
        for cut in range(len(path), -1, -1):
            hit = self.values.get(path[:cut])
            if hit:
                return hit
        return (1, 1)

    def of_key(self, path: Path) -> tuple[int, int]:
        """Where the key naming ``path`` is written; falls back to its value."""
        return self.keys.get(path) or self.of_value(path)


@dataclass
class Document:
    """One loaded YAML file: its data (``None`` when it could not be read) and positions."""

    file: str
    data: Any
    positions: Positions
    diagnostics: list[Diagnostic]


class _Fatal(Exception):
    def __init__(self, *diagnostics: Diagnostic) -> None:
        self.diagnostics = list(diagnostics)


KEY_END = "\0key"
"""The last part of the path under which :attr:`Positions.ends` keeps where a key ends."""


def load_bytes(raw: bytes, file: str, *, ends: bool = False) -> Document:
    """Decode and parse one file; never raises for bad input, reports instead. With
    ``ends``, the positions also say where every key and value ends."""
    positions = Positions()
    try:
        text = _decode(raw, file)
        data, problems = _Composer(text, file, positions, ends).compose()
    except _Fatal as fatal:
        return Document(file, None, positions, fatal.diagnostics)
    return Document(file, data, positions, problems)


def _decode(raw: bytes, file: str) -> str:
    if len(raw) > MAX_FILE_BYTES:
        raise _Fatal(make(file, 1, 1, "too_large", size=len(raw), limit=MAX_FILE_BYTES))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _Fatal(make(file, line, col, "not_utf8")) from None
    lines = text.splitlines() if len(text) > MAX_LINE_CHARS else []
    for number, line_text in enumerate(lines, start=1):
        if len(line_text) > MAX_LINE_CHARS:
            raise _Fatal(
                make(file, number, 1, "line_too_long", length=len(line_text), limit=MAX_LINE_CHARS)
            )
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _Fatal(make(file, line, 1, "not_utf8"))
    controls = control_characters(text)
    if controls:
        raise _Fatal(*(make(file, ln, col, "control_character", char=c) for ln, col, c in controls))
    return text


_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
"""The characters YAML refuses: the C0 and C1 controls but tab and the line breaks, DEL, and
U+FFFE/U+FFFF. Invisible in most editors; an ESC comes pasted from a terminal (``\\x1b[31m``)."""
MAX_CONTROL_REPORTS = 20
"""At most this many control characters are named in one file (each with its place)."""


def control_characters(text: str) -> list[tuple[int, int, str]]:
    """Where the characters YAML refuses stand in ``text``, the first
    :data:`MAX_CONTROL_REPORTS`: (line, column, ``U+001B``), lines counted as YAML does."""
    found: list[tuple[int, int, str]] = []
    line, line_start, scanned = 1, 0, 0
    for match in _REFUSED.finditer(text):
        for brk in _LINE_BREAK.finditer(text, scanned, match.start()):
            line, line_start = line + 1, brk.end()
        scanned = match.start()
        found.append((line, match.start() - line_start + 1, f"U+{ord(match.group()):04X}"))
        if len(found) == MAX_CONTROL_REPORTS:
            break
    return found


class _Composer:
    """Builds values from libyaml events, refusing what our files must not contain."""

    def __init__(self, text: str, file: str, positions: Positions, ends: bool = False) -> None:
        self.text = text
        self.file = file
        self.positions = positions
        self.ends = ends
        self.parser = yaml.CSafeLoader(text)
        self.problems: list[Diagnostic] = []

    def compose(self) -> tuple[Any, list[Diagnostic]]:
        try:
            return self._compose_stream(), self.problems
        except yaml.MarkedYAMLError as exc:
            raise _Fatal(self._syntax(exc)) from None
        except yaml.YAMLError as exc:  # unmarked: reader errors and the like
            raise _Fatal(make(self.file, 1, 1, "yaml_syntax", problem=str(exc))) from None
        finally:
            self.parser.dispose()

    def _compose_stream(self) -> Any:
        self.parser.get_event()  # StreamStart
        if isinstance(self.parser.peek_event(), yaml.StreamEndEvent):
            raise _Fatal(make(self.file, 1, 1, "empty_file"))
        self.parser.get_event()  # DocumentStart
        data = self._node((), 0)
        self.parser.get_event()  # DocumentEnd
        following = self.parser.get_event()
        if not isinstance(following, yaml.StreamEndEvent):
            line, col = _mark(following)
            raise _Fatal(make(self.file, line, col, "several_documents"))
        if data is None:
            raise _Fatal(make(self.file, 1, 1, "empty_file"))
        if not isinstance(data, dict):
            found = "list" if isinstance(data, list) else "text"
            raise _Fatal(make(self.file, 1, 1, "top_not_mapping", found=found))
        return data

    def _node(self, path: Path, depth: int) -> Any:
        event = self.parser.get_event()
        line, col = self._check(event)
        self.positions.values[path] = (line, col)
        if isinstance(event, yaml.ScalarEvent):
            if event.style in ("'", '"'):
                self.positions.quoted.add(path)
            if self.ends:
                self.positions.ends[path] = _end(event)
            if event.implicit[0] and event.tag is None:
                if event.value in _NULLS:
                    return None
                self._warn_dropped_comment(event)
            return event.value
        if depth >= MAX_DEPTH:
            raise _Fatal(make(self.file, line, col, "too_deep", limit=MAX_DEPTH))
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            while not isinstance(self.parser.peek_event(), yaml.SequenceEndEvent):
                items.append(self._node((*path, len(items)), depth + 1))
            closing = self.parser.get_event()
            if self.ends:
                last = (*path, len(items) - 1)
                self._end_collection(path, event, closing, last if items else None)
            return items
        return self._mapping(path, depth, event)

    def _end_collection(self, path: Path, start: Any, closing: Any, last: Path | None) -> None:
        """A flow collection ends after its closing bracket; a block one where its last
        value does (libyaml marks its end at the next token, after comments and blank
        lines that belong to whatever follows)."""
        if start.flow_style or last is None:
            self.positions.ends[path] = _end(closing)
        else:
            self.positions.ends[path] = self.positions.ends[last]

    def _mapping(self, path: Path, depth: int, start: Any) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        last: Path | None = None
        while not isinstance(self.parser.peek_event(), yaml.MappingEndEvent):
            key_event = self.parser.get_event()
            line, col = self._check(key_event)
            if not isinstance(key_event, yaml.ScalarEvent):
                raise _Fatal(make(self.file, line, col, "complex_key"))
            key = key_event.value
            child = (*path, key)
            if key in mapping:
                first = self.positions.keys[child][0]
                self.problems.append(
                    make(self.file, line, col, "duplicate_key", key=key, first=first)
                )
                self._node((*path, "\0dup"), depth + 1)  # parse and drop the repeat
                continue
            self.positions.keys[child] = (line, col)
            if self.ends:
                self.positions.ends[(*child, KEY_END)] = _end(key_event)
            mapping[key] = self._node(child, depth + 1)
            last = child
        closing = self.parser.get_event()
        if self.ends:
            self._end_collection(path, start, closing, last)
        return mapping

    def _warn_dropped_comment(self, event: Any) -> None:
        """``title: 方案 #2`` loses ``#2`` to a comment: say so when it looks unintended."""
        end = event.end_mark.index
        match = _DROPPED.match(self.text, end)
        if match:
            line, col = event.end_mark.line + 1, match.start(1) + 1 - _line_start(self.text, end)
            self.problems.append(
                make(self.file, line, col, "comment_dropped", "warning", kept=event.value)
            )

    def _check(self, event: Any) -> tuple[int, int]:
        """The event's position, after refusing aliases, anchors and tags."""
        line, col = _mark(event)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Fatal(make(self.file, line, col, "alias"))
        tag = getattr(event, "tag", None)
        if tag not in _ALLOWED_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!") if tag else ""
            raise _Fatal(make(self.file, line, col, "tag", tag=shown))
        return line, col

    def _syntax(self, exc: yaml.MarkedYAMLError) -> Diagnostic:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "unreadable YAML"
        unclosed = "end of stream" in problem or "flow" in (exc.context or "")
        if exc.context_mark and exc.context and unclosed:
            # An unclosed quote or bracket: point at where it was opened.
            mark, problem = exc.context_mark, f"{exc.context}, {problem}"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        last_line = line_count(self.text)
        if line > last_line:  # the end of the file: point at its last line
            line, col = last_line, 1
        if _tab_at(self.text, line, col):
            return make(self.file, line, col, "yaml_tab")
        slip = _typing_slip(self.text, line)
        if slip is not None:
            slip_line, slip_col, slip_code, key = slip
            if not key:
                return make(self.file, slip_line, slip_col, slip_code)
            return make(self.file, slip_line, slip_col, slip_code, key=key)
        markdown = _markdown_start(self.text, line)
        if markdown is not None:
            return make(self.file, line, markdown[0], markdown[1], "error", **markdown[2])
        bracket = _BRACKET_TEXT.search(_line_text(self.text, line))
        if bracket:
            return make(self.file, line, bracket.start(1) + 1, "yaml_bracket_text")
        closed = _text_after_closing(self.text, line)
        if closed is not None:
            return make(self.file, line, closed[0], "yaml_after_closing", close=closed[1])
        code = _plain_problem(problem)
        if code:
            return make(self.file, line, col, code)
        return make(self.file, line, col, "yaml_syntax", problem=problem)


_DROPPED = re.compile(r"[ \t]+(#[^\s#])")
"""A comment glued to its first word (``#2``, ``#重点``) after a value: likely meant as text."""
_BRACKET_TEXT = re.compile(r":\s+([\[{][^\]}]*[\]}][ \t]*[^\s#,\]}])")
"""``key: [重点] 一流专业``: text that starts with a bracket."""


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_text(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1] if 1 <= line <= len(lines) else ""


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def line_count(text: str) -> int:
    """Lines as YAML counts them (it breaks lines at CR, LF, CRLF, NEL, LS and PS)."""
    return len(_LINE_BREAK.split(text.removesuffix("\n").removesuffix("\r"))) if text else 1


_PROBLEMS = (
    ("while scanning a quoted scalar", "yaml_unclosed_quote"),
    ("flow sequence", "yaml_unclosed_list"),
    ("flow mapping", "yaml_unclosed_map"),
    ("mapping values are not allowed", "yaml_indent"),
    ("did not find expected key", "yaml_indent"),
    ("did not find expected '-' indicator", "yaml_indent"),
    ("cannot start any token", "yaml_bad_start"),
    ("could not find expected ':'", "yaml_no_colon"),
)


def _plain_problem(problem: str) -> str | None:
    """A message code in plain words for libyaml's most common complaints."""
    return next((code for phrase, code in _PROBLEMS if phrase in problem), None)


def _mark(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


def _end(event: Any) -> tuple[int, int]:
    mark = event.end_mark
    return (mark.line + 1, mark.column + 1)


_FULL_WIDTH_COLON = re.compile(r"^[ ]*(?:-[ ]+)?([^\s:#：\[\]{}\"'][^:#：]*?)[ ]*：")
"""``title：一流专业``: a key followed by the full-width colon a Chinese keyboard types."""
ODD_SPACES = "\u3000\u00a0"
"""The full-width space a Chinese keyboard types, and the no-break space pasted from a web page:
text to YAML, never indentation."""
_ODD_SPACE = re.compile(
    f"^[ ]*(?:-[ ]*)?([{ODD_SPACES}])|^[ ]*(?:-[ ]+)?[^\\s:#]+:([{ODD_SPACES}])"
)
"""An odd space (:data:`ODD_SPACES`) indenting a line or after a key's colon."""
_NO_SPACE = re.compile(r"^[ ]*(?:-[ ]+)?([A-Za-z_][\w-]*):(?=[^\s:/#])")
"""``title:一流专业``: a key whose colon has no space after it (so YAML reads it as text)."""


def _typing_slip(text: str, line: int) -> tuple[int, int, str, str] | None:
    """Where a syntax error at ``line`` comes from a slip of typing in that line or the one
    before (libyaml may notice it a line late): a full-width colon or space, as a Chinese
    keyboard types them, or a key's colon with no space after it. Returns (line, column,
    message code, the key), blaming the slip only if the file, with that one character
    mended, reads past ``line``."""
    lines = text.splitlines(keepends=True)
    for number in (line, line - 1):
        if not 1 <= number <= len(lines):
            continue
        here = lines[number - 1]
        odd = _ODD_SPACE.match(here)
        key = slipped_key(here)
        if odd:
            col = (odd.start(1) if odd.group(1) else odd.start(2)) + 1
            found = (number, col, "yaml_full_width_space", "")
            mends = [" ", "  "]  # a full-width space looks two columns wide
        elif key:
            col, code, name = key
            found = (number, col, code, name)
            mends = [": "]
        else:
            continue
        for mend in mends:
            if _reads_past_mended(lines, number, here[: col - 1] + mend + here[col:], line):
                return found
    return None


_MARKDOWN_START = re.compile(r"^[ ]*(?:-[ ]+)?[^\s:#][^:#]*?:[ ]+(\*+|-(?=[ ])|>)")
"""``text: **重点**…``, ``text: - 第一项``, ``text: > 引用``: a value that starts the way
Markdown's bold, list or quote does, which YAML reads as an alias, a list or a block."""


_FLOW_KEY = r"""^.*?[{,][ ]*(?:[^\s:#,'"\[\]{}][^:#,\[\]{}]*?):[ ]+"""
"""Up to a value in a flow mapping: ``- {date: 2026-05-01, text: `` (any key of the line)."""
_FLOW_MARKDOWN_START = re.compile(
    _FLOW_KEY.replace("(?:", "(?P<key>", 1) + r"(?P<start>\*+|-(?=[ ])|>)"
)
"""``- {date: 2026-05-01, text: **重点**完成}``: the same, in a flow mapping."""


def _markdown_start(text: str, line: int) -> tuple[int, str, dict[str, str]] | None:
    """Where the value on ``line`` starts like Markdown that YAML cannot read as text: the
    column, the message code and its arguments (the characters it starts with; inside
    ``{ }``, where a value cannot be a block and is told to be quoted, its key too). Only if
    the file, with that value made plain text, reads past ``line``."""
    block = _line_match(text, line, _MARKDOWN_START, lambda m: m.string[: m.start(1)] + "x\n")
    if block:
        return block.start(1) + 1, "yaml_markdown_start", {"start": block.group(1)}
    flow = _line_match(
        text,
        line,
        _FLOW_MARKDOWN_START,
        lambda m: m.string[: m.start("start")] + "x" + m.string[m.end("start") :],
    )
    if flow is None:
        return None
    args = {"start": flow.group("start"), "key": flow.group("key").strip()}
    return flow.start("start") + 1, "yaml_markdown_start_flow", args


_AFTER_CLOSING = re.compile(
    r"""^[ ]*(?:-[ ]+)?[^\s:#'"][^:#]*?:[ ]+"""
    r"""("[^"\\]*(?:\\.[^"\\]*)*"|'[^']*(?:''[^']*)*'|\[[^\[\]]*\]|\{[^{}]*\})[ ]*(?=[^\s#])"""
)
"""``title: "一流" 专业``, ``title: 'it's'``, ``tags: [a, b]]``: text after a value closed."""


_FLOW_AFTER_CLOSING = re.compile(
    _FLOW_KEY + r"""("[^"\\]*(?:\\.[^"\\]*)*"|'[^']*(?:''[^']*)*')[ ]*(?=[^\s#,\]}])"""
)
"""``- {due: 2026-12-01, title: "一流" 专业}``: text after a quoted value of a flow mapping."""
_FLOW_END = re.compile(r"[,\]}]|$", re.MULTILINE)


def _text_after_closing(text: str, line: int) -> tuple[int, str] | None:
    """Where text follows a value's closing quote or bracket on ``line``: the column of
    that text and the closing character. Only if the file, without that text, reads past
    ``line``."""
    closed = _line_match(
        text, line, _AFTER_CLOSING, lambda m: m.string[: m.end(1)] + "\n"
    ) or _line_match(text, line, _FLOW_AFTER_CLOSING, _without_flow_extra)
    return (closed.end() + 1, closed.group(1)[-1]) if closed else None


def _without_flow_extra(found: re.Match[str]) -> str:
    """The line of ``found`` without the text after its quoted value, up to the next ``,``
    ``}`` or ``]``."""
    end = _FLOW_END.search(found.string, found.end())
    return found.string[: found.end(1)] + found.string[end.start() if end else len(found.string) :]


def _line_match(
    text: str, line: int, pattern: re.Pattern[str], mend: Callable[[re.Match[str]], str]
) -> re.Match[str] | None:
    """``pattern`` matched on ``line``, if the file with that line ``mend``-ed reads past it."""
    lines = text.splitlines(keepends=True)
    if not 1 <= line <= len(lines):
        return None
    found = pattern.match(lines[line - 1])
    if found is None or not _reads_past_mended(lines, line, mend(found), line):
        return None
    return found


def _reads_past_mended(lines: list[str], number: int, mended: str, line: int) -> bool:
    """Whether the file of ``lines``, its line ``number`` replaced by ``mended``, reads past
    ``line``."""
    return _reads_past("".join([*lines[: number - 1], mended, *lines[number:]]), line)


def _reads_past(text: str, line: int) -> bool:
    """Whether libyaml reads ``text`` beyond ``line`` without a syntax error."""
    try:
        for _ in yaml.parse(text, Loader=yaml.CSafeLoader):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and mark.line + 1 > line
    except yaml.YAMLError:
        return False
    return True


def slipped_key(text: str) -> tuple[int, str, str] | None:
    """For text that reads as a key mistyped (``title：评估``, ``title:评估``): the column of
    its colon, the message code and the key."""
    colon = _FULL_WIDTH_COLON.match(text)
    if colon:
        return colon.end(), "yaml_full_width_colon", colon.group(1)
    bare = _NO_SPACE.match(text)
    return (bare.end(), "yaml_colon_space", bare.group(1)) if bare else None


_TAB_INDENT = re.compile(r"^ *\t")


def _tab_at(text: str, line: int, col: int) -> bool:
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return False
    here = lines[line - 1]
    return bool(_TAB_INDENT.match(here)) or (0 < col <= len(here) and here[col - 1] == "\t")
