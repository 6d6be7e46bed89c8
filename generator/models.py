"""The shape of ``site.yaml`` and of each ``projects/<id>.yaml``, as pydantic models.

Every scalar arrives from the loader as the text the author wrote, so each field
type below parses that text itself and fails with a message code from
:mod:`generator.messages` (never PyYAML's or pydantic's guesses).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import zoneinfo
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
_ID = re.compile(ID_PATTERN)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
HANDLE_PATTERN = r"^@[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,254})(?:/[A-Za-z0-9][A-Za-z0-9_.-]{0,254})*$"
_HANDLE = re.compile(HANDLE_PATTERN)
REPOSITORY_PATTERN = r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$"
_REPOSITORY = re.compile(REPOSITORY_PATTERN)


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    raise PydanticCustomError("expected_text", "text expected", {"found": kind_of(value)})


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("expected_date", "date expected", {"value": _shown(value)})
    text = value.strip()
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    code, args = date_problem(text)
    raise PydanticCustomError(code, "date expected", args)


_OTHER_DATE = re.compile(
    r"^([0-9]{4}) *(?:[-/.]|年) *([0-9]{1,2}) *(?:[-/.]|月) *([0-9]{1,2}) *日?$", re.ASCII
)
"""A date written another common way: ``2026/1/31``, ``2026.1.31``, ``2026-1-31``,
``2026年1月31日`` (full-width digits and punctuation made ordinary first)."""


def date_problem(text: str) -> tuple[str, dict[str, str]]:
    """Why ``text`` is not a date written YYYY-MM-DD: a message code and its arguments.

    A date written another common way (:data:`_OTHER_DATE`) gets the exact value to type
    (``date_written_otherwise``, ``meant``), or ``impossible_date`` when it names no real
    day; a date with a time gets ``date_with_time``; anything else ``expected_date``."""
    plain = unicodedata.normalize("NFKC", text)
    if _DATETIME.match(plain):
        return "date_with_time", {"value": text}
    other = _OTHER_DATE.match(plain)
    if other is None:
        return "expected_date", {"value": text}
    try:
        meant = dt.date(*(int(part) for part in other.groups()))
    except ValueError:
        return "impossible_date", {"value": text}
    return "date_written_otherwise", {"value": text, "meant": meant.isoformat()}


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = value.strip() if isinstance(value, str) else ""
    if not _NUMBER.match(text) or not math.isfinite(float(text)):
        raise PydanticCustomError("expected_number", "number expected", {"value": _shown(value)})
    return float(text)


def _positive(value: float) -> float:
    if value <= 0:
        raise PydanticCustomError("not_positive", "must be > 0", {"value": plain_number(value)})
    return value


def _ident(value: str) -> str:
    if not _ID.match(value):
        raise PydanticCustomError("bad_id", "bad id", {"value": value})
    return value


def _optional_ident(value: Any) -> str | None:
    """An optional id: nothing, or text that matches :data:`ID_PATTERN`."""
    if value is None:
        return None
    text = _text(value)
    return _ident(text) if text else None


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a folder
        raise PydanticCustomError("bad_timezone", "unknown zone", {"value": value}) from None
    return value


def _url(value: str) -> str:
    if not _URL.match(value):
        raise PydanticCustomError("bad_url", "not a URL", {"value": value})
    return value if value.endswith("/") else value + "/"


def _handle(value: str) -> str:
    if not _HANDLE.match(value) or value.endswith((".", "-", "/")):
        raise PydanticCustomError("bad_handle", "bad handle", {"value": value})
    return value


def _repository(value: str) -> str:
    if not _REPOSITORY.match(value) or ".." in value or value.endswith((".", "/")):
        raise PydanticCustomError("bad_repository", "bad repository", {"value": value})
    return value


def _server(value: str) -> str:
    return _url(value).rstrip("/")


def _optional(parse: Any) -> Any:
    def parse_or_none(value: Any) -> Any:
        return None if value is None else parse(value)

    return parse_or_none


def _none_to_empty(value: Any) -> Any:
    return [] if value is None else value


def kind_of(value: Any) -> str:
    """What a loaded value is, in the words messages use: nothing, mapping, list or text."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "text"


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else kind_of(value)


