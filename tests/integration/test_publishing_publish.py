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
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from helpers.publishing import indicators_from_enrolments, key, published_text, random_enrolments

from core.home import Home
from core.progress import Progress
from core.settings import REPO_ROOT, Settings
from publishing import PublishError, publish
from publishing.catalogue import CATALOGUE_PATH, load_catalogue
from sammen.cli import main
from sammen.pipeline import SUMMARY_INDICATORS, summary

PERSONS = 80
FILES = {"indicators.csv", "indicators_excel.csv", "indicators.xlsx", "indicators.parquet",
         "indicators.json", "catalogue.yaml", "methods.md", "manifest.json"}
HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", re.IGNORECASE)


def write_warehouse(home: Home, seed: int = 1) -> pd.DataFrame:
    """marts.indicators from random records, plus marts.cohort: those records (one row per
    enrolment, with its person key), the rows the indicators count."""
    enrolments = random_enrolments(
        random.Random(seed), PERSONS, ["people_need_people", "social_referral"],
        ["101", "147", "751"], years=(2024, 2025),
    )
    table = indicators_from_enrolments(enrolments)
    with duckdb.connect(str(home.warehouse)) as connection:
        connection.execute("create schema if not exists marts")
        connection.register("frame", table)
        connection.execute("create or replace table marts.indicators as select * from frame")
        cohort = pd.DataFrame({
            "person_key": [key(e.person) for e in enrolments],
            "programme": [e.programme for e in enrolments],
            "municipality": [e.municipality for e in enrolments],
            "enrolled_on": [e.enrolled_on for e in enrolments],
        })
        connection.register("cohort", cohort)
        connection.execute("create or replace table marts.cohort as select * from cohort")
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
    # the methods handbook the report's footer links to, as committed in docs/
    assert (published.published / "methods.md").read_bytes() == (REPO_ROOT / "docs" / "methods.md").read_bytes()


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
    workbook = openpyxl.load_workbook(folder / "indicators.xlsx", read_only=True)
    sheets = [list(sheet.iter_rows(min_row=2, values_only=True)) for sheet in workbook.worksheets[1:]]
    assert len(rows) == len(excel_rows) == len(records) == len(parquet) == sum(map(len, sheets))
    assert [r["indicator_id"] for r in rows] == parquet["indicator_id"].tolist()
    assert [float(r["value"]) for r in rows if r["value"]] == parquet["value"].dropna().tolist()
    # the boards' CSV: the same cells in the same order, hidden ones "skjult", values rounded as
    # the catalogue says (a share in per cent)
    specs = load_catalogue().by_id
    for row, board in zip(rows, excel_rows, strict=True):
        spec = specs[row["indicator_id"]]
        assert spec.title_da == board["Indikator"]
        if row["suppressed"] == "true":
            assert board["Værdi"] == "skjult"
        elif row["value"]:
            scaled = float(row["value"]) * (100 if spec.unit == "share" else 1)
            assert board["Værdi"] == f"{scaled:.{spec.decimals}f}".replace(".", ","), row


def test_scanner_finds_no_person_key_and_no_small_count(published: Home) -> None:
    """Scans every file in published/: no 64-hex string other than the manifest's file digests,
    no person key of the warehouse's marts, no unsuppressed count between 1 and 4."""
    keys = warehouse_person_keys(published)
    # the keys searched for are the persons the indicators count: each year's total cohort_size
    # cell counts exactly the distinct keys of that year's enrolments
    with duckdb.connect(str(published.warehouse), read_only=True) as connection:
        counted = dict(connection.sql(
            "select period, n_persons from marts.indicators where indicator_id = 'cohort_size' "
            "and programme = 'all' and municipality = 'all'").fetchall())
        enrolled = dict(connection.sql(
            "select cast(year(enrolled_on) as varchar), count(distinct person_key) from marts.cohort "
            "group by all").fetchall())
    assert counted == enrolled and sum(enrolled.values()) >= len(keys) == PERSONS
    assert scan_published_folder(published, keys) == []


@pytest.mark.parametrize("name", ["indicators.csv", "indicators_excel.csv", "indicators.json",
                                  "indicators.parquet", "report.html"])
