"""Measure a full build against a nightly build with one more day of extracts.

    .venv/bin/python -m bench.nightly --persons 3000

Synthetic `resolved.*` tables (tests/helpers/warehouse.py's generator) for enrolments since 2022,
a full build at a cutoff, then the same data with the cutoff one day later (one more day of
extracts) built nightly on top. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from core.database import one
from core.home import Home
from core.progress import Progress
from core.settings import REPO_ROOT, Settings
from transform.build import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--cutoff", type=dt.date.fromisoformat, default=dt.date(2025, 9, 30))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from helpers.warehouse import demo_rows, write_resolved  # type: ignore[import-not-found]  # tests/, on sys.path above

    rows = demo_rows(persons=args.persons, seed=1, start=dt.date(2022, 1, 1), days=1300)
    exclude = ("path:models/marts/indicators",)
    with tempfile.TemporaryDirectory() as folder:
        home = Home.at(Path(folder)).ensure()
        write_resolved(home.warehouse, rows)
        quiet = Progress(quiet=True)
        timings = []
        for label, cutoff in (("full", args.cutoff), ("nightly (+1 day)", args.cutoff + dt.timedelta(days=1))):
            started = time.perf_counter()
            result = build(home, Settings(), cutoff, quiet, exclude=exclude)
            timings.append((label, result.nightly, time.perf_counter() - started, quiet.timings.copy()))
        rebuilt, total = _rebuilt(home)
    print(f"| build | incremental | total s | dbt build s | docs s | persons {args.persons} |")
    print("|---|---|---|---|---|---|")
    for label, nightly, seconds, stages in timings:
        dbt = next(v for k, v in stages.items() if k.startswith("dbt build") and (("nightly" in k) == nightly))
        docs = stages.get("dbt docs generate", 0.0) if not nightly else 0.0
        print(f"| {label} | {nightly} | {seconds:.1f} | {dbt:.1f} | {docs:.1f} | |")
    print(f"nightly build recomputed {rebuilt} of {total} enrolments")
    return 0


def _rebuilt(home: Home) -> tuple[int, int]:
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        rebuilt, total = one(
            connection,
            "select count(*) filter (where needs_rebuild), count(*) "
            "from intermediate.int_enrolments_flagged_for_rebuild",
        )
    return rebuilt, total


if __name__ == "__main__":
    sys.exit(main())
