"""ledger.csv: opens in Excel with Chinese intact, and no cell runs as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from tests.conftest import Root, RunResult

Run = Callable[..., RunResult]


def test_csv_has_a_bom_the_columns_and_defused_cells(run: Run, root: Root) -> None:
    root.project(
        "p",
        """\
        title: "=HYPERLINK(\\"http://evil\\",\\"x\\")"
        lead: academic-affairs
        milestones:
          - title: "+1+1"
            due: 2026-12-01
          - title: "-2+3"
            due: 2026-12-02
            owner: 人事处
          - title: "@SUM(A1)"
            due: 2026-10-01
          - title: 普通节点
            due: 2026-06-01
            done: 2026-06-03
        """,
    )
    code, _out, err = run("build", "--root", root.path, "--out", root.path / "out",
                          "--today", "2026-11-25")
    assert code == 0, err
    raw = (root.path / "out" / "ledger.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:9] == ["project_id", "project", "lead", "owner", "milestone", "start", "due",
                          "done", "state"]
    assert [r[1] for r in body] == ["'=HYPERLINK(\"http://evil\",\"x\")"] * 4
    assert [r[4] for r in body] == ["'+1+1", "'-2+3", "'@SUM(A1)", "普通节点"]
    assert [r[3] for r in body] == ["教务处", "人事处", "教务处", "教务处"]
    by_title = {r[4]: r for r in body}
    assert by_title["普通节点"][7] == "2026-06-03"
    assert by_title["普通节点"][8] == "done-late"
    assert by_title["'@SUM(A1)"][8] == "overdue"
