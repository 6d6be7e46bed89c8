"""The benchmark's pieces that decide what is compared and how it is reported.

Nothing here builds a portfolio or times anything (``make bench`` does): the edits the
benchmark makes, the week page it weighs, Pagefind's options for Hugo's site against our
build's, the search-index check, and the targets' verdicts, table and JSON.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator import context, loader, search
from tests.bench import bench, hugo_site, preview, synth
from tests.bench.measure import BuildFailed, Run
from tests.bench.preview import PreviewRun

X = bench.TIMES

BLOCK_NOTE = """\
title: 项目
notes:
  - date: 2026-11-02
    kind: progress
    author: 教务处
    text: 旧的
  - date: 2026-11-20
    kind: progress
    author: 教务处
    text: |
      完成评估。

      - 第一项
"""

QUOTED_NOTE = """\
title: 项目
notes:
  - date: 2026-11-22
    kind: next
    author: 教务处
    text: "The *audit* is on track."
"""


def newest_text(text: str) -> str:
    document = loader.load_bytes(text.encode("utf-8"), "projects/p.yaml")
    assert document.diagnostics == []
    note = document.data["notes"][-1]
    assert isinstance(note["text"], str)
    return note["text"]


@pytest.mark.parametrize("text", [BLOCK_NOTE, QUOTED_NOTE])
def test_the_marker_goes_at_the_start_of_the_newest_note(text: str) -> None:
    before = newest_text(text)
    after = synth.with_marker(text, "预览改动1次")
    assert newest_text(after) == "预览改动1次" + before
    assert after.count("\n") == text.count("\n")  # one line edited, none added


@pytest.mark.parametrize("text", [BLOCK_NOTE, QUOTED_NOTE])
def test_the_broken_file_is_invalid_yaml_at_the_newest_note(text: str) -> None:
    at, _ = synth.newest_note(text.split("\n"))
    document = loader.load_bytes(synth.broken(text).encode("utf-8"), "projects/p.yaml")
    assert document.data is None
    assert [(d.line, d.code) for d in document.diagnostics] == [(at + 1, "yaml_tab")]


def test_every_synthetic_project_can_be_edited() -> None:
    """Whatever the seed made the newest note (block or quoted), the edit finds it."""
    for i in range(20):
        text = synth.project_text(random.Random(f"7-{i}"), 2, 3, 1, 2)
        assert newest_text(synth.with_marker(text, "修订1：")).startswith("修订1：")


def test_the_week_page_is_the_one_the_site_writes() -> None:
    for day in (dt.date(2026, 11, 22), dt.date(2027, 1, 1), dt.date(2026, 11, 23)):
        assert synth.week_path(day) == context.week_of(day).path
    _, day = synth.newest_note(BLOCK_NOTE.split("\n"))
    assert synth.week_path(day) == "weeks/2026-W47/index.html"


def test_the_largest_week_page_not_the_list_of_weeks(tmp_path: Path) -> None:
    assert bench.largest_week_page(tmp_path) == ("", 0)
    for path, size in {
        "weeks/index.html": 900,
        "weeks/2026-W46/index.html": 300,
        "weeks/2026-W47/index.html": 500,
        "weeks/2026-W47/feed.xml": 700,
        "projects/p/index.html": 800,
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"x" * size)
    assert bench.largest_week_page(tmp_path) == ("weeks/2026-W47/index.html", 500)


def test_pagefind_over_hugo_gets_the_options_our_build_gives_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same options and environment as :func:`generator.search._run_pagefind`, less
    those that split our index in several (the page list, the output folder)."""
    ran: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ran.append((command, kwargs["env"]))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setenv("PAGEFIND_SITE", "elsewhere")
    monkeypatch.setattr(subprocess, "run", fake_run)  # the module search.py runs it from
    (tmp_path / "pagefind").mkdir()
    (tmp_path / "pagefind" / "pagefind-ui.js").write_text("")
    bundle = search.Bundle("pagefind", ("projects/p/index.html",))
    search._run_pagefind(Path("pagefind_extended"), tmp_path, synth.LANGUAGE, bundle)
    [(ours, our_env)] = ran

    def options(command: list[str], without: set[str]) -> list[str]:
        kept, words = [], iter(command[1:])
        for word in words:
            if word in without:
                next(words)  # its value
            else:
                kept.append(word)
        return kept

    theirs = bench.pagefind_command(Path("pagefind_extended"), tmp_path, synth.LANGUAGE)
    assert theirs[0] == ours[0]
    assert theirs[theirs.index("--site") + 1] == ours[ours.index("--site") + 1]
    split = {"--site", "--glob", "--output-subdir"}
    assert ours[ours.index("--output-subdir") + 1] == search.BUNDLE  # Pagefind's default
    assert options(theirs, split) == options(ours, split)
    assert "zh-cn" in theirs
    assert bench.pagefind_environment() == our_env
    assert "PAGEFIND_SITE" not in our_env


