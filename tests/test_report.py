"""``report add``: a report written into its project file as a minimal edit.

The property test takes every project file of the repository and a set of layouts written
inline (lists absent, empty, ``[]``, ``~``, indentless, flow; block texts with trailing blank
lines, ``|+``; four-space indentation; no final line break), each also with CRLF line ends
and with a byte order mark, and adds generated reports (texts with YAML's own characters,
tabs, emoji, lines of spaces, leading and trailing blanks) with a milestone reached and
figures. Each time: the diff of old and new lines shows only inserted lines (except the one
line of a ``[]``, ``~`` or flow collection that grows), the line ends and the mark are kept,
the file validates, and it reads back as exactly the old data plus the new note, done date
and figures, computed here independently.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import difflib
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator import filing, validate
from generator.loader import load_bytes
from tests.conftest import REPO, TODAY, Root, RunResult

Run = Callable[..., RunResult]
SITE = validate.validate_site(load_bytes((REPO / "site.yaml").read_bytes(), "site.yaml"))[0]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
REPOSITORY_FILES = sorted((REPO / "projects").glob("*.yaml"))


@dataclass(frozen=True)
class Layout:
    """A project file, and which of its lists grow on a line of their own (inline: the one
    line holding ``[]``, ``~`` or a flow collection changes rather than new lines come)."""

    name: str
    text: str
    inline: frozenset[str] = frozenset()
    """'notes', 'milestones' (a done date into a flow mapping), 'values' (a figure)."""


LAYOUTS = [
    Layout(
        "notes-absent",
        """\
        # 项目文件：注释要保留
        title: '一流本科专业建设'   # 单引号
        lead: "academic-affairs"

        milestones:
          - title: 完成方案
            due: 2026-03-31
            start: 2026-01-05   # 计划

          - title: 中期检查
            id: mid
            due: 2026-12-31
        indicators:
          - name: 新建课程数
            unit: 门
            values:
              - date: 2026-06-30
                value: 12
        # 文件到此为止
        """,
    ),
    Layout(
        "notes-empty-key",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        notes:
        milestones:
          - title: 完成方案
            due: 2026-03-31
        indicators:
          - name: 新建课程数
            values:
              - {date: 2026-06-30, value: 12}
        """,
    ),
    Layout(
        "notes-null",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        notes: ~  # 暂无
        milestones:
        - title: 完成方案
          due: 2026-03-31
        indicators:
        - name: 新建课程数
          values: []
        """,
        frozenset({"notes", "values"}),
    ),
    Layout(
        "notes-flow-empty",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        milestones: [{title: 完成方案, due: 2026-03-31}]
        indicators:
          - {name: 新建课程数, unit: 门}
        notes: []
        """,
        frozenset({"notes", "milestones", "values"}),
    ),
    Layout(
        "notes-flow",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        milestones:
          - {title: 完成方案, due: 2026-03-31}
        indicators:
          - name: 新建课程数
            values: [{date: 2026-06-30, value: 12}]
        notes: [{date: 2026-11-01, text: 第一次}, {date: 2026-11-08, kind: next, text: 第二次}]
        """,
        frozenset({"notes", "milestones", "values"}),
    ),
    Layout(
        "indentless-block-texts",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        notes:
        - date: 2026-11-01
          kind: problem
          text: |
            第一段

            - 列表


        # 节点
        milestones:
        - title: 完成方案
          due: 2026-03-31
          note: >
            折叠的
            说明

        indicators:
        - name: 新建课程数
          values:
          - date: 2026-06-30
            value: 12

        """,
    ),
    Layout(
        "keep-chomping-at-the-end",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        milestones:
          - title: 完成方案
            due: 2026-03-31
        notes:
          - date: 2026-11-01
            text: |+
              保留结尾的空行


        """,
    ),
    Layout(
        "four-spaces-dash-alone",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        milestones:
            -
                title: 完成方案
                due: 2026-03-31
        indicators:
            -   name: 新建课程数
                values:
                    -   date: 2026-06-30
                        value: 12
        notes:
            -
                date: 2026-11-01
                text: "引号里的文字"
        """,
    ),
]


