"""专项分析 on the site: where the pace verdicts and the backward schedule show.

One inline portfolio, built as of Wednesday 2026-11-25, whose indicators each stand for
one verdict (the numbers are worked out in tests/test_pace.py, figure for figure):

* alpha (active, led by 教务处, due 2026-12-23): 3 milestones done in the last 90 days
  and 2 left, so 60 more days at 1 per 30 days: 2027-01-24, 32 days after its due
  date; indicators on pace, late, reached, down, flat, the wrong way, past their due
  date, without a target, without figures, with one figure;
* beta (paused, led by 人事处): an indicator behind pace that counts for nothing;
* gamma (active, led by 人事处, no due date): an indicator with no due date.

Then the validation of ``direction`` and ``pace_weeks``, in English and in Chinese.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from generator import pipeline, search, status
from generator.views import weekly
from tests.conftest import Root, RunResult

Run = Callable[..., RunResult]
TODAY = "2026-11-25"

SITE = """\
title: 测试站点
language: en
pace_weeks: 4
departments:
  - id: academic-affairs
    name: 教务处
  - id: personnel
    name: 人事处
"""

RISING = """\
      - {date: 2026-11-04, value: 10}
      - {date: 2026-11-11, value: 12}
      - {date: 2026-11-18, value: 14}
      - {date: 2026-11-25, value: 16}"""

ALPHA = f"""\
title: Alpha
lead: academic-affairs
due: 2026-12-23
milestones:
  - {{title: One, due: 2026-09-01, done: 2026-09-01}}
  - {{title: Two, due: 2026-10-01, done: 2026-10-01}}
  - {{title: Three, due: 2026-11-01, done: 2026-11-01}}
  - {{title: Four, due: 2026-12-10}}
  - {{title: Five, due: 2026-12-20}}
notes:
  - {{date: 2026-11-24, text: Fine}}
indicators:
  - name: On pace
    target: 20
    baseline: 0
    values:
{RISING}
  - name: Late
    target: 20
    due: 2026-12-02
    values:
{RISING}
  - name: Reached
    target: 16
    values:
{RISING}
  - name: Backlog
    unit: 件
    target: 50
    baseline: 120
    direction: down
    values:
      - {{date: 2026-11-11, value: 100}}
      - {{date: 2026-11-18, value: 90}}
      - {{date: 2026-11-25, value: 80}}
  - name: Flat
    target: 20
    values:
      - {{date: 2026-11-11, value: 16}}
      - {{date: 2026-11-18, value: 16}}
      - {{date: 2026-11-25, value: 16}}
  - name: Wrong way
    target: 20
    values:
      - {{date: 2026-11-11, value: 18}}
      - {{date: 2026-11-18, value: 17}}
      - {{date: 2026-11-25, value: 16}}
  - name: Passed
    target: 20
    due: 2026-11-24
    values:
{RISING}
  - name: No target
    values:
{RISING}
  - name: No figures
    target: 20
  - name: One figure
    target: 20
    values:
      - {{date: 2026-11-25, value: 16}}
"""

BETA = """\
title: Beta
lead: personnel
status: paused
due: 2026-12-23
indicators:
  - name: Paused flat
    target: 20
    values:
      - {date: 2026-11-18, value: 16}
      - {date: 2026-11-25, value: 16}
