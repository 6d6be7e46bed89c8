"""The command line: a thin shell over :mod:`generator.pipeline`.

Exit codes: 0 done; 1 invalid input (or, for ``check --fail-on``, something to fail on);
2 a usage error. Library errors become exit codes here and nowhere else.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from generator import alerts, diff, pipeline, render, report, scaffold, schema, serve, sync, write
from generator.diagnostics import Diagnostic
from generator.models import SiteConfig
from generator.status import PortfolioStatus


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
        choices=["text", "github", "gitlab", "json"],
        default="text",
        help="text for people, github for workflow annotations, gitlab for a GitLab Code "
        "Quality report (artifacts:reports:codequality), json for tools",
    )
    check.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the report to FILE instead of standard output, which then shows the "
        "text report (for a CI job's log)",
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
    _schema_parser(commands)
    _new_parser(commands)
    _mr_note_parser(commands)
    _alerts_parser(commands, common)
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
    if args.command == "mr-note":
        return _mr_note(root, args.file, args.changes)
    today: dt.date = args.today or pipeline.today_in_site_zone(root)
    lang: str = args.lang or pipeline.site_language(root)
    if args.command == "build":
        return _build(root, args.out or root / "_site", today, lang, args.force, args.jobs)
    if args.command == "diff":
        return _diff(root, args.base, today, lang, args.format)
    if args.command == "alerts" and args.alerts_command == "sync":
        return _alerts_sync(root, today, lang, args.repo, args.label, args.dry_run, args.forge)
    return _check(root, today, lang, args.format, set(args.fail_on or ["error"]), args.output)


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


def _check(
    root: Path, today: dt.date, lang: str, fmt: str, fail_on: set[str], output: Path | None
) -> int:
    stale = "stale" in fail_on
    state: PortfolioStatus | None
    try:
        state, diagnostics = pipeline.check(root, today)
    except pipeline.BuildError as exc:
        state, diagnostics = None, exc.diagnostics
    text = _check_report(root, fmt, lang, diagnostics, state, stale)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            write.write_file(output, text)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(f"progress-site: error: cannot write {output}: {reason}", file=sys.stderr)
            return 1
        report.emit_check("text", lang, diagnostics, state, None, stale=stale)
    if state is None:
        return 1
    if "overdue" in fail_on and report.overdue(state):
        return 1
    if stale and report.stale(state):
        return 1
    return 0


def _check_report(
    root: Path,
    fmt: str,
    lang: str,
    diagnostics: list[Diagnostic],
    state: PortfolioStatus | None,
    stale: bool,
) -> str:
    """The check's report in ``fmt``, as text (``github`` also appends its job summary)."""
    if fmt == "gitlab":
        from generator import codequality

        paths = codequality.value_paths(root, diagnostics)
        entries = codequality.issues(diagnostics, state, lang, paths, with_stale=stale)
        return codequality.dumps(entries)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        report.emit_check(fmt, lang, diagnostics, state, _summary_path(), stale=stale)
    return buffer.getvalue()


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


# --- mr-note: the diff summary on a GitLab merge request -----------------------------------


def _mr_note_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "mr-note",
        help="post the diff summary on the merge request of a GitLab CI pipeline, editing "
        "its earlier note (PROGRESS_SITE_TOKEN; without it the summary stays in the log)",
    )
    sub.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="folder holding site.yaml (its language and server:; default: .)",
    )
    sub.add_argument(
        "--file",
        type=Path,
        required=True,
        help="the summary to post: the output of diff --format markdown",
    )
    sub.add_argument(
        "--changes",
        type=Path,
        default=None,
        metavar="FILE",
        help="the output of diff --format json: when it lists no change and the merge "
        "request has no earlier summary, nothing is posted",
    )


