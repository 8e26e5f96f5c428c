"""`make bench` at scale S only, as a smoke test: it finishes and writes its section and chart.
Benchmarks are not timed tests: no figure is asserted."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.report import SECTION
from bench.scale import STAGES
from core.settings import REPO_ROOT

pytestmark = pytest.mark.slow


def test_the_bench_at_scale_s_writes_its_section_and_chart(tmp_path):
    # GIVEN a document with another benchmark's section
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Another benchmark\n\nkept\n", encoding="utf-8")
    # WHEN the bench runs at scale S into a scratch cache
    subprocess.run([sys.executable, "-m", "bench", "--scale", "S", "--root", str(tmp_path / "bench"),
                    "--doc", str(doc)], cwd=REPO_ROOT, check=True, timeout=1800, capture_output=True)
    # THEN the document keeps the other section and gains one table row per stage, and the chart
    text = doc.read_text(encoding="utf-8")
    assert "## Another benchmark\n\nkept" in text and SECTION in text
    for stage in (*STAGES, "full run"):
        assert f"| S | 2,000 | {stage} |" in text
    assert (tmp_path / "benchmarks_scale.png").stat().st_size > 1000