"""

GAMMA = f"""\
title: Gamma
lead: personnel
indicators:
  - name: Undated
    target: 20
    values:
{RISING}
"""

# Each indicator of alpha: its verdict and its words on the project page, in English and
# in Chinese.
ALPHA_WORDS = [
    (
        "on-pace",
        "On pace At the pace of the last 4 weeks, the target is reached on 2026-12-09, "
        "14 days before the due date.",
        "进度正常 按近 4 周速度，预计 2026-12-09 达到目标，早于截止日期 14 天。",
    ),
    (
        "behind-pace",
        "Behind pace At the pace of the last 4 weeks, the target is reached on 2026-12-09, "
        "7 days after the due date.",
        "进度滞后 按近 4 周速度，预计 2026-12-09 达到目标，晚于截止日期 7 天。",
    ),
    ("reached", "Target reached Target reached.", "已达标 已达到目标。"),
    (
        "on-pace",
        "On pace At the pace of the last 4 weeks, the target is reached on 2026-12-16, "
        "7 days before the due date.",
        "进度正常 按近 4 周速度，预计 2026-12-16 达到目标，早于截止日期 7 天。",
    ),
    (
        "behind-pace",
        "Behind pace At the pace of the last 4 weeks, the figure does not move: the target "
        "is not reached at this pace.",
        "进度滞后 按近 4 周速度，数值没有变化，达不到目标。",
    ),
    (
        "behind-pace",
        "Behind pace At the pace of the last 4 weeks, the figure moves away from the "
        "target: it is not reached at this pace.",
        "进度滞后 按近 4 周速度，数值在向远离目标的方向变化，达不到目标。",
    ),
    (
        "behind-pace",
        "Behind pace The due date 2026-11-24 has passed and the target is not reached.",
        "进度滞后 截止日期 2026-11-24 已过，尚未达到目标。",
    ),
    (
        "no-data",
        "No pace verdict No target set: no pace to judge.",
        "无法判断 未设目标值，无法判断进度。",
    ),
    (
        "no-data",
        "No pace verdict No figures yet: no pace to judge.",
        "无法判断 尚无数据，无法判断进度。",
    ),
    (
        "no-data",
        "No pace verdict Fewer than 2 figures in the last 26 weeks: no pace can be measured.",
        "无法判断 近 26 周内的数据少于 2 个，无法计算速度。",
    ),
]

SCHEDULE_EN = (
    "Behind schedule: at the rate of the last 90 days (1 milestones per 30 days), the 2 "
    "milestones left take 60 more days and end on 2027-01-24, 32 days after the project's "
    "due date (2026-12-23, 28 days left)."
)
SCHEDULE_ZH = (
    "倒排工期预警： 按近 90 天的完成速度（每 30 天 1 个节点），剩余 2 个节点还需 60 天，"
    "预计 2027-01-24 完成，比项目截止日期（2026-12-23，剩余 28 天）晚 32 天。"
)


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """These builds are about pace, not search: skip Pagefind's slow step."""
    monkeypatch.setattr(search, "build_index", lambda *args: None)


@pytest.fixture
def fixture(root: Root) -> Root:
    root.site(SITE)
    root.project("alpha", ALPHA)
    root.project("beta", BETA)
    root.project("gamma", GAMMA)
    return root


def build(run: Run, root: Root, language: str = "en") -> Path:
    if language != "en":
        root.site(SITE.replace("language: en", f"language: {language}"))
    out = root.path.parent / f"site-{language}"
    code, _, err = run("build", "--root", root.path, "--out", out, "--today", TODAY)
    assert code == 0, err
    return out


def text_of(html: str) -> str:
    """The page's words, tags dropped and spaces folded."""
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def page(out: Path, path: str) -> str:
    return (out / path).read_text(encoding="utf-8")


def verdicts(html: str) -> list[tuple[str, str]]:
    """(verdict, words) of every indicator card of a project page."""
    return [
        (verdict, text_of(words))
        for verdict, words in re.findall(
            r'<p class="tl-pace [^"]*" data-verdict="([^"]+)"[^>]*>(.*?)</p>', html, re.S
        )
    ]


# --- the project page ---------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "column"), [("en", 1), ("zh-CN", 2)])
def test_each_indicator_says_its_verdict_in_words(
    fixture: Root, run: Run, language: str, column: int
) -> None:
    out = build(run, fixture, language)
    expected = [(row[0], row[column]) for row in ALPHA_WORDS]
    assert verdicts(page(out, "projects/alpha/index.html")) == expected
    gamma = verdicts(page(out, "projects/gamma/index.html"))
    no_due = {
        "en": "No pace verdict Neither the indicator nor the project has a due date: no pace "
        "to judge.",
        "zh-CN": "无法判断 指标和项目都没有截止日期，无法判断进度。",
    }
    assert gamma == [("no-data", no_due[language])]


def test_the_paces_are_given_beside_the_verdict(fixture: Root, run: Run) -> None:
    html = page(build(run, fixture), "projects/alpha/index.html")
    figures = [text_of(p) for p in re.findall(r'<p class="tl-pace-figures">(.*?)</p>', html)]
    assert figures[:2] == [
        "Needed: +1 a week · recent: +2 a week",  # 4 left in 4 weeks; 2 a week
        "Needed: +4 a week · recent: +2 a week",  # 4 left in 1 week
    ]
    assert "Needed: \u22127.5 a week · recent: \u221210 a week" in figures  # the backlog


