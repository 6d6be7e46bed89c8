"""Links from the site into its repository: "Report progress" (the issue form, the project
chosen) and "Edit the file" (the forge's web editor on the project's file), on every project
page and, for their projects, on every department page; none without a repository.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from generator import forge, forms, pipeline
from tests.conftest import ONE_PROJECT, TODAY, Root, RunResult

Run = Callable[..., RunResult]
REPOSITORY = forge.Repository("https://github.com", "my-org/progress", "main")
LINK = re.compile(r'<a href="([^"]+)">(Report progress|Edit the file)')


def links(page: Path) -> dict[str, list[str]]:
    """Each link's words → the addresses they lead to, in the page's order."""
    found: dict[str, list[str]] = {}
    for href, words in LINK.findall(page.read_text(encoding="utf-8")):
        found.setdefault(words, []).append(href.replace("&amp;", "&"))
    return found


@pytest.fixture
def site(root: Root) -> Root:
    root.project("majors", ONE_PROJECT)
    root.project(
        "talent",
        """\
        title: "高层次人才引进: 第二批"
        lead: personnel
        departments: [academic-affairs]
        """,
    )
    return root


def test_each_project_page_links_to_its_form_and_its_file(site: Root, tmp_path: Path) -> None:
    out = tmp_path / "site"
    pipeline.build_site(site.path, out, TODAY, repository=REPOSITORY)
    found = links(out / "projects" / "talent" / "index.html")
    (report,) = found["Report progress"]
    (edit,) = found["Edit the file"]
    assert edit == "https://github.com/my-org/progress/edit/main/projects/talent.yaml"
    address = urlsplit(report)
    assert address[:3] == ("https", "github.com", "/my-org/progress/issues/new")
    assert parse_qs(address.query) == {
        "template": ["report.yml"],
        "project": ["高层次人才引进: 第二批 (talent)"],
        "title": ["[Report] 高层次人才引进: 第二批 (talent)"],
    }
    # The form's list holds that choice, word for word.
    form = forms.render(forms_site(site), forms.choices(site.path))
    (dropdown,) = [f for f in yaml.safe_load(form)["body"] if f.get("id") == "project"]
    assert "高层次人才引进: 第二批 (talent)" in dropdown["attributes"]["options"]


def forms_site(root: Root) -> object:
    from generator import schema

    site, _ = schema.load_site(root.path)
    return site


def test_each_department_page_lists_the_links_of_its_projects(site: Root, tmp_path: Path) -> None:
    out = tmp_path / "site"
    pipeline.build_site(site.path, out, TODAY, repository=REPOSITORY)
    academic = links(out / "departments" / "academic-affairs" / "index.html")
    assert academic["Edit the file"] == [  # leads majors, takes part in talent
        "https://github.com/my-org/progress/edit/main/projects/majors.yaml",
        "https://github.com/my-org/progress/edit/main/projects/talent.yaml",
    ]
    assert [parse_qs(urlsplit(u).query)["project"] for u in academic["Report progress"]] == [
        ["一流本科专业建设 (majors)"],
        ["高层次人才引进: 第二批 (talent)"],
    ]
    assert links(out / "departments" / "science-tech" / "index.html") == {}


def test_without_a_repository_there_are_no_links(site: Root, tmp_path: Path) -> None:
    out = tmp_path / "site"
    pipeline.build_site(site.path, out, TODAY)
    pages = sorted(out.rglob("*.html"))
    assert pages
    assert [p for p in pages if "issues/new" in p.read_text(encoding="utf-8")] == []
    assert [p for p in pages if "Report progress" in p.read_text(encoding="utf-8")] == []


def test_the_command_line_reads_the_repository_from_the_ci_or_site_yaml(
    run: Run, site: Root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    page = out / "projects" / "majors" / "index.html"
    monkeypatch.delenv("GITLAB_CI", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    assert run("build", "--root", site.path, "--out", out, "--today", TODAY.isoformat())[0] == 0
    assert links(page) == {}
    monkeypatch.setenv("GITHUB_REPOSITORY", "ci-org/ci-repo")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example.edu")
    code, out_text, _ = run("build", "--root", site.path, "--out", out, "--today", TODAY.isoformat())
    assert code == 0 and "up to date" not in out_text  # another repository: built again
    assert links(page)["Edit the file"] == [
        "https://github.example.edu/ci-org/ci-repo/edit/main/projects/majors.yaml"
    ]
    site_yaml = site.path / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8") + "repository: office/progress\nbranch: pages\n",
        encoding="utf-8",
    )
    assert run("build", "--root", site.path, "--out", out, "--today", TODAY.isoformat())[0] == 0
    assert links(page)["Edit the file"] == [
        "https://github.example.edu/office/progress/edit/pages/projects/majors.yaml"
    ]


def test_a_change_of_repository_renders_each_project_page_again(
    site: Root, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    pipeline.build_site(site.path, out, TODAY, repository=REPOSITORY)
    again = pipeline.build_site(site.path, out, TODAY, repository=REPOSITORY)
    assert again.up_to_date
    moved = forge.Repository("https://github.com", "my-org/renamed", "main")
    assert not pipeline.build_site(site.path, out, TODAY, repository=moved).up_to_date
    for project in ("majors", "talent"):
        (edit,) = links(out / "projects" / project / "index.html")["Edit the file"]
        assert edit.startswith("https://github.com/my-org/renamed/edit/main/")
