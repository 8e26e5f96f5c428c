"""Commands: `sammen ingest`, `sammen ledger`, `sammen check`, `sammen pseudonymise`."""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path

from contracts.messages import LANGUAGES
from core import arguments, exit_codes, runs
from core.home import Home
from core.ledger import check_summary, connect_read_only, last_run_id, recent_files
from core.lock import WarehouseBusy
from core.progress import Progress
from core.settings import Settings
from ingestion.check import check_file
from ingestion.files import shown
from ingestion.load import ingest
from ingestion.pseudonymise import PseudonymiseError, pseudonymise

RUNS_SHOWN = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest", help="load the landing files into the warehouse (ledger, raw, resolved)",
        description="Validate and load every file in DIR/landing/<source>/, then rebuild resolved.*.",
    )
    arguments.home(ingest)
    arguments.quarantine_threshold(ingest)
    arguments.quiet(ingest)
    ingest.set_defaults(func=_ingest)

    ledger = subparsers.add_parser("ledger", help="the most recent delivered files and check results",
                                   description="Show the ledger: recent files and the last run's checks.")
    arguments.home(ledger)
    ledger.add_argument("--limit", type=int, default=20, help="how many files (20)")
    ledger.set_defaults(func=_ledger)

    check = subparsers.add_parser(
        "check", help="the verdict the pipeline would give a file (for partners, before delivery)",
        description="Exit code 0: accepted; 1: accepted with quarantined rows; 2: rejected.",
    )
    check.add_argument("file", type=Path, help="a CSV or Parquet extract")
    check.add_argument("--dataset", help="the dataset, when the file name does not say it")
    check.add_argument("--lang", choices=LANGUAGES, default="da",
                       help="language of the messages: da (Danish, default) or en (English)")
    arguments.quarantine_threshold(check)
    check.set_defaults(func=_check)

    pseudo = subparsers.add_parser(
        "pseudonymise", allow_abbrev=False, help="replace a CPR column by person_key (HMAC-SHA256 under the shared key)",
        description="For partners: IN with CPR numbers → OUT with person_key and no CPR column. "
                    "The key is read from --key-file only and never printed.",
    )
    pseudo.add_argument("--key-file", required=True, type=Path, help="file holding the shared key")
    pseudo.add_argument("--cpr-column", required=True, help="the column holding CPR numbers")
    pseudo.add_argument("input", type=Path, metavar="IN")
    pseudo.add_argument("output", type=Path, metavar="OUT")
    pseudo.set_defaults(func=_pseudonymise)


def _ingest(args: argparse.Namespace) -> int:
    settings = Settings().with_overrides(quarantine_threshold=args.quarantine_threshold)
    try:
        report = ingest(Home.existing(args.home), settings, Progress(quiet=args.quiet))
    except WarehouseBusy as busy:
        print(f"sammen ingest: {busy}", file=sys.stderr)
        return exit_codes.BUSY
    print(report)
    return exit_codes.CLEAN if report.clean else exit_codes.FAILURES


def _ledger(args: argparse.Namespace) -> int:
    con = connect_read_only(Home.existing(args.home))
    if con is None:
        print(f"no warehouse yet in {args.home}: run `sammen ingest --home {args.home}` first")
        return 0
    try:
        files = recent_files(con, args.limit)
        run_id = last_run_id(con)
        summary = check_summary(con, run_id) if run_id else []
        nights = runs.recent(con, RUNS_SHOWN)
    finally:
        con.close()
    print(_ledger_table(files))
    _print_runs(nights)
    if summary:
        print(f"\nchecks of run {run_id}:")
        print(f"  {'engine':<6} {'kind':<13} {'dataset':<20} {'passed':>6} {'failed':>6} {'failures':>9}")
        for engine, kind, dataset, passed, failed, rows in summary:
            print(f"  {engine:<6} {kind:<13} {dataset:<20} {passed:>6} {failed:>6} {rows:>9}")
    return 0


