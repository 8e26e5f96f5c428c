"""Landing file names: the one escaping function, CPR redaction, the derived name limit."""

from __future__ import annotations

import os

from contracts.limits import MANIFEST_SUFFIX, MAX_NAME_BYTES, NAME_MAX_BYTES, REASON_SUFFIX
from ingestion.files import (
    destination,
    is_temporary,
    redacted_name,
    shown,
)


def test_shown_escapes_control_characters_and_keeps_danish_letters():
    # GIVEN names with a newline, a tab, ANSI escapes (C0 and C1), a bidi override, a bad byte
    name = "a\nb\tc\x1b[31md\x9be\u202ef\u2028" + os.fsdecode(b"\xff") + "æøå.csv"
    # WHEN shown THEN no control character is left, letters stay, and showing twice changes nothing
    text = shown(name)
    assert text == "a\\nb\\tc\\x1b[31md\\x9be\\u202ef\\u2028\\xffæøå.csv"
    assert text.isprintable()
    assert shown(text) == text


def test_a_cpr_number_in_a_name_is_redacted_with_or_without_its_hyphen():
    assert redacted_name("sessions__20260306__0812901240.csv") == "sessions__20260306__[cpr].csv"
    assert redacted_name("sessions__20260306__081290-1240.csv") == "sessions__20260306__[cpr].csv"
    # an invalid date or a longer run of digits is not CPR-like: the name is kept
    assert redacted_name("sessions__20260306__3212901240.csv") == "sessions__20260306__3212901240.csv"
    assert redacted_name("sessions__20260306.csv") == "sessions__20260306.csv"


def test_every_name_derived_from_a_name_at_the_limit_fits_in_255_bytes(tmp_path):
    # GIVEN a name exactly at the limit, already taken in the folder (so the file id is added)
    name = "sessions__20250301__" + "x" * (MAX_NAME_BYTES - len("sessions__20250301__.csv")) + ".csv"
    (tmp_path / name).write_text("")
    # WHEN its archive name is chosen with the largest file id THEN it and its sidecars fit
    target = destination(tmp_path, name, 10**12 - 1)
    for derived in (target.name, target.name + MANIFEST_SUFFIX, target.name + REASON_SUFFIX):
        assert len(os.fsencode(derived)) <= NAME_MAX_BYTES
    # and a longer name is cut to fit, tagged with its file id
    longer = destination(tmp_path, "ø" * 120 + ".csv", 7)
    assert longer.name.endswith(".f7.csv") and len(os.fsencode(longer.name)) <= MAX_NAME_BYTES + 14


def test_temporary_names():
    assert all(is_temporary(n) for n in (".x.csv", "a.csv.tmp", "a.csv.PART", "a.csv~", "a.csv.filepart"))
    assert not is_temporary("sessions__20250301.csv")
