"""The published table's machine-readable formats: CSV, Parquet, JSON (codes, full precision;
the boards' Excel files: test_publishing_board.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pandas as pd
import pyarrow as pa
from helpers.publishing import cell

from publishing.catalogue import load_catalogue
from publishing.disclosure import control
from publishing.publish import published, to_arrow, to_csv, to_json

CATALOGUE = load_catalogue()


def table() -> pd.DataFrame:
    rows = [
        cell("volunteer_share", "2025", "alpha", "147", 10, 30),
        cell("volunteer_share", "2025", "alpha", "all", 10, 30),
        cell("cohort_size", "2025", "alpha", "101", 8),
        cell("new_enrolments", "2026-Q1", "alpha", "101", 2),
        cell("cohort_size", "2025", "alpha", "147", 30),
        cell("cohort_size", "2025", "alpha", "all", 38),
        cell("sessions_held", "2025-Q1", "all", "all", 12, n_persons=None),
        cell("readmission_30d_share", "2025", "alpha", "101", 0, 0, 0),
    ]
    controlled = control(pd.DataFrame(rows), CATALOGUE, 5).table.assign(release_id="R0001")
    return published(controlled, CATALOGUE, CUTOFF)


CUTOFF = dt.date(2026, 2, 28)  # 2026-Q1 and the 2025 cohort unfinished, 2025-Q1 finished


def test_every_format_carries_the_release_id_and_the_carry_columns() -> None:
    # GIVEN a controlled table of release R0001 WHEN written in each format
    frame = table()
    csv_rows = list(csv.DictReader(io.StringIO(to_csv(frame))))
    json_rows = json.loads(to_json(frame))
    arrow = to_arrow(frame).to_pylist()
    # THEN every row of every format names the release and has the carry columns (empty here)
    for rows in (csv_rows, json_rows, arrow):
        assert {row["release_id"] for row in rows} == {"R0001"}
        assert all(not row["carried_from"] and not row["carry_reason"] for row in rows)


def test_csv_is_comma_separated_with_decimal_point_and_empty_nulls() -> None:
    text = to_csv(table())
    rows = list(csv.DictReader(io.StringIO(text)))
    share = next(r for r in rows if r["indicator_id"] == "volunteer_share" and r["municipality"] == "147")
    assert share["value"] == repr(10 / 30) and share["numerator"] == "10"
    hidden = next(r for r in rows if r["suppressed"] == "true")
    assert hidden["value"] == hidden["n_persons"] == "" and hidden["suppression_reason"]
    sessions = next(r for r in rows if r["indicator_id"] == "sessions_held")
    assert sessions["value"] == "12" and sessions["n_persons"] == "" and sessions["denominator"] == ""


def test_every_format_says_whether_the_period_had_ended_at_the_cutoff() -> None:
    # GIVEN cells of 2025-Q1 (ended), 2026-Q1 (running at the cutoff 2026-02-28) and cohort 2025
    # (its post windows run into 2026) WHEN written
    frame = table()
    csv_rows = list(csv.DictReader(io.StringIO(to_csv(frame))))
    arrow = to_arrow(frame)
    # THEN each row carries period_complete: a typed boolean in Parquet and JSON, true/false in CSV
    assert arrow.schema.field("period_complete").type == pa.bool_()
    for rows, finished in ((csv_rows, "true"), (json.loads(to_json(frame)), True)):
        complete = {(r["indicator_id"], r["period"]): r["period_complete"] for r in rows}
        assert complete[("sessions_held", "2025-Q1")] == finished
        assert complete[("new_enrolments", "2026-Q1")] != finished
        assert complete[("cohort_size", "2025")] != finished


def test_rows_follow_catalogue_order_with_all_last() -> None:
    got = table()
    assert got["indicator_id"].tolist()[:2] == ["new_enrolments", "sessions_held"]
    cohort = got[got["indicator_id"] == "cohort_size"]["municipality"].tolist()
    assert cohort == ["101", "147", "all"]


def test_parquet_schema_is_typed_and_json_matches() -> None:
    arrow = to_arrow(table())
    assert arrow.schema.field("numerator").type == pa.int64()
    assert arrow.schema.field("suppressed").type == pa.bool_()
    records = json.loads(to_json(table()))
    assert records == arrow.to_pylist()
    empty = next(r for r in records if r["indicator_id"] == "readmission_30d_share")
    assert empty["value"] is None and empty["n_persons"] == 0 and empty["suppressed"] is False
