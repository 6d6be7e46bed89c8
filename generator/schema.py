"""JSON Schemas for editors, generated from :mod:`generator.models`.

``project_schema`` and ``site_schema`` start from pydantic's ``model_json_schema`` and
post-process it into what a YAML editor (VS Code's YAML extension, the yaml-language-server)
needs: titles and descriptions in the site's language, department references as an ``enum``
of the ids and names declared in ``site.yaml``, dates as ``YYYY-MM-DD`` strings, numbers as
numbers, and ``additionalProperties: false`` on every object.

The schema describes files as an editor reads them (YAML 1.2: ``2026-06-15`` is text, ``12``
is a number), while the generator's own loader keeps every scalar as text; so free-text
fields also accept numbers and booleans (``title: 2026`` is valid for ``check``).

``check_files`` is the ``schema --check`` mode used by the local pre-commit hook: it says
whether the files under ``schema/`` are current and validates ``site.yaml`` and every project
file against the schema, reporting ``file:line:col: message``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from generator.diagnostics import Diagnostic, make, suggest
from generator.loader import control_characters, load_bytes
from generator.messages import render_message
from generator.models import (
    _NUMBER,
    HANDLE_PATTERN,
    ID_PATTERN,
    REPOSITORY_PATTERN,
    Department,
    Indicator,
    IndicatorValue,
    Milestone,
    Note,
    ProjectFile,
    SiteConfig,
    date_problem,
)
from generator.validate import validate_site

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = "schema"
PROJECT_SCHEMA = "project.schema.json"
SITE_SCHEMA = "site.schema.json"
SITE_FILE = "site.yaml"
PROJECTS_DIR = "projects"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
NUMBER_PATTERN = _NUMBER.pattern
SCHEMA_LINE = f"# yaml-language-server: $schema=../{SCHEMA_DIR}/{PROJECT_SCHEMA}"
REGENERATE = f"python -m generator schema --out {SCHEMA_DIR}"

_MODELS: dict[str, type[BaseModel]] = {
    m.__name__: m
    for m in (SiteConfig, Department, ProjectFile, Milestone, Indicator, IndicatorValue, Note)
}

# (model, field or None for the model itself) -> (English title, Chinese title, Chinese
# description). English descriptions are the models' own docstrings and Field descriptions.
_WORDS: dict[tuple[str, str | None], tuple[str, str, str]] = {
    ("SiteConfig", None): ("Site settings", "站点设置", "site.yaml：站点设置与部门名录。"),
    ("SiteConfig", "title"): ("Site title", "站点标题", "站点标题，显示在每个页面上。"),
    ("SiteConfig", "organization"): ("Organisation", "单位名称", "运行本站点的单位。"),
    ("SiteConfig", "language"): (
        "Language",
        "语言",
        "站点自身文字的语言：zh-CN（简体中文）或 en（英文）。",
    ),
    ("SiteConfig", "timezone"): (
        "Time zone",
        "时区",
        "IANA 时区名，例如 Asia/Shanghai；“今天”指该时区的今天。",
    ),
    ("SiteConfig", "base_url"): (
        "Published address",
        "发布地址",
        "站点的发布网址，用于订阅源和链接，例如 https://example.org/progress/。",
    ),
    ("SiteConfig", "due_soon_days"): (
        "Due-soon window (days)",
        "临近到期天数",
        "截止日期在这么多天以内的节点显示为“即将到期”。",
    ),
    ("SiteConfig", "stale_after_days"): (
        "Stale after (days)",
        "久未更新天数",
        "最新进展报告早于这么多天的项目视为久未更新。",
    ),
    ("SiteConfig", "pace_weeks"): (
        "Pace window (weeks)",
        "速度统计周数",
        "指标的近期速度按最近这么多周（1 到 26）的数值计算；不写时为 4。",
    ),
    ("SiteConfig", "departments"): ("Departments", "部门", "项目可以引用的全部部门。"),
    ("Department", None): ("Department", "部门", "在 site.yaml 中登记的一个部门。"),
    ("Department", "id"): (
        "Department id",
        "部门编号",
        "用于网址的简短编号：只能用小写字母 a-z、数字和连字符，以字母或数字开头。",
    ),
    ("Department", "name"): ("Department name", "部门名称", "部门的通用名称，例如 教务处。"),
    ("Department", "contacts"): (
        "Contacts",
        "联系人账号",
        "督办提醒通知的人：代码平台账号，个人写作 @zhangsan，团队写作 @my-org/office。",
    ),
    ("SiteConfig", "repository"): (
        "Repository",
        "仓库",
        "存放本站点文件的仓库，写作 所有者/仓库名；不写时在持续集成中取平台提供的变量。",
    ),
    ("SiteConfig", "server"): (
        "Forge address",
        "代码平台地址",
        "代码平台不是 https://github.com 时（GitHub 企业版、自建 GitLab）填写其网址。",
    ),
    ("SiteConfig", "branch"): (
        "Published branch",
        "发布分支",
        "发布站点所用的分支；“编辑项目文件”链接打开该分支上的文件。",
    ),
    ("ProjectFile", None): ("Project file", "项目文件", "projects/<编号>.yaml：一个重点项目。"),
    ("ProjectFile", "title"): ("Project title", "项目名称", "项目名称，纯文字（必填）。"),
    ("ProjectFile", "summary"): (
        "Summary",
        "项目简介",
        "项目的目标与主要内容，可用 Markdown。",
    ),
    ("ProjectFile", "lead"): (
        "Lead department",
        "牵头部门",
        "牵头部门（必填）：site.yaml 中登记的部门编号或名称。",
    ),
    ("ProjectFile", "departments"): (
        "Responsible departments",
        "责任部门",
        "其余责任部门（不含牵头部门）：site.yaml 中登记的部门编号或名称。",
    ),
    ("ProjectFile", "sponsor"): ("Leader in charge", "帮包领导", "分管或帮包的领导。"),
    ("ProjectFile", "contact"): ("Contact", "联系人", "有问题时找谁。"),
    ("ProjectFile", "start"): ("Start date", "开始日期", "项目开始日期，格式 YYYY-MM-DD。"),
    ("ProjectFile", "due"): ("Due date", "截止日期", "项目截止日期，格式 YYYY-MM-DD。"),
    ("ProjectFile", "status"): (
        "Status",
        "状态",
        "active（进行中）| paused（暂停）| done（已完成）| cancelled（已取消）。",
    ),
    ("ProjectFile", "tags"): ("Tags", "标签", "自由填写的标签。"),
    ("ProjectFile", "milestones"): ("Milestones", "节点", "项目的时间节点。"),
    ("ProjectFile", "indicators"): ("Indicators", "指标", "逐周填报、对照目标值的数据。"),
    ("ProjectFile", "notes"): ("Notes", "进展报告", "带日期的进展报告。"),
    ("Milestone", None): ("Milestone", "节点", "项目进度表中的一个时间节点。"),
    ("Milestone", "title"): ("Milestone", "节点内容", "要完成的事项，纯文字（必填）。"),
    ("Milestone", "due"): ("Due date", "截止日期", "截止日期，格式 YYYY-MM-DD（必填）。"),
    ("Milestone", "start"): ("Start date", "开始日期", "开始日期，格式 YYYY-MM-DD。"),
    ("Milestone", "done"): (
        "Completion date",
        "完成日期",
        "实际完成日期，格式 YYYY-MM-DD；尚未完成时不写。",
    ),
    ("Milestone", "owner"): (
        "Owner",
        "负责部门",
        "负责完成该节点的部门：site.yaml 中登记的部门编号或名称。",
    ),
    ("Milestone", "weight"): (
        "Weight",
        "权重",
        "该节点在进度计算中的相对分量，须大于 0；不写时为 1。",
    ),
    ("Milestone", "note"): ("Note", "备注", "备注，可用 Markdown。"),
    ("Milestone", "id"): (
        "Id",
        "节点编号",
        "可选的固定编号，在本项目内唯一（小写字母 a-z、数字和连字符）："
        "节点改名后仍保留其原定日期和调整记录。",
    ),
    ("Indicator", None): ("Indicator", "指标", "逐周跟踪、对照目标值的一项数据。"),
    ("Indicator", "name"): ("Name", "指标名称", "统计的内容（必填）。"),
    ("Indicator", "unit"): ("Unit", "单位", "数值的单位，例如 门、人、%。"),
    ("Indicator", "target"): ("Target", "目标值", "要达到的数值。"),
    ("Indicator", "baseline"): ("Baseline", "基准值", "开始时的数值。"),
    ("Indicator", "values"): ("Values", "数值", "带日期的数值。"),
    ("Indicator", "due"): (
        "Due date",
        "截止日期",
        "目标值应达到的日期，格式 YYYY-MM-DD；不写时取项目的截止日期。",
    ),
    ("Indicator", "direction"): (
        "Direction",
        "方向",
        "up（上升到目标值，默认）| down（下降到目标值，例如成本、积压数）。",
    ),
    ("IndicatorValue", None): ("Value", "数值", "指标在某一日期的数值。"),
    ("IndicatorValue", "date"): ("Date", "日期", "数值对应的日期，格式 YYYY-MM-DD（必填）。"),
    ("IndicatorValue", "value"): ("Value", "数值", "该日期的数值（必填）。"),
    ("Note", None): ("Note", "进展报告", "带日期的报告：进展、问题、下一步或决定。"),
    ("Note", "date"): ("Date", "日期", "报告日期，格式 YYYY-MM-DD（必填）。"),
    ("Note", "kind"): (
        "Kind",
        "类型",
        "progress（进展）| problem（问题）| next（下一步）| decision（决定）。",
    ),
    ("Note", "author"): ("Author", "报告人", "报告人或报告部门。"),
    ("Note", "text"): ("Text", "内容", "报告内容，可用 Markdown（必填）。"),
}

_DEPARTMENT_REF = (
    "A department id or its exact name, as in site.yaml.",
    "site.yaml 中登记的部门编号或部门名称。",
)

# Fields that name a department: their values get the enum of declared departments.
_DEPARTMENT_REFS = {("ProjectFile", "lead"), ("ProjectFile", "departments"), ("Milestone", "owner")}
# Text fields whose value is not free text, so a YAML number there is wrong anyway.
_STRING_ONLY = {
    ("SiteConfig", "timezone"),
    ("SiteConfig", "base_url"),
    ("SiteConfig", "repository"),
    ("SiteConfig", "server"),
    ("SiteConfig", "branch"),
    ("Department", "id"),
    ("Department", "contacts"),
    ("Milestone", "id"),
}
# Constraints enforced by validators that pydantic cannot express in a schema.
_EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    ("Milestone", "weight"): {"exclusiveMinimum": 0},
    ("Department", "id"): {"pattern": ID_PATTERN},
    ("Milestone", "id"): {"pattern": ID_PATTERN},
    ("SiteConfig", "base_url"): {"pattern": r"^https?://\S+$"},
    ("SiteConfig", "server"): {"pattern": r"^https?://\S+$"},
    ("SiteConfig", "repository"): {"pattern": REPOSITORY_PATTERN},
    ("Department", "contacts"): {"items": {"type": "string", "pattern": HANDLE_PATTERN}},
}
_TEXT_TYPES = ["string", "number", "boolean"]


# --- generating ----------------------------------------------------------------------------


def project_schema(site: SiteConfig) -> dict[str, Any]:
    """The schema of ``projects/<id>.yaml`` for this site (its language and departments)."""
    departments = [d.id for d in site.departments] + [d.name for d in site.departments]
    return _document(ProjectFile, site.language, departments)


def site_schema(language: str) -> dict[str, Any]:
    """The schema of ``site.yaml``, with its words in ``language``."""
    return _document(SiteConfig, language, [])


def dumps(schema: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, UTF-8 as is, final newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_texts(site: SiteConfig) -> dict[str, str]:
    """File name under ``schema/`` → its expected text."""
    return {
        PROJECT_SCHEMA: dumps(project_schema(site)),
        SITE_SCHEMA: dumps(site_schema(site.language)),
    }


def _document(model: type[BaseModel], language: str, departments: list[str]) -> dict[str, Any]:
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    schema = _object(model.__name__, raw, language, departments)
    schema["$schema"] = DIALECT
    if defs:
        schema["$defs"] = {
            name: _object(name, node, language, departments) for name, node in defs.items()
        }
    return schema


def _object(
    name: str, node: dict[str, Any], language: str, departments: list[str]
) -> dict[str, Any]:
    model = _MODELS[name]
    words = _words(name, None, node.get("description", ""), language)
    required = list(node.get("required", []))
    properties = {
        field: _property(model, field, prop, field in required, language, departments)
        for field, prop in node["properties"].items()
    }
    return {
        **words,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _property(
    model: type[BaseModel],
    field: str,
    prop: dict[str, Any],
    required: bool,
    language: str,
    departments: list[str],
) -> dict[str, Any]:
    key = (model.__name__, field)
    core = _without_null(prop)
    nullable = _accepts_none(model.model_fields[field])
    if key in _DEPARTMENT_REFS and core.get("type") == "array":
        schema: dict[str, Any] = {
            "type": "array",
            "items": _department_enum(departments, language, nullable=False),
        }
    elif key in _DEPARTMENT_REFS:
        schema = _department_enum(departments, language, nullable=nullable)
        nullable = False  # already part of the enum
    elif core.get("type") == "array":
        items = core["items"]
        schema = {"type": "array", "items": items if "$ref" in items else _scalar(items, key)}
        for limit in ("minItems", "maxItems"):
            if limit in core:
                schema[limit] = core[limit]
    else:
        schema = _scalar(core, key, required)
    if nullable:
        schema["type"] = [*_as_list(schema["type"]), "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    if "default" in prop and prop["default"] is not None and key not in _DEPARTMENT_REFS:
        schema["default"] = prop["default"]
    schema.update(_EXTRA.get(key, {}))
    schema.update(_words(*key, prop.get("description", ""), language))
    return schema


def _scalar(core: dict[str, Any], key: tuple[str, str], required: bool = True) -> dict[str, Any]:
    if core.get("format") == "date":
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if "enum" in core:
        return {"type": "string", "enum": list(core["enum"])}
    kind = core.get("type")
    if kind == "number":  # the generator also reads a number written in quotes
        return {"type": ["number", "string"], "pattern": NUMBER_PATTERN}
    if kind == "integer":
        bounds: dict[str, Any] = {k: core[k] for k in ("minimum", "maximum") if k in core}
        return {"type": "integer", **bounds}
    if kind == "string":
        schema: dict[str, Any] = {"type": "string" if key in _STRING_ONLY else list(_TEXT_TYPES)}
        if core.get("minLength"):
            schema["minLength"] = core["minLength"]
        return schema
    raise ValueError(f"no editor schema for {key}: {core}")  # a model change to handle here


def _department_enum(departments: list[str], language: str, *, nullable: bool) -> dict[str, Any]:
    en, zh = _DEPARTMENT_REF
    return {
        "type": ["string", "null"] if nullable else "string",
        "enum": [*departments, None] if nullable else list(departments),
        "description": zh if language == "zh-CN" else en,
    }


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" not in prop:
        return prop
    options = [o for o in prop["anyOf"] if o.get("type") != "null"]
    if len(options) != 1:
        raise ValueError(f"no editor schema for a union: {prop}")
    return {**options[0], **{k: v for k, v in prop.items() if k != "anyOf"}}


def _accepts_none(field: FieldInfo) -> bool:
    """Whether the model accepts an empty value here (the loader reads ``key:`` as None)."""
    annotation: Any = field.annotation
    if field.metadata:
        annotation = Annotated[(annotation, *field.metadata)]
    try:
        TypeAdapter(annotation).validate_python(None)
    except ValidationError:
        return False
    return True


def _words(model: str, field: str | None, english: str, language: str) -> dict[str, str]:
    en_title, zh_title, zh_description = _WORDS[(model, field)]
    if language == "zh-CN":
        return {"title": zh_title, "description": zh_description}
    return {"title": en_title, "description": english}


def _as_list(kind: str | list[str]) -> list[str]:
    return list(kind) if isinstance(kind, list) else [kind]


# --- reading site.yaml ---------------------------------------------------------------------


def load_site(root: Path) -> tuple[SiteConfig | None, list[Diagnostic]]:
    """``site.yaml`` under ``root``, validated; ``None`` and the problems when it is not valid."""
    path = root / SITE_FILE
    if not path.is_file():
        return None, [make(SITE_FILE, 1, 1, "file_missing", what=SITE_FILE)]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [make(SITE_FILE, 1, 1, "read_failed", reason=exc.strerror or str(exc))]
    return validate_site(load_bytes(raw, SITE_FILE))


def write_schemas(site: SiteConfig, out: Path) -> list[Path]:
    """Write both schema files into ``out`` (created if needed); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts(site).items():
        target = out / name
        target.write_text(text, encoding="utf-8", newline="\n")
        written.append(target)
    return written


