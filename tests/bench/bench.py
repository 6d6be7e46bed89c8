"""The performance benchmark of issue 7: ``make bench``.

    python -m tests.bench.bench [--sizes 100,250,1000,3000] [--runs 3 | --runs 3,3,1,1]
        [--no-hugo] [--work DIR] [--keep] [--json .cache/bench/results.json]

For each size N, a synthetic portfolio (:mod:`tests.bench.synth`, seeded) is written once
into a scratch folder outside the repository, then every build runs as its own process
(``python -m generator build --today 2026-11-25``), so each one pays for start-up,
imports and template compilation like a real build:

* **cold**: a fresh output folder and no ``.cache/`` under the portfolio's root;
* **warm**: the same output folder built again, nothing changed;
* **one change**: the text of one note of one project file edited, then rebuilt into
  the same output folder;
* afterwards, a cold build of the edited portfolio into a fresh folder, which must be
  byte-identical (every path, every byte, every mode) to the one-change rebuild; with
  several runs, every cold build must also be identical to the first.

Each figure is the median of ``--runs`` runs of wall time. Memory is sampled every 0.1 s
over the build's whole process tree (the generator, its worker processes, Pagefind):
**peak** is the largest resident high-water mark (``VmHWM``) of any single process,
**tree peak** the largest sum of proportional set sizes (``Pss``: a page that forked
workers share with the generator counts once, split among them). The high-water mark
misses only a peak reached in a build's last 0.1 s. (``wait4``'s figure is not used: the
kernel carries the spawning benchmark's own size into it.)

When ``hugo`` is on PATH, the minimal equivalent Hugo site (:mod:`tests.bench.hugo_site`)
is built cold the same way (``hugo --quiet --minify=false``, fresh output and cache
folders, at least 3 runs) and the table gives ours / Hugo. Without Hugo the comparison
is skipped with a note.

The generator and theme are copied into the scratch folder first and every build runs
from that copy, so all figures of one run come from one state of the code even while
``generator/`` or ``theme/`` are being edited; the run reports the commit, whether the
copy had uncommitted changes, and a hash of the copy.

The Markdown table goes to stdout; progress to stderr; a JSON copy to
``.cache/bench/results.json`` (git-ignored). The exit status is 1 when a build fails or
an output that must be byte-identical is not.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.bench import hugo_site, synth

REPO = Path(__file__).resolve().parents[2]
TODAY = synth.TODAY
DEFAULT_SIZES = (100, 250, 1000, 3000)
HUGO_MIN_RUNS = 3
SAMPLE_SECONDS = 0.1
MIB = 1024 * 1024
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# Targets of issue 7.
TARGET_WARM_S = 1.0
TARGET_CHANGE_S = 2.0
TARGET_PEAK_MIB = 500
TARGET_250_COLD_S = 3.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- one measured process ------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_mib: float
    """The largest resident high-water mark (VmHWM) of any one process of the build."""
    tree_peak_mib: float
    """The largest sampled sum of PSS over the process and all its descendants."""


class BuildFailed(RuntimeError):
    pass


def _tree_memory(root_pid: int) -> tuple[int, int]:
    """Of ``root_pid`` and all its descendants, now: the sum of their proportional set sizes
    (PSS: a page shared by forked workers counts once in all), and the largest high-water
    mark of resident memory (VmHWM) any one of them has reached so far; both in bytes."""
    children: dict[int, list[int]] = defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2 :].split()
        children[int(fields[1])].append(int(name))
    total, highest, stack = 0, 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += _kib(f"/proc/{pid}/smaps_rollup", b"Pss:")
        highest = max(highest, _kib(f"/proc/{pid}/status", b"VmHWM:"))
        stack += children.get(pid, [])
    return total * 1024, highest * 1024


def _kib(path: str, field: bytes) -> int:
    try:
        with open(path, "rb") as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def measure(command: list[str], log_file: Path, cwd: Path) -> Run:
    """Run ``command`` as a fresh process; its wall time and peak memory."""
    peak_tree = peak_single = 0
    stop = threading.Event()

    def sample(pid: int) -> None:
        nonlocal peak_tree, peak_single
        while not stop.is_set():
            try:
                tree, single = _tree_memory(pid)
            except OSError:
                tree = single = 0
            peak_tree, peak_single = max(peak_tree, tree), max(peak_single, single)
            stop.wait(SAMPLE_SECONDS)

    with log_file.open("wb") as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
        sampler = threading.Thread(target=sample, args=(process.pid,), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
    if process.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BuildFailed(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    # wait4's figure would do, but the kernel carries the spawning process's own size into
    # it (the benchmark's, hundreds of MiB): it serves only when no sample was taken.
    peak = peak_single / MIB if peak_single else usage.ru_maxrss * 1024 / MIB  # KiB
    return Run(seconds, peak, peak_tree / MIB if peak_tree else peak)


# --- the code under test -------------------------------------------------------------------


def snapshot_code(work: Path) -> tuple[Path, str]:
    """Copy generator/ and theme/ into ``work``; the copy and a description of it.

    ``python -m generator`` run from the copy imports the copy (the current folder comes
    first on ``sys.path``), and the theme is found next to the package.
    """
    code = work / "code"
    remove(code)
    for name in ("generator", "theme"):
        shutil.copytree(REPO / name, code / name, ignore=shutil.ignore_patterns("__pycache__"))
    digest = hashlib.sha256()
    for path in sorted(p for p in code.rglob("*") if p.is_file()):
        digest.update(path.relative_to(code).as_posix().encode() + b"\0" + path.read_bytes())
    compileall.compile_dir(code / "generator", quiet=1)  # as the installed package would be

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "no git"
    dirty = git("status", "--porcelain", "--", "generator", "theme")
    state = " + uncommitted changes to generator/ or theme/" if dirty else ""
    return code, f"commit {commit}{state} (code sha256 {digest.hexdigest()[:12]})"


# --- comparing two built sites -------------------------------------------------------------


def tree_differences(a: Path, b: Path, limit: int = 5) -> list[str]:
    """Paths whose presence, kind, mode, bytes or link target differ; [] when identical."""

    def listing(root: Path) -> dict[str, tuple[str, int]]:
        found: dict[str, tuple[str, int]] = {}
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                path = Path(folder, name)
                info = path.lstat()
                kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
                found[path.relative_to(root).as_posix()] = (kind, info.st_mode & 0o7777)
        return found

    left, right = listing(a), listing(b)
    problems = [f"only in {a.name}: {p}" for p in sorted(left.keys() - right.keys())]
    problems += [f"only in {b.name}: {p}" for p in sorted(right.keys() - left.keys())]
    for path in sorted(left.keys() & right.keys()):
        if len(problems) >= limit:
            break
        (kind, mode), other = left[path], right[path]
        if (kind, mode) != other:
            problems.append(f"{path}: {kind} {mode:o} vs {other[0]} {other[1]:o}")
        elif kind == "link" and os.readlink(a / path) != os.readlink(b / path):
            problems.append(f"{path}: link targets differ")
        elif kind == "file" and (a / path).read_bytes() != (b / path).read_bytes():
            problems.append(f"{path}: bytes differ")
    return problems[:limit]


# --- one size ------------------------------------------------------------------------------


@dataclass
class SizeResult:
    projects: int
    runs: int
    yaml_mb: float
    cold: list[Run] = field(default_factory=list)
    warm: list[Run] = field(default_factory=list)
    change: list[Run] = field(default_factory=list)
    reference_cold: Run | None = None
    change_identical: bool | None = None
    cold_reproducible: bool | None = None
    differences: list[str] = field(default_factory=list)
    hugo: list[Run] = field(default_factory=list)

    def median(self, name: str, attribute: str = "seconds") -> float | None:
        runs: list[Run] = getattr(self, name)
        return statistics.median(getattr(r, attribute) for r in runs) if runs else None

    def peak(self, tree: bool = False) -> float:
        """The highest peak over every build of ours at this size."""
        every = [*self.cold, *self.warm, *self.change]
        if self.reference_cold:
            every.append(self.reference_cold)
        return max(r.tree_peak_mib if tree else r.peak_mib for r in every)

    def ratio(self) -> float | None:
        ours, hugo = self.median("cold"), self.median("hugo")
        return ours / hugo if ours is not None and hugo else None


def build_command(root: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--root",
        str(root),
        "--out",
        str(out),
        "--today",
        TODAY.isoformat(),
    ]


def hugo_command(hugo: str, site: Path, out: Path, cache: Path) -> list[str]:
    return [
        hugo,
        "--quiet",
        "--minify=false",
        "-s",
        str(site),
        "-d",
        str(out),
        "--cacheDir",
        str(cache),
    ]


def edit_one_note(root: Path, projects: int, run: int) -> Path:
    """Change the text of the newest note of the middle project; returns the file."""
    path = root / "projects" / f"p{(projects + 1) // 2:04d}.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = max(i for i, line in enumerate(lines) if line.startswith("    text: "))
    marker = f"修订{run + 1}："
    if lines[at] == "    text: |":
        body = lines[at + 1]
        indent = len(body) - len(body.lstrip(" "))
        lines[at + 1] = body[:indent] + marker + body[indent:]
    elif lines[at].startswith('    text: "'):
        lines[at] = '    text: "' + marker + lines[at][len('    text: "') :]
    else:
        raise ValueError(f"{path}: the newest note's text is neither a block nor quoted")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def bench_size(projects: int, runs: int, work: Path, code: Path, hugo: str | None) -> SizeResult:
    folder = work / f"n{projects}"
    remove(folder)
    root, site, logs = folder / "portfolio", folder / "site", folder / "logs"
    logs.mkdir(parents=True)
    log(f"[{projects}] writing the synthetic portfolio")
    synth.write_portfolio(root, projects)
    yaml_bytes = sum(p.stat().st_size for p in root.rglob("*.yaml"))
    result = SizeResult(projects, runs, round(yaml_bytes / 1e6, 1))
    cache = root / ".cache"

    def step(name: str, out: Path, i: int) -> Run:
        run = measure(build_command(root, out), logs / f"{name}-{i}.log", code)
        log(
            f"[{projects}] {name} {i + 1}/{runs}: {run.seconds:.2f} s, "
            f"{run.peak_mib:.0f} MiB (tree {run.tree_peak_mib:.0f} MiB)"
        )
        return run

    # The last cold build goes into the folder the warm builds reuse, so that its build
    # record (in .cache/, which every cold build starts without) is the one they find.
    first = site if runs == 1 else folder / "cold-0"
    for i in range(runs):
        out = site if i == runs - 1 else folder / f"cold-{i}"
        remove(cache, out)
        result.cold.append(step("cold", out, i))
        if i:
            found = tree_differences(first, out)
            result.cold_reproducible = not found and result.cold_reproducible is not False
            result.differences += [f"cold {i + 1} vs cold 1: {d}" for d in found]
            if out != site:
                remove(out)
    if first != site:
        remove(first)
    for i in range(runs):
        result.warm.append(step("warm", site, i))
    for i in range(runs):
        edit_one_note(root, projects, i)
        result.change.append(step("one-change", site, i))

    reference = folder / "reference"
    remove(cache, reference)
    result.reference_cold = measure(build_command(root, reference), logs / "reference.log", code)
    log(
        f"[{projects}] cold reference of the edited portfolio: "
        f"{result.reference_cold.seconds:.2f} s; comparing"
    )
    found = tree_differences(site, reference)
    result.change_identical = not found
    result.differences += [f"one-change vs cold: {d}" for d in found]
    remove(reference)

    if hugo:
        hugo_dir, hugo_out, hugo_cache = folder / "hugo", folder / "hugo-out", folder / "hugo-cache"
        hugo_site.write_site(root, hugo_dir, TODAY)
        for i in range(max(runs, HUGO_MIN_RUNS)):
            remove(hugo_out, hugo_cache)
            run = measure(
                hugo_command(hugo, hugo_dir, hugo_out, hugo_cache), logs / f"hugo-{i}.log", folder
            )
            log(f"[{projects}] hugo {i + 1}: {run.seconds:.2f} s, {run.peak_mib:.0f} MiB")
            result.hugo.append(run)
    return result


# --- report --------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def hugo_version(hugo: str) -> str:
    done = subprocess.run([hugo, "version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().split(" BuildDate")[0]


TIMES = "\u00d7"


def _times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.1f}{TIMES}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table(results: list[SizeResult]) -> str:
    head = (
        "| N | YAML MB | runs | cold s | warm s | one change s | peak MiB | tree peak MiB "
        "| one change = cold | Hugo cold s | Hugo peak MiB | ours / Hugo |"
    )
    lines = [head, "|" + " ---: |" * 8 + " :---: |" + " ---: |" * 3]
    for r in results:
        identical = {True: "yes", False: "**no**", None: "–"}[r.change_identical]
        lines.append(
            f"| {r.projects:,} | {r.yaml_mb:.1f} | {r.runs} | {_num(r.median('cold'))} "
            f"| {_num(r.median('warm'))} | {_num(r.median('change'))} | {r.peak():.0f} "
            f"| {r.peak(tree=True):.0f} | {identical} | {_num(r.median('hugo'))} "
            f"| {_num(r.median('hugo', 'peak_mib'), 0)} "
            f"| {_times(r.ratio())} |"
        )
    return "\n".join(lines)


def targets(results: list[SizeResult]) -> list[str]:
    """Issue 7's targets, each judged on what was measured."""
    lines = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    by_size = {r.projects: r for r in results}
    if 1000 in by_size and by_size[1000].ratio() is not None:
        ratio = by_size[1000].ratio() or 0.0
        lines.append(f"- cold 1,000 no slower than Hugo: {verdict(ratio <= 1)} ({_times(ratio)})")
    if 250 in by_size:
        cold = by_size[250].median("cold") or 0.0
        lines.append(
            f"- cold 250 under {TARGET_250_COLD_S:g} s: "
            f"{verdict(cold < TARGET_250_COLD_S)} ({cold:.2f} s)"
        )
    for r in results:
        warm, change = r.median("warm") or 0.0, r.median("change") or 0.0
        lines.append(
            f"- {r.projects:,}: warm under {TARGET_WARM_S:g} s {verdict(warm < TARGET_WARM_S)} "
            f"({warm:.2f} s); one change under {TARGET_CHANGE_S:g} s "
            f"{verdict(change < TARGET_CHANGE_S)} ({change:.2f} s); "
            f"one change byte-identical to cold: {verdict(bool(r.change_identical))}"
        )
    if 1000 in by_size:
        peak = by_size[1000].peak(tree=True)
        lines.append(
            f"- peak memory at 1,000 under {TARGET_PEAK_MIB} MiB (process tree): "
            f"{verdict(peak < TARGET_PEAK_MIB)} ({peak:.0f} MiB)"
        )
    return lines