def variants(text: str) -> list[tuple[str, bytes]]:
    """A file's text as LF, CRLF, with a byte order mark, and without its last line break."""
    lf = text.replace("\r\n", "\n")
    return [
        ("lf", lf.encode()),
        ("crlf", lf.replace("\n", "\r\n").encode()),
        ("bom", codecs.BOM_UTF8 + lf.encode()),
        ("bom-crlf", codecs.BOM_UTF8 + lf.replace("\n", "\r\n").encode()),
        ("no-final-break", lf.rstrip("\n").encode()),
    ]


SOURCES: list[tuple[str, bytes, frozenset[str]]] = [
    *(
        (f"{path.stem}-{kind}", raw, frozenset())
        for path in REPOSITORY_FILES
        for kind, raw in variants(path.read_text(encoding="utf-8"))
    ),
    *(
        (f"{layout.name}-{kind}", raw, layout.inline)
        for layout in LAYOUTS
        for kind, raw in variants(textwrap.dedent(layout.text))
    ),
]

SPECIAL = [
    "key: value",
    "---",
    "...",
    "# not a comment",
    "- not a list",
    "* not a list",
    "> not a quote",
    "| not a block",
    "'",
    '"',
    "\\",
    "\t",
    " ",
    "   ",
    "\n",
    "\n\n",
    "&anchor",
    "*alias",
    "!tag",
    "%YAML",
    "@",
    "`",
    "{",
    "[",
    ",",
    "~",
    "null",
    "no",
    "2026-02-30",
    "12:30",
    "😀",
    "中文",
    "\u3000",
    "\xa0",
    "\u2028",
    "\x85",
    "\ufeff",
    "\r",
    "\x00",
    "\x1b",
    "\x7f",
]
texts = (
    st.lists(
        st.one_of(
            st.sampled_from(SPECIAL),
            st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
        ),
        min_size=1,
        max_size=12,
    )
    .map("".join)
    .filter(lambda t: bool(t.strip()))
)


def parsed(raw: bytes) -> Any:
    doc = load_bytes(raw, "projects/x.yaml")
    assert not [d for d in doc.diagnostics if d.severity == "error"]
    return doc.data


def reportable(raw: bytes) -> tuple[list[tuple[int, Any]], list[tuple[int, Any, set[str]]]]:
    """The file's milestones that may be marked done today (not done, started), and its
    indicators with the dates they have figures for."""
    assert SITE is not None
    project, _ = validate.validate_project(load_bytes(raw, "projects/x.yaml"), "x", SITE, TODAY)
    assert project is not None
    milestones = [
        (i, m)
        for i, m in enumerate(project.data.milestones)
        if m.done is None and (m.start is None or m.start <= TODAY)
    ]
    indicators = [
        (i, d, {v.date.isoformat() for v in d.values})
        for i, d in enumerate(project.data.indicators)
    ]
    return milestones, indicators


@st.composite
def reports(draw: st.DrawFn) -> tuple[str, bytes, frozenset[str], filing.Request]:
    name, raw, inline = draw(st.sampled_from(SOURCES))
    milestones, indicators = reportable(raw)
    day = draw(st.dates(dt.date(2026, 1, 1), TODAY))
    milestone = draw(st.sampled_from([None, *milestones])) if milestones else None
    figures: list[filing.Figure] = []
    figure_date = TODAY
    if indicators and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(indicators), max_size=3, unique_by=lambda x: x[0]))
        figure_date = draw(st.dates(dt.date(2026, 1, 1), TODAY))
        for _, indicator, dates in chosen:
            if figure_date.isoformat() not in dates:
                value = draw(st.sampled_from(["0", "12", "3.5", "-7", "1e3", "+2", ".5", "98.60"]))
                figures.append(filing.Figure(indicator.name, value))
    request = filing.Request(
        project="x",
        kind=draw(st.sampled_from(filing.KINDS)),
        text=draw(texts),
        date=day,
        author=draw(st.sampled_from(["", "教务处 张老师", 'O\'Brien: "QA" # 1'])),
        milestone=milestone[1].id or milestone[1].title if milestone else "",
        done=TODAY if milestone else None,
        figures=tuple(figures),
        figure_date=figure_date if figures else None,
    )
    return name, raw, inline, request


