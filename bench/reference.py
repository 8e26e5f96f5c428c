"""The reference load of `make bench`: plain DuckDB loading the landing files into tables.

    python -m bench.reference DATABASE FILE...

One table per file, `CREATE TABLE AS SELECT * FROM read_csv|read_parquet(file)` with DuckDB's
defaults (type and dialect detection included), no checks, no ledger. cp1252 CSV files are
transcoded to UTF-8 by the caller beforehand (untimed), as DuckDB reads UTF-8 only. Prints the
rows loaded. Run as its own process so that its time and peak memory are measured like sammen's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from core.database import scalar


def load(database: Path, files: list[Path]) -> int:
    rows = 0
    with duckdb.connect(str(database)) as con:
        for number, path in enumerate(files):
            reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
            con.execute(f"create table t{number} as select * from {reader}(?)", [str(path)])
            rows += scalar(con, f"select count(*) from t{number}")
    return rows


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(load(Path(args[0]), [Path(arg) for arg in args[1:]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
