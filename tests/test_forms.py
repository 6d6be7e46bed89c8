"""The report form (``.github/ISSUE_TEMPLATE/report.yml``) and ``report apply``.

The form is generated from site.yaml and projects/ and kept current, as the JSON Schemas
are; its field ids are the keys ``report apply`` reads; the answers come back as the issue's
body (GitHub's ``### label`` sections) or as a parser's JSON, both untrusted and bounded.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import forms
from tests.conftest import REPO, TODAY, Root, RunResult

Run = Callable[..., RunResult]
FORM = REPO / forms.FORM_FILE
IDS = ["project", "kind", "date", "text", "milestone", "done", "figures", "figure_date", "author"]

PROJECT = """\
title: 一流本科专业建设
lead: academic-affairs
milestones:
  - title: 中期检查
    id: mid
    due: 2026-12-31
indicators:
  - name: 新建课程数
    values:
      - {date: 2026-06-30, value: 12}
"""


def body(answers: dict[str, str], lang: str = "zh-CN") -> str:
    """An issue's body as GitHub writes it for the form: each answer under its label."""
    return "\n\n".join(
        f"### {forms.label(key, lang)}\n\n{answers.get(key) or forms.NO_RESPONSE}" for key in IDS
    )


def form_fields(text: str) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = yaml.safe_load(text)["body"]
    return [f for f in fields if "id" in f]


# --- the form is current, and its ids are what apply reads -----------------------------


def test_the_repositorys_form_is_current(run: Run, tmp_path: Path) -> None:
    shutil.copytree(REPO / "projects", tmp_path / "projects")
    shutil.copy(REPO / "site.yaml", tmp_path / "site.yaml")
    code, out, err = run("forms", "--root", tmp_path)
    assert (code, err) == (0, "")
    assert out == f"已生成 {forms.FORM_FILE}（9 个项目）\n"
    assert (tmp_path / forms.FORM_FILE).read_bytes() == FORM.read_bytes(), (
        f"{forms.FORM_FILE} is out of date: run python -m generator forms"
    )
    assert run("forms", "--root", REPO, "--check") == (0, "进展报告表单为最新（9 个项目）\n", "")


def test_forms_check_names_a_missing_or_stale_form(run: Run, root: Root) -> None:
    root.project("majors", PROJECT)
    assert run("forms", "--root", root.path, "--check") == (
        1,
        "",
        f"{forms.FORM_FILE}:1:1: this file is missing; generate it: python -m generator forms\n",
    )
    assert run("forms", "--root", root.path)[0] == 0
    assert run("forms", "--root", root.path, "--check")[0] == 0
    root.project("talent", "title: 高层次人才引进\nlead: personnel\n")
    assert run("forms", "--root", root.path, "--check") == (
        1,
        "",
        f"{forms.FORM_FILE}:1:1: this file is out of date with site.yaml and projects/; "
        "regenerate it: python -m generator forms\n",
    )


def test_the_forms_field_ids_are_the_keys_report_apply_reads() -> None:
    ids = [f["id"] for f in form_fields(FORM.read_text(encoding="utf-8"))]
    assert ids == list(forms.ANSWER_KEYS) == IDS
    # Every key is read: a JSON answer naming each one is taken, any other is refused.
    answers = forms.answers_from_json(json.dumps(dict.fromkeys(ids, "x")).encode(), "en")
    assert [getattr(answers, key) for key in IDS] == ["x"] * len(IDS)
    with pytest.raises(forms.ReportError):
        forms.answers_from_json(b'{"projects": "x"}', "en")


def test_the_form_lists_every_project_and_applies_the_label(root: Root) -> None:
    root.project("majors", PROJECT)
    root.project("no-title", "lead: personnel\n")  # invalid, still listed, by its id
    root.project("long", 'title: "一流\\n  专业  建设: 二期"\nlead: personnel\n')
    from generator import schema

    site, _ = schema.load_site(root.path)
    assert site is not None
    form = yaml.safe_load(forms.render(site, forms.choices(root.path)))
    assert form["labels"] == ["progress-report"]
    fields = {f["id"]: f for f in form["body"] if "id" in f}
    assert fields["project"]["attributes"]["options"] == [
        "一流 专业 建设: 二期 (long)",
        "一流本科专业建设 (majors)",
        "no-title (no-title)",
    ]
    assert fields["kind"]["attributes"]["options"] == ["Progress", "Problem", "Next steps", "Decision"]
    assert [f["id"] for f in form["body"] if f.get("validations", {}).get("required")] == [
        "project",
        "kind",
        "text",
    ]


# --- the answers ------------------------------------------------------------------------------


