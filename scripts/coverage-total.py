"""The coverage of `make test` in one line (issue 13), for readers: no threshold, no per-file table.

Reads the data `pytest --cov` left (pyproject.toml, [tool.coverage.*]: the first-party packages and
the DAG files, measured in the pytest process; README, "Coverage") and prints lines and branches
covered, each as a count and a share, and coverage.py's combined figure.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import coverage


def summary(totals: dict) -> str:
    def share(covered: int, total: int) -> str:
        return f"{covered:,} of {total:,} ({100 * covered / total:.1f}%)" if total else "none"

    return (f"coverage: lines {share(totals['covered_lines'], totals['num_statements'])}, "
            f"branches {share(totals['covered_branches'], totals['num_branches'])}; "
            f"combined {totals['percent_covered']:.1f}%")


def main() -> int:
    measured = coverage.Coverage()
    measured.load()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coverage.json"
        measured.json_report(outfile=str(report))
        totals = json.loads(report.read_text())["totals"]
    print(summary(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
