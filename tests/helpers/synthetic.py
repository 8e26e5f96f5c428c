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
# extracts.md: DDMMYY-SSSS or DDMMYYSSSS standing as a separate word (next to neither a letter
# nor a digit); whether DDMMYY is a valid date is checked in `looks_like_cpr`.
CPR_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])(\d{2})(\d{2})(\d{2})-?(\d{4})(?![A-Za-z0-9])")


def looks_like_cpr(text: str) -> bool:
    """True when `text` holds a CPR-like word whose DDMMYY is a real date in 19YY or 20YY."""
    import datetime as dt

    for match in CPR_CANDIDATE.finditer(text):
        day, month, year = (int(part) for part in match.groups()[:3])
        for century in (1900, 2000):
            try:
                dt.date(century + year, month, day)
                return True
            except ValueError:
                continue
    return False


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
