"""`sammen publish --home DIR`: disclosure control and the published files, on their own."""

from __future__ import annotations

import argparse

from sammen import arguments


def _publish_command(args: argparse.Namespace) -> int:
    from publishing import publish
    from sammen.home import Home
    from sammen.progress import Progress
    from sammen.settings import Settings

    settings = Settings().with_overrides(
        cutoff=args.cutoff, disclosure_threshold=args.disclosure_threshold
    )
    report = publish(Home.existing(args.home), settings, Progress(quiet=args.quiet), target=args.target)
    print(report)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="disclosure control of marts.indicators; write DIR/published/ (aggregates only)",
        description=(
            "Read marts.indicators, suppress small counts (outcomes.md 'Disclosure control') and "
            "write indicators.csv/_excel.csv/.parquet/.json, catalogue.yaml, report.html and "
            "manifest.json to DIR/published/."
        ),
    )
    arguments.home(parser)
    arguments.cutoff(parser, "the cutoff the marts were built with")
    parser.add_argument(
        "--disclosure-threshold", type=int,
        help="smallest count that may be published (default 5; may only be raised)",
    )
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb",
                        help="where marts.indicators is read (postgres: SAMMEN_PG_DBNAME, default sammen)")
    arguments.quiet(parser)
    parser.set_defaults(func=_publish_command)
