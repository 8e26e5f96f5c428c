"""What a partner and a data engineer read: `sammen check` in Danish and English through the real
CLI, binary and empty files, a file in an unknown landing folder, `sammen ledger` wrapped."""

from __future__ import annotations

import subprocess

from conftest import sammen_command
from helpers.ingestion import csv_text, deliver, new_home, query, rows

from core import exit_codes
from sammen.cli import main


def check(path, *options: str) -> tuple[int, str]:
    done = subprocess.run([*sammen_command(), "check", str(path), *options],
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def admissions_with_a_bad_type(tmp_path):
    path = tmp_path / "admissions__20250301.csv"
    good = [{"admission_id": f"A{i}"} for i in range(40)]
    path.write_text(csv_text(rows("admissions", *good, {"admission_id": "X", "admission_type": "emergency"})))
    return path


def test_check_speaks_danish_by_default_naming_row_column_rule_and_what_to_do(tmp_path):
    # GIVEN an admissions file whose row 41 has an admission_type the contract does not list
    path = admissions_with_a_bad_type(tmp_path)
    # WHEN a partner checks it without options
    code, out = check(path)
    # THEN the verdict is in Danish: file, row, column, rule and one line saying what to do
    assert code == 1
    assert "admissions__20250301.csv: godkendt med 1 af 41 rækker i karantæne" in out
    assert "række 41, kolonne admission_type: værdien er ikke en af de tilladte [enum, conformance]" in out
    assert "gør sådan: Brug en af: acute, planned." in out
    # AND neither pydantic's English nor the value is shown
    assert "Input should be" not in out and "emergency" not in out


def test_check_speaks_english_with_lang_en(tmp_path):
    # GIVEN the same file WHEN checked with --lang en
    code, out = check(admissions_with_a_bad_type(tmp_path), "--lang", "en")
    # THEN the same facts in English
    assert code == 1
    assert "row 41, column admission_type: the value is not one of those allowed [enum, conformance]" in out
    assert "what to do: Use one of: acute, planned." in out
    assert "række" not in out


def test_check_calls_a_binary_file_not_a_csv_file(tmp_path):
    # GIVEN a binary file (NUL bytes) and a non-text one (bytes no allowed encoding reads) named .csv
    binary = tmp_path / "admissions__20250301.csv"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50)
    garbled = tmp_path / "sessions__20250301.csv"
    garbled.write_bytes(b"session_id,\x81\x8d\x8f\x90\x9d\xff\n" * 20)
    for path in (binary, garbled):
        # WHEN checked in Danish and in English
        _, danish = check(path)
        code, english = check(path, "--lang", "en")
        # THEN it is called what it is, not a file with missing columns
        assert code == 2
        assert "dette er ikke en CSV-fil" in danish and "this is not a CSV file" in english
        assert "column_1" not in danish + english and "required column" not in english


def test_a_header_only_file_is_accepted_with_a_warning_in_the_verdict_and_the_ledger(tmp_path, capsys):
    # GIVEN a sessions file with its header and no data rows
    header_only = "session_id,ngo_id,activity,site,held_on,programme\n"
    path = tmp_path / "sessions__20250301.csv"
    path.write_text(header_only)
    # WHEN checked
    code, out = check(path)
    _, english = check(path, "--lang", "en")
    # THEN accepted, with a warning in both languages
    assert code == 0
    assert "advarsel: filen har ingen datarækker (tom levering) [empty]" in out
    assert "warning: the file has no data rows (an empty delivery) [empty]" in english
    # AND a file of 0 bytes is the same empty delivery
    nothing = tmp_path / "sessions__20250302.csv"
    nothing.write_bytes(b"")
    code, out = check(nothing)
    assert code == 0 and "advarsel: filen har ingen datarækker (tom levering) [empty]" in out
    # AND WHEN ingested, the ledger says so on the loaded file's row
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", header_only)
    assert main(["ingest", "--home", str(home.root), "--quiet"]) == 0
    assert query(home, "select status, reason from ledger.files") == [
        ("loaded", "warning: no data rows (an empty delivery)")]


def test_a_file_in_an_unknown_landing_folder_gets_a_ledger_row_and_stays(tmp_path, capsys):
    # GIVEN a file delivered to landing/hospital/, a folder that is no partner's
    home = new_home(tmp_path)
    stray = home.landing / "hospital" / "admissions__20250301.csv"
    stray.parent.mkdir()
    stray.write_text(csv_text(rows("admissions")))
    # WHEN ingested twice (the first night rejected a file: exit code FAILURES)
    assert main(["ingest", "--home", str(home.root), "--quiet"]) == exit_codes.FAILURES
    assert main(["ingest", "--home", str(home.root), "--quiet"]) == exit_codes.CLEAN
    # THEN one rejected ledger row names the folder and the reason, and the file is left where it is
    [(source, status, reason)] = query(home, "select source, status, reason from ledger.files")
    assert (source, status) == ("hospital", "rejected")
    assert "landing/hospital/ is no partner's folder" in reason
    assert stray.exists()


def test_ledger_wraps_long_names_and_reasons_in_their_columns(tmp_path, capsys):
    # GIVEN a rejected file with a long name and a long reason, and a short loaded one
    home = new_home(tmp_path)
    long_name = "attendance__20250301__" + "a_very_long_description_of_the_export" * 2 + ".csv"
    deliver(home, long_name, "nonsense")
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions")))
    assert main(["ingest", "--home", str(home.root), "--quiet"]) == exit_codes.FAILURES
    capsys.readouterr()
    # WHEN the ledger is shown
    assert main(["ledger", "--home", str(home.root)]) == 0
    table = capsys.readouterr().out.split("\n\n")[0].splitlines()
    # THEN the status column starts at the same place on every file's first line
    status_at = table[0].index("status")
    firsts = [line for line in table[1:] if line[:4].strip()]
    assert [line[status_at:status_at + 8].strip() for line in firsts] == ["loaded", "rejected"]
    # AND the whole name and the whole reason are there, wrapped in their columns, nothing cut
    start = table.index(next(line for line in table if "attendance__" in line))
    block = table[start:]
    assert "".join(line[24:24 + 36].strip() for line in block) == "ngo/" + long_name
    [(reason,)] = query(home, "select reason from ledger.files where status = 'rejected'")
    assert " ".join(filter(None, (line[status_at + 34:].strip() for line in block))) == reason
    assert "…" not in "\n".join(table)