def test_the_chart_draws_the_required_pace_to_the_target_at_the_due_date(
    fixture: Root, run: Run
) -> None:
    html = page(build(run, fixture), "projects/alpha/index.html")
    cards = re.findall(r'<li class="tl-card".*?</li>', html, re.S)
    first = cards[0]
    # Figures from 2026-11-04 to 2026-11-25, the axis to the due date 2026-12-23 (49 days):
    # the latest figure at x = 46 + 21/49 * 224 = 142, y of 16 between 0 and 20 on 10..66:
    # 66 - 0.8 * 56 = 21.2; the target 20 at the right end (270, 10).
    assert '<line class="tl-spark-pace" x1="142.0" y1="21.2" x2="270.0" y2="10.0"/>' in first
    assert ">2026-12-23</text>" in first and "Required pace to 2026-12-23" in first
    # Reached, and without a target: no line, the axis ends at the latest figure.
    assert "tl-spark-pace" not in cards[2] and ">2026-11-25</text>" in cards[2]
    assert "tl-spark-pace" not in cards[7]
    # Past its due date: nothing is drawn after the latest figure.
    assert "tl-spark-pace" not in cards[6]


@pytest.mark.parametrize(("language", "sentence"), [("en", SCHEDULE_EN), ("zh-CN", SCHEDULE_ZH)])
def test_the_project_page_says_when_the_milestones_left_end_too_late(
    fixture: Root, run: Run, language: str, sentence: str
) -> None:
    out = build(run, fixture, language)
    found = re.findall(
        r'<p class="schedule-late"[^>]*>(.*?)</p>', page(out, "projects/alpha/index.html")
    )
    assert [text_of(p) for p in found] == [sentence]
    # gamma has no milestone done recently, beta is paused: no sentence
    assert "schedule-late" not in page(out, "projects/gamma/index.html")
    assert "schedule-late" not in page(out, "projects/beta/index.html")


def test_the_battle_map_flags_the_row_behind_schedule(fixture: Root, run: Run) -> None:
    html = page(build(run, fixture), "timeline/index.html")
    flagged = re.findall(r'<g class="tl-row [^"]*tl-behind-schedule" data-project="([^"]+)"', html)
    assert flagged == ["alpha"]
    assert '<tspan class="tl-schedule-flag">⚑ </tspan>Alpha' in html
    assert (
        "<title>Alpha: behind schedule, the milestones left end on 2027-01-24 at the recent "
        "rate</title>"
    ) in html
    legend = text_of(re.search(r'<li class="tl-key-schedule">.*?</li>', html, re.S)[0])  # type: ignore[index]
    assert legend == (
        "⚑ Behind schedule: at the rate of the last 90 days, the milestones left end after "
        "the project's due date 1"
    )


# --- the portfolio, the departments, the week ------------------------------------------------------


def test_the_portfolio_counts_the_indicators_behind_pace(fixture: Root, run: Run) -> None:
    html = page(build(run, fixture), "index.html")
    # alpha's Late, Flat, Wrong way and Passed; beta is paused
    assert '<div class="pace-behind"><dt>Indicators behind pace</dt><dd>4</dd></div>' in html


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "教务处: 4 indicators behind pace"), ("zh-CN", "教务处：4 项指标进度滞后")],
)
def test_the_departments_page_counts_them_per_lead_department(
    fixture: Root, run: Run, language: str, line: str
) -> None:
    html = page(build(run, fixture, language), "departments/index.html")
    section = html[html.index('<section class="league-warnings"') : html.index("</section>")]
    assert re.findall(r'<li class="pace-behind"><a [^>]*>([^<]+)</a></li>', section) == [line]
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    last_cells = {
        text_of(name): text_of(count)
        for name, count in re.findall(
            r'<th scope="row">(.*?)</th>.*?<td class="num">([^<]*(?:<strong[^>]*>\d+</strong>)?)</td>\s*</tr>',
            body,
            re.S,
        )
    }
    assert last_cells == {"教务处": "4", "人事处": "0"}


