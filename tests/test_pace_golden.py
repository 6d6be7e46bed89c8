"""Golden pages: the pace verdicts and the backward schedule of the repository's sample
projects, as of 2026-11-25, in Chinese and in English.

Only the parts of each project page this feature writes are kept (the indicator charts
with their verdicts, and the backward-schedule sentence), so that a change elsewhere on
the page does not touch them. After an intended change, regenerate them and read the diff:

    REGENERATE_GOLDEN=1 PYTHONPATH=$PWD .venv/bin/python -m pytest tests/test_pace_golden.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from generator import search
from generator.cli import main
from tests.conftest import REPO

GOLDEN = Path(__file__).resolve().parent / "golden" / "pace"
PROJECTS = sorted(p.stem for p in (REPO / "projects").glob("*.yaml"))
REGENERATE = bool(os.environ.get("REGENERATE_GOLDEN"))


@pytest.fixture(scope="module", params=["zh-CN", "en"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """The repository's site in one language (search index left out), and the language."""
    language: str = request.param
    base = tmp_path_factory.mktemp(f"golden-{language}")
    root = base / "root"
    root.mkdir()
    shutil.copytree(REPO / "projects", root / "projects")
    text = (REPO / "site.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^language: .*$", f"language: {language}", text)
    (root / "site.yaml").write_text(text, encoding="utf-8")
    out = base / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "build_index", lambda *args: None)
        assert main(["build", "--root", str(root), "--out", str(out), "--today", "2026-11-25"]) == 0
    return language, out


def fragment(html: str) -> str:
    """What this feature writes on a project page: the schedule sentence, the charts."""
    parts = re.findall(r'<p class="schedule-late".*?</p>', html, re.S)
    parts += re.findall(r'<section class="tl-indicators".*?</section>', html, re.S)
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("project", PROJECTS)
def test_golden_project_pace(built: tuple[str, Path], project: str) -> None:
    language, out = built
    html = (out / "projects" / project / "index.html").read_text(encoding="utf-8")
    golden = GOLDEN / language / f"{project}.html"
    found = fragment(html)
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(found, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}: regenerate (see this module's docstring)"
    assert found == golden.read_text(encoding="utf-8"), (
        f"{project} ({language}) differs from {golden}; if intended, regenerate it"
    )


def test_the_sample_data_shows_every_verdict(built: tuple[str, Path]) -> None:
    """One indicator on pace, one behind, one reached and one that must fall."""
    _, out = built
    data = json.loads((out / "data.json").read_text(encoding="utf-8"))
    found = {
        (p["id"], i["name"]): (i["verdict"], i["direction"])
        for p in data["projects"]
        for i in p["indicators"]
    }
    assert found[("first-class-majors", "校级以上一流课程数")] == ("on-pace", "up")
    assert found[("first-class-majors", "专业建设专项经费执行率")] == ("behind-pace", "up")
    assert found[("graduate-education-reform", "产教融合实践基地数")] == ("reached", "up")
    assert found[("asset-inventory", "账实不符待处理资产")] == ("on-pace", "down")
    late = sorted(p["id"] for p in data["projects"] if p["schedule"] and p["schedule"]["late"])
    assert late == [
        "cadre-team-building",
        "graduate-education-reform",
        "research-platforms",
        "strict-party-governance",
        "talent-recruitment",
    ]
