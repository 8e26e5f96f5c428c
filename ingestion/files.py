"""Delivered files: what their names say, what their bytes are, where they go afterwards.

File name (extracts.md): `<dataset>__<YYYYMMDD>[__<free text>].<csv|parquet>`. The dataset part
and the extension are matched case-insensitively (Windows exports upper-case them); the dataset
must be one the folder's partner delivers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from contracts import CONTRACTS
from sammen.home import SOURCES, Home

MANIFEST_SUFFIX = ".manifest.json"
REASON_SUFFIX = ".reason.txt"
_NAME = re.compile(
    r"^(?P<dataset>[A-Za-z_]+)__(?P<date>\d{8})(?:__(?P<free>[^/\\]+))?\.(?P<ext>csv|parquet)$",
    re.IGNORECASE,
)


class BadFileName(ValueError):
    """The file's name does not follow the agreement (the file is rejected)."""


@dataclass(frozen=True)
class DeliveredFile:
    path: Path
    source: str | None  # None for `sammen check` outside a landing folder

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> Path:
        return self.path.with_name(self.name + MANIFEST_SUFFIX)


@dataclass(frozen=True)
class FileName:
    dataset: str
    extract_date: dt.date
    format: str  # csv | parquet


def parse_name(name: str, source: str | None = None) -> FileName:
    """Dataset, extract date and format from a file name; BadFileName says what is wrong."""
    match = _NAME.match(name)
    if not match:
        raise BadFileName(
            "the file name does not follow <dataset>__<YYYYMMDD>[__<text>].<csv|parquet>"
        )
    dataset = match["dataset"].lower()
    if dataset not in CONTRACTS:
        raise BadFileName(f"unknown dataset {dataset!r}; known: {', '.join(CONTRACTS)}")
    try:
        extract_date = dt.datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError:
        raise BadFileName(f"{match['date']} is not a valid extract date YYYYMMDD") from None
    owner = CONTRACTS[dataset].source
    if source is not None and owner != source:
        raise BadFileName(f"{dataset} is delivered by {owner}, not by {source}")
    return FileName(dataset, extract_date, match["ext"].lower())


def landing_files(home: Home, only: list[str | Path] | None = None) -> list[DeliveredFile]:
    """Data files waiting in landing/<source>/ (manifests travel with their file; dot-files skipped)."""
    wanted = {Path(p).name for p in only} if only is not None else None
    found = []
    for source in SOURCES:
        folder = home.landing_for(source)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith(".") or path.name.endswith(MANIFEST_SUFFIX):
                continue
            if wanted is None or path.name in wanted or str(path) in {str(p) for p in only or ()}:
                found.append(DeliveredFile(path, source))
    return found


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    size: int
    modified_at: dt.datetime
    nul: bool  # the bytes hold a NUL: binary, not CSV text (DuckDB's reader would accept it)


def fingerprint(path: Path) -> Fingerprint:
    """sha256, size, modification time and NUL bytes in one pass. hashlib and file reads release
    the GIL, so ingestion runs this in a thread while DuckDB reads the same file."""
    digest, nul = hashlib.sha256(), False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
            nul = nul or b"\x00" in chunk
    stat = path.stat()
    return Fingerprint(digest.hexdigest(), stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime), nul)


@dataclass(frozen=True)
class Manifest:
    rows: int
    sha256: str


def read_manifest(path: Path) -> Manifest:
    """The sidecar manifest; ValueError (without echoing its content) when it is malformed."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        rows, sha = document["rows"], document["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError(f"manifest {path.name} is not JSON of the form {{\"rows\": <int>, \"sha256\": \"<hex>\"}}") from None
    if not isinstance(rows, int) or isinstance(rows, bool) or not isinstance(sha, str):
        raise ValueError(f"manifest {path.name}: rows must be an integer and sha256 a string")
    return Manifest(rows, sha.strip().lower())


def destination(folder: Path, name: str, file_id: int) -> Path:
    """Where a file goes in archive/ or rejected/: its own name, or made unique with its file id."""
    target = folder / name
    if not target.exists():
        return target
    stem, dot, ext = name.rpartition(".")
    return folder / (f"{stem}.f{file_id}.{ext}" if dot else f"{name}.f{file_id}")


def move_with_sidecars(file: DeliveredFile, target: Path, reason: str | None = None) -> None:
    """Move the data file (last, so a crash leaves it in landing) with its manifest and reason."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if reason is not None:
        target.with_name(target.name + REASON_SUFFIX).write_text(reason + "\n", encoding="utf-8")
    if file.manifest.exists():
        os.replace(file.manifest, target.with_name(target.name + MANIFEST_SUFFIX))
    os.replace(file.path, target)
