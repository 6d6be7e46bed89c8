"""``new ID``: a commented project file that validates, and the refusals around it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from generator import schema
from generator.loader import load_bytes
from tests.conftest import REPO, Root, RunResult
from tests.test_schema import SCHEMA_LINE, editor_view

Run = Callable[..., RunResult]


def check(run: Run, root: Root) -> RunResult:
    return run("check", "--root", root.path)


@pytest.fixture
def zh_root(tmp_path: Path) -> Root:
    """A root with the repository's Chinese site.yaml."""
    root = Root(tmp_path / "zh")
    shutil.copy(REPO / "site.yaml", root.path / "site.yaml")
    return root


def test_new_writes_a_valid_commented_file(run: Run, root: Root) -> None:
    code, out, err = run("new", "lab-safety", "--root", root.path)
    assert (code, err) == (0, "")
    path = root.path / "projects" / "lab-safety.yaml"
    assert out.splitlines()[0] == "wrote projects/lab-safety.yaml"
    assert "Next steps:" in out and "python -m generator check" in out
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    assert "# The project's name (required), in plain text." in text
    assert "lead: academic-affairs\n" in text  # the first department of site.yaml
    assert "#   science-tech      科技处" in text  # every department is listed
    code, out, err = check(run, root)
    assert (code, err) == (0, "")
    assert out.startswith("all 1 project files are valid")


def test_new_in_chinese_with_title_and_lead_by_name(run: Run, zh_root: Root) -> None:
    title = "实验室安全 #1: 专项整治"  # needs quotes in YAML
    code, out, err = run(
        "new", "lab-safety", "--root", zh_root.path, "--title", title, "--lead", "财务处"
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "已创建 projects/lab-safety.yaml"
    assert "下一步：" in out
    path = zh_root.path / "projects" / "lab-safety.yaml"
    text = path.read_text(encoding="utf-8")
    assert "# 项目名称（必填），纯文字。" in text
    assert "lead: finance\n" in text
    doc = load_bytes(path.read_bytes(), "projects/lab-safety.yaml")
    assert doc.diagnostics == []
    assert doc.data["title"] == title
    assert doc.data["lead"] == "finance"
    assert check(run, zh_root)[0] == 0


def test_new_file_matches_the_schema(run: Run, zh_root: Root) -> None:
    assert run("new", "lab-safety", "--root", zh_root.path, "--lead", "it-center")[0] == 0
    site, _ = schema.load_site(zh_root.path)
    assert site is not None
    data = editor_view(
        yaml.safe_load((zh_root.path / "projects" / "lab-safety.yaml").read_text(encoding="utf-8"))
    )
    validator = Draft202012Validator(
        schema.project_schema(site), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert [e.message for e in validator.iter_errors(data)] == []


@pytest.mark.parametrize("fixture", ["root", "zh_root"])
def test_commented_samples_validate_once_uncommented(
    run: Run, request: pytest.FixtureRequest, fixture: str
) -> None:
    """The sample milestone, indicator and note are right as written: uncommenting them
    (and the due date) still gives a valid file."""
    root: Root = request.getfixturevalue(fixture)
    assert run("new", "lab-safety", "--root", root.path)[0] == 0
    path = root.path / "projects" / "lab-safety.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    opened = [line.replace("  # ", "  ", 1) if line.startswith("  # ") else line for line in lines]
    opened = [line[2:] if line.startswith("# due: ") else line for line in opened]
    path.write_text("\n".join(opened) + "\n", encoding="utf-8")
    doc = load_bytes(path.read_bytes(), "x")
    assert len(doc.data["milestones"]) == 1
    assert len(doc.data["indicators"]) == 1
    assert len(doc.data["notes"]) == 1
    assert doc.data["due"]
    code, out, err = check(run, root)
    assert (code, err) == (0, ""), out


def test_new_refuses_to_overwrite(run: Run, root: Root) -> None:
    existing = root.project("lab-safety", "title: 已有项目\nlead: personnel\n")
    code, out, err = run("new", "lab-safety", "--root", root.path)
    assert (code, out) == (1, "")
    assert err == (
        "progress-site: error: projects/lab-safety.yaml already exists and was left as it is; "
        "edit that file, or choose another id\n"
    )
    assert existing.read_text(encoding="utf-8") == "title: 已有项目\nlead: personnel\n"


def test_new_refuses_an_unknown_lead_and_suggests(run: Run, root: Root) -> None:
    code, out, err = run("new", "lab-safety", "--root", root.path, "--lead", "personel")
    assert (code, out) == (1, "")
    assert err == (
        "progress-site: error: --lead 'personel' is not a department declared in site.yaml "
        "(did you mean 'personnel'?); use one of these ids (or the department's name): "
        "academic-affairs, personnel, science-tech\n"
    )
    assert not (root.path / "projects" / "lab-safety.yaml").exists()


@pytest.mark.parametrize(
    "bad", ["Lab-Safety", "lab_safety", "-lab", "实验室", "lab safety", "lab.yml"]
)
def test_new_refuses_an_invalid_id(run: Run, root: Root, bad: str) -> None:
    code, out, err = run("new", "--root", root.path, "--", bad)
    assert (code, out) == (2, "")
    assert err.startswith(
        f"progress-site new: error: '{bad}' is not a valid id: use lowercase letters a-z"
    )
    assert "projects/<id>.yaml" in err
    assert list((root.path / "projects").iterdir()) == []


def test_new_accepts_the_id_with_yaml_suffix(run: Run, root: Root) -> None:
    assert run("new", "lab-safety.yaml", "--root", root.path)[0] == 0
    assert (root.path / "projects" / "lab-safety.yaml").is_file()


def test_new_refuses_an_empty_title(run: Run, root: Root) -> None:
    code, _, err = run("new", "lab-safety", "--root", root.path, "--title", "  ")
    assert code == 2
    assert err.startswith("progress-site new: error: --title is empty")


def test_new_without_a_valid_site_reports_it(run: Run, tmp_path: Path) -> None:
    code, out, err = run("new", "lab-safety", "--root", tmp_path)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == "site.yaml:1:1: 缺少 site.yaml；根目录下必须有这个文件"
    assert "Traceback" not in err
