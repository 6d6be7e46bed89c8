"""The links into the repository, in real Chromium: on a project's page, "提交进展" opens the
report form with that project chosen (the choice word for word one of the form's), and
"编辑项目文件" the web editor on its file; a department's page lists both for each of its
projects, each link named with its project for a screen reader. axe-core finds nothing
to fault and the Nu HTML Checker no error on those pages.

The repository's site is built (as of 2026-11-25) for the repository my-org/progress and
opened from its folder; nothing is followed outside it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from generator import forge, forms, pipeline
from tests.browser.test_pages import AXE, VNU, WCAG_TAGS, require

REPO = Path(__file__).resolve().parents[2]
REPOSITORY = forge.Repository("https://github.com", "my-org/progress", "main")
PROJECT = "first-class-majors"
DEPARTMENT = "academic-affairs"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("links") / "site"
    pipeline.build_site(REPO, out, dt.date(2026, 11, 25), repository=REPOSITORY)
    return out


def form_choices() -> list[str]:
    form = yaml.safe_load((REPO / forms.FORM_FILE).read_text(encoding="utf-8"))
    (project,) = [f for f in form["body"] if f.get("id") == "project"]
    choices: list[str] = project["attributes"]["options"]
    return choices


def axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => (await axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))
            .violations.map((v) => `${v.id}: ${v.help}`)""",
        WCAG_TAGS,
    )
    return [str(v) for v in violations]


def test_a_project_page_links_to_its_form_and_its_file(built: Path, page: Any) -> None:
    page.goto((built / "projects" / PROJECT / "index.html").as_uri())
    report = page.get_by_role("link", name="提交进展", exact=True)
    edit = page.get_by_role("link", name="编辑项目文件", exact=True)
    assert report.is_visible() and edit.is_visible()
    address = urlsplit(report.get_attribute("href"))
    query = parse_qs(address.query)
    assert (address.netloc, address.path) == ("github.com", "/my-org/progress/issues/new")
    assert query["template"] == ["report.yml"]
    (choice,) = query["project"]
    assert choice == f"一流本科专业建设 ({PROJECT})"
    assert choice in form_choices()
    assert edit.get_attribute("href") == (
        f"https://github.com/my-org/progress/edit/main/projects/{PROJECT}.yaml"
    )
    assert page.problems() == []
    require(AXE.is_file(), "axe-core")
    assert axe(page.page) == []  # (its requests for the style sheets fail from a folder)


def test_a_department_page_lists_the_links_of_its_projects(built: Path, page: Any) -> None:
    page.goto((built / "departments" / DEPARTMENT / "index.html").as_uri())
    data = json.loads((built / "data.json").read_text(encoding="utf-8"))
    led = [p for p in data["projects"] if p["lead"] == DEPARTMENT]
    joined = [p for p in data["projects"] if DEPARTMENT in p["departments"]]
    assert led
    for project in led + joined:
        report = page.get_by_role("link", name=f"提交进展 ({project['title']})", exact=True)
        edit = page.get_by_role("link", name=f"编辑项目文件 ({project['title']})", exact=True)
        assert report.is_visible() and edit.is_visible()
        query = parse_qs(urlsplit(report.get_attribute("href")).query)
        assert query["project"] == [forms.project_choice(project["title"], project["id"])]
        assert edit.get_attribute("href").endswith(f"/edit/main/projects/{project['id']}.yaml")
    assert page.problems() == []
    require(AXE.is_file(), "axe-core")
    assert axe(page.page) == []  # (its requests for the style sheets fail from a folder)


def test_the_pages_with_links_are_valid_html(built: Path) -> None:
    java = shutil.which("java")
    require(java is not None, "Java (for the Nu HTML Checker)")
    require(VNU.is_file(), "vnu")
    assert java is not None
    pages = [built / "projects" / PROJECT / "index.html", built / "departments" / DEPARTMENT / "index.html"]
    done = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert json.loads(done.stdout)["messages"] == []