def test_the_issue_body_gives_back_each_answer() -> None:
    text = "完成中期检查：\n\n### 已完成的节点\n\n### 日期\n_No response_ 不是空的\n  缩进"
    answers = forms.answers_from_body(
        body(
            {
                "project": "一流本科专业建设 (majors)",
                "kind": "存在问题",
                "text": text,
                "milestone": "mid",
                "figures": "新建课程数 = 15\n\n### 填报人\n参与教师 = 40",
                "author": "教务处",
            }
        ).replace("\n", "\r\n"),
        "zh-CN",
    )
    assert answers == forms.Answers(
        project="一流本科专业建设 (majors)",
        kind="存在问题",
        date="",
        text=text,
        milestone="mid",
        done="",
        figures="新建课程数 = 15\n\n### 填报人\n参与教师 = 40",
        figure_date="",
        author="教务处",
    )


def test_an_english_form_is_read_on_a_chinese_site() -> None:
    answers = forms.answers_from_body(body({"project": "x (x)", "text": "t"}, "en"), "zh-CN")
    assert (answers.project, answers.text, answers.kind) == ("x (x)", "t", "")


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        (
            body({"project": "x"}).replace("### 日期", "### 时间"),
            "the issue's text is not the report form's: the heading '### 日期' is missing or "
            "out of order; edit the issue so that every heading of the form is there, in order",
            "议题正文不是进展报告表单的格式：缺少标题“### 日期”或顺序不对；请编辑议题，"
            "保留表单的全部标题并按原顺序排列",
        ),
        (
            body({"project": "x", "milestone": "a\nb"}),
            "'Milestone reached' must be one line",
            "“已完成的节点”只能写一行",
        ),
        (
            "x" * (forms.MAX_BODY + 1),
            "the issue's text is 65537 characters long; the limit is 65536",
            "议题正文长 65537 个字符，上限是 65536",
        ),
        (
            body({"project": "x", "author": "张" * 12_001}),
            "'Reported by' is 12001 characters long; the limit is 12000",
            "“填报人”长 12001 个字符，上限是 12000",
        ),
    ],
)
def test_an_issue_body_that_is_not_the_form_is_refused(text: str, en: str, zh: str) -> None:
    for lang, words in (("en", en), ("zh-CN", zh)):
        with pytest.raises(forms.ReportError) as caught:
            forms.answers_from_body(text, lang)
        assert caught.value.reasons == [words]


@pytest.mark.parametrize(
    ("raw", "en"),
    [
        (b"[1, 2]", "the form's answers are not a JSON object of texts by field id (list)"),
        (
            b'{"text": "x", "title": "y"}',
            "the form's answers hold an unknown field 'title'; the fields are: project, kind, "
            "date, text, milestone, done, figures, figure_date, author",
        ),
        (b'{"text": ["x"]}', "the answer 'text' is not text"),
    ],
)
def test_a_parsers_json_that_is_not_the_forms_is_refused(raw: bytes, en: str) -> None:
    with pytest.raises(forms.ReportError) as caught:
        forms.answers_from_json(raw, "en")
    assert caught.value.reasons == [en]


# --- report apply -------------------------------------------------------------------------


@pytest.fixture
def chinese(root: Root) -> Root:
    text = (root.path / "site.yaml").read_text(encoding="utf-8")
    (root.path / "site.yaml").write_text(text.replace("language: en", "language: zh-CN"), "utf-8")
    root.project("majors", PROJECT)
    return root


def test_report_apply_writes_the_issues_report(run: Run, chinese: Root, tmp_path: Path) -> None:
    issue = tmp_path / "body.md"
    issue.write_text(
        body(
            {
                "project": "一流本科专业建设 (majors)",
                "kind": "进展",
                "text": "完成**中期检查**",
                "milestone": "中期检查",
                "figures": "新建课程数 = 15",
                "author": "教务处",
            }
        ),
        encoding="utf-8",
    )
    result = tmp_path / "result.json"
    code, out, err = run(
        "report", "apply", "--root", chinese.path, "--issue-body", issue,
        "--filed-at", "2026-11-24T16:30:00Z", "--result", result, "--today", TODAY.isoformat(),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "projects/majors.yaml：已添加 2026-11-25 的进展报告",  # 00:30 in Shanghai, the 25th
        "节点“中期检查”完成于 2026-11-25",
        "新建课程数 = 15（2026-11-25）",
    ]
    assert (chinese.path / "projects" / "majors.yaml").read_text(encoding="utf-8") == PROJECT.replace(
        "    due: 2026-12-31\n", "    due: 2026-12-31\n    done: 2026-11-25\n"
    ).replace(
        "      - {date: 2026-06-30, value: 12}\n",
        "      - {date: 2026-06-30, value: 12}\n      - {date: 2026-11-25, value: 15}\n",
    ) + textwrap.dedent(
        """\
        notes:
          - date: 2026-11-25
            kind: progress
            author: 教务处
            text: 完成**中期检查**
        """
    )
    assert json.loads(result.read_text(encoding="utf-8")) == {
        "ok": True,
        "file": "projects/majors.yaml",
        "title": "进展报告：一流本科专业建设（2026-11-25）",
        "summary": "根据议题中提交的进展报告修改 `projects/majors.yaml`：\n\n"
        "- projects/majors.yaml：已添加 2026-11-25 的进展报告\n"
        "- 节点“中期检查”完成于 2026-11-25\n"
        "- 新建课程数 = 15（2026-11-25）\n\n"
        "合并前请在 **Files changed** 中核对修改内容。\n",
        "comment": "已根据本报告生成拉取请求：{url}\n\n督查部门审核合并后，报告即显示在网站上。"
        "如需修改，直接编辑本议题并保存，拉取请求会随之更新。\n",
        "label": "需要修改",
    }


