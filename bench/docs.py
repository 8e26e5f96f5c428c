"""docs/benchmarks.md: each benchmark owns one `## ` section and replaces only that one."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

import duckdb

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    """CPU model, cores, versions and the load at the start (the machine is often shared)."""
    cpu = platform.processor() or platform.machine()
    try:
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = model.group(1).strip() if model else cpu
    except OSError:
        pass
    load = os.getloadavg()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, load average {load:.1f} at start"
    )


def write_section(text: str, section: str, doc: Path = DOC) -> None:
    """Replace `section` (a `## ` heading line) in `doc` with `text`, or append it."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    text = text.rstrip("\n") + "\n\n"  # a blank line before the next section
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    doc.write_text(updated, encoding="utf-8")
