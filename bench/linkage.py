"""Throughput of the linkage key: `core.linkage` (Python's `hmac` in a DuckDB Arrow function)
against the SQL HMAC built from ipad/opad that `pseudonymise` and `synth` used before it.

    python -m bench.linkage [--values N] [--repeats R]

Both compute HMAC-SHA256 hex of the 10-digit decimal text of N consecutive numbers (CPR-like
messages) under a 50-byte key, in one DuckDB query each (`max()` of the keys, so every key is
computed and nothing is written), threads = 2; the two alternate R times and the medians are
printed, with the machine's load average (it is shared). The SQL version lives only here now.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import duckdb

from core import linkage
from core.database import scalar

KEY = b"sammen synthetic partnership key (not a real key)"
FIRST = 1_000_000_000


def sql_hmac(con: duckdb.DuckDBPyConnection, count: int) -> str:
    """The former SQL: SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)), key of at most 64 bytes."""
    block = KEY.ljust(64, b"\0")
    return scalar(
        con, "select max(sha256($outer || unhex(sha256($inner || encode(cast(n as varchar)))))) "
        "from range($first, $first + $count) as numbers(n)",
        {"outer": bytes(b ^ 0x5C for b in block), "inner": bytes(b ^ 0x36 for b in block),
         "first": FIRST, "count": count},
    )


def library_hmac(con: duckdb.DuckDBPyConnection, count: int) -> str:
    return scalar(
        con, f"select max({linkage.FUNCTION}(cast(n as varchar))) from range($first, $first + $count) as numbers(n)",
        {"first": FIRST, "count": count},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.linkage")
    parser.add_argument("--values", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} at start, {os.cpu_count()} cores, DuckDB {duckdb.__version__}")
    times: dict[str, list[float]] = {"sql": [], "hmac": []}
    with duckdb.connect() as con:
        con.execute("set threads to 2")
        con.execute("set enable_progress_bar = false")
        linkage.register(con, KEY)
        results = set()
        for _ in range(args.repeats):
            for name, run in (("sql", sql_hmac), ("hmac", library_hmac)):
                start = time.perf_counter()
                results.add(run(con, args.values))
                times[name].append(time.perf_counter() - start)
    if len(results) != 1:
        raise SystemExit("the two versions differ")
    sql, library = statistics.median(times["sql"]), statistics.median(times["hmac"])
    for name, median in (("SQL ipad/opad", sql), ("core.linkage (hmac)", library)):
        print(f"{name}: median {median:.1f} s of {args.repeats} ({args.values / median / 1e6:.2f} M values/s)")
    print(f"ratio hmac/sql {library / sql:.2f}; load average {os.getloadavg()[0]:.1f} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
