"""Stage 2, validate: loaded documents → typed models, or located diagnostics.

Schema errors come from pydantic and are translated here, through the loader's
position table, into ``file:line:col`` diagnostics. Checks that span fields or
files (department references, dates against today, ids) follow the schema.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from generator.diagnostics import Diagnostic, errors_only, make, suggest
from generator.loader import ODD_SPACES, Document, Path, slipped_key
from generator.models import (
    CHOICE_NAMES,
    ID_PATTERN,
    Indicator,
    Milestone,
    Note,
    OptionalDate,
    ProjectFile,
    SiteConfig,
    kind_of,
    plain_number,
)

_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class Project:
    """A valid project: its file's data with every department reference resolved to an id."""

    id: str
    file: str
    data: ProjectFile
    milestone_lines: tuple[int, ...]


class Registry:
    """The departments of site.yaml, looked up by id or by exact name."""

    def __init__(self, site: SiteConfig) -> None:
        self.names = {d.id: d.name for d in site.departments}
        self._by_name = {d.name: d.id for d in site.departments}

    def resolve(self, ref: str) -> str | None:
        if ref in self.names:
            return ref
        return self._by_name.get(ref)

    def nearest(self, ref: str) -> str | None:
        return suggest(ref, [*self.names, *self._by_name])


def validate_site(doc: Document) -> tuple[SiteConfig | None, list[Diagnostic]]:
    problems = list(doc.diagnostics)
    if doc.data is None or errors_only(problems):
        return None, problems
    site, schema_problems = _parse(SiteConfig, doc)
    problems += schema_problems
    if site is not None:
        problems += _check_registry(site, doc)
    return (None if errors_only(problems) else site), problems


def project_id_problem(file: str, name: str) -> Diagnostic | None:
    """Why a file name in projects/ cannot be a project id, if it cannot."""
    if name.endswith(".yml"):
        return make(file, 1, 1, "yml_extension", name=name[:-4] + ".yaml")
    stem = name[:-5] if name.endswith(".yaml") else name
    if not _ID.match(stem) or not name.endswith(".yaml"):
        return make(file, 1, 1, "bad_file_name", name=name)
    return None


def validate_project(
    doc: Document, project_id: str, site: SiteConfig, today: dt.date
) -> tuple[Project | None, list[Diagnostic]]:
    problems = list(doc.diagnostics)
    if doc.data is None:
        return None, problems
    data, schema_problems = _parse(ProjectFile, doc)
    problems += schema_problems
    problems += _check_tags(doc)
    if data is None:  # every other error too, from the parts that are valid by themselves,
        parts = _valid_parts(doc.data)  # so that errors never come in rounds
        problems += _unknown_departments(doc, Registry(site))
        problems += _check_dates(parts, doc, today) + _check_milestone_ids(parts, doc)
        return None, problems + _check_directions(parts, doc)
    data, reference_problems = _resolve_departments(data, doc, Registry(site))
    problems += reference_problems
    parts = _Parts.of(data)
    problems += _check_dates(parts, doc, today)
    problems += _check_milestone_ids(parts, doc)
    problems += _check_directions(parts, doc)
    if any(p.severity == "error" for p in problems):
        return None, problems
    lines = tuple(doc.positions.of_value(("milestones", i))[0] for i in range(len(data.milestones)))
    return Project(project_id, doc.file, share_field_sets(data), lines), problems


_FIELD_SETS: dict[frozenset[str], frozenset[str]] = {}


def share_field_sets(data: ProjectFile) -> ProjectFile:
    """``data``, each of its models holding one shared, frozen copy of its set of given fields.

    Pydantic gives every model instance its own set of the fields its input named: 280,000
    sets of a few names for a portfolio of 1,000 projects (60 MB), where eight distinct
    ones would do. The models are frozen and nothing here changes a set, so sharing them
    changes nothing else; a validated model is final (``model_copy(update=...)`` would
    fail loudly on the frozen set, where a shared mutable one would be corrupted quietly).
    """
    stack: list[BaseModel] = [data]
    while stack:
        model = stack.pop()
        fields = frozenset(model.__pydantic_fields_set__)
        object.__setattr__(model, "__pydantic_fields_set__", _FIELD_SETS.setdefault(fields, fields))
        for value in model.__dict__.values():
            if isinstance(value, BaseModel):
                stack.append(value)
            elif isinstance(value, list):
                stack += (item for item in value if isinstance(item, BaseModel))
    return data


# --- schema errors -------------------------------------------------------------------

_ModelT = typing.TypeVar("_ModelT", bound=BaseModel)


