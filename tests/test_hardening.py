"""Hostile, malformed and odd input: each gets a located, plain answer and leaves the site alone.

Every expectation is the exact line a staff member would read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator import write
from tests.conftest import MINIMAL_PROJECT, Root, RunResult

Run = Callable[..., RunResult]


def errors(run: Run, root: Root) -> list[str]:
    code, _out, err = run("build", "--root", root.path, "--today", "2026-11-25")
    assert code == 1, err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith(("projects/", "site.yaml"))]


# --- YAML syntax ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: 项目\nlead: academic-affairs\nmilestones:\n\t- title: a\n",
            "projects/p.yaml:4:1: a tab character is used for indentation; "
            "YAML allows only spaces",
        ),
        (
            'title: "未闭合\nlead: academic-affairs\n',
            "projects/p.yaml:1:8: the quote opened here is never closed; "
            "end the text with the same quote mark",
        ),
        (
            "title: 项目\nlead: academic-affairs\ntags: [教学, 科研\n",
            "projects/p.yaml:3:7: the list opened here with [ is not closed with ] "
            "(or an item lacks a comma)",
        ),
        (
            "title: 项目\nlead: academic-affairs\n---\ntitle: 另一个\n",
            "projects/p.yaml:3:1: the file holds more than one YAML document (a line with ---); "
            "keep one project per file",
        ),
        ("", "projects/p.yaml:1:1: the file is empty; a project file needs at least title and lead"),
        (
            "# only a comment\n",
            "projects/p.yaml:1:1: the file is empty; a project file needs at least title and lead",
        ),
        (
            "- title: 项目\n",
            "projects/p.yaml:1:1: the file must be a set of 'key: value' lines "
            "(title:, lead:, …), not a list",
        ),
        (
            "一流本科专业建设\n",
            "projects/p.yaml:1:1: the file must be a set of 'key: value' lines "
            "(title:, lead:, …), not text",
        ),
        (
            "title: 项目\n  lead: academic-affairs\n",
            "projects/p.yaml:2:7: this line is not lined up with the lines around it; keys of "
            "the same block must start in the same column, and text containing ': ' must be "
            "put in quotes",
        ),
    ],
    ids=["tab", "unclosed-quote", "unclosed-flow", "two-documents", "empty", "comment-only",
         "list", "scalar", "bad-indent"],
)
def test_yaml_syntax(run: Run, root: Root, text: str, expected: str) -> None:
    root.project("p", text)
    assert errors(run, root) == [expected]


COLON = (
    "'{key}' is followed by a full-width colon '：'; after a key YAML needs an ordinary colon "
    "and a space, as in '{key}: …' (switch the keyboard to English punctuation)"
)
SPACE = (
    "a full-width space (or a no-break space) is used here; YAML indents, and separates a "
    "key's colon from its value, with ordinary spaces only"
)
BARE = "the colon after '{key}' needs a space after it, as in '{key}: …'"
MILESTONE = "title: 项目\nlead: academic-affairs\nmilestones:\n"


@pytest.mark.parametrize(
    "case",
    [
        ("title：项目\nlead: academic-affairs\n", "1:6: " + COLON.format(key="title")),
        ("title: 项目\nlead: academic-affairs\nstatus：paused\n", "3:7: " + COLON.format(key="status")),
        (MILESTONE + "  - title：评估\n    due: 2026-12-01\n", "4:10: " + COLON.format(key="title")),
        (MILESTONE + "  - title：评估\n", "4:10: " + COLON.format(key="title")),
        (MILESTONE + "\u3000- title: 评估\n    due: 2026-12-01\n", "4:1: " + SPACE),
        (  # "\u3000\u3000due" reads as a key of the project: its milestone lacks its due
            MILESTONE + "  - title: 评估\n\u3000\u3000due: 2026-12-01\n",
            "4:5: the required key 'due' is missing here",
            "5:1: " + SPACE,
        ),
        ("title:\u3000项目\nlead: academic-affairs\n", "1:7: " + SPACE),
        ("title:\u00a0项目\nlead: academic-affairs\n", "1:7: " + SPACE),
        ("title:项目\nlead: academic-affairs\n", "1:6: " + BARE.format(key="title")),
        ("title: 项目\nlead:academic-affairs\nstatus: active\n", "2:5: " + BARE.format(key="lead")),
        (MILESTONE + "  - title:评估\n", "4:10: " + BARE.format(key="title")),
    ],
    ids=["colon", "colon-last-line", "colon-in-item", "colon-lone-item", "space-indent",
         "space-indent-key", "space-after-colon", "no-break-space", "no-space",
         "no-space-line-2", "no-space-lone-item"],
)
def test_full_width_colon_or_space_typed_with_a_chinese_keyboard(
    run: Run, root: Root, case: tuple[str, ...]
) -> None:
    text, *expected = case
    root.project("p", text)
    assert errors(run, root) == ["projects/p.yaml:" + line for line in expected]


MARKDOWN_START = (
    "text that starts with '{start}' (Markdown's bold, list or quote) is read as YAML syntax; "
    "write it as a block: '|' after the colon, then the text on the lines below, indented"
)
NOTE = "title: 项目\nlead: academic-affairs\nnotes:\n  - date: 2026-11-20\n    text: "


@pytest.mark.parametrize(
    ("value", "start"),
    [("**重点**：完成评估", "**"), ("*重点*完成", "*"), ("- 第一项", "-"), ("> 会议纪要", ">")],
    ids=["bold", "italic", "list", "quote"],
)
def test_a_note_that_starts_with_markdown_says_to_write_a_block(
    run: Run, root: Root, value: str, start: str
) -> None:
    root.project("p", NOTE + value + "\n")
    assert errors(run, root) == ["projects/p.yaml:5:11: " + MARKDOWN_START.format(start=start)]


AFTER_CLOSING = (
    "the value ends at the closing {close}, but more text follows on this line; put the whole "
    "value in quotes (double quotes if it holds an apostrophe), or remove the extra text"
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('title: "一流" 专业', "1:13: " + AFTER_CLOSING.format(close='"')),
        ("title: 'it's'", "1:12: " + AFTER_CLOSING.format(close="'")),
        ("title: [一流, 专业]]", "1:16: " + AFTER_CLOSING.format(close="]")),
    ],
    ids=["double-quote", "apostrophe", "bracket"],
)
def test_text_after_a_closing_quote_or_bracket(
    run: Run, root: Root, line: str, expected: str
) -> None:
    root.project("p", line + "\nlead: academic-affairs\n")
    assert errors(run, root) == ["projects/p.yaml:" + expected]


MARKDOWN_START_FLOW = (
    "text that starts with '{start}' (Markdown's bold, list or quote) is read as YAML syntax; "
    'inside {{ }} put the whole value in double quotes, as in {key}: "{start}…"'
)
FLOW_NOTE = "title: 项目\nlead: academic-affairs\nnotes:\n  - {date: 2026-05-01, "
FLOW_MILESTONE = MILESTONE + "  - {"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            FLOW_NOTE + "text: **重点**完成}\n",
            "4:30: " + MARKDOWN_START_FLOW.format(start="**", key="text"),
        ),
        (
            FLOW_NOTE + "text: *重点*完成, kind: progress}\n",
            "4:30: " + MARKDOWN_START_FLOW.format(start="*", key="text"),
        ),
        (FLOW_NOTE + "text: - 第一项}\n", "4:30: " + MARKDOWN_START_FLOW.format(start="-", key="text")),
        (FLOW_NOTE + "text: > 纪要}\n", "4:30: " + MARKDOWN_START_FLOW.format(start=">", key="text")),
        (FLOW_MILESTONE + "title：评估, due: 2026-12-01}\n", "4:11: " + COLON.format(key="title")),
        (FLOW_MILESTONE + "title: 评估, due：2026-12-01}\n", "4:20: " + COLON.format(key="due")),
        (FLOW_MILESTONE + "title:评估, due: 2026-12-01}\n", "4:11: " + BARE.format(key="title")),
        (
            FLOW_MILESTONE + 'due: 2026-12-01, title: "一流" 专业}\n',
            "4:35: " + AFTER_CLOSING.format(close='"'),
        ),
        (
            FLOW_MILESTONE + "due: 2026-12-01, title: 'it's', owner: personnel}\n",
            "4:34: " + AFTER_CLOSING.format(close="'"),
        ),
        (
            "title: 项目\nlead: academic-affairs\nmilestones: [{due: 2026-12-01, title: '评估' 一期}]\n",
            "3:44: " + AFTER_CLOSING.format(close="'"),
        ),
    ],
    ids=[
        "bold",
        "italic-not-last",
        "list",
        "quote",
        "full-width-colon",
        "full-width-colon-second-key",
        "no-space",
        "after-closing-quote",
        "apostrophe",
        "after-closing-in-a-flow-list",
    ],
)
def test_a_flow_style_item_gets_the_same_named_slips_as_block_style(
    run: Run, root: Root, text: str, expected: str
) -> None:
    root.project("p", text)
    assert errors(run, root) == ["projects/p.yaml:" + expected]


def test_a_flow_style_slip_is_named_in_chinese(run: Run, root: Root) -> None:
    site = root.path / "site.yaml"
    site.write_text(
        site.read_text(encoding="utf-8").replace("language: en", "language: zh-CN"),
        encoding="utf-8",
    )
    root.project("p", FLOW_NOTE + "text: **重点**完成}\n")
    assert errors(run, root) == [
        "projects/p.yaml:4:30: 以“**”开头的文字（Markdown 的加粗、列表或引用）会被当成 YAML 语法；"
        '在 { } 中请给整个值加上双引号，例如 text: "**…"'
    ]
    root.project("p", FLOW_MILESTONE + "title: 评估, due：2026-12-01}\n")
    assert errors(run, root) == [
        "projects/p.yaml:4:20: “due”后面是全角冒号“：”；键后面必须用半角冒号加空格，"
        "例如“due: …”（请把输入法切换到英文标点）"
    ]


@pytest.mark.parametrize(
    "text",
    [
        FLOW_NOTE + 'text: "**重点**完成"}\n',
        FLOW_NOTE + "text: 说明：完成**重点**}\n",
        FLOW_MILESTONE + "title: '一流' , due: 2026-12-01}\n",
    ],
    ids=["quoted-bold", "full-width-colon-in-text", "space-before-comma"],
)
def test_a_flow_style_item_written_right_is_read(run: Run, root: Root, text: str) -> None:
    root.project("p", text)
    code, _out, err = run("check", "--root", root.path, "--today", "2026-11-25")
    assert code == 0, err


def test_a_line_of_text_that_is_not_indented_says_how_to_go_on(run: Run, root: Root) -> None:
    root.project("p", "title: 项目\nlead: academic-affairs\nsummary: 第一行\n第二行\n")
    assert errors(run, root) == [
        "projects/p.yaml:4:1: this line has no colon after its first word: if it goes on with "
        "the text above, indent it further than that text's key (or write the text as a block "
        "with '|'); if it starts a key, write 'key: value'"
    ]


@pytest.mark.parametrize(
    "text",
    [
        NOTE + "|\n      **重点**：完成评估\n      - 第一项\n      > 纪要\n",
        "title: 项目：一期\nlead: academic-affairs\ncontact: 12:30\nnotes:\n"
        "  - date: 2026-11-20\n    text: |\n      \u3000\u3000第一段：完成。\n"
        "      https://example.edu.cn/a:b\n",
    ],
    ids=["markdown-in-a-block", "full-width-colons-and-spaces-in-text"],
)
def test_what_looks_like_a_slip_inside_text_is_text(run: Run, root: Root, text: str) -> None:
    root.project("p", text)
    code, _out, err = run("check", "--root", root.path, "--today", "2026-11-25")
    assert code == 0, err


def test_a_full_width_colon_near_another_mistake_is_not_blamed(run: Run, root: Root) -> None:
    """The colon-space inside the note's third line is the mistake, not 说明：."""
    root.project(
        "p",
        "title: 项目\nlead: academic-affairs\nnotes:\n  - date: 2026-11-20\n"
        "    text: 完成评估\n      说明：见附件\n      注意: 某事\n",
    )
    assert errors(run, root) == [
        "projects/p.yaml:7:9: this line is not lined up with the lines around it; keys of the "
        "same block must start in the same column, and text containing ': ' must be put in "
        "quotes"
    ]


