"""The battle map in real Chromium: every mark where data.json says, in the state it says.

The repository's own site is built (as of 2026-11-25) and opened from a plain folder
with JavaScript turned off, as a wall-chart printout or an intranet browser would show it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main

TODAY = "2026-11-25"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("battle") / "site"
    repo = Path(__file__).resolve().parents[2]
    assert main(["build", "--root", str(repo), "--out", str(out), "--today", TODAY]) == 0
    return out


def test_every_mark_shows_its_milestones_state(built: Path, browser: Any) -> None:
    data = json.loads((built / "data.json").read_text(encoding="utf-8"))
    expected = {
        (p["id"], i): m["state"] for p in data["projects"] for i, m in enumerate(p["milestones"])
    }
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto((built / "timeline" / "index.html").as_uri())
        marks = page.locator("g.tl-mark")
        found = marks.evaluate_all(
            """els => els.map(e => ({
                project: e.dataset.project, index: Number(e.dataset.index),
                state: e.dataset.state, title: e.querySelector('title').textContent,
                visible: e.getBoundingClientRect().width > 0}))"""
        )
        assert {(m["project"], m["index"]): m["state"] for m in found} == expected
        assert all(m["visible"] for m in found)
        # The state is in words too, not only in colour and shape.
        words = {
            "done": "Done",
            "done-late": "Done late",
            "overdue": "Overdue",
            "due-soon": "Due soon",
            "upcoming": "Upcoming",
        }
        zh = {
            "done": "已完成",
            "done-late": "逾期完成",
            "overdue": "逾期",
            "due-soon": "即将到期",
            "upcoming": "未到期",
        }
        for mark in found:
            assert zh[mark["state"]] in mark["title"] or words[mark["state"]] in mark["title"]
        # One row per project; the today line is drawn.
        rows = page.locator("g.tl-row").evaluate_all("els => els.map(e => e.dataset.project)")
        assert sorted(rows) == sorted(p["id"] for p in data["projects"])
        assert page.locator(f'line.tl-today[data-date="{TODAY}"]').count() >= 1
    finally:
        context.close()