def test_the_weekly_digest_lists_the_indicators_behind_pace_that_week(
    fixture: Root, run: Run
) -> None:
    out = build(run, fixture)

    def listed(week: str) -> list[str]:
        """On the page of the week of alpha's lead department."""
        html = page(out, f"weeks/{week}/academic-affairs/index.html")
        part = html[html.index('<h2 id="behind-pace">') : html.index('<h2 id="indicators">')]
        return [text_of(li) for li in re.findall(r"<li>(.*?)</li>", part, re.S)]

    def counted(week: str) -> str:
        """The week's own page counts them: in all, and in alpha's lead department's row."""
        html = page(out, f"weeks/{week}/index.html")
        total = re.search(r"<dt>Indicators behind pace</dt><dd>(\d+)</dd>", html)
        assert total is not None
        rows = re.findall(r"<tr.*?</tr>", html[html.index("<tbody>") :], re.S)
        row = next(text_of(r) for r in rows if "教务处" in r)
        return f"{total[1]} {row.split(' ')[-1]}"

    assert listed("2026-W48") == [
        "Late · Alpha At the pace of the last 4 weeks, the target is reached on 2026-12-09, "
        "7 days after the due date.",
        "Flat · Alpha At the pace of the last 4 weeks, the figure does not move: the target "
        "is not reached at this pace.",
        "Wrong way · Alpha At the pace of the last 4 weeks, the figure moves away from the "
        "target: it is not reached at this pace.",
        "Passed · Alpha The due date 2026-11-24 has passed and the target is not reached.",
    ]
    # As of Sunday 2026-11-22 the due date of Passed (11-24) was still to come; its figures
    # then (10, 12, 14) reached 20 on 2026-12-09, 15 days late. Flat had 2 figures.
    assert listed("2026-W47") == [
        "Late · Alpha At the pace of the last 4 weeks, the target is reached on 2026-12-09, "
        "7 days after the due date.",
        "Flat · Alpha At the pace of the last 2 figures, the figure does not move: the target "
        "is not reached at this pace.",
        "Wrong way · Alpha At the pace of the last 2 figures, the figure moves away from the "
        "target: it is not reached at this pace.",
        "Passed · Alpha At the pace of the last 4 weeks, the target is reached on 2026-12-09, "
        "15 days after the due date.",
    ]
    # Before any figure of alpha: none behind.
    assert listed("2026-W44") == []
    assert [counted(w) for w in ("2026-W48", "2026-W47", "2026-W44")] == ["4 4", "4 4", "0 0"]


# --- data.json, the workbook, check ------------------------------------------------------------


def test_data_json_carries_the_verdicts_and_the_schedule(fixture: Root, run: Run) -> None:
    data: dict[str, Any] = json.loads(page(build(run, fixture), "data.json"))
    assert data["site"]["pace_weeks"] == 4
    alpha = next(p for p in data["projects"] if p["id"] == "alpha")
    assert alpha["schedule"] == {
        "left": 2,
        "days_left": 28,
        "done_last_90_days": 3,
        "rate_per_30_days": 1,
        "finish": "2027-01-24",
        "late": True,
    }
    shape = {k: v for k, v in alpha["indicators"][0].items() if k != "values"}
    assert shape == {
        "name": "On pace",
        "unit": "",
        "target": 20,
        "baseline": 0,
        "latest": 16,
        "due": "2026-12-23",
        "direction": "up",
        "verdict": "on-pace",
        "reason": "on-pace",
        "required_pace": 1,
        "recent_pace": 2,
        "projected": "2026-12-09",
    }
    backlog = alpha["indicators"][3]
    assert (backlog["direction"], backlog["required_pace"], backlog["recent_pace"]) == (
        "down",
        -7.5,
        -10,
    )
    single = alpha["indicators"][9]
    assert (single["verdict"], single["reason"], single["recent_pace"], single["projected"]) == (
        "no-data",
        "few-values",
        None,
        None,
    )
    assert [p["schedule"] for p in data["projects"] if p["id"] != "alpha"] == [
        None,  # beta: paused
        {
            "left": 0,
            "days_left": None,
            "done_last_90_days": 0,
            "rate_per_30_days": None,
            "finish": None,
            "late": False,
        },
    ]


