"""Property-based: malformed CSV bytes get a clean verdict, never a crash, and never a partial load."""

from __future__ import annotations

import duckdb
from helpers.ingestion import VALID, deliver, new_home, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.check import ACCEPTED, QUARANTINED, REJECTED, check_file

HEADER = ",".join(VALID["sessions"]).encode()
GOOD_ROW = ",".join(VALID["sessions"].values()).encode("utf-8")
# bytes that break CSV in interesting ways: quotes, delimiters, line ends, BOMs, NUL, cp1252-only
# and undefined bytes, UTF-8 lead bytes without continuation, digits that may form a CPR number
PIECES = st.sampled_from([
    b'"', b",", b";", b"\n", b"\r\n", b"\r", b"\xef\xbb\xbf", b"\x00", b"\x81", b"\xe6", b"\xc3", b"\xff",
    b"0101901234", b"010190-", b" ", b"ja", b"2025-01-01", b"T1", b"peer_group", b"\t", b'""',
])
BODY = st.lists(st.one_of(PIECES, st.just(GOOD_ROW), st.binary(max_size=8)), max_size=25).map(b"".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODY, with_header=st.booleans())
def test_check_gives_a_clean_verdict_for_any_bytes(tmp_path, body, with_header):
    path = tmp_path / "sessions__20250301.csv"
    path.write_bytes((HEADER + b"\n" if with_header else b"") + body)
    verdict = check_file(path)
    assert verdict.exit_code in (ACCEPTED, QUARANTINED, REJECTED)
    text = str(verdict)
    assert "0101901234" not in text
    if verdict.exit_code == REJECTED:
        assert verdict.evaluation.findings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODY)
def test_ingest_loads_a_malformed_file_whole_or_not_at_all(tmp_path_factory, body):
    home = new_home(tmp_path_factory.mktemp("prop"))
    deliver(home, "sessions__20250301.csv", HEADER + b"\n" + body)
    report = run(home)
    outcome = report.files[0]
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        stored = con.execute("select count(*) from raw.sessions").fetchone()[0]
        quarantined = con.execute("select count(distinct row_number) from ledger.quarantine").fetchone()[0]
        stored_as = con.execute("select stored_as from ledger.files").fetchone()[0]
    if outcome.status == "rejected":
        assert stored == 0 and quarantined == 0
        # rejected/ngo/, or rejected/restricted/ngo/ when the random bytes hold a CPR-like word
        assert (home.root / stored_as).exists() and stored_as.startswith("rejected/")
    else:
        assert outcome.status == "loaded"
        assert stored == outcome.rows_loaded
        assert outcome.rows_loaded + outcome.rows_quarantined == outcome.rows_read
        assert (home.archive / "ngo" / "sessions__20250301.csv").exists()
