"""Building on every core: the same bytes as one process, and the same errors.

Pages and the other outputs are rendered by forked workers (generator/workers.py) while
Pagefind indexes the project and department pages beside them. Nothing about a file may
depend on which process wrote it, or when.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import shutil
import stat
import time
import weakref
from pathlib import Path

import pytest

from generator import context, pipeline, render, search, workers, write
from tests.bench import synth
from tests.conftest import REPO

TODAY = dt.date(2026, 11, 25)


def tree(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path under ``folder`` with its mode and, for files, its bytes."""
    return {
        p.relative_to(folder).as_posix(): (
            stat.S_IMODE(p.stat().st_mode),
            p.read_bytes() if p.is_file() else None,
        )
        for p in sorted(folder.rglob("*"))
    }


def test_the_repository_built_by_two_workers_is_byte_identical_to_one(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    pipeline.build_site(REPO, one, TODAY, workers=1)
    pipeline.build_site(REPO, two, TODAY, workers=2)
    a, b = tree(one), tree(two)
    assert any(name.startswith("pagefind/index/") for name in a), "the index is compared too"
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def test_a_large_portfolio_goes_parallel_by_itself_and_matches_a_serial_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    synth.write_portfolio(root, pipeline.PARALLEL_FROM, milestones=6, notes=12, values=8)
    monkeypatch.setattr(search, "build_index", lambda *args: None)
    seen: list[int] = []
    real_run = workers.run

    def counting_run(tasks: list[workers.Task], count: int) -> int:
        seen.append(count)
        return real_run(tasks, count)

    monkeypatch.setattr(workers, "run", counting_run)
    monkeypatch.setattr(workers, "available", lambda: 2)
    pipeline.build_site(root, tmp_path / "auto", TODAY)
    # The projects' week counts in one run of two workers, then every page in another
    # (each index renders its pages).
    assert seen == [2, 2]
    pipeline.build_site(root, tmp_path / "serial", TODAY, workers=1)
    assert tree(tmp_path / "auto") == tree(tmp_path / "serial")


def test_a_small_portfolio_stays_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "build_index", lambda *args: None)
    seen: list[int] = []
    real_run = workers.run
    monkeypatch.setattr(
        workers, "run", lambda tasks, count: seen.append(count) or real_run(tasks, count)
    )
    pipeline.build_site(REPO, tmp_path / "site", TODAY)
    assert seen == [1, 1]  # the week counts, then the pages: each in this process


def test_a_template_error_in_a_worker_names_the_template_and_the_first_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(pipeline.THEME, theme)
    template = theme / "templates" / "project.html"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "{% block main %}" in line)
    lines.insert(at + 1, "{{ no_such_value.anything }}\n")
    template.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(search, "build_index", lambda *args: None)
    out = tmp_path / "site"
    pipeline.build_site(REPO, out, TODAY, workers=2)
    before = tree(out)
    with pytest.raises(render.ThemeError) as failed:
        pipeline.build_site(REPO, out, TODAY, theme=theme, workers=2)
    first_project = sorted(p.stem for p in (REPO / "projects").glob("*.yaml"))[0]
    assert failed.value.file == str(template)
    assert failed.value.line == at + 2
    assert "no_such_value" in failed.value.message
    assert re.fullmatch(r"projects/[a-z0-9-]+/index\.html", failed.value.page)
    assert failed.value.page == f"projects/{first_project}/index.html"
    assert tree(out) == before, "the published site is untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "theme"], "no staging left"


def test_the_first_failure_in_task_order_is_the_one_raised() -> None:
    def ok() -> int:
        return 1

    def fails(text: str) -> workers.Task:
        def task() -> int:
            raise ValueError(text)

        return task

    tasks = [ok, fails("first"), ok, fails("second"), ok]
    for count in (1, 2):
        with pytest.raises(ValueError, match=r"^first$"):
            workers.run(tasks, count)
    assert workers.run([ok] * 7, 2) == 7


def test_an_exception_that_cannot_travel_back_still_says_what_it_was() -> None:
    class Local(Exception):  # defined in a function: it cannot be pickled
        pass

    def task() -> int:
        raise Local("kept text")

    with pytest.raises(RuntimeError, match="Local: kept text"):
        workers.run([task, task], 2)


