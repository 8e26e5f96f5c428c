"""The published table's file formats: CSV, Danish-Excel CSV, Parquet, JSON."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pyarrow as pa
from helpers.publishing import cell

from publishing.catalogue import load_catalogue
from publishing.disclosure import control
from publishing.publish import ordered, to_arrow, to_csv, to_excel_csv, to_json

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
    return ordered(controlled, CATALOGUE)


def test_every_format_carries_the_release_id_and_the_carry_columns() -> None:
    # GIVEN a controlled table of release R0001 WHEN written in each format
    frame = table()
    csv_rows = list(csv.DictReader(io.StringIO(to_csv(frame))))
    excel_rows = list(csv.DictReader(io.StringIO(to_excel_csv(frame).decode("utf-8-sig")), delimiter=";"))
    json_rows = json.loads(to_json(frame))
    arrow = to_arrow(frame).to_pylist()
    # THEN every row of every format names the release and has the carry columns (empty here)
    for rows in (csv_rows, excel_rows, json_rows, arrow):
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


def test_excel_csv_has_bom_semicolons_and_decimal_comma() -> None:
    data = to_excel_csv(table())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    share = next(r for r in rows if r["indicator_id"] == "volunteer_share" and r["municipality"] == "147")
    assert share["value"] == repr(10 / 30).replace(".", ",")
    assert "." not in share["value"]


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
