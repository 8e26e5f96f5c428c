"""What ingestion takes from landing (issue 16, findings 3, 4, 5 and 7): settled files only, as one
snapshot; names too long or holding a CPR number; links, FIFOs, devices, sockets and directories
never followed; control characters escaped wherever a name is shown."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.ingestion import csv_text, deliver, manifest_for, new_home, query, rows, scalar

from contracts.limits import MAX_NAME_BYTES, REASON_SUFFIX
from core import exit_codes
from core.progress import Progress
from core.settings import SETTLE_SECONDS, Settings
from ingestion import ingest
from sammen.cli import main

CPR = "0812901240"  # a valid date (08-12-1990): CPR-like


def _sessions(n: int = 1, first: int = 0) -> str:
    return csv_text(rows("sessions", *[{"session_id": f"T{i}"} for i in range(first, first + n)]))


def _ingest(home, settle: float = 0.0, stream=None):
    progress = Progress(stream=stream, quiet=stream is None)
    return ingest(home, Settings(settle_seconds=settle), progress, batch_checks=False)


class _Lines:
    """A progress stream that keeps what was said."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# ------------------------------------------------------------------------------------------------
# finding 3: files still being written

_WRITER = """
import sys, time
path, bursts, per_burst, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
header = sys.stdin.readline()
body = sys.stdin.read().splitlines(keepends=True)
with open(path, "w", encoding="utf-8") as handle:
    handle.write(header)
    for burst in range(bursts):
        handle.writelines(body[burst * per_burst:(burst + 1) * per_burst])
        handle.flush()
        time.sleep(pause)
"""


@pytest.mark.timeout(120)
def test_a_file_written_in_bursts_is_loaded_only_when_complete_then_all_of_it(tmp_path):
    # GIVEN a warehouse, and a partner's process writing 16 bursts of 300 rows, 0.4 s apart
    home = new_home(tmp_path)
    _ingest(home)
    text = _sessions(16 * 300)
    path = home.landing_for("ngo") / "sessions__20250301.csv"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), "16", "300", "0.4"],
                              stdin=subprocess.PIPE, text=True)
    writer.stdin.write(text)
    writer.stdin.close()
    # WHEN ingestion runs again and again while it writes (settle interval 1.5 s)
    runs = 0
    while writer.poll() is None:
        report = _ingest(home, settle=1.5)
        runs += 1
        # THEN nothing of the file is taken: no ledger row, no rows, the file still in landing
        assert report.files == []
        assert scalar(home, "select count(*) from ledger.files") == 0
        assert path.exists()
    assert writer.returncode == 0 and runs >= 2
    # WHEN it has been left alone for the settle interval and ingestion runs
    time.sleep(1.6)
    report = _ingest(home, settle=1.5)
    # THEN all of it is loaded, and the ledger and the archive hold the whole file's bytes
    whole = hashlib.sha256(text.encode()).hexdigest()
    assert [(f.status, f.rows_read, f.rows_loaded) for f in report.files] == [("loaded", 4800, 4800)]
    assert query(home, "select sha256, bytes from ledger.files") == [(whole, len(text.encode()))]
    archived = home.archive / "ngo" / "sessions__20250301.csv"
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == whole
    assert not path.exists()


def test_a_fresh_file_waits_with_a_message_unless_its_manifest_announces_it(tmp_path):
    # GIVEN two files written just now (default settle interval), one with a matching manifest
    home = new_home(tmp_path)
    waiting = deliver(home, "sessions__20250301.csv", _sessions(2))
    data = _sessions(3, first=10).encode()
    deliver(home, "sessions__20250302.csv", data, manifest=manifest_for(data, 3) | {"bytes": len(data)})
    lines = _Lines()
    # WHEN ingestion runs
    report = _ingest(home, settle=SETTLE_SECONDS, stream=lines)
    # THEN the announced file is loaded at once; the other waits in landing, with a message
    assert [(f.name, f.status) for f in report.files] == [("sessions__20250302.csv", "loaded")]
    assert waiting.exists()
    assert "ngo/sessions__20250301.csv: not complete yet" in lines.text
    assert report.waiting == ["ngo/sessions__20250301.csv"] and "left in landing" in str(report)
    assert scalar(home, "select count(*) from ledger.files where file_name = 'sessions__20250301.csv'") == 0