def plain_number(value: float) -> str:
    """A number as a person writes it: 100, not 100.0."""
    return str(int(value)) if value == int(value) else str(value)


T = TypeVar("T")
Text = Annotated[str, BeforeValidator(_text)]
Date = Annotated[dt.date, BeforeValidator(_date)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(_optional(_date))]
Number = Annotated[float, BeforeValidator(_number)]
OptionalNumber = Annotated[float | None, BeforeValidator(_optional(_number))]
Items = Annotated[list[T], BeforeValidator(_none_to_empty)]
Ident = Annotated[str, BeforeValidator(_text), AfterValidator(_ident)]
OptionalIdent = Annotated[str | None, BeforeValidator(_optional_ident)]
DepartmentRef = Annotated[
    str,
    BeforeValidator(_text),
    Field(min_length=1, description="A department id or its exact name, as in site.yaml."),
]

Status = Literal["active", "paused", "done", "cancelled"]
NoteKind = Literal["progress", "problem", "next", "decision"]
Language = Literal["zh-CN", "en"]
Direction = Literal["up", "down"]
CHOICE_NAMES = {
    **dict.fromkeys(("进行中", "正常推进", "推进中"), "active"),
    **dict.fromkeys(("暂停", "已暂停"), "paused"),
    **dict.fromkeys(("完成", "已完成"), "done"),
    **dict.fromkeys(("取消", "已取消"), "cancelled"),
    **dict.fromkeys(("进展", "进度"), "progress"),
    **dict.fromkeys(("问题", "存在问题"), "problem"),
    **dict.fromkeys(("下一步", "下一步措施", "计划"), "next"),
    **dict.fromkeys(("决定", "决策", "决定事项"), "decision"),
    **dict.fromkeys(("中文", "简体中文", "汉语"), "zh-CN"),
    **dict.fromkeys(("英文", "英语"), "en"),
    **dict.fromkeys(("上升", "增加", "提高", "增长"), "up"),
    **dict.fromkeys(("下降", "减少", "降低"), "down"),
}
"""The Chinese a staff member may write for a choice (a ``status``, a note's ``kind``, the
site's ``language``; the site's own words among them) → the value meant: an error then
says which value to write."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Department(_Strict):
    """One department of the organisation, as declared in site.yaml."""

    id: Ident = Field(description="Short id used in addresses: a-z, 0-9 and hyphens.")
    name: Text = Field(min_length=1, description="The department's name as people write it.")
    contacts: Items[Annotated[str, BeforeValidator(_text), AfterValidator(_handle)]] = Field(
        default_factory=list,
        description="Who answers for the department's alerts: forge handles, @login or "
        "@org/team (GitLab: @user or @group).",
    )


class SiteConfig(_Strict):
    """site.yaml: the site's settings and the registry of departments."""

    title: Text = Field(min_length=1, description="The site's title, shown on every page.")
    organization: Text = Field(default="", description="The organisation that runs the site.")
    language: Language = Field(
        default="zh-CN", description="Language of the site's own words: zh-CN or en."
    )
    timezone: Annotated[str, BeforeValidator(_text), AfterValidator(_timezone)] = Field(
        default="Asia/Shanghai", description="IANA time zone; 'today' is today in this zone."
    )
    base_url: Annotated[str, BeforeValidator(_text), AfterValidator(_url)] | None = Field(
        default=None, description="Where the site is published, for feeds and links."
    )
    due_soon_days: Annotated[int, Field(ge=0, le=366)] = Field(
        default=14, description="A milestone due within this many days is 'due soon'."
    )
    stale_after_days: Annotated[int, Field(ge=1, le=366)] = Field(
        default=14, description="A project whose newest note is older than this is stale."
    )
    pace_weeks: Annotated[int, Field(ge=1, le=26)] = Field(
        default=4,
        description="An indicator's recent pace is measured over its figures of this many "
        "weeks (1 to 26).",
    )
    repository: Annotated[str, BeforeValidator(_text), AfterValidator(_repository)] | None = Field(
        default=None,
        description="The repository that holds this site's files, owner/name; in CI the "
        "forge's own variables name it when this is left out.",
    )
    server: Annotated[str, BeforeValidator(_text), AfterValidator(_server)] | None = Field(
        default=None,
        description="The forge's address when it is not https://github.com (GitHub "
        "Enterprise, a self-hosted GitLab).",
    )
    branch: Annotated[str, BeforeValidator(_text), Field(min_length=1)] = Field(
        default="main", description="The published branch: edit links open the files on it."
    )
    departments: list[Department] = Field(
        min_length=1, description="Every department a project may name."
    )