def _mr_note(root: Path, file: Path, changes: Path | None) -> int:
    from generator import mrnote
    from generator.adapters import gitlab_api

    lang = pipeline.site_language(root)
    site, _ = schema.load_site(root)
    try:
        target = mrnote.merge_request(os.environ)
        body = mrnote.note_body(mrnote.read_summary(file))
        listed = mrnote.has_changes(mrnote.read_summary(changes)) if changes else True
        found = gitlab_api.settings(os.environ, site.server if site else None)
        if found.token is None:
            print(mrnote.word("no_token", lang))
            return 0
        api = gitlab_api.Api(found.server, found.token, ca_file=found.ca_file)

        def show(method: str, path: str) -> None:
            print(mrnote.word("request", lang, method=method, path=path), flush=True)

        outcome = mrnote.post(api, target, body, changes=listed, log=show)
    except gitlab_api.GitLabError as exc:
        print(f"progress-site mr-note: error: {exc.message(lang)}", file=sys.stderr)
        return 2 if exc.code in ("not_mr", "bad_project", "bad_server", "no_server") else 1
    except KeyboardInterrupt:
        print(f"progress-site: {gitlab_api.word('interrupted', lang)}", file=sys.stderr)
        return 130
    print(mrnote.word(outcome, lang, iid=target.iid))
    return 0


# --- alerts: 告诫提醒 (alerts sync; alerts plan beside it) -------------------------------


def _alerts_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    group = commands.add_parser(
        "alerts",
        help="告诫提醒: one issue per department falling behind, mentioning its contacts",
    )
    actions = group.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    _alerts_sync_parser(actions, common)


def _alerts_sync_parser(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    sub = actions.add_parser(
        "sync",
        help="open, update and close the alert issues on GitHub or GitLab so that they match "
        "the plan (GitHub: GITHUB_TOKEN, GITHUB_API_URL for GitHub Enterprise; GitLab: "
        "PROGRESS_SITE_TOKEN, CI_SERVER_URL)",
    )
    common(sub)
    sub.add_argument(
        "--forge",
        choices=["github", "gitlab"],
        default=None,
        help="where the issues are (default: gitlab in a GitLab CI job, else github)",
    )
    sub.add_argument(
        "--repo",
        default=None,
        metavar="OWNER/NAME",
        help="the repository (default: repository: in site.yaml, else GITHUB_REPOSITORY)",
    )
    sub.add_argument(
        "--label",
        default=None,
        help="the label of alert issues, created if missing "
        f"(default: {sync.DEFAULT_LABELS['zh-CN']} on a zh-CN site, "
        f"{sync.DEFAULT_LABELS['en']} on an en site)",
    )
    sub.add_argument(
        "--dry-run",
        action="store_true",
        help="print the requests it would make and make none (no token needed to read a "
        "public repository)",
    )


def _alerts_sync(
    root: Path,
    today: dt.date,
    lang: str,
    repo: str | None,
    label: str | None,
    dry_run: bool,
    forge: str | None = None,
) -> int:
    # The client library loads for this command only, and only the one used.
    if (forge or ("gitlab" if os.environ.get("GITLAB_CI") else "github")) == "gitlab":
        from generator.adapters import gitlab as adapters
    else:
        from generator.adapters import github as adapters  # type: ignore[no-redef]

    try:
        state, _ = pipeline.check(root, today)
    except pipeline.BuildError as exc:
        report.print_diagnostics(exc.diagnostics, lang, sys.stderr)
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        print(report.word("invalid", lang, n=len(errors)), file=sys.stderr)
        return 1

    def show(request: sync.Request, shown: bool) -> None:
        print(sync.request_line(request, lang, shown), flush=True)

    try:
        repository, adapter = adapters.connect(
            state.site, os.environ, repo=repo, label=label, dry_run=dry_run, language=lang, log=show
        )
        plan = alerts.plan(state, today, repository)  # type: ignore[attr-defined]
        summary = sync.run(plan, adapter)
    except sync.SyncError as exc:
        print(f"progress-site: error: {exc.message(lang)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"progress-site: {sync.word('interrupted', lang)}", file=sys.stderr)
        return 130
    if adapter.unread is not None:
        print(sync.word("unread", lang, reason=adapter.unread.message(lang)), file=sys.stderr)
    print(sync.summary_line(summary, lang, dry_run))
    return 0


def _summary_path() -> Path | None:
    value = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None
