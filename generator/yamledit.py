"""Minimal edits of a YAML file's text, the way Renovate edits a manifest: a new item at the
end of a list, a new key in a mapping, a value for an empty key, each written at the place
the loader recorded (:attr:`generator.loader.Positions`), every other character of the file
kept as it was: comments, quoting, key order, blank lines, line endings.

Every value is written by :func:`scalar`, which tries a plain scalar, then a literal block
(``|-``, with an indentation indicator when the text starts with a space), then a
double-quoted scalar with escapes, and keeps the first that the loader reads back as exactly
that text: nothing a value contains (``key: value``, ``---``, ``#``, quotes, tabs) can add
structure to the file. What to write is decided by :mod:`generator.filing`, which also reads
the whole edited file back and compares it with the data it meant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.loader import _LINE_BREAK, KEY_END, Document, Path, load_bytes

Fields = Sequence[tuple[str, str]]
"""A mapping to write, as (key, text) pairs in the order they are written."""

FOLD = 100
"""A double-quoted value longer than this is folded into lines of about this length."""
_BLANKS = " \t\r\n\x85\u2028\u2029"
_NOT_IN_BLOCK = re.compile(
    "[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]"
)
"""Characters a literal block cannot hold as themselves: controls, line breaks other than
LF (YAML turns them into LF), the byte order mark, surrogates and non-characters."""
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
_BLOCK_HEADER = re.compile(r"[|>](?:[1-9][+-]?|[+-][1-9]?)?")


class EditError(Exception):
    """The file's layout is one these edits do not know how to extend."""


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new`` (an insertion when ``start == end``)."""

    start: int
    end: int
    new: str


def apply(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with every edit made; edits at the same place come out in the order given."""
    out = text
    for _, edit in sorted(enumerate(edits), key=lambda e: (e[1].start, e[0]), reverse=True):
        out = out[: edit.start] + edit.new + out[edit.end :]
    return out


