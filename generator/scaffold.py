"""``new ID``: a new project file, every field explained in comments, that validates as is.

The comments are in the site's language. The file starts with the line that tells the
YAML editor which schema to use; sample milestones, indicators and notes are written as
comments, so nothing made up appears on the site until someone writes it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from generator.diagnostics import suggest
from generator.loader import load_bytes
from generator.messages import render_message
from generator.models import ID_PATTERN, SiteConfig
from generator.schema import PROJECTS_DIR, SCHEMA_LINE

_ID = re.compile(ID_PATTERN)

_WORDS: dict[str, tuple[str, str]] = {
    "bad_id": (
        "{message}; the id becomes the file name projects/<id>.yaml and part of the site's "
        "addresses (for example first-class-majors)",
        "{message}；编号就是文件名 projects/<编号>.yaml，也是网址的一部分"
        "（例如 first-class-majors）",
    ),
    "exists": (
        "{file} already exists and was left as it is; edit that file, or choose another id",
        "{file} 已存在，未做任何改动；请直接编辑该文件，或换一个项目编号",
    ),
    "bad_lead": (
        "--lead '{value}' is not a department declared in site.yaml{hint}; "
        "use one of these ids (or the department's name): {allowed}",
        "--lead “{value}”不是 site.yaml 中登记的部门{hint}；"
        "请使用下列部门编号之一（或部门名称）：{allowed}",
    ),
    "empty_title": (
        "--title is empty; give the project's name, for example --title '一流本科专业建设'",
        "--title 为空；请填写项目名称，例如 --title '一流本科专业建设'",
    ),
    "write_failed": ("{file} could not be written: {reason}", "无法写入 {file}：{reason}"),
    "written": ("wrote {file}", "已创建 {file}"),
    "next": (
        "Next steps:\n"
        "  1. open {file} and fill in the title, lead department, milestones and notes "
        "(the comments explain every field);\n"
        "  2. run `python -m generator check` to validate it;\n"
        "  3. commit the file and open a pull request (see CONTRIBUTING.en.md).",
        "下一步：\n"
        "  1. 打开 {file}，按注释填写项目名称、牵头部门、节点和进展报告；\n"
        "  2. 运行 `python -m generator check` 检查文件；\n"
        "  3. 提交该文件并发起拉取请求（pull request），详见 CONTRIBUTING.md。",
    ),
}


class NewProjectError(Exception):
    """A refused ``new``: the message in words, and the exit code (1 input, 2 usage)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def word(key: str, language: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if language == "zh-CN" else en).format(**args)


def check_id(project_id: str, language: str) -> str:
    """The id to use (a trailing ``.yaml`` dropped); NewProjectError (usage) if it is invalid."""
    if project_id.endswith(".yaml"):
        project_id = project_id[: -len(".yaml")]
    if not _ID.match(project_id):
        message = render_message("bad_id", {"value": project_id}, language)
        raise NewProjectError(word("bad_id", language, message=message), 2)
    return project_id


def resolve_lead(site: SiteConfig, lead: str | None) -> str:
    """The department id for ``--lead`` (an id or a name); the first department if not given."""
    if lead is None:
        return site.departments[0].id
    wanted = lead.strip()
    for department in site.departments:
        if wanted in (department.id, department.name):
            return department.id
    choices = [d.id for d in site.departments] + [d.name for d in site.departments]
    message = word(
        "bad_lead",
        site.language,
        value=lead,
        hint=_hint(suggest(wanted, choices), site.language),
        allowed=", ".join(d.id for d in site.departments),
    )
    raise NewProjectError(message, 1)


