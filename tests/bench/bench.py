"""The performance benchmark of issues 7 and 18: ``make bench``.

    python -m tests.bench.bench [--sizes 100,250,1000,3000] [--runs 3 | --runs 3,3,1,1]
        [--no-hugo] [--no-preview] [--work DIR] [--keep] [--json .cache/bench/results.json]

For each size N, a synthetic portfolio (:mod:`tests.bench.synth`, seeded) is written once
into a scratch folder outside the repository, then every build runs as its own process
(``python -m generator build --today 2026-11-25``), so each one pays for start-up,
imports and template compilation like a real build:

* **cold**: a fresh output folder and no ``.cache/`` under the portfolio's root;
* **no change** (warm): the same output folder built again, nothing changed;
* **one change**: the text of one note of one project file edited, then rebuilt into
  the same output folder;
* afterwards, a cold build of the edited portfolio into a fresh folder, which must be
  byte-identical (every path, every byte, every mode) to the one-change rebuild; with
  several runs, every cold build must also be identical to the first;
* **week page**: the size in bytes of the largest weekly digest (``weeks/*/index.html``)
  of the cold build;
* **preview** (:mod:`tests.bench.preview`): ``python -m generator serve`` on the portfolio;
  for each run, one note of that project file edited, and the seconds from the write until
  the served project page shows it (**page**), until the week page that gathers it from
  every project does (**site**: the full rebuild), then from writing invalid YAML until the
  error page shows; stopped with SIGTERM, leaving no process behind.

When ``hugo`` is on PATH, the minimal equivalent Hugo site (:mod:`tests.bench.hugo_site`)
is built cold in the same loop, alternating with ours (ours, Hugo, Hugo + Pagefind, ours,
…; at least 3 runs of Hugo) so that drift of the machine's speed touches all three alike:
**Hugo** is ``hugo --quiet --minify=false`` with fresh output and cache folders; **Hugo +
Pagefind** is the same build followed by the project's own Pagefind binary (the extended
one, :func:`generator.search.executable`) over Hugo's output, with the options our build
gives it (:func:`pagefind_command`: ``--force-language zh-cn``, ``--keep-index-url``,
``--silent``, an empty working folder, no ``PAGEFIND_*`` variables); Hugo's project pages
mark their content ``data-pagefind-body`` as ours do, so the same pages are indexed
(projects, not the index page). Pagefind runs once over all of them, as a Hugo site would
run it. Without Hugo the comparison is skipped with a note.

Each figure is the median of ``--runs`` runs. Memory (:mod:`tests.bench.measure`) is
sampled every 0.1 s over a measured command's whole process tree (the generator, its
worker processes, Pagefind; Hugo, then Pagefind): **peak** is the largest resident
high-water mark (``VmHWM``) of any single process, **tree peak** the largest sum of
proportional set sizes (``Pss``: a page that forked workers share with the generator
counts once). (``wait4``'s figure is not used: the kernel carries the spawning
benchmark's own size into it.)

The generator and theme are copied into the scratch folder first and every build (and
the preview) runs from that copy, so all figures of one run come from one state of the
code even while ``generator/`` or ``theme/`` are being edited; the run reports the
commit, whether the copy had uncommitted changes, and a hash of the copy.

The Markdown table goes to stdout, then the targets of issue 18, each met or not (or not
measured at this run's sizes); progress to stderr; a JSON copy to
``.cache/bench/results.json`` (git-ignored). The exit status is 1 when a build fails, an
output that must be byte-identical is not, or the preview misbehaves (does not show an
edit, does not stop, leaves a process behind).
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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generator import search
from tests.bench import hugo_site, synth
from tests.bench.measure import SAMPLE_SECONDS, BuildFailed, Run, measure
from tests.bench.preview import PreviewRun, measure_preview

REPO = Path(__file__).resolve().parents[2]
TODAY = synth.TODAY
DEFAULT_SIZES = (100, 250, 1000, 3000)
HUGO_MIN_RUNS = 3

# Targets of issue 18, at the portfolio size each names (and byte-identity at every size).
TARGET_COLD_VS_HUGO_PAGEFIND = 0.8
TARGET_PREVIEW_S = 1.0
TARGET_CHANGE_250_S = 2.0
TARGET_CHANGE_1000_S = 5.0
TARGET_NO_CHANGE_S = 0.5
TARGET_TREE_MIB = 600
TARGET_WEEK_PAGE_BYTES = 500_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def largest_week_page(site: Path) -> tuple[str, int]:
    """The largest weekly digest (``weeks/<week>/index.html``, not the list of weeks):
    its path in the site and its size in bytes; ("", 0) when there is none."""
    pages = site.glob("weeks/*/index.html")
    found = [(p.stat().st_size, p.relative_to(site).as_posix()) for p in pages]
    if not found:
        return "", 0
    size, path = max(found)
    return path, size


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
    hugo_pagefind: list[Run] = field(default_factory=list)
    week_page: str = ""
    week_page_bytes: int | None = None
    preview: list[PreviewRun] = field(default_factory=list)
    preview_start_s: float | None = None
    """From starting ``serve`` until it serves (its first build, with the caches that the
    builds before it left)."""
    preview_problems: list[str] = field(default_factory=list)

    def median(self, name: str, attribute: str = "seconds") -> float | None:
        runs: list[Run] = getattr(self, name)
        return statistics.median(getattr(r, attribute) for r in runs) if runs else None

    def preview_median(self, attribute: str) -> float | None:
        values = [v for r in self.preview if (v := getattr(r, attribute)) is not None]
        return statistics.median(values) if values else None

    def peak(self, tree: bool = False) -> float:
        """The highest peak over every build of ours at this size."""
        every = [*self.cold, *self.warm, *self.change]
        if self.reference_cold:
            every.append(self.reference_cold)
        if not every:
            return 0.0
        return max(r.tree_peak_mib if tree else r.peak_mib for r in every)

    def ratio(self, other: str = "hugo") -> float | None:
        """Our cold build's median over ``other``'s (``hugo`` or ``hugo_pagefind``)."""
        ours, theirs = self.median("cold"), self.median(other)
        return ours / theirs if ours is not None and theirs else None


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


def pagefind_command(binary: Path, site: Path, language: str) -> list[str]:
    """Pagefind over a whole built site with the options our build gives it
    (:func:`generator.search._run_pagefind`, less the page list and the output folder that
    split our index in several): Hugo's default output folder is ``pagefind/`` too."""
    return [
        str(binary),
        "--site",
        str(site.absolute()),
        "--force-language",
        search.pagefind_language(language),
        "--keep-index-url",
        "--silent",
    ]


