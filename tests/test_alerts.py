"""告诫提醒, the plan side: who is behind (one function for the departments page, the alerts
and ``check --fail-on stale``), ``alerts plan`` and what each alert says, and the
departments' ``contacts`` in site.yaml.

The fixture, as of 2026-11-25 with ``stale_after_days: 14``:

* late (active, led by 教务处): Publish rules due 2026-11-01 (24 days overdue), Second due
  2026-11-20 and delivered by 科技处 (5 days overdue); a note two days old;
* recent and silent (active, led by 人事处): notes 2 and 15 days old; 科技处 takes part in
  silent. 人事处 is behind on silent alone, however recent its other project's note;
* resting (paused, led by 人事处): no note, never stale.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import alerts, forge, pipeline, report, status
from generator.status import PortfolioStatus
from tests.conftest import REPO, Root, RunResult

Run = Callable[..., RunResult]
TODAY = dt.date(2026, 11, 25)
ON_TODAY = ("--today", "2026-11-25")
GOLDEN = Path(__file__).resolve().parent / "golden" / "alerts"
REGENERATE = "REGENERATE_GOLDEN"
"""``REGENERATE_GOLDEN=1 pytest tests/test_alerts.py`` writes the golden files afresh."""

SITE = """\
title: 测试站点
language: en
base_url: https://example.org/progress/
stale_after_days: 14
departments:
  - id: academic-affairs
    name: 教务处
    contacts: ["@li-na", "@example-univ/jiaowu"]
  - id: personnel
    name: 人事处
  - id: science-tech
    name: 科技处
    contacts: ["@liu-yang"]
"""

LATE = """\
title: Late
lead: academic-affairs
sponsor: 王建国（校长）
milestones:
  - title: Publish rules
    due: 2026-11-01
  - title: Second
    due: 2026-11-20
    owner: science-tech
  - title: Done
    due: 2026-11-02
    done: 2026-11-02
notes:
  - {date: 2026-11-23, text: Busy.}
"""

RECENT = """\
title: Recent
lead: personnel
notes:
  - {date: 2026-11-23, text: Two days ago.}
"""

SILENT = """\
title: Silent
lead: personnel
departments: [science-tech]
notes:
  - {date: 2026-11-10, text: Fifteen days ago.}
