"""`sammen transform` (dbt build of the marts) and `sammen query` (read-only SQL on the marts)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys

import transform
from core import arguments
from core.home import Home
from core.ledger import compute_cutoff
from core.progress import Progress
from core.settings import Settings
from transform.query import cap_process_memory, format_table, run_query


def _transform_command(args: argparse.Namespace) -> int:
    home = Home.existing(args.home)
    settings = Settings().with_overrides(cutoff=args.cutoff)
    cutoff = settings.cutoff or _computed_cutoff(home)
    progress = Progress(quiet=args.quiet)
    result = transform.build(
        home, settings, cutoff, progress, target=args.target, full_refresh=args.full_refresh
    )
    kind = "nightly" if result.nightly else "full"
    print(
        f"transform ({kind}, {result.target}) done for cutoff {cutoff.isoformat()}: "
        f"{result.models} models, {result.tests} tests in {result.seconds:.1f} s"
    )
    return 0


def _computed_cutoff(home: Home) -> dt.date:
    return compute_cutoff(home)


def _query_command(args: argparse.Namespace) -> int:
    settings = Settings()
    cap_process_memory(settings)
    columns, rows = run_query(Home.existing(args.home), args.sql, settings)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif columns:
        print(format_table(columns, rows))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "transform",
        help="build the outcome marts with dbt (staging → intermediate → marts)",
        description="Run dbt build on the warehouse, then dbt docs and the Parquet export.",
    )
    arguments.home(parser)
    arguments.cutoff(parser)
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild every mart row")
    arguments.quiet(parser)
    parser.set_defaults(func=_transform_command)

    query = subparsers.add_parser(
        "query",
        help="read-only SQL against the marts only (DIR/query/marts.duckdb)",
        description=(
            'Run one SELECT against the marts, e.g. "select * from cohort" ("show tables" lists '
            "them). Read-only, no file access, values never shown in errors; limits from "
            "SAMMEN_QUERY_MEMORY_LIMIT (2GB), SAMMEN_QUERY_TIMEOUT (300 s), SAMMEN_QUERY_THREADS (2)."
        ),
    )
    arguments.home(query)
    query.add_argument("--csv", action="store_true", help="write CSV instead of a table")
    query.add_argument("sql", help="the SQL statement (tables of schema marts need no prefix)")
    query.set_defaults(func=_query_command)
