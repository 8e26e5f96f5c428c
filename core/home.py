"""The folder layout of one sammen installation ("home").

Every stage finds its inputs and outputs through this class, so the layout is written down once.

    DIR/landing/<source>/     partners drop files here (region, municipality, ngo)
    DIR/archive/<source>/     accepted and duplicate files, original bytes
    DIR/rejected/<source>/    rejected files, original bytes, with <file>.reason.txt beside
    DIR/warehouse/sammen.duckdb   the warehouse (ledger, raw, resolved, staging, marts ...)
    DIR/warehouse/spill/      DuckDB's temp_directory: large joins and sorts spill here (erased after)
    DIR/marts/                the marts exported as Parquet for evaluators
    DIR/query/marts.duckdb    the marts only, as a DuckDB file: what `sammen query` opens
    DIR/published/            aggregates only, after disclosure control
    DIR/docs/                 Data Docs (gx/), dbt docs (dbt/), contract documents (contracts/)
    DIR/config/               optional overrides (programmes.yaml)

Least privilege on disk (README, "Who may read what"): everything sammen writes is created under
the umask `UMASK` (owner-only), set at CLI start (`sammen.cli`) and by `Home.ensure`, which the
Airflow tasks call too. `Home.ensure` also repairs the modes of an existing home, so a home made
before this rule (or a partner's file delivered 0644 and archived as it came) is tightened at the
next run: every folder 0700 and file 0600, except the home itself (0750: the group may pass
through it, to `published/` only) and `published/` (0750 / 0640: aggregates for the boards, who
read them through the home's group). Folders protect their files: a 0644 file inside a 0700
folder is still unreadable to others, so the file modes are a second belt.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

SOURCES: tuple[str, ...] = ("region", "municipality", "ngo")

UMASK = 0o077  # new files 0600, new folders 0700: nobody but the owner, unless widened below
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
SHARED_DIR, SHARED_FILE = 0o750, 0o640  # the home itself and published/: the group may read

log = logging.getLogger(__name__)


def restrict_umask() -> None:
    """Owner-only modes for everything this process creates from now on (process-wide)."""
    os.umask(UMASK)


def share_with_group(folder: Path) -> None:
    """Give `folder` and what is in it the published modes (0750 / 0640): for publishing."""
    _repair(folder, SHARED_DIR, SHARED_FILE)


class HomeNotFound(FileNotFoundError):
    """`--home` names no sammen home: commands that read a home never create one by accident."""


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def at(cls, root: str | Path) -> Home:
        return cls(Path(root).expanduser().resolve())

    @classmethod
    def existing(cls, root: str | Path) -> Home:
        """The home at `root`, which must exist: a folder holding `landing/` or `warehouse/`.

        Only `sammen synth` and `sammen run --init` create a home (`Home.at(...).ensure()`); every
        other command refuses a mistyped path instead of filling it with empty folders."""
        home = cls.at(root)
        if not (home.landing.is_dir() or home.warehouse_dir.is_dir()):
            raise HomeNotFound(
                f"no sammen home at {home.root} (no landing/ or warehouse/ folder): check --home, "
                "or create one with `sammen synth` or `sammen run --init`"
            )
        return home

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
    def restricted(self) -> Path:
        return self.rejected / "restricted"

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
    def marts_db(self) -> Path:
        """The evaluators' marts-only database, rewritten after each build (transform.martsdb).
        Its own folder, apart from the warehouse (data engineers') and marts/ (Parquet)."""
        return self.root / "query" / "marts.duckdb"

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
        """Create the folders (idempotent), tighten the modes of what exists, and return self."""
        restrict_umask()
        for path in (
            self.warehouse_dir, self.marts, self.marts_db.parent, self.published, self.docs,
            self.config,
        ):
            path.mkdir(parents=True, exist_ok=True)
        for source in SOURCES:
            for base in (self.landing, self.archive, self.rejected):
                (base / source).mkdir(parents=True, exist_ok=True)
        self.secure()
        return self

    def secure(self) -> None:
        """Set the modes the module docstring promises on every folder and file of the home."""
        refused = _set_mode(self.root, SHARED_DIR, SHARED_DIR)[1]
        for child in _children(self.root):
            if child.name == self.published.name:
                refused += _repair(child, SHARED_DIR, SHARED_FILE)
            else:
                refused += _repair(child, PRIVATE_DIR, PRIVATE_FILE)
        if refused:
            # one line, no file names: a name may hold a CPR number (issue 16)
            log.warning("%d path(s) under %s keep a wider mode: not owned by this user, or read-only",
                        refused, self.root)


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except FileNotFoundError:
        return []


def _repair(top: Path, dir_mode: int, file_mode: int) -> int:
    """`top` and everything under it to `dir_mode` / `file_mode`; returns how many paths could
    not be changed. Symbolic links are never followed nor changed (chmod would change their
    target, which may lie outside the home)."""
    descend, refused = _set_mode(top, dir_mode, file_mode)
    if descend:
        for folder, dirs, files in os.walk(top):  # os.walk does not follow links to folders
            for name in dirs + files:
                refused += _set_mode(Path(folder) / name, dir_mode, file_mode)[1]
    return refused


def _set_mode(path: Path, dir_mode: int, file_mode: int) -> tuple[bool, int]:
    """chmod `path` if it is ours and differs. Returns (a real folder to descend into, 1 if its
    mode is wrong and could not be changed else 0)."""
    try:
        info = path.lstat()
    except FileNotFoundError:  # moved away meanwhile (a concurrent ingest): nothing to protect
        return False, 0
    if stat.S_ISLNK(info.st_mode):
        return False, 0
    is_dir = stat.S_ISDIR(info.st_mode)
    wanted = dir_mode if is_dir else file_mode
    if stat.S_IMODE(info.st_mode) == wanted:
        return is_dir, 0
    if info.st_uid != os.geteuid():  # e.g. a partner's own file: only its owner should change it
        return is_dir, 1
    try:
        os.chmod(path, wanted)
    except FileNotFoundError:
        return False, 0
    except OSError:  # a read-only mount, say: the run goes on, the warning says so
        return is_dir, 1
    return is_dir, 0
