"""The command line: a thin shell over :mod:`generator.pipeline`.

Exit codes: 0 done; 1 invalid input (or, for ``check --fail-on``, something to fail on);
2 a usage error. Library errors become exit codes here and nowhere else.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import re
import signal
import sys
import zoneinfo
from collections.abc import Callable
from pathlib import Path

from generator import (
    alerts,
    diff,
    filing,
    forge,
    forms,
    pipeline,
    render,
    report,
    scaffold,
    schema,
    serve,
    sync,
    write,
)
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
        choices=["error", "overdue", "stale", "behind-pace"],
        action="append",
        default=None,
        help="exit 1 on invalid input (error, the default), also when a milestone of an active "
        "project is overdue (overdue), also when an active project has no recent note (stale; "
        "the stale projects are then listed), or also when an active project's indicator is "
        "behind pace (behind-pace; those indicators are then listed); may be given more than "
        "once",
    )
    _serve_parser(commands, common)
    _diff_parser(commands, common)
    _alerts_parser(commands, common)
    _report_parser(commands, common)
    _forms_parser(commands)
    _schema_parser(commands)
    _new_parser(commands)
    _mr_note_parser(commands)
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
    if args.command == "forms":
        return _forms(root, args.check)
    if args.command == "mr-note":
        return _mr_note(root, args.file, args.changes)
    today: dt.date = args.today or pipeline.today_in_site_zone(root)
    lang: str = args.lang or pipeline.site_language(root)
    if args.command == "build":
        return _build(root, args.out or root / "_site", today, lang, args.force, args.jobs)
    if args.command == "diff":
        return _diff(root, args.base, today, lang, args.format)
    if args.command == "alerts" and args.alerts_command == "plan":
        return _alerts_plan(root, today, lang, args.format)
    if args.command == "alerts" and args.alerts_command == "sync":
        return _alerts_sync(root, today, lang, args.repo, args.label, args.dry_run, args.forge)
    if args.command == "report":
        return _report(root, args, today, lang)
    fail_on = set(args.fail_on or ["error"])
    return _check(root, today, lang, args.format, fail_on, args.output)


def _repository(root: Path) -> forge.Repository | None:
    """The site's repository, from site.yaml or the CI's variables: the environment is read
    here, once, and passed on as an input (None when site.yaml cannot say: the build then
    reports its problems)."""
    site, _ = schema.load_site(root)
    return forge.resolve(site, os.environ) if site is not None else None


def _build(root: Path, out: Path, today: dt.date, lang: str, force: bool, jobs: int | None) -> int:
    try:
        result = pipeline.build_site(
            root, out, today, workers=jobs, force=force, repository=_repository(root)
        )
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
    pace = "behind-pace" in fail_on
    state: PortfolioStatus | None
    try:
        state, diagnostics = pipeline.check(root, today)
    except pipeline.BuildError as exc:
        state, diagnostics = None, exc.diagnostics
    text = _check_report(root, fmt, lang, diagnostics, state, stale, pace)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            write.write_file(output, text)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(f"progress-site: error: cannot write {output}: {reason}", file=sys.stderr)
            return 1
        report.emit_check("text", lang, diagnostics, state, None, stale=stale, pace=pace)
    if state is None:
        return 1
    if "overdue" in fail_on and report.overdue(state):
        return 1
    if stale and report.stale(state):
        return 1
    if pace and report.behind_pace(state):
        return 1
    return 0


def _check_report(
    root: Path,
    fmt: str,
    lang: str,
    diagnostics: list[Diagnostic],
    state: PortfolioStatus | None,
    stale: bool,
    pace: bool,
) -> str:
    """The check's report in ``fmt``, as text (``github`` also appends its job summary)."""
    if fmt == "gitlab":
        from generator import codequality

        paths = codequality.value_paths(root, diagnostics)
        entries = codequality.issues(diagnostics, state, lang, paths, with_stale=stale)
        return codequality.dumps(entries)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        report.emit_check(fmt, lang, diagnostics, state, _summary_path(), stale=stale, pace=pace)
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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
    # SIGTERM (a service manager, `kill`) stops the preview as Ctrl-C does: quietly, with
    # a build in progress ended and its half-written folder removed.
    signal.signal(signal.SIGTERM, _interrupt)
    preview = serve.Preview(root, port=port, today=today, lang=lang, environ=dict(os.environ))
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
        return _invalid(exc, lang)
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
    _alerts_sync_parser(actions, common)


