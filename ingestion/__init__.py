"""Ingestion: landing → ledger → raw → resolved (extracts.md), plus the partners' tools.

`ingest(home, settings, progress=None, *, files=None) -> IngestReport` is the entry point used by
`sammen run` and the DAGs; `core.ledger.compute_cutoff(home)` gives the run's cutoff.
"""

from __future__ import annotations

from ingestion.load import ingest
from ingestion.report import FileOutcome, IngestReport

__all__ = ["FileOutcome", "IngestReport", "ingest"]
