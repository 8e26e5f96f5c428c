"""Exit codes (core/exit_codes.py) and homes: a cron job tells a bad night from a good one, and a
mistyped --home is refused instead of created."""

from __future__ import annotations

import pytest
from helpers.ingestion import csv_text, deliver, key, new_home, rows, scalar

from core import exit_codes
from core.home import Home
from sammen.cli import main


def _sessions(n: int = 1) -> str:
    return csv_text(rows("sessions", *[{"session_id": f"T{i}"} for i in range(n)]))


def test_ingest_exits_0_for_a_clean_night(tmp_path, capsys):
    # GIVEN a home with one well-formed delivery
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", _sessions())
    # WHEN it is ingested
    code = main(["ingest", "--home", str(home.root), "--quiet"])
    # THEN the exit code says: clean
    assert code == exit_codes.CLEAN, capsys.readouterr().out


def test_ingest_exits_2_when_a_file_is_rejected_after_loading_the_rest(tmp_path, capsys):
    # GIVEN a good file and a broken one
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", _sessions())
    deliver(home, "attendance__20250301.csv", "nonsense")
    # WHEN they are ingested
    code = main(["ingest", "--home", str(home.root), "--quiet"])
    # THEN the night fails (2), and the good file was loaded all the same
    assert code == exit_codes.FAILURES
    assert scalar(home, "select status from ledger.files where file_name = 'sessions__20250301.csv'") == "loaded"
    assert "1 loaded, 1 rejected" in capsys.readouterr().out


def test_ingest_exits_2_when_a_great_expectations_check_fails(tmp_path):
    # GIVEN enrolments that pass every row check but whose mean age at enrolment (95) is not
    # plausible (a GX batch check)
    home = new_home(tmp_path)
    enrolments = rows("enrolments", *[{"enrolment_id": f"E{i}", "person_key": key(i), "birth_year": "1930"}
                                      for i in range(30)])
    deliver(home, "enrolments__20250301.csv", csv_text(enrolments))
    # WHEN it is ingested
    code = main(["ingest", "--home", str(home.root), "--quiet"])
    # THEN no file was rejected, yet the night fails on the failed GX check
    assert scalar(home, "select count(*) from ledger.files where status = 'rejected'") == 0
    assert scalar(home, "select count(*) from ledger.checks where engine = 'gx' and check_name = "
                        "'mean_age_at_enrolment' and not success") == 1
    assert code == exit_codes.FAILURES


@pytest.mark.parametrize("command", [
    ["ingest", "--home"], ["ledger", "--home"], ["transform", "--home"], ["query", "select 1", "--home"],
    ["publish", "--home"], ["run", "--home"], ["contracts", "export", "--home"],
])
def test_commands_refuse_a_home_that_does_not_exist(tmp_path, capsys, command):
    # GIVEN a mistyped home
    missing = tmp_path / "vra"
    # WHEN a command that reads a home is given it
    code = main([*command, str(missing)])
    # THEN it fails naming the folder, and creates nothing
    assert code == exit_codes.ERROR
    assert "no sammen home" in capsys.readouterr().err
    assert not missing.exists()


def test_run_init_creates_the_home(tmp_path, capsys):
    # GIVEN no home yet
    missing = tmp_path / "fresh"
    # WHEN `run --init` is asked for it (and the run then fails: nothing delivered, no cutoff)
    code = main(["run", "--init", "--home", str(missing), "--quiet"])
    # THEN the home exists with its folders, and the failed run is an error (1) in ledger.runs
    assert (missing / "landing" / "ngo").is_dir()
    assert code == exit_codes.ERROR
    assert "cannot compute the cutoff" in capsys.readouterr().err
    assert scalar(Home.at(missing), "select status from ledger.runs") == "error"
