"""Unit tests of the file writer: names, encodings, booleans, headers, manifests, mtimes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq

from contracts import contract_for
from synthetic.formats import (
    BOM,
    DANISH_CSV,
    DELIVERIES,
    PARQUET,
    Delivery,
    ExtractWriter,
    file_name,
    modification_time,
)

SESSION = pa.table({
    "session_id": ["SES00000001"],
    "ngo_id": ["ngo.haveforeningen"],
    "activity": ["garden_community"],
    "site": ["Gården på Ålholm, Ærø"],
    "held_on": pa.array([dt.date(2026, 3, 3)], pa.date32()),
    "programme": pa.array([None], pa.string()),
    "deleted": [False],
})


def test_file_names_follow_the_spec():
    day = dt.date(2026, 3, 4)
    assert file_name("admissions", day, PARQUET) == "admissions__20260304.parquet"
    assert file_name("attendance", day, replace(PARQUET, free_text="full")) == "attendance__20260304__full.parquet"
    assert file_name("sessions", day, DANISH_CSV) == "sessions__20260304.csv"


def test_every_dataset_has_a_full_and_a_delta_delivery():
    assert set(DELIVERIES) == set(__import__("contracts").CONTRACTS)
    assert all(len(pair) == 2 for pair in DELIVERIES.values())


def test_a_danish_csv_is_cp1252_with_semicolons_crlf_and_ja_nej(tmp_path):
    # GIVEN one session row with Danish letters and a boolean
    path = tmp_path / "sessions__20260304.csv"
    writer = ExtractWriter(path, "sessions", DANISH_CSV)
    # WHEN it is written and closed
    writer.write(SESSION)
    writer.close(modification_time(dt.date(2026, 3, 4), 2))
    raw = path.read_bytes()
    # THEN the bytes are cp1252 (Å is one byte 0xC5), lines end in CRLF, `deleted` reads `nej`
    assert b"\xc5lholm" in raw
    lines = raw.decode("cp1252").split("\r\n")
    assert lines[0] == "session_id;ngo_id;activity;site;held_on;programme;deleted"
    assert lines[1] == "SES00000001;ngo.haveforeningen;garden_community;Gården på Ålholm, Ærø;2026-03-03;;nej"
    assert writer.rows == 1


def test_a_bom_csv_can_shout_its_headers_in_another_order(tmp_path):
    path = tmp_path / "x.csv"
    writer = ExtractWriter(path, "sessions", Delivery("csv", encoding="utf-8-sig",
                                                      upper_case_header=True, shuffled_columns=True,
                                                      booleans=("True", "False")))
    writer.write(SESSION)
    writer.close(0.0)
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    header, row = raw[len(BOM):].decode("utf-8").splitlines()[:2]
    names = header.split(",")
    assert sorted(names) == sorted(name.upper() for name in SESSION.column_names)
    assert names != [name.upper() for name in SESSION.column_names]
    assert '"False"' in row or ",False" in row


def test_parquet_uses_the_requested_integer_type_and_a_manifest_matches(tmp_path):
    table = pa.table({"response_id": ["SRV1"], "person_key": ["a" * 64],
                      "answered_on": pa.array([dt.date(2026, 1, 1)]), "instrument": ["ucla3"],
                      "score": pa.array([5], pa.int64())})
    path = tmp_path / "surveys__20260101.parquet"
    writer = ExtractWriter(path, "surveys", replace(PARQUET, int_type=pa.int8(), manifest=True))
    writer.write(table)
    writer.close(modification_time(dt.date(2026, 1, 1), 0))
    assert pq.read_schema(path).field("score").type == pa.int8()
    manifest = json.loads((tmp_path / "surveys__20260101.parquet.manifest.json").read_text())
    assert manifest == {"rows": 1, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                        "bytes": path.stat().st_size}
    assert path.stat().st_mtime == modification_time(dt.date(2026, 1, 1), 0)


def test_timestamps_can_be_written_with_a_t(tmp_path):
    columns = [c.name for c in contract_for("admissions").columns() if c.name != "deleted"]
    values = {
        "admission_id": ["ADM1"], "person_key": ["a" * 64], "region_code": [1084],
        "department_code": ["HS-PSY-01"],
        "admitted_at": pa.array([dt.datetime(2026, 1, 2, 3, 4)], pa.timestamp("s")),
        "discharged_at": pa.array([None], pa.timestamp("s")), "admission_type": ["acute"],
        "involuntary": [True], "diagnosis_group": ["F20-F29"],
    }
    path = tmp_path / "a.csv"
    writer = ExtractWriter(path, "admissions", DELIVERIES["admissions"][1])
    writer.write(pa.table([values[name] for name in columns], names=columns))
    writer.close(0.0)
    row = path.read_bytes().decode("cp1252").splitlines()[1]
    assert ";2026-01-02T03:04;;acute;ja;" in row


def test_modification_times_are_fixed_by_the_extract_day():
    first = modification_time(dt.date(2026, 3, 3), 0)
    assert dt.datetime.fromtimestamp(first, dt.UTC) == dt.datetime(2026, 3, 3, 5, 0, tzinfo=dt.UTC)
    assert modification_time(dt.date(2026, 3, 3), 1) == first + 60
