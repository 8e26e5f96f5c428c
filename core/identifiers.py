"""What a CPR number in a text is: the one definition, in Python and in the SQL made from it.

extracts.md: a field is CPR-like when, anywhere in it, `DDMMYY-SSSS` or `DDMMYYSSSS` stands as a
separate word (at the start or end of the field, or next to a character that is neither a letter
nor a digit) and `DDMMYY` is a valid calendar date in 19YY or in 20YY.

Decisions where the spec is silent (tests/unit/test_identifiers.py):
- "a letter or a digit" is any Unicode letter or digit (general categories L* and N*), not only
  ASCII: `æ0101901234` is not CPR-like, since æ is a letter as much as a is. Ingestion always read
  it so; the scrubbing of check results (`validation.results`) used ASCII boundaries and blanked
  it: it now follows this definition too.
- The ten digits of the number are ASCII `0-9` (how CPR numbers are written; DuckDB's RE2 `\\d`
  is ASCII only, Python's `\\d` is not). Any other digit (`٣`, `²`) beside them is a digit, so
  it keeps them from standing as a word.
- The 7th digit's century rule is not used: the spec accepts a date valid in 19YY or in 20YY
  (`290200` is, as 2000-02-29; `290201` is not).

Python (`is_cpr_like`, `cpr_spans`) and DuckDB SQL (`sql_candidate`, `sql_confirmed`) are both
rendered from the constants below. The bulk SQL check runs in two steps, so the expensive part
only sees candidates:
1. one RE2 match per field of 10 characters or more (shorter ones cannot hold the word);
2. for candidate rows only: every 10-digit match is extracted and its date checked. RE2 has no
   look-around, so a match consumes its boundary characters; doubling every boundary character
   first lets adjacent numbers (`0101901234 0202901234`) each keep one.

The person_key's shape (64 lower-case hex) is a column type of the contracts, which import
nothing of sammen: it lives in `contracts.columns` (`PERSON_KEY_PATTERN`, `PERSON_KEY_IN_TEXT`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator

DATE_DIGITS = 6  # DDMMYY
SERIAL_DIGITS = 4  # SSSS
SEPARATOR = "-"  # the optional one between them
WORD_CATEGORIES = ("L", "N")  # Unicode general categories of letters and digits
CENTURIES = (1900, 2000)
SHORTEST = DATE_DIGITS + SERIAL_DIGITS  # a field shorter than this holds no CPR number

# the number itself; group 1 is DDMMYY
_SHAPE = f"([0-9]{{{DATE_DIGITS}}}){re.escape(SEPARATOR)}?[0-9]{{{SERIAL_DIGITS}}}"
# every position where the number's shape starts (overlapping, so none hides behind another)
_STARTS = re.compile(f"(?=({_SHAPE}))")
_NUMBER = re.compile(_SHAPE)

# RE2 (DuckDB): a character that is neither a letter nor a digit
SQL_BOUNDARY = "[^" + "".join(f"\\p{{{category}}}" for category in WORD_CATEGORIES) + "]"
_SQL_SHAPE = _SHAPE.replace("(", "(?:", 1)
SQL_CANDIDATE = f"(?:^|{SQL_BOUNDARY}){_SQL_SHAPE}(?:$|{SQL_BOUNDARY})"
# after the boundary characters are doubled, the optional separator reads as two
SQL_EXTRACT = (f"(?:^|{SQL_BOUNDARY})([0-9]{{{DATE_DIGITS}}})(?:{SEPARATOR * 2})?"
               f"[0-9]{{{SERIAL_DIGITS}}}(?:$|{SQL_BOUNDARY})")


def _is_word_character(character: str) -> bool:
    return unicodedata.category(character)[0] in WORD_CATEGORIES


def valid_ddmmyy(digits: str) -> bool:
    """`DDMMYY` is a calendar date in 19YY or in 20YY."""
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    for century in CENTURIES:
        try:
            dt.date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


def cpr_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every CPR-like word in `text`, left to right (they never overlap)."""
    for match in _STARTS.finditer(text):
        start, end = match.start(), match.start() + len(match.group(1))
        if start > 0 and _is_word_character(text[start - 1]):
            continue
        if end < len(text) and _is_word_character(text[end]):
            continue
        if valid_ddmmyy(match.group(2)):
            yield start, end


def is_cpr_like(text: str) -> bool:
    """Does `text` hold a CPR-like word anywhere (extracts.md)?"""
    return next(cpr_spans(text), None) is not None


def blank_cpr(text: str, mark: str) -> str:
    """`text` with every CPR-like word replaced by `mark`."""
    kept, position = [], 0
    for start, end in cpr_spans(text):
        kept += [text[position:start], mark]
        position = end
    return "".join(kept) + text[position:]


def is_cpr_number(text: str) -> bool:
    """Is `text` (trimmed) exactly one CPR number, `DDMMYY-SSSS` or `DDMMYYSSSS`?"""
    match = _NUMBER.fullmatch(text.strip())
    return match is not None and valid_ddmmyy(match.group(1))


# ---------------------------------------------------------------- DuckDB SQL


def sql_valid_ddmmyy(digits: str) -> str:
    """SQL: the 6-character expression `digits` is a date in one of the CENTURIES."""
    day_month = f"substr({digits}, 1, 4)"
    year = f"substr({digits}, 5, 2)"
    return "(" + " or ".join(
        f"try_strptime({day_month} || '{century // 100}' || {year}, '%d%m%Y') is not null"
        for century in CENTURIES) + ")"


def sql_is_cpr_number(expression: str) -> str:
    """SQL: the VARCHAR `expression` is exactly one CPR number (the caller trims it)."""
    digits = f"replace({expression}, '{SEPARATOR}', '')"
    return f"(regexp_full_match({expression}, '{_SQL_SHAPE}') and {sql_valid_ddmmyy(digits)})"


def sql_candidate(expressions: list[str]) -> str:
    """SQL: the row's fields (VARCHAR expressions) hold a CPR-shaped word (date not checked).

    A field is matched only when it is SHORTEST characters long or longer (CASE evaluates the
    match for those rows only), so the short fields of a big file, most of them, cost a length
    test and no regular expression."""
    if not expressions:
        return "false"
    return "(" + " or ".join(
        f"case when strlen({x}) >= {SHORTEST} then coalesce(regexp_matches({x}, '{SQL_CANDIDATE}'), false) "
        "else false end"
        for x in expressions) + ")"


def sql_confirmed(expression: str) -> str:
    """SQL: the VARCHAR `expression` holds a CPR-like word whose date is valid."""
    doubled = f"regexp_replace({expression}, '({SQL_BOUNDARY})', '\\1\\1', 'g')"
    extracted = f"regexp_extract_all({doubled}, '{SQL_EXTRACT}', 1)"
    return f"coalesce(len(list_filter({extracted}, d -> {sql_valid_ddmmyy('d')})) > 0, false)"
