"""A deterministic (seeded) synthetic portfolio in the project's real file format.

    python -m tests.bench.synth OUT_DIR --projects 1000 [--milestones 20 --notes 100
        --indicators 3 --values 52 --seed 7]

writes OUT_DIR/site.yaml and OUT_DIR/projects/p0001.yaml …: Chinese and English text,
Markdown lists, links and emphasis in notes; dates around the benchmark's fixed today.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from pathlib import Path

TODAY = dt.date(2026, 11, 25)
LANGUAGE = "zh-CN"
"""The language of the synthetic site (``site.yaml``'s ``language``)."""
DEPARTMENTS = [
    ("organization", "组织部"), ("publicity", "宣传部"), ("discipline", "纪委"),
    ("personnel", "人事处"), ("academic-affairs", "教务处"), ("graduate-school", "研究生院"),
    ("science-tech", "科技处"), ("student-affairs", "学生工作处"), ("finance", "财务处"),
    ("assets", "国有资产管理处"), ("planning", "发展规划处"), ("international", "国际交流合作处"),
    ("logistics", "后勤管理处"), ("it-center", "网络信息中心"),
]
WORDS_ZH = ["推进", "专业", "建设", "评估", "整改", "落实", "方案", "申报", "材料", "会议", "审议",
            "平台", "人才", "引进", "经费", "执行", "课程", "改革", "监督", "检查", "数据", "系统"]
WORDS_EN = ["review", "plan", "budget", "platform", "survey", "report", "meeting", "audit"]
KINDS = ["progress", "progress", "progress", "problem", "next", "decision"]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _sentence(rng: random.Random, words: int) -> str:
    parts = [rng.choice(WORDS_ZH) for _ in range(words)]
    if rng.random() < 0.3:
        parts.insert(rng.randrange(len(parts)), rng.choice(WORDS_EN))
    return "".join(parts)


def _note_text(rng: random.Random) -> str:
    """About 700 bytes: a paragraph, often a Markdown list, emphasis or a link."""
    roll = rng.random()
    lead = "；".join(_sentence(rng, 10) for _ in range(rng.randint(5, 8))) + "。"
    if roll < 0.3:
        return _q(lead)
    if roll < 0.65:
        items = "".join(f"\n      - {_sentence(rng, 12)}" for _ in range(rng.randint(3, 6)))
        return "|\n      " + lead + "\n" + items
    if roll < 0.85:
        link = f"https://www.example.edu.cn/n/{rng.randint(1, 9999)}"
        return _q(f"{lead}已完成**{_sentence(rng, 6)}**，详见[通知]({link})。")
    words = " ".join(rng.choice(WORDS_EN) for _ in range(40))
    return _q(f"The *{rng.choice(WORDS_EN)}* of {_sentence(rng, 3)} is on track: {words}.")


def project_text(rng: random.Random, milestones: int, notes: int, indicators: int, values: int) -> str:
    lead, _ = rng.choice(DEPARTMENTS)
    others = sorted({d for d, _ in rng.sample(DEPARTMENTS, 3)} - {lead})
    start = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 20))
    due = dt.date(2026, 12, 31)
    lines = [
        f"title: {_q(_sentence(rng, 5) + '项目')}",
        f"summary: {_q('围绕' + _sentence(rng, 8) + '，全面' + _sentence(rng, 6) + '。')}",
        f"lead: {lead}",
        f"departments: [{', '.join(others)}]",
        f"sponsor: {rng.choice(['李东', '王建国', '陈红', '张伟'])}",
        f"start: {start}",
        f"due: {due}",
        f"status: {rng.choice(['active'] * 8 + ['paused', 'done'])}",
        f"tags: [{rng.choice(['教学', '科研', '人才', '管理'])}]",
        "milestones:",
    ]
    span = (due - start).days
    for i in range(milestones):
        m_due = start + dt.timedelta(days=span * (i + 1) // milestones)
        lines += [f"  - title: {_q(_sentence(rng, 4))}", f"    due: {m_due}"]
        if m_due < TODAY and rng.random() < 0.85:
            done = m_due + dt.timedelta(days=rng.randint(-10, 12))
            lines.append(f"    done: {min(done, TODAY)}")
        if rng.random() < 0.3:
            lines.append(f"    owner: {rng.choice(others or [lead])}")
        if rng.random() < 0.2:
            lines.append(f"    weight: {rng.randint(1, 3)}")
    lines.append("indicators:")
    for i in range(indicators):
        lines += [f"  - name: {_q(_sentence(rng, 3) + f'数{i}')}", "    unit: 个",
                  f"    target: {rng.randint(50, 500)}", f"    baseline: {rng.randint(0, 20)}",
                  "    values:"]
        value = float(rng.randint(0, 20))
        first = TODAY - dt.timedelta(days=7 * values)
        for w in range(values):
            value += rng.randint(0, 9)
            lines.append(f"      - {{date: {first + dt.timedelta(days=7 * w)}, value: {int(value)}}}")
    lines.append("notes:")
    for i in range(notes):
        date = TODAY - dt.timedelta(days=(notes - i) * 3 + rng.randint(0, 2))
        lines += [f"  - date: {date}", f"    kind: {rng.choice(KINDS)}",
                  f"    author: {rng.choice(DEPARTMENTS)[1]}", f"    text: {_note_text(rng)}"]
    return "\n".join(lines) + "\n"


def write_portfolio(out: Path, projects: int, milestones: int = 20, notes: int = 100,
                    indicators: int = 3, values: int = 52, seed: int = 7) -> None:
    (out / "projects").mkdir(parents=True, exist_ok=True)
    site = ["title: 合成基准门户", "organization: 基准大学", f"language: {LANGUAGE}",
            "timezone: Asia/Shanghai", "departments:"]
    site += [f"  - id: {d}\n    name: {n}" for d, n in DEPARTMENTS]
    (out / "site.yaml").write_text("\n".join(site) + "\n", encoding="utf-8")
    for i in range(projects):
        rng = random.Random(f"{seed}-{i}")
        text = project_text(rng, milestones, notes, indicators, values)
        (out / "projects" / f"p{i + 1:04d}.yaml").write_text(text, encoding="utf-8")


# --- editing a project file, as the benchmark's edits do -----------------------------------


def newest_note(lines: list[str]) -> tuple[int, dt.date]:
    """The line of the newest note's ``text:`` (the last one), and that note's date."""
    at = max(i for i, line in enumerate(lines) if line.startswith("    text: "))
    dated = max(i for i, line in enumerate(lines[:at]) if line.startswith("  - date: "))
    return at, dt.date.fromisoformat(lines[dated].split(":", 1)[1].strip())


def with_marker(text: str, marker: str) -> str:
    """``text`` (a project file as :func:`project_text` writes it) with ``marker`` put at
    the start of its newest note's text."""
    lines = text.split("\n")
    at, _ = newest_note(lines)
    if lines[at] == "    text: |":
        body = lines[at + 1]
        indent = len(body) - len(body.lstrip(" "))
        lines[at + 1] = body[:indent] + marker + body[indent:]
    elif lines[at].startswith('    text: "'):
        lines[at] = '    text: "' + marker + lines[at][len('    text: "') :]
    else:
        raise ValueError("the newest note's text is neither a block nor quoted")
    return "\n".join(lines)


def broken(text: str) -> str:
    """``text`` made invalid YAML at its newest note: a line indented with a tab."""
    lines = text.split("\n")
    at, _ = newest_note(lines)
    lines.insert(at, "\tbroken: true")
    return "\n".join(lines)


def week_path(day: dt.date, department: str | None = None) -> str:
    """The site path of the weekly digest of ``day``'s ISO week (``context.Week.path``), or
    of ``department``'s page of that week (where each of its projects' reports is listed)."""
    iso = day.isocalendar()
    week = f"weeks/{iso.year}-W{iso.week:02d}"
    return f"{week}/{department}/index.html" if department else f"{week}/index.html"


def lead_of(text: str) -> str:
    """The lead department's id of a project file as :func:`project_text` writes it."""
    lines = text.split("\n")
    return next(line[len("lead: ") :].strip() for line in lines if line.startswith("lead: "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--milestones", type=int, default=20)
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--indicators", type=int, default=3)
    parser.add_argument("--values", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_portfolio(args.out, args.projects, args.milestones, args.notes, args.indicators,
                    args.values, args.seed)


if __name__ == "__main__":
    main()