# --- implicit typing: text stays the text written ------------------------------------------


def test_text_fields_keep_what_was_written(run: Run, root: Root) -> None:
    root.project(
        "p",
        """\
        title: 2020
        lead: academic-affairs
        sponsor: no
        contact: 12:30
        tags: [yes, on, off, 0o17, 1e3, 2026-01-01]
        notes:
          - date: 2026-11-20
            author: NO
            text: 010
        """,
    )
    code, _out, err = run("build", "--root", root.path, "--out", root.path / "out",
                          "--today", "2026-11-25")
    assert code == 0, err
    import json

    data = json.loads((root.path / "out" / "data.json").read_text(encoding="utf-8"))
    project = data["projects"][0]
    assert project["title"] == "2020"
    assert project["sponsor"] == "no"
    assert project["contact"] == "12:30"
    assert project["tags"] == ["yes", "on", "off", "0o17", "1e3", "2026-01-01"]
    assert project["notes"][0]["author"] == "NO"
    assert project["notes"][0]["text"] == "010"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    due: 2026-06-15 10:00",
         "projects/p.yaml:5:10: 'due' must be a date only (YYYY-MM-DD), without a time: "
         "'2026-06-15 10:00'"),
        ("    due: 2026-06-15T10:00:00+08:00",
         "projects/p.yaml:5:10: 'due' must be a date only (YYYY-MM-DD), without a time: "
         "'2026-06-15T10:00:00+08:00'"),
        ("    due: 2026-02-30",
         "projects/p.yaml:5:10: '2026-02-30' is not a real calendar date (due); "
         "check the month and the day"),
        ("    due: 15/06/2026",
         "projects/p.yaml:5:10: 'due' must be a date written YYYY-MM-DD (for example "
         "2026-06-15), not '15/06/2026'"),
        ("    due: no",
         "projects/p.yaml:5:10: 'due' must be a date written YYYY-MM-DD (for example "
         "2026-06-15), not 'no'"),
    ],
    ids=["datetime", "datetime-tz", "impossible", "slashes", "norway"],
)
def test_dates_are_dates(run: Run, root: Root, line: str, expected: str) -> None:
    root.project("p", f"title: 项目\nlead: academic-affairs\nmilestones:\n  - title: 节点\n{line}\n")
    assert errors(run, root) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0o17", "'weight' must be a number such as 12 or 3.5, not '0o17'"),
        ("0x1F", "'weight' must be a number such as 12 or 3.5, not '0x1F'"),
        ("1_000", "'weight' must be a number such as 12 or 3.5, not '1_000'"),
        ("yes", "'weight' must be a number such as 12 or 3.5, not 'yes'"),
        ("0", "'weight' must be greater than 0, not 0"),
        ("-2", "'weight' must be greater than 0, not -2"),
        (".nan", "'weight' must be a number such as 12 or 3.5, not '.nan'"),
    ],
)
def test_numbers_are_numbers(run: Run, root: Root, value: str, expected: str) -> None:
    root.project(
        "p",
        f"title: 项目\nlead: academic-affairs\nmilestones:\n"
        f"  - title: 节点\n    due: 2026-12-01\n    weight: {value}\n",
    )
    assert errors(run, root) == [f"projects/p.yaml:6:13: {expected}"]


