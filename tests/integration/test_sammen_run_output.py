"""What a data engineer sees from `make demo` (`sammen synth` then `sammen run`): one screen,
each file at most once, failing checks in words; every detail with -v."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import sammen_command

from core import exit_codes

pytestmark = pytest.mark.slow
SCREEN = 45  # lines: "about 40", one terminal screen


def sammen(*args: str) -> str:
    done = subprocess.run([*sammen_command(), *args], capture_output=True, text=True, timeout=900)
    # the demo's synthetic NGO data fail one batch check, so a finished night exits FAILURES
    assert done.returncode in (exit_codes.CLEAN, exit_codes.FAILURES), done.stderr[-3000:]
    return done.stdout + done.stderr


def test_demo_output_fits_one_screen_and_names_each_file_once(demo_run, tmp_path):
    # GIVEN synthetic extracts (20 files) WHEN synthesised and run as `make demo` does (the
    # session's demo run, tests/conftest.py: `sammen synth` then `sammen run`, output captured)
    out = "".join(done.stdout + done.stderr for done in (demo_run.synth, demo_run.run))
    lines = out.splitlines()
    # THEN the whole output fits one screen
    assert len(lines) <= SCREEN, "\n".join(lines)
    # AND the headline indicators mark hidden rates "hidden", never "<5" (which would read as a
    # number), and unfinished periods with a "*" explained in a legend
    rates = [line for line in lines if line.startswith(("stay_rate_pre ", "stay_rate_post "))]
    assert rates and not any("<5" in line for line in rates)
    if any(line.split()[1].endswith("*") for line in rates):
        assert any(line.startswith("* provisional") for line in lines)
    # AND no delivered file is listed twice
    names = re.findall(r"\b\w+__\d{8}(?:__\w+)?\.(?:csv|parquet)\b", out)
    assert len(names) == len(set(names))
    # AND the stale sources are explained in words, never as a dataset "-"
    assert re.search(r"region: no extract newer than \d+ days \(admissions, outpatient_contacts;", out)
    assert not re.search(r"\s-\s+\d+\s+\d+", out)
    # AND WHEN the same deliveries are run with -v (a second home: a run with nothing new skips the
    # checks and dbt) THEN every check kind and dataset is in a table, and every nested step shows
    again = str(tmp_path / "again")
    sammen("synth", "--home", again, "--persons", "150")
    verbose = sammen("run", "--home", again, "-v")
    assert "check kind" in verbose and "(per source)" in verbose and "==> dbt build" in verbose
