"""Scale benchmark of the synthetic extract generator.

    .venv/bin/python bench/synth.py --persons 100000 --home /tmp/synth-bench

`bench_synth` returns the wall-clock seconds, peak memory and rows per dataset, so the
project's benchmark runner can put them into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

from core.home import Home
from core.progress import Progress
from synthetic.delivery import synthesise


def bench_synth(persons: int, home: Path, seed: int = 7, years: int = 3) -> dict:
    """Generate `persons` persons into a fresh `home` and measure it."""
    if home.exists():
        shutil.rmtree(home / "landing", ignore_errors=True)
    progress = Progress(quiet=True)
    started = time.perf_counter()
    report = synthesise(Home.at(home), persons=persons, seed=seed, years=years, progress=progress)
    seconds = time.perf_counter() - started
    return {
        "persons": persons,
        "seconds": round(seconds, 2),
        "stages": {name: round(value, 2) for name, value in progress.timings.items()},
        "files": len(report.files),
        "bytes": sum(path.stat().st_size for path in report.paths),
        "rows": report.rows_by_dataset(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--home", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(bench_synth(args.persons, args.home), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