def test_duplicate_keys_at_every_depth(run: Run, root: Root) -> None:
    root.project(
        "p",
        """\
        title: 项目
        lead: academic-affairs
        title: 又一个
        milestones:
          - title: 节点
            due: 2026-12-01
            due: 2026-12-02
        indicators:
          - name: 指标
            values:
              - {date: 2026-11-20, value: 1, value: 2}
        """,
    )
    assert errors(run, root) == [
        "projects/p.yaml:3:1: the key 'title' appears twice in the same block "
        "(first on line 1); keep only one",
        "projects/p.yaml:7:5: the key 'due' appears twice in the same block "
        "(first on line 6); keep only one",
        "projects/p.yaml:11:38: the key 'value' appears twice in the same block "
        "(first on line 11); keep only one",
    ]


def test_misspelt_keys_get_a_suggestion(run: Run, root: Root) -> None:
    root.project(
        "p",
        """\
        title: 项目
        lead: academic-affairs
        milstones: []
        milestones:
          - title: 节点
            dué: 2026-11-20
        """,
    )
    found = errors(run, root)
    assert found[0].startswith(
        "projects/p.yaml:3:1: unknown key 'milstones' (did you mean 'milestones'?); allowed here:"
    )
    assert found[1] == "projects/p.yaml:5:5: the required key 'due' is missing here"
    assert found[2].startswith(
        "projects/p.yaml:6:5: unknown key 'dué' (did you mean 'due'?); allowed here:"
    )


