"""`sammen publish --home DIR`: disclosure control and the published files, on their own;
`sammen releases --home DIR`: the release ledger (every release published so far)."""

from __future__ import annotations

import argparse

import duckdb
import pandas as pd

from core import arguments
from core.home import Home
from core.progress import Progress
from core.settings import MIN_DISCLOSURE_THRESHOLD, Settings
from publishing import publish, releases
from publishing.methods import METHODS_PATH, write_indicator_section


def _publish_command(args: argparse.Namespace) -> int:
    settings = Settings().with_overrides(
        cutoff=args.cutoff, disclosure_threshold=args.disclosure_threshold
    )
    report = publish(Home.existing(args.home), settings, Progress(quiet=args.quiet), target=args.target)
    print(report)
    return 0


def _releases_command(args: argparse.Namespace) -> int:
    home = Home.at(args.home)
    if not home.warehouse.exists():
        print(f"no warehouse at {home.warehouse}: nothing published yet")
        return 0
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        if not releases.has_ledger(connection):
            print("no release published yet")
            return 0
        table = releases.listing(connection)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.to_string(index=False))
    return 0


def _methods_command(args: argparse.Namespace) -> int:
    changed = write_indicator_section(METHODS_PATH.resolve())
    print(f"{METHODS_PATH.resolve()}: indicator section {'rewritten' if changed else 'up to date'}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    methods = subparsers.add_parser(
        "methods",
        help="regenerate the indicator section of docs/methods.md from the catalogue",
        description=(
            "Rewrite the generated part of the methods handbook (between its BEGIN/END markers) "
            "from publishing/catalogue.yaml; run it in the checkout after changing the catalogue."
        ),
        epilog=arguments.METHODS,
    )
    methods.set_defaults(func=_methods_command)

    listing = subparsers.add_parser(
        "releases",
        help="list the releases published so far (the release ledger)",
        description=(
            "One line per release: id, when (UTC), cutoff, cells, suppressed and carried cells, "
            "threshold, whether the release guard applied, pipeline version and run."
        ),
        epilog=arguments.METHODS,
    )
    arguments.home(listing)
    listing.set_defaults(func=_releases_command)

    parser = subparsers.add_parser(
        "publish",
        help="disclosure control of marts.indicators; write DIR/published/ (aggregates only)",
        description=(
            "Read marts.indicators, suppress small counts (docs/methods.md 'Disclosure control') "
            "and write indicators.csv/_excel.csv/.parquet/.json, catalogue.yaml, methods.md, "
            "report.html and manifest.json to DIR/published/."
        ),
        epilog=arguments.METHODS,
    )
    arguments.home(parser)
    arguments.cutoff(parser, "the cutoff the marts were built with")
    parser.add_argument(
        "--disclosure-threshold", type=int,
        help=f"smallest count that may be published (default {MIN_DISCLOSURE_THRESHOLD}; may only be raised)",
    )
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb",
                        help="where marts.indicators is read (postgres: SAMMEN_PG_DBNAME, default sammen)")
    arguments.quiet(parser)
    parser.set_defaults(func=_publish_command)