def _parse(model: type[_ModelT], doc: Document) -> tuple[_ModelT | None, list[Diagnostic]]:
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        errors = exc.errors()
        slipped = _slipped_keys(errors)
        return None, [
            _from_pydantic(error, model, doc)
            for error in errors
            if not (error["type"] == "missing" and tuple(error["loc"]) in slipped)
        ]


def _slipped_keys(errors: list[Any]) -> set[Path]:
    """The keys a mapping lacks because they were typed with a slip: in ``{title：评估}``
    the key read is ``title：评估``, named as the slip; ``title`` is not missing as well."""
    found: set[Path] = set()
    for error in errors:
        key = error["loc"][-1] if error["type"] == "extra_forbidden" else None
        slip = slipped_key(key) if isinstance(key, str) else None
        if slip:
            found.add((*error["loc"][:-1], slip[2]))
    return found


_EMPTY_TYPES = {"string_too_short", "too_short"}
_NUMBER_TYPES = {"int_parsing", "int_from_float", "float_parsing", "int_type", "float_type"}
_RANGES = {"due_soon_days": (0, 366), "stale_after_days": (1, 366), "pace_weeks": (1, 26)}
_MAPPING_TYPES = {"model_type", "dict_type", "model_attributes_type"}
_ODD_SPACE = re.compile(f"[{ODD_SPACES}]")


def _choice_meant(written: str, allowed: list[str]) -> str:
    """The allowed value ``written`` probably means: ``问题`` → problem, ``pasued`` → paused."""
    named = CHOICE_NAMES.get(written.strip())
    return named if named in allowed else suggest(written, allowed) or ""


def _from_pydantic(error: Any, model: type[BaseModel], doc: Document) -> Diagnostic:
    loc: Path = tuple(error["loc"])
    kind: str = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    key = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    value = error.get("input")

    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        line, col = doc.positions.of_key(loc)
        odd = _ODD_SPACE.search(key)
        if odd and key.strip(ODD_SPACES) in allowed:  # "\u3000\u3000due": indented full-width
            return make(doc.file, line, col + odd.start(), "yaml_full_width_space")
        slip = slipped_key(key)
        if slip:  # "{title：评估, due: …}": one key, read as a whole
            return make(doc.file, line, col + slip[0] - 1, slip[1], key=slip[2])
        return make(
            doc.file,
            line,
            col,
            "unknown_key",
            key=key,
            hint=suggest(key, allowed) or "",
            allowed=allowed,
        )
    if kind == "missing":
        line, col = doc.positions.of_value(loc[:-1])
        return make(doc.file, line, col, "missing_key", key=key)

    line, col = doc.positions.of_value(loc)
    if kind in _EMPTY_TYPES:
        return make(doc.file, line, col, "empty_value", key=key)
    if kind in _MAPPING_TYPES:
        slip = slipped_key(value) if isinstance(value, str) else None
        if slip:  # "- title：评估" reads as text
            return make(doc.file, line, col + slip[0] - 1, slip[1], key=slip[2])
        return make(doc.file, line, col, "expected_mapping", key=key, found=kind_of(value))
    if kind == "list_type":
        return make(doc.file, line, col, "expected_list", key=key, found=kind_of(value))
    if kind in _NUMBER_TYPES:
        return make(doc.file, line, col, "expected_number", key=key, value=_shown(value))
    if kind in {"greater_than_equal", "less_than_equal"}:
        low, high = _RANGES.get(key, (0, 366))
        return make(
            doc.file, line, col, "out_of_range", key=key, value=_shown(value), low=low, high=high
        )
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        shown = _shown(value)
        return make(
            doc.file,
            line,
            col,
            "bad_choice",
            key=key,
            value=shown,
            hint=_choice_meant(shown, allowed),
            allowed=allowed,
        )
    if kind in {
        "expected_text",
        "expected_date",
        "date_written_otherwise",
        "date_with_time",
        "impossible_date",
        "expected_number",
        "not_positive",
        "bad_id",
        "bad_timezone",
        "bad_url",
        "bad_handle",
        "bad_repository",
    }:
        return make(doc.file, line, col, kind, key=key, **ctx)
    return make(doc.file, line, col, "invalid_value", key=key, detail=error["msg"])


