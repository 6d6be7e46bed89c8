"""What the command line prints: diagnostics, build lines and ``check`` reports.

Three formats for ``check``: ``text`` for people, ``github`` for workflow annotations
(plus a Markdown table in ``$GITHUB_STEP_SUMMARY``), ``json`` for tools.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from generator.diagnostics import Diagnostic
from generator.status import (
    IndicatorStatus,
    MilestoneStatus,
    PortfolioStatus,
    ProjectStatus,
    falling_behind,
    stale_order,
)

if TYPE_CHECKING:
    from generator.pipeline import BuildResult

_WORDS: dict[str, tuple[str, str]] = {
    "failed": (
        "build failed: {n} problem(s); nothing was written",
        "构建失败：共 {n} 个问题；未写入任何文件",
    ),
    "built": (
        "built {files} files for {projects} projects as of {today} into {out}; "
        "open {out}/index.html",
        "已构建 {projects} 个项目（截至 {today}），共 {files} 个文件，输出到 {out}；"
        "请打开 {out}/index.html",
    ),
    "up_to_date": (
        "nothing changed since the last build: the {files} files for {projects} projects "
        "as of {today} in {out} are up to date",
        "自上次构建以来没有变化：{out} 中 {projects} 个项目（截至 {today}）的 "
        "{files} 个文件已是最新",
    ),
    "theme_failed": (
        "the theme failed to render: {error}; nothing was written",
        "主题模板渲染失败：{error}；未写入任何文件",
    ),
    "write_failed": (
        "the site could not be written: {error}; the previous site is unchanged",
        "无法写入站点：{error}；原有站点保持不变",
    ),
    "valid": (
        "all {projects} project files are valid (as of {today})",
        "全部 {projects} 个项目文件有效（截至 {today}）",
    ),
    "invalid": ("{n} problem(s) found", "发现 {n} 个问题"),
    "overdue_head": ("Overdue milestones: {n}", "逾期节点：{n} 个"),
    "due_soon_head": ("Due within {days} days: {n}", "{days} 天内到期节点：{n} 个"),
    "overdue_item": (
        "{project} — {title}: due {due}, {days} day(s) overdue (lead: {lead})",
        "{project} — {title}：截止 {due}，已逾期 {days} 天（牵头部门：{lead}）",
    ),
    "due_soon_item": (
        "{project} — {title}: due {due}, {days} day(s) left (lead: {lead})",
        "{project} — {title}：截止 {due}，剩余 {days} 天（牵头部门：{lead}）",
    ),
    "stale_head": (
        "Active projects without a note for more than {days} days: {n}",
        "超过 {days} 天没有进展报告的在办项目：{n} 个",
    ),
    "stale_item": (
        "{title}: last note {last_note}, {days} day(s) ago (lead: {lead})",
        "{title}：最近报告 {last_note}，已 {days} 天（牵头部门：{lead}）",
    ),
    "stale_item_none": (
        "{title}: no note yet (lead: {lead})",
        "{title}：尚无进展报告（牵头部门：{lead}）",
    ),
    "summary_stale_none": (
        "Every active project has a recent note.",
        "所有在办项目都有近期进展报告。",
    ),
    "pace_head": ("Indicators behind pace: {n}", "进度滞后的指标：{n} 项"),
    "pace_late": (
        "{project} — {indicator}: at the recent pace the target is reached on {projected}, "
        "{days} day(s) after the due date {due} (lead: {lead})",
        "{project} — {indicator}：按近期速度预计 {projected} 达到目标，"
        "晚于截止日期 {due} {days} 天（牵头部门：{lead}）",
    ),
    "pace_never": (
        "{project} — {indicator}: at the recent pace the target is not reached (due {due}; "
        "lead: {lead})",
        "{project} — {indicator}：按近期速度达不到目标（截止日期 {due}；牵头部门：{lead}）",
    ),
    "pace_passed": (
        "{project} — {indicator}: the due date {due} has passed and the target is not "
        "reached (lead: {lead})",
        "{project} — {indicator}：截止日期 {due} 已过，尚未达到目标（牵头部门：{lead}）",
    ),
    "summary_pace_none": ("No indicator is behind pace.", "没有进度滞后的指标。"),
    "col_last_note": ("Last note", "最近报告"),
    "col_days_since": ("Days since", "已过天数"),
    "summary_title": ("Progress check as of {today}", "进展检查（截至 {today}）"),
    "summary_errors": ("Invalid input", "输入有误"),
    "summary_none": ("No milestone is overdue.", "没有逾期节点。"),
    "col_project": ("Project", "项目"),
    "col_title": ("Milestone", "节点"),
    "col_due": ("Due", "截止日期"),
    "col_days": ("Days overdue", "逾期天数"),
    "col_lead": ("Lead department", "牵头部门"),
    "col_where": ("Where", "位置"),
    "col_problem": ("Problem", "问题"),
}


def word(key: str, lang: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh-CN" else en).format(**args)


def print_diagnostics(diagnostics: Iterable[Diagnostic], lang: str, stream: TextIO) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format(lang), file=stream)


def failed_line(count: int, lang: str) -> str:
    return word("failed", lang, n=count)


def theme_failed(error: Exception, lang: str) -> str:
    return word("theme_failed", lang, error=error)


def write_failed(error: OSError, lang: str) -> str:
    return word("write_failed", lang, error=error)


def built_line(result: BuildResult, out: Path, lang: str) -> str:
    return word(
        "up_to_date" if result.up_to_date else "built",
        lang,
        files=result.files,
        projects=result.projects,
        today=result.today.isoformat(),
        out=out,
    )


def overdue(state: PortfolioStatus) -> list[tuple[ProjectStatus, MilestoneStatus]]:
    """The flagged overdue milestones: those of active projects."""
    return [(p, m) for p in state.projects for m in p.milestones if m.flagged]


def due_soon(state: PortfolioStatus) -> list[tuple[ProjectStatus, MilestoneStatus]]:
    items = [(p, m) for p in state.projects for m in p.milestones if m.state == "due-soon"]
    return sorted(items, key=lambda pm: (pm[1].milestone.due, pm[0].project.id))


def stale(state: PortfolioStatus) -> list[ProjectStatus]:
    """Active projects whose newest note is older than ``stale_after_days`` (or missing):
    the stale projects of :func:`generator.status.falling_behind`, so that ``--fail-on
    stale``, the departments page and the alerts agree.

    The longest silent first (no note at all before any), then by id.
    """
    behind = falling_behind(state).values()
    return sorted((p for b in behind for p in b.stale), key=stale_order)


def behind_pace(state: PortfolioStatus) -> list[tuple[ProjectStatus, IndicatorStatus]]:
    """The indicators of active projects behind pace, by project id, in the file's order."""
    return [
        (p, i) for p in sorted(state.projects, key=lambda p: p.project.id) for i in p.behind_pace
    ]


