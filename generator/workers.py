"""Independent tasks run side by side in forked worker processes.

The render and write stages hand over a list of tasks (render one page and write it,
write the ledger, …). Each task's output depends only on the portfolio, never on which
process runs it or in what order, so a parallel build is byte-identical to a serial
one. Workers are forked after every context is built: they inherit the portfolio, the
compiled templates and the Markdown already rendered, and nothing large is pickled;
a task returns only how many files it wrote.

A failure in any task fails the whole run. Every task still runs, and the failure of
the first task in list order is raised, so the same broken input always reports the
same error. A worker that dies (killed, out of memory) fails the run too.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

Task = Callable[[], int]
"""Does one piece of work and returns how many files it wrote."""

_tasks: Sequence[Task] = ()
"""The tasks of the current run, set before the workers fork so that they inherit it."""


class WorkerDied(RuntimeError):
    """A worker process ended without finishing its tasks."""


def available() -> int:
    """How many processes can run at once here (the cores this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run(tasks: Sequence[Task], workers: int) -> int:
    """Run every task, in up to ``workers`` processes; the sum of their results."""
    if workers <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return sum(task() for task in tasks)
    global _tasks
    _tasks = tasks
    gc.collect()
    gc.freeze()  # the inherited objects stay shared with the parent instead of being copied
    try:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(tasks)), mp_context=multiprocessing.get_context("fork")
        ) as pool:
            outcomes = list(pool.map(_run, range(len(tasks))))
    except BrokenProcessPool as exc:
        raise WorkerDied("a worker process stopped unexpectedly (out of memory?)") from exc
    finally:
        gc.unfreeze()
        _tasks = ()
    for _, failure in outcomes:
        if failure is not None:
            raise failure
    return sum(count for count, _ in outcomes)


def map_each(function: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[function(item) for item in items]``, in up to ``workers`` processes.

    Each item and each result travels between processes, pickled: keep them plain.
    """
    if workers <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    try:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(items)), mp_context=multiprocessing.get_context("fork")
        ) as pool:
            return list(pool.map(function, items))
    except BrokenProcessPool as exc:
        raise WorkerDied("a worker process stopped unexpectedly (out of memory?)") from exc


def _run(index: int) -> tuple[int, BaseException | None]:
    try:
        return _tasks[index](), None
    except BaseException as exc:  # carried back to the parent, raised there
        return 0, _portable(exc)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives the trip back to the parent, else a stand-in with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # whatever cannot be pickled
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
