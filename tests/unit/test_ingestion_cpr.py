"""CPR numbers around the fields (ingestion.cpr): manifests, Parquet and Arrow metadata, header
names. What a CPR number in a text is: tests/unit/test_identifiers.py."""

from __future__ import annotations

import pytest
from helpers.cpr import looks_like_cpr
from helpers.ingestion import key

from ingestion.cpr import in_document, in_key_values

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


def test_the_examples_are_what_the_oracle_says():
    assert all(map(looks_like_cpr, CPR_LIKE)) and not any(map(looks_like_cpr, NOT_CPR_LIKE))


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
