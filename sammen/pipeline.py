"""`sammen run`: one pass through every stage (ingest → transform → publish) and a summary."""

from __future__ import annotations

import argparse
import csv
import datetime as dt

from sammen import arguments
from sammen.home import Home
from sammen.progress import Progress
from sammen.settings import Settings

STAGES = ("ingest", "transform", "publish")
SUMMARY_INDICATORS = ("cohort_size", "stay_rate_pre", "stay_rate_post", "retained_6m_share")


def run(home: Home, settings: Settings, progress: Progress) -> dt.date:
    """Run every stage under the writer lock; return the cutoff used."""
    import ingestion
    import publishing
    import transform
    from ingestion.ledger import compute_cutoff
    from sammen.lock import writer_lock

    home.ensure()
    with writer_lock(home):
        with progress.stage("ingest"):
            report = ingestion.ingest(home, settings, progress)
            progress.say(report.render(verbose=progress.verbose))
        cutoff = settings.cutoff or compute_cutoff(home)
        progress.say(f"cutoff: {cutoff.isoformat()}")
        with progress.stage("transform"):
            transform.build(home, settings, cutoff, progress)
        with progress.stage("publish"):
            publishing.publish(home, settings.with_overrides(cutoff=cutoff), progress)
    return cutoff


def summary(home: Home, cutoff: dt.date, progress: Progress) -> str:
    """A short readable summary: a few indicators (programme=all, municipality=all), paths, timings."""
    lines = [f"sammen run finished; cutoff {cutoff.isoformat()}", ""]
    published = home.published / "indicators.csv"
    if published.exists():
        with published.open(encoding="utf-8") as handle:
            rows = [
                row
                for row in csv.DictReader(handle)
                if row["indicator_id"] in SUMMARY_INDICATORS
                and row["programme"] == "all"
                and row["municipality"] == "all"
            ]
        rows.sort(key=lambda row: (SUMMARY_INDICATORS.index(row["indicator_id"]), row["period"]))
        lines.append(f"{'indicator':<20} {'period':<8} {'value':>10} {'persons':>8}")
        for row in rows:
            value = row["value"] or ("<5" if row["suppressed"] == "true" else "")
            if value and value != "<5":
                value = f"{float(value):.3f}".rstrip("0").rstrip(".")
            lines.append(
                f"{row['indicator_id']:<20} {row['period']:<8} {value:>10} {row['n_persons']:>8}"
            )
        lines.append("")
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
    home = Home.at(args.home)
    settings = Settings().with_overrides(
        cutoff=args.cutoff, quarantine_threshold=args.quarantine_threshold
    )
    progress = Progress(quiet=args.quiet, verbose=args.verbose)
    cutoff = run(home, settings, progress)
    print(summary(home, cutoff, progress))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="one pass through every stage: ingest, transform (dbt build), publish",
        description="Ingest the landing files, build the marts, publish the indicators.",
    )
    arguments.home(parser)
    arguments.cutoff(parser)
    arguments.quarantine_threshold(parser)
    arguments.quiet(parser)
    arguments.verbose(parser)
    parser.set_defaults(func=_run_command)
