"""The theme's templates, compiled once and kept beside them (generator/render.py): a
later build loads them instead of compiling, and whatever is found there, the site is
the same bytes."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from generator import pipeline, search
from tests.conftest import ONE_PROJECT, Root
from tests.test_incremental import same_tree

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)


@pytest.fixture
def theme(tmp_path: Path) -> Path:
    """A copy of the theme, so that what is kept beside it belongs to this test alone."""
    copy = tmp_path / "theme"
    shutil.copytree(pipeline.THEME, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the templates Jinja compiles from their text, as it does them."""
    names: list[str] = []
    original = jinja2.Environment.compile

    def spy(self: jinja2.Environment, source: str, name: str | None = None, *a, **k):  # type: ignore[no-untyped-def]
        names.append(name or "")
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    yield names


def kept(theme: Path) -> list[Path]:
    return sorted(p for p in (theme / "__pycache__" / "templates").rglob("*") if p.is_file())


def build(root: Root, theme: Path, out: Path, force: bool = False) -> None:
    pipeline.build_site(root.path, out, TODAY, theme, workers=1, force=force)


def test_a_later_build_compiles_no_template(
    root: Root, theme: Path, compiled: list[str], tmp_path: Path
) -> None:
    root.project("alpha", ONE_PROJECT)
    build(root, theme, tmp_path / "one")
    assert "project.html" in compiled and "base.html" in compiled
    assert len(kept(theme)) >= len(set(compiled))
    compiled.clear()
    build(root, theme, tmp_path / "two")  # another folder: every page is rendered again
    assert compiled == []
    assert same_tree(tmp_path / "one", tmp_path / "two")


def test_an_edited_template_is_compiled_again(
    root: Root, theme: Path, compiled: list[str], tmp_path: Path
) -> None:
    root.project("alpha", ONE_PROJECT)
    build(root, theme, tmp_path / "one")
    footer = theme / "templates" / "base.html"
    footer.write_text(footer.read_text(encoding="utf-8") + "<!-- edited -->\n", "utf-8")
    compiled.clear()
    build(root, theme, tmp_path / "two")
    assert compiled == ["base.html"]
    assert b"<!-- edited -->" in (tmp_path / "two" / "index.html").read_bytes()


@pytest.mark.parametrize("damage", [b"", b"j2 not a template", bytes(range(256)) * 8])
def test_a_damaged_compiled_template_is_compiled_again(
    root: Root, theme: Path, compiled: list[str], tmp_path: Path, damage: bytes
) -> None:
    root.project("alpha", ONE_PROJECT)
    build(root, theme, tmp_path / "one")
    for path in kept(theme):
        path.write_bytes(damage)
    compiled.clear()
    build(root, theme, tmp_path / "two")
    assert "project.html" in compiled
    assert same_tree(tmp_path / "one", tmp_path / "two")
    compiled.clear()
    build(root, theme, tmp_path / "three")  # written back whole
    assert compiled == []


def test_a_theme_that_cannot_keep_them_compiles_every_build(
    root: Root, theme: Path, compiled: list[str], tmp_path: Path
) -> None:
    (theme / "__pycache__").write_text("a file where the folder would go", encoding="utf-8")
    root.project("alpha", ONE_PROJECT)
    build(root, theme, tmp_path / "one")
    compiled.clear()
    build(root, theme, tmp_path / "two")
    assert "project.html" in compiled
    assert same_tree(tmp_path / "one", tmp_path / "two")


def test_force_compiles_every_template_and_another_version_is_removed(
    root: Root, theme: Path, compiled: list[str], tmp_path: Path
) -> None:
    stale = theme / "__pycache__" / "templates" / "0123456789abcdef0123"
    stale.mkdir(parents=True)
    (stale / "anything").write_bytes(b"compiled by another version")
    root.project("alpha", ONE_PROJECT)
    build(root, theme, tmp_path / "one")
    assert not stale.exists()
    compiled.clear()
    build(root, theme, tmp_path / "two", force=True)
    assert "project.html" in compiled
