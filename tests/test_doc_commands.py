"""Every command the README and docs/*.md show is run here, as the docs show it (issue 19;
sqlite-utils runs its documentation's commands the same way).

**What counts as a command** (:func:`harvest`, README.md and every docs/*.md):

- each line of a ```` ```sh ````, ```` ```bash ```` or ```` ```console ```` block, a line
  ending in ``\\`` joined with the next, blank and comment lines skipped, a trailing
  ``# comment`` dropped; a block whose first line is ``#!`` is one script, named by the path
  its first comment gives (``script /usr/local/bin/update-progress-site``);
- in a ```` ```text ```` block, each line starting with ``$ `` (continuations joined), with
  the output lines that follow it up to the next ``$ `` line or the end of the block;
- an inline code span outside the blocks that starts with ``make ``, ``progress-site ``,
  ``python -m generator `` or ``npx ``. A span holding ``…`` or ``<`` is a *synopsis*
  (``progress-site COMMAND …``), not a command: the synopsis of docs/command-line.md is
  compared with the parser by tests/test_docs.py, and
  :func:`test_synopses_are_the_parsers` checks that each synopsis span names that program.

**How each kind is run** (:data:`RUNNERS`, one pattern per command):

- the generator (``progress-site …``, ``python -m generator …``, one program: the console
  script is ``generator.cli:main``): for real, a subprocess of this Python with this checkout
  first on ``PYTHONPATH``, in a copy of the sample portfolio (site.yaml and projects/, one git
  commit). Output the docs show is compared, today's date in the site's time zone
  (Asia/Shanghai: the generator reads the clock there when a command has no ``--today``) put
  for the date of the day the doc was written. ``alerts sync`` talks to the GitLab stand-in
  (tests/gitlab_stub.py), as the job ``alerts`` runs it; ``serve`` gets ``--port 0`` (8000
  may be taken on a shared machine) and is stopped with Ctrl-C;
- ``make …``: ``make -n -B`` prints every recipe of the target and its prerequisites without
  running any (the Makefile never calls ``$(MAKE)``, the one thing ``-n`` would still run, so
  ``make -n test`` runs no test); the listing proves the target and its variables exist and
  expand to what the docs say it runs. For ``make site`` and ``make check`` the generator
  command the recipe prints is then run in the sample's copy;
- ``.venv/bin/pybabel …``: in a copy of theme/, generator/ and babel.cfg, with this
  environment's pybabel;
- ``npx gitlab-ci-local --list …``: as written (npm told never to fetch), in a fresh
  repository holding .gitlab-ci.yml and a link to node_modules/; skipped when node_modules
  is missing, failed instead under ``CI=true``, as in tests/test_gitlab_ci.py;
- ``curl`` and the deploy script of docs/gitlab.md: for real, by ``sh``, against the GitLab
  stand-in, with the doc's server, token and paths replaced as :func:`placeholders` says.

**A new command in the docs** fails :func:`test_every_command_shown_has_one_runner` until it
has a runner: add a pattern and a function to :data:`RUNNERS` (the table of ``make`` targets,
:data:`MAKE`, takes a line) that runs it and asserts its outcome.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from generator import pipeline
from tests.conftest import REPO
from tests.gitlab_stub import GitLabStub
from tests.gitrepo import git_env

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PREFIXES = ("make ", "progress-site ", "python -m generator ", "npx ")
SHELLS = ("sh", "bash", "console")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
DOC_DAY = "2026-12-04"
"""The day docs/command-line.md's ``report add`` example was run (it has no ``--today``)."""


# --- the harvest ----------------------------------------------------------------------------


@dataclass
class Shown:
    """A command as the docs show it."""

    key: str
    """The command, continuations joined; for a script ``script <its path>``."""
    text: str
    """What is run: the command, or the script's whole text."""
    output: str | None = None
    """The output shown after a ``$ `` line."""
    places: list[str] = field(default_factory=list)


