"""How many runs the Great Expectations Data Docs keep: SAMMEN_GX_DOCS_RUNS, at least one."""

from __future__ import annotations

import pytest

from core.settings import DEFAULT_GX_DOCS_RUNS, Settings


def test_the_data_docs_history_is_read_from_the_environment(monkeypatch):
    # GIVEN SAMMEN_GX_DOCS_RUNS WHEN settings are made THEN it is the number of runs kept
    monkeypatch.setenv("SAMMEN_GX_DOCS_RUNS", "7")
    assert Settings().gx_docs_runs == 7
    monkeypatch.delenv("SAMMEN_GX_DOCS_RUNS")
    assert Settings().gx_docs_runs == DEFAULT_GX_DOCS_RUNS == 30


def test_a_history_of_no_run_is_refused():
    with pytest.raises(ValueError, match="SAMMEN_GX_DOCS_RUNS"):
        Settings(gx_docs_runs=0)