def emit_check(
    fmt: str,
    lang: str,
    diagnostics: list[Diagnostic],
    state: PortfolioStatus | None,
    summary: Path | None,
    *,
    stale: bool = False,
    pace: bool = False,
) -> None:
    """The check's report; ``stale``: also list the stale projects (``--fail-on stale``);
    ``pace``: also the indicators behind pace (``--fail-on behind-pace``)."""
    if fmt == "json":
        data = _check_json(diagnostics, state, lang)
        if stale:
            data["stale"] = _stale_json(state)
        if pace:
            data["behind_pace"] = _pace_json(state)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "github":
        for line in _github_lines(diagnostics, state, lang):
            print(line)
        if stale and state is not None:
            for line in _github_stale(state, lang):
                print(line)
        if pace and state is not None:
            for line in _github_pace(state, lang):
                print(line)
        if summary is not None:
            with summary.open("a", encoding="utf-8") as handle:
                handle.write(_summary_markdown(diagnostics, state, lang))
                if stale and state is not None:
                    handle.write(_summary_stale(state, lang))
                if pace and state is not None:
                    handle.write(_summary_pace(state, lang))
    else:
        _text(diagnostics, state, lang)
        if stale and state is not None:
            _text_stale(state, lang)
        if pace and state is not None:
            _text_pace(state, lang)


# --- indicators behind pace -------------------------------------------------------------


def _pace_words(
    project: ProjectStatus, indicator: IndicatorStatus, state: PortfolioStatus, lang: str
) -> str:
    names = {d.id: d.name for d in state.site.departments}
    data = project.project.data
    pace = indicator.pace
    args: dict[str, object] = {
        "project": data.title,
        "indicator": indicator.indicator.name,
        "due": pace.due.isoformat() if pace.due else "",
        "lead": names.get(data.lead, data.lead),
    }
    if pace.reason == "late" and pace.projected is not None:
        return word(
            "pace_late", lang, projected=pace.projected.isoformat(),
            days=pace.days_after_due, **args,
        )  # fmt: skip
    return word("pace_passed" if pace.reason == "due-passed" else "pace_never", lang, **args)