def _print_runs(nights: list) -> None:
    """The latest `sammen run`s from ledger.runs (core.runs), newest first."""
    if not nights:
        return
    print(f"\nruns (latest {RUNS_SHOWN}):")
    print(f"  {'run_id':<22} {'started':<16} {'finished':<16} {'cutoff':<10} {'status':<9} "
          f"{'loaded':>6} {'rejected':>8} {'dupl.':>5} {'rows':>8} {'quar.':>6} {'failed':>6} {'warn.':>5}")
    for night in nights:
        c = {name: value if value is not None else "-" for name, value in night.counts.items()}
        finished = f"{night.finished_at:%Y-%m-%d %H:%M}" if night.finished_at else "-"
        cutoff = night.cutoff.isoformat() if night.cutoff else "-"
        print(f"  {night.run_id:<22} {night.started_at:%Y-%m-%d %H:%M} {finished:<16} {cutoff:<10} "
              f"{night.status:<9} {c['files_loaded']:>6} {c['files_rejected']:>8} {c['files_duplicate']:>5} "
              f"{c['rows_loaded']:>8} {c['rows_quarantined']:>6} {c['checks_failed']:>6} {c['warnings']:>5}")


# column widths of `sammen ledger`; long names and reasons wrap inside their column
_NAME_WIDTH, _REASON_WIDTH = 36, 56


def _wrap_name(name: str, width: int) -> list[str]:
    """A file name in lines of `width`, every character kept: broken after `/` or `__` where it
    can be (a name has no spaces for textwrap to break at), else within a part."""
    lines = [""]
    for part in re.split(r"(?<=/)|(?<=__)", name):
        if len(lines[-1]) + len(part) > width and lines[-1]:
            lines.append("")
        pieces = textwrap.wrap(part, width, break_long_words=True, drop_whitespace=False) or [""]
        lines[-1] += pieces[0]
        lines += pieces[1:]
    return lines


def _ledger_table(files: list) -> str:
    """The ledger's files as a table whose columns stay aligned: a long `source/file` or reason
    is wrapped (textwrap) onto continuation lines in its own column, never cut."""
    head = (f"{'id':>4}  {'received':<16}  {'source/file':<{_NAME_WIDTH}}  {'status':<9} {'read':>7} "
            f"{'loaded':>7} {'quar.':>6}  reason")
    lines = [head]
    for f in files:
        where = shown(f"{f.source}/{f.file_name}" if f.source else f.file_name)
        names = _wrap_name(where, _NAME_WIDTH)
        reasons = textwrap.wrap(shown(f.reason or ""), _REASON_WIDTH, break_long_words=True) or [""]
        lines.append(f"{f.file_id:>4}  {f.received_at:%Y-%m-%d %H:%M}  {names[0]:<{_NAME_WIDTH}}  {f.status:<9} "
                     f"{f.rows_read or 0:>7} {f.rows_loaded or 0:>7} {f.rows_quarantined or 0:>6}  {reasons[0]}")
        indent = " " * (4 + 2 + 16 + 2)
        blank = " " * (9 + 1 + 7 + 1 + 7 + 1 + 6)
        for extra in range(1, max(len(names), len(reasons))):
            name = names[extra] if extra < len(names) else ""
            reason = reasons[extra] if extra < len(reasons) else ""
            lines.append(f"{indent}{name:<{_NAME_WIDTH}}  {blank}  {reason}".rstrip())
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"sammen check: no such file: {shown(str(args.file))}", file=sys.stderr)
        return 2
    threshold = args.quarantine_threshold
    if threshold is None:
        threshold = Settings().quarantine_threshold
    verdict = check_file(args.file, dataset=args.dataset, threshold=threshold)
    print(verdict.render(args.lang))
    return verdict.exit_code


def _pseudonymise(args: argparse.Namespace) -> int:
    try:
        rows = pseudonymise(args.key_file, args.cpr_column, args.input, args.output)
    except (PseudonymiseError, OSError) as error:
        print(f"sammen pseudonymise: {error}", file=sys.stderr)
        return 2
    print(f"{args.output}: {rows} rows, person_key instead of {args.cpr_column}")
    return 0
