"""The tests' oracle for CPR numbers, written from extracts.md alone: no regular expression and
nothing of the product (core.identifiers), so a shared mistake cannot hide.

extracts.md: CPR-like is, anywhere in a field, `DDMMYY-SSSS` or `DDMMYYSSSS` standing as a
separate word (at the start or end of the field or next to a character that is neither a letter
nor a digit) whose `DDMMYY` is a valid calendar date in 19YY or in 20YY. "Letter or digit" is
Python's `str.isalnum` (any script); the number's own digits are the ASCII ones (the decision
written in core/identifiers.py).
"""

from __future__ import annotations

import datetime as dt

ASCII_DIGITS = frozenset("0123456789")
FORMS = ("DDMMYYSSSS", "DDMMYY-SSSS")  # D, M, Y, S: an ASCII digit; `-` itself


def valid_date(ddmmyy: str) -> bool:
    """DDMMYY is a calendar date in 1900-1999 or in 2000-2099."""
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    for century in (1900, 2000):
        try:
            dt.date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def _written_as(piece: str, form: str) -> bool:
    return len(piece) == len(form) and all(
        character == "-" if place == "-" else character in ASCII_DIGITS for character, place in zip(piece, form, strict=True)
    )


def _alone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not before.isalnum() and not after.isalnum()


def cpr_words(text: str) -> list[str]:
    """Every CPR-like word of `text`, in order."""
    found = []
    for start in range(len(text)):
        for form in FORMS:
            end = start + len(form)
            piece = text[start:end]
            if _written_as(piece, form) and _alone(text, start, end) and valid_date(piece[:6]):
                found.append(piece)
    return found


def looks_like_cpr(text: str) -> bool:
    return bool(cpr_words(text))


def is_one_cpr_number(text: str) -> bool:
    """`text` is exactly one CPR number, nothing around it."""
    return any(_written_as(text, form) for form in FORMS) and valid_date(text[:6])
