"""The fast pattern test of `ingestion.checks` gives the same verdict as a full regex match."""

from __future__ import annotations

import duckdb
import pytest

from contracts.columns import ID_PATTERN, PERSON_KEY_PATTERN
from ingestion.checks import _matches

VALUES = [
    "C1", "", " ", "a" * 40, "a" * 41, "x-y:z.w_", "æ", "a b", "C1\n", "a]b", "a^b", "a\\b",
    "0" * 64, "0" * 63, "0" * 65, "A" * 64, "g" + "0" * 63, "é" + "0" * 62, "0123456789abcdef" * 4,
]


@pytest.mark.parametrize("pattern", [PERSON_KEY_PATTERN, ID_PATTERN])
def test_fast_pattern_test_agrees_with_a_full_match(pattern):
    # GIVEN a contract pattern of one character class repeated and values on both sides of it
    con = duckdb.connect()
    # WHEN both tests judge every value
    rows = con.execute(
        f"select v, {_matches('v', pattern)}, regexp_full_match(v, $1) from unnest($2) t(v)", [pattern, VALUES]
    ).fetchall()
    # THEN they agree on each (and the fast form was really used)
    assert "regexp_full_match" not in _matches("v", pattern)
    assert [(v, fast) for v, fast, _ in rows] == [(v, full) for v, _, full in rows]


def test_other_patterns_keep_the_full_match():
    # GIVEN a pattern that is no single character class  WHEN it is tested  THEN by a full match
    assert _matches("v", r"^\d{4}-\d{2}$") == r"regexp_full_match(v, '^\d{4}-\d{2}$')"