"""


@pytest.fixture
def portfolio(root: Root) -> Root:
    root.site(SITE)
    root.project("late", LATE)
    root.project("recent", RECENT)
    root.project("silent", SILENT)
    root.project("resting", "title: Resting\nlead: personnel\nstatus: paused\n")
    return root


def state_of(root: Root, today: dt.date = TODAY) -> PortfolioStatus:
    return pipeline.check(root.path, today)[0]


def plan_of(root: Root, repository: forge.Repository | None = None) -> alerts.Plan:
    return alerts.plan(state_of(root), TODAY, repository)


REPOSITORY = forge.Repository(
    server="https://github.com", slug="example-univ/progress", branch="main"
)


def by_key(plan: alerts.Plan) -> dict[str, alerts.Alert]:
    return {a.key: a for a in plan.alerts}


# --- who is behind: one answer for the page, the alerts and the check --------------------


def test_staleness_is_per_project(portfolio: Root, run: Run) -> None:
    """A lead with projects last reported 2 and 15 days ago (14 allowed) is behind; a
    department that only takes part in the silent project is not."""
    behind = status.falling_behind(state_of(portfolio))
    assert {d: [p.project.id for p in b.stale] for d, b in behind.items()} == {
        "academic-affairs": [],
        "personnel": ["silent"],
        "science-tech": [],
    }
    out = portfolio.path.parent / "site"
    assert run("build", "--root", portfolio.path, "--out", out, *ON_TODAY)[0] == 0
    html = (out / "departments/index.html").read_text(encoding="utf-8")
    section = html[html.index('<section class="league-warnings"') : html.index("</section>")]
    listed = re.findall(r'<li><a href="([a-z-]+)/index.html">([^<]*)</a>', section)
    assert listed == [  # in the table's order: 科技处 heard of 15 days ago, 教务处 of 2
        ("science-tech", "科技处: 1 milestone overdue"),
        ("academic-affairs", "教务处: 1 milestone overdue"),
        ("personnel", "人事处: 1 project without a report for over 14 days"),
    ]
    code, out_text, _ = run("check", "--root", portfolio.path, "--fail-on", "stale", *ON_TODAY)
    assert code == 1
    assert out_text.endswith(
        "Active projects without a note for more than 14 days: 1\n"
        "  projects/silent.yaml: Silent: last note 2026-11-10, 15 day(s) ago (lead: 人事处)\n"
    )
    plan = plan_of(portfolio)
    assert [a.key for a in plan.alerts] == [f"dept:{d}" for d in behind]
    assert by_key(plan)["dept:personnel"].items == ("stale:silent",)


def test_the_page_the_alerts_and_the_check_agree_on_the_sample_projects() -> None:
    state = pipeline.check(REPO, TODAY)[0]
    behind = status.falling_behind(state)
    stale = [p.project.id for p in report.stale(state)]
    assert sorted(stale) == sorted(p.project.id for b in behind.values() for p in b.stale)
    overdue = {(p.project.id, m.index) for p, m in report.overdue(state)}
    assert overdue == {(p.project.id, m.index) for b in behind.values() for p, m in b.overdue}
    plan = alerts.plan(state, TODAY, None)
    assert [a.department for a in plan.alerts] == list(behind)
    items = [i for a in plan.alerts for i in a.items]
    assert sorted(items) == sorted(
        [f"stale:{p}" for p in stale]
        + [alerts.overdue_key(p, m) for b in behind.values() for p, m in b.overdue]
    )
    # 国有资产管理处 leads asset-inventory, silent for 26 days; its other project (paused)
    # has a note of 5 days ago, which hid it before staleness was counted per project.
    assert [p.project.id for p in behind["assets"].stale] == ["asset-inventory"]


def test_since_is_the_earliest_day_behind(root: Root) -> None:
    root.project(
        "a",
        """\
        title: A
        lead: academic-affairs
        milestones:
          - {title: One, due: 2026-11-10}
          - {title: Two, due: 2026-11-03, owner: personnel}
        notes:
          - {date: 2026-10-01, text: Old.}
        """,
    )
    root.project("b", "title: B\nlead: personnel\nstart: 2026-09-01\n")
    root.project("c", "title: C\nlead: science-tech\n")
    root.project("d", "title: D\nlead: science-tech\nstart: 2026-12-01\n")
    behind = status.falling_behind(state_of(root))
    # 教务处: One overdue from 11-11; A stale from 10-01 + 14 + 1 = 10-16: the earlier.
    assert behind["academic-affairs"].since == dt.date(2026, 10, 16)
    # 人事处: Two overdue from 11-04; B never reported, stale since its start.
    assert behind["personnel"].since == dt.date(2026, 9, 1)
    # 科技处: C and D never reported, C without a start, D starting later: not known.
    assert [p.project.id for p in behind["science-tech"].stale] == ["c", "d"]
    assert behind["science-tech"].since is None


# --- the plan ------------------------------------------------------------------------------


def test_titles_in_english_and_chinese_with_their_plurals(root: Root) -> None:
    root.project(
        "a",
        """\
        title: A
        lead: personnel
        milestones:
          - {title: One, due: 2026-11-10}
          - {title: Two, due: 2026-11-11}
        """,
    )
    root.project("b", "title: B\nlead: personnel\nnotes: [{date: 2026-01-02, text: x}]\n")
    assert [a.title for a in plan_of(root).alerts] == [
        "[Progress alert] 人事处: 2 milestones overdue, 2 projects without a report for over "
        "14 days"
    ]
    root.site(SITE_ONE_DAY_ZH)
    (root.path / "projects" / "b.yaml").unlink()
    assert [a.title for a in plan_of(root).alerts] == [
        "【督办提醒】人事处：2 个节点逾期，1 个项目超过 1 天未报告"
    ]
    root.site(SITE_ONE_DAY_ZH.replace("language: zh-CN", "language: en"))
    assert [a.title for a in plan_of(root).alerts] == [
        "[Progress alert] 人事处: 2 milestones overdue, 1 project without a report for over 1 day"
    ]


SITE_ONE_DAY_ZH = """\
title: 测试站点
language: zh-CN
stale_after_days: 1
departments:
  - id: personnel
    name: 人事处