def _text_pace(state: PortfolioStatus, lang: str) -> None:
    found = behind_pace(state)
    print()
    print(word("pace_head", lang, n=len(found)))
    for project, indicator in found:
        print(f"  {project.project.file}: {_pace_words(project, indicator, state, lang)}")


def _pace_json(state: PortfolioStatus | None) -> list[dict[str, Any]]:
    if state is None:
        return []
    return [
        {
            "project": p.project.id,
            "indicator": i.indicator.name,
            "lead": p.project.data.lead,
            "reason": i.pace.reason,
            "due": i.pace.due.isoformat() if i.pace.due else None,
            "projected": i.pace.projected.isoformat() if i.pace.projected else None,
            "file": p.project.file,
        }
        for p, i in behind_pace(state)
    ]


def _github_pace(state: PortfolioStatus, lang: str) -> list[str]:
    return [
        f"::warning file={_escape_property(p.project.file)}::"
        + _escape_data(_pace_words(p, i, state, lang))
        for p, i in behind_pace(state)
    ]


def _summary_pace(state: PortfolioStatus, lang: str) -> str:
    found = behind_pace(state)
    parts = [f"### {word('pace_head', lang, n=len(found))}\n"]
    if found:
        parts += [f"- {_cell(_pace_words(p, i, state, lang))}" for p, i in found]
    else:
        parts.append(word("summary_pace_none", lang))
    return "\n".join(parts) + "\n\n"


# --- stale projects ---------------------------------------------------------------------


def stale_words(project: ProjectStatus, state: PortfolioStatus, lang: str) -> str:
    """A stale project's line (its title, lead department and last report), the same in
    every report of the check."""
    names = {d.id: d.name for d in state.site.departments}
    data = project.project.data
    lead = names.get(data.lead, data.lead)
    if project.last_note is None:
        return word("stale_item_none", lang, title=data.title, lead=lead)
    return word(
        "stale_item",
        lang,
        title=data.title,
        last_note=project.last_note.isoformat(),
        days=project.days_since_note,
        lead=lead,
    )


def _text_stale(state: PortfolioStatus, lang: str) -> None:
    found = stale(state)
    print()
    print(word("stale_head", lang, days=state.site.stale_after_days, n=len(found)))
    for project in found:
        print(f"  {project.project.file}: {stale_words(project, state, lang)}")


def _stale_json(state: PortfolioStatus | None) -> list[dict[str, Any]]:
    if state is None:
        return []
    return [
        {
            "project": p.project.id,
            "title": p.project.data.title,
            "lead": p.project.data.lead,
            "last_note": p.last_note.isoformat() if p.last_note else None,
            "days": p.days_since_note,
        }
        for p in stale(state)
    ]


def _github_stale(state: PortfolioStatus, lang: str) -> list[str]:
    return [
        f"::warning file={_escape_property(p.project.file)}::"
        + _escape_data(stale_words(p, state, lang))
        for p in stale(state)
    ]


def _summary_stale(state: PortfolioStatus, lang: str) -> str:
    found = stale(state)
    parts = [f"### {word('stale_head', lang, days=state.site.stale_after_days, n=len(found))}\n"]
    if found:
        names = {d.id: d.name for d in state.site.departments}
        heads = ("col_project", "col_last_note", "col_days_since", "col_lead")
        parts.append("| " + " | ".join(word(h, lang) for h in heads) + " |")
        parts.append("| --- | --- | ---: | --- |")
        for p in found:
            data = p.project.data
            last = p.last_note.isoformat() if p.last_note else "—"
            days = "—" if p.days_since_note is None else str(p.days_since_note)
            lead = names.get(data.lead, data.lead)
            parts.append(f"| {_cell(data.title)} | {last} | {days} | {_cell(lead)} |")
    else:
        parts.append(word("summary_stale_none", lang))
    return "\n".join(parts) + "\n\n"


# --- text -------------------------------------------------------------------------------


