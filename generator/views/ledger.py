"""The ledger (台账): every milestone of every project, as a page and as a spreadsheet.

* ``ledger.html``: one table row per milestone, complete with JavaScript off; the
  theme's ``static/ledger.js`` adds sorting and filtering on top;
* ``ledger.xlsx``: the same rows for Excel, written in memory by XlsxWriter with a
  fixed creation date (the as-of date) so two builds of one day are byte-identical.

``ledger.csv`` stays with the core pipeline (:func:`generator.context.ledger_rows`);
the rows here follow its order: projects by id, milestones in file order.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from collections.abc import Container
from dataclasses import dataclass

import xlsxwriter
from xlsxwriter.format import Format

from generator import meta
from generator.context import STATES, Common, Page, common
from generator.status import MilestoneStatus, PortfolioStatus, ProjectStatus, State
from generator.words import days_text, direction_label, slip_text, state_label, verdict_label

PATH = "ledger.html"


# --- the rows ------------------------------------------------------------------------------


@dataclass(slots=True)
class LedgerRow:
    project_id: str
    project: str
    lead_id: str
    lead: str
    owner_id: str
    owner: str
    index: int
    """The milestone's place in its project file, from 0 (the page anchor is index + 1)."""
    milestone: str
    start: dt.date | None
    due: dt.date
    done: dt.date | None
    state: State
    days: int
    """As in :class:`generator.status.MilestoneStatus`: days late, or days left."""
    weight: float
    last_note: dt.date | None
    baseline: dt.date
    """The first committed due date (see :mod:`generator.history`)."""
    slip_days: int
    """Due date minus baseline."""
    replans: int
    """How many times the due date was changed."""

    @property
    def days_signed(self) -> int:
        """Days left until due (negative: days late), for sorting one way through all rows."""
        late = self.state in ("overdue", "done-late")
        return -self.days if late else self.days


def ledger_rows(portfolio: PortfolioStatus) -> list[LedgerRow]:
    """Every milestone of every project in the order of ``ledger.csv``: projects by id."""
    names = {d.id: d.name for d in portfolio.site.departments}
    return [
        _row(status, m, names)
        for status in sorted(portfolio.projects, key=lambda p: p.project.id)
        for m in status.milestones
    ]


def _row(status: ProjectStatus, m: MilestoneStatus, names: dict[str, str]) -> LedgerRow:
    data = status.project.data
    owner = m.milestone.owner or data.lead
    return LedgerRow(
        project_id=status.project.id,
        project=data.title,
        lead_id=data.lead,
        lead=names[data.lead],
        owner_id=owner,
        owner=names[owner],
        index=m.index,
        milestone=m.milestone.title,
        start=m.milestone.start,
        due=m.milestone.due,
        done=m.milestone.done,
        state=m.state,
        days=m.days,
        weight=m.milestone.weight,
        last_note=status.last_note,
        baseline=m.baseline,
        slip_days=m.slip_days,
        replans=len(m.replans),
    )


# --- the page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine:
    """A row of the page: the data, and its days late or left in the site's words."""

    row: LedgerRow
    days_text: str
    slip_text: str


class LedgerPage(Common):
    rows: list[LedgerLine]
    states: tuple[str, ...]
    """Every state, in the order of the filter's options."""
    state_counts: dict[str, int]
    filter_departments: list[tuple[str, str]]
    """(id, name) of every department that leads or delivers a row, in site.yaml order."""


def pages(portfolio: PortfolioStatus) -> list[Page]:
    return [Page(PATH, "ledger.html", make=functools.partial(_page, portfolio))]


def _page(portfolio: PortfolioStatus) -> LedgerPage:
    rows = ledger_rows(portfolio)
    used = {r.lead_id for r in rows} | {r.owner_id for r in rows}
    preview = meta.ledger(portfolio.site, PATH, [r.state for r in rows])
    return LedgerPage(
        **common(portfolio, PATH, "ledger", preview),
        rows=[
            LedgerLine(
                r,
                days_text(portfolio.site.language, r.state, r.days),
                slip_text(portfolio.site.language, r.slip_days),
            )
            for r in rows
        ],
        states=STATES,
        state_counts={s: sum(1 for r in rows if r.state == s) for s in STATES},
        filter_departments=[(d.id, d.name) for d in portfolio.site.departments if d.id in used],
    )


# --- the spreadsheet -----------------------------------------------------------------------

XLSX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Project ID", "项目编号"),
    ("Project", "项目"),
    ("Lead department", "牵头部门"),
    ("Responsible department", "责任部门"),
    ("Milestone", "节点"),
    ("Start", "开始日期"),
    ("Due", "截止日期"),
    ("Done", "完成日期"),
    ("State", "状态"),
    ("Days left (negative: late)", "剩余天数（负数为逾期）"),
    ("Weight", "权重"),
    ("Latest report", "最近报告"),
    ("Baseline due date", "原定截止日期"),
    ("Slip (days)", "延期天数"),
    ("Re-plans", "调整次数"),
)
"""The spreadsheet's header row, (English, Chinese), in the columns' order."""

INDICATOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Project ID", "项目编号"),
    ("Project", "项目"),
    ("Lead department", "牵头部门"),
    ("Indicator", "指标"),
    ("Unit", "单位"),
    ("Baseline", "基准值"),
    ("Latest", "最新值"),
    ("Latest dated", "最新值日期"),
    ("Target", "目标值"),
    ("Direction", "方向"),
    ("Due", "截止日期"),
    ("Pace", "进度判断"),
    ("Required pace (a week)", "所需速度（每周）"),
    ("Recent pace (a week)", "近期速度（每周）"),
    ("Target reached on (at the recent pace)", "按近期速度预计达标日期"),
)
"""The second sheet's header row: every indicator with its pace (:mod:`generator.pace`)."""

