"""CPR nowhere: a CPR number in a manifest's keys or values, in Parquet key-value metadata or in
Arrow schema / field metadata rejects the file like one in a field, never echoed; a rejected file
holding a CPR is kept owner-only in rejected/restricted/ and purged after the retention, with the
purge in the ledger."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.ingestion import VALID, csv_text, deliver, manifest_for, new_home, query, rows, run

from core.settings import Settings
from ingestion import ingest
from ingestion.check import REJECTED, check_file

CPR = "0101901234"
NAME = "sessions__20250301.csv"


def good_csv() -> bytes:
    return csv_text(rows("sessions")).encode()


@pytest.mark.parametrize(("extra", "where"), [
    ({CPR: "x"}, "the manifest (a key)"),
    ({"note": f"borger {CPR[:6]}-{CPR[6:]}"}, "the manifest (a value)"),
    ({"partner": {"ids": [1, int("1" + CPR[1:])]}}, "the manifest (a value)"),  # a number, nested
])
def test_a_cpr_in_a_manifest_rejects_the_file_without_echo(tmp_path, extra, where):
    # GIVEN a good file whose manifest (right rows and sha256) carries a CPR number elsewhere
    home = new_home(tmp_path)
    data = good_csv()
    deliver(home, NAME, data, manifest=manifest_for(data, 1) | extra)
    # WHEN `sammen check` and `sammen ingest` judge it
    verdict = check_file(home.landing_for("ngo") / NAME)
    report = run(home)
    # THEN both reject it, saying where, never what
    assert verdict.exit_code == REJECTED
    assert str(verdict.evaluation.findings[0]) == f"CPR number in {where}; the file is never loaded [cpr, conformance]"
    reason = query(home, "select reason from ledger.files where file_name = ?", [NAME])[0][0]
    assert reason.startswith(f"CPR number in {where}")
    shown = str(verdict) + str(report) + reason + repr(query(home, "select * from ledger.checks"))
    assert CPR not in shown and CPR[:6] not in shown and "1" + CPR[1:] not in shown
    assert query(home, "select count(*) from raw.sessions")[0][0] == 0


def test_a_manifest_that_is_no_json_is_still_scanned(tmp_path):
    home = new_home(tmp_path)
    deliver(home, NAME, good_csv())
    (home.landing_for("ngo") / (NAME + ".manifest.json")).write_text(f"rows=1 cpr={CPR}")
    run(home)
    reason = query(home, "select reason from ledger.files where file_name = ?", [NAME])[0][0]
    assert reason.startswith("CPR number in the manifest (its text)")


def parquet_with(tmp_path, *, file_metadata=None, schema_metadata=None, field_metadata=None, nested=False):
    """A good sessions Parquet file, with metadata where asked."""
    table = pa.Table.from_pylist(rows("sessions"))
    fields = list(table.schema)
    if field_metadata and not nested:
        fields[2] = fields[2].with_metadata(field_metadata)
    if nested:
        fields.append(pa.field("extra", pa.struct([pa.field("inner", pa.string(), metadata=field_metadata)])))
        table = table.append_column("extra", pa.array([{"inner": "x"}], fields[-1].type))
    table = table.cast(pa.schema(fields, metadata=schema_metadata))
    path = tmp_path / "sessions__20250301.parquet"
    pq.write_table(table, path)
    if file_metadata:  # key-value metadata of the Parquet footer itself, beside ARROW:schema
        original = pq.read_table(path)
        with pq.ParquetWriter(path, original.schema) as writer:
            writer.add_key_value_metadata(file_metadata)
            writer.write_table(original)
    return path


@pytest.mark.parametrize(("metadata", "where"), [
    ({"file_metadata": {"exported_by": f"bruger {CPR}"}}, "the Parquet key-value metadata (a value)"),
    ({"file_metadata": {CPR: "x"}}, "the Parquet key-value metadata (a key)"),
    # pyarrow writes the schema's metadata into the footer's key-value metadata as well
    ({"schema_metadata": {"note": CPR}}, "the Parquet key-value metadata (a value)"),
    ({"field_metadata": {"comment": f"{CPR[:6]}-{CPR[6:]}"}}, "the Arrow field metadata of column 3 (a value)"),
    # field metadata lives only in the serialised Arrow schema (ARROW:schema), here of a struct's child
    ({"field_metadata": {f"[{CPR}]": "x"}, "nested": True}, "the Arrow field metadata of column 7 (a key)"),
])
def test_a_cpr_in_parquet_or_arrow_metadata_rejects_the_file(tmp_path, metadata, where):
    # GIVEN a Parquet file whose rows are good and whose metadata carries a CPR number
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.parquet", parquet_with(tmp_path, **metadata).read_bytes())
    # WHEN it is ingested
    report = run(home)
    # THEN it is rejected naming the place, never the number
    (outcome,) = report.files
    assert outcome.status == "rejected"
    assert outcome.reason == f"CPR number in {where}; the file is never loaded [cpr, conformance]"
    assert CPR not in str(report) and CPR[:6] not in str(report)


def test_clean_parquet_metadata_is_accepted(tmp_path):
    # GIVEN metadata with digits that are no CPR (no such date, touching letters) and pandas' own
    path = parquet_with(tmp_path, schema_metadata={"note": "build 3213901234"},
                        field_metadata={"id": "ENR0101901234"})
    assert check_file(path).exit_code != REJECTED


def restricted_file(home):
    return home.restricted / "ngo" / NAME


def deliver_cpr_file(home):
    text = csv_text(rows("sessions", {"site": f"Have {CPR}"}))
    deliver(home, NAME, text, manifest=manifest_for(text.encode(), 1) | {"note": CPR})
    return text.encode()


def test_a_rejected_file_holding_a_cpr_is_kept_apart_and_owner_only(tmp_path):
    # GIVEN a file with a CPR number in a field (and in its manifest) and a file rejected for another reason
    home = new_home(tmp_path)
    data = deliver_cpr_file(home)
    deliver(home, "sessions__20250302.csv", csv_text([{"session_id": "T2"}]))
    # WHEN it is ingested
    run(home)
    # THEN its bytes and sidecars lie in rejected/restricted/ngo/, owner-only, and nowhere else
    target = restricted_file(home)
    assert target.read_bytes() == data
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for folder in (home.restricted, target.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for sidecar in (".manifest.json", ".reason.txt"):
        assert stat.S_IMODE(target.with_name(NAME + sidecar).stat().st_mode) == 0o600
    assert not (home.rejected / "ngo" / NAME).exists()
    assert query(home, "select stored_as from ledger.files where file_name = ?", [NAME])[0][0] == \
        f"rejected/restricted/ngo/{NAME}"
    # AND a file without a CPR goes to rejected/ngo/ as before
    assert (home.rejected / "ngo" / "sessions__20250302.csv").exists()


def age(home, days: float) -> None:
    """Make the restricted file look received `days` ago (the ledger's timestamp is the clock)."""
    import duckdb

    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("update ledger.files set received_at = ? where file_name = ?",
                    [dt.datetime.now() - dt.timedelta(days=days), NAME])


def test_restricted_files_are_purged_after_the_retention_and_the_purge_is_recorded(tmp_path):
    # GIVEN a rejected CPR file received 29 days ago (default retention: 30 days)
    home = new_home(tmp_path)
    deliver_cpr_file(home)
    run(home)
    file_id = query(home, "select file_id from ledger.files where file_name = ?", [NAME])[0][0]
    age(home, 29)
    # WHEN the nightly ingest runs: THEN the file is kept
    run(home)
    assert restricted_file(home).exists()
    assert query(home, "select count(*) from ledger.purges")[0][0] == 0
    # GIVEN it was received 31 days ago WHEN the nightly ingest runs
    age(home, 31)
    run(home)
    # THEN the file and its sidecars are gone and the purge is in the ledger (which, when, why)
    assert not any(restricted_file(home).parent.iterdir())
    (purge,) = query(home, "select file_id, purged_at, reason from ledger.purges")
    assert purge[0] == file_id
    assert dt.datetime.now() - purge[1] < dt.timedelta(minutes=5)
    assert "CPR number" in purge[2] and "30 days" in purge[2]
    # AND the file's own ledger row stays; a later run purges nothing more
    assert query(home, "select status from ledger.files where file_id = ?", [file_id]) == [("rejected",)]
    run(home)
    assert query(home, "select count(*) from ledger.purges")[0][0] == 1


def test_the_retention_is_a_setting(tmp_path):
    # GIVEN a CPR file received 3 days ago and a retention of 2 days
    home = new_home(tmp_path)
    deliver_cpr_file(home)
    run(home)
    age(home, 3)
    ingest(home, Settings(restricted_retention_days=2), batch_checks=False)
    assert not restricted_file(home).exists()
    assert query(home, "select count(*) from ledger.purges")[0][0] == 1


def test_the_same_bytes_delivered_again_after_a_purge_are_judged_again(tmp_path):
    # GIVEN a CPR file purged after its retention
    home = new_home(tmp_path)
    data = deliver_cpr_file(home)
    run(home)
    age(home, 31)
    run(home)
    # WHEN the partner delivers the very same bytes again
    deliver(home, NAME, data)
    report = run(home)
    # THEN they are rejected and restricted again under a new ledger row (not taken for a move
    # an interrupted run left undone)
    (outcome,) = report.files
    assert outcome.status == "rejected" and outcome.file_id == 2
    assert restricted_file(home).read_bytes() == data
    assert json.dumps(VALID["sessions"])  # the fixture stays valid for the other tests
