"""What a batch check reports, and the scrubbing that keeps identifiers out of every result.

GX keeps lists of failing values in its results and Data Docs. sammen caps them (SUMMARY with a
small `partial_unexpected_count`), drops them entirely for identifier columns (person_key and
record ids) and finally blanks anything shaped like a person_key (64 hex) or a CPR number in
whatever remains, before a result is stored, rendered or recorded.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

# Failing values kept per expectation (for non-identifier columns).
PARTIAL_UNEXPECTED_COUNT = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT}
REDACTED = "[redacted]"
HEX64 = re.compile(r"[0-9a-fA-F]{64}")
# extracts.md: DDMMYY-SSSS or DDMMYYSSSS standing as a separate word, DDMMYY a real date.
CPR_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])(\d{2})(\d{2})(\d{2})-?\d{4}(?![A-Za-z0-9])")
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
class CheckResult:
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


def _is_date(day: str, month: str, year: str) -> bool:
    """DDMMYY is a calendar date in 19YY or in 20YY (29 February differs by century)."""
    for century in (1900, 2000):
        try:
            dt.date(century + int(year), int(month), int(day))
            return True
        except ValueError:
            continue
    return False


def _blank_cpr(match: re.Match[str]) -> str:
    return REDACTED if _is_date(*match.groups()) else match.group(0)


def redact(value: Any) -> Any:
    """`value` with every 64-hex or CPR-like substring blanked, recursively."""
    if isinstance(value, str):
        return CPR_CANDIDATE.sub(_blank_cpr, HEX64.sub(REDACTED, value))
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