def _fields_at(model: type[BaseModel], loc: Path) -> set[str]:
    """The keys allowed in the mapping at ``loc`` of a document shaped like ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return set()
        field = current.model_fields.get(part)
        if field is None:
            return set()
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return set(current.model_fields)
    return set()


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else "…"


# --- cross-field checks ----------------------------------------------------------------


def _check_registry(site: SiteConfig, doc: Document) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for i, dept in enumerate(site.departments):
        for value, seen, code, field in (
            (dept.id, seen_ids, "duplicate_department_id", "id"),
            (dept.name, seen_names, "duplicate_department_name", "name"),
        ):
            line, col = doc.positions.of_value(("departments", i, field))
            if value in seen:
                problems.append(make(doc.file, line, col, code, value=value, first=seen[value]))
            else:
                seen[value] = line
    return problems


def _raw_department_refs(raw: dict[str, Any]) -> list[tuple[Path, str]]:
    refs: list[tuple[Path, str]] = []
    if isinstance(raw.get("lead"), str):
        refs.append((("lead",), raw["lead"]))
    if isinstance(raw.get("departments"), list):
        refs += [
            (("departments", i), r) for i, r in enumerate(raw["departments"]) if isinstance(r, str)
        ]
    if isinstance(raw.get("milestones"), list):
        refs += [
            (("milestones", i, "owner"), m["owner"])
            for i, m in enumerate(raw["milestones"])
            if isinstance(m, dict) and isinstance(m.get("owner"), str) and m["owner"]
        ]
    return refs


def _unknown_departments(doc: Document, registry: Registry) -> list[Diagnostic]:
    """Department references in a file that failed its schema check, checked as written."""
    return [
        _unknown_department(doc, path, ref.strip(), registry)
        for path, ref in _raw_department_refs(doc.data)
        if ref.strip() and registry.resolve(ref.strip()) is None
    ]


def _unknown_department(doc: Document, path: Path, ref: str, registry: Registry) -> Diagnostic:
    line, col = doc.positions.of_value(path)
    parts = [part.strip() for part in _SEPARATORS.split(ref)]
    if len(parts) > 1 and any(registry.resolve(part) for part in parts if part):
        # "人事处，教务处": several departments written as one
        if path[0] == "departments":
            return make(doc.file, line, col, "departments_in_one", value=ref)
        return make(doc.file, line, col, "one_department", value=ref, key=path[-1])
    hint = registry.nearest(ref) or ""
    return make(doc.file, line, col, "unknown_department", value=ref, hint=hint)


_SEPARATORS = re.compile("[,，、;；/\uff0f]")


def _resolve_departments(
    data: ProjectFile, doc: Document, registry: Registry
) -> tuple[ProjectFile, list[Diagnostic]]:
    problems: list[Diagnostic] = []

    def resolve(ref: str, path: Path) -> str:
        found = registry.resolve(ref)
        if found is None:
            problems.append(_unknown_department(doc, path, ref, registry))
            return ref
        return found

    lead = resolve(data.lead, ("lead",))
    departments: list[str] = []
    for i, ref in enumerate(data.departments):
        dept = resolve(ref, ("departments", i))
        if dept in departments or dept == lead:
            line, col = doc.positions.of_value(("departments", i))
            problems.append(make(doc.file, line, col, "duplicate_department", value=ref))
            continue
        departments.append(dept)
    milestones: list[Milestone] = []
    for i, milestone in enumerate(data.milestones):
        owner = resolve(milestone.owner, ("milestones", i, "owner")) if milestone.owner else ""
        milestones.append(milestone.model_copy(update={"owner": owner}))
    resolved = data.model_copy(
        update={"lead": lead, "departments": departments, "milestones": milestones}
    )
    return resolved, problems


@dataclass(frozen=True)
class _Parts:
    """What the checks across fields read: all of a valid file, or the parts of an invalid
    one that are valid by themselves (each with its index in the file)."""

    start: dt.date | None
    due: dt.date | None
    milestones: list[tuple[int, Milestone]]
    notes: list[tuple[int, Note]]
    indicators: list[tuple[int, Indicator]]

    @staticmethod
    def of(data: ProjectFile) -> _Parts:
        return _Parts(
            data.start,
            data.due,
            list(enumerate(data.milestones)),
            list(enumerate(data.notes)),
            list(enumerate(data.indicators)),
        )


_OPTIONAL_DATE: TypeAdapter[dt.date | None] = TypeAdapter(OptionalDate)


def _valid_parts(raw: Any) -> _Parts:
    """The parts of an invalid file that are valid alone (the others' errors are reported)."""
    if not isinstance(raw, dict):
        return _Parts(None, None, [], [], [])

    def date(key: str) -> dt.date | None:
        try:
            return _OPTIONAL_DATE.validate_python(raw.get(key))
        except ValidationError:
            return None

    def items(key: str, model: type[_ModelT]) -> list[tuple[int, _ModelT]]:
        found = []
        listed = raw.get(key)
        for i, item in enumerate(listed if isinstance(listed, list) else []):
            try:
                found.append((i, model.model_validate(item)))
            except ValidationError:
                continue
        return found

    return _Parts(
        date("start"),
        date("due"),
        items("milestones", Milestone),
        items("notes", Note),
        items("indicators", Indicator),
    )


_TAG_JOINS = re.compile("[，、]")
"""A Chinese comma or enumeration comma: in ``tags: [教学，科研]`` it joins two tags into one."""


def _check_tags(doc: Document) -> list[Diagnostic]:
    """A warning for each tag that a Chinese comma joined with the next: where the comma
    is, and the list written with ordinary commas."""
    listed = doc.data.get("tags") if isinstance(doc.data, dict) else None
    if not isinstance(listed, list):
        return []
    tags = [(i, tag) for i, tag in enumerate(listed) if isinstance(tag, str)]
    parts = [part.strip() for _, tag in tags for part in _TAG_JOINS.split(tag)]
    written = "[" + ", ".join(part for part in parts if part) + "]"
    problems: list[Diagnostic] = []
    for i, tag in tags:
        join = _TAG_JOINS.search(tag)
        if join is None:
            continue
        line, col = doc.positions.of_value(("tags", i))
        col += join.start() + (("tags", i) in doc.positions.quoted)
        problems.append(
            make(
                doc.file,
                line,
                col,
                "tags_joined",
                "warning",
                comma=join.group(),
                tag=tag.strip(),
                written=written,
            )
        )
    return problems


def _check_milestone_ids(data: _Parts, doc: Document) -> list[Diagnostic]:
    """A milestone ``id`` names one milestone of its project: no two may share it."""
    problems: list[Diagnostic] = []
    first: dict[str, int] = {}
    for i, milestone in data.milestones:
        if milestone.id is None:
            continue
        line, col = doc.positions.of_value(("milestones", i, "id"))
        if milestone.id in first:
            problems.append(
                make(
                    doc.file,
                    line,
                    col,
                    "duplicate_milestone_id",
                    value=milestone.id,
                    first=first[milestone.id],
                )
            )
        else:
            first[milestone.id] = line
    return problems


def _check_directions(data: _Parts, doc: Document) -> list[Diagnostic]:
    """An indicator's baseline lies on the side of its target its ``direction`` leaves:
    below it for ``up`` (the default), above it for ``down``."""
    problems: list[Diagnostic] = []
    for i, indicator in data.indicators:
        baseline, target = indicator.baseline, indicator.target
        if baseline is None or target is None:
            continue
        up = indicator.direction == "up"
        if (baseline > target) if up else (baseline < target):
            line, col = doc.positions.of_value(("indicators", i, "baseline"))
            code = "baseline_above_target" if up else "baseline_below_target"
            problems.append(
                make(
                    doc.file,
                    line,
                    col,
                    code,
                    baseline=plain_number(baseline),
                    target=plain_number(target),
                )
            )
    return problems


def _check_dates(data: _Parts, doc: Document, today: dt.date) -> list[Diagnostic]:
    problems: list[Diagnostic] = []

    def at(path: Path, code: str, severity: Any = "error", **args: object) -> None:
        line, col = doc.positions.of_value(path)
        problems.append(make(doc.file, line, col, code, severity, **args))

    if data.start and data.due and data.start > data.due:
        at(("start",), "start_after_due", start=data.start, due=data.due)
    for i, m in data.milestones:
        if m.start and m.start > m.due:
            at(("milestones", i, "start"), "start_after_due", start=m.start, due=m.due)
        if m.done and m.done > today:
            at(("milestones", i, "done"), "done_in_future", value=m.done, today=today)
        if m.done and m.start and m.done < m.start:
            # A done date is a fact, a start a plan: a team may finish before it planned to start.
            at(
                ("milestones", i, "done"),
                "done_before_start",
                "warning",
                value=m.done,
                start=m.start,
            )
        if data.due and m.due > data.due:
            at(
                ("milestones", i, "due"),
                "milestone_after_project",
                "warning",
                due=m.due,
                project_due=data.due,
            )
    for i, note in data.notes:
        if note.date > today:
            at(("notes", i, "date"), "value_after_today", value=note.date, today=today)
    for i, indicator in data.indicators:
        first: dict[dt.date, int] = {}
        for j, point in enumerate(indicator.values):
            path: Path = ("indicators", i, "values", j, "date")
            if point.date > today:
                at(path, "value_after_today", value=point.date, today=today)
            if point.date in first:
                at(path, "duplicate_value_date", value=point.date, first=first[point.date])
            else:
                first[point.date] = doc.positions.of_value(path)[0]
    return problems
