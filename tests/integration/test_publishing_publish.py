"""The publish stage end to end on a warehouse holding marts.indicators (built from records)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib
import json
import random
import re

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from helpers.publishing import indicators_from_enrolments, key, random_enrolments

from core.home import Home
from core.progress import Progress
from core.settings import Settings
from publishing import PublishError, publish
from publishing.catalogue import CATALOGUE_PATH
from sammen.cli import main

PERSONS = 80
FILES = {"indicators.csv", "indicators_excel.csv", "indicators.parquet", "indicators.json",
         "catalogue.yaml", "manifest.json"}
HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", re.IGNORECASE)


def write_warehouse(home: Home, seed: int = 1) -> pd.DataFrame:
    """marts.indicators from random records, plus a marts.cohort holding the person keys."""
    enrolments = random_enrolments(
        random.Random(seed), PERSONS, ["people_need_people", "social_referral"],
        ["101", "147", "751"], years=(2024, 2025),
    )
    table = indicators_from_enrolments(enrolments)
    with duckdb.connect(str(home.warehouse)) as connection:
        connection.execute("create schema if not exists marts")
        connection.register("frame", table)
        connection.execute("create or replace table marts.indicators as select * from frame")
        keys = pd.DataFrame({"person_key": sorted({key(e.person) for e in enrolments})})
        connection.register("keys", keys)
        connection.execute("create or replace table marts.cohort as select * from keys")
    return table


@pytest.fixture
def published(home: Home) -> Home:
    write_warehouse(home)
    publish(home, Settings(cutoff=dt.date(2025, 12, 31)), Progress(quiet=True))
    return home


def test_publish_writes_exactly_the_declared_files(published: Home) -> None:
    names = {p.name for p in published.published.iterdir()}
    assert FILES <= names <= FILES | {"report.html"}
    assert (published.published / "catalogue.yaml").read_bytes() == CATALOGUE_PATH.read_bytes()


def test_manifest_holds_run_cutoff_version_digests_and_rows(published: Home) -> None:
    manifest = json.loads((published.published / "manifest.json").read_text())
    assert manifest["cutoff"] == "2025-12-31"
    assert manifest["run_id"] and manifest["pipeline_version"]
    rows = len(pd.read_parquet(published.published / "indicators.parquet"))
    for name, entry in manifest["files"].items():
        data = (published.published / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
    assert manifest["files"]["indicators.csv"]["rows"] == rows
    assert set(manifest["files"]) == {p.name for p in published.published.iterdir()} - {"manifest.json"}


def test_all_table_files_hold_the_same_cells(published: Home) -> None:
    folder = published.published
    parquet = pq.read_table(folder / "indicators.parquet").to_pandas()
    with (folder / "indicators.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    excel = (folder / "indicators_excel.csv").read_bytes()
    assert excel.startswith(b"\xef\xbb\xbf")
    excel_rows = list(csv.DictReader(excel.decode("utf-8-sig").splitlines(), delimiter=";"))
    records = json.loads((folder / "indicators.json").read_text(encoding="utf-8"))
    assert len(rows) == len(excel_rows) == len(records) == len(parquet)
    assert [r["indicator_id"] for r in rows] == parquet["indicator_id"].tolist()
    values = [float(r["value"]) for r in rows if r["value"]]
    excel_values = [float(r["value"].replace(",", ".")) for r in excel_rows if r["value"]]
    assert values == excel_values


def test_scanner_finds_no_person_key_and_no_small_count(published: Home) -> None:
    """Scans every file in published/: no 64-hex string other than the manifest's file digests,
    no person key of the warehouse, no unsuppressed count between 1 and 4."""
    scan_published_folder(published)


def scan_published_folder(home: Home, threshold: int = 5) -> None:
    folder = home.published
    manifest = json.loads((folder / "manifest.json").read_text())
    digests = {entry["sha256"] for entry in manifest["files"].values()}
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        keys = {row[0] for row in connection.sql("select distinct person_key from marts.cohort").fetchall()}
    assert keys, "the warehouse must hold person keys for the scan to mean anything"
    for path in folder.iterdir():
        if path.suffix == ".parquet":
            text = pq.read_table(path).to_pandas().to_csv()
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        found = set(HEX64.findall(text))
        assert not found - digests, f"{path.name} holds a 64-hex string"
        assert not any(k in text for k in keys), f"{path.name} holds a person key"
    table = pd.read_parquet(folder / "indicators.parquet")
    shown = table[~table["suppressed"]]
    small = lambda s: s.between(1, threshold - 1)  # noqa: E731
    assert not small(shown["n_persons"].dropna()).any()
    counts = shown[shown["indicator_id"].isin(["cohort_size", "new_enrolments", "active_participants"])
                   | shown["indicator_id"].str.endswith("_share")]
    assert not small(counts["numerator"]).any()


def test_publish_twice_gives_the_same_bytes(published: Home) -> None:
    before = {p.name: p.read_bytes() for p in published.published.iterdir()}
    publish(published, Settings(cutoff=dt.date(2025, 12, 31)), Progress(quiet=True))
    after = {p.name: p.read_bytes() for p in published.published.iterdir()}
    assert before.keys() == after.keys()
    # unchanged input re-issues the same release: every byte equal, manifest and report included
    for name in before:
        assert before[name] == after[name], name


def test_cli_publish_with_a_raised_threshold(home: Home, capsys: pytest.CaptureFixture) -> None:
    write_warehouse(home)
    code = main(["publish", "--home", str(home.root), "--cutoff", "2025-12-31",
                 "--disclosure-threshold", "10", "--quiet"])
    assert code == 0
    assert "published" in capsys.readouterr().out
    manifest = json.loads((home.published / "manifest.json").read_text())
    assert manifest["disclosure_threshold"] == 10
    scan_published_folder(home, threshold=10)


def test_cli_refuses_a_lowered_threshold(home: Home, capsys: pytest.CaptureFixture) -> None:
    write_warehouse(home)
    code = main(["publish", "--home", str(home.root), "--cutoff", "2025-12-31",
                 "--disclosure-threshold", "3"])
    assert code == 1
    assert "may only be raised" in capsys.readouterr().err


def test_publish_without_marts_says_what_to_do(home: Home) -> None:
    with pytest.raises(PublishError, match="no warehouse|no marts.indicators"):
        publish(home, Settings(cutoff=dt.date(2025, 12, 31)), Progress(quiet=True))


def test_a_failed_publish_keeps_the_previous_folder(published: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p.name: p.read_bytes() for p in published.published.iterdir()}
    stage = importlib.import_module("publishing.publish")  # the module, not the function

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(stage, "to_json", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(published, Settings(cutoff=dt.date(2025, 12, 31)), Progress(quiet=True))
    assert {p.name: p.read_bytes() for p in published.published.iterdir()} == before
    assert not [p for p in published.root.iterdir() if p.name.startswith(".published")]


def test_catalogue_yaml_in_published_parses(published: Home) -> None:
    raw = yaml.safe_load((published.published / "catalogue.yaml").read_text(encoding="utf-8"))
    assert {entry["id"] for entry in raw["indicators"]} >= {"cohort_size", "volunteer_share"}


def test_published_keeps_only_aggregates(published: Home) -> None:
    columns = set(pd.read_parquet(published.published / "indicators.parquet").columns)
    assert columns == {"indicator_id", "period", "programme", "municipality", "numerator",
                       "denominator", "value", "n_persons", "suppressed", "suppression_reason",
                       "carried_from", "carry_reason", "release_id"}




# ---- the release ledger ------------------------------------------------------------------------


def ledger(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        return connection.sql(sql).fetchall()


def test_every_publish_of_new_input_is_a_release_in_the_ledger_and_in_every_file(
    published: Home, capsys: pytest.CaptureFixture
) -> None:
    # GIVEN release R0001; WHEN the marts change (other records) and publish runs again
    write_warehouse(published, seed=2)
    report = publish(published, Settings(cutoff=dt.date(2026, 1, 31)), Progress(quiet=True))
    # THEN the ledger holds both releases and every cell of each, append-only
    assert report.release_id == "R0002"
    rows = ledger(published, "select release_id, cutoff, release_guard, cells from releases.releases order by 1")
    assert [(r[0], r[1].isoformat(), r[2]) for r in rows] == [
        ("R0001", "2025-12-31", True), ("R0002", "2026-01-31", True)]
    cells = dict(ledger(published, "select release_id, count(*) from releases.cells group by 1"))
    assert cells == {"R0001": rows[0][3], "R0002": rows[1][3]}
    # AND every published file names R0002: each row, the manifest, the report
    for frame in (pd.read_parquet(published.published / "indicators.parquet"),
                  pd.read_csv(published.published / "indicators.csv", dtype=str),
                  pd.read_json(published.published / "indicators.json", dtype=False)):
        assert set(frame["release_id"]) == {"R0002"}
    assert json.loads((published.published / "manifest.json").read_text())["release_id"] == "R0002"
    assert "R0002" in (published.published / "report.html").read_text(encoding="utf-8")
    # AND `sammen releases` lists both
    assert main(["releases", "--home", str(published.root)]) == 0
    out = capsys.readouterr().out
    assert "R0001" in out and "R0002" in out and "2026-01-31" in out


def test_a_failed_publish_records_no_release(published: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    write_warehouse(published, seed=3)
    stage = importlib.import_module("publishing.publish")

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(stage, "to_json", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(published, Settings(cutoff=dt.date(2025, 12, 31)), Progress(quiet=True))
    assert ledger(published, "select release_id from releases.releases") == [("R0001",)]
    assert ledger(published, "select distinct release_id from releases.cells") == [("R0001",)]
