"""Independent tasks run side by side in forked worker processes.

The load stage maps its files over workers (:func:`map_each`: read, validate and convert
a few files, and send the result back). The render and write stages hand over a list of
tasks (render one page and write it, write the ledger, …, :func:`run`), which the build's
own process takes its share of; after an edit, the spreadsheet goes first, to a worker
that writes it beside the build's own work of making the pages' contexts (:func:`beside`).
Each task's output depends only on the portfolio, never on which process runs it or in
what order, so a parallel build is byte-identical to a serial one. Those workers are
forked once what their tasks read is built: they inherit the portfolio, the compiled
templates and the Markdown already rendered, and nothing large is pickled; a task returns
only how many files it wrote. A worker is killed with the build that forked it.

A failure in any task fails the whole run. Every task still runs, and the failure of
the first task in list order is raised, so the same broken input always reports the
same error. A worker that dies (killed, out of memory) fails the run too.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

Task = Callable[[], int]
"""Does one piece of work and returns how many files it wrote."""

_tasks: Sequence[Task] = ()
"""The tasks of the current run, set before the workers fork so that they inherit it."""
_next: Synchronized[int] | None = None
"""The index of the next task of the current run to be taken, shared by its processes."""


class WorkerDied(OSError):
    """A worker process ended without finishing its tasks (killed, or out of memory): the
    machine's doing, reported like any other failure to write the site."""


def available() -> int:
    """How many processes can run at once here (the cores this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run(tasks: Sequence[Task], workers: int) -> int:
    """Run every task, in up to ``workers`` processes, this one among them; the sum of their
    results. Each process takes the next task in list order when it is free (a counter
    they share), so the longest, given first, start first.

    This process runs tasks too rather than waiting for workers: it holds the portfolio
    already, where a worker comes to hold a copy of what its tasks read (reading an
    inherited object writes its reference count, and the page that holds it is then
    copied; about 300 MiB by the end of a cold build at 1,000 projects)."""
    if not _parallel(workers, len(tasks)):
        return sum(task() for task in tasks)
    global _tasks, _next
    _tasks, _next = tasks, multiprocessing.get_context("fork").Value("q", 0)
    gc.freeze()  # the inherited objects stay shared with the parent instead of being copied
    try:
        others = min(workers, len(tasks)) - 1
        with _pool(others) as pool:
            theirs = [pool.submit(_take) for _ in range(others)]
            outcomes = _take(here=True)
            for future in theirs:
                outcomes += future.result()
    finally:
        gc.unfreeze()
        _tasks, _next = (), None
    return _total([outcome for _, outcome in sorted(outcomes, key=lambda o: o[0])])


def _take(here: bool = False) -> list[tuple[int, tuple[int, BaseException | None]]]:
    """Run the next task not yet taken, until none is left: (its index, its outcome) each.
    In a worker, any failure is carried back; ``here``, in the build's own process, Ctrl-C
    and exits are not (they stop the run, and :func:`_pool` the workers), and its garbage
    is collected as a worker's is while it runs tasks (everything made before is frozen)."""
    assert _next is not None
    outcomes: list[tuple[int, tuple[int, BaseException | None]]] = []
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    if here:
        gc.set_threshold(COLLECT_EVERY, 20, 100)
        gc.enable()
    try:
        while True:
            lock = _next.get_lock()
            if not lock.acquire(timeout=TAKE_SECONDS):  # held by a process killed meanwhile
                raise WorkerDied("a worker process stopped unexpectedly (out of memory?)")
            try:
                index = _next.value
                _next.value += 1
            finally:
                lock.release()
            if index >= len(_tasks):
                return outcomes
            outcomes.append((index, _outcome(_tasks[index], here)))
    finally:
        if here:
            gc.set_threshold(*threshold)
            if not enabled:
                gc.disable()


TAKE_SECONDS = 60
"""Taking a task holds the counter for a moment; held this long, its holder was killed."""


BESIDE_NICENESS = 10
"""How much lower the priority of the work :func:`beside` is than the build's: it has time to
spare (it starts first, and the build waits for it last), so where the cores are all busy
the pages and search indexes the build waits for go first, and it takes what they leave
(after an edit, at 250 projects 1.92 → 1.83 s, at 1,000 4.64 → 4.47 s). With a core to
itself, it runs as fast as ever."""


