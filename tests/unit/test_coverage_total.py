"""The one line `make test` ends with (scripts/coverage-total.py, issue 13): lines and branches
covered, read from real coverage data of a small program whose figures are counted by hand."""

from __future__ import annotations

import os
import subprocess
import sys

from core.settings import REPO_ROOT

PROGRAM = """\
def sign(n):
    if n < 0:
        return "negative"
    return "not negative"


print(sign(1))
"""


def test_the_summary_counts_lines_and_branches_of_the_measured_code(tmp_path):
    # GIVEN a program of 5 statements, one never run, and one `if` taken only one way (2 branches)
    (tmp_path / "program.py").write_text(PROGRAM)
    (tmp_path / ".coveragerc").write_text("[run]\nbranch = true\n")
    # (the child measures only itself, not into the data of a `make test` around this test)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    subprocess.run([sys.executable, "-m", "coverage", "run", "program.py"], cwd=tmp_path, env=env,
                   check=True, capture_output=True)
    # WHEN the summary is printed
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "coverage-total.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    # THEN it is one line: 4 of 5 lines, 1 of 2 branches, combined (4 + 1) / (5 + 2)
    assert done.stdout == "coverage: lines 4 of 5 (80.0%), branches 1 of 2 (50.0%); combined 71.4%\n"
