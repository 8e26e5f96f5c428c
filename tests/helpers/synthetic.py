"""Reading synthetic extracts back in tests, independently of the ingestion package.

Deliberately simple (Python's csv module, pyarrow for Parquet): the tests check what the
generator wrote, so they must not depend on the reader they are meant to feed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

FILE_NAME = re.compile(
    r"^(?P<dataset>[a-z_]+)__(?P<date>\d{8})(?:__(?P<free>[^.]+))?\.(?P<suffix>csv|parquet)$"
)
def encoding_of(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def read_extract(path: Path) -> list[dict[str, Any]]:
    """Rows as dicts with lower-case column names; CSV values as text (empty = None)."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    raw = path.read_bytes()
    text = raw.decode(encoding_of(raw))
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [
        {key.lower(): (value if value != "" else None) for key, value in row.items()}
        for row in reader
    ]


def data_files(landing: Path) -> list[Path]:
    return sorted(path for path in landing.rglob("*") if FILE_NAME.match(path.name))