def test_the_workbook_has_a_sheet_of_indicators(fixture: Root, run: Run) -> None:
    book = openpyxl.load_workbook(build(run, fixture) / "ledger.xlsx")
    assert book.sheetnames == ["Ledger", "Indicators"]
    rows = [list(r) for r in book["Indicators"].iter_rows(values_only=True)]
    assert rows[0] == [
        "Project ID",
        "Project",
        "Lead department",
        "Indicator",
        "Unit",
        "Baseline",
        "Latest",
        "Latest dated",
        "Target",
        "Direction",
        "Due",
        "Pace",
        "Required pace (a week)",
        "Recent pace (a week)",
        "Target reached on (at the recent pace)",
    ]
    assert len(rows) == 1 + 10 + 1 + 1  # alpha, beta, gamma
    first = rows[1]
    assert first[:5] == ["alpha", "Alpha", "教务处", "On pace", None]
    assert first[5:7] == [0, 16]
    assert first[7] is not None and first[7].date().isoformat() == "2026-11-25"
    assert first[8:10] == [20, "Up"]
    assert first[11:14] == ["On pace", 1, 2]
    assert first[14].date().isoformat() == "2026-12-09"
    assert rows[4][9:12] == ["Down", rows[4][10], "On pace"]
    assert [r[11] for r in rows[1:]] == [
        "On pace",
        "Behind pace",
        "Target reached",
        "On pace",
        "Behind pace",
        "Behind pace",
        "Behind pace",
        "No pace verdict",
        "No pace verdict",
        "No pace verdict",
        "Behind pace",  # beta's is shown, though paused
        "No pace verdict",
    ]


def test_check_fails_on_behind_pace_only_when_asked(fixture: Root, run: Run) -> None:
    code, out, _ = run("check", "--root", fixture.path, "--today", TODAY)
    assert code == 0 and "behind pace" not in out
    code, out, _ = run(
        "check", "--root", fixture.path, "--today", TODAY, "--fail-on", "behind-pace"
    )
    assert code == 1
    tail = out[out.index("Indicators behind pace") :].splitlines()
    assert tail == [
        "Indicators behind pace: 4",
        "  projects/alpha.yaml: Alpha — Late: at the recent pace the target is reached on "
        "2026-12-09, 7 day(s) after the due date 2026-12-02 (lead: 教务处)",
        "  projects/alpha.yaml: Alpha — Flat: at the recent pace the target is not reached "
        "(due 2026-12-23; lead: 教务处)",
        "  projects/alpha.yaml: Alpha — Wrong way: at the recent pace the target is not reached "
        "(due 2026-12-23; lead: 教务处)",
        "  projects/alpha.yaml: Alpha — Passed: the due date 2026-11-24 has passed and the "
        "target is not reached (lead: 教务处)",
    ]
    code, out, _ = run(
        "check", "--root", fixture.path, "--today", TODAY, "--fail-on", "behind-pace",
        "--format", "json",
    )  # fmt: skip
    assert code == 1
    found = json.loads(out)["behind_pace"]
    assert [(f["indicator"], f["reason"], f["projected"]) for f in found] == [
        ("Late", "late", "2026-12-09"),
        ("Flat", "flat", None),
        ("Wrong way", "wrong-way", None),
        ("Passed", "due-passed", "2026-12-09"),
    ]


def test_check_passes_behind_pace_when_none_is(root: Root, run: Run) -> None:
    root.site(SITE.replace("language: en", "language: zh-CN"))
    root.project("gamma", GAMMA)
    code, out, _ = run("check", "--root", root.path, "--today", TODAY, "--fail-on", "behind-pace")
    assert code == 0
    assert out.splitlines()[-1] == "进度滞后的指标：0 项"


# --- validation ------------------------------------------------------------------------------


def located(run: Run, root: Root) -> list[str]:
    code, out, err = run("check", "--root", root.path, "--today", TODAY)
    assert code == 1 and "Traceback" not in err
    return [line for line in out.splitlines() if line.startswith("projects/")]