# --- references and files ------------------------------------------------------------------


def test_file_names_that_are_not_ids(run: Run, root: Root) -> None:
    for name in ("Bad Name.yaml", "中文.yaml", "UPPER.yaml", "x.yml"):
        root.raw(name, MINIMAL_PROJECT.encode())
    assert errors(run, root) == [
        "projects/Bad Name.yaml:1:1: the file name 'Bad Name.yaml' is not a valid project id: "
        "use lowercase letters a-z, digits and hyphens, starting with a letter or digit, "
        "ending in .yaml (for example first-class-majors.yaml)",
        "projects/UPPER.yaml:1:1: the file name 'UPPER.yaml' is not a valid project id: "
        "use lowercase letters a-z, digits and hyphens, starting with a letter or digit, "
        "ending in .yaml (for example first-class-majors.yaml)",
        "projects/x.yml:1:1: project files must end in .yaml, not .yml: rename it to x.yaml",
        "projects/中文.yaml:1:1: the file name '中文.yaml' is not a valid project id: "
        "use lowercase letters a-z, digits and hyphens, starting with a letter or digit, "
        "ending in .yaml (for example first-class-majors.yaml)",
    ]


def test_ids_differing_only_by_case(run: Run, root: Root) -> None:
    root.project("plan", MINIMAL_PROJECT)
    root.raw("Plan.yaml", MINIMAL_PROJECT.encode())
    found = errors(run, root)
    assert len(found) == 1 and found[0].startswith("projects/Plan.yaml:1:1: the file name")


