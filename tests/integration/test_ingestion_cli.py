"""The commands: `sammen ingest`, `ledger`, `check`, `pseudonymise`; and the cutoff from the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from helpers.ingestion import VALID, csv_text, deliver, new_home, rows, run

from core.ledger import CutoffError, compute_cutoff
from sammen.cli import main

CPR = "0101901234"


def sessions(*changes: dict[str, str]) -> str:
    return csv_text(rows("sessions", *changes))


def test_ingest_and_ledger_commands(tmp_path, capsys):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", sessions())
    deliver(home, "attendance__20250301.csv", "nonsense")
    assert main(["ingest", "--home", str(home.root), "--quiet"]) == 2  # a file was rejected
    out = capsys.readouterr().out
    assert "1 loaded, 1 rejected" in out and "conformance" in out
    assert main(["ledger", "--home", str(home.root)]) == 0
    out = capsys.readouterr().out
    assert "ngo/sessions__20250301.csv" in out and "rejected" in out
    assert "completeness" in out and "checks of run" in out


def test_check_accepted_quarantined_rejected(tmp_path, capsys):
    good = tmp_path / "sessions__20250301.csv"
    good.write_text(sessions(*[{"session_id": f"T{i}"} for i in range(40)]))
    assert main(["check", "--lang", "en", str(good)]) == 0
    assert "accepted (40 rows)" in capsys.readouterr().out

    some = tmp_path / "sessions__20250302.csv"
    some.write_text(sessions(*[{"session_id": f"T{i}"} for i in range(39)], {"session_id": "X", "held_on": "1/2/2025"}))
    assert main(["check", "--lang", "en", str(some)]) == 1
    out = capsys.readouterr().out
    assert "accepted with 1 quarantined row(s)" in out and "row 40, column held_on" in out
    assert "1/2/2025" not in out

    bad = tmp_path / "sessions__20250303.csv"
    bad.write_text(sessions({"site": f"x {CPR}"}))
    assert main(["check", "--lang", "en", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "REJECTED" in out and "row 1, column site" in out and CPR not in out


def test_check_with_explicit_dataset_for_a_free_file_name(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text(sessions())
    assert main(["check", str(path)]) == 2
    assert main(["check", "--dataset", "sessions", str(path)]) == 0


def test_pseudonymise_matches_python_hmac_and_never_prints_the_key(tmp_path, capsys):
    key_file = tmp_path / "key"
    key_file.write_text("partnership-secret\n")
    source = tmp_path / "in.csv"
    source.write_text("CPR;role;session_id\n010190-1234;participant;T1\n;volunteer;T1\n2902001234;staff;T1\n",
                      encoding="utf-8")
    target = tmp_path / "attendance__20250301.csv"
    assert main(["pseudonymise", "--key-file", str(key_file), "--cpr-column", "cpr", str(source), str(target)]) == 0
    printed = capsys.readouterr()
    expected = hmac.new(b"partnership-secret", b"0101901234", hashlib.sha256).hexdigest()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "person_key,role,session_id"
    assert lines[1].split(",")[0] == expected
    assert lines[2].split(",")[0] == ""
    assert "partnership-secret" not in printed.out + printed.err
    assert "0101901234" not in target.read_text() and "010190-1234" not in target.read_text()
    # and the result is a valid attendance extract
    assert main(["check", str(target)]) == 0


def test_pseudonymise_rejects_malformed_cpr_naming_rows_not_values(tmp_path, capsys):
    key_file = tmp_path / "key"
    key_file.write_text("k")
    source = tmp_path / "in.csv"
    source.write_text("cpr,x\n3201901234,1\n0101901234,2\n12345,3\n")
    target = tmp_path / "out.csv"
    assert main(["pseudonymise", "--key-file", str(key_file), "--cpr-column", "cpr", str(source), str(target)]) == 2
    err = capsys.readouterr().err
    assert "rows 1, 3" in err and "3201901234" not in err and "12345" not in err
    assert not target.exists()


def test_pseudonymise_has_no_key_option():
    with pytest.raises(SystemExit):
        main(["pseudonymise", "--key", "secret", "--cpr-column", "cpr", "a.csv", "b.csv"])


def test_cutoff_is_the_earliest_latest_extract_minus_one_day(tmp_path):
    home = new_home(tmp_path)
    with pytest.raises(CutoffError, match="region, municipality, ngo"):
        compute_cutoff(home)
    deliver(home, "sessions__20250310.csv", sessions())
    deliver(home, "surveys__20250305.csv", csv_text(rows("surveys")))
    deliver(home, "admissions__20250301.csv", "broken")  # rejected: does not count
    run(home)
    with pytest.raises(CutoffError, match="region") as error:
        compute_cutoff(home)
    assert "municipality" not in str(error.value)
    deliver(home, "admissions__20250320.csv", csv_text(rows("admissions")))
    deliver(home, "outpatient_contacts__20250401.csv", csv_text(rows("outpatient_contacts")))
    run(home)
    assert compute_cutoff(home) == dt.date(2025, 3, 4)
    assert VALID  # the fixtures are the shared ones