def pagefind_environment() -> dict[str, str]:
    """The environment our build runs Pagefind in: no ``PAGEFIND_*`` variable."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND")}


def check_hugo_index(out: Path, projects: int, language: str) -> None:
    """Pagefind indexed every project page of Hugo's site, and only those, in the site's
    language: one fragment a page."""
    entry = out / search.BUNDLE / "pagefind-entry.json"
    try:
        languages = json.loads(entry.read_text(encoding="utf-8"))["languages"]
    except (OSError, ValueError, KeyError) as exc:
        raise BuildFailed(f"Pagefind over Hugo's site wrote no usable {entry}: {exc}") from exc
    want = search.pagefind_language(language)
    pages = {name: info.get("page_count") for name, info in languages.items()}
    if pages != {want: projects}:
        raise BuildFailed(
            f"Pagefind over Hugo's site indexed {pages}, not {{{want!r}: {projects}}}"
        )


def edited_project(root: Path, projects: int) -> Path:
    """The project file every edit goes to: the middle one."""
    return root / "projects" / f"p{(projects + 1) // 2:04d}.yaml"


def edit_one_note(root: Path, projects: int, run: int) -> Path:
    """Change the text of the newest note of the middle project; returns the file."""
    path = edited_project(root, projects)
    text = synth.with_marker(path.read_text(encoding="utf-8"), f"修订{run + 1}：")
    path.write_text(text, encoding="utf-8")
    return path


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def bench_size(
    projects: int,
    runs: int,
    work: Path,
    code: Path,
    hugo: str | None,
    preview: bool = True,
) -> SizeResult:
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
        run = measure([build_command(root, out)], logs / f"{name}-{i}.log", code)
        log(
            f"[{projects}] {name} {i + 1}/{runs}: {run.seconds:.2f} s, "
            f"{run.peak_mib:.0f} MiB (tree {run.tree_peak_mib:.0f} MiB)"
        )
        return run

    hugo_runs = max(runs, HUGO_MIN_RUNS) if hugo else 0
    hugo_dir, hugo_out, hugo_cache = folder / "hugo", folder / "hugo-out", folder / "hugo-cache"
    empty = folder / "empty"  # Pagefind's working folder: no pagefind.yml to find
    empty.mkdir()
    binary = search.executable() if hugo else None
    if hugo:
        hugo_site.write_site(root, hugo_dir, TODAY)

    # Ours, Hugo, Hugo + Pagefind, ours, …: the machine's drift touches all three alike.
    # The last cold build goes into the folder the warm builds reuse, so that its build
    # record (in .cache/, which every cold build starts without) is the one they find.
    first = site if runs == 1 else folder / "cold-0"
    for i in range(max(runs, hugo_runs)):
        if i < runs:
            out = site if i == runs - 1 else folder / f"cold-{i}"
            remove(cache, out)
            result.cold.append(step("cold", out, i))
            if i:
                found = tree_differences(first, out)
                result.cold_reproducible = not found and result.cold_reproducible is not False
                result.differences += [f"cold {i + 1} vs cold 1: {d}" for d in found]
                if out != site:
                    remove(out)
        if hugo and binary:
            remove(hugo_out, hugo_cache)
            build = hugo_command(hugo, hugo_dir, hugo_out, hugo_cache)
            run = measure([build], logs / f"hugo-{i}.log", empty)
            log(f"[{projects}] hugo {i + 1}: {run.seconds:.2f} s, {run.peak_mib:.0f} MiB")
            result.hugo.append(run)
            remove(hugo_out, hugo_cache)
            index = pagefind_command(binary, hugo_out, synth.LANGUAGE)
            run = measure(
                [build, index], logs / f"hugo-pagefind-{i}.log", empty, pagefind_environment()
            )
            check_hugo_index(hugo_out, projects, synth.LANGUAGE)
            log(
                f"[{projects}] hugo + pagefind {i + 1}: {run.seconds:.2f} s, "
                f"{run.peak_mib:.0f} MiB (tree {run.tree_peak_mib:.0f} MiB)"
            )
            result.hugo_pagefind.append(run)
    if first != site:
        remove(first)
    remove(hugo_out, hugo_cache)
    result.week_page, result.week_page_bytes = largest_week_page(site)
    log(f"[{projects}] largest week page: {result.week_page}, {result.week_page_bytes:,} bytes")

    for i in range(runs):
        result.warm.append(step("no-change", site, i))
    for i in range(runs):
        edit_one_note(root, projects, i)
        result.change.append(step("one-change", site, i))

    reference = folder / "reference"
    remove(cache, reference)
    result.reference_cold = measure([build_command(root, reference)], logs / "reference.log", code)
    log(
        f"[{projects}] cold reference of the edited portfolio: "
        f"{result.reference_cold.seconds:.2f} s; comparing"
    )
    found = tree_differences(site, reference)
    result.change_identical = not found
    result.differences += [f"one-change vs cold: {d}" for d in found]
    remove(reference)

    if preview:
        log(f"[{projects}] preview: starting serve")
        found_preview = measure_preview(
            root,
            edited_project(root, projects),
            runs,
            code,
            logs / "preview.log",
            TODAY.isoformat(),
            lambda line: log(f"[{projects}] {line}"),
        )
        result.preview_start_s = found_preview.start_s
        result.preview = found_preview.runs
        result.preview_problems = found_preview.problems
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


def pagefind_version() -> str:
    try:
        binary = search.executable()
    except search.SearchIndexError as exc:
        return str(exc)
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or binary.name


TIMES = "\u00d7"


def _times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}{TIMES}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


COLUMNS = (
    ("N", "---:"),
    ("YAML MB", "---:"),
    ("runs", "---:"),
    ("cold s", "---:"),
    ("no change s", "---:"),
    ("one change s", "---:"),
    ("preview page s", "---:"),
    ("preview site s", "---:"),
    ("error page s", "---:"),
    ("peak MiB", "---:"),
    ("tree peak MiB", "---:"),
    ("week page KB", "---:"),
    ("one change = cold", ":---:"),
    ("Hugo s", "---:"),
    ("Hugo + Pagefind s", "---:"),
    ("Hugo + Pagefind tree MiB", "---:"),
    ("ours / Hugo", "---:"),
    ("ours / (Hugo + Pagefind)", "---:"),
)


def row(r: SizeResult) -> list[str]:
    identical = {True: "yes", False: "**no**", None: "–"}[r.change_identical]
    week = None if r.week_page_bytes is None else r.week_page_bytes / 1000
    return [
        f"{r.projects:,}",
        f"{r.yaml_mb:.1f}",
        str(r.runs),
        _num(r.median("cold")),
        _num(r.median("warm")),
        _num(r.median("change")),
        _num(r.preview_median("page_s")),
        _num(r.preview_median("site_s")),
        _num(r.preview_median("error_s")),
        f"{r.peak():.0f}",
        f"{r.peak(tree=True):.0f}",
        _num(week, 0),
        identical,
        _num(r.median("hugo")),
        _num(r.median("hugo_pagefind")),
        _num(r.median("hugo_pagefind", "tree_peak_mib"), 0),
        _times(r.ratio("hugo")),
        _times(r.ratio("hugo_pagefind")),
    ]


def table(results: list[SizeResult]) -> str:
    lines = [
        "| " + " | ".join(name for name, _ in COLUMNS) + " |",
        "|" + "".join(f" {align} |" for _, align in COLUMNS),
    ]
    lines += ["| " + " | ".join(row(r)) + " |" for r in results]
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """One target of issue 18: ``value`` of the result at ``size`` below ``limit`` (or at
    most, when ``inclusive``)."""

    name: str
    size: int
    limit: float
    unit: str
    value: Callable[[SizeResult], float | None]
    inclusive: bool = False
    needs: str = ""
    """What the figure needs besides the size, said when it is missing."""

    def describe(self) -> str:
        sign = "≤" if self.inclusive else "<"
        limit = f"{self.limit:g}{TIMES}" if self.unit == TIMES else f"{self.limit:,g} {self.unit}"
        return f"{self.name} {sign} {limit} at {self.size:,} projects"

    def shown(self, value: float) -> str:
        if self.unit == TIMES:
            return _times(value)
        if self.unit == "bytes":
            return f"{value:,.0f} bytes"
        return f"{value:.2f} {self.unit}" if self.unit == "s" else f"{value:.0f} {self.unit}"


TARGETS = (
    Target(
        "cold, ours / (Hugo + Pagefind)",
        1000,
        TARGET_COLD_VS_HUGO_PAGEFIND,
        TIMES,
        lambda r: r.ratio("hugo_pagefind"),
        inclusive=True,
        needs="Hugo on PATH",
    ),
    Target(
        "preview (edit to the project's page)",
        1000,
        TARGET_PREVIEW_S,
        "s",
        lambda r: r.preview_median("page_s"),
        needs="the preview (not --no-preview)",
    ),
    Target("one change", 250, TARGET_CHANGE_250_S, "s", lambda r: r.median("change")),
    Target("one change", 1000, TARGET_CHANGE_1000_S, "s", lambda r: r.median("change")),
    Target("no change", 1000, TARGET_NO_CHANGE_S, "s", lambda r: r.median("warm")),
    Target("tree memory peak", 1000, TARGET_TREE_MIB, "MiB", lambda r: r.peak(tree=True) or None),
    Target(
        "largest week page",
        1000,
        TARGET_WEEK_PAGE_BYTES,
        "bytes",
        lambda r: None if r.week_page_bytes is None else float(r.week_page_bytes),
    ),
)


def judge(results: list[SizeResult]) -> list[dict[str, object]]:
    """Every target of issue 18 with its figure and verdict (``met`` None: not measured),
    then byte-identity of one change and cold at every size measured."""
    by_size = {r.projects: r for r in results}
    verdicts: list[dict[str, object]] = []
    for target in TARGETS:
        measured = by_size.get(target.size)
        value = target.value(measured) if measured is not None else None
        met = None
        if value is not None:
            met = value <= target.limit if target.inclusive else value < target.limit
        verdicts.append(
            {
                "target": target.describe(),
                "size": target.size,
                "limit": target.limit,
                "unit": target.unit,
                "value": value,
                "met": met,
                "shown": "" if value is None else target.shown(value),
                "missing": ""
                if value is not None
                else f"no {target.size:,} in --sizes"
                if measured is None
                else f"needs {target.needs}"
                if target.needs
                else "not measured",
            }
        )
    for r in results:
        verdicts.append(
            {
                "target": f"one change byte-identical to cold at {r.projects:,} projects",
                "size": r.projects,
                "limit": None,
                "unit": "",
                "value": None,
                "met": r.change_identical,
                "shown": "",
                "missing": "" if r.change_identical is not None else "not measured",
            }
        )
    return verdicts


def targets(results: list[SizeResult]) -> list[str]:
    """The verdicts as the lines printed under the table."""
    lines = []
    for verdict in judge(results):
        met = verdict["met"]
        if met is None:
            lines.append(f"- {verdict['target']}: not measured ({verdict['missing']})")
            continue
        shown = f" ({verdict['shown']})" if verdict["shown"] else ""
        lines.append(f"- {verdict['target']}: {'met' if met else 'NOT met'}{shown}")
    return lines


def _runs_per_size(text: str, sizes: list[int]) -> list[int]:
    counts = [int(x) for x in text.split(",") if x.strip()]
    if len(counts) == 1:
        return counts * len(sizes)
    if len(counts) != len(sizes):
        raise argparse.ArgumentTypeError("--runs needs one number, or one per size")
    return counts


def payload(
    results: list[SizeResult], started: dt.datetime, notes: dict[str, object]
) -> dict[str, object]:
    """The JSON copy of the run."""
    return {
        "started": started.isoformat(timespec="seconds"),
        "today": TODAY.isoformat(),
        **notes,
        "results": [
            {
                **asdict(r),
                "median": {
                    k: r.median(k) for k in ("cold", "warm", "change", "hugo", "hugo_pagefind")
                },
                "preview_median": {
                    k: r.preview_median(k)
                    for k in ("page_s", "site_s", "search_s", "settled_s", "error_s", "fixed_s")
                },
                "peak_mib": r.peak(),
                "tree_peak_mib": r.peak(tree=True),
                "hugo_pagefind_tree_peak_mib": r.median("hugo_pagefind", "tree_peak_mib"),
                "ratio": r.ratio("hugo"),
                "ratio_hugo_pagefind": r.ratio("hugo_pagefind"),
            }
            for r in results
        ],
        "targets": judge(results),
    }


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
        "--no-preview", action="store_true", help="skip the live preview's measurement"
    )
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
        else f"Hugo: {hugo_version(hugo)}; Pagefind: {pagefind_version()}"
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
            results.append(bench_size(size, count, work, code, hugo, not args.no_preview))
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
        "runs shown. Cold, ours and Hugo's alternating; Hugo + Pagefind = Hugo's build then "
        "Pagefind (extended, --force-language zh-cn) over its project pages. Preview page / "
        "site = seconds from an edit's write until `serve` shows it on the project's page / "
        "on the week page (the full rebuild); error page = from an invalid write until the "
        "error page. Peak = the largest high-water mark of one process (VmHWM), tree peak = "
        "the largest sum of PSS over the generator, its workers and Pagefind (sampled every "
        f"{SAMPLE_SECONDS:g} s); week page KB = the largest weekly digest, in 1,000 bytes."
    )
    differences = [d for r in results for d in r.differences]
    if differences:
        print()
        print("Outputs that should be byte-identical are not:")
        print("\n".join(f"- {d}" for d in differences))
    preview_problems = [f"{r.projects:,}: {p}" for r in results for p in r.preview_problems]
    if preview_problems:
        print()
        print("The preview misbehaved:")
        print("\n".join(f"- {p}" for p in preview_problems))
    print()
    print("Targets of issue 18:")
    print("\n".join(targets(results)))

    args.json.parent.mkdir(parents=True, exist_ok=True)
    notes: dict[str, object] = {
        "machine": host,
        "hugo": hugo_note,
        "code": code_note,
        "failure": failure,
    }
    text = json.dumps(payload(results, started, notes), indent=2, ensure_ascii=False)
    args.json.write_text(text + "\n", "utf-8")
    log(f"results: {args.json}")
    return 1 if failure or differences or preview_problems else 0


if __name__ == "__main__":
    sys.exit(main())