def test_symlink_outside_the_repository_is_refused(run: Run, root: Root, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text(MINIMAL_PROJECT, encoding="utf-8")
    (root.path / "projects" / "linked.yaml").symlink_to(outside)
    assert errors(run, root) == [
        "projects/linked.yaml:1:1: this file is a link to a place outside the repository; "
        "links are refused"
    ]


def test_symlink_inside_the_repository_is_followed(run: Run, root: Root) -> None:
    (root.path / "shared").mkdir()
    (root.path / "shared" / "plan.yaml").write_text(MINIMAL_PROJECT, encoding="utf-8")
    (root.path / "projects" / "plan.yaml").symlink_to(root.path / "shared" / "plan.yaml")
    code, _out, err = run("check", "--root", root.path, "--today", "2026-11-25")
    assert code == 0, err


def test_unknown_department_and_repeats(run: Run, root: Root) -> None:
    root.project(
        "p",
        """\
        title: 项目
        lead: acadmic-affairs
        departments: [人事处, personnel, 科技处, 科研处]
        """,
    )
    assert errors(run, root) == [
        "projects/p.yaml:2:7: the department 'acadmic-affairs' is not declared in site.yaml "
        "(did you mean 'academic-affairs'?); use a department id or name listed there",
        "projects/p.yaml:3:20: the department 'personnel' is listed more than once for this "
        "project",
        "projects/p.yaml:3:36: the department '科研处' is not declared in site.yaml "
        "(did you mean '科技处'?); use a department id or name listed there",
    ]


# --- encodings ---------------------------------------------------------------------------


def test_bom_and_crlf_are_accepted(run: Run, root: Root) -> None:
    text = "title: 项目\r\nlead: 教务处\r\nmilestones:\r\n  - title: 节点\r\n    due: 2026-12-01\r\n"
    root.raw("p.yaml", b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, _out, err = run("check", "--root", root.path, "--today", "2026-11-25")
    assert code == 0, err


def test_crlf_positions_are_still_exact(run: Run, root: Root) -> None:
    text = "title: 项目\r\nlead: 教务处\r\nmilestones:\r\n  - title: 节点\r\n    due: 2026-02-30\r\n"
    root.raw("p.yaml", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert errors(run, root) == [
        "projects/p.yaml:5:10: '2026-02-30' is not a real calendar date (due); "
        "check the month and the day"
    ]


def test_gbk_bytes_are_named_with_their_line(run: Run, root: Root) -> None:
    root.raw("p.yaml", "title: project\nlead: 教务处\n".encode("gbk"))
    assert errors(run, root) == [
        "projects/p.yaml:2:7: the file is not saved as UTF-8 (the first bad byte is here); "
        "save it as UTF-8, for example in GitHub's web editor or with "
        "'Save with encoding: UTF-8'"
    ]


CONTROL = (
    "an invisible control character ({char}) stands here, perhaps pasted from a terminal or "
    "another program; YAML does not allow it: delete it"
)
CONTROL_ZH = "此处有一个看不见的控制字符（{char}），可能是从终端或其他程序粘贴进来的；YAML 不允许这种字符：请把它删除"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # colours pasted from a terminal: both escapes, each at its own place
            "title: 项目\nlead: academic-affairs\nsummary: 完成\x1b[31m重点\x1b[0m任务\n",
            [f"3:12: {CONTROL.format(char='U+001B')}", f"3:19: {CONTROL.format(char='U+001B')}"],
        ),
        ("title: 项目\x7f\nlead: academic-affairs\n", [f"1:10: {CONTROL.format(char='U+007F')}"]),
        ("title: 项目\nlead: academic-affairs\x07\n", [f"2:23: {CONTROL.format(char='U+0007')}"]),
        (  # a C1 control, after lines broken by CR LF and by NEL as YAML breaks them
            "title: 项目\r\nlead: academic-affairs\r\nsummary: a\u0085 b\x9bc\n",
            [f"4:3: {CONTROL.format(char='U+009B')}"],
        ),
        ("title: 项目\nlead: academic-affairs\n\x0c\n", [f"3:1: {CONTROL.format(char='U+000C')}"]),
    ],
    ids=["escape-colours", "delete", "bell", "c1-after-nel", "form-feed"],
)
def test_a_control_character_is_named_at_its_place(
    run: Run, root: Root, text: str, expected: list[str]
) -> None:
    root.raw("p.yaml", text.encode("utf-8"))
    assert errors(run, root) == ["projects/p.yaml:" + line for line in expected]


