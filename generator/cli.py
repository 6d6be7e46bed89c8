"""The command line: a thin shell over :mod:`generator.pipeline`.

Exit codes: 0 done; 1 invalid input (or, for ``check --fail-on``, something to fail on);
2 a usage error. Library errors become exit codes here and nowhere else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from generator import pipeline, render, report


def _date(text: str) -> dt.date:
    try:
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
        choices=["error", "overdue"],
        default="error",
        help="exit 1 on invalid input only (error) or also when a milestone is overdue (overdue)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
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
    today: dt.date = args.today or pipeline.today_in_site_zone(root)
    lang: str = args.lang or pipeline.site_language(root)
    if args.command == "build":
        return _build(root, args.out or root / "_site", today, lang)
    return _check(root, today, lang, args.format, args.fail_on)


def _build(root: Path, out: Path, today: dt.date, lang: str) -> int:
    try:
        result = pipeline.build_site(root, out, today)
    except pipeline.BuildError as exc:
        report.print_diagnostics(exc.diagnostics, lang, sys.stderr)
        print(report.failed_line(len(exc.diagnostics), lang), file=sys.stderr)
        return 1
    except render.ThemeError as exc:
        print(report.theme_failed(exc, lang), file=sys.stderr)
        return 1
    except OSError as exc:
        print(report.write_failed(exc, lang), file=sys.stderr)
        return 1
    report.print_diagnostics(result.warnings, lang, sys.stderr)
    print(report.built_line(result, out, lang))
    return 0


def _check(root: Path, today: dt.date, lang: str, fmt: str, fail_on: str) -> int:
    try:
        state, warnings = pipeline.check(root, today)
    except pipeline.BuildError as exc:
        report.emit_check(fmt, lang, exc.diagnostics, None, _summary_path())
        return 1
    report.emit_check(fmt, lang, warnings, state, _summary_path())
    if fail_on == "overdue" and report.overdue(state):
        return 1
    return 0


def _summary_path() -> Path | None:
    value = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None
