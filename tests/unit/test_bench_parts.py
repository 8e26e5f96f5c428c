"""`make bench` reads where a stage's time went from the stage's own output (bench.scale._parts)."""

from __future__ import annotations

from bench.scale import COMMAND_MARK, _parts


def test_parts_are_the_last_commands_progress_timings_and_the_erasure_rewrite_in_order(tmp_path):
    # GIVEN a bench log of two commands, the last a night with a withdrawal applied
    log = tmp_path / "bench.log"
    log.write_text(
        f"{COMMAND_MARK}sammen ingest\n<== ingest done in 9.0 s\n"
        f"{COMMAND_MARK}sammen run\n==> ingest ...\n<== ingest done in 30.2 s\n"
        "<== transform done in 31.4 s\n<== publish done in 5.1 s\n"
        "warehouse rewritten without erased rows in 12.8 s\nsammen run finished\n",
        encoding="utf-8")
    # WHEN its parts are read THEN they are the last command's, the rewrite included, in order
    assert _parts(log) == (("ingest", 30.2), ("transform", 31.4), ("publish", 5.1),
                           ("warehouse rewritten", 12.8))
