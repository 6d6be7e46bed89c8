"""CI builds are incremental too: a fresh checkout with ``.cache/`` and the site restored
takes the same shortcuts as a rebuild in place.

A CI runner starts from a new clone (every file's time is the moment of the checkout), in
a new Python environment (the Pagefind binary freshly installed), maybe at another path;
the workflows restore ``.cache/`` and the last built site from the CI's cache
(docs/publishing.md, "The build cache in CI"). Nothing the build keys on may depend on
any of that: only on the content of the inputs, and on the output folder being exactly as
the last build left it (which the cache's ``tar`` keeps, times included).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from generator import pipeline, search
from tests.conftest import ONE_PROJECT, Root

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)


def reinstalled(binary: Path, folder: Path) -> Path:
    """The same binary as a fresh install leaves it: another path, another time."""
    folder.mkdir(parents=True)
    copy = folder / binary.name
    shutil.copyfile(binary, copy)
    os.utime(copy, ns=(0, binary.stat().st_mtime_ns + 86_400 * 10**9))
    return copy


def test_the_same_pagefind_installed_afresh_is_the_same_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = search.fingerprint()
    assert installed != "pagefind missing"
    copy = reinstalled(search.executable(), tmp_path / "venv")
    monkeypatch.setattr(search, "executable", lambda: copy)
    assert search.fingerprint() == installed, "a new environment, the same Pagefind"
    with copy.open("r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
        handle.seek(-1, os.SEEK_END)
        handle.write(bytes([last[0] ^ 1]))
    assert search.fingerprint() != installed, "another binary, whatever its time"


def test_a_copy_of_the_root_elsewhere_finds_the_build_in_its_output_folder(
    root: Root, tmp_path: Path, no_search_index: None
) -> None:
    root.project("x", ONE_PROJECT)
    first = pipeline.build_site(root.path, root.path / "_site", TODAY)
    assert not first.up_to_date
    moved = tmp_path / "elsewhere" / "root"
    shutil.copytree(root.path, moved)  # file times kept, to the nanosecond
    for path in [moved / "site.yaml", *(moved / "projects").iterdir()]:
        os.utime(path)  # the inputs checked out afresh: their times are now
    again = pipeline.build_site(moved, moved / "_site", TODAY)
    assert again.up_to_date
    assert (again.files, again.warnings) == (first.files, first.warnings)
