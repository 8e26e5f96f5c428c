"""`sammen run`: one pass through every stage (ingest → transform → publish) and a summary."""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import ingestion
import publishing
import transform
from core import arguments, exit_codes, runs
from core.home import Home
from core.ledger import compute_cutoff
from core.lock import writer_lock
from core.progress import Progress
from core.settings import Settings
from ingestion.load import new_run_id
from publishing.catalogue import load_catalogue
from publishing.marks import HIDDEN, PROVISIONAL_MARK, cell_text, legend_lines
from transform.build import complete_erasure

STAGES = ("ingest", "transform", "publish")
SUMMARY_INDICATORS = ("cohort_size", "stay_rate_pre", "stay_rate_post", "retained_6m_share")


@dataclass(frozen=True)
class RunResult:
    """What `run` did: its id (ledger.runs, ledger.files, manifest.json), cutoff and night."""

    run_id: str
    cutoff: dt.date
    report: Any  # ingestion.IngestReport

    @property
    def exit_code(self) -> int:
        return exit_codes.CLEAN if self.report.clean else exit_codes.FAILURES

    @property
    def status(self) -> str:
        return "clean" if self.report.clean else "failures"


def run(home: Home, settings: Settings, progress: Progress) -> RunResult:
    """Run every stage under the writer lock, recorded in ledger.runs; return what it did.

    A rejected file or a failed check does not stop the night: the rest is loaded, built and
    published, and the result's status says `failures` (exit code 2)."""
    home.ensure()
    run_id = new_run_id()
    with writer_lock(home):
        runs.start(home, run_id)
        try:
            with progress.stage("ingest"):
                report = ingestion.ingest(home, settings, progress, run_id=run_id)
                progress.say(report.render(verbose=progress.verbose, failures=False))
                _warn(report, progress)
            cutoff = settings.cutoff or compute_cutoff(home)
            runs.set_cutoff(home, run_id, cutoff)
            progress.say(f"cutoff: {cutoff.isoformat()}")
            with progress.stage("transform"):
                transform.build(home, settings, cutoff, progress, erase=False)
            try:
                with progress.stage("publish"):
                    publishing.publish(home, settings.with_overrides(cutoff=cutoff), progress)
            finally:
                # last (no later write leaves a freed block), and even when publishing fails: a
                # failing publish must not keep a withdrawn person's bytes in the warehouse
                complete_erasure(home, progress, settings)
        except BaseException:
            with contextlib.suppress(Exception):  # the stage's error is the one to report
                runs.finish(home, run_id, "error", {})
            raise
        result = RunResult(run_id, cutoff, report)
        runs.finish(home, run_id, result.status, night_counts(report))
    return result


def _warn(report: Any, progress: Progress) -> None:
    """The night's rejected files and failed batch checks at WARNING, each once, in words (file,
    dataset, check; never a value); the ingest report above them (INFO) leaves them out."""
    for file in report.failed_files:
        progress.warn("rejected: " + file.line().strip())
    for text in report.failed_batch_checks:
        progress.warn(f"check failed: {text}")


def night_counts(report: Any) -> dict[str, int]:
    """The counts ledger.runs and `--json` report for one night (names of runs.COUNTS)."""
    return {
        "files_loaded": report.count("loaded"), "files_rejected": report.count("rejected"),
        "files_duplicate": report.count("duplicate"), "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined, "checks_failed": len(report.failed_checks),
        "warnings": len(report.warnings),
    }


def summary_json(home: Home, result: RunResult, progress: Progress) -> str:
    """The summary for monitoring: run id, status, exit code, counts, failures by name, paths,
    stage timings and the headline indicators (aggregates only, as published)."""
    report = result.report
    document = {
        "run_id": result.run_id, "status": result.status, "exit_code": result.exit_code,
        "cutoff": result.cutoff.isoformat(), **night_counts(report),
        "rejected_files": [{"file": f.name, "source": f.source, "reason": f.reason} for f in report.failed_files],
        "failed_checks": [{"dataset": c.dataset, "check": c.check_name} for c in report.failed_checks],
        "warning_checks": [{"dataset": c.dataset, "check": c.check_name} for c in report.warnings],
        "indicators": _headline_rows(home),
        "paths": {"warehouse": str(home.warehouse), "marts": str(home.marts),
                  "published": str(home.published), "docs": str(home.docs)},
        "stage_seconds": {name: round(seconds, 1) for name, seconds in progress.timings.items() if name in STAGES},
    }
    return json.dumps(document, indent=2)


