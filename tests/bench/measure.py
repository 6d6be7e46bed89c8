"""Measuring a command's process tree, for the benchmark: its wall time and memory.

:func:`measure` runs one command, or several one after the other (Hugo, then Pagefind), as
fresh processes and samples every :data:`SAMPLE_SECONDS` the process running and all its
descendants: the largest resident high-water mark (``VmHWM``) of any one of them, and the
largest sum of their proportional set sizes (``Pss``: a page forked workers share counts
once, split among them). :func:`tree_cpu_seconds` and :func:`session_members` serve the
preview's measurement (is it quiet, did it leave anything behind).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.1
MIB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    seconds: float
    peak_mib: float
    """The largest resident high-water mark (VmHWM) of any one process of the build."""
    tree_peak_mib: float
    """The largest sampled sum of PSS over the process and all its descendants."""


class BuildFailed(RuntimeError):
    pass


def _children() -> dict[int, list[int]]:
    """Every process's children, by parent id, from ``/proc`` now."""
    children: dict[int, list[int]] = defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        fields = _stat_fields(int(name))
        if fields:
            children[int(fields[1])].append(int(name))
    return children


def _stat_fields(pid: int) -> list[bytes]:
    """``/proc/<pid>/stat`` after the command's name: state, ppid, pgrp, session, …"""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            data = stat.read()
    except OSError:
        return []
    return data[data.rindex(b")") + 2 :].split()


def _tree(root_pid: int) -> list[int]:
    """``root_pid`` and all its descendants now."""
    children, found, stack = _children(), [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += children.get(pid, [])
    return found


def _tree_memory(root_pid: int) -> tuple[int, int]:
    """Of ``root_pid`` and all its descendants, now: the sum of their proportional set sizes
    (PSS: a page shared by forked workers counts once in all), and the largest high-water
    mark of resident memory (VmHWM) any one of them has reached so far; both in bytes."""
    total, highest = 0, 0
    for pid in _tree(root_pid):
        total += _kib(f"/proc/{pid}/smaps_rollup", b"Pss:")
        highest = max(highest, _kib(f"/proc/{pid}/status", b"VmHWM:"))
    return total * 1024, highest * 1024


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU time used so far by ``root_pid`` and its descendants, living and reaped."""
    ticks = 0
    for pid in _tree(root_pid):
        fields = _stat_fields(pid)
        if len(fields) > 14:  # utime, stime, cutime, cstime: fields 14 to 17 of stat
            ticks += sum(int(x) for x in fields[11:15])
    return ticks / CLOCK_TICKS


def _kib(path: str, field: bytes) -> int:
    try:
        with open(path, "rb") as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def measure(
    commands: Sequence[list[str]],
    log_file: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Run:
    """Run ``commands`` one after the other, each as a fresh process (stopping at the first
    that fails); their wall time from the first start to the last end, and the peak memory
    of whichever is running, sampled the same way for all."""
    peak_tree = peak_single = 0
    stop = threading.Event()
    running: list[int] = []

    def sample() -> None:
        nonlocal peak_tree, peak_single
        while not stop.is_set():
            if running:
                try:
                    tree, single = _tree_memory(running[-1])
                except OSError:
                    tree = single = 0
                peak_tree, peak_single = max(peak_tree, tree), max(peak_single, single)
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    maxrss = 0
    failed: tuple[list[str], int] | None = None
    with log_file.open("wb") as output:
        sampler.start()
        start = time.perf_counter()
        for command in commands:
            process = subprocess.Popen(
                command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output
            )
            running.append(process.pid)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            maxrss = max(maxrss, usage.ru_maxrss)
            if process.returncode != 0:
                failed = (command, process.returncode)
                break
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
    if failed is not None:
        tail = log_file.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BuildFailed(f"{' '.join(failed[0])} exited {failed[1]}:\n{tail}")
    # wait4's figure would do, but the kernel carries the spawning process's own size into
    # it (the benchmark's, hundreds of MiB): it serves only when no sample was taken.
    peak = peak_single / MIB if peak_single else maxrss * 1024 / MIB  # KiB
    return Run(seconds, peak, peak_tree / MIB if peak_tree else peak)


def session_members(session: int) -> list[int]:
    """The living processes of the session ``session`` (zombies not counted)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat_fields(int(name))
            if len(fields) > 3 and int(fields[3]) == session and fields[0] != b"Z":
                found.append(int(name))
    return found


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"
