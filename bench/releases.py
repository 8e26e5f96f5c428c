"""What the release guard costs boards: cells held (carried) or hidden per release over twelve
monthly releases of the demo home. Written into docs/benchmarks.md, section below.

    .venv/bin/python -m bench.releases [--persons 2000] [--seed 7] [--home DIR]

Design: one demo home (`sammen synth --persons 2000 --seed 7`: data up to 2026-03-01), released
twelve times with month-end cutoffs 2025-03-31 ... 2026-02-28 through the real pipeline
(`sammen run --cutoff D`: one more month of every partner's data per release, no event after the
cutoff used anywhere). Each release is also controlled without the guard (as if it were the
first: `publishing.disclosure.control` without history) to count what the guard adds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from bench.docs import machine, write_section
from core.home import Home
from core.progress import Progress
from core.settings import Settings
from publishing.catalogue import load_catalogue
from publishing.disclosure import COLUMNS, control
from publishing.releases import history
from sammen.pipeline import run
from synthetic import generate

SECTION = "## Release guard: cells held per release"
CUTOFFS = [
    dt.date(2025, 3, 31), dt.date(2025, 4, 30), dt.date(2025, 5, 31), dt.date(2025, 6, 30),
    dt.date(2025, 7, 31), dt.date(2025, 8, 31), dt.date(2025, 9, 30), dt.date(2025, 10, 31),
    dt.date(2025, 11, 30), dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28),
]


def measure(home: Home, persons: int, seed: int) -> list[dict]:
    quiet = Progress(quiet=True)
    catalogue = load_catalogue()
    generate(home, persons=persons, seed=seed, years=3, progress=quiet)
    rows = []
    for cutoff in CUTOFFS:
        started = time.perf_counter()
        run(home, Settings(cutoff=cutoff), quiet)
        pipeline_seconds = time.perf_counter() - started
        published = pd.read_parquet(home.published / "indicators.parquet")
        with duckdb.connect(str(home.warehouse), read_only=True) as connection:
            raw = connection.sql(f"select {', '.join(COLUMNS)} from marts.indicators").df()
            earlier = history(connection)
        release = published["release_id"].iloc[0]
        earlier = earlier[earlier["release_id"] != release]
        started = time.perf_counter()
        control(raw, catalogue, 5, earlier if len(earlier) else None)
        control_seconds = time.perf_counter() - started
        alone = control(raw, catalogue, 5).table
        reasons = published["carry_reason"].value_counts()
        rows.append({
            "release": release, "cutoff": cutoff.isoformat(), "cells": len(published),
            "hidden alone": int(alone["suppressed"].sum()),
            "hidden": int(published["suppressed"].sum()),
            "carried": int(published["carried_from"].notna().sum()),
            "change": int(reasons.get("change", 0)),
            "change_secondary": int(reasons.get("change_secondary", 0)),
            "secondary": int(reasons.get("secondary", 0)),
            "current": int((~published["suppressed"] & published["carried_from"].isna()).sum()),
            "control s": round(control_seconds, 2), "pipeline s": round(pipeline_seconds),
        })
        print(rows[-1], flush=True)
    return rows


def section(rows: list[dict], persons: int, seed: int) -> str:
    columns = list(rows[0])
    lines = [
        SECTION, "",
        f"`python -m bench.releases --persons {persons} --seed {seed}` on {machine()}. Twelve releases",
        "of one home, cutoffs at month ends (one more month of every partner's data each time).",
        "`hidden alone`: cells the single-release rules hide; `hidden`: hidden in the release;",
        "`carried`: shown with an earlier release's value (by `carry_reason`: `change` = its own",
        "change would reveal 1-4 persons, `change_secondary` = protects another held cell's change,",
        "`secondary` = single-release secondary rule on a cell that has an earlier value);",
        "`current`: shown with this release's value; `control s`: disclosure control against all",
        "earlier releases; `pipeline s`: the whole `sammen run`.",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" if c in ("release", "cutoff") else "---:" for c in columns) + "|",
    ]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", type=Path, help="where to build the home (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-releases-") as scratch:
        home = Home.at(args.home or Path(scratch) / "home").ensure()
        rows = measure(home, args.persons, args.seed)
    write_section(section(rows, args.persons, args.seed), SECTION)


if __name__ == "__main__":
    main()
