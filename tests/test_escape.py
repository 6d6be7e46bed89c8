"""Templates escape every ``{{ value }}`` exactly as Jinja with MarkupSafe would.

generator/render.py compiles templates so that an output is escaped by ``escape_text``
(MarkupSafe's own C function, without wrapping each result in a Markup); these tests hold
it to ``markupsafe.escape``, character for character, and to Jinja's behaviour.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
import markupsafe
import pytest

from generator import render

THEME = Path(__file__).resolve().parent.parent / "theme"


class Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


VALUES = [
    "plain",
    "",
    "<script>alert('x')</script> & \"q\"",
    "中文“引号”<b>",
    markupsafe.Markup("<i>marked</i>"),
    Html(),
    42,
    -1.5,
    None,
    True,
    dt.date(2026, 11, 25),
    ["<a>", 1],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_same_characters_as_markupsafe(value: object) -> None:
    escaped = render.escape_text(value)
    assert type(escaped) is str
    assert escaped == str(markupsafe.escape(value))


def test_a_template_renders_as_jinja_would(tmp_path: Path) -> None:
    source = (
        "{% macro row(v) %}<td>{{ v }}</td>{% endmacro %}"
        "{% for v in values %}{{ row(v) }}{{ v ~ '<' }}|{{ v|string }}{% endfor %}"
        "{% set block %}<p>{{ values[2] }}</p>{% endset %}{{ block }}"
        "{% autoescape false %}{{ values[2] }}{% endautoescape %}"
    )
    ours = render.environment(THEME, "en").from_string(source)
    plain = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    assert ours.render(values=VALUES) == plain.from_string(source).render(values=VALUES)
    assert "&lt;script&gt;" in ours.render(values=VALUES)
    assert "<script>alert('x')</script>" in ours.render(values=VALUES), "autoescape false"


def test_an_undefined_value_still_fails_the_page() -> None:
    template = render.environment(THEME, "en").from_string("<p>{{ missing }}</p>")
    with pytest.raises(jinja2.UndefinedError):
        template.render()


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_without_markupsafes_c_function_the_same_characters(
    value: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "_escape_inner", render._escape_str)
    assert render.escape_text(value) == str(markupsafe.escape(value))