def _alerts_plan(root: Path, today: dt.date, lang: str, fmt: str) -> int:
    try:
        state, warnings = pipeline.check(root, today)
    except pipeline.BuildError as exc:
        return _invalid(exc, lang)
    report.print_diagnostics(warnings, lang, sys.stderr)
    repository = forge.resolve(state.site, os.environ)  # the environment, read here once
    sys.stdout.write(alerts.FORMATS[fmt](alerts.plan(state, today, repository)))
    return 0


# --- report: a progress report written into its project file ------------------------------


def _report_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    sub = commands.add_parser(
        "report",
        help="write a progress report into its project file (add), or the report form's "
        "answers (apply), changing no other line",
    )
    actions = sub.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a note (and a milestone reached, figures) to projects/PROJECT.yaml",
    )
    common(add)
    add.add_argument("project", metavar="PROJECT", help="the project's id (its file's name)")
    add.add_argument(
        "--kind",
        required=True,
        help="progress, problem, next or decision (or 进展, 存在问题, 下一步措施, 决定)",
    )
    add.add_argument("--text", required=True, help="the report, in Markdown")
    add.add_argument("--date", default="", help="the report's date, YYYY-MM-DD (default: today)")
    add.add_argument("--author", default="", help="who reports")
    add.add_argument(
        "--done",
        default="",
        metavar="MILESTONE",
        help="a milestone reached, by its title or id: its done date is recorded",
    )
    add.add_argument(
        "--on",
        default="",
        metavar="DATE",
        help="the date the milestone was reached, YYYY-MM-DD (default: the report's date)",
    )
    add.add_argument(
        "--figure",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a figure of one of the project's indicators; may be given more than once",
    )
    add.add_argument(
        "--figure-date",
        default="",
        metavar="DATE",
        help="the figures' date, YYYY-MM-DD (default: the report's date)",
    )
    apply = actions.add_parser(
        "apply",
        help="the same from the report form's answers (an issue's body, or a parser's JSON)",
    )
    common(apply)
    source = apply.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--form", type=Path, default=None, metavar="FILE", help="the answers as JSON, by field id"
    )
    source.add_argument(
        "--issue-body",
        type=Path,
        default=None,
        metavar="FILE",
        help="the issue's body as GitHub writes it for the form",
    )
    apply.add_argument(
        "--filed-at",
        type=_timestamp,
        default=None,
        metavar="TIMESTAMP",
        help="when the issue was filed (ISO 8601, e.g. 2026-12-04T01:30:00Z): the report's "
        "date when the form leaves it empty is that day in the site's time zone "
        "(default: today)",
    )
    apply.add_argument(
        "--result",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write, as JSON, what the workflow says: the pull request's title and "
        "body and the issue's comment, or why it failed",
    )


def _timestamp(text: str) -> dt.datetime:
    try:
        if len(text) > 40:
            raise ValueError(text)
        moment = dt.datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            raise ValueError(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text[:40]}' is not a time with its offset, such as 2026-12-04T01:30:00Z"
        ) from None
    return moment


_ADD_NAMES = {
    "project": "PROJECT",
    "kind": "--kind",
    "text": "--text",
    "date": "--date",
    "author": "--author",
    "milestone": "--done",
    "done": "--on",
    "figures": "--figure",
    "figure_date": "--figure-date",
}