def test_a_baseline_above_the_target_of_a_rising_figure_is_an_error(root: Root, run: Run) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        indicators:
          - name: 生师比
            target: 18
            baseline: 21.5
        """,
    )
    assert located(run, root) == [
        "projects/x.yaml:6:15: the baseline 21.5 is above the target 18, but the figure is to "
        "rise to its target (direction: up, the default); if it must fall to the target, "
        "write 'direction: down' under the indicator's name, otherwise correct the baseline "
        "or the target"
    ]
    root.site(SITE.replace("language: en", "language: zh-CN"))
    assert located(run, root) == [
        "projects/x.yaml:6:15: 基准值 21.5 高于目标值 18，而该指标应上升到目标值（direction: "
        "up，不写时即为上升）；如果数值应下降到目标值，请在指标名称下一行写“direction: down”，"
        "否则请更正基准值或目标值"
    ]


def test_a_baseline_below_the_target_of_a_falling_figure_is_an_error(root: Root, run: Run) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        indicators:
          - name: 待整改问题
            direction: down
            baseline: 0
            target: 12
        """,
    )
    assert located(run, root) == [
        "projects/x.yaml:6:15: the baseline 0 is below the target 12, but the figure is to "
        "fall to its target (direction: down); if it must rise to the target, remove "
        "'direction: down', otherwise correct the baseline or the target"
    ]
    root.site(SITE.replace("language: en", "language: zh-CN"))
    assert located(run, root) == [
        "projects/x.yaml:6:15: 基准值 0 低于目标值 12，而该指标应下降到目标值（direction: "
        "down）；如果数值应上升到目标值，请删去“direction: down”，否则请更正基准值或目标值"
    ]


def test_a_baseline_on_the_target_or_on_the_right_side_is_valid(root: Root, run: Run) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        indicators:
          - {name: 持平, target: 5, baseline: 5}
          - {name: 上升, target: 5, baseline: 4}
          - {name: 下降, target: 5, baseline: 6, direction: down}
          - {name: 下降持平, target: 5, baseline: 5, direction: down}
        """,
    )
    code, _, err = run("check", "--root", root.path, "--today", TODAY)
    assert code == 0, err


def test_the_direction_check_also_runs_when_other_parts_are_wrong(root: Root, run: Run) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        statuss: active
        indicators:
          - {name: 生师比, target: 18, baseline: 21}
        """,
    )
    lines = located(run, root)
    assert [line.split(": ")[0] for line in lines] == [
        "projects/x.yaml:3:1",
        "projects/x.yaml:5:39",
    ]
    assert lines[1].startswith("projects/x.yaml:5:39: the baseline 21 is above the target 18")


def test_a_direction_written_in_chinese_names_the_value_meant(root: Root, run: Run) -> None:
    root.project(
        "x",
        """\
        title: 一流本科专业建设
        lead: academic-affairs
        indicators:
          - name: 成本
            direction: 下降
            due: 2026-12-31
        """,
    )
    assert located(run, root) == [
        "projects/x.yaml:5:16: '下降' is not allowed for 'direction' (did you mean 'down'?); "
        "use one of: up, down"
    ]


@pytest.mark.parametrize("weeks", ["0", "27"])
def test_pace_weeks_runs_from_1_to_26(root: Root, run: Run, weeks: str) -> None:
    root.site(SITE.replace("pace_weeks: 4", f"pace_weeks: {weeks}"))
    root.project("x", "title: X\nlead: academic-affairs\n")
    code, out, err = run("check", "--root", root.path, "--today", TODAY)
    assert code == 1 and "Traceback" not in err
    assert f"site.yaml:3:13: 'pace_weeks' must be a whole number from 1 to 26, not '{weeks}'" in out


