"""The report form: ``.github/ISSUE_TEMPLATE/report.yml``, an issue form in the site's
language, and the reading of what it sends back.

``forms`` writes the form from ``site.yaml`` and ``projects/`` (every project a choice,
"title (id)"), and ``forms --check`` says when the file in the repository is out of date, as
``schema --check`` does for the JSON Schemas. An issue filed with the form reaches ``report
apply`` either as the issue's body (GitHub writes each answer under a ``### <label>`` heading,
``_No response_`` for an empty one: :func:`answers_from_body`) or as the JSON that an issue
form parser makes of it, keyed by field id (:func:`answers_from_json`). Both are untrusted:
every size is bounded before anything else is done, and the answers become a
:class:`generator.filing.Draft` that :func:`generator.filing.check` checks like the command
line's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from generator.filing import KIND_WORDS, KINDS, Added, Draft, ReportError
from generator.loader import load_bytes
from generator.models import ID_PATTERN, SiteConfig

FORM_FILE = ".github/ISSUE_TEMPLATE/report.yml"
REGENERATE = "python -m generator forms"
MAX_BODY = 65_536
"""Characters of an issue's body: GitHub's own limit."""
MAX_JSON = 4 * MAX_BODY
MAX_FIELD = 12_000
"""Characters of one answer (the report's text is bounded again, more tightly, by the check)."""
NO_RESPONSE = "_No response_"
REPORT_LABEL = {"zh-CN": "进展报告", "en": "progress-report"}
"""The label the form gives its issues, which the workflow listens for."""
FIX_LABEL = {"zh-CN": "需要修改", "en": "needs-fix"}
"""The label a report that could not be applied gets."""
_ID = re.compile(ID_PATTERN)
_CHOICE = re.compile(r"\((?P<id>[a-z0-9][a-z0-9-]*)\)\s*$")


@dataclass(frozen=True)
class Answers:
    """The form's answers, by field id: the keys ``report apply`` reads. (The form's own
    field ids are written in :data:`_FIELDS`; a test holds the two to each other.)"""

    project: str = ""
    kind: str = ""
    date: str = ""
    text: str = ""
    milestone: str = ""
    done: str = ""
    figures: str = ""
    figure_date: str = ""
    author: str = ""


ANSWER_KEYS = tuple(f.name for f in fields(Answers))


@dataclass(frozen=True)
class _Field:
    id: str
    type: str
    """dropdown, input or textarea."""
    label: tuple[str, str]
    """English, Chinese."""
    description: tuple[str, str]
    required: bool = False
    placeholder: tuple[str, str] = ("", "")

    @property
    def multiline(self) -> bool:
        return self.type == "textarea"


_FIELDS = (
    _Field(
        "project",
        "dropdown",
        ("Project", "项目"),
        (
            "The project you report on (already chosen when you came from the project's page "
            "on the site).",
            "要报告的项目（从网站项目页的“提交进展”进入时已选好）。",
        ),
        required=True,
    ),
    _Field(
        "kind",
        "dropdown",
        ("Kind of report", "报告类型"),
        (
            "Progress made, a problem met, the next steps, or a decision taken.",
            "进展、存在问题、下一步措施，还是决定。",
        ),
        required=True,
    ),
    _Field(
        "date",
        "input",
        ("Date", "日期"),
        (
            "The report's date, written YYYY-MM-DD (for example 2026-06-15); left empty, "
            "the day this issue is filed.",
            "报告日期，写成 YYYY-MM-DD（例如 2026-06-15）；留空即为提交当天。",
        ),
        placeholder=("YYYY-MM-DD", "YYYY-MM-DD"),
    ),
    _Field(
        "text",
        "textarea",
        ("Report", "报告内容"),
        (
            "What was done, found, planned or decided. Markdown works: **bold**, lists "
            "starting with '- ', [links](https://…).",
            "做了什么、遇到什么问题、下一步怎么做或作出了什么决定。可用 Markdown："
            "**加粗**、以“- ”开头的列表、[链接](https://…)。",
        ),
        required=True,
    ),
    _Field(
        "milestone",
        "input",
        ("Milestone reached", "已完成的节点"),
        (
            "Optional: a milestone this report marks as done, by its title or id as the "
            "project's page lists it.",
            "可选：本次完成的节点，填写项目页“节点”表中的节点名称或编号。",
        ),
    ),
    _Field(
        "done",
        "input",
        ("Date the milestone was reached", "节点完成日期"),
        (
            "Optional: YYYY-MM-DD; left empty, the report's date.",
            "可选：YYYY-MM-DD；留空即为报告日期。",
        ),
        placeholder=("YYYY-MM-DD", "YYYY-MM-DD"),
    ),
    _Field(
        "figures",
        "textarea",
        ("Figures", "指标数值"),
        (
            "Optional: one a line, written 'indicator's name = number', with the names the "
            "project's page lists under Indicators.",
            "可选：每行一个，写成“指标名称 = 数值”，指标名称与项目页“指标”表中一致。",
        ),
        placeholder=("Courses rebuilt = 14", "资产账实相符率 = 98.5"),
    ),
    _Field(
        "figure_date",
        "input",
        ("Date of the figures", "数值日期"),
        (
            "Optional: YYYY-MM-DD; left empty, the report's date.",
            "可选：YYYY-MM-DD；留空即为报告日期。",
        ),
        placeholder=("YYYY-MM-DD", "YYYY-MM-DD"),
    ),
    _Field(
        "author",
        "input",
        ("Reported by", "填报人"),
        (
            "Optional: the department or person reporting.",
            "可选：填报的部门或人员，例如“教务处 张老师”。",
        ),
    ),
)

_WORDS: dict[str, tuple[str, str]] = {
    "name": ("Progress report", "进展报告"),
    "description": (
        "Report a project's progress, a problem, the next steps or a decision, and record a "
        "milestone reached or the latest figures. A pull request that changes the project's "
        "file is made from it; once reviewed and merged, the report is on the site.",
        "报告项目的进展、存在问题、下一步措施或决定，也可登记节点完成和指标数值。"
        "提交后会自动生成修改项目文件的拉取请求，经审核合并后显示在网站上。",
    ),
    "title": ("[Report] ", "[进展报告] "),
    "intro": (
        "Fill in the form and click **Submit new issue**. Within a few minutes a comment "
        "below the issue links the pull request made from it, for the office to review; or, "
        "if something must be corrected, says what. Then edit the issue (**⋯** → **Edit**) "
        "and save it: it is tried again.",
        "填写后点击 **Submit new issue** 提交。几分钟内本议题下会出现一条评论：成功时附上据此"
        "生成的拉取请求链接，由督查部门审核；需要修改时说明原因，请点击右上角 **⋯** → "
        "**Edit** 修改后保存，系统会自动重试。",
    ),
    "header": (
        "# Generated from site.yaml and projects/ by `{command}`: do not edit it by hand; run\n"
        "# it again after adding, removing or renaming a project (a test fails otherwise).\n",
        "# 本文件由 `{command}` 根据 site.yaml 和 projects/ 生成，请勿手工修改；\n"
        "# 新增、删除项目或修改项目名称后请重新运行该命令（否则测试会失败）。\n",
    ),
    "stale": (
        "this file is out of date with site.yaml and projects/; regenerate it: {command}",
        "该文件与 site.yaml 或 projects/ 不一致，已过期；请重新生成：{command}",
    ),
    "missing": ("this file is missing; generate it: {command}", "缺少该文件；请生成：{command}"),
    "ok": ("the report form is current ({n} projects)", "进展报告表单为最新（{n} 个项目）"),
    "written": ("wrote {file} ({n} projects)", "已生成 {file}（{n} 个项目）"),
    "too_large": (
        "the {what} is {size} characters long; the limit is {limit}",
        "{what}长 {size} 个字符，上限是 {limit}",
    ),
    "body": ("issue's text", "议题正文"),
    "json": ("form's JSON", "表单 JSON"),
    "not_json": (
        "the form's answers are not a JSON object of texts by field id ({detail})",
        "表单数据不是按字段编号组织的 JSON 对象（{detail}）",
    ),
    "unknown_field": (
        "the form's answers hold an unknown field '{key}'; the fields are: {allowed}",
        "表单数据含有未知字段“{key}”；字段为：{allowed}",
    ),
    "not_text": (
        "the answer '{key}' is not text",
        "字段“{key}”的内容不是文字",
    ),
    "not_the_form": (
        "the issue's text is not the report form's: the heading '### {label}' is missing "
        "or out of order; edit the issue so that every heading of the form is there, in order",
        "议题正文不是进展报告表单的格式：缺少标题“### {label}”或顺序不对；请编辑议题，"
        "保留表单的全部标题并按原顺序排列",
    ),
    "field_too_long": (
        "'{name}' is {size} characters long; the limit is {limit}",
        "“{name}”长 {size} 个字符，上限是 {limit}",
    ),
    "field_one_line": ("'{name}' must be one line", "“{name}”只能写一行"),
    "no_project": (
        "'{name}' does not name a project: choose one from the list",
        "“{name}”没有选择项目：请从列表中选择",
    ),
}


def word(which: str, lang: str, **args: object) -> str:
    en, zh = _WORDS[which]
    return (zh if lang == "zh-CN" else en).format(**args)


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh-CN" else pair[0]


def label(key: str, lang: str) -> str:
    """The form's label for the field ``key``, in ``lang``."""
    return _pick(next(f.label for f in _FIELDS if f.id == key), lang)


def project_choice(title: str, project_id: str) -> str:
    """The project's choice in the form's list (and in the link that prefills it):
    ``标题 (id)``, the title on one line."""
    return f"{' '.join(title.split())} ({project_id})"


def kind_choices(lang: str) -> list[str]:
    """The form's choices of kind, in the order of :data:`generator.filing.KINDS`."""
    return [_pick(KIND_WORDS[kind], lang).capitalize() for kind in KINDS]


# --- the form ------------------------------------------------------------------------------


def choices(root: Path) -> list[str]:
    """Every project of ``projects/``, in the order of the files' names, as a choice. A
    file's title as written (the id when it has none): the form is a function of the
    files' bytes, valid or not."""
    found = []
    folder = root / "projects"
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    for path in paths:
        if not _ID.match(path.stem) or not path.is_file():
            continue
        try:
            data = load_bytes(path.read_bytes(), path.name).data
        except OSError:
            data = None
        title = data.get("title") if isinstance(data, dict) else None
        text = title if isinstance(title, str) and title.strip() else path.stem
        found.append(project_choice(text, path.stem))
    return found


def render(site: SiteConfig, projects: list[str]) -> str:
    """The issue form's text (deterministic: the same inputs, the same bytes)."""
    lang = site.language
    out = [word("header", lang, command=REGENERATE)]
    out += [
        f"name: {_quote(word('name', lang))}",
        f"description: {_quote(word('description', lang))}",
        f"title: {_quote(word('title', lang))}",
        f"labels: [{_quote(REPORT_LABEL[lang])}]",
        "body:",
        "  - type: markdown",
        "    attributes:",
        f"      value: {_quote(word('intro', lang))}",
    ]
    for item in _FIELDS:
        out += [
            f"  - type: {item.type}",
            f"    id: {item.id}",
            "    attributes:",
            f"      label: {_quote(_pick(item.label, lang))}",
            f"      description: {_quote(_pick(item.description, lang))}",
        ]
        if _pick(item.placeholder, lang):
            out.append(f"      placeholder: {_quote(_pick(item.placeholder, lang))}")
        if item.id == "project":
            out += ["      options:", *(f"        - {_quote(c)}" for c in projects)]
        if item.id == "kind":
            out += ["      options:", *(f"        - {_quote(c)}" for c in kind_choices(lang))]
            out.append("      default: 0")
        if item.required:
            out += ["    validations:", "      required: true"]
    return "\n".join(out) + "\n"


def _quote(text: str) -> str:
    """A double-quoted YAML scalar (JSON's escapes are YAML's): never read as anything
    but that text, by any YAML reader (GitHub's reads ``no`` as false, unquoted)."""
    return json.dumps(text, ensure_ascii=False)


def form_text(root: Path, site: SiteConfig) -> tuple[str, int]:
    """The form for the files under ``root``, and how many projects it lists."""
    projects = choices(root)
    return render(site, projects), len(projects)


def write(root: Path, site: SiteConfig) -> tuple[Path, int]:
    text, count = form_text(root, site)
    target = root / FORM_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    return target, count


def stale(root: Path, site: SiteConfig) -> tuple[str | None, int]:
    """Why the repository's form is not the one ``forms`` would write (None when it is),
    as ``file:1:1: message``; and how many projects it lists."""
    text, count = form_text(root, site)
    path = root / FORM_FILE
    if not path.is_file():
        return f"{FORM_FILE}:1:1: {word('missing', site.language, command=REGENERATE)}", count
    if path.read_bytes() != text.encode("utf-8"):
        return f"{FORM_FILE}:1:1: {word('stale', site.language, command=REGENERATE)}", count
    return None, count


# --- the answers ---------------------------------------------------------------------------


def answers_from_json(raw: bytes, lang: str) -> Answers:
    """The answers as an issue form parser gives them: a JSON object, field id → text
    (``_No response_`` or null for an empty answer)."""
    if len(raw) > MAX_JSON:
        raise ReportError(
            [word("too_large", lang, what=word("json", lang), size=len(raw), limit=MAX_JSON)]
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReportError([word("not_json", lang, detail=str(exc)[:200])]) from None
    if not isinstance(data, dict):
        raise ReportError([word("not_json", lang, detail=type(data).__name__)])
    problems: list[str] = []
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in ANSWER_KEYS:
            shown = str(key)[:100]
            problems.append(word("unknown_field", lang, key=shown, allowed=", ".join(ANSWER_KEYS)))
        elif value is not None and not isinstance(value, str):
            problems.append(word("not_text", lang, key=key))
        else:
            values[key] = "" if value is None else value
    if problems:
        raise ReportError(problems)
    return _answers(values, lang)


def answers_from_body(body: str, lang: str) -> Answers:
    """The answers from an issue's body as GitHub writes it for the form: each under its
    field's ``### label`` heading, in the form's order (in ``lang``, else in the other
    language). A long answer may itself hold a line like a later heading: the headings
    after the first long answer are therefore found from the end."""
    if len(body) > MAX_BODY:
        raise ReportError(
            [word("too_large", lang, what=word("body", lang), size=len(body), limit=MAX_BODY)]
        )
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: dict[str, str] | None = None
    missing, furthest = "", -1
    for language in (lang, "en" if lang == "zh-CN" else "zh-CN"):
        headings = [f"### {_pick(f.label, language)}" for f in _FIELDS]
        found, absent = _sections(lines, headings)
        if found is not None:
            break
        if headings.index(absent) > furthest:  # the language the body is written in
            missing, furthest = absent, headings.index(absent)
    if found is None:
        raise ReportError([word("not_the_form", lang, label=missing.removeprefix("### "))])
    return _answers(found, lang)


def _sections(lines: list[str], headings: list[str]) -> tuple[dict[str, str] | None, str]:
    """Each field's text, or None and the first heading not found."""
    at: list[int] = [0] * len(headings)
    first_long = next(i for i, f in enumerate(_FIELDS) if f.multiline)
    start = 0
    for i in range(first_long + 1):  # forwards: the answers before hold one line each
        hit = _find(lines, headings[i], start, len(lines), last=False)
        if hit is None:
            return None, headings[i]
        at[i], start = hit, hit + 1
    end = len(lines)
    for i in range(len(headings) - 1, first_long, -1):  # backwards from the end
        hit = _find(lines, headings[i], start, end, last=True)
        if hit is None:
            return None, headings[i]
        at[i], end = hit, hit
    texts: dict[str, str] = {}
    for i, item in enumerate(_FIELDS):
        stop = at[i + 1] if i + 1 < len(at) else len(lines)
        texts[item.id] = "\n".join(lines[at[i] + 1 : stop]).strip("\n")
    return texts, ""


def _find(lines: list[str], heading: str, start: int, end: int, last: bool) -> int | None:
    indexes = range(end - 1, start - 1, -1) if last else range(start, end)
    return next((i for i in indexes if lines[i].rstrip() == heading), None)


def _answers(values: Mapping[str, str], lang: str) -> Answers:
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for item in _FIELDS:
        text = values.get(item.id, "")
        if text.strip() == NO_RESPONSE:
            text = ""
        name = _pick(item.label, lang)
        if len(text) > MAX_FIELD:
            problems.append(
                word("field_too_long", lang, name=name, size=len(text), limit=MAX_FIELD)
            )
            continue
        if not item.multiline:
            text = text.strip()
            if "\n" in text or "\r" in text:
                problems.append(word("field_one_line", lang, name=name))
                continue
        clean[item.id] = text
    if problems:
        raise ReportError(problems)
    return Answers(**clean)


def draft(answers: Answers, lang: str) -> Draft:
    """The answers as a report to check: the project from its choice's ``(id)``, the kind
    from its choice's words (or the value itself), the figures one a line."""
    choice = answers.project.strip()
    match = _CHOICE.search(choice)
    project = match.group("id") if match else choice if _ID.match(choice) else ""
    if not project:
        raise ReportError([word("no_project", lang, name=label("project", lang))])
    kinds = {
        c.lower(): k
        for language in ("zh-CN", "en")
        for c, k in zip(kind_choices(language), KINDS, strict=True)
    }
    kind = kinds.get(answers.kind.strip().lower(), answers.kind)
    return Draft(
        project=project,
        kind=kind,
        text=answers.text,
        date=answers.date,
        author=answers.author,
        milestone=answers.milestone,
        done=answers.done,
        figures=tuple(line for line in answers.figures.split("\n") if line.strip()),
        figure_date=answers.figure_date,
        names={f.id: _pick(f.label, lang) for f in _FIELDS},
    )


# --- what the workflow says --------------------------------------------------------------

_RESULT_WORDS: dict[str, tuple[str, str]] = {
    "pr_title": ("Report: {title} ({date})", "进展报告：{title}（{date}）"),
    "pr_body": (
        "The report filed in the issue, written into `{file}`:",
        "根据议题中提交的进展报告修改 `{file}`：",
    ),
    "pr_review": (
        "Check the change under **Files changed** before merging.",
        "合并前请在 **Files changed** 中核对修改内容。",
    ),
    "proposed": (
        "The report is written into a pull request: {url}\n\nOnce the office has reviewed "
        "and merged it, the report is on the site. To change it, edit this issue and save "
        "it: the pull request follows.",
        "已根据本报告生成拉取请求：{url}\n\n督查部门审核合并后，报告即显示在网站上。"
        "如需修改，直接编辑本议题并保存，拉取请求会随之更新。",
    ),
    "refused": (
        "The report could not be written into the project's file, for this reason:",
        "本报告未能写入项目文件，原因如下：",
    ),
    "fix": (
        "Correct it by editing this issue (**⋯** → **Edit**) and saving it: it is tried "
        "again. Nothing was changed in the repository.",
        "请点击右上角 **⋯** → **Edit** 修改本议题后保存，系统会自动重试。仓库中未作任何修改。",
    ),
}


def _said(key: str, lang: str, **args: object) -> str:
    en, zh = _RESULT_WORDS[key]
    return (zh if lang == "zh-CN" else en).format(**args)


def result(lang: str, added: Added | None, error: ReportError | None = None) -> dict[str, Any]:
    """What ``report apply --result`` leaves for the workflow, in ``lang``: on success the
    pull request's title and body and the issue's comment (its ``{url}`` for the pull
    request's address); else the comment saying why, and the label asking for a fix."""
    if added is not None:
        lines = added.lines(lang)
        body = [_said("pr_body", lang, file=added.file), "", *(f"- {line}" for line in lines)]
        return {
            "ok": True,
            "file": added.file,
            "title": _one_line(_said("pr_title", lang, title=added.project_title, date=added.date)),
            "summary": "\n".join([*body, "", _said("pr_review", lang)]) + "\n",
            "comment": _said("proposed", lang, url="{url}") + "\n",
            "label": FIX_LABEL[lang],
        }
    reasons = [*(error.reasons if error else []), *(error.details if error else [])]
    return {
        "ok": False,
        "comment": "\n\n".join([_said("refused", lang), _fenced(reasons), _said("fix", lang)])
        + "\n",
        "label": FIX_LABEL[lang],
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())[:250]


def _fenced(lines: list[str]) -> str:
    """``lines`` as a Markdown code block that no backticks in them can close early."""
    text = "\n".join(lines)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"