def expected_data(old: Any, request: filing.Request) -> Any:
    """The old data plus the report, computed without the code under test."""
    data = copy.deepcopy(old)
    note = {"date": request.date.isoformat(), "kind": request.kind, "text": request.text}
    if request.author:
        note["author"] = request.author
    data["notes"] = [*(data.get("notes") or []), note]
    if request.milestone:
        assert request.done is not None
        for milestone in data["milestones"]:
            if request.milestone in (milestone.get("id"), milestone["title"]):
                milestone["done"] = request.done.isoformat()
                break
    for figure in request.figures:
        assert request.figure_date is not None
        indicator = next(d for d in data["indicators"] if d["name"] == figure.name)
        point = {"date": request.figure_date.isoformat(), "value": figure.value}
        indicator["values"] = [*(indicator.get("values") or []), point]
    return data


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """The old lines the diff removes (a line's own break counted), and the new ones."""
    matcher = difflib.SequenceMatcher(
        None, old.splitlines(keepends=True), new.splitlines(keepends=True), autojunk=False
    )
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += matcher.a[i1:i2]
            added += matcher.b[j1:j2]
    return removed, added


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(reports())
@example(
    (
        "first-class-majors-lf",
        (REPO / "projects/first-class-majors.yaml").read_bytes(),
        frozenset(),
        filing.Request("x", "progress", "长" * 10_000, TODAY),
    )
)
@example(
    (
        "first-class-majors-crlf",
        (REPO / "projects/first-class-majors.yaml").read_bytes().replace(b"\n", b"\r\n"),
        frozenset(),
        filing.Request("x", "problem", "\t" * 9_999 + "x", TODAY),
    )
)
def test_a_report_adds_lines_and_nothing_else(
    case: tuple[str, bytes, frozenset[str], filing.Request],
) -> None:
    name, raw, inline, request = case
    assert SITE is not None
    new, added = filing.edit(raw, "projects/x.yaml", SITE, request, TODAY)
    old_text, new_text = raw.decode("utf-8-sig"), new.decode("utf-8-sig")
    # The byte order mark and the line ends are the file's.
    assert new.startswith(codecs.BOM_UTF8) == raw.startswith(codecs.BOM_UTF8), name
    newline = "\r\n" if "\r\n" in old_text else "\n"
    # The diff: new lines only, but for the line that grows when a list or mapping is
    # written on it, and a last line that gets its line break.
    removed, lines = changed_lines(old_text, new_text)
    targets = {"notes"} | ({"milestones"} if request.milestone else set())
    targets |= {"values"} if request.figures else set()
    # (A file without a final line break: its last line gets one, and a block text ending
    # there becomes |- so as not to take that break as its own.)
    growing = len(inline & targets) + (0 if old_text.endswith(("\n", "\r")) else 2)
    assert len(removed) <= growing, (name, removed)
    if not removed:
        assert all(line.endswith(newline) for line in lines), (name, lines)
    # It reads back as the old data plus the report, and validates.
    assert parsed(new) == expected_data(parsed(raw), request), name
    project, problems = validate.validate_project(
        load_bytes(new, "projects/x.yaml"), "x", SITE, TODAY
    )
    assert project is not None, (name, [p.format("en") for p in problems])
    assert project.data.notes[-1].date == request.date
    assert added.date == request.date and added.kind == request.kind