SHEET_NAME = ("Ledger", "台账")
INDICATOR_SHEET_NAME = ("Indicators", "指标")
WORKBOOK_TITLE = ("Milestone ledger", "节点台账")
_MAX_WIDTH = 60


def _word(language: str, pair: tuple[str, str]) -> str:
    return pair[1] if language == "zh-CN" else pair[0]


@functools.lru_cache(maxsize=1 << 16)
def _width(text: str) -> int:
    """Display width in Excel's character units: East Asian wide characters count double.
    (Kept per text: a project's title and department repeat on each of its rows.)"""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_EPOCH = dt.date(1899, 12, 31)


def _serial(day: dt.date) -> float:
    """A date as Excel stores it: days since 1899-12-31, one more from 1900-03-01 on (Excel
    counts a 29 February 1900), shown as a date by the cell's format. The number
    ``write_datetime`` writes, without its handling of times and time zones on each of
    80,000 cells."""
    days = (day - _EPOCH).days
    return float(days + 1 if days > 59 else days)


def ledger_xlsx(portfolio: PortfolioStatus) -> bytes:
    """The ledger as an Excel workbook: real dates, text never read as a formula."""
    site = portfolio.site
    language = site.language
    rows = ledger_rows(portfolio)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    created = dt.datetime.combine(portfolio.today, dt.time(0, 0))
    workbook.set_properties(
        {
            "title": f"{site.title} · {_word(language, WORKBOOK_TITLE)}",
            "company": site.organization,
            "created": created,
        }
    )
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    text = workbook.add_format({"valign": "top"})
    number = workbook.add_format({"num_format": "0", "valign": "top"})
    decimal = workbook.add_format({"num_format": "0.##", "valign": "top"})
    sheet = workbook.add_worksheet(_word(language, SHEET_NAME))

    headers = [_word(language, pair) for pair in XLSX_COLUMNS]
    widths = [_width(h) for h in headers]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, header)

    def put_text(row: int, col: int, value: str) -> None:
        sheet.write_string(row, col, value, text)
        widths[col] = max(widths[col], _width(value))

    def put_date(row: int, col: int, value: dt.date | None) -> None:
        if value is None:
            sheet.write_blank(row, col, None, date)
        else:
            sheet.write_number(row, col, _serial(value), date)
        widths[col] = max(widths[col], 10)

    for n, r in enumerate(rows, start=1):
        put_text(n, 0, r.project_id)
        put_text(n, 1, r.project)
        put_text(n, 2, r.lead)
        put_text(n, 3, r.owner)
        put_text(n, 4, r.milestone)
        put_date(n, 5, r.start)
        put_date(n, 6, r.due)
        put_date(n, 7, r.done)
        put_text(n, 8, state_label(language, r.state))
        sheet.write_number(n, 9, r.days_signed, number)
        sheet.write_number(n, 10, r.weight, number if r.weight == int(r.weight) else decimal)
        put_date(n, 11, r.last_note)
        put_date(n, 12, r.baseline)
        sheet.write_number(n, 13, r.slip_days, number)
        sheet.write_number(n, 14, r.replans, number)

    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width, _MAX_WIDTH) + 2)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    general = workbook.add_format({"num_format": "General", "valign": "top"})
    _indicator_sheet(workbook, portfolio, header, text, date, general)
    workbook.close()
    return buffer.getvalue()


def _indicator_sheet(
    workbook: xlsxwriter.Workbook,
    portfolio: PortfolioStatus,
    header: Format,
    text: Format,
    date: Format,
    number: Format,
) -> None:
    """The second sheet: every indicator of every project (by id, in the file's order)
    with its pace; an empty figure is a blank cell."""
    language = portfolio.site.language
    names = {d.id: d.name for d in portfolio.site.departments}
    sheet = workbook.add_worksheet(_word(language, INDICATOR_SHEET_NAME))
    headers = [_word(language, pair) for pair in INDICATOR_COLUMNS]
    widths = [_width(h) for h in headers]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, header)
    n = 0
    for status in sorted(portfolio.projects, key=lambda p: p.project.id):
        data = status.project.data
        for ind in status.indicators:
            n += 1
            pace = ind.pace
            cells: list[str | float | dt.date | None] = [
                status.project.id,
                data.title,
                names[data.lead],
                ind.indicator.name,
                ind.indicator.unit,
                ind.indicator.baseline,
                ind.latest,
                ind.latest_date,
                ind.indicator.target,
                direction_label(language, ind.indicator.direction),
                pace.due,
                verdict_label(language, pace.verdict),
                pace.required,
                pace.recent,
                pace.projected,
            ]
            for col, cell in enumerate(cells):
                if isinstance(cell, str) and cell:
                    sheet.write_string(n, col, cell, text)
                    widths[col] = max(widths[col], _width(cell))
                elif isinstance(cell, dt.date):
                    sheet.write_number(n, col, _serial(cell), date)
                    widths[col] = max(widths[col], 10)
                elif isinstance(cell, float):
                    sheet.write_number(n, col, round(cell, 4), number)
                else:
                    sheet.write_blank(n, col, None, text)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width, _MAX_WIDTH) + 2)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(n, 1), len(headers) - 1)


def files(
    portfolio: PortfolioStatus, kept: Container[str] = frozenset()
) -> list[tuple[str, bytes]]:
    return [("ledger.xlsx", ledger_xlsx(portfolio))]
