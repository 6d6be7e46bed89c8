"""The battle map page (挂图作战): every project a row, every milestone a mark.

The geometry lives in :mod:`generator.charts`, shared with the one-row strip and the
indicator sparklines of the project pages.
"""

from __future__ import annotations

import functools
from collections.abc import Container

from generator import context, meta
from generator.charts import BattleMap, battle_map
from generator.context import Common, Page
from generator.status import PortfolioStatus

PATH = "timeline/index.html"


class TimelinePage(Common):
    chart: BattleMap
    project_count: int
    milestone_count: int


def pages(state: PortfolioStatus) -> list[Page]:
    return [Page(PATH, "timeline.html", make=functools.partial(_page, state))]


def _page(state: PortfolioStatus) -> TimelinePage:
    """The battle map (built by the worker that renders it)."""
    states = [m.state for p in state.projects for m in p.milestones]
    preview = meta.timeline(state.site, PATH, len(state.projects), states)
    return TimelinePage(
        **context.common(state, PATH, "timeline", preview),
        chart=battle_map(state),
        project_count=len(state.projects),
        milestone_count=sum(len(p.milestones) for p in state.projects),
    )


def files(state: PortfolioStatus, kept: Container[str] = frozenset()) -> list[tuple[str, bytes]]:
    return []
