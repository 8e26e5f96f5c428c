"""The synthetic extracts as the ingestion engineer will find them in the landing folders.

One generation of 200 persons per module (about two seconds); each test reads the files back with
the simple readers of tests/helpers/synthetic.py, never with the generator's own code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers.synthetic import (
    FILE_NAME,
    data_files,
    encoding_of,
    looks_like_cpr,
    read_extract,
)

from contracts import CONTRACTS, contract_for
from contracts.reference import municipality_codes, programme_codes
from core.home import SOURCES, Home
from synthetic import generate

PERSONS = 200
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = Home.at(tmp_path_factory.mktemp("synth"))
    generate(home, persons=PERSONS, seed=7, years=3)
    return home


@pytest.fixture(scope="module")
def files(home: Home) -> dict[str, list[Path]]:
    """Data files per dataset in delivery order (extract date, then modification time)."""
    by_dataset: dict[str, list[Path]] = defaultdict(list)
    for path in data_files(home.landing):
        by_dataset[FILE_NAME.match(path.name)["dataset"]].append(path)
    return {name: sorted(paths, key=lambda p: (p.name.split("__")[1], p.stat().st_mtime))
            for name, paths in by_dataset.items()}


@pytest.fixture(scope="module")
def rows(files: dict[str, list[Path]]) -> dict[str, list[list[dict]]]:
    """Rows per dataset, one list per file, in delivery order."""
    return {name: [read_extract(path) for path in paths] for name, paths in files.items()}


def resolved(dataset: str, deliveries: list[list[dict]]) -> dict[tuple, dict]:
    """Supersede and retraction by natural key, as extracts.md describes (test-side, simple)."""
    key = contract_for(dataset).natural_key
    current: dict[tuple, dict] = {}
    for delivery in deliveries:
        for row in delivery:
            if str(row.get("deleted")).lower() in ("true", "1", "ja"):
                current.pop(tuple(row[name] for name in key), None)
            else:
                current[tuple(row[name] for name in key)] = row
    return current


def as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# --- delivery: folders, names, formats -------------------------------------------------------


def test_each_source_folder_holds_two_extracts_of_each_of_its_datasets(home: Home, files):
    # GIVEN the generated landing folders
    # THEN every dataset of the contracts lies in its source's folder, in two extract dates
    assert set(files) == set(CONTRACTS)
    for dataset, paths in files.items():
        source = contract_for(dataset).source
        assert {path.parent.name for path in paths} == {source}, dataset
        dates = {FILE_NAME.match(path.name)["date"] for path in paths}
        assert len(dates) == 2, dataset
    assert {path.name for path in home.landing.iterdir()} == set(SOURCES)


def test_file_names_parse_as_the_spec_writes_them(home: Home):
    names = [path.name for path in home.landing.rglob("*") if path.is_file()]
    data = [name for name in names if not name.endswith(".manifest.json")]
    for name in data:
        match = FILE_NAME.match(name)
        assert match, name
        assert match["dataset"] in CONTRACTS
        dt.datetime.strptime(match["date"], "%Y%m%d")
    assert any(FILE_NAME.match(name)["free"] for name in data)  # `__<free text>` is used too


def test_all_three_formats_and_encodings_and_both_delimiters_are_delivered(home: Home):
    csv_files = [path for path in home.landing.rglob("*.csv")]
    encodings = {encoding_of(path.read_bytes()) for path in csv_files}
    first_lines = [path.read_bytes().splitlines()[0] for path in csv_files]
    assert encodings == {"utf-8", "utf-8-sig", "cp1252"}
    assert any(b";" in line for line in first_lines) and any(b"," in line for line in first_lines)
    assert list(home.landing.rglob("*.parquet"))


def test_danish_letters_survive_in_the_cp1252_sessions_file(files):
    # GIVEN the sessions files, written by a Danish system in cp1252
    for path in files["sessions"]:
        raw = path.read_bytes()
        # THEN they are not UTF-8 but decode as cp1252 to the Danish site names
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("cp1252")
        assert set("æøåÆØÅ") & set(text)
        assert "Sct. Hans Have" in text or "Æblehaven" in text or "Gården på Ålholm" in text


def test_one_file_has_upper_case_headers_in_another_order_than_the_contract(files):
    path = files["outpatient_contacts"][0]
    header = path.read_bytes().decode("utf-8-sig").splitlines()[0].split(",")
    contract_order = [column.name for column in contract_for("outpatient_contacts").columns()
                      if column.name != "deleted"]
    assert all(name == name.upper() for name in header)
    assert sorted(name.lower() for name in header) == sorted(contract_order)
    assert [name.lower() for name in header] != contract_order


def test_booleans_are_spelled_in_all_three_ways(rows):
    spellings = Counter()
    for deliveries in rows.values():
        for delivery in deliveries:
            for row in delivery:
                for column in ("deleted", "involuntary"):
                    if isinstance(row.get(column), str):
                        spellings[row[column].lower()] += 1
    assert {"ja", "nej", "1", "0", "true", "false"} <= set(spellings)


def test_full_extracts_have_no_deleted_column_and_deltas_do(files):
    for dataset, paths in files.items():
        if not contract_for(dataset).keyed() or dataset == "consent_withdrawals":
            continue
        first, latest = (set(read_extract(path)[0]) if read_extract(path) else set() for path in paths)
        assert "deleted" not in first and "deleted" in latest, dataset


def test_manifests_match_their_files(home: Home):
    manifests = list(home.landing.rglob("*.manifest.json"))
    assert manifests
    for manifest in manifests:
        data = manifest.with_name(manifest.name.removesuffix(".manifest.json"))
        content = json.loads(manifest.read_text())
        import hashlib

        assert content["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
        rows = pq.read_metadata(data).num_rows if data.suffix == ".parquet" else len(read_extract(data))
        assert content["rows"] == rows


def test_modification_times_follow_the_extract_dates(files):
    for paths in files.values():
        for path in paths:
            extract_day = dt.datetime.strptime(FILE_NAME.match(path.name)["date"], "%Y%m%d")
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
            assert extract_day <= modified < extract_day + dt.timedelta(days=1), path.name


def test_the_sources_latest_extracts_differ_by_a_day_or_two(files):
    latest = defaultdict(set)
    for dataset, paths in files.items():
        latest[contract_for(dataset).source].add(FILE_NAME.match(paths[-1].name)["date"])
    assert all(len(dates) == 1 for dates in latest.values())
    days = sorted(dt.datetime.strptime(next(iter(d)), "%Y%m%d") for d in latest.values())
    assert 1 <= (days[-1] - days[0]).days <= 2


# --- content: valid, private, consistent ------------------------------------------------------


def test_every_row_is_valid_per_its_contract(rows):
    broken = Counter()
    for dataset, deliveries in rows.items():
        contract = contract_for(dataset)
        for delivery in deliveries:
            for row in delivery:
                for violation in contract.explain(row):
                    broken[(dataset, violation.rule, violation.column)] += 1
    assert not broken


def test_the_cpr_check_of_these_tests_follows_the_spec_examples():
    assert looks_like_cpr("0101901234")
    assert looks_like_cpr("x 010190-1234")
    assert looks_like_cpr("ENR_0101901234")
    assert not looks_like_cpr("3102901234")  # 31 February is no date
    assert not looks_like_cpr("ENR0101901234")  # touches a letter
    assert not looks_like_cpr("a0101901234b" + "0" * 52)


def test_no_field_and_no_header_looks_like_a_cpr_number(home: Home):
    for path in data_files(home.landing):
        if path.suffix == ".csv":
            raw = path.read_bytes()
            text = raw.decode(encoding_of(raw))
            fields = re.split(r"[;,\r\n]", text)
        else:
            table = pq.read_table(path)
            fields = [str(value) for column in table.columns for value in column.to_pylist()]
            fields += table.column_names
        assert not [field for field in fields if looks_like_cpr(field)], path.name


def test_person_keys_are_64_lower_case_hex(rows):
    seen = 0
    for deliveries in rows.values():
        for delivery in deliveries:
            for row in delivery:
                if row.get("person_key") is not None:
                    assert HEX64.match(row["person_key"])
                    seen += 1
    assert seen > 1000


def test_follow_ups_point_to_delivered_plans_after_supersede(rows):
    plans = resolved("action_plans", rows["action_plans"])
    follow_ups = resolved("plan_follow_ups", rows["plan_follow_ups"])
    assert follow_ups
    assert {row["plan_id"] for row in follow_ups.values()} <= {key[0] for key in plans}


def test_attendance_points_to_sessions_of_the_same_or_an_earlier_delivery(rows):
    known: set[str] = set()
    for sessions, attendance in zip(rows["sessions"], rows["attendance"], strict=True):
        known |= {row["session_id"] for row in sessions}
        assert {row["session_id"] for row in attendance} <= known


def test_everyone_is_18_or_older_in_the_enrolment_year(rows):
    for delivery in rows["enrolments"]:
        for row in delivery:
            assert as_date(row["enrolled_on"]).year - int(row["birth_year"]) >= 18


# --- supersede material ----------------------------------------------------------------------


def test_the_delta_fills_in_a_discharge_and_an_enrolment_end(rows):
    for dataset, column in (("admissions", "discharged_at"), ("enrolments", "ended_on")):
        key = contract_for(dataset).natural_key[0]
        first, latest = rows[dataset]
        open_before = {row[key] for row in first if row[column] is None}
        closed_now = {row[key] for row in latest if row[column] is not None}
        assert open_before & closed_now, dataset


def test_the_delta_retracts_keys_delivered_before(rows):
    for dataset in ("admissions", "enrolments", "action_plans", "plan_follow_ups", "surveys"):
        key = contract_for(dataset).natural_key[0]
        first, latest = rows[dataset]
        retracted = {row[key] for row in latest if str(row["deleted"]).lower() in ("true", "1", "ja")}
        assert retracted and retracted <= {row[key] for row in first}, dataset


def test_the_later_attendance_redelivers_some_earlier_sessions_whole(rows):
    first_sessions = {row["session_id"] for row in rows["sessions"][0]}
    first, latest = rows["attendance"]
    again = {row["session_id"] for row in latest} & first_sessions
    assert again
    before = Counter(row["session_id"] for row in first if row["session_id"] in again)
    after = Counter(row["session_id"] for row in latest if row["session_id"] in again)
    assert all(after[session] == before[session] + 1 for session in again)  # one late volunteer


def test_withdrawals_arrive_in_both_extracts(rows):
    first, latest = rows["consent_withdrawals"]
    assert first and len(latest) > len(first)
    assert {row["person_key"] for row in first} <= {row["person_key"] for row in latest}


# --- shapes ------------------------------------------------------------------------------------


def test_enrolments_cover_all_programmes_many_municipalities_and_some_repeaters(rows):
    enrolments = list(resolved("enrolments", rows["enrolments"]).values())
    assert {row["programme"] for row in enrolments} == programme_codes()
    municipalities = {int(row["municipality_code"]) for row in enrolments}
    assert len(municipalities) >= 8 and municipalities <= municipality_codes()
    per_person = Counter(row["person_key"] for row in enrolments)
    assert 1 <= sum(count == 2 for count in per_person.values()) < 0.1 * PERSONS


def test_garden_sessions_are_on_tuesdays(rows):
    gardens = [row for delivery in rows["sessions"] for row in delivery
               if row["activity"] == "garden_community"]
    assert gardens
    assert {as_date(row["held_on"]).weekday() for row in gardens} == {1}


def test_participation_falls_away_over_the_months_after_enrolment(rows):
    enrolled = {}
    for row in resolved("enrolments", rows["enrolments"]).values():
        enrolled.setdefault(row["person_key"], as_date(row["enrolled_on"]))
    held = {row["session_id"]: as_date(row["held_on"]) for d in rows["sessions"] for row in d}
    months = defaultdict(set)
    for row in rows["attendance"][0]:
        person = row["person_key"]
        if person in enrolled and held[row["session_id"]] >= enrolled[person]:
            months[(held[row["session_id"]] - enrolled[person]).days // 30].add(person)
    early = len(months[0] | months[1] | months[2])
    late = len(months[6] | months[7] | months[8])
    assert early > 1.5 * late > 0


def test_volunteers_and_anonymous_attendees_and_own_arrival_later(rows):
    attendance = rows["attendance"][0]
    assert any(row["role"] == "volunteer" and row["person_key"] for row in attendance)
    assert any(row["person_key"] is None for row in attendance)
    assert {"own", "staff"} <= {row["arrived_with"] for row in attendance if row["person_key"]}


def test_admissions_have_realistic_stays_transfers_and_open_ones(rows):
    admissions = list(resolved("admissions", rows["admissions"]).values())
    stamp = lambda value: value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)  # noqa: E731
    lengths = [(stamp(row["discharged_at"]) - stamp(row["admitted_at"])).days
               for row in admissions if row["discharged_at"]]
    assert 7 <= statistics.median(lengths) <= 25
    assert any(row["discharged_at"] is None for row in admissions)
    assert {row["admission_type"] for row in admissions} == {"acute", "planned"}
    by_person = defaultdict(list)
    for row in admissions:
        if row["discharged_at"]:
            by_person[row["person_key"]].append((stamp(row["admitted_at"]), stamp(row["discharged_at"])))
    transfers = sum(
        1 for stays in by_person.values() for start, _ in stays for _, end in stays
        if dt.timedelta(0) < start - end <= dt.timedelta(hours=4)
    )
    assert transfers >= 1


def test_surveys_come_at_baseline_and_about_six_months(rows):
    enrolled = {}
    for row in resolved("enrolments", rows["enrolments"]).values():
        enrolled.setdefault(row["person_key"], as_date(row["enrolled_on"]))
    offsets = [(as_date(row["answered_on"]) - enrolled[row["person_key"]]).days
               for row in resolved("surveys", rows["surveys"]).values()
               if row["person_key"] in enrolled]
    assert sum(-60 <= days <= 30 for days in offsets) > 0.5 * len(offsets)
    assert sum(120 <= days <= 270 for days in offsets) > 0.2 * len(offsets)
