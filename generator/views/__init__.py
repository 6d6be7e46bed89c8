"""The supervision views built on top of the core pages.

Each view module has two functions, called by :func:`generator.pipeline.build_site`:

* ``pages(state) -> list[Page]``: HTML pages, rendered by the theme's templates (the
  weekly view's also takes each project's week counts, :func:`weekly.project_weeks`, when
  the build has them);
* ``files(state, kept) -> list[tuple[str, bytes]]``: other outputs (feeds, spreadsheets),
  serialised by the view itself; but none of the ``kept`` projects' own files
  (``projects/<id>/``), which the build takes unchanged from the site it replaces.

Both are pure functions of the portfolio status; neither touches the disk.
"""

from __future__ import annotations

from types import ModuleType

from generator.views import feeds, ledger, timeline, weekly

ALL: tuple[ModuleType, ...] = (weekly, ledger, feeds, timeline)
