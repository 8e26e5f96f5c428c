"""The synthetic partners' extracts load cleanly: no quarantined rows, every dataset resolved."""

from __future__ import annotations

import pytest
from helpers.ingestion import new_home, run, scalar

import synthetic
from contracts import CONTRACTS


@pytest.mark.slow
def test_synthetic_extracts_load_without_quarantine(tmp_path):
    home = new_home(tmp_path)
    paths = synthetic.generate(home, persons=200, seed=1)
    report = run(home)
    assert not report.failed_files, str(report)
    assert report.count("loaded") == len(paths)
    assert report.rows_quarantined == 0, str(report)
    assert sum(report.unreferenced.values()) == 0, str(report)
    for dataset in CONTRACTS:
        resolved = scalar(home, f"select count(*) from resolved.{dataset}")
        assert resolved == report.resolved_rows[dataset]
        if dataset != "consent_withdrawals":
            assert resolved > 0, dataset
    assert scalar(home, "select count(*) from ledger.quarantine") == 0
