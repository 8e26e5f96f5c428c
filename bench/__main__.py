"""`make bench`: the pipeline at national scale, results written into docs/benchmarks.md.

    .venv/bin/python -m bench [--scale S|M|L ...] [--root var/bench] [--doc docs/benchmarks.md]

Runs `bench.scale` for each scale (default S, M and L: 2,000, 100,000 and 1,500,000 persons),
then replaces the section "## National scale (`make bench`)" of the document and draws the chart
beside it (`benchmarks_scale.png`). The older component benchmarks stay runnable on their own:
`python -m bench.ingest` (one large CSV) and `python -m bench.nightly` (full vs nightly dbt).
Speed goals live here and in the document, not in timed tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import chart, scale
from bench.docs import DOC, machine, write_section
from bench.report import SECTION, section

ROOT = Path(__file__).resolve().parents[1] / "var" / "bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="append", choices=list(scale.SCALES),
                        help="scale to measure (repeatable; default all three)")
    parser.add_argument("--root", type=Path, default=ROOT, help="cache of extracts and homes")
    parser.add_argument("--doc", type=Path, default=DOC, help="the document to update")
    args = parser.parse_args(argv)
    scales = args.scale or list(scale.SCALES)
    where = machine()
    measures, synth = [], {}
    for name in scales:
        print(f"==> scale {name}: {scale.SCALES[name]:,} persons", flush=True)
        found, synth[name] = scale.run_scale(args.root, name, progress=lambda line: print(line, flush=True))
        measures += found
    picture = chart.draw(measures, args.doc.with_name("benchmarks_scale.png"))
    text = section(measures, synth, where, picture.name)
    write_section(text, SECTION, args.doc)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