"""


def test_plan_as_text(portfolio: Root, run: Run) -> None:
    code, out, err = run("alerts", "plan", "--root", portfolio.path, *ON_TODAY)
    assert (code, err) == (0, "")
    assert out == textwrap.dedent(
        """\
        Alert plan as of 2026-11-25: 3 departments falling behind

        dept:academic-affairs  [Progress alert] 教务处: 1 milestone overdue
          on the list since 2026-11-02 · contacts: @li-na @example-univ/jiaowu
          - Late — Publish rules: due 2026-11-01, 24 days overdue

        dept:personnel  [Progress alert] 人事处: 1 project without a report for over 14 days
          on the list since 2026-11-25 · no contacts in site.yaml
          - Silent: last report 2026-11-10, 15 days ago

        dept:science-tech  [Progress alert] 科技处: 1 milestone overdue
          on the list since 2026-11-21 · contacts: @liu-yang
          - Late — Second: due 2026-11-20, 5 days overdue
        """
    )


def test_a_body_in_full(portfolio: Root) -> None:
    alert = by_key(plan_of(portfolio, REPOSITORY))["dept:academic-affairs"]
    assert alert.items == ("overdue:late/Publish rules",)
    assert alert.since == dt.date(2026, 11, 2)
    assert alert.contacts == ("@li-na", "@example-univ/jiaowu")
    form = (
        "https://github.com/example-univ/progress/issues/new?template=report.yml"
        "&project=Late%20%28late%29"
    )
    assert alert.body == "\n".join(
        [
            "**教务处: 1 milestone overdue**",
            "",
            "As of November 25, 2026; on the falling-behind list since November 2, 2026. "
            "[The departments page](https://example.org/progress/departments/index.html) "
            "lists them all.",
            "",
            "### 1 overdue milestone",
            "",
            "| Project | Milestone | Due | Days overdue | Leader in charge |",
            "| --- | --- | --- | ---: | --- |",
            "| [Late](https://example.org/progress/projects/late/index.html) | Publish rules "
            "| 2026-11-01 | 24 | 王建国（校长） |",
            "",
            "### Who answers for it",
            "",
            "@li-na @example-univ/jiaowu: please see to the above.",
            "",
            "### What to do",
            "",
            "- **Report progress**: file a progress report with the link below, or add a dated "
            "note under `notes:` in the project's file.",
            "- **A milestone is done**: write the day it was done as its `done:` date in the "
            "project's file.",
            "- **A milestone cannot be met**: change its `due:` date and add a note with "
            "`kind: decision` that says why; the site keeps the change as a re-plan against "
            "its baseline.",
            "",
            "This issue closes by itself at the next daily run once nothing here is overdue or "
            "without a recent report.",
            "",
            "### The projects",
            "",
            f"- Late (`projects/late.yaml`): [report progress]({form}) · [edit the file]"
            "(https://github.com/example-univ/progress/edit/main/projects/late.yaml)",
            "",
            alerts.marker("dept:academic-affairs", alert.items),
            "",
        ]
    )
    found = alerts.parse_marker(alert.body)
    assert found == alerts.Marker("dept:academic-affairs", alert.digest, alert.items)


def test_stale_projects_and_no_contacts_in_chinese(portfolio: Root) -> None:
    site = SITE.replace("language: en", "language: zh-CN")
    portfolio.site(site.replace("base_url: https://example.org/progress/\n", ""))
    portfolio.project("never", "title: 从未报告的项目\nlead: personnel\nsponsor: 李东\n")
    alert = by_key(plan_of(portfolio, REPOSITORY))["dept:personnel"]
    assert alert.title == "【督办提醒】人事处：2 个项目超过 14 天未报告"
    assert alert.items == ("stale:never", "stale:silent")
    assert alert.labels == {
        "stale:never": "从未报告的项目：尚无报告",
        "stale:silent": "Silent：最近报告 2026-11-10，15 天前",
    }
    body = alert.body
    assert "截至 2026年11月25日；自 2026年11月25日 起列入落后提醒名单。" in body
    assert "example.org" not in body  # no base_url: no links to the site
    assert (
        "### 2 个项目超过 14 天未报告\n\n"
        "| 项目 | 最近报告 | 已过天数 | 帮包领导 |\n"
        "| --- | --- | ---: | --- |\n"
        "| 从未报告的项目 | 从未报告 | — | 李东 |\n"
        "| Silent | 2026-11-10 | 15 | — |\n"
    ) in body
    assert (
        "### 请关注\n\n"
        "site.yaml 没有为人事处登记联系人，本提醒不会通知到任何人。请在 site.yaml 中该部门下"
        '列出负责的 GitHub 账号或团队，例如 `contacts: ["@zhang-wei", "@my-org/office"]`。'
        "[编辑 site.yaml](https://github.com/example-univ/progress/edit/main/site.yaml)。\n"
    ) in body
    assert "- 从未报告的项目 (`projects/never.yaml`): [填写进展报告](" in body


def test_without_the_repository_no_forge_links(portfolio: Root) -> None:
    body = by_key(plan_of(portfolio, None))["dept:personnel"].body
    assert "github.com" not in body
    assert (
        "- **Report progress**: add a dated note under `notes:` in the project's file.\n"
    ) in body
    assert "- Silent (`projects/silent.yaml`)\n" in body
    assert "site.yaml lists no contacts for 人事处, so this alert notifies no one." in body


def test_text_from_the_files_is_escaped_and_mentions_no_one(root: Root) -> None:
    root.site(SITE)
    root.project(
        "x",
        """\
        title: "A | <b>B</b> @someone #12 [x](http://evil.example) *bold*"
        lead: academic-affairs
        sponsor: "@boss & co"
        milestones:
          - {title: "1. step_one ~x~ `code`", due: 2026-11-01}
        notes: [{date: 2026-11-24, text: x}]
        """,
    )
    alert = by_key(plan_of(root))["dept:academic-affairs"]
    title = (
        r"A \| &lt;b&gt;B&lt;/b&gt; @&#8203;someone \#&#8203;12 \[x\]\(http://evil.example\) "
        r"\*bold\*"
    )
    milestone = r"1\. step\_one \~x\~ \`code\`"
    assert (
        f"| [{title}](https://example.org/progress/projects/x/index.html) | {milestone} "
        "| 2026-11-01 | 24 | @&#8203;boss &amp; co |"
    ) in alert.body
    assert alert.labels == {
        "overdue:x/1. step_one ~x~ `code`": f"{title} — {milestone}: due 2026-11-01, "
        "24 days overdue"
    }
    # Only the contacts mention anyone: every other @ is followed by a zero-width space.
    mentions = re.findall(r"@[A-Za-z0-9][\w./-]*", alert.body)
    assert mentions == ["@li-na", "@example-univ/jiaowu"]
    assert "<b>" not in alert.body and "@someone" not in alert.body
    # The title of an issue is text, not Markdown: shown as written, on one line.
    assert alert.title == "[Progress alert] 教务处: 1 milestone overdue"
    # For a terminal, the labels read as written.
    code_text = alerts.plan_text(alerts.Plan(TODAY, "en", (alert,)))
    assert (
        "  - A | <b>B</b> @someone #12 [x](http://evil.example) *bold* — 1. step_one" in code_text
    )


def test_a_department_name_in_the_title_is_one_bounded_line(root: Root) -> None:
    long_name = "很长的部门名称" * 60
    root.site(SITE.replace("name: 人事处", f"name: {long_name}"))
    root.project("x", "title: X\nlead: personnel\n")
    alert = by_key(plan_of(root))["dept:personnel"]
    assert len(alert.title) == alerts.TITLE_LIMIT and alert.title.endswith("…")
    assert alert.body.startswith("**" + long_name[: alerts.TEXT_LIMIT - 1] + "…: ")


def test_milestones_of_one_title_have_their_own_keys(root: Root) -> None:
    root.project(
        "x",
        """\
        title: X
        lead: personnel
        milestones:
          - {title: Report, due: 2026-10-01}
          - {title: Report, due: 2026-11-01}
          - {title: Other, id: report, due: 2026-11-02}
          - {title: Renamed, id: kept, due: 2026-11-03}
        notes: [{date: 2026-11-24, text: x}]
        """,
    )
    assert by_key(plan_of(root))["dept:personnel"].items == (
        "overdue:x/Report",
        "overdue:x/Report#2",
        "overdue:x/kept",
        "overdue:x/report",
    )


def test_a_body_stays_under_the_forges_limit(root: Root) -> None:
    """3,000 overdue milestones with long Chinese titles: the first ones are listed, then
    how many more; the marker lists what fits and its digest covers every item."""
    milestones = "".join(
        f"  - {{title: 第{i}个节点{'很长的节点名称' * 30}, due: 2026-10-{1 + i % 28:02d}}}\n"
        for i in range(3000)
    )
    root.site(SITE)
    notes = "notes: [{date: 2026-11-24, text: x}]\n"
    root.project("big", f"title: 大项目\nlead: personnel\n{notes}milestones:\n{milestones}")
    alert = by_key(plan_of(root, REPOSITORY))["dept:personnel"]
    assert len(alert.items) == 3000
    assert len(alert.body) <= alerts.BODY_BUDGET < alerts.BODY_LIMIT
    rows = re.findall(r"^\| \[?大项目", alert.body, re.M)
    assert 50 < len(rows) < 3000
    assert (
        f"\n\n… and {3000 - len(rows)} more ([all on the department's page]"
        "(https://example.org/progress/departments/personnel/index.html))\n"
    ) in alert.body
    assert "### Who answers for it" in alert.body and "### The projects" in alert.body
    found = alerts.parse_marker(alert.body)
    assert found is not None and found.digest == alert.digest
    assert 0 < len(found.items) < 3000 and found.items == alert.items[: len(found.items)]
    assert alert.body.endswith(alerts.marker(alert.key, alert.items) + "\n")


def test_a_marker_is_bounded_and_its_digest_covers_every_item() -> None:
    many = tuple(f"overdue:p/{i:04d}" for i in range(600))
    found = alerts.parse_marker(alerts.marker("dept:x", many))
    assert found is not None and found.items == many[: alerts.MAX_MARKER_ITEMS]
    assert found.digest == alerts.items_digest(many)
    long = tuple(f"overdue:p/{i:03d}{'节点' * 100}" for i in range(100))  # 1,200+ chars each
    line = alerts.marker("dept:x", long)
    found = alerts.parse_marker(line)
    assert found is not None and found.items == long[: len(found.items)]
    assert 10 < len(found.items) < 100 and found.digest == alerts.items_digest(long)
    assert len(line) <= alerts.MAX_MARKER_CHARS + 100


def test_no_department_behind_no_alert(root: Root, run: Run) -> None:
    root.project("x", "title: X\nlead: personnel\nnotes: [{date: 2026-11-24, text: x}]\n")
    assert plan_of(root).alerts == ()
    code, out, _ = run("alerts", "plan", "--root", root.path, "--format", "json", *ON_TODAY)
    assert code == 0
    assert json.loads(out) == {"alerts": [], "as_of": "2026-11-25", "language": "en"}
    code, out, _ = run("alerts", "plan", "--root", root.path, "--format", "markdown", *ON_TODAY)
    assert out == (
        "## Alert plan as of 2026-11-25: 0 departments falling behind\n\n"
        "No department is falling behind: no alert.\n"
    )


def test_the_state_must_be_of_the_day(portfolio: Root) -> None:
    with pytest.raises(ValueError, match="as of 2026-11-25, not 2026-11-26"):
        alerts.plan(state_of(portfolio), dt.date(2026, 11, 26), None)


# --- the command line ----------------------------------------------------------------------


def test_json_is_the_whole_plan_with_sorted_keys(
    portfolio: Root, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITLAB_CI", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "example-univ/progress")
    code, out, _ = run("alerts", "plan", "--root", portfolio.path, "--format", "json", *ON_TODAY)
    assert code == 0
    data = json.loads(out)
    assert out == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    plan = plan_of(portfolio, REPOSITORY)  # the repository from the environment
    assert [a["body"] for a in data["alerts"]] == [a.body for a in plan.alerts]
    first = data["alerts"][0]
    assert {k: v for k, v in first.items() if k != "body"} == {
        "key": "dept:academic-affairs",
        "department": "academic-affairs",
        "title": "[Progress alert] 教务处: 1 milestone overdue",
        "items": ["overdue:late/Publish rules"],
        "labels": {
            "overdue:late/Publish rules": "Late — Publish rules: due 2026-11-01, 24 days overdue"
        },
        "digest": alerts.items_digest(("overdue:late/Publish rules",)),
        "since": "2026-11-02",
        "contacts": ["@li-na", "@example-univ/jiaowu"],
    }


def test_markdown_folds_each_alert_under_its_title(portfolio: Root, run: Run) -> None:
    code, out, _ = run(
        "alerts", "plan", "--root", portfolio.path, "--format", "markdown", *ON_TODAY
    )
    assert code == 0
    assert out.startswith("## Alert plan as of 2026-11-25: 3 departments falling behind\n\n")
    assert out.count("<details><summary>") == 3
    assert (
        "<details><summary>[Progress alert] 人事处: 1 project without a report for over 14 days"
        "</summary>\n\n**人事处: 1 project without a report for over 14 days**\n"
    ) in out


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "projects/x.yaml:2:7: the department 'personel' is not declared in site.yaml "
                "(did you mean 'personnel'?); use a department id or name listed there",
                "1 problem(s) found",
            ],
        ),
        (
            "zh-CN",
            [
                "projects/x.yaml:2:7: 部门“personel”未在 site.yaml 中登记（是否想写“personnel”？）；"
                "请使用那里列出的部门编号或名称",
                "发现 1 个问题",
            ],
        ),
    ],
)
def test_invalid_files_are_located_and_exit_1(
    root: Root, run: Run, language: str, expected: list[str]
) -> None:
    root.site(SITE.replace("language: en", f"language: {language}"))
    root.project("x", "title: X\nlead: personel\n")
    code, out, err = run("alerts", "plan", "--root", root.path, *ON_TODAY)
    assert (code, out) == (1, "")
    assert err.splitlines() == expected


def test_warnings_go_to_standard_error(root: Root, run: Run) -> None:
    root.project(
        "x",
        """\
        title: X
        lead: personnel
        due: 2026-12-01
        milestones:
          - {title: Late, due: 2026-12-31}
        notes: [{date: 2026-11-24, text: x}]
        """,
    )
    code, out, err = run("alerts", "plan", "--root", root.path, *ON_TODAY)
    assert code == 0
    assert err.startswith("projects/x.yaml:5:")
    assert out.startswith("Alert plan as of 2026-11-25: 0 departments")


def test_alerts_needs_an_action(run: Run) -> None:
    code, _, err = run("alerts")
    assert code == 2
    assert "the following arguments are required: ACTION" in err


# --- golden files: the plan for the sample projects ----------------------------------------


def sample(tmp_path: Path, language: str) -> Path:
    root = tmp_path / language
    root.mkdir()
    shutil.copytree(REPO / "projects", root / "projects")
    text = (REPO / "site.yaml").read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^language: .*$", f"language: {language}", text)
    assert found == 1
    (root / "site.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("fmt", ["json", "markdown"])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_golden_plan_of_the_sample_projects(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch, language: str, fmt: str
) -> None:
    """The sample site as of 2026-11-25, its repository example-univ/progress on GitHub.
    After an intended change: ``REGENERATE_GOLDEN=1 pytest tests/test_alerts.py``."""
    for name in ("GITLAB_CI", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "example-univ/progress")
    root = sample(tmp_path, language)
    code, out, err = run("alerts", "plan", "--root", root, "--format", fmt, *ON_TODAY)
    assert (code, err) == (0, "")
    golden = GOLDEN / f"plan.{language}.{'json' if fmt == 'json' else 'md'}"
    if os.environ.get(REGENERATE):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8"), f"regenerate with {REGENERATE}=1"
    again = run("alerts", "plan", "--root", root, "--format", fmt, *ON_TODAY)[1]
    assert again == out  # same input, same output, byte for byte


# --- contacts in site.yaml -----------------------------------------------------------------

CONTACTS_SITE = """\
title: 测试站点
language: {language}
departments:
  - id: personnel
    name: 人事处
    contacts: ["@zhang-wei", "zhang-wei", "@my-org/", "@ok-team/office"]
  - id: finance
    name: 财务处
    contact: ["@li-na"]