def test_check_for_github_annotates_each_indicator_behind_pace(
    fixture: Root, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(
        "check", "--root", fixture.path, "--today", TODAY, "--fail-on", "behind-pace",
        "--format", "github",
    )  # fmt: skip
    assert code == 1
    lines = [line for line in out.splitlines() if "behind" in line or "Alpha —" in line]
    assert lines[0] == (
        "::warning file=projects/alpha.yaml::Alpha — Late: at the recent pace the target is "
        "reached on 2026-12-09, 7 day(s) after the due date 2026-12-02 (lead: 教务处)"
    )
    assert len(lines) == 4
    written = summary.read_text(encoding="utf-8")
    part = written[written.index("### Indicators behind pace: 4") :]
    assert part.splitlines()[2].startswith("- Alpha — Late: at the recent pace")
    assert len([line for line in part.splitlines() if line.startswith("- ")]) == 4


# --- the weeks' counts, one project at a time ------------------------------------------------


def test_each_weeks_counts_are_the_sum_of_its_projects_counts(fixture: Root) -> None:
    """A week's page adds up each project's counts (what a rebuild keeps per project): they
    give what counting the department's indicators together gives, every week, and a
    department's page of the week still lists every indicator behind pace."""
    today = dt.date.fromisoformat(TODAY)
    portfolio = pipeline.load_portfolio(fixture.path, today)
    state = status.portfolio_status(portfolio.site, portfolio.projects, today)
    pages = {p.path: p.context for p in weekly.pages(state)}
    projects = sorted(state.projects, key=lambda p: p.project.id)
    behind_seen = 0
    for path, page in pages.items():
        if not re.fullmatch(r"weeks/[^/]+/index\.html", path):
            continue
        for figures in page["figures"]:
            led = [p for p in projects if p.project.data.lead == figures.department.id]
            changed, unchanged = weekly._changes_counted(weekly._series(led), page["week"])
            pace_weeks = state.site.pace_weeks
            behind = weekly._behind_pace(weekly._paced(led), page["until"], pace_weeks)
            counted = (figures.changed, figures.unchanged, figures.behind_pace)
            assert counted == (changed, unchanged, len(behind)), (path, figures.department.id)
            mine = pages[weekly.department_path(page["week"], figures.department.id)]
            assert [e.pace for e in mine["behind_pace"]] == [e.pace for e in behind]
            behind_seen += len(behind)
    assert behind_seen >= 10, "the fixture has indicators behind pace in several weeks"


def test_a_projects_counts_as_kept_read_back_the_same(fixture: Root) -> None:
    today = dt.date.fromisoformat(TODAY)
    portfolio = pipeline.load_portfolio(fixture.path, today)
    state = status.portfolio_status(portfolio.site, portfolio.projects, today)
    pace_weeks = state.site.pace_weeks
    for project in state.projects:
        weeks = weekly.project_weeks(project, today, pace_weeks)
        assert weekly.ProjectWeeks.read(project.project.id, weeks.text()) == weeks
    alpha = next(p for p in state.projects if p.project.id == "alpha")
    weeks = weekly.project_weeks(alpha, today, pace_weeks)
    assert weeks.first is not None and weeks.first.weekday() == 0
    assert weeks.at(weeks.first - dt.timedelta(days=7)) == (0, 0, 0), "before its first figure"
    assert weeks.at(dt.date(2026, 11, 30)) == (0, 0, 0), "after the as-of week"


KEY = "0123456789abcdef0123"
"""A week's key as kept: 20 hexadecimal digits."""


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "2026-11-23\n",  # a Monday and no week
        "- 1,0,0\n",  # weeks without a first Monday
        "2026-11-24 1,0,0\n",  # not a Monday
        "2026-11-23 1,0\n",
        "2026-11-23 1,0,0,0\n",
        "2026-11-23 1,-1,0\n",
        "2026-11-23 a,b,c\n",
        "2026-13-01 1,0,0\n",
        "2026-11-23  1,0,0\n",
        "2026-11-23 1,0,0",  # as kept before weeks had keys: counted again, with them
        f"2026-11-23 1,0,0\n2026-11-24:{KEY}",  # a key of a week that is no Monday's
        f"2026-11-23 1,0,0\n2026-11-23:{KEY[:-1]}",
        f"2026-11-23 1,0,0\n2026-11-23:{KEY.upper()}",
        f"2026-11-23 1,0,0\n2026-11-23 {KEY}",
        f"2026-11-23 1,0,0\n2026-11-23:{KEY}:{KEY}",
        f"2026-11-23 1,0,0\n2026-11-23:{KEY}\n",
    ],
)
def test_kept_counts_in_any_other_shape_are_counted_again(text: str | None) -> None:
    assert weekly.ProjectWeeks.read("alpha", text) is None


@pytest.mark.parametrize("keys", ["", f"2026-11-23:{KEY}", f"2026-11-16:{KEY} 2026-11-23:{KEY}"])
def test_kept_counts_and_keys_in_their_shape_are_read(keys: str) -> None:
    """The other side of the test above: its texts fail for the reason each names."""
    found = weekly.ProjectWeeks.read("alpha", f"2026-11-23 1,0,0\n{keys}")
    assert found is not None and found.counts == ((1, 0, 0),)
    assert [f"{monday}:{key}" for monday, key in found.keys] == keys.split()
