"""The shortcuts of `ingestion.checks` give the verdicts of the plain forms: the fast pattern
test that of a full regex match, parsing a value as delivered first that of trimming it first."""

from __future__ import annotations

import csv

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import contract_for
from contracts.columns import ID_PATTERN, PERSON_KEY_PATTERN, Kind
from ingestion import checks
from ingestion.checks import _matches
from ingestion.evaluate import evaluate

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


# ------------------------------------------------------------------ values parsed as delivered first

_SAMPLES = {
    Kind.ID: ["A1", "x-y.z:1", "a b", "é1"],
    Kind.KEY: ["0123456789abcdef" * 4, "0123456789ABCDEF" * 4, "0" * 63],
    Kind.INT: ["1081", "+1081", "007", "12,0", "12.0", "1e3"],
    Kind.DATE: ["2024-01-02", "2024-1-02", "2024-02-30", "02-01-2024"],
    Kind.TS: ["2024-01-02 03:04", "2024-01-02T03:04:05", "2024-01-02 3:04"],
    Kind.BOOL: ["true", "1", "ja", "false", "0", "nej", "yes"],
    Kind.SECTORS: ["region|municipality", "region | ngo", "region||ngo", "moon"],
    Kind.TEXT: ["Have, Nørrebro", "x"],
}


def _samples(spec):
    values = list(_SAMPLES.get(spec.kind, []))
    if spec.kind is Kind.ENUM:
        values += [*spec.enum_values, "unknown"]
    return values + ["", " "]


def _field(spec):
    """A value of the column's kind, valid or not, perhaps upper-cased or with blanks around it."""
    blanks = st.sampled_from(["", " ", "\t", "  "])
    case = st.sampled_from([str, str.upper, str.title])
    return st.builds(lambda before, value, change, after: before + change(value) + after,
                     blanks, st.sampled_from(_samples(spec)), case, blanks)


def _rows(contract):
    return st.lists(st.tuples(*(_field(spec) for spec in contract.columns())), min_size=1, max_size=12)


def _evaluated(path, dataset, scratch):
    con = duckdb.connect()
    evaluate(con, path, dataset, "csv", threshold=1.0, scratch=scratch)
    rows = con.execute("select * from _chk order by _row_number").fetchall()
    quarantined = con.execute("select row_number, column_name, rule from _q order by all").fetchall()
    return rows, quarantined


@pytest.mark.parametrize("dataset", ["admissions", "action_plans", "enrolments"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_parsing_as_delivered_first_gives_the_verdict_of_trimming_first(tmp_path, monkeypatch, dataset, data):
    # GIVEN rows of every kind of value, valid or not, upper-cased or with blanks around them
    contract = contract_for(dataset)
    rows = data.draw(_rows(contract))
    path = tmp_path / f"{dataset}__20250301.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([spec.name for spec in contract.columns()])
        writer.writerows(rows)
    # WHEN the file is checked as ingestion does (each value parsed as delivered, and trimmed
    # only when that fails) and with every value trimmed first
    fast = _evaluated(path, dataset, tmp_path)
    with monkeypatch.context() as patched:  # undone before hypothesis's next example
        patched.setattr(checks, "_BLANK_FREE", set())
        trimmed_first = _evaluated(path, dataset, tmp_path)
    # THEN the typed rows, the flags and the quarantined checks are the same
    assert fast == trimmed_first