# --- validating files against the schema (schema --check) ----------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    """A located problem found by ``schema --check``, its message already in words."""

    file: str
    line: int
    col: int
    message: str

    def format(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


_CHECK_WORDS: dict[str, tuple[str, str]] = {
    "stale": (
        "this file is out of date with site.yaml and the models; regenerate it: {command}",
        "该文件与 site.yaml 或数据模型不一致，已过期；请重新生成：{command}",
    ),
    "missing": (
        "this file is missing; generate it: {command}",
        "缺少该文件；请生成：{command}",
    ),
    "min_items": (
        "'{key}' needs at least {n} entry",
        "“{key}”至少需要 {n} 项",
    ),
    "ok": (
        "the schema files are current and all {n} files match the schema",
        "schema 文件为最新，全部 {n} 个文件符合 schema",
    ),
    "failed": ("{n} problem(s) found", "发现 {n} 个问题"),
    "no_jsonschema": (
        "schema --check needs the Python package jsonschema: "
        "install it with pip install -e '.[test]'",
        "schema --check 需要 Python 包 jsonschema：请运行 pip install -e '.[test]' 安装",
    ),
}


def check_word(name: str, language: str, **args: object) -> str:
    en, zh = _CHECK_WORDS[name]
    return (zh if language == "zh-CN" else en).format(**args)


def stale_files(root: Path, site: SiteConfig) -> list[Problem]:
    """A problem for each file under ``schema/`` that is missing or differs from the models."""
    problems = []
    for name, text in schema_texts(site).items():
        path = root / SCHEMA_DIR / name
        file = f"{SCHEMA_DIR}/{name}"
        if not path.is_file():
            word = check_word("missing", site.language, command=REGENERATE)
            problems.append(Problem(file, 1, 1, word))
        elif path.read_text(encoding="utf-8") != text:
            word = check_word("stale", site.language, command=REGENERATE)
            problems.append(Problem(file, 1, 1, word))
    return problems


def validate_files(root: Path, site: SiteConfig) -> tuple[int, list[Problem]]:
    """Validate ``site.yaml`` and every ``projects/*.yaml`` against the current schema.

    Returns the number of files read and the problems, sorted. Raises ImportError when
    the jsonschema package is not installed.
    """
    from jsonschema import Draft202012Validator

    checks = [(SITE_FILE, site_schema(site.language))]
    project = project_schema(site)
    folder = root / PROJECTS_DIR
    if folder.is_dir():
        checks += [
            (f"{PROJECTS_DIR}/{p.name}", project)
            for p in sorted(folder.glob("*.yaml"))
            if p.is_file()
        ]
    departments = set(project["properties"]["lead"]["enum"])
    problems: list[Problem] = []
    for file, schema in checks:
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        try:
            text = (root / file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                Problem(file, 1, 1, render_message("read_failed", {"reason": exc}, site.language))
            )
            continue
        controls = control_characters(text)
        for line, col, char in controls:  # the reader refuses them, as the generator does
            message = render_message("control_character", {"char": char}, site.language)
            problems.append(Problem(file, line, col, message))
        if controls:
            continue
        try:
            data, where = load_editor_yaml(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            message = render_message("yaml_syntax", {"problem": exc.problem}, site.language)
            problems.append(Problem(file, line, col, message))
            continue
        if data is None:
            message = render_message("empty_file", {}, site.language)
            problems.append(Problem(file, 1, 1, message))
            continue
        for error in validator.iter_errors(data):
            problems += _explain(error, file, where, departments, site.language)
    return len(checks), sorted(set(problems))


# --- YAML as an editor reads it ------------------------------------------------------------


class _EditorLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2's core types, as the yaml-language-server reads a
    file: dates stay text, only true/false are booleans."""


_EditorLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_EditorLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class _Where:
    values: dict[tuple[str | int, ...], tuple[int, int]]
    keys: dict[tuple[str | int, ...], tuple[int, int]]

    def value(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return (1, 1)

    def key(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        return self.keys.get(path) or self.value(path)


def load_editor_yaml(text: str) -> tuple[Any, _Where]:
    """The data of a YAML text, typed as an editor types it, and where each value is."""
    loader = _EditorLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    where = _Where({}, {})
    if node is not None:
        _locate(node, (), where)
    return data, where


def _locate(node: yaml.Node, path: tuple[str | int, ...], where: _Where) -> None:
    where.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            where.keys[(*path, key)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            _locate(value_node, (*path, key), where)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _locate(item, (*path, index), where)


# --- jsonschema errors in the generator's words --------------------------------------------

_REQUIRED = re.compile(r"^'(.+)' is a required property")


def _explain(
    error: Any, file: str, where: _Where, departments: set[str], language: str
) -> list[Problem]:
    path: tuple[str | int, ...] = tuple(error.absolute_path)
    names = [p for p in path if isinstance(p, str)]
    key = names[-1] if names else ""
    kind: str = error.validator
    instance = error.instance
    schema: dict[str, Any] = error.schema

    def at(position: tuple[int, int], code: str, **args: object) -> Problem:
        return Problem(file, *position, render_message(code, args, language))

    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        return [
            at(
                where.key((*path, str(k))),
                "unknown_key",
                key=k,
                hint=suggest(str(k), allowed) or "",
                allowed=allowed,
            )
            for k in extras
        ]
    position = where.value(path)
    if kind == "required":
        match = _REQUIRED.match(error.message)
        return [at(position, "missing_key", key=match.group(1) if match else "?")]
    if instance is None:
        return [at(position, "empty_value", key=key)]
    if kind == "enum":
        choices = [c for c in schema["enum"] if c is not None]
        shown = _shown(instance)
        if departments and set(choices) == departments:
            hint = suggest(shown, choices) or ""
            return [at(position, "unknown_department", value=shown, hint=hint)]
        return [
            at(
                position,
                "bad_choice",
                key=key,
                value=shown,
                hint=suggest(shown, choices) or "",
                allowed=choices,
            )
        ]
    if kind in ("pattern", "format", "type") and schema.get("format") == "date":
        if kind == "type":
            return [at(position, "expected_date", key=key, value=_shown(instance))]
        if kind == "format" and not re.match(DATE_PATTERN, str(instance)):
            return []  # reported once: as a pattern error, or as no such day
        code, args = date_problem(str(instance))  # in the generator's words
        return [at(position, code, key=key, **args)]
    if kind == "type":
        expected = _as_list(error.validator_value)
        found = _found(instance)
        if "array" in expected:
            return [at(position, "expected_list", key=key, found=found)]
        if "object" in expected:
            return [at(position, "expected_mapping", key=key, found=found)]
        if expected[0] in ("number", "integer"):
            return [at(position, "expected_number", key=key, value=_shown(instance))]
        return [at(position, "expected_text", key=key, found=found)]
    if kind == "pattern" and "number" in _as_list(schema.get("type", [])):
        return [at(position, "expected_number", key=key, value=_shown(instance))]
    if kind == "pattern" and key == "id":
        return [at(position, "bad_id", value=instance)]
    if kind == "pattern" and key in ("base_url", "server"):
        return [at(position, "bad_url", value=instance)]
    if kind == "pattern" and key == "repository":
        return [at(position, "bad_repository", value=instance)]
    if kind == "pattern" and key == "contacts":
        return [at(position, "bad_handle", value=instance)]
    if kind == "minLength":
        return [at(position, "empty_value", key=key)]
    if kind == "exclusiveMinimum":
        return [at(position, "not_positive", key=key, value=instance)]
    if kind in ("minimum", "maximum"):
        low, high = schema.get("minimum", ""), schema.get("maximum", "")
        return [at(position, "out_of_range", key=key, value=instance, low=low, high=high)]
    if kind == "minItems":
        message = check_word("min_items", language, key=key, n=error.validator_value)
        return [Problem(file, *position, message)]
    return [at(position, "invalid_value", key=key, detail=error.message)]


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return "text"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "…"
    return str(value)