def create_project(
    root: Path,
    site: SiteConfig,
    project_id: str,
    today: dt.date,
    title: str | None = None,
    lead: str | None = None,
) -> Path:
    """Write ``projects/<id>.yaml`` under ``root``; never overwrites. Returns the path."""
    language = site.language
    project_id = check_id(project_id, language)
    if title is not None and not title.strip():
        raise NewProjectError(word("empty_title", language), 2)
    lead_id = resolve_lead(site, lead)
    text = render_project(site, project_id, today, title, lead_id)
    file = f"{PROJECTS_DIR}/{project_id}.yaml"
    target = root / PROJECTS_DIR / f"{project_id}.yaml"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except FileExistsError:
        raise NewProjectError(word("exists", language, file=file), 1) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise NewProjectError(word("write_failed", language, file=file, reason=reason), 1) from None
    return target


def render_project(
    site: SiteConfig, project_id: str, today: dt.date, title: str | None, lead_id: str
) -> str:
    """The text of a new project file, with comments in the site's language."""
    zh = site.language == "zh-CN"
    names = {d.id: d.name for d in site.departments}
    width = max(len(d.id) for d in site.departments)
    listing = "\n".join(f"#   {d.id:<{width}}  {d.name}" for d in site.departments)
    placeholder = "（待填写）项目名称" if zh else "(to be filled in) project title"
    template = _ZH if zh else _EN
    return template.format(
        schema_line=SCHEMA_LINE,
        id=project_id,
        title=_scalar(title.strip() if title else placeholder),
        lead=lead_id,
        lead_name=_scalar(names[lead_id]),
        departments=listing,
        today=today.isoformat(),
        year_end=f"{today.year}-12-31",
    )


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when the generator reads it back unchanged."""
    if value == value.strip() and "\n" not in value:
        doc = load_bytes(f"k: {value}\n".encode(), "-")
        if not doc.diagnostics and doc.data == {"k": value}:
            return value
    return json.dumps(value, ensure_ascii=False)


def _hint(suggestion: str | None, language: str) -> str:
    if not suggestion:
        return ""
    return (
        f"（是否想写“{suggestion}”？）"
        if language == "zh-CN"
        else f" (did you mean '{suggestion}'?)"
    )


_ZH = """\
{schema_line}
#
# 项目文件 projects/{id}.yaml。文件名（不含 .yaml）就是项目编号，出现在网站的网址中，
# 建好后请勿更改。以 # 开头的行是注释，不会显示在网站上，可以保留也可以删除；
# 删去某行行首的“# ”即可启用该行。只能用空格缩进，同一层的键从同一列开始；
# 日期一律写成 YYYY-MM-DD，例如 2026-06-15。在 VS Code 中编辑时会自动提示可填的键和部门。

# 项目名称（必填），纯文字。
title: {title}

# 项目简介：目标与主要内容，可用 Markdown（**加粗**、以“- ”开头的列表、[链接](https://…)）。
# 多行时写成下面这样，每行比 summary 多缩进两个空格：
# summary: |
#   按照……的部署，……
summary: ""

# 牵头部门（必填）：site.yaml 中登记的部门编号（也可以写部门名称）：
{departments}
lead: {lead}

# 责任部门：其余参与的部门（不含牵头部门），写法同上，例如 [finance, logistics]。
departments: []

# 帮包领导：分管或帮包的领导，例如 赵明（副校长）。
sponsor: ""

# 联系人：有问题时找谁。
contact: ""

# 项目开始日期和截止日期，格式 YYYY-MM-DD。截止日期确定后，删去 due 行首的“# ”并改成实际日期。
start: {today}
# due: {year_end}

# 状态：active（进行中）、paused（暂停）、done（已完成）或 cancelled（已取消）。
status: active

# 标签：自由填写，例如 [党建, 人才培养]。
tags: []

# 节点：项目的时间节点。每个节点以“- title:”开头，其余各行与 title 对齐：
#   title   要完成的事项（必填）
#   due     截止日期（必填）；经同意推迟时，请在 notes 中写一条 kind: decision 的报告说明原因
#   start   开始日期
#   done    实际完成日期，完成后再填写，不能晚于今天
#   owner   负责部门：部门编号或名称
#   weight  在进度计算中的分量，大于 0，不写时为 1
#   note    备注，可用 Markdown
#   id      可选的固定编号（小写字母、数字和连字符），本项目内不能重复；
#           节点改名后仍保留原定日期和调整记录
milestones:
  # - title: 印发工作方案
  #   due: {year_end}
  #   owner: {lead}