def test_a_control_character_is_named_in_chinese_on_a_chinese_site(run: Run, root: Root) -> None:
    site = root.path / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: en", "language: zh-CN"),
                    encoding="utf-8")
    root.project("p", "title: 一流\x1b[31m专业\nlead: 教务处\n")
    assert errors(run, root) == ["projects/p.yaml:1:10: " + CONTROL_ZH.format(char="U+001B")]


def test_the_schema_check_names_a_control_character_too(run: Run, root: Root) -> None:
    """``schema --check`` reads files as an editor does: the same words, not a crash."""
    root.project("p", "title: 一流\x1b[31m专业\nlead: 教务处\n")
    code, out, err = run("schema", "--root", root.path, "--check")
    assert (code, out) == (1, "")
    assert "projects/p.yaml:1:10: " + CONTROL.format(char="U+001B") in err.splitlines()
    assert "Traceback" not in err and "internal error" not in err


# --- resource abuse: refused quickly --------------------------------------------------------

BILLION_LAUGHS = """\
title: 项目
lead: academic-affairs
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
"""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (BILLION_LAUGHS.encode(),
         "projects/p.yaml:3:4: anchors and aliases (&name, *name) are not supported; "
         "write the value out in full"),
        (b"title: " + b"[" * 200_000 + b"]" * 200_000 + b"\n",
         "projects/p.yaml:1:1: this line is 400007 characters long; the limit is 20000. "
         "Break the text into several lines with a block (text: |)"),
        (b"title: x\nlead: y\n" + b"".join(b"  " * i + b"k:\n" for i in range(40)),
         "projects/p.yaml:19:33: the data is nested more than 16 levels deep; "
         "project files need at most 4"),
        (b"title: x\n" + b"# padding padding padding padding\n" * 140_000,
         "projects/p.yaml:1:1: the file is 4760009 bytes; the limit is 4194304 bytes. "
         "Split it or remove old material"),
        (b"title: !!python/object/apply:os.system ['touch /tmp/pwned']\nlead: x\n",
         "projects/p.yaml:1:8: the tag !!python/object/apply:os.system is not allowed; "
         "remove it and write a plain value"),
        (b"title: !custom x\nlead: x\n",
         "projects/p.yaml:1:8: the tag !custom is not allowed; remove it and write a plain value"),
        (b"title: x\nlead: y\ntags: !!set {a, b}\n",
         "projects/p.yaml:3:7: the tag !!set is not allowed; remove it and write a plain value"),
    ],
    ids=["alias-bomb", "long-line", "deep-nesting", "huge-file", "python-tag", "custom-tag",
         "set-tag"],
)
def test_resource_abuse_is_refused_quickly(
    run: Run, root: Root, content: bytes, expected: str
) -> None:
    root.raw("p.yaml", content)
    started = time.perf_counter()
    assert errors(run, root) == [expected]
    assert time.perf_counter() - started < 5


