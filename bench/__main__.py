"""`make bench`: every speed and scale measurement, results written into docs/benchmarks.md.

    .venv/bin/python -m bench [--persons 1500000] [--rows 10000000] [--transform-persons 20000]

1. synthetic extracts at scale (`bench.synth`, section "Synthetic extracts at scale");
2. ingestion throughput against DuckDB's read_csv (`bench.ingest`, section "Ingestion throughput");
3. dbt full vs nightly build (`transform.benchmark`, printed; its section keeps the narrative).
Speed goals live here, not in timed tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

from bench import ingest, synth
from bench.docs import machine, write_section

SYNTH_SECTION = "## Synthetic extracts at scale"


def synth_section(result: dict, where: str) -> str:
    rows = result["rows"]
    lines = [
        SYNTH_SECTION,
        "",
        f"`python -m bench --persons {result['persons']}` on {where}:",
        f"{result['persons']:,} persons in **{result['seconds']:.0f} s**, {result['files']} files, "
        f"{result['bytes'] / 1e9:.2f} GB, peak memory {result['peak_rss_mb']:,} MB.",
        "",
        "| dataset | rows |",
        "|---|---:|",
        *(f"| {name} | {count:,} |" for name, count in rows.items()),
        f"| all | {sum(rows.values()):,} |",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_500_000, help="synthetic scale run")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the ingestion CSV")
    parser.add_argument("--transform-persons", type=int, default=20_000)
    args = parser.parse_args(argv)

    print(f"==> synthetic extracts for {args.persons:,} persons ...", flush=True)
    work = Path(tempfile.mkdtemp(prefix="sammen-bench-synth-"))
    try:
        where = machine()
        result = synth.bench_synth(args.persons, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = synth_section(result, where)
    print(text)
    write_section(text, SYNTH_SECTION)

    print(f"==> ingestion throughput on {args.rows:,} rows ...", flush=True)
    ingest.main(["--rows", str(args.rows)])

    print(f"==> dbt full vs nightly build, {args.transform_persons:,} persons ...", flush=True)
    from transform import benchmark

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        benchmark.main(["--persons", str(args.transform_persons)])
    print(captured.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