def test_a_refused_form_leaves_its_reasons_for_the_issue(
    run: Run, chinese: Root, tmp_path: Path
) -> None:
    before = (chinese.path / "projects" / "majors.yaml").read_bytes()
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "project": "一流本科专业建设 (majors)",
                "kind": "汇报",
                "text": "```\n完成\n```",
                "milestone": "终期",
                "date": "_No response_",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = tmp_path / "result.json"
    code, out, err = run(
        "report", "apply", "--root", chinese.path, "--form", answers, "--result", result,
        "--today", TODAY.isoformat(),
    )  # fmt: skip
    assert (code, out) == (1, "")
    reasons = [
        "“报告类型”不能取“汇报”；可选值：progress, problem, next, decision, 进展, 存在问题, "
        "下一步措施, 决定",
        "projects/majors.yaml 中没有节点“终期”；请填写文件中某个节点的名称或编号：“中期检查 (mid)”",
    ]
    assert err.splitlines() == [
        *(f"progress-site report: error: {r}" for r in reasons),
        "progress-site report: 未写入任何内容",
    ]
    assert json.loads(result.read_text(encoding="utf-8")) == {
        "ok": False,
        "comment": "本报告未能写入项目文件，原因如下：\n\n```text\n"
        + "\n".join(reasons)
        + "\n```\n\n请点击右上角 **⋯** → **Edit** 修改本议题后保存，系统会自动重试。"
        "仓库中未作任何修改。\n",
        "label": "需要修改",
    }
    assert (chinese.path / "projects" / "majors.yaml").read_bytes() == before


def test_a_comment_fence_outlasts_the_backticks_it_quotes() -> None:
    error = forms.ReportError(["“````”不是指标数值"])
    comment = forms.result("zh-CN", None, error)["comment"]
    assert "\n`````text\n“````”不是指标数值\n`````\n" in comment


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--filed-at", "yesterday"], "'yesterday' is not a time with its offset"),
        (["--filed-at", "2026-11-24T16:30:00"], "'2026-11-24T16:30:00' is not a time with its offset"),
    ],
)
def test_a_filing_time_without_its_offset_is_a_usage_error(
    run: Run, chinese: Root, tmp_path: Path, args: list[str], message: str
) -> None:
    issue = tmp_path / "body.md"
    issue.write_text(body({"project": "x (majors)", "text": "t"}), encoding="utf-8")
    code, _, err = run("report", "apply", "--root", chinese.path, "--issue-body", issue, *args)
    assert code == 2
    assert message in err


def test_a_choice_that_names_no_project_is_refused(run: Run, chinese: Root, tmp_path: Path) -> None:
    issue = tmp_path / "body.md"
    issue.write_text(body({"project": "一流本科专业建设", "text": "t"}), encoding="utf-8")
    code, _, err = run("report", "apply", "--root", chinese.path, "--issue-body", issue)
    assert code == 1
    assert err.splitlines()[0] == "progress-site report: error: “项目”没有选择项目：请从列表中选择"


def test_the_readme_states_the_limits_and_every_command() -> None:
    from generator import filing

    readme = "".join(  # the README and the reference in docs/
        p.read_text(encoding="utf-8") for p in [REPO / "README.md", *(REPO / "docs").glob("*.md")]
    )
    for figure in (filing.MAX_TEXT, filing.MAX_LINE, filing.MAX_FIGURES, forms.MAX_BODY):
        assert f"{figure:,}" in readme
    for usage in ("\nreport add PROJECT", "\nreport apply (", "\nforms  [--root DIR] [--check]"):
        assert usage in readme
    for guide, heading in (
        ("CONTRIBUTING.md", "## 用表单提交进展（不用改文件）"),
        ("CONTRIBUTING.en.md", "## Report through the form (no file to edit)"),
    ):
        assert heading in (REPO / guide).read_text(encoding="utf-8")