def test_the_new_note_is_written_as_people_write_it() -> None:
    raw = textwrap.dedent(
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        milestones:
          - title: 完成方案
            due: 2026-03-31
            start: 2026-01-05
            owner: academic-affairs
        indicators:
          - name: 新建课程数
            values:
              - {date: 2026-06-30, value: 12}
        notes:
          - date: 2026-11-01
            text: 第一次
        """
    ).encode()
    request = filing.Request(
        "x",
        "problem",
        "**师资**不足：\n- 两个专业\n\n  缩进的一行",
        dt.date(2026, 11, 20),
        author="教务处",
        milestone="完成方案",
        done=dt.date(2026, 11, 20),
        figures=(filing.Figure("新建课程数", "14"),),
        figure_date=dt.date(2026, 11, 20),
    )
    assert SITE is not None
    new, _ = filing.edit(raw, "projects/x.yaml", SITE, request, TODAY)
    assert new.decode() == textwrap.dedent(
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        milestones:
          - title: 完成方案
            due: 2026-03-31
            done: 2026-11-20
            start: 2026-01-05
            owner: academic-affairs
        indicators:
          - name: 新建课程数
            values:
              - {date: 2026-06-30, value: 12}
              - {date: 2026-11-20, value: 14}
        notes:
          - date: 2026-11-01
            text: 第一次
          - date: 2026-11-20
            kind: problem
            author: 教务处
            text: |-
              **师资**不足：
              - 两个专业

                缩进的一行
        """
    )


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("完成第一轮评估", ["text: 完成第一轮评估"]),
        ("  两个空格开头\n第二行", ["text: |2-", "    两个空格开头", "  第二行"]),
        ("结尾换行\n", ["text: |", "  结尾换行"]),
        ("两个换行\n\n", ["text: |+", "  两个换行", "", ""]),
        ("a: b", ["text: |-", "  a: b"]),
        ("响铃\x07", ['text: "响铃\\a"']),
        ("行\r\n分隔", ['text: "行\\r\\n分隔"']),
    ],
)
def test_each_text_is_written_in_the_plainest_form_that_reads_back(
    text: str, written: list[str]
) -> None:
    raw = b"title: t\nlead: personnel\n"
    assert SITE is not None
    new, _ = filing.edit(
        raw, "projects/x.yaml", SITE, filing.Request("x", "progress", text, TODAY), TODAY
    )
    lines = new.decode().split("\n")
    assert lines[2:6] == [
        "notes:",
        "  - date: 2026-11-25",
        "    kind: progress",
        "    " + written[0],
    ]
    assert [line.removeprefix("  ") for line in lines[6 : 5 + len(written)]] == [
        w and "  " + w for w in written[1:]
    ]
    assert parsed(new)["notes"][0]["text"] == text


# --- the command line ------------------------------------------------------------------------

PROJECT = """\
title: 一流本科专业建设
lead: academic-affairs
milestones:
  - title: 完成方案
    due: 2026-03-31
    done: 2026-03-30
  - title: 中期检查
    id: mid
    due: 2026-12-31
    start: 2026-11-01
  - title: 年度总结
    due: 2026-12-31
    start: 2026-12-10
indicators:
  - name: 新建课程数
    unit: 门
    values:
      - {date: 2026-06-30, value: 12}
  - name: 参与教师
notes:
  - date: 2026-11-01
    text: 第一次
"""


@pytest.fixture
def project(root: Root) -> Path:
    return root.project("majors", PROJECT)


def test_report_add_writes_the_report_and_says_what(run: Run, root: Root, project: Path) -> None:
    code, out, err = run(
        "report", "add", "majors", "--root", root.path, "--today", TODAY.isoformat(),
        "--kind", "下一步措施", "--text", "组织中期检查", "--author", "教务处",
        "--done", "mid", "--on", "2026-11-24",
        "--figure", "新建课程数 = 15", "--figure", "参与教师\uff1d40", "--figure-date", "2026-11-20",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "projects/majors.yaml: added the next steps report of 2026-11-25",
        "the milestone '中期检查' done on 2026-11-24",
        "新建课程数 = 15 on 2026-11-20",
        "参与教师 = 40 on 2026-11-20",
    ]
    text = project.read_text(encoding="utf-8")
    assert "    done: 2026-11-24\n    start: 2026-11-01\n" in text
    assert "      - {date: 2026-11-20, value: 15}\n" in text
    assert "  - name: 参与教师\n    values:\n      - {date: 2026-11-20, value: 40}\n" in text
    assert text.endswith(
        "  - date: 2026-11-25\n    kind: next\n    author: 教务处\n    text: 组织中期检查\n"
    )
    assert run("check", "--root", root.path, "--today", TODAY.isoformat())[0] == 0


def test_the_file_keeps_its_permissions(run: Run, root: Root, project: Path) -> None:
    project.chmod(0o640)
    args = ("report", "add", "majors", "--root", root.path, "--today", TODAY.isoformat())
    assert run(*args, "--kind", "progress", "--text", "x")[0] == 0
    assert project.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in project.parent.iterdir()] == ["majors.yaml"]  # no temporary file


