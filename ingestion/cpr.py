"""CPR-like values: found in bulk, never repeated.

extracts.md: a field is CPR-like when, anywhere in it, `DDMMYY-SSSS` or `DDMMYYSSSS` stands as a
separate word (at the start or end of the field, or next to a character that is neither a letter
nor a digit) and `DDMMYY` is a valid calendar date in 19YY or in 20YY.

The bulk check runs in DuckDB in two steps, so the expensive part only sees candidates:
1. one RE2 match per field of 10 characters or more (shorter ones cannot hold the word);
2. for candidate rows only: every 10-digit match is extracted and its date checked. RE2 has no
   look-around, so a match consumes its boundary characters; doubling every boundary character
   first lets adjacent numbers (`0101901234 0202901234`) each keep one.

The same definition in Python (`is_cpr_like`) serves `sammen pseudonymise`, header names and the
metadata around the fields (manifest, Parquet key-value metadata, Arrow schema and field
metadata: see the end of this module).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

# RE2 (DuckDB): a candidate, boundaries consumed
SQL_CANDIDATE = r"(?:^|[^\p{L}\p{N}])\d{6}-?\d{4}(?:$|[^\p{L}\p{N}])"
# after doubling, the optional hyphen of DDMMYY-SSSS reads as `--`
SQL_EXTRACT = r"(?:^|[^\p{L}\p{N}])(\d{6})(?:--)?\d{4}(?:$|[^\p{L}\p{N}])"
SQL_BOUNDARY = r"([^\p{L}\p{N}])"

# Python: letters and digits are `[^\W_]` (word characters without the underscore)
_PY_PATTERN = re.compile(r"(?<![^\W_])(\d{6})-?\d{4}(?![^\W_])")
_CPR_FORMAT = re.compile(r"^(\d{6})-?(\d{4})$")


def valid_ddmmyy(digits: str) -> bool:
    """`DDMMYY` is a calendar date in 19YY or in 20YY (290200 is, as 2000-02-29; 290201 is not)."""
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    for century in (1900, 2000):
        try:
            dt.date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


def is_cpr_like(text: str) -> bool:
    """Does `text` hold a CPR-like word anywhere (extracts.md)?"""
    return any(valid_ddmmyy(m.group(1)) for m in _PY_PATTERN.finditer(text))


def is_cpr_number(text: str) -> bool:
    """Is `text` (trimmed) exactly one CPR number, `DDMMYY-SSSS` or `DDMMYYSSSS`?"""
    match = _CPR_FORMAT.match(text.strip())
    return match is not None and valid_ddmmyy(match.group(1))


def sql_valid_ddmmyy(digits: str) -> str:
    """SQL: the 6-character expression `digits` is a date in 19YY or 20YY."""
    day_month = f"substr({digits}, 1, 4)"
    year = f"substr({digits}, 5, 2)"
    return (
        f"(try_strptime({day_month} || '19' || {year}, '%d%m%Y') is not null "
        f"or try_strptime({day_month} || '20' || {year}, '%d%m%Y') is not null)"
    )


def sql_candidate(expressions: list[str]) -> str:
    """SQL: the row's fields (VARCHAR expressions) hold a CPR-shaped word (date not checked).

    A CPR-shaped word has 10 characters at least: a field is matched only when it is that long
    (CASE evaluates the match for those rows only), so the short fields of a big file, most of
    them, cost a length test and no regular expression."""
    if not expressions:
        return "false"
    return "(" + " or ".join(
        f"case when strlen({x}) >= 10 then coalesce(regexp_matches({x}, '{SQL_CANDIDATE}'), false) else false end"
        for x in expressions) + ")"


def sql_confirmed(expression: str) -> str:
    """SQL: the VARCHAR `expression` holds a CPR-like word whose date is valid."""
    doubled = f"regexp_replace({expression}, '{SQL_BOUNDARY}', '\\1\\1', 'g')"
    extracted = f"regexp_extract_all({doubled}, '{SQL_EXTRACT}', 1)"
    return f"coalesce(len(list_filter({extracted}, d -> {sql_valid_ddmmyy('d')})) > 0, false)"


# ---------------------------------------------------------------- metadata around the fields
# A CPR hides as well in what travels with the rows: a manifest's keys and values, Parquet's
# key-value metadata, Arrow's schema and field metadata. Each is scanned with `is_cpr_like`, the
# same definition as the fields; a hit names the place, never the text.

# pyarrow's own key: its value is the Arrow schema serialised in base64, scanned decoded instead
# (base64 text could form a CPR-shaped word by chance and reject a clean file)
_ARROW_SCHEMA_KEY = b"ARROW:schema"


def _text(value: bytes | str) -> str:
    # undecodable bytes become U+FFFD, not a letter: digits beside them still stand as a word
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def in_key_values(metadata: Mapping[bytes, bytes] | Mapping[str, str] | None) -> str | None:
    """`a key` or `a value` when a key or a value of the metadata is CPR-like, else None."""
    for name, value in (metadata or {}).items():
        if is_cpr_like(_text(name)):
            return "a key"
        if name != _ARROW_SCHEMA_KEY and is_cpr_like(_text(value)):
            return "a value"
    return None


def in_document(document: Any) -> str | None:
    """`a key` or `a value` when a parsed JSON document holds a CPR-like key or scalar."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if any(is_cpr_like(str(name)) for name in item):
                return "a key"
            pending += item.values()
        elif isinstance(item, list):
            pending += item
        elif item is not None and is_cpr_like(str(item)):
            return "a value"
    return None


def in_manifest(path: Path) -> str | None:
    """Where a manifest holds a CPR-like word (`the manifest (a key)` ...), else None.

    The raw text is scanned too: a manifest that is no JSON may still carry one, and a JSON
    `\\u` escape hides one from the raw text but not from the parsed document."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        found = in_document(json.loads(text.removeprefix("\ufeff")))
    except ValueError:
        found = None
    if found is None and is_cpr_like(text):
        found = "its text"
    return f"the manifest ({found})" if found else None


def in_arrow_schema(schema: pa.Schema) -> str | None:
    """Where an Arrow schema holds a CPR-like word: its metadata, a field's name or metadata."""
    if where := in_key_values(schema.metadata):
        return f"the Arrow schema metadata ({where})"
    pending = [(i + 1, schema.field(i)) for i in range(len(schema))]
    while pending:
        column, field = pending.pop()
        if is_cpr_like(field.name):
            return f"the Arrow schema (a field name in column {column})"
        if where := in_key_values(field.metadata):
            return f"the Arrow field metadata of column {column} ({where})"
        pending += [(column, child) for child in _children(field.type)]
    return None


def _children(kind: pa.DataType) -> list[pa.Field]:
    if pa.types.is_map(kind):
        return [kind.key_field, kind.item_field]
    if hasattr(kind, "value_field"):  # list types
        return [kind.value_field]
    return [kind.field(i) for i in range(kind.num_fields)] if pa.types.is_struct(kind) else []
