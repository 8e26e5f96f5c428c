"""What a batch check reports, and the scrubbing that keeps identifiers out of every result.

GX keeps lists of failing values in its results and Data Docs. sammen caps them (SUMMARY with a
small `partial_unexpected_count`), drops them entirely for identifier columns (person_key and
record ids) and finally blanks anything shaped like a person_key (any 64-hex run, either case:
`contracts.columns.PERSON_KEY_IN_TEXT`) or a CPR number (`core.identifiers`) in whatever
remains, before a result is stored, rendered or recorded.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from contracts.columns import PERSON_KEY_IN_TEXT
from core.identifiers import blank_cpr

# Failing values kept per expectation (for non-identifier columns).
PARTIAL_UNEXPECTED_COUNT = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT}
REDACTED = "[redacted]"
HEX64 = re.compile(PERSON_KEY_IN_TEXT, re.IGNORECASE)
VALUE_LISTS = (
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
    "unexpected_rows",
)


@dataclass(frozen=True)
class BatchCheckResult:
    """One batch-level check of one run. `success` is False when the check failed or could not
    run (`error` says why, in words that never hold a value)."""

    suite: str
    dataset: str | None
    check_name: str
    check_kind: str
    success: bool
    column_name: str | None = None
    unexpected_count: int | None = None
    element_count: int | None = None
    observed: str | None = None
    error: str | None = None
    engine: str = "gx"
    explanation: str | None = None  # a failing check in words, e.g. "region: no admissions newer than 268 days"

    def explained(self) -> str:
        """What a data engineer reads about a failing check (never a value of a row)."""
        if self.explanation:
            return self.explanation
        where = self.dataset or self.suite
        detail = self.error or (f"{self.unexpected_count} of {self.element_count} rows" if self.unexpected_count
                                else f"observed {self.observed}" if self.observed else "failed")
        return f"{where}: {self.check_name} ({detail})"

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row.pop("explanation")  # words for people, not a column of ledger.checks
        return row


def redact(value: Any) -> Any:
    """`value` with every 64-hex or CPR-like substring blanked, recursively."""
    if isinstance(value, str):
        return blank_cpr(HEX64.sub(REDACTED, value), REDACTED)
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(item) for item in value)
    return value


def scrub_result(result: dict[str, Any], *, identifier: bool) -> dict[str, Any]:
    """A GX expectation result dict without value lists (identifier columns, and row positions
    always) and with identifier-shaped strings blanked."""
    drop = set(VALUE_LISTS) if identifier else {"partial_unexpected_index_list", "unexpected_index_list",
                                                "unexpected_index_query", "unexpected_rows"}
    return redact({key: value for key, value in result.items() if key not in drop})


def looks_identifying(text: str) -> bool:
    return redact(text) != text
