"""Where a CPR number hides around the fields: the metadata that travels with the rows.

A manifest's keys and values, Parquet's key-value metadata, Arrow's schema and field metadata are
each scanned with `core.identifiers.is_cpr_like`, the one definition the fields' bulk check is
made from too; a hit names the place, never the text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from core.identifiers import is_cpr_like

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