def test_scanner_finds_a_person_key_planted_in_a_published_file(published: Home, name: str) -> None:
    """The positive control: the same scan over a copy of published/ with one person key of the
    warehouse written into one file (as a programme name; in the report, as a paragraph) reports
    that file, for the key."""
    keys = warehouse_person_keys(published)
    planted = sorted(keys)[len(keys) // 2]
    path = published.published / name
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        table.loc[0, "programme"] = planted
        table.to_parquet(path)
    else:
        text = path.read_text(encoding="utf-8")
        if "social_referral" in text:  # the machine-readable files: as a programme code
            text = text.replace("social_referral", planted, 1)
        elif "</body>" in text:  # the report: as a paragraph
            text = text.replace("</body>", f"<p>{planted}</p></body>", 1)
        else:  # the boards' CSV (names, not codes): as one more line
            text += f"{planted}\n"
        assert planted in text
        path.write_text(text, encoding="utf-8")
    found = scan_published_folder(published, keys)
    assert f"{name} holds a person key" in found, found


def warehouse_person_keys(home: Home) -> set[str]:
    """Every person key in the warehouse's marts (every marts table with a person_key column)."""
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        tables = [row[0] for row in connection.sql(
            "select table_name from information_schema.columns "
            "where table_schema = 'marts' and column_name = 'person_key'").fetchall()]
        keys = {row[0] for table in tables
                for row in connection.sql(f"select distinct person_key from marts.{table}").fetchall()}
    assert keys, "the warehouse must hold person keys for the scan to mean anything"
    return keys


def scan_published_folder(home: Home, keys: set[str], threshold: int = 5) -> list[str]:
    """What is wrong in published/ (empty: nothing): a 64-hex string other than the manifest's
    file digests, one of `keys`, an unsuppressed count between 1 and threshold - 1."""
    folder = home.published
    manifest = json.loads((folder / "manifest.json").read_text())
    digests = {entry["sha256"] for entry in manifest["files"].values()}
    problems = []
    for path in sorted(folder.iterdir()):
        text = published_text(path)  # a workbook unzipped, Parquet read back
        if set(HEX64.findall(text)) - digests - keys:
            problems.append(f"{path.name} holds a 64-hex string")
        if any(k in text for k in keys):
            problems.append(f"{path.name} holds a person key")
    table = pd.read_parquet(folder / "indicators.parquet")
    shown = table[~table["suppressed"]]
    small = lambda s: s.between(1, threshold - 1)  # noqa: E731
    counts = shown[shown["indicator_id"].isin(["cohort_size", "new_enrolments", "active_participants"])
                   | shown["indicator_id"].str.endswith("_share")]
    if small(shown["n_persons"].dropna()).any() or small(counts["numerator"]).any():
        problems.append("indicators.parquet shows a count below the threshold")
    return problems


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
    assert scan_published_folder(home, warehouse_person_keys(home), threshold=10) == []


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
                       "carried_from", "carry_reason", "period_complete", "release_id"}




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


def test_the_run_summary_marks_cells_as_the_boards_files_do(published: Home) -> None:
    # GIVEN a release at cutoff 2025-12-31, when no cohort's windows have all closed yet
    # (2024's last enrolment has its post window and readmission window open into 2026)
    text = summary(published, dt.date(2025, 12, 31), Progress(quiet=True), Settings().disclosure_threshold)
    table = pd.read_parquet(published.published / "indicators.parquet")
    heads = table[(table["programme"] == "all") & (table["municipality"] == "all")
                  & table["indicator_id"].isin(SUMMARY_INDICATORS)]
    lines = text.splitlines()
    shown = {(w[0], w[1]): " ".join(w[2:-1]) if len(w) > 3 else "" for w in map(str.split, lines)
             if w and w[0] in SUMMARY_INDICATORS}
    # THEN each indicator shows its newest period with a figure, every period is marked unfinished, and the
    # legend says what the mark means
    newest = heads[heads["value"].notna() | heads["suppressed"]].groupby("indicator_id")["period"].max()
    assert {(indicator, period + "*") for indicator, period in newest.items()} <= shown.keys()
    assert shown and all(period.endswith("*") for _, period in shown)
    assert any(line.startswith("* provisional") for line in lines)
    # AND a hidden cell reads <5 only for a small cohort, "hidden" otherwise; values are rounded
    specs = load_catalogue().by_id
    for row in heads.itertuples():
        if (row.indicator_id, row.period + "*") not in shown:
            continue
        value = shown[(row.indicator_id, row.period + "*")]
        if row.suppressed:
            small = row.indicator_id == "cohort_size" and row.suppression_reason == "primary"
            assert value == ("<5" if small else "hidden"), row
        elif specs[row.indicator_id].unit == "rate" and not pd.isna(row.value):
            assert value == f"{row.value:.2f}"