# --- site.yaml --------------------------------------------------------------------------


def test_site_yaml_missing(run: Run, root: Root) -> None:
    (root.path / "site.yaml").unlink()
    root.project("p", MINIMAL_PROJECT)
    code, _out, err = run("build", "--root", root.path, "--today", "2026-11-25", "--lang", "en")
    assert code == 1
    assert "site.yaml:1:1: site.yaml is missing; the root folder must contain it" in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("timezone: Asia/Shanghai", "timezone: Asia/Beijing"),
         "site.yaml:4:11: 'Asia/Beijing' is not a known time zone; use an IANA name such as "
         "Asia/Shanghai"),
        (("language: en", "language: fr"),
         "site.yaml:3:11: 'fr' is not allowed for 'language'; use one of: zh-CN, en"),
        (("title: 测试站点", "title: [测试站点"),
         "site.yaml:1:8: the list opened here with [ is not closed with ] "
         "(or an item lacks a comma)"),
    ],
    ids=["timezone", "language", "syntax"],
)
def test_site_yaml_broken(run: Run, root: Root, change: tuple[str, str], expected: str) -> None:
    site = root.path / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    root.project("p", MINIMAL_PROJECT)
    code, _out, err = run("build", "--root", root.path, "--today", "2026-11-25", "--lang", "en")
    assert code == 1
    assert expected in err.splitlines()


def test_empty_projects_folder(run: Run, root: Root) -> None:
    assert errors(run, root) == [
        "projects/:1:1: the projects/ folder holds no project file; add one file per project, "
        "named like projects/my-project.yaml"
    ]


def test_messages_in_chinese_by_site_language(run: Run, root: Root) -> None:
    site = root.path / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: en", "language: zh-CN"),
                    encoding="utf-8")
    root.project("p", "title: 项目\nlead: 教物处\n")
    code, _out, err = run("build", "--root", root.path, "--today", "2026-11-25")
    assert code == 1
    assert (
        "projects/p.yaml:2:7: 部门“教物处”未在 site.yaml 中登记（是否想写“教务处”？）；"
        "请使用那里列出的部门编号或名称"
    ) in err
    code, _out, err = run("build", "--root", root.path, "--today", "2026-11-25", "--lang", "en")
    assert "the department '教物处' is not declared in site.yaml" in err


# --- output integrity -----------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_output_paths_cannot_escape() -> None:
    for bad in ("../x.html", "/etc/passwd", "a/../../b", "a\\..\\b", "", "a/\0/b"):
        with pytest.raises(write.UnsafePath):
            write.safe_relative(bad)
    assert str(write.safe_relative("projects/a/index.html")) == "projects/a/index.html"