def test_hugo_marks_the_project_pages_content_for_pagefind() -> None:
    """As our project pages do, so that Pagefind indexes the same pages of both sites."""
    assert "<main data-pagefind-body>" in hugo_site.PROJECT_LAYOUT
    assert "</main>" in hugo_site.PROJECT_LAYOUT
    assert "data-pagefind-body" not in hugo_site.INDEX_LAYOUT


def test_hugo_index_check_wants_every_project_page_in_the_sites_language(tmp_path: Path) -> None:
    entry = tmp_path / "pagefind" / "pagefind-entry.json"
    entry.parent.mkdir()
    entry.write_text(json.dumps({"languages": {"zh-cn": {"hash": "x", "page_count": 3}}}))
    bench.check_hugo_index(tmp_path, 3, "zh-CN")
    with pytest.raises(BuildFailed, match="indexed"):
        bench.check_hugo_index(tmp_path, 4, "zh-CN")
    entry.write_text(json.dumps({"languages": {"en": {"hash": "x", "page_count": 3}}}))
    with pytest.raises(BuildFailed, match="indexed"):
        bench.check_hugo_index(tmp_path, 3, "zh-CN")


def test_the_search_index_check_reads_fresh_fragments_without_word_breaks(
    tmp_path: Path,
) -> None:
    fragments = tmp_path / "pagefind-2" / "fragment"
    fragments.mkdir(parents=True)
    content = json.dumps({"content": "预览\u200b改动\u200b1\u200b次\u200b完成"}, ensure_ascii=False)
    fragment = fragments / "zh-cn_abc.pf_fragment"
    fragment.write_bytes(gzip.compress(b"pagefind_dcd" + content.encode("utf-8")))
    assert preview.search_holds(tmp_path, "预览改动1次", since=0)
    assert not preview.search_holds(tmp_path, "预览改动2次", since=0)
    os.utime(fragment, (1_000_000, 1_000_000))  # copied from the cache: older than the edit
    assert not preview.search_holds(tmp_path, "预览改动1次", since=2_000_000)


def test_runs_one_number_or_one_per_size() -> None:
    assert bench._runs_per_size("3", [100, 250]) == [3, 3]
    assert bench._runs_per_size("3,1", [100, 250]) == [3, 1]
    with pytest.raises(Exception, match="one per size"):
        bench._runs_per_size("3,1,1", [100, 250])


def result(projects: int, seconds: float, hugo: bool = True, **more: Any) -> bench.SizeResult:
    """A result with every figure made up: ``seconds`` for the cold build."""
    r = bench.SizeResult(projects, 1, 1.0)
    r.cold = [Run(seconds, 400, more.get("tree", 500))]
    r.warm = [Run(more.get("warm", 0.3), 50, 40)]
    r.change = [Run(more.get("change", 1.0), 300, 450)]
    r.reference_cold = Run(seconds, 400, 500)
    r.change_identical = True
    if hugo:
        r.hugo = [Run(seconds / 4, 600, 600)]
        r.hugo_pagefind = [Run(seconds / 2, 900, 1500)]
    r.week_page, r.week_page_bytes = "weeks/2026-W47/index.html", more.get("week", 400_000)
    r.preview = [PreviewRun(more.get("page", 0.5), 9.0, 9.1, 9.2, 0.3, 0.2)]
    return r