def test_a_manifest_that_does_not_match_yet_keeps_a_fresh_file_waiting(tmp_path):
    # GIVEN a fresh file whose manifest describes more bytes than are there so far
    home = new_home(tmp_path)
    whole = _sessions(5).encode()
    deliver(home, "sessions__20250301.csv", whole[:40], manifest=manifest_for(whole, 5))
    # WHEN ingestion runs with a settle interval THEN the file is neither loaded nor rejected
    assert _ingest(home, settle=60).files == []
    assert scalar(home, "select count(*) from ledger.files") == 0


def test_temporary_names_are_never_taken(tmp_path):
    # GIVEN files a partner is still writing under temporary names
    home = new_home(tmp_path)
    names = ["sessions__20250301.csv.part", "sessions__20250302.csv.tmp", "sessions__20250303.csv~",
             ".sessions__20250304.csv"]
    for name in names:
        (home.landing_for("ngo") / name).write_text(_sessions())
    # WHEN ingestion runs (no settle interval)
    report = _ingest(home)
    # THEN none is recorded or moved: the partner's rename will find them where they were
    assert report.files == []
    assert all((home.landing_for("ngo") / name).exists() for name in names)
    assert scalar(home, "select count(*) from ledger.files") == 0


# ------------------------------------------------------------------------------------------------
# finding 4: a file name too long


def test_a_name_too_long_is_rejected_with_a_reason_and_the_rest_of_the_night_goes_on(tmp_path):
    # GIVEN a file with a 251-character name beside a good file
    home = new_home(tmp_path)
    long_name = "sessions__20250301__" + "x" * (251 - len("sessions__20250301__.csv")) + ".csv"
    assert len(long_name) == 251
    deliver(home, long_name, _sessions())
    deliver(home, "sessions__20250302.csv", _sessions(2, first=5))
    # WHEN ingestion runs
    report = _ingest(home)
    # THEN the good file loads; the long one is rejected, in the ledger under its full name
    assert sorted((f.status, f.rows_loaded) for f in report.files) == [("loaded", 2), ("rejected", 0)]
    [(reason, stored_as)] = query(home, "select reason, stored_as from ledger.files where file_name = ?",
                                  [long_name])
    assert f"at most {MAX_NAME_BYTES}" in reason
    # and it lies in rejected/ under a name that fits, with its reason file beside
    stored = home.root / stored_as
    assert stored.exists() and len(os.fsencode(stored.name + REASON_SUFFIX)) <= 255
    assert stored.with_name(stored.name + REASON_SUFFIX).exists()
    assert not (home.landing_for("ngo") / long_name).exists()


# ------------------------------------------------------------------------------------------------
# finding 5: a CPR number in the file name


def _all_names(root: Path) -> list[str]:
    return [str(path) for path in root.rglob("*")]


def test_a_cpr_number_in_the_name_is_redacted_and_restricted_never_shown(tmp_path, capsys):
    # GIVEN a valid file whose name holds a CPR number
    home = new_home(tmp_path)
    deliver(home, f"sessions__20260306__{CPR}.csv", _sessions())
    # WHEN `sammen ingest` and `sammen ledger` run
    assert main(["ingest", "--home", str(home.root)]) == exit_codes.FAILURES  # a file was rejected
    assert main(["ledger", "--home", str(home.root)]) == 0
    out = capsys.readouterr()
    # THEN the number is in no output, no path under the home and no byte of any file there
    # (the warehouse and its ledger, the reason file)
    # (booleans only: a failure message must not repeat the number either)
    printed = CPR in out.out + out.err
    in_paths = any(CPR in name for name in _all_names(home.root))
    in_files = any(CPR.encode() in path.read_bytes() for path in home.root.rglob("*") if path.is_file())
    assert not printed and not in_paths and not in_files
    assert "sessions__20260306__[cpr].csv" in out.out
    assert query(home, "select file_name, status, rows_loaded from ledger.files") == [
        ("sessions__20260306__[cpr].csv", "rejected", 0)]
    # and the bytes lie in the owner-only restricted folder, under the redacted name
    restricted = home.restricted / "ngo" / "sessions__20260306__[cpr].csv"
    assert restricted.exists()
    assert stat.S_IMODE(home.restricted.stat().st_mode) == 0o700
    assert scalar(home, "select count(*) from raw.sessions") == 0