def _pieces(text: str) -> Iterator[tuple[str | None, int, list[str]]]:
    """(a block's language, or None for prose; its first line's number; its lines)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if m := FENCE.match(lines[i]):
            indent, lang = len(m.group(1)), m.group(2)
            end = i + 1
            while end < len(lines) and not FENCE.match(lines[end]):
                end += 1
            yield lang, i + 2, [line[indent:] for line in lines[i + 1 : end]]
            i = end + 1
            continue
        start = i
        while i < len(lines) and not FENCE.match(lines[i]):
            i += 1
        yield None, start + 1, lines[start:i]


def _joined(lines: list[str], i: int) -> tuple[str, int]:
    """The command starting at ``lines[i]`` with its ``\\`` continuations, and the next index."""
    command = lines[i].rstrip()
    while command.endswith("\\") and i + 1 < len(lines):
        i += 1
        command = command[:-1].rstrip() + " " + lines[i].strip()
    return command, i + 1


def _without_comment(command: str) -> str:
    found = re.search(r"\s+#\s", command)
    return command[: found.start()].strip() if found else command.strip()


def harvest(docs: dict[str, str]) -> tuple[dict[str, Shown], dict[str, list[str]]]:
    """Every command the docs (name → text) show, by key, and every synopsis span with its
    places."""
    commands: dict[str, Shown] = {}
    synopses: dict[str, list[str]] = {}

    def add(key: str, text: str, place: str, output: str | None = None) -> None:
        shown = commands.setdefault(key, Shown(key, text, output))
        assert (shown.text, shown.output) == (text, output), f"{place}: {key} shown twice"
        shown.places.append(place)

    for name, content in docs.items():
        for lang, first, lines in _pieces(content):
            if lang in SHELLS:
                if lines and lines[0].startswith("#!"):
                    path = next(line for line in lines[1:] if line.startswith("#"))
                    path = path.lstrip("# ").split(":")[0]
                    add(f"script {path}", "\n".join(lines) + "\n", f"{name}:{first}")
                    continue
                i = 0
                while i < len(lines):
                    at = first + i
                    command, i = _joined(lines, i)
                    command = _without_comment(command)
                    if command and not command.startswith("#"):
                        add(command, command, f"{name}:{at}")
            elif lang == "text":
                i = 0
                while i < len(lines):
                    if not lines[i].startswith("$ "):
                        i += 1
                        continue
                    at = first + i
                    command, i = _joined(lines, i)
                    output = []
                    while i < len(lines) and not lines[i].startswith("$ "):
                        output.append(lines[i] + "\n")
                        i += 1
                    add(command[2:], command[2:], f"{name}:{at}", "".join(output))
            elif lang is None:
                paragraphs = "\n".join(lines).split("\n\n")
                at = first
                for paragraph in paragraphs:
                    for m in re.finditer(r"`([^`]+)`", paragraph):
                        span = " ".join(m.group(1).split())
                        place = f"{name}:{at + paragraph.count(chr(10), 0, m.start())}"
                        if not span.startswith(PREFIXES):
                            continue
                        if "…" in span or "<" in span:
                            synopses.setdefault(span, []).append(place)
                        else:
                            add(span, span, place)
                    at += paragraph.count("\n") + 2
    return commands, synopses


def read_docs() -> dict[str, str]:
    return {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in DOCS}


COMMANDS, SYNOPSES = harvest(read_docs())


# --- running ----------------------------------------------------------------------------------


def environ(**extra: str) -> dict[str, str]:
    """This environment without a forge's or CI's variables (a CI job's must not leak into
    the commands) and without colour, this checkout's code first."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "GITLAB", "CI_", "PROGRESS_SITE_", "GCL_"))
        and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "OUT", "PYTHON", "BENCH_ARGS")
        and k != "FUZZ_EXAMPLES"  # make's variables: the docs' values, not this shell's
        and k not in ("FORCE_COLOR", "CLICOLOR_FORCE")  # a CI forces colour; the words count
    }
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return {**env, **extra}


def argv(command: str | list[str]) -> list[str]:
    """The command's words, the generator run by this Python."""
    words = shlex.split(command) if isinstance(command, str) else command
    if words[:3] == ["python", "-m", "generator"]:
        return [sys.executable, *words[1:]]
    if words[0] == "progress-site":
        return [sys.executable, "-m", "generator", *words[1:]]
    if words[0].startswith(".venv/bin/"):  # the checkout's environment: this one
        return [
            str(Path(sys.executable).with_name(words[0].removeprefix(".venv/bin/"))),
            *words[1:],
        ]
    return words


