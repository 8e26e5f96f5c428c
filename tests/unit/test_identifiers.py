"""CPR numbers in text (extracts.md): core.identifiers' Python and its DuckDB SQL against an
oracle written from the spec (tests/helpers/cpr.py), on numbers built from real calendar dates
and on near misses built to fail one rule each."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from helpers.cpr import cpr_words, is_one_cpr_number, looks_like_cpr, valid_date
from helpers.ingestion import key
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.identifiers import (
    blank_cpr,
    is_cpr_like,
    is_cpr_number,
    sql_candidate,
    sql_confirmed,
    sql_is_cpr_number,
)

# the bulk check's two steps, as ingestion runs them: candidate, then confirmation
_BOTH = f"select {sql_candidate(['t'])} and {sql_confirmed('t')} from (select ?::varchar as t)"
_NUMBER = f"select {sql_is_cpr_number('t')} from (select ?::varchar as t)"

# ------------------------------------------------------------------ generators, from the spec

LEAP_DAYS = [dt.date(year, 2, 29) for year in (1904, 1996, 2000, 2024, 2096)]
# a letter or a digit, any script: beside the number, it keeps it from standing as a word
LETTERS_AND_DIGITS = "aZæøåÆØÅßéλЖ中0459٣²Ⅷ"
# neither a letter nor a digit: the number beside one of them stands as a word
SEPARATORS = [" ", "_", "-", ".", ",", ";", ":", "/", "(", ")", "\t", "\n", "«", "–", "\u00a0", "\u0301", "\ufffd", "😀"]
# filler text around the number that cannot form a CPR number itself (no digit)
FILLER = st.text(alphabet="abcxyzæøå _-.:/()ÆØÅ", max_size=8)

dates = st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), st.sampled_from(LEAP_DAYS))
serials = st.integers(0, 9999).map("{:04d}".format)


@st.composite
def cpr_numbers(draw) -> str:
    """A CPR number of a real date, `DDMMYYSSSS` or `DDMMYY-SSSS`."""
    separator = draw(st.sampled_from(["", "-"]))
    return draw(dates).strftime("%d%m%y") + separator + draw(serials)


@st.composite
def left_context(draw) -> str:
    """The start of the field, or text ending in a character that is neither letter nor digit."""
    return draw(st.one_of(st.just(""), st.builds(str.__add__, FILLER, st.sampled_from(SEPARATORS))))


@st.composite
def right_context(draw) -> str:
    return draw(st.one_of(st.just(""), st.builds(str.__add__, st.sampled_from(SEPARATORS), FILLER)))


@st.composite
def impossible_ddmmyy(draw) -> str:
    """DDMMYY that is no date in 19YY nor in 20YY: day 00 or > the month's length, month 00 or
    > 12, 29 February of a year that is leap in neither century (01, 02, ..., never 00)."""
    kind = draw(st.sampled_from(["day", "month", "february"]))
    year = draw(st.integers(0, 99))
    if kind == "month":
        return f"{draw(st.integers(1, 28)):02d}{draw(st.sampled_from([0, *range(13, 100)])):02d}{year:02d}"
    if kind == "february":
        year = draw(st.integers(1, 99).filter(lambda y: y % 4))
        return f"{draw(st.sampled_from([29, 30, 31])):02d}02{year:02d}"
    month = draw(st.integers(1, 12))
    length = 31 if month in (1, 3, 5, 7, 8, 10, 12) else 30 if month != 2 else 29
    return f"{draw(st.sampled_from([0, *range(length + 1, 100)])):02d}{month:02d}{year:02d}"


@st.composite
def near_misses(draw) -> str:
    """A field that breaks exactly one rule of a CPR-like word."""
    number = draw(cpr_numbers())
    left, right = draw(left_context()), draw(right_context())
    miss = draw(st.sampled_from([
        "date", "letter_or_digit_before", "letter_or_digit_after", "eleven_digits", "nine_digits",
        "two_hyphens", "hyphen_misplaced", "space_inside", "foreign_digit_inside",
    ]))
    digits = number.replace("-", "")
    neighbour = draw(st.sampled_from(LETTERS_AND_DIGITS))
    built = {
        "date": draw(impossible_ddmmyy()) + number[6:],
        "letter_or_digit_before": neighbour + number,
        "letter_or_digit_after": number + neighbour,
        "eleven_digits": digits + draw(st.sampled_from("0123456789")),
        "nine_digits": digits[:9],
        "two_hyphens": digits[:6] + "--" + digits[6:],
        "hyphen_misplaced": digits[:5] + "-" + digits[5:],
        "space_inside": digits[:6] + " " + digits[6:],
        "foreign_digit_inside": digits[:3] + "٣" + digits[4:],
    }[miss]
    if miss in ("letter_or_digit_before", "nine_digits", "eleven_digits"):
        left = ""  # the neighbour must touch the number, not the filler's separator
    return left + built + right


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


def _verdicts(con, text: str) -> tuple[bool, bool]:
    return is_cpr_like(text), con.execute(_BOTH, [text]).fetchone()[0]


# ------------------------------------------------------------------ the oracle itself


def test_the_oracle_reads_the_spec_examples():
    # extracts.md's own examples, and the dates the spec's rule turns on
    assert looks_like_cpr("0101901234") and looks_like_cpr("x 010190-1234") and looks_like_cpr("ENR_0101901234")
    assert not looks_like_cpr(key(1))
    assert valid_date("290200") and not valid_date("290201") and not valid_date("310290")


# ------------------------------------------------------------------ the product against it


@settings(max_examples=200, deadline=None)
@given(left=left_context(), number=cpr_numbers(), right=right_context())
@example(left="", number="2902001234", right="")
@example(left="ENR_", number="0101901234", right="")
@example(left="x ", number="010190-1234", right=".")
@example(left="3201901234-", number="3112991234", right="")
def test_a_real_date_standing_as_a_word_is_found(con, left, number, right):
    # GIVEN a CPR number of a real date, alone or among separators and filler
    text = left + number + right
    assert looks_like_cpr(text)
    # WHEN Python and the bulk SQL judge it THEN both find it
    assert _verdicts(con, text) == (True, True)
    # AND blanking removes exactly that number
    assert blank_cpr(text, "#") == left + "#" + right


@settings(max_examples=200, deadline=None)
@given(near_misses())
@example("æ0101901234")
@example("a0101901234")
@example("0101901234b")
@example("01019012345")
@example("3102901234")
@example("2902011234")
@example("010190--1234")
@example("٣0101901234")
def test_a_near_miss_is_not_found(con, text):
    # GIVEN a field breaking one rule (an impossible date, a letter or digit of any script
    # touching it, a digit too many or too few, a misplaced or doubled hyphen, a foreign digit)
    assert not looks_like_cpr(text)
    # WHEN both definitions judge it THEN neither finds a CPR number, and nothing is blanked
    assert _verdicts(con, text) == (False, False)
    assert not con.execute(f"select {sql_confirmed('?')}", [text]).fetchone()[0]
    assert blank_cpr(text, "#") == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-_ aæ٣.x\u0301", max_size=30))
@example("0101901234 0202901234")
@example("123456-0101901234")
def test_python_and_sql_agree_with_the_oracle_on_any_text(con, text):
    # GIVEN any short text of digits (ASCII or not), hyphens, letters, marks and separators
    # WHEN Python and the bulk SQL judge it THEN both say what the oracle says
    expected = looks_like_cpr(text)
    assert _verdicts(con, text) == (expected, expected)
    assert (blank_cpr(text, "#") != text) == expected
    assert "".join(word for word in cpr_words(blank_cpr(text, "#"))) == ""


@settings(max_examples=150, deadline=None)
@given(st.one_of(cpr_numbers(), near_misses(), st.text(alphabet="0123456789-", max_size=12)))
def test_a_whole_value_is_one_cpr_number_in_python_and_sql_alike(con, text):
    # GIVEN a value for `sammen pseudonymise`: it must be exactly one CPR number
    expected = is_one_cpr_number(text)
    assert is_cpr_number(text) == expected
    assert bool(con.execute(_NUMBER, [text]).fetchone()[0]) == expected