# 指标：逐周填报的数据。每个指标以“- name:”开头：
#   name      统计的内容（必填）
#   unit      单位，例如 门、人、%
#   target    目标值（数字）
#   baseline  开始时的数值（数字）
#   values    带日期的数值，每行一个，日期不能晚于今天
indicators:
  # - name: 已完成数量
  #   unit: 个
  #   target: 10
  #   baseline: 0
  #   values:
  #     - {{date: {today}, value: 0}}

# 进展报告：每条以“- date:”开头，新的写在最后：
#   date    报告日期（必填），不能晚于今天
#   kind    progress（进展）、problem（问题）、next（下一步）或 decision（决定）
#   author  报告人或报告部门
#   text    报告内容（必填），可用 Markdown；多行时写成“text: |”，下面各行多缩进两个空格
notes:
  # - date: {today}
  #   kind: progress
  #   author: {lead_name}
  #   text: 建立项目文件，启动项目。
"""

_EN = """\
{schema_line}
#
# Project file projects/{id}.yaml. The file name without .yaml is the project's id; it
# appears in the site's addresses, so do not change it once the project is published.
# Lines starting with # are comments: they are not shown on the site, and you may keep or
# delete them; remove the "# " at the start of a line to use it. Indent with spaces only,
# keys of the same block start in the same column; write every date as YYYY-MM-DD, for
# example 2026-06-15. VS Code suggests the keys and departments as you type.

# The project's name (required), in plain text.
title: {title}

# What the project is for, in Markdown (**bold**, lists of lines starting with "- ",
# [links](https://…)). For several lines write it like this, indented two more spaces:
# summary: |
#   Following the plan of …
summary: ""

# The lead department (required): a department id from site.yaml (or its name):
{departments}
lead: {lead}

# The other responsible departments (not the lead), written the same way,
# for example [finance, logistics].
departments: []

# The leader in charge of the project.
sponsor: ""

# Whom to ask about the project.
contact: ""

# Start and due dates, YYYY-MM-DD. Once the due date is agreed, remove the "# " before due
# and write the real date.
start: {today}
# due: {year_end}

# Status: active, paused, done or cancelled.
status: active

# Free labels, for example [teaching, research].
tags: []

# Milestones: the project's time nodes. Each starts with "- title:"; its other lines line
# up with title:
#   title   what is to be achieved (required)
#   due     deadline (required); when it is moved with the office's agreement, add a note of
#           kind: decision saying why
#   start   when work starts
#   done    completion date: write it once done; not after today
#   owner   the department that delivers it: an id or name
#   weight  relative size in the progress figure, > 0; 1 when left out
#   note    remarks, in Markdown
#   id      optional fixed key (a-z, 0-9, hyphens), unique in the project: the milestone
#           keeps its baseline and re-plans when its title changes
milestones:
  # - title: Issue the work plan
  #   due: {year_end}
  #   owner: {lead}

# Indicators: figures reported week by week. Each starts with "- name:":
#   name      what is counted (required)
#   unit      unit of the figures, e.g. %, people
#   target    the figure to reach (a number)
#   baseline  the figure at the start (a number)
#   values    dated figures, one a line; no date after today
indicators:
  # - name: Items completed
  #   unit: items
  #   target: 10
  #   baseline: 0
  #   values:
  #     - {{date: {today}, value: 0}}

# Notes: dated reports, newest last. Each starts with "- date:":
#   date    date of the report (required); not after today
#   kind    progress, problem, next or decision
#   author  who reports
#   text    the report (required), in Markdown; for several lines write "text: |" and
#           indent the lines two more spaces
notes:
  # - date: {today}
  #   kind: progress
  #   author: {lead_name}
  #   text: Project file created; work starts.
"""
