"""The folder layout of one sammen installation ("home").

Every stage finds its inputs and outputs through this class, so the layout is written down once.

    DIR/landing/<source>/     partners drop files here (region, municipality, ngo)
    DIR/archive/<source>/     accepted and duplicate files, original bytes
    DIR/rejected/<source>/    rejected files, original bytes, with <file>.reason.txt beside
    DIR/warehouse/sammen.duckdb   the warehouse (ledger, raw, resolved, staging, marts ...)
    DIR/warehouse/spill/      DuckDB's temp_directory: large joins and sorts spill here (erased after)
    DIR/marts/                the marts exported as Parquet for evaluators
    DIR/published/            aggregates only, after disclosure control
    DIR/docs/                 Data Docs (gx/), dbt docs (dbt/), contract documents (contracts/)
    DIR/config/               optional overrides (programmes.yaml)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SOURCES: tuple[str, ...] = ("region", "municipality", "ngo")


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def at(cls, root: str | Path) -> Home:
        return cls(Path(root).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def rejected(self) -> Path:
        return self.root / "rejected"

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / "sammen.duckdb"

    @property
    def spill(self) -> Path:
        return self.warehouse_dir / "spill"

    @property
    def marts(self) -> Path:
        return self.root / "marts"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / "sammen.lock"

    def landing_for(self, source: str) -> Path:
        return self.landing / source

    def ensure(self) -> Home:
        """Create the folders (idempotent) and return self."""
        for path in (self.warehouse_dir, self.marts, self.published, self.docs, self.config):
            path.mkdir(parents=True, exist_ok=True)
        for source in SOURCES:
            for base in (self.landing, self.archive, self.rejected):
                (base / source).mkdir(parents=True, exist_ok=True)
        return self