# ------------------------------------------------------------------------------------------------
# finding 7: links, FIFOs, devices, sockets, directories, orphan manifests


def test_links_fifos_sockets_and_directories_are_recorded_once_never_followed(tmp_path):
    # GIVEN in landing: a link to a valid file outside the home, a dangling link, a FIFO, a
    # socket and a directory with a file-like name
    home = new_home(tmp_path)
    outside = tmp_path / "outside.csv"
    outside.write_text(_sessions())
    folder = home.landing_for("ngo")
    (folder / "sessions__20250301.csv").symlink_to(outside)
    (folder / "sessions__20250302.csv").symlink_to(tmp_path / "nowhere.csv")
    os.mkfifo(folder / "sessions__20250303.csv")
    (folder / "sessions__20250304.csv").mkdir()
    server = socket.socket(socket.AF_UNIX)
    # bound by a relative name from inside the folder: a socket's path may hold 107 bytes, and
    # pytest's temporary folders (per xdist worker) can be longer
    here = os.getcwd()
    os.chdir(folder)
    try:
        server.bind("sessions__20250305.csv")
    finally:
        os.chdir(here)
    try:
        # WHEN ingestion runs twice
        first = _ingest(home)
        second = _ingest(home)
    finally:
        server.close()
    # THEN each has one ledger row with its reason (the first night only) and nothing is loaded
    kinds = dict(query(home, "select file_name, reason from ledger.files where status = 'rejected'"))
    assert sorted(kinds) == [f"sessions__2025030{i}.csv" for i in range(1, 6)]
    assert "symbolic link" in kinds["sessions__20250301.csv"]
    assert "symbolic link" in kinds["sessions__20250302.csv"]
    assert "FIFO" in kinds["sessions__20250303.csv"]
    assert "directory" in kinds["sessions__20250304.csv"]
    assert "socket" in kinds["sessions__20250305.csv"]
    assert len(first.files) == 5 and second.files == []
    assert scalar(home, "select count(*) from raw.sessions") == 0
    # and each is left in place; the link's target is untouched and nothing was archived
    assert (folder / "sessions__20250301.csv").is_symlink() and outside.exists()
    assert not list((home.archive / "ngo").iterdir())


def test_a_device_in_landing_is_recorded_never_opened(tmp_path):
    # GIVEN a character device (like /dev/zero: reading it never ends) with a data file's name
    home = new_home(tmp_path)
    device = home.landing_for("ngo") / "sessions__20250301.csv"
    try:
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("creating a device needs CAP_MKNOD")
    # WHEN ingestion runs THEN it is recorded with the reason and left in place
    report = _ingest(home)
    assert [(f.status, "device" in f.reason) for f in report.files] == [("rejected", True)]
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_an_orphan_manifest_gets_a_message(tmp_path):
    # GIVEN a manifest whose data file is not there
    home = new_home(tmp_path)
    (home.landing_for("ngo") / "sessions__20250301.csv.manifest.json").write_text('{"rows": 1, "sha256": "00"}')
    lines = _Lines()
    # WHEN ingestion runs THEN it says so, and leaves the manifest for its file
    assert _ingest(home, stream=lines).files == []
    assert "ngo/sessions__20250301.csv.manifest.json: a manifest without its data file" in lines.text
    assert (home.landing_for("ngo") / "sessions__20250301.csv.manifest.json").exists()


# ------------------------------------------------------------------------------------------------
# finding 7: control characters in names