REFUSED: list[tuple[list[str], list[str], list[str]]] = [
    (
        ["nosuch", "--kind", "progress", "--text", "x"],
        [
            "there is no project 'nosuch' (no file projects/nosuch.yaml); the projects are: majors",
        ],
        ["没有项目“nosuch”（没有文件 projects/nosuch.yaml）；现有项目：majors"],
    ),
    (
        ["major", "--kind", "progress", "--text", "x"],
        [
            "there is no project 'major' (no file projects/major.yaml) (did you mean 'majors'?); "
            "the projects are: majors"
        ],
        ["没有项目“major”（没有文件 projects/major.yaml）（是否想写“majors”？）；现有项目：majors"],
    ),
    (
        ["majors", "--kind", "progres", "--text", " \n ", "--date", "2026/11/20"],
        [
            "'--text' is empty; write what was done, found, planned or decided",
            "'progres' is not allowed for '--kind' (did you mean 'progress'?); use one of: "
            "progress, problem, next, decision, 进展, 存在问题, 下一步措施, 决定",
            "'--date' must be a date written YYYY-MM-DD (for example 2026-06-15), not '2026/11/20'",
        ],
        [
            "“--text”为空；请填写进展、问题、下一步措施或决定的内容",
            "“--kind”不能取“progres”（是否想写“progress”？）；可选值："
            "progress, problem, next, decision, 进展, 存在问题, 下一步措施, 决定",
            "“--date”应为 YYYY-MM-DD 格式的日期（例如 2026-06-15），而不是“2026/11/20”",
        ],
    ),
    (
        [
            "majors",
            "--kind",
            "progress",
            "--text",
            "x",
            "--date",
            "2026-11-26",
            "--on",
            "2026-02-30",
        ],
        [
            "the date 2026-11-26 is after today (2026-11-25); figures and notes are recorded "
            "for dates that have come",
            "'2026-02-30' is not a real calendar date (--on); check the month and the day",
            "'--on' is given without '--done': say which milestone was reached",
        ],
        [
            "日期 2026-11-26 晚于今天（2026-11-25）；数据和报告只能记录已到来的日期",
            "“2026-02-30”不是实际存在的日期（--on）；请检查月份和日期",
            "填写了“--on”却没有填写“--done”：请说明是哪个节点完成了",
        ],
    ),
    (
        [
            "majors",
            "--kind",
            "progress",
            "--text",
            "x",
            "--done",
            "中期",
            "--figure",
            "新建课程 = 十五",
        ],
        [
            "'新建课程' must be a number such as 12 or 3.5, not '十五'",
            "projects/majors.yaml has no milestone '中期' (did you mean '中期检查'?); write a "
            "milestone's title or id as the file has it: '完成方案', '中期检查 (mid)', '年度总结'",
        ],
        [
            "“新建课程”应为数字，例如 12 或 3.5，而不是“十五”",
            "projects/majors.yaml 中没有节点“中期”（是否想写“中期检查”？）；请填写文件中某个节点的"
            "名称或编号：“完成方案”、“中期检查 (mid)”、“年度总结”",
        ],
    ),
    (
        [
            "majors",
            "--kind",
            "progress",
            "--text",
            "x",
            "--figure",
            "新建课程数=15",
            "--figure",
            "课程",
        ],
        [
            "'课程' is not a figure: write the indicator's name, '=' and the number, for "
            "example 资产账实相符率 = 98.5",
        ],
        ["“课程”不是指标数值：请写成“指标名称 = 数值”，例如“资产账实相符率 = 98.5”"],
    ),
    (
        [
            "majors",
            "--kind",
            "progress",
            "--text",
            "x",
            "--done",
            "完成方案",
            "--figure",
            "新建课程=15",
        ],
        [
            "the milestone '完成方案' is already done (on 2026-03-30); there is nothing to record",
            "projects/majors.yaml has no indicator '新建课程' (did you mean '新建课程数'?); write "
            "an indicator's name as the file has it: '新建课程数', '参与教师'",
        ],
        [
            "节点“完成方案”已于 2026-03-30 完成，无需再登记",
            "projects/majors.yaml 中没有指标“新建课程”（是否想写“新建课程数”？）；请填写文件中某个"
            "指标的名称：“新建课程数”、“参与教师”",
        ],
    ),
    (
        [
            "majors",
            "--kind",
            "progress",
            "--text",
            "x",
            "--figure",
            "新建课程数=15",
            "--figure-date",
            "2026-06-30",
        ],
        [
            "the indicator '新建课程数' already has a figure for 2026-06-30 (12); to correct it, "
            "edit the file",
        ],
        ["指标“新建课程数”在 2026-06-30 已有数值（12）；如需更正，请直接修改文件"],
    ),
    (
        ["majors", "--kind", "progress", "--text", "x" * 10_001, "--author", "a\nb"],
        [
            "'--text' is 10001 characters long; the limit is 10000",
            "'--author' must be one line",
        ],
        ["“--text”长 10001 个字符，上限是 10000", "“--author”只能写一行"],
    ),
]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize(("args", "en", "zh"), REFUSED)
def test_a_refused_report_says_why_and_writes_nothing(
    run: Run,
    root: Root,
    project: Path,
    language: str,
    args: list[str],
    en: list[str],
    zh: list[str],
) -> None:
    before = project.read_bytes()
    code, out, err = run(
        "report",
        "add",
        *args,
        "--root",
        root.path,
        "--today",
        TODAY.isoformat(),
        "--lang",
        language,
    )
    expected = en if language == "en" else zh
    last = "nothing was written" if language == "en" else "未写入任何内容"
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        *(f"progress-site report: error: {line}" for line in expected),
        f"progress-site report: {last}",
    ]
    assert project.read_bytes() == before