def _headline_rows(home: Home) -> list[dict[str, str]]:
    """SUMMARY_INDICATORS for programme=all, municipality=all, from the published CSV."""
    published = home.published / "indicators.csv"
    if not published.exists():
        return []
    with published.open(encoding="utf-8") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["indicator_id"] in SUMMARY_INDICATORS
            and row["programme"] == "all"
            and row["municipality"] == "all"
        ]
    rows.sort(key=lambda row: (SUMMARY_INDICATORS.index(row["indicator_id"]), row["period"]))
    return rows


def _headline_lines(rows: list[dict[str, str]], threshold: int) -> list[str]:
    """The headline cells as the boards read them (`publishing.marks`): per indicator the latest
    complete period and the newest period with a figure (a value, or hidden) when it is
    unfinished, marked `*` (decision: one line each, so the summary stays on one screen and never
    shows an empty cell; `--json` keeps every period, with `period_complete`); `<5` only for a small count of persons, else `hidden`; values rounded as
    the catalogue says; a legend of the marks used."""
    specs = load_catalogue().by_id
    latest = {r["indicator_id"]: r["period"] for r in rows if r.get("period_complete") != "false"}
    newest: dict[str, str] = {}
    for r in rows:
        if r["value"] or r["suppressed"] == "true":
            newest[r["indicator_id"]] = max(newest.get(r["indicator_id"], ""), r["period"])
    lines, used = [f"{'indicator':<20} {'period':<8} {'value':>10} {'persons':>8}"], set()
    for row in [r for r in rows if r["period"] in (latest.get(r["indicator_id"]), newest.get(r["indicator_id"]))]:
        spec, hidden = specs[row["indicator_id"]], row["suppressed"] == "true"
        value = cell_text(spec, float(row["value"]) if row["value"] else None, hidden,
                          row["suppression_reason"] or None, threshold)
        period = row["period"]
        if row.get("period_complete") == "false":
            period += PROVISIONAL_MARK
            used.add("provisional")
        if hidden:
            used.add("hidden" if value == HIDDEN["en"] else "small")
        lines.append(f"{row['indicator_id']:<20} {period:<8} {value:>10} {row['n_persons']:>8}")
    return lines + legend_lines(threshold, used)


def summary(home: Home, cutoff: dt.date, progress: Progress, threshold: int) -> str:
    """A short readable summary: a few indicators (programme=all, municipality=all), paths, timings."""
    lines = [f"sammen run finished; cutoff {cutoff.isoformat()}", ""]
    rows = _headline_rows(home)
    if rows:
        lines += _headline_lines(rows, threshold) + [""]
    lines += [
        f"warehouse:  {home.warehouse}",
        f"marts:      {home.marts}",
        f"published:  {home.published}",
        f"docs:       {home.docs}",
        "",
        "stage timings: "
        + ", ".join(
            f"{name} {seconds:.1f} s"
            for name, seconds in progress.timings.items()
            if name in STAGES
        ),
    ]
    return "\n".join(lines)


def _run_command(args: argparse.Namespace) -> int:
    home = Home.at(args.home).ensure() if args.init else Home.existing(args.home)
    settings = Settings().with_overrides(
        cutoff=args.cutoff, quarantine_threshold=args.quarantine_threshold
    )
    progress = Progress(quiet=args.quiet, verbose=args.verbose)
    result = run(home, settings, progress)
    if args.json:
        print(summary_json(home, result, progress))
    else:
        print(summary(home, result.cutoff, progress, settings.disclosure_threshold))
        print(_night_line(result))
    return result.exit_code


def _night_line(result: RunResult) -> str:
    report = result.report
    return (f"run {result.run_id}: {result.status} (exit code {result.exit_code}); "
            f"{len(report.failed_files)} file(s) rejected, {len(report.failed_checks)} check(s) failed, "
            f"{len(report.warnings)} warning(s)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="one pass through every stage: ingest, transform (dbt build), publish",
        description="Ingest the landing files, build the marts, publish the indicators.",
        epilog=arguments.METHODS,
    )
    arguments.home(parser)
    arguments.cutoff(parser)
    arguments.quarantine_threshold(parser)
    arguments.quiet(parser)
    parser.add_argument("--init", action="store_true", help="create the home if it does not exist")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON (for monitoring)")
    arguments.verbose(parser)
    parser.set_defaults(func=_run_command)
