"""What one ingestion run did, in numbers and names (never values)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from core.ledger import CHECK_KINDS, CheckResult
from ingestion.files import shown
from validation.batches import is_warning


@dataclass(frozen=True)
class FileOutcome:
    name: str
    source: str | None
    dataset: str | None
    status: str  # loaded | rejected | duplicate
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str = ""
    file_id: int | None = None

    def line(self) -> str:
        # names and reasons come from partners' file names: control characters escaped
        name, reason = shown(self.name), shown(self.reason)
        where = f"{self.source}/{name}" if self.source else name
        if self.status == "loaded":
            text = f"{where}: loaded {self.rows_loaded} of {self.rows_read} rows"
            text += f", {self.rows_quarantined} quarantined" if self.rows_quarantined else ""
            return text + (f" ({reason})" if reason else "")
        if self.status == "duplicate":
            return f"{where}: duplicate ({reason})"
        return f"{where}: rejected: {reason}"


@dataclass
class IngestReport:
    run_id: str
    files: list[FileOutcome] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    resolved_rows: dict[str, int] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)  # resolved tables rebuilt this run (the rest were current)
    rebuilt_whole: list[str] = field(default_factory=list)  # of those, rebuilt from all rows, not by key
    unreferenced: dict[str, int] = field(default_factory=dict)
    withdrawn_persons: int = 0
    waiting: list[str] = field(default_factory=list)  # `<source>/<name>` left in landing: not complete yet
    failed_batch_checks: list[str] = field(default_factory=list)  # GX checks that failed, in words

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed_files(self) -> list[FileOutcome]:
        """Files rejected in this run (Airflow fails the task visibly when there are any)."""
        return [f for f in self.files if f.status == "rejected"]

    @property
    def failed_checks(self) -> list[CheckResult]:
        """Great Expectations checks that failed this run and fail the night (not the warnings:
        `validation.batches.is_warning`)."""
        return [c for c in self.checks if c.engine == "gx" and c.failed and not is_warning(c.check_name)]

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed GX checks that only warn (a late source)."""
        return [c for c in self.checks if c.engine == "gx" and c.failed and is_warning(c.check_name)]

    @property
    def clean(self) -> bool:
        """No file rejected and no GX check failed (warnings allowed): exit code 0."""
        return not self.failed_files and not self.failed_checks

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files if f.status == "loaded")

    def check_table(self) -> list[tuple[str, str, int, int, int]]:
        """(check_kind, dataset, checks passed, checks failed, rows failed) over this run."""
        merged: dict[tuple, int] = defaultdict(int)
        for c in self.checks:
            # checks across a source's datasets (freshness) have no dataset
            merged[(c.check_kind, c.dataset or "(per source)", c.engine, c.check_name, c.column_name)] += c.failed
        table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for (kind, dataset, engine, *_), failed in merged.items():
            cell = table[(kind, dataset)]
            cell[1 if failed else 0] += 1
            cell[2] += failed if engine != "file" else 0
        order = {kind: i for i, kind in enumerate(CHECK_KINDS)}
        return sorted(((k, d, v[0], v[1], v[2]) for (k, d), v in table.items()), key=lambda r: (order.get(r[0], 9), r[1]))

    def __str__(self) -> str:
        return self.render(verbose=True)

    def render(self, *, verbose: bool = False, failures: bool = True) -> str:
        """The run in lines. Short (`make demo`, `sammen run`): the totals, the files that need
        attention (rejected, duplicate, quarantined rows, a warning) and the failing batch checks
        in words. `verbose`: every file, the resolved rows and the table of checks per kind."""
        lines = [
            f"ingest run {self.run_id}: {self.count('loaded')} loaded, {self.count('rejected')} rejected, "
            f"{self.count('duplicate')} duplicate; {self.rows_loaded} rows loaded, "
            f"{self.rows_quarantined} quarantined"
        ]
        shown_files = self.files if verbose else [f for f in self.files if _needs_attention(f)]
        if not failures:  # the caller shows the rejected files and failed checks at WARNING
            shown_files = [f for f in shown_files if f.status != "rejected"]
        lines += ["  " + f.line() for f in shown_files]
        unremarked = sum(1 for f in self.files if not _needs_attention(f))
        if not verbose and unremarked:
            lines.append(f"  ({unremarked} more file(s) loaded without remarks; -v lists them)")
        if self.waiting:
            lines.append("  not complete yet, left in landing for a later run: " + ", ".join(self.waiting))
        unreferenced = {d: n for d, n in self.unreferenced.items() if n}
        if unreferenced:
            lines.append("  pointing to nothing (quarantined at resolution): "
                         + ", ".join(f"{d} {n}" for d, n in unreferenced.items()))
        if self.withdrawn_persons:
            lines.append(f"  consent withdrawals in force: {self.withdrawn_persons} person(s)")
        if verbose and self.resolved_rows:
            lines.append("  resolved rows: " + ", ".join(f"{d} {n}" for d, n in self.resolved_rows.items()))
        if failures and self.failed_batch_checks:
            lines.append(f"  batch checks failed ({len(self.failed_batch_checks)}; see docs/gx/index.html):")
            lines += ["    " + text for text in self.failed_batch_checks]
        table = self.check_table()
        if verbose and table:
            lines.append(f"  {'check kind':<13} {'dataset':<20} {'passed':>6} {'failed':>6} {'bad rows':>9}")
            lines += [f"  {k:<13} {d:<20} {p:>6} {f:>6} {r:>9}" for k, d, p, f, r in table]
        elif table:
            passed, failed = sum(row[2] for row in table), sum(row[3] for row in table)
            lines.append(f"  checks: {passed} passed, {failed} failed (-v for the table per kind and dataset)")
        return "\n".join(lines)


def _needs_attention(outcome: FileOutcome) -> bool:
    return outcome.status != "loaded" or bool(outcome.rows_quarantined) or "warning" in outcome.reason
