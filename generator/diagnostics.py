"""Located, translatable diagnostics: the one way the generator reports bad input.

A :class:`Diagnostic` carries a message *code* and its arguments, not finished text,
so the same run can report in the site's language or in English (``--lang en``).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from generator.messages import render_message

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one file, at a 1-based line and column."""

    file: str
    line: int
    col: int
    code: str = field(compare=False)
    args: tuple[tuple[str, object], ...] = field(default=(), compare=False)
    severity: Severity = field(default="error", compare=False)

    def message(self, lang: str) -> str:
        return render_message(self.code, dict(self.args), lang)

    def format(self, lang: str) -> str:
        prefix = "" if self.severity == "error" else _warning_prefix(lang)
        return f"{self.file}:{self.line}:{self.col}: {prefix}{self.message(lang)}"


def _warning_prefix(lang: str) -> str:
    return "警告：" if lang == "zh-CN" else "warning: "


def make(
    file: str,
    line: int,
    col: int,
    code: str,
    severity: Severity = "error",
    **args: object,
) -> Diagnostic:
    return Diagnostic(file, line, col, code, tuple(sorted(args.items())), severity)


class InputError(Exception):
    """Raised by a stage when the input is invalid; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics)
        super().__init__(f"{len(self.diagnostics)} problem(s) in the input")


def errors_only(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The nearest choice to a misspelt word, if any is close enough.

    Case and accents are ignored, so ``Milestones`` and ``dué`` find ``milestones``
    and ``due``.
    """
    folded = {_fold(c): c for c in choices}
    hits = difflib.get_close_matches(_fold(word), list(folded), n=1, cutoff=0.6)
    return folded[hits[0]] if hits else None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