def _text(diagnostics: list[Diagnostic], state: PortfolioStatus | None, lang: str) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format(lang))
    if state is None:
        errors = [d for d in diagnostics if d.severity == "error"]
        print(word("invalid", lang, n=len(errors)))
        return
    print(word("valid", lang, projects=len(state.projects), today=state.today.isoformat()))
    late = overdue(state)
    print()
    print(word("overdue_head", lang, n=len(late)))
    for project, milestone in late:
        print(
            f"  {project.project.file}:{milestone.line}: "
            + word("overdue_item", lang, **item_fields(project, milestone, state))
        )
    soon = due_soon(state)
    print()
    print(word("due_soon_head", lang, days=state.site.due_soon_days, n=len(soon)))
    for project, milestone in soon:
        print(
            f"  {project.project.file}:{milestone.line}: "
            + word("due_soon_item", lang, **item_fields(project, milestone, state))
        )


def item_fields(
    project: ProjectStatus, milestone: MilestoneStatus, state: PortfolioStatus
) -> dict[str, object]:
    """The words of a milestone's line (``overdue_item``, ``due_soon_item``): every report
    of the check (text, GitHub, GitLab Code Quality) says the same."""
    names = {d.id: d.name for d in state.site.departments}
    return {
        "project": project.project.data.title,
        "title": milestone.milestone.title,
        "due": milestone.milestone.due.isoformat(),
        "days": milestone.days,
        "lead": names.get(project.project.data.lead, project.project.data.lead),
    }


# --- json -------------------------------------------------------------------------------


def _check_json(
    diagnostics: list[Diagnostic], state: PortfolioStatus | None, lang: str
) -> dict[str, Any]:
    def entries(items: list[tuple[ProjectStatus, MilestoneStatus]]) -> list[dict[str, Any]]:
        return [
            {
                "project": p.project.id,
                "title": m.milestone.title,
                "due": m.milestone.due.isoformat(),
                "days": m.days,
                "lead": p.project.data.lead,
                "file": p.project.file,
                "line": m.line,
            }
            for p, m in items
        ]

    def located(items: list[Diagnostic]) -> list[dict[str, Any]]:
        return [
            {"file": d.file, "line": d.line, "column": d.col, "message": d.message(lang)}
            for d in items
        ]

    return {
        "as_of": state.today.isoformat() if state else None,
        "errors": located([d for d in diagnostics if d.severity == "error"]),
        "warnings": located([d for d in diagnostics if d.severity == "warning"]),
        "overdue": entries(overdue(state)) if state else [],
        "due_soon": entries(due_soon(state)) if state else [],
    }


# --- github -----------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_lines(
    diagnostics: list[Diagnostic], state: PortfolioStatus | None, lang: str
) -> list[str]:
    lines = [
        f"::{d.severity} file={_escape_property(d.file)},line={d.line},col={d.col}::"
        + _escape_data(d.message(lang))
        for d in diagnostics
    ]
    if state is not None:
        for project, milestone in overdue(state):
            text = word("overdue_item", lang, **item_fields(project, milestone, state))
            lines.append(
                f"::warning file={_escape_property(project.project.file)},"
                f"line={milestone.line}::{_escape_data(text)}"
            )
    return lines


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _summary_markdown(
    diagnostics: list[Diagnostic], state: PortfolioStatus | None, lang: str
) -> str:
    parts: list[str] = []
    if state is not None:
        parts.append(f"## {word('summary_title', lang, today=state.today.isoformat())}\n")
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        parts.append(f"### {word('summary_errors', lang)}\n")
        parts.append(f"| {word('col_where', lang)} | {word('col_problem', lang)} |")
        parts.append("| --- | --- |")
        parts += [f"| `{d.file}:{d.line}:{d.col}` | {_cell(d.message(lang))} |" for d in errors]
        parts.append("")
    if state is not None:
        late = overdue(state)
        parts.append(f"### {word('overdue_head', lang, n=len(late))}\n")
        if late:
            heads = ("col_project", "col_title", "col_due", "col_days", "col_lead")
            parts.append("| " + " | ".join(word(h, lang) for h in heads) + " |")
            parts.append("| --- | --- | --- | ---: | --- |")
            for project, milestone in late:
                item = item_fields(project, milestone, state)
                parts.append(
                    f"| {_cell(item['project'])} | {_cell(item['title'])} | {item['due']} "
                    f"| {item['days']} | {_cell(item['lead'])} |"
                )
        else:
            parts.append(word("summary_none", lang))
        parts.append("")
    return "\n".join(parts) + "\n"