def test_a_failure_while_writing_leaves_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with write.staging(out) as site:
        site.write([lambda: [("index.html", b"old"), ("a/b.html", b"kept")]])
    before = snapshot(out)

    def failing() -> Iterator[tuple[str, bytes]]:
        yield "index.html", b"new"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), write.staging(out) as site:
        site.write([failing])
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def processes_naming(path: Path) -> list[int]:
    """The processes whose command line names ``path`` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(path) in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_killed_build_leaves_the_previous_site(root: Root) -> None:
    """SIGKILL a real build midway through writing; the published folder is untouched."""
    for i in range(60):
        root.project(f"p{i:02d}", MINIMAL_PROJECT + "notes:\n" + "".join(
            f"  - date: 2026-11-{1 + j % 20:02d}\n    text: 报告 {j} **要点**\n"
            for j in range(200)))
    out = root.path / "_site"
    (out / "projects").mkdir(parents=True)
    (out / "index.html").write_text("published", encoding="utf-8")
    (out / "data.json").write_text("{}", encoding="utf-8")
    before = snapshot(out)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    command = [sys.executable, "-m", "generator", "build", "--root", str(root.path),
               "--today", "2026-11-25"]
    for moment in ("while loading", "while writing"):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        if moment == "while writing":  # wait until the staging folder is being filled
            deadline = time.monotonic() + 30
            while not list(root.path.glob("._site.building-*/projects/*")):
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.001)
        else:
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert snapshot(out) == before, moment
        deadline = time.monotonic() + 10
        while left := processes_naming(root.path):  # its workers die with it
            assert time.monotonic() < deadline, f"{moment}: left running: {left}"
            time.sleep(0.05)
    # The next build clears the killed builds' staging folders and publishes.
    subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root.path),
                    "--today", "2026-11-25"], env=env, check=True, capture_output=True)
    assert (out / "projects" / "p00" / "index.html").exists()
    assert sorted(p.name for p in root.path.iterdir()) == [".cache", "_site", "projects", "site.yaml"]


def test_an_output_folder_that_is_not_a_site_is_never_replaced(run: Run, root: Root) -> None:
    root.project("p", MINIMAL_PROJECT)
    documents = root.path / "documents"
    documents.mkdir()
    (documents / "report.docx").write_bytes(b"precious")
    code, _out, err = run("build", "--root", root.path, "--out", documents, "--today", "2026-11-25")
    assert code == 2
    assert "is not empty and is not a site built before (it has no data.json)" in err
    assert (documents / "report.docx").read_bytes() == b"precious"
    code, _out, err = run("build", "--root", root.path, "--out", root.path / "projects",
                          "--today", "2026-11-25")
    assert code == 2 and (root.path / "projects" / "p.yaml").is_file()


def test_a_bug_in_the_generator_is_one_line_not_a_traceback(
    run: Run, root: Root, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import pipeline

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "build_site", broken)
    root.project("p", MINIMAL_PROJECT)
    code, _out, err = run("build", "--root", root.path, "--today", "2026-11-25")
    assert code == 1
    assert err.startswith("progress-site: internal error: RuntimeError: boom\n")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("template", "broken", "expected"),
    [
        ("index.html", "{% block main %}", "{% block main %}{{ no_such_value.x }}"),
        ("project.html", "{% block main %}", "{% block main %}{% if %}"),
    ],
    ids=["fails-while-rendering", "does-not-compile"],
)
def test_a_theme_that_fails_leaves_the_previous_site(
    root: Root, tmp_path: Path, template: str, broken: str, expected: str
) -> None:
    import datetime as dt
    import shutil

    from generator import pipeline, render

    root.project("p", MINIMAL_PROJECT)
    out = root.path / "_site"
    today = dt.date(2026, 11, 25)
    pipeline.build_site(root.path, out, today)
    before = snapshot(out)
    theme = tmp_path / "theme"
    shutil.copytree(pipeline.THEME, theme)
    target = theme / "templates" / template
    text = target.read_text(encoding="utf-8")
    assert broken in text
    target.write_text(text.replace(broken, expected, 1), encoding="utf-8")
    with pytest.raises(render.ThemeError) as caught:
        pipeline.build_site(root.path, out, today, theme=theme)
    assert caught.value.file.endswith(template)
    assert caught.value.line > 0
    assert snapshot(out) == before
    assert sorted(p.name for p in root.path.iterdir()) == [".cache", "_site", "projects", "site.yaml"]