def test_control_characters_in_names_are_escaped_in_every_output(tmp_path, capsys):
    # GIVEN a good file and a badly named one, both with a newline and ANSI escapes in their names
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301__a\nb\x1b[31m.csv", _sessions())
    bad = "sessions__2025\x1b[2J\x9b.csv"
    deliver(home, bad, _sessions(1, first=3))
    # WHEN `sammen ingest` and `sammen ledger` run
    assert main(["ingest", "--home", str(home.root)]) == exit_codes.FAILURES  # a file was rejected
    assert main(["ledger", "--home", str(home.root)]) == 0
    out = capsys.readouterr()
    # THEN no control character reaches the output: they are shown escaped
    printed = out.out + out.err
    assert "\x1b" not in printed and "\x9b" not in printed
    assert "sessions__20250301__a\\nb\\x1b[31m.csv" in printed
    assert all(line.count("\n") == 0 for line in printed.splitlines())
    assert "a\nb" not in printed
    # and neither in the rejected file's reason file
    [(stored_as,)] = query(home, "select stored_as from ledger.files where status = 'rejected'")
    reason = (home.root / (stored_as + REASON_SUFFIX)).read_text(encoding="utf-8")
    assert "\x1b" not in reason and "\x9b" not in reason and "sessions__2025\\x1b[2J\\x9b.csv" in reason


# ------------------------------------------------------------------------------------------------
# the snapshot is archived, then the landing file removed: a kill between the two


def test_killed_between_archiving_the_snapshot_and_removing_the_landing_file(tmp_path):
    # GIVEN a file loaded and archived, whose landing copy is still there (as after a kill
    # between the two steps): same name, same bytes, same time stamp
    home = new_home(tmp_path)
    path = deliver(home, "sessions__20250301.csv", _sessions(3), mtime=1_700_000_000)
    _ingest(home)
    path.write_bytes((home.archive / "ngo" / "sessions__20250301.csv").read_bytes())
    os.utime(path, (1_700_000_000, 1_700_000_000))
    # WHEN the next run comes
    report = _ingest(home)
    # THEN it finishes the job: the landing file is gone, nothing recorded or loaded twice
    assert [f.reason for f in report.files] == ["finished moving after an interrupted run"]
    assert not path.exists()
    assert query(home, "select status from ledger.files") == [("loaded",)]
    assert scalar(home, "select count(*) from raw.sessions") == 3


def test_the_same_bytes_delivered_again_later_are_a_duplicate(tmp_path):
    # GIVEN a file loaded and archived WHEN the partner delivers the same bytes again, later
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", _sessions(3), mtime=1_700_000_000)
    _ingest(home)
    deliver(home, "sessions__20250301.csv", _sessions(3), mtime=1_700_086_400)
    report = _ingest(home)
    # THEN the second copy is recorded as a duplicate and archived beside the first
    assert [f.status for f in report.files] == ["duplicate"]
    assert len(list((home.archive / "ngo").glob("sessions__20250301*.csv"))) == 2


# ------------------------------------------------------------------------------------------------
# the same rules through Airflow's ingest task and `sammen check`


@pytest.mark.slow  # the task runs the Great Expectations batch checks too
def test_the_airflow_ingest_task_records_a_fifo_and_redacts_a_cpr_name(tmp_path, monkeypatch):
    # GIVEN a partner's landing folder with a good file, a FIFO and a file with a CPR in its name
    home = new_home(tmp_path)
    monkeypatch.setenv("SAMMEN_HOME", str(home.root))
    deliver(home, "sessions__20250301.csv", _sessions())
    os.mkfifo(home.landing_for("ngo") / "sessions__20250302.csv")
    deliver(home, f"sessions__20250303__{CPR}.csv", _sessions(1, first=7))
    from orchestration import tasks

    # WHEN the DAG's ingest task runs
    result = tasks.ingest("ngo", [])
    # THEN the CPR is in no verdict (checked first, as a boolean: a failure must not print it),
    # and every entry has a verdict from the ledger
    leaked = CPR in repr(result)
    assert not leaked
    verdicts = {v["file"]: v["status"] for v in result["verdicts"]}
    assert verdicts == {"sessions__20250301.csv": "loaded", "sessions__20250302.csv": "rejected",
                        "sessions__20250303__[cpr].csv": "rejected"}


def test_sammen_check_never_shows_a_cpr_number_from_the_name(tmp_path, capsys):
    # GIVEN a partner's file whose name holds a CPR number WHEN `sammen check` judges it
    path = tmp_path / f"sessions__20250301__{CPR}.csv"
    path.write_text(_sessions())
    main(["check", str(path)])
    # THEN the verdict names the file redacted
    out = capsys.readouterr().out
    leaked = CPR in out
    assert not leaked and "sessions__20250301__[cpr].csv" in out
