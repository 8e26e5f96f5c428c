"""CPR-like values (extracts.md): the Python and the bulk SQL definitions agree, on true and false
positives alike."""

from __future__ import annotations

import duckdb
import pytest
from helpers.ingestion import key
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.cpr import (
    in_document,
    in_key_values,
    is_cpr_like,
    is_cpr_number,
    sql_candidate,
    sql_confirmed,
)

CPR_LIKE = [
    "0101901234",
    "010190-1234",
    "x 010190-1234",
    "ENR_0101901234",
    "2902001234",  # 29 Feb 2000 exists
    "note: 3112991234.",
    "3201901234 0101901234",  # the second one is valid
    "0101901234-3201901234",
    "(0101901234)",
]
NOT_CPR_LIKE = [
    key(1),  # a 64-hex person_key: its digits always touch letters or digits
    "2902011234",  # 29 Feb 1901 / 2001 do not exist
    "3201901234",  # day 32
    "0113901234",  # month 13
    "a0101901234",
    "0101901234b",
    "æ0101901234",  # a Danish letter is a letter
    "01019012345",  # 11 digits: no separate word
    "010190--1234",
    "010190 1234",
    "2025-03-01 10:00",
    "12345678",
    "",
]


# the bulk check's two steps, as ingestion runs them: candidate, then confirmation
_BOTH = f"select {sql_candidate(['t'])} and {sql_confirmed('t')} from (select ?::varchar as t)"


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize("text", CPR_LIKE)
def test_cpr_like_values_are_found_in_python_and_sql(con, text):
    # GIVEN a field holding a CPR-like word WHEN both definitions look at it THEN both find it
    assert is_cpr_like(text)
    assert con.execute(_BOTH, [text]).fetchone()[0]


@pytest.mark.parametrize("text", NOT_CPR_LIKE)
def test_lookalikes_are_not_cpr_like(con, text):
    assert not is_cpr_like(text)
    assert not con.execute(f"select {sql_confirmed('?')}", [text]).fetchone()[0]


def test_cpr_number_format_for_pseudonymisation():
    assert is_cpr_number(" 010190-1234 ") and is_cpr_number("0101901234")
    assert not is_cpr_number("0101901234x") and not is_cpr_number("3201901234")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-_ aæ.x", max_size=30))
def test_python_and_sql_agree_on_any_text(con, text):
    # GIVEN any short text of digits, hyphens, letters and separators
    # WHEN both definitions judge it THEN they agree (the bulk check is the spec's definition)
    sql = con.execute(_BOTH, [text]).fetchone()[0]
    assert sql == is_cpr_like(text)


def test_a_header_name_holding_a_digit_run_is_never_shown(tmp_path):
    # GIVEN a file whose header is a value with ten digits touching a letter (a data row, no header)
    from ingestion.check import check_file

    path = tmp_path / "sessions__20250301.csv"
    path.write_bytes(b"A0101901234\n")
    # WHEN it is checked
    text = str(check_file(path))
    # THEN the report names the column by position, never by those digits
    assert "0101901234" not in text
    assert "column_1" in text


# ---------------------------------------------------------------- metadata around the fields


@pytest.mark.parametrize("text", CPR_LIKE)
def test_metadata_and_documents_use_the_same_definition(text):
    # GIVEN a CPR-like text as a key, a value, a nested JSON value
    assert in_key_values({text.encode(): b"x"}) == "a key"
    assert in_key_values({b"k": text.encode()}) == "a value"
    assert in_document({"rows": 1, "partner": [{"ids": ["a", text]}]}) == "a value"
    assert in_document({text: 1}) == "a key"


@pytest.mark.parametrize("text", NOT_CPR_LIKE)
def test_lookalikes_in_metadata_pass(text):
    assert in_key_values({b"k": text.encode(), text.encode(): b"v"}) is None
    assert in_document({"k": [text, {"x": text}]}) is None


def test_pyarrows_serialised_schema_is_not_scanned_as_text():
    # GIVEN base64 that happens to form a CPR-shaped word: pyarrow's own key is scanned decoded
    # (in_arrow_schema), never as text, so a clean file is not rejected by chance
    assert in_key_values({b"ARROW:schema": b"/0101901234+"}) is None
    assert in_key_values({b"other": b"/0101901234+"}) == "a value"


def test_undecodable_bytes_do_not_hide_a_cpr():
    # GIVEN bytes that are no UTF-8 right beside the digits: they stand as a word
    assert in_key_values({b"k": b"\xff0101901234\xfe"}) == "a value"
