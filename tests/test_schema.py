"""The JSON Schemas for editors: current, valid, faithful to ``check``, and wired up.

Files are validated as an editor reads them: PyYAML's safe loader with its date objects
turned back into ISO text (the yaml-language-server reads YAML 1.2, where a date is text),
numbers as numbers. Every example of the invalid corpus is also run through ``check``, so the schema
and the generator are seen to agree on it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from generator import schema
from tests.conftest import REPO, TODAY, Root, RunResult

Run = Callable[..., RunResult]

SCHEMA_DIR = REPO / "schema"
PROJECT_FILES = sorted((REPO / "projects").glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/project.schema.json"


class SafeLoader(yaml.SafeLoader):
    """yaml.safe_load's loader, keeping an impossible date such as 2026-02-30 as text."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def editor_view(value: Any) -> Any:
    """``value`` from yaml.safe_load as an editor types it: dates back to ISO text."""
    if isinstance(value, dict):
        return {k: editor_view(v) for k, v in value.items()}
    if isinstance(value, list):
        return [editor_view(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def exported(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return result


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(exported(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(name: str, text: str) -> list[ValidationError]:
    data = editor_view(yaml.load(textwrap.dedent(text), Loader=SafeLoader))
    return sorted(validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# --- the exported files are current and well formed -------------------------------------


def test_exported_schemas_are_current(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("schema", "--root", REPO, "--out", tmp_path)
    assert code == 0
    assert out.split() == [
        str(tmp_path / "project.schema.json"),
        str(tmp_path / "site.schema.json"),
    ]
    for name in ("project.schema.json", "site.schema.json"):
        assert (tmp_path / name).read_bytes() == (SCHEMA_DIR / name).read_bytes(), (
            f"schema/{name} is out of date: run python -m generator schema --out schema"
        )


def test_schema_prints_the_project_schema(run: Run) -> None:
    code, out, err = run("schema", "--root", REPO)
    assert (code, err) == (0, "")
    assert out == (SCHEMA_DIR / "project.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["project.schema.json", "site.schema.json"])
def test_exported_schema_is_deterministic_draft_2020_12(name: str) -> None:
    text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(data)
    objects = [n for n in walk(data) if n.get("type") == "object"]
    assert len(objects) >= 2
    assert all(n["additionalProperties"] is False for n in objects)


def test_required_keys() -> None:
    project, site = exported("project.schema.json"), exported("site.schema.json")
    defs = project["$defs"]
    assert project["required"] == ["title", "lead"]
    assert defs["Milestone"]["required"] == ["title", "due"]
    assert defs["Note"]["required"] == ["date", "text"]
    assert defs["Indicator"]["required"] == ["name"]
    assert defs["IndicatorValue"]["required"] == ["date", "value"]
    assert site["required"] == ["title", "departments"]
    assert site["$defs"]["Department"]["required"] == ["id", "name"]


def test_departments_are_offered_by_id_and_name() -> None:
    project = exported("project.schema.json")
    site = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    expected = [d["id"] for d in site["departments"]] + [d["name"] for d in site["departments"]]
    assert project["properties"]["lead"]["enum"] == expected
    assert project["properties"]["departments"]["items"]["enum"] == expected
    assert project["$defs"]["Milestone"]["properties"]["owner"]["enum"] == [*expected, None]


def test_dates_and_numbers() -> None:
    project = exported("project.schema.json")
    due = project["$defs"]["Milestone"]["properties"]["due"]
    assert {k: due[k] for k in ("type", "format", "pattern")} == {
        "type": "string",
        "format": "date",
        "pattern": r"^\d{4}-\d{2}-\d{2}$",
    }
    assert project["properties"]["start"]["type"] == ["string", "null"]
    value = project["$defs"]["IndicatorValue"]["properties"]["value"]
    assert "number" in value["type"]
    assert project["$defs"]["Milestone"]["properties"]["weight"]["exclusiveMinimum"] == 0


def test_words_follow_the_site_language(root: Root) -> None:
    zh = exported("project.schema.json")  # the repository's site is zh-CN
    assert zh["properties"]["lead"]["title"] == "牵头部门"
    assert zh["$defs"]["Milestone"]["properties"]["due"]["description"].startswith("截止日期")
    site, problems = schema.load_site(root.path)  # the test site is in English
    assert site is not None and not problems
    en = schema.project_schema(site)
    assert en["properties"]["lead"]["title"] == "Lead department"
    assert en["properties"]["title"]["description"] == "The project's name, in plain text."
    assert en["properties"]["lead"]["enum"] == [
        "academic-affairs",
        "personnel",
        "science-tech",
        "教务处",
        "人事处",
        "科技处",
    ]
    for node in walk(en):
        if "properties" in node:
            assert all("title" in p and "description" in p for p in node["properties"].values())


# --- every file in the repository matches ------------------------------------------------


@pytest.mark.parametrize("path", PROJECT_FILES, ids=[p.name for p in PROJECT_FILES])
def test_every_project_file_matches_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    assert [e.message for e in errors("project.schema.json", text)] == []


def test_site_yaml_matches_the_schema() -> None:
    text = (REPO / "site.yaml").read_text(encoding="utf-8")
    assert [e.message for e in errors("site.schema.json", text)] == []


def test_there_are_project_files() -> None:
    assert len(PROJECT_FILES) >= 5


# --- the invalid corpus: the schema and `check` both refuse each ------------------------

VALID = """\
title: 一流本科专业建设
lead: academic-affairs
departments: [personnel, 科技处]
start: 2026-01-05
due: 2026-12-31
milestones:
  - title: 印发方案
    due: 2026-01-31
    done: 2026-01-28
    owner: 教务处
    weight: 2
indicators:
  - name: 获批专业
    unit: 个
    target: 10
    values:
      - {date: 2026-06-01, value: 3}
notes:
  - date: 2026-11-20
    kind: progress
    text: 进展顺利。
"""

# (id, text, the path of the error, the failing JSON Schema keyword)
INVALID: list[tuple[str, str, list[str | int], str]] = [
    (
        "unknown-key",
        "title: 一流本科专业建设\nlead: academic-affairs\nmilstones: []\n",
        [],
        "additionalProperties",
    ),
    ("missing-title", "lead: academic-affairs\n", [], "required"),
    ("missing-lead", "title: 一流本科专业建设\n", [], "required"),
    ("empty-title", "title:\nlead: academic-affairs\n", ["title"], "type"),
    ("blank-title", 'title: ""\nlead: academic-affairs\n', ["title"], "minLength"),
    ("bad-status", "title: t\nlead: academic-affairs\nstatus: actve\n", ["status"], "enum"),
    ("bad-date-pattern", "title: t\nlead: academic-affairs\ndue: 2026-6-1\n", ["due"], "pattern"),
    ("date-slashes", "title: t\nlead: academic-affairs\nstart: 2026/06/01\n", ["start"], "pattern"),
    ("impossible-date", "title: t\nlead: academic-affairs\ndue: 2026-02-30\n", ["due"], "format"),
    (
        "date-with-time",
        "title: t\nlead: academic-affairs\ndue: 2026-06-01 10:00:00\n",
        ["due"],
        "pattern",
    ),
    (
        "weight-as-text",
        "title: t\nlead: academic-affairs\nmilestones:\n  - title: m\n    due: 2026-06-01\n"
        "    weight: heavy\n",
        ["milestones", 0, "weight"],
        "pattern",
    ),
    (
        "weight-zero",
        "title: t\nlead: academic-affairs\nmilestones:\n  - title: m\n    due: 2026-06-01\n"
        "    weight: 0\n",
        ["milestones", 0, "weight"],
        "exclusiveMinimum",
    ),
    ("unknown-lead", "title: t\nlead: academic-afairs\n", ["lead"], "enum"),
    (
        "unknown-department",
        "title: t\nlead: academic-affairs\ndepartments: [personnel, treasury]\n",
        ["departments", 1],
        "enum",
    ),
    (
        "unknown-owner",
        "title: t\nlead: academic-affairs\nmilestones:\n  - title: m\n    due: 2026-06-01\n"
        "    owner: 出纳处\n",
        ["milestones", 0, "owner"],
        "enum",
    ),
    (
        "unknown-milestone-key",
        "title: t\nlead: academic-affairs\nmilestones:\n  - title: m\n    due: 2026-06-01\n"
        "    dne: 2026-05-01\n",
        ["milestones", 0],
        "additionalProperties",
    ),
    (
        "milestone-without-due",
        "title: t\nlead: academic-affairs\nmilestones:\n  - title: m\n",
        ["milestones", 0],
        "required",
    ),
    (
        "bad-note-kind",
        "title: t\nlead: academic-affairs\nnotes:\n  - date: 2026-06-01\n    kind: issue\n"
        "    text: x\n",
        ["notes", 0, "kind"],
        "enum",
    ),
    (
        "note-without-text",
        "title: t\nlead: academic-affairs\nnotes:\n  - date: 2026-06-01\n",
        ["notes", 0],
        "required",
    ),
    (
        "value-without-value",
        "title: t\nlead: academic-affairs\nindicators:\n  - name: n\n"
        "    values:\n      - {date: 2026-06-01}\n",
        ["indicators", 0, "values", 0],
        "required",
    ),
    (
        "target-as-text",
        "title: t\nlead: academic-affairs\nindicators:\n  - name: n\n    target: many\n",
        ["indicators", 0, "target"],
        "pattern",
    ),
    ("tags-as-mapping", "title: t\nlead: academic-affairs\ntags: {a: b}\n", ["tags"], "type"),
    (
        "milestones-as-text",
        "title: t\nlead: academic-affairs\nmilestones: 3\n",
        ["milestones"],
        "type",
    ),
    ("title-as-list", "title: [a, b]\nlead: academic-affairs\n", ["title"], "type"),
]

# Files `check` accepts that an editor types unexpectedly: the schema must accept them too.
ACCEPTED: list[tuple[str, str]] = [
    ("valid", VALID),
    ("title-as-number", "title: 2026\nlead: academic-affairs\ntags: [2026, yes]\n"),
    ("quoted-number", VALID.replace("value: 3", 'value: "3"')),
    ("empty-optionals", "title: t\nlead: 教务处\nsummary:\nmilestones:\ndepartments:\nstart:\n"),
    (
        "empty-done-and-owner",
        "title: t\nlead: academic-affairs\nmilestones:\n  - title: m\n    due: 2026-06-01\n"
        "    done:\n    owner:\n",
    ),
]


def check_exit(run: Run, root: Root, text: str) -> int:
    root.project("x", text)
    code, _, _ = run("check", "--root", root.path, "--today", TODAY.isoformat())
    return code


@pytest.fixture
def repo_site_root(tmp_path: Path) -> Root:
    """A root with the repository's site.yaml, whose departments the exported schema lists."""
    root = Root(tmp_path / "root")
    shutil.copy(REPO / "site.yaml", root.path / "site.yaml")
    return root


def test_the_invalid_corpus_is_large_enough() -> None:
    assert len(INVALID) >= 10


@pytest.mark.parametrize(
    ("text", "path", "keyword"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_examples_are_refused(
    run: Run, repo_site_root: Root, text: str, path: list[str | int], keyword: str
) -> None:
    found = [(list(e.absolute_path), e.validator) for e in errors("project.schema.json", text)]
    assert (path, keyword) in found
    assert {str(p) for p, _ in found} == {str(path)}  # one problem, perhaps seen twice
    assert check_exit(run, repo_site_root, text) == 1


@pytest.mark.parametrize("text", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_what_check_accepts_the_schema_accepts(run: Run, repo_site_root: Root, text: str) -> None:
    assert [e.message for e in errors("project.schema.json", text)] == []
    assert check_exit(run, repo_site_root, text) == 0


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("title: t\n", "required"),
        ("title: t\ndepartments: []\n", "minItems"),
        ("title: t\nlanguage: fr\ndepartments: [{id: a, name: A}]\n", "enum"),
        ("title: t\ndepartments: [{id: Bad_Id, name: A}]\n", "pattern"),
        ("title: t\ndue_soon_days: 400\ndepartments: [{id: a, name: A}]\n", "maximum"),
        ("title: t\ncolour: red\ndepartments: [{id: a, name: A}]\n", "additionalProperties"),
    ],
)
def test_invalid_site_files_are_refused(text: str, keyword: str) -> None:
    assert [e.validator for e in errors("site.schema.json", text)] == [keyword]


# --- schema --check: the local hook ------------------------------------------------------


def test_schema_check_passes_on_the_repository(run: Run) -> None:
    code, out, err = run("schema", "--root", REPO, "--check")
    assert (code, err) == (0, "")
    assert out.strip() == f"schema 文件为最新，全部 {len(PROJECT_FILES) + 1} 个文件符合 schema"


def test_schema_check_locates_problems(run: Run, root: Root) -> None:
    assert run("schema", "--root", root.path, "--out", root.path / "schema")[0] == 0
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-afairs
        milestones:
          - title: 印发方案
            due: 2026-6-1
            weight: heavy
            dne: 2026-05-01
        """,
    )
    code, out, err = run("schema", "--root", root.path, "--check")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "projects/x.yaml:2:7: the department 'academic-afairs' is not declared in site.yaml "
        "(did you mean 'academic-affairs'?); use a department id or name listed there",
        "projects/x.yaml:5:10: 'due' must be a date written YYYY-MM-DD: write it as 2026-06-01, "
        "not '2026-6-1'",
        "projects/x.yaml:6:13: 'weight' must be a number such as 12 or 3.5, not 'heavy'",
        "projects/x.yaml:7:5: unknown key 'dne' (did you mean 'done'?); allowed here: "
        "title, due, start, done, owner, weight, note, id",
        "4 problem(s) found",
    ]


WRITE_IT = "'due' must be a date written YYYY-MM-DD: write it as 2026-01-31, not '{}'"
NO_SUCH_DAY = "'{}' is not a real calendar date (due); check the month and the day"


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("2026/1/31", WRITE_IT),
        ("2026年1月31日", WRITE_IT),
        ("２０２６-０１-３１", WRITE_IT),  # noqa: RUF001
        ("2026/2/30", NO_SUCH_DAY),
        ("２０２６-０２-３０", NO_SUCH_DAY),  # noqa: RUF001
        ("31/1/2026", "'due' must be a date written YYYY-MM-DD (for example 2026-06-15), not '{}'"),
    ],
)
def test_schema_check_and_check_give_a_date_the_same_words(
    run: Run, root: Root, written: str, words: str
) -> None:
    assert run("schema", "--root", root.path, "--out", root.path / "schema")[0] == 0
    root.project("x", f"title: t\nlead: academic-affairs\ndue: {written}\n")
    code, _, schema_err = run("schema", "--root", root.path, "--check")
    assert code == 1
    code, check_out, _ = run("check", "--root", root.path, "--today", TODAY.isoformat())
    assert code == 1
    located = [line for line in check_out.splitlines() if line.startswith("projects/x.yaml:3:6: ")]
    assert len(located) == 1
    assert schema_err.splitlines()[0] == located[0] == "projects/x.yaml:3:6: " + words.format(
        written
    )


def test_schema_check_reports_stale_and_missing_schema_files(run: Run, root: Root) -> None:
    root.project("x", "title: t\nlead: personnel\n")
    code, _, err = run("schema", "--root", root.path, "--check")
    assert code == 1
    assert "schema/project.schema.json:1:1: this file is missing; generate it: " in err
    assert run("schema", "--root", root.path, "--out", root.path / "schema")[0] == 0
    assert run("schema", "--root", root.path, "--check")[0] == 0
    site = root.path / "site.yaml"
    site.write_text(
        site.read_text(encoding="utf-8") + "  - id: finance\n    name: 财务处\n", encoding="utf-8"
    )
    code, _, err = run("schema", "--root", root.path, "--check")
    assert code == 1
    assert err.splitlines()[0] == (
        "schema/project.schema.json:1:1: this file is out of date with site.yaml and the models; "
        "regenerate it: python -m generator schema --out schema"
    )


def test_schema_with_an_invalid_site_yaml_reports_it(run: Run, root: Root) -> None:
    (root.path / "site.yaml").write_text("title: t\ndepartments: []\n", encoding="utf-8")
    code, out, err = run("schema", "--root", root.path)
    assert (code, out) == (1, "")
    assert err.splitlines()[0].startswith("site.yaml:2:")
    assert "Traceback" not in err


# --- the editor's wiring ------------------------------------------------------------------


def test_vscode_maps_the_schemas() -> None:
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == {
        "./schema/project.schema.json": ["projects/*.yaml"],
        "./schema/site.schema.json": ["site.yaml"],
    }


def test_pre_commit_hooks_are_local_and_real() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    hooks = {h["entry"]: h for h in repo["hooks"]}
    audit = "zizmor --offline --strict-collection .github"  # tests/test_workflows.py
    assert set(hooks) == {"python -m generator check", "python -m generator schema --check", audit}
    for entry, hook in hooks.items():
        assert hook["language"] == "system"
        assert hook["pass_filenames"] is False
        watched = "^\\.github/" if entry == audit else "^(projects/|site\\.yaml"
        assert hook["files"].startswith(watched)