"""


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "site.yaml:6:30: 'zhang-wei' is not a handle: write a login as @zhangsan or a "
                "team as @my-org/office (an @, then letters, digits, '-', '_' or '.')",
                "site.yaml:6:43: '@my-org/' is not a handle: write a login as @zhangsan or a "
                "team as @my-org/office (an @, then letters, digits, '-', '_' or '.')",
                "site.yaml:9:5: unknown key 'contact' (did you mean 'contacts'?); "
                "allowed here: contacts, id, name",
                "3 problem(s) found",
            ],
        ),
        (
            "zh-CN",
            [
                "site.yaml:6:30: “zhang-wei”不是有效的账号：个人写作 @zhangsan，团队写作 "
                "@my-org/office（以 @ 开头，后接字母、数字、“-”“_”或“.”）",
                "site.yaml:6:43: “@my-org/”不是有效的账号：个人写作 @zhangsan，团队写作 "
                "@my-org/office（以 @ 开头，后接字母、数字、“-”“_”或“.”）",
                "site.yaml:9:5: 未知的键“contact”（是否想写“contacts”？）；"
                "这里允许的键：contacts, id, name",
                "发现 3 个问题",
            ],
        ),
    ],
)
def test_malformed_handles_and_unknown_keys_are_located(
    root: Root, run: Run, language: str, expected: list[str]
) -> None:
    root.site(CONTACTS_SITE.format(language=language))
    root.project("x", "title: X\nlead: personnel\n")
    code, out, err = run("alerts", "plan", "--root", root.path, *ON_TODAY)
    assert (code, out) == (1, "")
    assert err.splitlines() == expected


def test_department_pages_show_contacts_and_since(portfolio: Root, run: Run) -> None:
    out = portfolio.path.parent / "site"
    assert run("build", "--root", portfolio.path, "--out", out, *ON_TODAY)[0] == 0
    page = (out / "departments/academic-affairs/index.html").read_text(encoding="utf-8")
    assert (
        "<div><dt>Contacts for progress alerts</dt><dd><code>@li-na</code> "
        "<code>@example-univ/jiaowu</code></dd></div>"
    ) in page
    assert "<div><dt>Falling behind since</dt><dd>November 2, 2026</dd></div>" in page
    page = (out / "departments/personnel/index.html").read_text(encoding="utf-8")
    assert '<dd><span class="muted">none listed in site.yaml</span></dd>' in page
    assert (
        '<li><a href="../../projects/silent/index.html">Silent</a> '
        "(last report 2026-11-10, 15 days ago)</li>"
    ) in page
    index = (out / "departments/index.html").read_text(encoding="utf-8")
    assert (
        '<li><a href="personnel/index.html">人事处: 1 project without a report for over 14 days'
        '</a> · <span class="since">since November 25, 2026</span></li>'
    ) in index
