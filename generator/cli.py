"""The command line: a thin shell over :mod:`generator.pipeline`.

Exit codes: 0 done; 1 invalid input (or, for ``check --fail-on``, something to fail on);
2 a usage error. Library errors become exit codes here and nowhere else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from generator import alerts, diff, forge, pipeline, render, report, scaffold, schema, serve, write
from generator.models import SiteConfig


def _date(text: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in the form YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="progress-site",
        description="Build and check a static progress site from one YAML file per project.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--root",
            type=Path,
            default=Path("."),
            help="folder holding site.yaml and projects/ (default: .)",
        )
        sub.add_argument(
            "--today",
            type=_date,
            default=None,
            help="the date to compute status for, YYYY-MM-DD "
            "(default: today in the site's time zone)",
        )
        sub.add_argument(
            "--lang",
            choices=["zh-CN", "en"],
            default=None,
            help="language of error messages (default: the site's language)",
        )

    build = commands.add_parser("build", help="validate every file and build the site")
    common(build)
    build.add_argument(
        "--out", type=Path, default=None, help="output folder (default: _site under the root)"
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="build even when nothing has changed since the last build into the same folder",
    )
    build.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="worker processes to render with (default: every core, for 20 projects or more)",
    )

    check = commands.add_parser(
        "check", help="validate every file and list overdue and due-soon milestones"
    )
    common(check)
    check.add_argument(
        "--format",
        choices=["text", "github", "json"],
        default="text",
        help="text for people, github for workflow annotations, json for tools",
    )
    check.add_argument(
        "--fail-on",
        choices=["error", "overdue", "stale"],
        action="append",
        default=None,
        help="exit 1 on invalid input (error, the default), also when a milestone is overdue "
        "(overdue), or also when an active project has no recent note (stale; the stale "
        "projects are then listed); may be given more than once",
    )
    _serve_parser(commands, common)
    _diff_parser(commands, common)
    _alerts_parser(commands, common)
    _schema_parser(commands)
    _new_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command line; a bug in the generator is reported in one line, not a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("PROGRESS_SITE_DEBUG"):
            raise
        print(
            f"progress-site: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in the generator, not in your files. Please report it with the "
            "command you ran; PROGRESS_SITE_DEBUG=1 shows the details.",
            file=sys.stderr,
        )
        return 1


def _main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help
        return int(exc.code or 0)
    root: Path = args.root
    if not root.is_dir():
        print(f"progress-site: error: --root {root} is not a folder", file=sys.stderr)
        return 2
    root = root.absolute()
    if args.command == "serve":
        return _serve(root, args.port, args.today, args.lang)
    if args.command == "schema":
        return _schema(root, args.out, args.check)
    if args.command == "new":
        return _new(root, args.id, args.title, args.lead)
    today: dt.date = args.today or pipeline.today_in_site_zone(root)
    lang: str = args.lang or pipeline.site_language(root)
    if args.command == "build":
        return _build(root, args.out or root / "_site", today, lang, args.force, args.jobs)
    if args.command == "diff":
        return _diff(root, args.base, today, lang, args.format)
    if args.command == "alerts" and args.alerts_command == "plan":
        return _alerts_plan(root, today, lang, args.format)
    return _check(root, today, lang, args.format, set(args.fail_on or ["error"]))


def _build(root: Path, out: Path, today: dt.date, lang: str, force: bool, jobs: int | None) -> int:
    try:
        result = pipeline.build_site(root, out, today, workers=jobs, force=force)
    except pipeline.BuildError as exc:
        report.print_diagnostics(exc.diagnostics, lang, sys.stderr)
        print(report.failed_line(len(exc.diagnostics), lang), file=sys.stderr)
        return 1
    except render.ThemeError as exc:
        print(report.theme_failed(exc, lang), file=sys.stderr)
        return 1
    except write.UnsafeDestination as exc:
        print(f"progress-site: error: refusing to build there: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(report.write_failed(exc, lang), file=sys.stderr)
        return 1
    report.print_diagnostics(result.warnings, lang, sys.stderr)
    print(report.built_line(result, out, lang))
    return 0


def _check(root: Path, today: dt.date, lang: str, fmt: str, fail_on: set[str]) -> int:
    stale = "stale" in fail_on
    try:
        state, warnings = pipeline.check(root, today)
    except pipeline.BuildError as exc:
        report.emit_check(fmt, lang, exc.diagnostics, None, _summary_path(), stale=stale)
        return 1
    report.emit_check(fmt, lang, warnings, state, _summary_path(), stale=stale)
    if "overdue" in fail_on and report.overdue(state):
        return 1
    if stale and report.stale(state):
        return 1
    return 0


def _serve_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    sub = commands.add_parser(
        "serve",
        help="live preview: build, serve on 127.0.0.1 and rebuild on every change",
    )
    common(sub)
    sub.add_argument(
        "--port",
        type=_port,
        default=serve.DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default: {serve.DEFAULT_PORT}; 0 picks a free one)",
    )


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0-65535)")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes (1 or more)")
    return value


def _serve(root: Path, port: int, today: dt.date | None, lang: str | None) -> int:
    """Serve until Ctrl-C; ``today`` and ``lang`` left out follow the clock and the site."""
    words = lang or pipeline.site_language(root)
    preview = serve.Preview(root, port=port, today=today, lang=lang)
    try:
        try:
            preview.start()
        except write.UnsafeDestination as exc:
            print(f"progress-site: error: refusing to build there: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"progress-site: error: cannot serve: {exc}", file=sys.stderr)
            return 1
        print(serve.serving_line(preview, words), flush=True)
        preview.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        preview.close()
    print(serve.stopped_line(words), flush=True)
    return 0


# --- diff: what a change to the project files does ----------------------------------------


def _diff_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    sub = commands.add_parser(
        "diff",
        help="say in plain words what the working tree changes in the project files "
        "compared with a git revision (for pull requests)",
    )
    common(sub)
    sub.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="the git revision to compare with, e.g. origin/main",
    )
    sub.add_argument(
        "--format",
        choices=list(diff.FORMATS),
        default="text",
        help="text for people, markdown for a pull request's comment and job summary, "
        "json for tools",
    )


def _diff(root: Path, base: str, today: dt.date, lang: str, fmt: str) -> int:
    try:
        summary = diff.summarise(root, base, today)
    except diff.RevisionError as exc:
        print(f"progress-site diff: error: {exc}", file=sys.stderr)
        return 2
    except pipeline.BuildError as exc:
        report.print_diagnostics(exc.diagnostics, lang, sys.stderr)
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        print(report.word("invalid", lang, n=len(errors)), file=sys.stderr)
        return 1
    sys.stdout.write(diff.FORMATS[fmt](summary, lang))
    return 0


# --- alerts: 告诫提醒, one issue per department falling behind ---------------------------------


def _alerts_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    sub = commands.add_parser(
        "alerts",
        help="progress alerts (告诫提醒): one issue per department falling behind",
    )
    actions = sub.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    plan = actions.add_parser(
        "plan",
        help="print the alert each department falling behind should have today (nothing is sent)",
    )
    common(plan)
    plan.add_argument(
        "--format",
        choices=list(alerts.FORMATS),
        default="text",
        help="text for people, markdown for a job summary, json for tools (the whole plan)",
    )


def _alerts_plan(root: Path, today: dt.date, lang: str, fmt: str) -> int:
    try:
        state, warnings = pipeline.check(root, today)
    except pipeline.BuildError as exc:
        report.print_diagnostics(exc.diagnostics, lang, sys.stderr)
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        print(report.word("invalid", lang, n=len(errors)), file=sys.stderr)
        return 1
    report.print_diagnostics(warnings, lang, sys.stderr)
    repository = forge.resolve(state.site, os.environ)  # the environment, read here once
    sys.stdout.write(alerts.FORMATS[fmt](alerts.plan(state, today, repository)))
    return 0


# --- schema: JSON Schemas for editors ---------------------------------------------------


def _schema_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "schema",
        help="print the JSON Schema of project files, write both schemas (--out), "
        "or validate the files against them (--check)",
    )
    sub.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="folder holding site.yaml and projects/ (default: .)",
    )
    mode = sub.add_mutually_exclusive_group()
    mode.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"write {schema.PROJECT_SCHEMA} and {schema.SITE_SCHEMA} into this folder",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help=f"check that {schema.SCHEMA_DIR}/ is current and that site.yaml and every "
        "project file match the schema (needs the jsonschema package)",
    )


def _schema(root: Path, out: Path | None, check: bool) -> int:
    site, problems = schema.load_site(root)
    if site is None:
        lang = pipeline.site_language(root)
        report.print_diagnostics(problems, lang, sys.stderr)
        print(report.failed_line(len(problems), lang), file=sys.stderr)
        return 1
    if check:
        return _schema_check(root, site)
    if out is None:
        sys.stdout.write(schema.dumps(schema.project_schema(site)))
        return 0
    try:
        written = schema.write_schemas(site, out)
    except OSError as exc:
        print(
            f"progress-site: error: cannot write to {out}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    for path in written:
        print(path)
    return 0


def _schema_check(root: Path, site: SiteConfig) -> int:
    lang = site.language
    try:
        count, problems = schema.validate_files(root, site)
    except ImportError:
        print(f"progress-site: error: {schema.check_word('no_jsonschema', lang)}", file=sys.stderr)
        return 1
    problems = sorted(schema.stale_files(root, site) + problems)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    if problems:
        print(schema.check_word("failed", lang, n=len(problems)), file=sys.stderr)
        return 1
    print(schema.check_word("ok", lang, n=count))
    return 0


# --- new: a new project file -------------------------------------------------------------


def _new_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "new",
        help="write projects/ID.yaml, a new project file with every field explained",
    )
    sub.add_argument(
        "id",
        metavar="ID",
        help="the project's id and file name: lowercase a-z, digits and hyphens, "
        "starting with a letter or digit (for example first-class-majors)",
    )
    sub.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="folder holding site.yaml and projects/ (default: .)",
    )
    sub.add_argument("--title", default=None, help="the project's name")
    sub.add_argument(
        "--lead",
        default=None,
        help="the lead department: an id or name from site.yaml (default: the first one)",
    )


def _new(root: Path, project_id: str, title: str | None, lead: str | None) -> int:
    lang = pipeline.site_language(root)
    try:
        scaffold.check_id(project_id, lang)  # a usage error comes before reading site.yaml
        site, problems = schema.load_site(root)
        if site is None:
            report.print_diagnostics(problems, lang, sys.stderr)
            print(report.failed_line(len(problems), lang), file=sys.stderr)
            return 1
        today = pipeline.today_in_site_zone(root)
        path = scaffold.create_project(root, site, project_id, today, title, lead)
    except scaffold.NewProjectError as exc:
        prog = "progress-site new" if exc.exit_code == 2 else "progress-site"
        print(f"{prog}: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    file = path.relative_to(root).as_posix()
    print(scaffold.word("written", site.language, file=file))
    print(scaffold.word("next", site.language, file=file))
    return 0


def _summary_path() -> Path | None:
    value = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None