@contextlib.contextmanager
def beside(tasks: Sequence[Task], workers: int) -> Iterator[Callable[[], int]]:
    """Run ``tasks`` while the block goes on, one after the other in a process forked now,
    on a core the block leaves free (the build's own process, busy in the block, counts as
    one of ``workers``). The block is given a function that waits for them and returns the
    sum of their results, raising the failure of the first task that failed (in list
    order). Without a core to spare, the tasks run here at once. A block that fails waits
    for them, and a failure of theirs is raised before its own (as if they came first in
    one list: the same broken input reports the same error); Ctrl-C stops them.

    The process runs at a lower priority (:data:`BESIDE_NICENESS`). It is a plain fork
    that sends its results back through a pipe and ends: unlike a pool's, it leaves no
    thread in the build's process while other workers fork (a fork beside threads can
    inherit a lock held, and Python 3.12 warns of it), and its memory goes as soon as its
    tasks are done."""
    if not _parallel(workers, len(tasks) + 1):
        total = sum(task() for task in tasks)
        yield lambda: total
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    gc.freeze()  # the inherited objects stay shared with the parent instead of being copied
    try:
        process = context.Process(target=_run_all, args=(tasks, send, os.getpid()))
        process.start()
    finally:
        gc.unfreeze()
        send.close()
    done: list[list[tuple[int, BaseException | None]]] = []

    def wait() -> int:
        if not done:
            try:
                done.append(receive.recv())
            except EOFError as exc:  # it ended without a word: killed, or out of memory
                raise WorkerDied("a worker process stopped unexpectedly (out of memory?)") from exc
            finally:
                process.join()
        return _total(done[0])

    try:
        yield wait
    except Exception:
        wait()  # a failure of theirs first, as if they came first in one list
        raise
    finally:
        if process.is_alive():  # left by Ctrl-C (or a failure to wait): stopped, not waited for
            process.terminate()
            process.join()
        receive.close()


def _run_all(tasks: Sequence[Task], send: Connection, parent: int) -> None:
    """In the process :func:`beside` forks: each task in turn, then their outcomes, sent."""
    _end_with_parent(parent)
    with contextlib.suppress(OSError):
        os.nice(BESIDE_NICENESS)
    send.send([_outcome(task) for task in tasks])
    send.close()


def _outcome(task: Task, here: bool = False) -> tuple[int, BaseException | None]:
    """What the task returned, or how it failed: in a worker any failure, carried back to
    the build and raised there; ``here``, in the build's own process, a failure but not
    Ctrl-C or an exit, which go on up and stop the run."""
    try:
        return task(), None
    except Exception as exc:
        return 0, portable(exc)
    except BaseException as exc:
        if here:
            raise
        return 0, portable(exc)


def _total(outcomes: Sequence[tuple[int, BaseException | None]]) -> int:
    """The sum of the tasks' results; the failure of the first that failed, raised."""
    for _, failure in outcomes:
        if failure is not None:
            raise failure
    return sum(count for count, _ in outcomes)


def map_each(function: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    """``function(item)`` for each item in order, in up to ``workers`` processes; each
    result is given as soon as it and those before it are done, so the caller can use it
    and let it go while the workers go on.

    Each item and each result travels between processes, pickled: keep them plain.
    """
    if not _parallel(workers, len(items)):
        yield from (function(item) for item in items)
        return
    with _pool(min(workers, len(items))) as pool:
        yield from pool.map(function, items)


def _parallel(workers: int, tasks: int) -> bool:
    return workers > 1 and tasks > 1 and "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Forked workers; on Ctrl-C or any failure here they are stopped, not waited for."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_end_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        yield pool
    except BrokenProcessPool as exc:
        raise WorkerDied("a worker process stopped unexpectedly (out of memory?)") from exc
    except BaseException:
        # The executor offers no way to stop running work; its processes are the handle.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        raise
    finally:
        pool.shutdown(wait=True)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a build makes its portfolio and
    pages: millions of objects that live until it ends, in which its passes (each over
    every object made so far) find nothing to free, and which took about half the time of
    reading back a thousand validated files. Freed objects are still freed at once (by
    their reference counts); the workers forked meanwhile collect as usual, and never
    look at what they inherit (see :func:`run`), as Python's documentation advises for
    ``gc.freeze``."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _end_with_parent(parent: int) -> None:
    """A worker is killed with the build that forked it (Linux's parent-death signal),
    rather than left waiting for work forever when the build is killed. It collects its
    own garbage, whatever the build's collector does, less often than Python's default:
    a task makes hundreds of thousands of short-lived objects (cells, template frames),
    nearly all freed by their reference counts, and the default (a pass every 700 new
    objects) took a tenth of the time of writing the spreadsheet. A pass still comes
    every :data:`COLLECT_EVERY` objects, so cycles are freed while a task runs."""
    gc.set_threshold(COLLECT_EVERY, 20, 100)
    gc.enable()
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # killed before the signal was asked for
        os._exit(1)


_PR_SET_PDEATHSIG = 1
COLLECT_EVERY = 50_000
"""New objects between the worker collector's youngest passes (Python's default: 700)."""


def portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives the trip back to the parent, else a stand-in with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # whatever cannot be pickled
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