def _runs_per_size(text: str, sizes: list[int]) -> list[int]:
    counts = [int(x) for x in text.split(",") if x.strip()]
    if len(counts) == 1:
        return counts * len(sizes)
    if len(counts) != len(sizes):
        raise argparse.ArgumentTypeError("--runs needs one number, or one per size")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="portfolio sizes, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--runs", default="3", help="runs per measurement (median); one number or one per size"
    )
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="scratch folder (default: a new one under the system temp folder)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--json", type=Path, default=REPO / ".cache" / "bench" / "results.json")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    try:
        runs = _runs_per_size(args.runs, sizes)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(str(exc))

    hugo = None if args.no_hugo else shutil.which("hugo")
    hugo_note = (
        "Hugo comparison skipped (--no-hugo)"
        if args.no_hugo
        else f"Hugo: {hugo_version(hugo)}"
        if hugo
        else "Hugo comparison skipped: `hugo` is not on PATH (Debian: apt-get install hugo)"
    )
    host = machine()
    work = args.work or Path(tempfile.mkdtemp(prefix="progress-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"scratch folder: {work}")
    started = dt.datetime.now().astimezone()
    results: list[SizeResult] = []
    failure = None
    code_note = "not copied"
    try:
        code, code_note = snapshot_code(work)
        log(f"code under test: {code_note}")
        for size, count in zip(sizes, runs, strict=True):
            results.append(bench_size(size, count, work, code, hugo))
    except BuildFailed as exc:
        failure = str(exc)
        log(failure)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    host_line = (
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['memory_gib']} GiB RAM, "
        f"{host['system']}; Python {host['python']}; {hugo_note}. "
        f"Load average at start: {host['load_average']}."
    )
    code_line = f"Code: {code_note}."

    print(table(results))
    print()
    print(host_line)
    print(code_line)
    print(
        f"Run on {started:%Y-%m-%d %H:%M %z}; build date `--today {TODAY}`; medians of the "
        "runs shown; peak = the largest high-water mark of one process (VmHWM), tree peak = "
        "the largest sum of PSS over the generator, its workers and Pagefind (sampled every "
        f"{SAMPLE_SECONDS:g} s)."
    )
    differences = [d for r in results for d in r.differences]
    if differences:
        print()
        print("Outputs that should be byte-identical are not:")
        print("\n".join(f"- {d}" for d in differences))
    print()
    print("Targets of issue 7:")
    print("\n".join(targets(results)))

    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "today": TODAY.isoformat(),
        "machine": host,
        "hugo": hugo_note,
        "code": code_note,
        "failure": failure,
        "results": [
            {
                **asdict(r),
                "median": {k: r.median(k) for k in ("cold", "warm", "change", "hugo")},
                "peak_mib": r.peak(),
                "tree_peak_mib": r.peak(tree=True),
                "ratio": r.ratio(),
            }
            for r in results
        ],
    }
    args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
    log(f"results: {args.json}")
    return 1 if failure or differences else 0


if __name__ == "__main__":
    sys.exit(main())