def test_a_milestone_done_before_its_planned_start_is_recorded_with_a_warning(
    run: Run, root: Root, project: Path
) -> None:
    """A done date is a fact and a start a plan: the report is written, and says what the
    file now warns about (its other warnings, there before, are not repeated)."""
    args = ("report", "add", "majors", "--root", root.path, "--today", TODAY.isoformat())
    code, out, err = run(*args, "--kind", "progress", "--text", "x", "--done", "年度总结")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "projects/majors.yaml: added the progress report of 2026-11-25",
        "the milestone '年度总结' done on 2026-11-25",
        "warning: projects/majors.yaml:13: the completion date 2026-11-25 is before the "
        "milestone's planned start 2026-12-10; it is recorded as done (if the work began "
        "earlier than planned, correct 'start')",
    ]
    assert "    done: 2026-11-25\n" in project.read_text(encoding="utf-8")


def test_a_file_with_errors_is_not_edited(run: Run, root: Root) -> None:
    path = root.project("majors", "title: 一流本科专业建设\nlead: academic-afairs\n")
    before = path.read_bytes()
    args = ("report", "add", "majors", "--root", root.path, "--today", TODAY.isoformat())
    code, _, err = run(*args, "--kind", "progress", "--text", "x", "--lang", "zh-CN")
    assert code == 1
    assert err.splitlines() == [
        "progress-site report: error: projects/majors.yaml 本身有错误；请先改正，再提交报告：",
        "  projects/majors.yaml:2:7: 部门“academic-afairs”未在 site.yaml 中登记（是否想写"
        "“academic-affairs”？）；请使用那里列出的部门编号或名称",
        "progress-site report: 未写入任何内容",
    ]
    assert path.read_bytes() == before


def test_a_link_out_of_the_repository_is_not_followed(run: Run, root: Root, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(MINIMAL := "title: t\nlead: personnel\n", encoding="utf-8")
    (root.path / "projects" / "linked.yaml").symlink_to(outside)
    args = ("report", "add", "linked", "--root", root.path, "--today", TODAY.isoformat())
    code, _, err = run(*args, "--kind", "progress", "--text", "x")
    assert code == 1
    assert err.splitlines()[0] == (
        "progress-site report: error: projects/linked.yaml is not a regular file inside the "
        "repository; it is not edited"
    )
    assert outside.read_text(encoding="utf-8") == MINIMAL


def test_the_default_date_is_today_in_the_sites_time_zone(
    run: Run, root: Root, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.pipeline as pipeline

    monkeypatch.setattr(pipeline, "today_in_site_zone", lambda root: dt.date(2026, 11, 24))
    assert (
        run("report", "add", "majors", "--root", root.path, "--kind", "progress", "--text", "x")[0]
        == 0
    )
    assert project.read_text(encoding="utf-8").endswith(
        "  - date: 2026-11-24\n    kind: progress\n    text: x\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["report", "add", "majors", "--kind", "progress"],
        ["report", "add", "--text", "x", "--kind", "progress"],
        ["report", "apply"],
        ["report", "apply", "--form", "a.json", "--issue-body", "b.md"],
        ["report"],
    ],
)
def test_a_report_command_missing_its_parts_is_a_usage_error(
    run: Run, root: Root, args: list[str]
) -> None:
    code, out, err = run(*args, "--root", root.path) if args != ["report"] else run(*args)
    assert (code, out) == (2, "")
    assert "usage: progress-site report" in err
    assert "Traceback" not in err