def run(
    command: str | list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv(command),
        cwd=cwd,
        env=env or environ(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, f"exit code {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample portfolio, site.yaml and projects/, in one git commit (the
    build reads each milestone's history from git)."""
    root = tmp_path_factory.mktemp("sample") / "portfolio"
    root.mkdir()
    shutil.copy2(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "projects", root / "projects")
    env = git_env("2026-01-05T09:00:00+08:00")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "sample"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return root


@dataclass
class Place:
    """Where a runner works: its own temporary folder and the sample to copy from."""

    tmp: Path
    template: Path

    def sample(self) -> Path:
        """A fresh copy of the sample portfolio (with its git history)."""
        copy = self.tmp / "portfolio"
        shutil.copytree(self.template, copy, symlinks=True)
        return copy


Run = Callable[[Shown, Place], None]


def site_today(root: Path) -> set[str]:
    """Today in the site's time zone: the day it is now, and the day after when the test
    runs a few seconds before midnight there."""
    first = pipeline.today_in_site_zone(root)
    return {first.isoformat(), (first + dt.timedelta(days=1)).isoformat()}


# --- the generator ------------------------------------------------------------------------------


def run_report_add(shown: Shown, place: Place) -> None:
    """docs/command-line.md's ``report add`` example prints what the doc shows (the day it
    runs for the doc's day) and leaves a valid file with the report in it."""
    root = place.sample()
    days = site_today(root)
    done = ok(run(shown.text, root))
    assert shown.output is not None
    today = next(d for d in days if d in done.stdout)
    assert done.stdout == shown.output.replace(DOC_DAY, today)
    edited = (root / "projects" / "asset-inventory.yaml").read_text(encoding="utf-8")
    assert f"  - date: {today}\n    kind: problem\n    text: 报废审批周期较长\n" in edited
    ok(run(["python", "-m", "generator", "check"], root))


def run_schema(shown: Shown, place: Place) -> None:
    """``schema --out schema`` writes what the repository keeps in schema/."""
    root = place.sample()
    ok(run(shown.text, root))
    kept = {p.name: p.read_bytes() for p in (REPO / "schema").iterdir()}
    assert {p.name: p.read_bytes() for p in (root / "schema").iterdir()} == kept


def run_forms(shown: Shown, place: Place) -> None:
    """``forms`` writes the issue form the repository keeps."""
    root = place.sample()
    done = ok(run(shown.text, root))
    assert ".github/ISSUE_TEMPLATE/report.yml" in done.stdout
    written = root / ".github" / "ISSUE_TEMPLATE" / "report.yml"
    assert written.read_bytes() == (REPO / ".github" / "ISSUE_TEMPLATE" / "report.yml").read_bytes()


def built(root: Path, out: Path, as_of: set[str]) -> None:
    """A whole site in ``out``, as of one of those dates."""
    for page in ("index.html", "data.json", "ledger.xlsx", "pagefind/pagefind.js"):
        assert (out / page).is_file(), page
    assert json.loads((out / "data.json").read_text(encoding="utf-8"))["as_of"] in as_of
    projects = {p.stem for p in (root / "projects").glob("*.yaml")}
    assert {p.name for p in (out / "projects").iterdir() if p.is_dir()} >= projects


def run_build(shown: Shown, place: Place) -> None:
    """``build --today 2026-11-25`` (docs/performance.md) builds the sample into _site/."""
    root = place.sample()
    done = ok(run(shown.text, root))
    assert "2026-11-25" in done.stdout and str(root / "_site" / "index.html") in done.stdout
    built(root, root / "_site", {"2026-11-25"})


def run_serve(shown: Shown, place: Place) -> None:
    """``serve`` (with ``--port 0``) serves the built sample on 127.0.0.1 and Ctrl-C stops
    it with exit code 0."""
    root = place.sample()
    proc = subprocess.Popen(
        [*argv(shown.text), "--port", "0"],
        cwd=root,
        env=environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        # Ctrl-C must reach it even when the test runner was started with SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: list[str] = []
    url: list[str] = []
    started = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if not url and (m := re.search(r"http://127\.0\.0\.1:\d+/", line)):
                url.append(m.group())
                started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(60) and url, "".join(lines)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url[0], timeout=10) as page:
            assert page.status == 200
            assert "重点工作攻坚突破项目进展" in page.read().decode("utf-8")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait(timeout=30)
        reader.join(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()
    assert code == 0, "".join(lines)
    assert "Traceback" not in "".join(lines)


def examples(doc: str) -> list[tuple[str, str, str]]:
    """docs/project-files.md's small files and the messages shown after each: (heading,
    file, messages), each ```yaml block followed directly by a ```text block."""
    found = []
    pieces = [p for p in _pieces(doc) if p[0] is not None or any(x.strip() for x in p[2])]
    heading = ""
    for before, after in itertools.pairwise(pieces):
        if before[0] is None:
            headings = [x for x in before[2] if x.startswith("**") and x.endswith("**")]
            heading = headings[-1].strip("*") if headings else heading
        if before[0] == "yaml" and after[0] == "text":
            found.append((heading, "\n".join(before[2]) + "\n", "\n".join(after[2]) + "\n"))
    return found


EXAMPLE_SITE = """\
title: 示例
organization: 示例大学
language: en
timezone: Asia/Shanghai
departments:
  - id: academic-affairs
    name: 教务处
  - id: personnel
    name: 人事处
"""


def as_utf8(text: str) -> bytes:
    return text.encode("utf-8")


AS_SAVED: dict[str, Callable[[str], bytes]] = {
    "A file saved as GBK instead of UTF-8": lambda text: text.encode("gbk"),
    "An invisible control character (an ESC pasted from a terminal, between 一流 and 本科)": (
        lambda text: as_utf8(text.replace("\\x1b", "\x1b"))
    ),
}
"""The files docs/project-files.md can only describe: its heading → the file's bytes."""


def run_error_examples(shown: Shown, place: Place) -> None:
    """docs/project-files.md: each small file of "Common errors", checked with the doc's
    command against a site.yaml declaring 教务处 and 人事处, prints the messages the doc
    copies. All in one run: each file named as its messages name it, projects/example.yaml
    written as projects/example-N.yaml."""
    doc = (REPO / "docs" / "project-files.md").read_text(encoding="utf-8")
    section = doc.split("\n## Common errors", 1)[1].split("\n## ", 1)[0]
    cases = examples(section)
    assert len(cases) >= 40, "the examples of docs/project-files.md were not found"
    root = place.tmp / "examples"
    (root / "projects").mkdir(parents=True)
    (root / "site.yaml").write_text(EXAMPLE_SITE, encoding="utf-8")
    names = []
    for n, (heading, text, messages) in enumerate(cases, 1):
        name = re.match(r"projects/([^:]+):", messages)
        assert name, messages
        written = f"example-{n:02d}.yaml" if name.group(1) == "example.yaml" else name.group(1)
        (root / "projects" / written).write_bytes(AS_SAVED.get(heading, as_utf8)(text))
        names.append((f"projects/{written}:", f"projects/{name.group(1)}:"))
    assert len({written for written, _ in names}) == len(cases)
    done = run(shown.text, root)
    assert done.returncode == 1, done.stderr
    printed = done.stdout + done.stderr
    wrong = []
    for (heading, _, messages), (written, named) in zip(cases, names, strict=True):
        got = "".join(
            line.replace(written, named) + "\n"
            for line in printed.splitlines()
            if line.startswith(written)
        )
        if got != messages:
            wrong.append(f"{heading}:\n  the doc: {messages!r}\n  printed: {got!r}")
    assert wrong == []


def run_check_gitlab(shown: Shown, place: Place) -> None:
    """``check --format gitlab`` prints a GitLab Code Quality report (the format's schema,
    tests/gitlab-codequality.schema.json): as of today the sample's overdue milestones,
    each ``minor``."""
    import jsonschema

    root = place.sample()
    report = json.loads(ok(run(shown.text, root)).stdout)
    schema = json.loads((REPO / "tests" / "gitlab-codequality.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    overdue = json.loads(ok(run("python -m generator check --format json", root)).stdout)
    assert len(overdue["overdue"]) > 0
    kinds = [(e["check_name"], e["severity"]) for e in report]
    assert kinds.count(("progress-site/overdue", "minor")) == len(overdue["overdue"])


def run_alerts_sync(shown: Shown, place: Place) -> None:
    """``alerts sync`` in GitLab's job ``alerts`` (docs/gitlab.md): against the stand-in, it
    opens one labelled issue per department behind, and a second run changes nothing."""
    root = place.sample()
    stub = GitLabStub(project_path="university/progress").start()
    try:
        env = environ(
            GITLAB_CI="true",
            CI_SERVER_URL=stub.url,
            CI_PROJECT_PATH=stub.project_path,
            PROGRESS_SITE_TOKEN=stub.token,
        )
        first = ok(run(shown.text, root, env))
        opened = stub.opened()
        assert opened and all(issue["labels"] == ["督办提醒"] for issue in opened)
        assert first.stdout.splitlines()[-1].startswith(f"告诫提醒同步：新开 {len(opened)} 个")
        stub.requests.clear()
        ok(run(shown.text, root, env))
        assert stub.writes == []
    finally:
        stub.stop()


# --- make -------------------------------------------------------------------------------------

MAKE: dict[str, list[str]] = {
    "make site": ["-m generator build --root . --out _site"],
    "make site PYTHON=python3.12": ["python3.12 -m venv .venv", "-m generator build --root ."],
    "make test": [
        "-m ruff check generator tests",
        "-m ruff format --check generator",
        "-m mypy generator",
        "zizmor --offline --strict-collection .github",
        "npm ci --ignore-scripts",
        "-m pytest",
    ],
    "make lint": ["-m ruff check generator tests", "-m ruff format --check generator"],
    "make typecheck": ["-m mypy generator"],
    "make audit": ["zizmor --offline --strict-collection .github"],
    "make unit": ["apt-get install", "npm ci --ignore-scripts", "-m pytest"],
    "make browser-deps": ["apt-get install", "npm ci --ignore-scripts"],
    "make check": ["-m generator check --root ."],
    "make fuzz": ["FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-100000}", "-m pytest tests/test_properties.py"],
    "make bench": ["apt-get install hugo", "-m tests.bench.bench\n"],
    'make bench BENCH_ARGS="--sizes 100,250 --runs 5"': [
        "-m tests.bench.bench --sizes 100,250 --runs 5\n"
    ],
    'make bench BENCH_ARGS="--runs 3,3,3,1"': ["-m tests.bench.bench --runs 3,3,3,1\n"],
    "make clean": ["rm -rf _site .cache"],
}
"""Each ``make`` command of the docs → what its dry run must show, in this order (what the
docs say the target does); ``\\n`` ends a line (trailing spaces dropped)."""


def run_make(shown: Shown, place: Place) -> None:
    done = ok(run(["make", "-n", "-B", "-C", str(REPO), *shlex.split(shown.text)[1:]], REPO))
    listing = "".join(line.rstrip() + "\n" for line in done.stdout.splitlines())
    at = 0
    for expected in MAKE[shown.key]:
        found = listing.find(expected, at)
        assert found >= 0, f"{expected!r} not in the dry run (after {at}):\n{listing}"
        at = found + len(expected)
    if shown.key not in ("make site", "make check"):
        return
    # the generator command the recipe prints, run in the sample's copy
    [line] = [x for x in done.stdout.splitlines() if " -m generator " in x]
    root = place.sample()
    days = site_today(root)
    result = ok(run(line.replace(".venv/bin/python -m generator", "python -m generator"), root))
    if shown.key == "make site":  # "prints where to open it"
        assert "_site/index.html" in result.stdout
        built(root, root / "_site", days)
    else:  # "validate projects/ and list overdue and due-soon milestones"
        assert "projects/asset-inventory.yaml:" in result.stdout


# --- translations -------------------------------------------------------------------------------


def catalog_copy(place: Place) -> Path:
    root = place.tmp / "catalog"
    root.mkdir()
    shutil.copy2(REPO / "babel.cfg", root)
    for folder in ("theme", "generator"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run_extract(shown: Shown, place: Place) -> None:
    """The extract writes exactly the committed messages.pot."""
    root = catalog_copy(place)
    (root / "theme" / "locale" / "messages.pot").unlink()
    ok(run(shown.text, root))
    pot = "theme/locale/messages.pot"
    assert (root / pot).read_bytes() == (REPO / pot).read_bytes()


def run_update(shown: Shown, place: Place) -> None:
    """The update against the committed messages.pot changes no translation: every message
    and its Chinese, flags and comments stay, none new, fuzzy or obsolete. (Not byte for
    byte: pybabel writes the catalog in its own layout, see docs/development.md.)"""
    from babel.messages.pofile import read_po

    def messages(path: Path) -> dict[object, tuple[object, ...]]:
        with path.open("rb") as file:
            catalog = read_po(file)
        assert not catalog.obsolete
        return {
            m.id: (m.string, sorted(m.flags), " ".join(" ".join(m.user_comments).split()))
            for m in catalog
            if m.id
        }

    root = catalog_copy(place)
    po = "theme/locale/zh_CN/LC_MESSAGES/messages.po"
    done = ok(run(shown.text, root))
    assert f"updating catalog {po}" in done.stdout + done.stderr
    after = messages(root / po)
    assert after == messages(REPO / po)
    assert all(string and "fuzzy" not in flags for string, flags, _ in after.values())


# --- GitLab ---------------------------------------------------------------------------------------


def need(*tools: Path | str) -> None:
    """Skip, saying why, when a tool is missing: fail instead under CI (``CI=true``), as
    tests/test_gitlab_ci.py does."""
    missing = [
        str(t) for t in tools if not (t.is_file() if isinstance(t, Path) else shutil.which(t))
    ]
    if missing:
        message = f"{', '.join(missing)} missing (make browser-deps installs node_modules/)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"CI is set and {message}", pytrace=False)
        pytest.skip(message)


def pipeline_jobs(doc: str) -> dict[str, set[str]]:
    """docs/gitlab.md's table "What the pipeline does": pipeline → its jobs."""
    table = doc.split("## What the pipeline does", 1)[1].split("\n\n")[1]
    rows = [row.split("|")[1:3] for row in table.splitlines()[2:]]
    return {cell.strip(): set(re.findall(r"`([a-z-]+)`", jobs)) for cell, jobs in rows}


PIPELINES = {
    "npx gitlab-ci-local --list": "A push to the default branch (`main`)",
    "npx gitlab-ci-local --list --variable CI_PIPELINE_SOURCE=schedule": "The daily schedule",
}


def run_gitlab_ci_local(shown: Shown, place: Place) -> None:
    """gitlab-ci-local lists, for each kind of pipeline, the jobs docs/gitlab.md's table
    says it runs."""
    need("npx", REPO / "node_modules" / "gitlab-ci-local" / "src" / "index.js")
    folder = place.tmp / "repo"
    folder.mkdir()
    for name in (".gitlab-ci.yml", "package.json", "package-lock.json"):
        shutil.copy2(REPO / name, folder / name)
    (folder / "node_modules").symlink_to(REPO / "node_modules")
    env = git_env("2026-01-05T09:00:00+08:00")
    for args in (["init", "-q", "-b", "main"], ["add", ".gitlab-ci.yml"], ["commit", "-qm", "ci"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)
    listed = ok(run(shown.text, folder, environ(npm_config_yes="false", npm_config_offline="true")))
    lines = listed.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["name", "description"])
    jobs = {line.split()[0] for line in lines[header + 1 :] if line.strip()}
    doc = (REPO / "docs" / "gitlab.md").read_text(encoding="utf-8")
    assert jobs == pipeline_jobs(doc)[PIPELINES[shown.key]]


TOKEN = "glpat-doc-commands"


def placeholders(stub: GitLabStub, tmp: Path) -> dict[str, str]:
    """What docs/gitlab.md writes for the reader's own values → what this test uses."""
    return {
        "https://git.example.edu.cn": stub.url,  # the GitLab server
        "<your token>": stub.token,
        "<project number>": str(stub.project_id),
        "/etc/progress-site/token": str(tmp / "token"),  # the file holding the token
        "/srv/progress": str(tmp / "srv"),  # the web server's folder
    }


def filled(text: str, stub: GitLabStub, tmp: Path) -> str:
    for placeholder, value in placeholders(stub, tmp).items():
        text = text.replace(placeholder, value)
    assert not re.search(r"<[a-z ]+>|example\.edu\.cn|/srv/progress|/etc/progress", text), text
    return text


def run_schedule(shown: Shown, place: Place) -> None:
    """The API call of docs/gitlab.md creates the schedule its table describes."""
    need("curl")
    stub = GitLabStub(project_path="university/progress", token=TOKEN).start()
    try:
        done = ok(run(filled(shown.text, stub, place.tmp), place.tmp))
        [schedule] = stub.schedules
        assert json.loads(done.stdout) == schedule
        assert [r.token for r in stub.requests] == [TOKEN]
    finally:
        stub.stop()
    doc = (REPO / "docs" / "gitlab.md").read_text(encoding="utf-8")
    assert f"| Description | `{schedule['description']}` |" in doc
    assert f"**Custom**: `{schedule['cron']}` (00:05 every day)" in doc
    assert f"({schedule['cron_timezone']};" in doc
    assert schedule["ref"] == "main" and schedule["active"] is True


def artifact(n: int, index: bool = True) -> bytes:
    """What the job ``build`` keeps: public/ with the site; ``n`` tells the builds apart."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("public/", "")
        if index:
            archive.writestr("public/index.html", f"<!doctype html><title>build {n}</title>\n")
        archive.writestr("public/data.json", json.dumps({"build": n}))
    return buffer.getvalue()


def run_deploy(shown: Shown, place: Place) -> None:
    """The deploy script of docs/gitlab.md, run by cron on the web server: it swaps the
    latest artifact in as ``$site/current``; run again it swaps in the newer one and keeps
    the two newest builds; a failed download, or a download that is not a site, leaves the
    site as it was."""
    need("curl", "unzip")
    stub = GitLabStub(project_path="university/progress", token=TOKEN).start()
    try:
        script = place.tmp / "update-progress-site"
        script.write_text(filled(shown.text, stub, place.tmp), encoding="utf-8")
        (place.tmp / "token").write_text(TOKEN + "\n", encoding="utf-8")
        site = place.tmp / "srv"
        site.mkdir()
        current = site / "current"
        for n in range(1, 5):
            stub.artifacts[("main", "build")] = artifact(n)
            ok(run(["sh", str(script)], place.tmp))
            assert current.is_symlink() and current.resolve().name == "public"
            assert current.resolve().parent.name.startswith(".new-")
            assert (current / "index.html").read_text() == (
                f"<!doctype html><title>build {n}</title>\n"
            )
            assert len(list(site.glob(".new-*"))) == min(n, 2)
            assert sorted(p.name for p in site.iterdir() if not p.name.startswith(".new-")) == [
                "current"
            ]
            time.sleep(0.01)  # the builds are told apart by their times
        served = current.resolve()
        stub.artifacts[("main", "build")] = artifact(5, index=False)  # not a site
        failed = run(["sh", str(script)], place.tmp)
        assert failed.returncode != 0 and current.resolve() == served
        stub.artifacts.clear()  # GitLab has none (expired, or the job failed)
        failed = run(["sh", str(script)], place.tmp)
        assert failed.returncode != 0 and "404" in failed.stderr
        assert current.resolve() == served and (current / "index.html").is_file()
        downloads = [r for r in stub.requests if r.path.endswith("/download")]
        assert {r.token for r in downloads} == {TOKEN}
        assert {r.path for r in downloads} == {"/projects/{project}/jobs/artifacts/main/download"}
    finally:
        stub.stop()


# --- which runner runs which command ------------------------------------------------------------


def exact(*commands: str) -> str:
    return "|".join(re.escape(c) for c in commands)


RUNNERS: list[tuple[str, Run]] = [
    (exact(*MAKE), run_make),
    (r"python -m generator report add asset-inventory .*", run_report_add),
    (exact("python -m generator schema --out schema"), run_schema),
    (exact("python -m generator forms"), run_forms),
    (exact("python -m generator build --today 2026-11-25"), run_build),
    (exact("python -m generator serve"), run_serve),
    (exact("python -m generator check --lang en --today 2026-11-25"), run_error_examples),
    (exact("progress-site check --format gitlab"), run_check_gitlab),
    (exact("progress-site alerts sync"), run_alerts_sync),
    (r"\.venv/bin/pybabel extract .*", run_extract),
    (r"\.venv/bin/pybabel update .*", run_update),
    (exact(*PIPELINES), run_gitlab_ci_local),
    (r"curl --request POST .*/pipeline_schedules\"", run_schedule),
    (exact("script /usr/local/bin/update-progress-site"), run_deploy),
]
"""A pattern (matched against a command's key as a whole) → the function that runs it."""


def runners_of(key: str) -> list[Run]:
    return [runner for pattern, runner in RUNNERS if re.fullmatch(pattern, key, re.S)]


HOW_TO_ADD = (
    "add a runner to RUNNERS in tests/test_doc_commands.py (for a make target, a line in "
    "MAKE) that runs the command and asserts what the doc says it does"
)


def test_every_command_shown_has_one_runner() -> None:
    """The commands the docs show are the commands run here: none without a runner, none
    with two, and no runner left without a command."""
    assert len(COMMANDS) >= 25, "the harvest found too few commands"
    without = {k: v.places for k, v in COMMANDS.items() if not runners_of(k)}
    assert not without, f"commands shown in the docs and not run: {without}; {HOW_TO_ADD}"
    twice = [k for k in COMMANDS if len(runners_of(k)) > 1]
    assert twice == []
    idle = [p for p, _ in RUNNERS if not any(re.fullmatch(p, k, re.S) for k in COMMANDS)]
    idle += [k for k in MAKE if k not in COMMANDS] + [k for k in PIPELINES if k not in COMMANDS]
    assert idle == [], "runners whose command the docs no longer show"


def test_synopses_are_the_parsers() -> None:
    """A span holding ``…`` or ``<`` is a synopsis: the program, ``COMMAND`` and ``…`` (its
    commands and options are compared with the parser by tests/test_docs.py), and
    ``progress-site`` is ``python -m generator``."""
    from tests import test_docs

    assert SYNOPSES == {
        "python -m generator COMMAND …": ["docs/command-line.md:3"],
        "progress-site COMMAND …": ["docs/command-line.md:3"],
    }
    test_docs.test_the_command_lines_synopsis_shows_every_command_and_option()
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '\nprogress-site = "generator.cli:main"\n' in pyproject
    main = (REPO / "generator" / "__main__.py").read_text(encoding="utf-8")
    assert "from generator.cli import main\n" in main


def test_the_harvest_reads_blocks_prompts_and_spans() -> None:
    doc = (
        "Run `make site` or `progress-site COMMAND …`, not `ruff`;\n"
        "`python -m generator\ncheck` too.\n\n"
        "```sh\nmake a \\\n  B=1   # why\n# a comment\n\nnpx x\n```\n\n"
        "```text\n$ progress-site x \\\n    --y\nout 1\nout 2\n$ make z\n```\n\n"
        "```sh\n#!/bin/sh\n# /usr/bin/thing: does it\nset -eu\n```\n"
    )
    commands, synopses = harvest({"d.md": doc})
    assert {k: (v.output, v.places) for k, v in commands.items()} == {
        "make site": (None, ["d.md:1"]),
        "python -m generator check": (None, ["d.md:2"]),
        "make a B=1": (None, ["d.md:6"]),
        "npx x": (None, ["d.md:10"]),
        "progress-site x --y": ("out 1\nout 2\n", ["d.md:14"]),
        "make z": ("", ["d.md:18"]),
        "script /usr/bin/thing": (None, ["d.md:22"]),
    }
    assert (
        commands["script /usr/bin/thing"].text == "#!/bin/sh\n# /usr/bin/thing: does it\nset -eu\n"
    )
    assert synopses == {"progress-site COMMAND …": ["d.md:1"]}


@pytest.mark.parametrize("key", sorted(COMMANDS), ids=lambda k: k[:60])
def test_the_command_shown_runs(key: str, tmp_path: Path, sample_template: Path) -> None:
    found = runners_of(key)
    if len(found) != 1:
        pytest.fail(f"{key} ({COMMANDS[key].places}) has {len(found)} runners; {HOW_TO_ADD}")
    found[0](COMMANDS[key], Place(tmp_path, sample_template))