class Source:
    """A loaded file's text with its positions (loaded with ``ends=True``)."""

    def __init__(self, text: str, doc: Document, tight: bool = True) -> None:
        """``tight``: new lines after a clipped or stripped block scalar go before its
        trailing blank lines (else after them, where libyaml marks its end)."""
        if not doc.positions.ends and doc.data:
            raise ValueError("the document was loaded without ends=True")
        self.text = text
        self.tight = tight
        self.data: Any = doc.data
        self.positions = doc.positions
        breaks = list(_LINE_BREAK.finditer(text))
        self._lines = [0, *(m.end() for m in breaks)]
        first = breaks[0].group() if breaks else "\n"
        self.newline = first if first in ("\r\n", "\n", "\r") else "\n"

    # --- places -----------------------------------------------------------------------

    def offset(self, where: tuple[int, int]) -> int:
        line, col = where
        return self._lines[line - 1] + col - 1

    def start(self, path: Path) -> int:
        return self.offset(self.positions.values[path])

    def end(self, path: Path) -> int:
        return self.offset(self.positions.ends[path])

    def column(self, offset: int) -> int:
        """The 0-based column of ``offset`` (counted in characters, as YAML does)."""
        return offset - self._line_start(offset)

    def _line_start(self, offset: int) -> int:
        low, high = 0, len(self._lines) - 1
        while low < high:  # the last line start at or before offset
            middle = (low + high + 1) // 2
            if self._lines[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return self._lines[low]

    def is_flow(self, path: Path) -> bool:
        return self.text[self.start(path) : self.start(path) + 1] in ("[", "{")

    def next_line(self, offset: int) -> tuple[int, str]:
        """Where the line after the one holding ``offset`` starts, and what to write before
        new lines there: nothing, or a line break when the file ends without one."""
        if offset > 0 and offset in self._lines:  # already at a line's start
            return offset, ""
        found = _LINE_BREAK.search(self.text, offset)
        if found is None:
            return len(self.text), self.newline
        return found.end(), ""

    def after(self, path: Path) -> tuple[int, str, list[Edit]]:
        """Where new lines go after the value at ``path`` (see :meth:`next_line`), and an
        edit the value itself needs when the file ends in it without a line break: a block
        scalar there (``|``, ``|+``) would gain the break as text, so it says ``|-``."""
        end = self.end(path)
        last = self._last_scalar(path)
        header = _BLOCK_HEADER.match(self.text, self.start(last))
        if self.tight and not (header and "+" in header.group()):
            start = self.start(path)
            while end > start and self.text[end - 1] in _BLANKS:
                end -= 1
        at, before = self.next_line(end)
        if not before or header is None or "-" in header.group():
            return at, before, []
        chomp = header.group().find("+")
        if chomp >= 0:  # |+ → |-
            where = header.start() + chomp
            return at, before, [Edit(where, where + 1, "-")]
        return at, before, [Edit(header.end(), header.end(), "-")]

    def _last_scalar(self, path: Path) -> Path:
        """The path of the scalar a block collection at ``path`` ends with (itself for a
        scalar or a flow collection)."""
        value = self.value(path)
        while isinstance(value, (list, dict)) and value and not self.is_flow(path):
            if isinstance(value, list):
                path, value = (*path, len(value) - 1), value[-1]
            else:
                last = list(value)[-1]
                path, value = (*path, last), value[last]
        return path

    def value(self, path: Path) -> Any:
        node = self.data
        for part in path:
            node = node[part]
        return node

    def colon_end(self, path: Path) -> int:
        """Just after the colon that follows the key naming ``path``."""
        at = self.offset(self.positions.ends[(*path, KEY_END)])
        while at < len(self.text) and self.text[at] in " \t":
            at += 1
        if self.text[at : at + 1] != ":":
            raise EditError(f"no colon after the key {path[-1]!r}")
        return at + 1

    def key_column(self, mapping: Path) -> int:
        """The column of the keys of the block mapping at ``mapping``."""
        first = next(iter(self.value(mapping)))
        return self.positions.keys[(*mapping, first)][1] - 1

    def item_columns(self, item: Path) -> tuple[int, int]:
        """The columns of a block sequence item's dash and of its content."""
        start = self.start(item)
        at = start - 1
        while at >= 0 and self.text[at] in _BLANKS:
            at -= 1
        if at < 0 or self.text[at] != "-":
            raise EditError(f"no dash before the list item {item}")
        dash = self.column(at)
        same_line = "\n" not in self.text[at:start] and "\r" not in self.text[at:start]
        return dash, self.column(start) if same_line else dash + 2

    def list_indent(self) -> int:
        """How far this file indents a list's dashes under their key (0 or 2, as it does)."""
        if isinstance(self.data, dict):
            for key, value in self.data.items():
                if isinstance(value, list) and value and not self.is_flow((key,)):
                    try:
                        dash, _ = self.item_columns((key, 0))
                    except EditError:
                        continue
                    return max(0, dash - (self.positions.keys[(key,)][1] - 1))
        return 2

    # --- edits ---------------------------------------------------------------------------

    def append_item(self, path: Path, fields: Fields, flow_items: bool = False) -> list[Edit]:
        """Add the mapping ``fields`` at the end of the list at ``path`` (its key absent,
        empty, ``[]`` or a list written either way). ``flow_items``: write the item as
        ``- {key: value, …}`` in a block list (as a list of figures usually is)."""
        parent, key = path[:-1], path[-1]
        container = self.value(parent)
        if not isinstance(container, dict):
            raise EditError(f"{parent} is not a mapping")
        if key not in container:
            return self._add_list(parent, str(key), fields, flow_items)
        items = container[key]
        if items is None:
            return self._fill_empty(path, fields, flow_items)
        if not isinstance(items, list):
            raise EditError(f"{path} is not a list")
        if self.is_flow(path):
            if items:
                at = self.end((*path, len(items) - 1))
                return [Edit(at, at, ", " + self._flow_mapping(fields, at))]
            if not self.is_flow(parent):
                return self._fill_empty(path, fields, flow_items)
            at = self.end(path) - 1  # before the closing bracket
            return [Edit(at, at, self._flow_mapping(fields, at))]
        last = (*path, len(items) - 1)
        dash, content = self.item_columns(last)
        at, before, closing = self.after(last)
        lines = self._block_item(dash, content, fields, flow_items)
        return [*closing, Edit(at, at, before + self._join(lines))]

    def set_key(self, mapping: Path, key: str, text: str, after: str | None = None) -> list[Edit]:
        """Give the mapping at ``mapping`` the key ``key`` with the value ``text``: a new
        line after the key ``after`` (or after the last key), or the value of an empty key."""
        values = self.value(mapping)
        if not isinstance(values, dict):
            raise EditError(f"{mapping} is not a mapping")
        if key in values:
            if values[key] is not None:
                raise EditError(f"{key!r} already has a value")
            path = (*mapping, key)
            colon = self.colon_end(path)
            end = max(colon, self.end(path))
            rendered = scalar(text, self.column(colon), flow=self.is_flow(mapping))
            if len(rendered) > 1:
                raise EditError("a value of several lines cannot fill an empty key")
            return [Edit(colon, end, rendered[0])]
        anchor: str = after if after is not None and after in values else list(values)[-1]
        if self.is_flow(mapping):
            at = self.end((*mapping, anchor))
            return [Edit(at, at, f", {key}: " + self._flow_scalar(text, at))]
        column = self.key_column(mapping)
        at, before, closing = self.after((*mapping, anchor))
        first, *rest = scalar(text, column)
        new = before + self._join([" " * column + key + ":" + first, *rest])
        return [*closing, Edit(at, at, new)]

    def _add_list(self, mapping: Path, key: str, fields: Fields, flow_items: bool) -> list[Edit]:
        values = self.value(mapping)
        if self.is_flow(mapping):
            anchor = (*mapping, list(values)[-1])
            at = self.end(anchor)
            return [Edit(at, at, f", {key}: [{self._flow_mapping(fields, at)}]")]
        column = self.key_column(mapping)
        at, before, closing = self.after((*mapping, list(values)[-1]))
        dash = column + self.list_indent()
        lines = [" " * column + key + ":", *self._block_item(dash, dash + 2, fields, flow_items)]
        return [*closing, Edit(at, at, before + self._join(lines))]

    def _fill_empty(self, path: Path, fields: Fields, flow_items: bool) -> list[Edit]:
        """``key:``, ``key: ~`` or ``key: []`` in a block mapping → ``key:`` and the item
        on the lines below (the only edit that changes a line rather than add one)."""
        mapping = path[:-1]
        if self.is_flow(mapping):
            raise EditError(f"{path} is empty inside a flow mapping")
        colon = self.colon_end(path)
        end = max(colon, self.end(path))
        at, before = self.next_line(end)
        column = self.key_column(mapping)
        dash = column + self.list_indent()
        lines = self._block_item(dash, dash + 2, fields, flow_items)
        return [Edit(colon, end, ""), Edit(at, at, before + self._join(lines))]

    def _block_item(self, dash: int, content: int, fields: Fields, flow: bool) -> list[str]:
        lead = " " * dash + "-" + " " * max(1, content - dash - 1)
        if flow:
            return [lead + self._flow_mapping(fields, len(lead), content + 2)]
        lines: list[str] = []
        for number, (key, text) in enumerate(fields):
            first, *rest = scalar(text, content)
            lines += [(lead if number == 0 else " " * content) + key + ":" + first, *rest]
        return lines

    def _flow_mapping(self, fields: Fields, at: int, indent: int | None = None) -> str:
        """``{key: value, …}`` on one line (a very long value folded onto lines below)."""
        indent = self.column(at) + 2 if indent is None else indent
        parts = [f"{key}: {self._flow_scalar(text, at, indent)}" for key, text in fields]
        return "{" + ", ".join(parts) + "}"

    def _flow_scalar(self, text: str, at: int, indent: int | None = None) -> str:
        indent = self.column(at) + 2 if indent is None else indent
        return self.newline.join(scalar(text, indent, flow=True)).lstrip(" ")

    def _join(self, lines: list[str]) -> str:
        return "".join(line + self.newline for line in lines)


# --- scalars ---------------------------------------------------------------------------


def scalar(text: str, column: int, flow: bool = False) -> list[str]:
    """``text`` written as the value of a key at ``column``: the first element goes right
    after the key's colon (it starts with a space), the others are whole lines. The loader
    reads it back as exactly ``text``, whatever it contains."""
    if flow:
        candidates = [_plain(text), _double_quoted(text, column + 2)]
    else:
        candidates = [_plain(text), _literal(text, column), _double_quoted(text, column + 2)]
    for lines in candidates:
        if lines is not None and _reads_back(lines, text, column, flow):
            return lines
    raise EditError("the text cannot be written as YAML")  # pragma: no cover - escapes can


def _plain(text: str) -> list[str] | None:
    if not text or text != text.strip(_BLANKS) or _LINE_BREAK.search(text):
        return None
    return [" " + text]


def _literal(text: str, column: int) -> list[str] | None:
    if _NOT_IN_BLOCK.search(text) or not text.strip(_BLANKS):
        return None
    content = text.rstrip("\n")
    trailing = len(text) - len(content)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    lines = content.split("\n")
    indicator = ""
    for line in lines:  # content starting with blanks: say how deep the block is indented
        if line[:1] in (" ", "\t"):
            indicator = "2"
            break
        if line.strip(" \t"):
            break
    indent = " " * (column + 2)
    body = [indent + line if line else "" for line in lines]
    return [f" |{indicator}{chomp}", *body, *[""] * max(0, trailing - 1)]


def _double_quoted(text: str, indent: int) -> list[str]:
    units = [_ESCAPES.get(c) or (_escape(c) if _NOT_IN_BLOCK.match(c) else c) for c in text]
    if sum(map(len, units)) <= FOLD:
        return [' "' + "".join(units) + '"']
    lines: list[str] = []
    current = ' "'
    for unit in units:
        if len(current) >= FOLD:
            lines.append(current + "\\")
            current = " " * indent
            if unit == " ":  # a folded line's leading blanks are not read
                unit = "\\x20"
        current += unit
    return [*lines, current + '"']


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _reads_back(lines: list[str], text: str, column: int, flow: bool) -> bool:
    """Whether ``lines``, as the value of a key at ``column``, read back as ``text``."""
    pad = " " * column
    if flow:
        document = pad + "k: {v:" + "\n".join(lines) + "}\n"
        expected: Any = {"k": {"v": text}}
    else:
        document = pad + "k:" + "\n".join(lines) + "\n"
        expected = {"k": text}
    try:
        raw = document.encode("utf-8")
    except UnicodeEncodeError:
        return False
    doc = load_bytes(raw, "-")
    return not doc.diagnostics and doc.data == expected
