"""The live preview in real Chromium: a saved project file reloads its open page by itself,
at once (before the full build ends), and the full build that follows does not reload it
again when the page it writes is the one already shown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from generator import search, serve
from tests.conftest import TODAY, Root
from tests.test_serve import PROJECT, START_SECONDS, HeldBuilds


@pytest.fixture
def preview(
    root: Root, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[serve.Preview, HeldBuilds]]:
    monkeypatch.setattr(search, "build_index", lambda *args: None)
    held = HeldBuilds(monkeypatch)
    root.project("p", PROJECT)
    running = serve.Preview(root.path, port=0, today=TODAY, log=lambda line: None)
    running.start()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield running, held
    finally:
        held.release()
        running.close()
        thread.join(timeout=10)


def test_a_saved_edit_reloads_its_page_once_before_the_build_ends(
    preview: tuple[serve.Preview, HeldBuilds], root: Root, page: Any
) -> None:
    running, held = preview
    page.serve_from(running.url)
    page.goto(running.url + "projects/p/")
    assert "Alpha project" in page.locator("h1").inner_text()
    page.evaluate("window.firstLoad = true")

    root.project("p", PROJECT.replace("Alpha project", "Saved in the editor"))
    page.wait_for_function(
        "document.querySelector('h1') && "
        "document.querySelector('h1').innerText.includes('Saved in the editor')",
        timeout=10_000,
    )
    assert page.evaluate("window.firstLoad") is None, "the page reloaded by itself"
    assert held.started.wait(10), "the full build is running, held"
    assert running.snapshot().builds == 1, "the page was ready before the full build ended"
    page.evaluate("window.stayed = true")

    builds = running.snapshot().builds
    held.release()
    deadline = time.monotonic() + START_SECONDS
    while running.snapshot().builds == builds:
        assert time.monotonic() < deadline, "the full build never ended"
        time.sleep(0.05)
    page.wait_for_timeout(1500)  # a reload, were one coming, would have come by now
    assert page.evaluate("window.stayed") is True, "no second reload for the same page"
    assert "Saved in the editor" in page.locator("h1").inner_text()
    assert not page.problems()
