"""`sammen transform` (dbt build of the marts) and `sammen query` (read-only SQL on the marts)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import transform
from core import arguments
from core.home import Home
from core.ledger import compute_cutoff
from core.progress import Progress
from core.settings import Settings
from transform.query import QueryError, cap_process_memory, query_arrow, run_query
from transform.query_formats import (
    FORMATS,
    check_destination,
    choose_format,
    format_table,
    write_result,
)


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
    home = Home.existing(args.home)
    kind = choose_format(args.format, args.out)
    check_destination(home, args.out, kind)
    settings = Settings()
    cap_process_memory(settings)
    if kind == "table" and args.out is None:  # rows as Python objects, counted as they come
        columns, rows = run_query(home, args.sql, settings)
        if columns:
            print(format_table(columns, rows))
        return 0
    try:
        write_result(query_arrow(home, args.sql, settings), kind, args.out)
    except MemoryError:  # writing needs more than the capped heap (transform.query)
        raise QueryError(
            f"writing the result needs more memory than the limit of {settings.query_memory_limit} "
            "(SAMMEN_QUERY_MEMORY_LIMIT) allows; narrow it down, aggregate first or use Parquet"
        ) from None
    if args.out is not None:
        print(f"wrote {args.out} ({kind})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "transform",
        help="build the outcome marts with dbt (staging → intermediate → marts)",
        description="Run dbt build on the warehouse, then dbt docs and the Parquet export.",
        epilog=arguments.METHODS,
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
        epilog=arguments.METHODS,
    )
    arguments.home(query)
    query.add_argument(
        "--format", choices=FORMATS, default=None,
        help="table (default), csv, parquet (needs --out) or json (records, ISO dates); "
        "without it, --out's suffix chooses",
    )
    query.add_argument("--csv", dest="format", action="store_const", const="csv",
                       help="the same as --format csv")
    query.add_argument(
        "--out", type=Path, metavar="FILE",
        help="write the result to FILE (atomically, owner-only; not inside the home) "
        "instead of the terminal",
    )
    query.add_argument("sql", help="the SQL statement (tables of schema marts need no prefix)")
    query.set_defaults(func=_query_command)