def _report(root: Path, args: argparse.Namespace, today: dt.date, lang: str) -> int:
    site, problems = schema.load_site(root)
    if site is None:
        report.print_diagnostics(problems, lang, sys.stderr)
        print(report.failed_line(len(problems), lang), file=sys.stderr)
        return 1
    result_path: Path | None = getattr(args, "result", None)
    try:
        if args.report_command == "add":
            draft = filing.Draft(
                project=args.project,
                kind=args.kind,
                text=args.text,
                date=args.date,
                author=args.author,
                milestone=args.done,
                done=args.on,
                figures=tuple(args.figure),
                figure_date=args.figure_date,
                names=_ADD_NAMES,
            )
            default = today
        else:
            answers = _answers(args, lang)
            draft = forms.draft(answers, lang)
            filed: dt.datetime | None = args.filed_at
            zone = zoneinfo.ZoneInfo(site.timezone)
            default = filed.astimezone(zone).date() if filed else today
        added = filing.add(root, site, draft, default, today, lang)
    except filing.ReportError as exc:
        for reason in exc.reasons:
            print(f"progress-site report: error: {reason}", file=sys.stderr)
        for detail in exc.details:
            print(f"  {detail}", file=sys.stderr)
        print(f"progress-site report: {filing.word('nothing_written', lang)}", file=sys.stderr)
        return _result(result_path, forms.result(lang, None, exc), 1)
    except Exception as exc:  # a bug: the issue still hears that it was not applied
        reason = filing.word("internal", lang, error=f"{type(exc).__name__}: {exc}")
        _result(result_path, forms.result(lang, None, filing.ReportError([reason])), 1)
        raise
    for line in added.lines(lang):
        print(line)
    return _result(result_path, forms.result(lang, added), 0)


def _answers(args: argparse.Namespace, lang: str) -> forms.Answers:
    path: Path = args.form or args.issue_body
    limit = forms.MAX_JSON if args.form else 4 * forms.MAX_BODY
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise filing.ReportError(
            [filing.word("read_failed", lang, file=path, reason=reason)]
        ) from None
    if args.form:
        return forms.answers_from_json(raw, lang)
    return forms.answers_from_body(raw.decode("utf-8", errors="replace"), lang)


def _result(path: Path | None, outcome: dict[str, object], code: int) -> int:
    """Write the workflow's words (``--result``) and return ``code``."""
    if path is not None:
        try:
            path.write_text(
                json.dumps(outcome, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            print(
                f"progress-site report: error: cannot write {path}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 1
    return code


# --- forms: the report form ---------------------------------------------------------------


def _forms_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "forms",
        help=f"write the report form {forms.FORM_FILE} from site.yaml and projects/, "
        "or check that it is current (--check)",
    )
    sub.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="folder holding site.yaml and projects/ (default: .)",
    )
    sub.add_argument(
        "--check",
        action="store_true",
        help=f"check that {forms.FORM_FILE} is what forms would write; exit 1 if not",
    )


def _forms(root: Path, check: bool) -> int:
    site, problems = schema.load_site(root)
    if site is None:
        lang = pipeline.site_language(root)
        report.print_diagnostics(problems, lang, sys.stderr)
        print(report.failed_line(len(problems), lang), file=sys.stderr)
        return 1
    if check:
        problem, count = forms.stale(root, site)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
        print(forms.word("ok", site.language, n=count))
        return 0
    try:
        path, count = forms.write(root, site)
    except OSError as exc:
        print(
            f"progress-site: error: cannot write {forms.FORM_FILE}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    print(forms.word("written", site.language, file=path.relative_to(root).as_posix(), n=count))
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


# --- alerts sync: the plan made true on the forge --------------------------------------


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
        return _invalid(exc, lang)

    def show(request: sync.Request, shown: bool) -> None:
        print(sync.request_line(request, lang, shown), flush=True)

    try:
        repository, adapter = adapters.connect(
            state.site, os.environ, repo=repo, label=label, dry_run=dry_run, language=lang, log=show
        )
        plan = alerts.plan(state, today, repository)
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


def _invalid(exc: pipeline.BuildError, lang: str) -> int:
    """Invalid files: their problems, then how many errors, on stderr; exit code 1."""
    report.print_diagnostics(exc.diagnostics, lang, sys.stderr)
    errors = [d for d in exc.diagnostics if d.severity == "error"]
    print(report.word("invalid", lang, n=len(errors)), file=sys.stderr)
    return 1


def _summary_path() -> Path | None:
    value = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None