class Milestone(_Strict):
    """A time node of the project's timetable."""

    title: Text = Field(min_length=1, description="What is to be achieved, in plain text.")
    due: Date = Field(description="Deadline, YYYY-MM-DD.")
    start: OptionalDate = Field(default=None, description="When work starts, YYYY-MM-DD.")
    done: OptionalDate = Field(
        default=None, description="Completion date, YYYY-MM-DD; leave out while not done."
    )
    owner: Text = Field(
        default="", description="The department that delivers it: an id or name from site.yaml."
    )
    weight: Annotated[Number, AfterValidator(_positive)] = Field(
        default=1.0, description="Relative size of this milestone in the progress figure; > 0."
    )
    note: Text = Field(default="", description="Remarks, in Markdown.")
    id: OptionalIdent = Field(
        default=None,
        description="A stable key, unique within the project (a-z, 0-9, hyphens): keeps the "
        "milestone's baseline and re-plans when its title changes.",
    )


class IndicatorValue(_Strict):
    """One dated figure of an indicator."""

    date: Date = Field(description="The date of the figure, YYYY-MM-DD.")
    value: Number = Field(description="The figure.")


class Indicator(_Strict):
    """A figure tracked week by week against a target."""

    name: Text = Field(min_length=1, description="What is counted.")
    unit: Text = Field(default="", description="Unit of the figures, e.g. 门, 人, %.")
    target: OptionalNumber = Field(default=None, description="The figure to reach.")
    baseline: OptionalNumber = Field(default=None, description="The figure at the start.")
    values: Items[IndicatorValue] = Field(default_factory=list, description="Dated figures.")
    due: OptionalDate = Field(
        default=None,
        description="When the target is to be reached, YYYY-MM-DD; the project's due date "
        "when left out.",
    )
    direction: Direction = Field(
        default="up",
        description="up: the figure must rise to the target; down: it must fall to it "
        "(a cost, a backlog).",
    )


class Note(_Strict):
    """A dated report: progress, a problem, next steps or a decision."""

    date: Date = Field(description="Date of the report, YYYY-MM-DD.")
    kind: NoteKind = Field(default="progress", description="progress | problem | next | decision.")
    author: Text = Field(default="", description="Who reports.")
    text: Text = Field(min_length=1, description="The report, in Markdown.")


class ProjectFile(_Strict):
    """projects/<id>.yaml: one key project."""

    title: Text = Field(min_length=1, description="The project's name, in plain text.")
    summary: Text = Field(default="", description="What the project is for, in Markdown.")
    lead: DepartmentRef = Field(description="The lead department (牵头部门).")
    departments: Items[DepartmentRef] = Field(
        default_factory=list, description="Responsible departments (责任部门)."
    )
    sponsor: Text = Field(default="", description="The leader in charge (帮包领导).")
    contact: Text = Field(default="", description="Whom to ask.")
    start: OptionalDate = Field(default=None, description="Start date, YYYY-MM-DD.")
    due: OptionalDate = Field(default=None, description="Due date, YYYY-MM-DD.")
    status: Status = Field(default="active", description="active | paused | done | cancelled.")
    tags: Items[Text] = Field(default_factory=list, description="Free labels.")
    milestones: Items[Milestone] = Field(default_factory=list, description="Time nodes.")
    indicators: Items[Indicator] = Field(default_factory=list, description="Weekly figures.")
    notes: Items[Note] = Field(default_factory=list, description="Dated reports.")