def test_a_worker_that_dies_fails_the_run_instead_of_hanging() -> None:
    here = os.getpid()

    def dies() -> int:
        if os.getpid() == here:  # the build's own process runs tasks too: it waits
            time.sleep(2)  # for the worker to take the other
            return 1
        os._exit(9)

    with pytest.raises(workers.WorkerDied):
        workers.run([dies, dies], 2)


def test_a_worker_killed_while_taking_a_task_fails_the_run_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Taking a task holds the shared counter for a moment: a worker killed then leaves it
    held, and the others give up waiting rather than wait forever."""
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(workers, "_tasks", [lambda: 1])
    monkeypatch.setattr(workers, "TAKE_SECONDS", 0.2)
    monkeypatch.setattr(workers, "_next", fork.Value("q", 0))
    assert workers._take(here=True) == [(0, (1, None))], "taken while nobody holds it"

    def killed_holding_it() -> None:
        workers._next.get_lock().acquire()  # type: ignore[union-attr]
        os._exit(9)

    monkeypatch.setattr(workers, "_next", fork.Value("q", 0))
    worker = fork.Process(target=killed_holding_it)
    worker.start()
    worker.join()
    with pytest.raises(workers.WorkerDied):
        workers._take(here=True)


def test_the_builds_own_process_runs_tasks_beside_its_workers(tmp_path: Path) -> None:
    """One worker fewer: this process takes tasks too, the first of them (the longest)."""

    def task(n: int) -> workers.Task:
        def run() -> int:
            (tmp_path / str(n)).write_text(str(os.getpid()), encoding="utf-8")
            time.sleep(0.05)
            return n

        return run

    assert workers.run([task(n) for n in range(8)], 2) == sum(range(8))
    ran = {n: int((tmp_path / str(n)).read_text(encoding="utf-8")) for n in range(8)}
    assert ran[0] == os.getpid()
    assert len(set(ran.values())) == 2, "this process and one worker"


def test_the_indexed_templates_are_the_ones_that_mark_their_body_for_pagefind() -> None:
    marked = {
        path.name
        for path in (pipeline.THEME / "templates").glob("*.html")
        if "data-pagefind-body" in path.read_text(encoding="utf-8")
    }
    assert marked == set(search.INDEXED_TEMPLATES)


def command_lines() -> list[bytes]:
    """The command line of every process on the machine."""
    found = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            found.append(path.read_bytes())
        except OSError:  # it ended meanwhile
            continue
    return found


def test_a_failure_while_pagefind_runs_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> list[tuple[str, bytes]]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render, "json_chunks", broken)
    with pytest.raises(OSError, match="No space left"):
        pipeline.build_site(REPO, tmp_path / "site", TODAY, workers=2, force=True)
    assert list(tmp_path.iterdir()) == []
    assert not any(str(tmp_path).encode() in cmdline for cmdline in command_lines()), (
        "no Pagefind left running on the removed staging folder"
    )


def test_markdown_converted_by_the_loading_workers_is_what_one_conversion_gives(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    synth.write_portfolio(root, 24, milestones=2, notes=6, values=2)
    notes = root / "projects" / "p0003.yaml"
    notes.write_text(
        notes.read_text(encoding="utf-8")
        + "  - date: 2026-11-02\n    text: \"**“引号”**后 <script>x</script>\"\n",
        encoding="utf-8",
    )
    portfolio = pipeline.load_portfolio(root, TODAY, workers=2, convert=pipeline._markdown)
    texts = {t for p in portfolio.projects for t in context.project_markdown(p.data)}
    assert set(portfolio.html) == texts, "every text converted while loading"
    for text in texts:
        assert portfolio.html[text] == render.convert_markdown(text)
        assert "<script" not in portfolio.html[text]
    assert "<strong>“引号”</strong>后" in "".join(portfolio.html.values())


def test_a_page_takes_a_context_or_a_function_that_makes_it() -> None:
    from generator.context import Page

    class Context(dict[str, int]):
        """A dict that can be watched for being let go."""

    made: list[weakref.ref[Context]] = []

    def make() -> Context:
        context = Context(x=1)
        made.append(weakref.ref(context))
        return context

    page = Page("a.html", "index.html", make=make)  # type: ignore[arg-type]
    assert made == [], "nothing is built before the page is rendered"
    assert page.context == {"x": 1}
    assert len(made) == 1 and made[0]() is None, "not kept once used (a worker renders once)"
    assert page.context == {"x": 1} and len(made) == 2, "made again if asked again"
    with pytest.raises(ValueError, match="not both"):
        Page("a.html", "index.html")


@pytest.mark.parametrize(
    "how",
    [
        "workers.run([slow] * 8, 2)\n",
        "with workers.beside([slow] * 8, 2):\n    time.sleep(60)\n",
    ],
    ids=["run", "beside"],
)
def test_ctrl_c_stops_the_workers_instead_of_waiting_for_every_task(
    tmp_path: Path, how: str
) -> None:
    import signal
    import subprocess
    import sys

    script = tmp_path / "run.py"
    script.write_text(
        "import time\n"
        "from generator import workers\n"
        "def slow():\n"
        "    time.sleep(20)\n"
        "    return 1\n"
        "print('started', flush=True)\n" + how,
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"started\n"
    time.sleep(1.5)
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - started < 10, "it did not wait for 8 tasks of 20 s"
    assert b"KeyboardInterrupt" in err
    assert process.returncode != 0


def test_a_worker_killed_midway_is_reported_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.cli import main

    here, write_one = os.getpid(), write.Staging._write

    def killed(self: write.Staging, job: write.Job) -> int:
        if os.getpid() != here:  # a worker, at its first file (this process writes too)
            os._exit(9)  # what the kernel's out-of-memory killer leaves behind
        return write_one(self, job)

    monkeypatch.setattr(write.Staging, "_write", killed)
    monkeypatch.setattr(search, "build_index", lambda *args: None)
    out = tmp_path / "site"
    code = main(["build", "--root", str(REPO), "--out", str(out), "--today", "2026-11-25", "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "a worker process stopped unexpectedly (out of memory?)" in err
    assert "internal error" not in err and "Traceback" not in err
    assert not out.exists()


def test_files_validated_by_workers_report_the_same_errors_at_the_same_places(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    synth.write_portfolio(root, 30, milestones=3, notes=4, values=3)
    broken = root / "projects" / "p0007.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("due: ", "due: 2026-02-30 #", 1))
    (root / "projects" / "p0023.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    batches: list[int] = []
    real_map = workers.map_each

    def counting_map(function, items, count):  # type: ignore[no-untyped-def]
        batches.append(len(items))
        return real_map(function, items, count)

    monkeypatch.setattr(workers, "map_each", counting_map)
    found: dict[int, list[tuple[str, int, int, str]]] = {}
    for count in (1, 2):
        with pytest.raises(pipeline.BuildError) as failed:
            pipeline.load_portfolio(root, TODAY, workers=count)
        found[count] = [(d.file, d.line, d.col, d.code) for d in failed.value.diagnostics]
    assert batches[1] > 1, "the files went to the workers in several batches"
    assert found[1] == found[2]
    assert ("projects/p0007.yaml", 7, 6, "impossible_date") in found[2]
    assert ("projects/p0023.yaml", 1, 8, "yaml_unclosed_list") in found[2]


def test_a_check_of_a_large_portfolio_validates_on_every_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    synth.write_portfolio(root, 30, milestones=3, notes=4, values=3)
    serial, serial_warnings = pipeline.check(root, TODAY, workers=1)
    shutil.rmtree(root / ".cache")
    monkeypatch.setattr(workers, "available", lambda: 2)
    calls: list[tuple[int, int]] = []
    real_map = workers.map_each

    def counting_map(function, items, count):  # type: ignore[no-untyped-def]
        calls.append((len(items), count))
        return real_map(function, items, count)

    monkeypatch.setattr(workers, "map_each", counting_map)
    state, warnings = pipeline.check(root, TODAY)
    assert len(calls) == 1 and calls[0][0] > 1 and calls[0][1] == 2, "batches for two workers"
    assert warnings == serial_warnings
    assert state == serial


# --- work beside the build's own ----------------------------------------------------------


def test_work_beside_runs_in_another_process_while_the_block_goes_on(tmp_path: Path) -> None:
    """The tasks run in a process forked when the block begins, while the block's own work
    goes on here; the function the block is given waits for them and sums their results."""
    went_on = tmp_path / "went-on"

    def task(name: str) -> workers.Task:
        def run() -> int:
            for _ in range(500):  # until the block below has gone on without waiting
                if went_on.exists():
                    break
                time.sleep(0.01)
            (tmp_path / name).write_text(f"{os.getpid()} {went_on.exists()}", encoding="utf-8")
            return 2

        return run

    with workers.beside([task("a"), task("b")], 2) as written:
        went_on.touch()
        assert written() == 4
    for name in ("a", "b"):
        pid, saw = (tmp_path / name).read_text(encoding="utf-8").split()
        assert int(pid) != os.getpid() and saw == "True"


def test_work_beside_gives_way_to_the_build() -> None:
    """It has time to spare: it runs at a lower priority than the build (that goes on)."""
    ours = os.nice(0)
    with workers.beside([lambda: os.nice(0)], 2) as niceness:
        assert os.nice(0) == ours
        assert niceness() == min(ours + workers.BESIDE_NICENESS, 19) > ours


def test_work_beside_without_a_core_to_spare_is_done_at_once_here(tmp_path: Path) -> None:
    done: list[int] = []

    def task() -> int:
        done.append(os.getpid())
        return 1

    with workers.beside([task, task], 1) as written:
        assert done == [os.getpid()] * 2, "before the block"
        assert written() == 2


def test_a_failure_beside_comes_before_the_blocks_own() -> None:
    """As if the tasks beside came first in one list: whichever finishes first, the same
    broken input reports the same error."""

    def fails() -> int:
        time.sleep(0.3)  # the block fails first
        raise ValueError("beside")

    def ok() -> int:
        return 1

    for count in (1, 2):
        with pytest.raises(ValueError, match=r"^beside$"), workers.beside([ok, fails], count):
            raise KeyError("the block's own")
    with pytest.raises(KeyError), workers.beside([ok, ok], 2) as written:
        assert written() == 2
        raise KeyError("the block's own")


def test_work_beside_ends_its_process_when_done_and_a_death_is_reported(tmp_path: Path) -> None:
    """Its memory goes once its tasks are done, not when the block ends; a process that
    dies (killed, out of memory) fails the wait instead of hanging it."""
    pid_file = tmp_path / "pid"

    def task() -> int:
        pid_file.write_text(str(os.getpid()), encoding="utf-8")
        return 1

    def state(pid: int) -> str:
        try:
            return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() or ["?"])[0]
        except OSError:
            return "gone"

    with workers.beside([task], 2) as written:
        for _ in range(500):
            if pid_file.exists() and state(int(pid_file.read_text())) in ("Z", "gone"):
                break
            time.sleep(0.01)
        assert state(int(pid_file.read_text())) in ("Z", "gone"), "ended before the wait"
        assert written() == 1

    def dies() -> int:
        os._exit(9)

    with pytest.raises(workers.WorkerDied), workers.beside([dies], 2) as written:
        written()


def test_an_edit_writes_what_comes_from_the_status_beside_the_pages_and_a_cold_build_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When most projects keep their files, the spreadsheet (the longest of what comes from
    the status alone) is written beside the pages' contexts being made, the feeds and
    data.json with the pages; a build from nothing hands all of them to the workers with
    the pages. Either way, the bytes of a serial build from nothing."""
    monkeypatch.setattr(search, "build_index", lambda *args: None)
    root = tmp_path / "root"
    synth.write_portfolio(root, 6, milestones=3, notes=4, indicators=1, values=3)
    sizes: list[int] = []
    written: list[list[str]] = []
    beside = workers.beside

    def counted(tasks: list[workers.Task], count: int):  # type: ignore[no-untyped-def]
        sizes.append(len(tasks))
        jobs = [task.args[0] for task in tasks]  # type: ignore[attr-defined]
        written.append([path for job in jobs for path, _ in job()])  # each is a pure function
        return beside(tasks, count)

    monkeypatch.setattr(workers, "beside", counted)
    out = tmp_path / "site"
    pipeline.build_site(root, out, TODAY, workers=2)
    edited = root / "projects" / "p0003.yaml"
    edited.write_text(synth.with_marker(edited.read_text(encoding="utf-8"), "改："), "utf-8")
    pipeline.build_site(root, out, TODAY, workers=2)
    assert sizes == [0, 1] and written[1] == ["ledger.xlsx"], (sizes, written)
    pipeline.build_site(root, tmp_path / "serial", TODAY, workers=1, force=True)
    assert tree(out) == tree(tmp_path / "serial")