def test_the_targets_of_issue_18() -> None:
    verdicts = bench.judge(
        [result(250, 5.0, change=2.5), result(1000, 20.0, change=4.0, tree=700, page=0.4)]
    )
    by_name = {str(v["target"]): v for v in verdicts}
    assert list(by_name) == [
        f"cold, ours / (Hugo + Pagefind) ≤ 0.8{X} at 1,000 projects",
        "preview (edit to the project's page) < 1 s at 1,000 projects",
        "one change < 2 s at 250 projects",
        "one change < 5 s at 1,000 projects",
        "no change < 0.5 s at 1,000 projects",
        "tree memory peak < 600 MiB at 1,000 projects",
        "largest week page < 500,000 bytes at 1,000 projects",
        "one change byte-identical to cold at 250 projects",
        "one change byte-identical to cold at 1,000 projects",
    ]
    met = [v["met"] for v in verdicts]
    assert met == [False, True, False, True, True, False, True, True, True]
    lines = bench.targets([result(250, 5.0, change=2.5), result(1000, 20.0, tree=700)])
    assert lines[0] == (
        f"- cold, ours / (Hugo + Pagefind) ≤ 0.8{X} at 1,000 projects: NOT met (2.00{X})"
    )
    assert lines[2] == "- one change < 2 s at 250 projects: NOT met (2.50 s)"
    assert lines[5] == "- tree memory peak < 600 MiB at 1,000 projects: NOT met (700 MiB)"
    assert lines[6] == (
        "- largest week page < 500,000 bytes at 1,000 projects: met (400,000 bytes)"
    )


def test_a_target_not_measured_says_why() -> None:
    lines = bench.targets([result(1000, 20.0, hugo=False)])
    assert lines[0] == (
        f"- cold, ours / (Hugo + Pagefind) ≤ 0.8{X} at 1,000 projects: not measured "
        "(needs Hugo on PATH)"
    )
    lines = bench.targets([result(100, 3.0)])
    assert lines[2] == "- one change < 2 s at 250 projects: not measured (no 250 in --sizes)"
    unpreviewed = result(1000, 20.0)
    unpreviewed.preview = []
    assert "(needs the preview (not --no-preview))" in bench.targets([unpreviewed])[1]


def test_the_table_has_a_cell_for_every_column() -> None:
    text = bench.table([result(100, 3.0), result(250, 6.0, hugo=False)])
    lines = text.splitlines()
    assert len(lines) == 4
    assert {line.count("|") for line in lines} == {len(bench.COLUMNS) + 1}
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    row = dict(zip([name for name, _ in bench.COLUMNS], cells, strict=True))
    assert row["ours / Hugo"] == f"4.00{X}"
    assert row["ours / (Hugo + Pagefind)"] == f"2.00{X}"
    assert row["Hugo + Pagefind tree MiB"] == "1500"
    assert row["week page KB"] == "400"
    assert row["preview page s"] == "0.50"
    assert "–" in lines[3]  # no Hugo at 250


def test_the_json_copy_holds_the_medians_the_ratios_and_the_verdicts() -> None:
    started = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    data = bench.payload([result(1000, 20.0)], started, {"code": "test"})
    copy = json.loads(json.dumps(data, ensure_ascii=False))
    [one] = copy["results"]
    assert one["median"]["hugo_pagefind"] == 10.0
    assert one["ratio_hugo_pagefind"] == 2.0
    assert one["preview_median"]["page_s"] == 0.5
    assert one["week_page_bytes"] == 400_000
    assert one["preview"][0]["error_s"] == 0.3
    assert copy["targets"][0]["met"] is False
    assert copy["code"] == "test"
