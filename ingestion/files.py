"""Delivered files: what their names say, what their bytes are, where they go afterwards.

File name (extracts.md): `<dataset>__<YYYYMMDD>[__<free text>].<csv|parquet>`. The dataset part
and the extension are matched case-insensitively (Windows exports upper-case them); the dataset
must be one the folder's partner delivers.

What sammen takes from landing/<source>/ (`scan_landing`), in the partners' words:
- only regular files. Symbolic links (even to a valid file), FIFOs, devices, sockets and
  directories are never followed, opened or read: each is recorded once in the ledger with the
  reason and left where it is (a FIFO is never opened: that would block the night);
- never a temporary name: a hidden name (`.x`) or one ending in `.tmp`, `.part`, `.partial`,
  `.filepart` or `~` is a file still being written under a name it will lose by a rename;
- a file is taken when it is complete: its manifest (sha256, and bytes when given) matches its
  bytes, or its bytes were left alone for `Settings.settle_seconds` (its modification time is at
  least that old; a time in the future counts as just written). A partner's rename from a
  temporary name to the final name keeps the time of the last write, so a file written under a
  temporary name and renamed later is complete as soon as the rename makes it a candidate once its
  last write is that old. Anything else waits in landing, with a message, for a later run;
- what is hashed, read and archived is one snapshot of the bytes (`take_snapshot`): the file is
  copied into a staging folder and its size and modification time must be the same before and
  after the copy;
- a name longer than `MAX_NAME_BYTES` is rejected (the archive, `.manifest.json` and
  `.reason.txt` names built from it must fit in the file system's 255 bytes); a name holding a
  CPR number is recorded under a redacted name (`redacted_name`) and moved to the owner-only
  `Home.restricted`, and the name itself is never shown, logged or used for a path.

Names are shown through `shown`, the one function that escapes control characters, everywhere a
name reaches a person (progress lines, `sammen ledger`, reason files, error messages).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat as st
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from contracts import CONTRACTS
from contracts.limits import (
    MANIFEST_SUFFIX,
    MAX_NAME_BYTES,
    REASON_SUFFIX,
    TEMPORARY_SUFFIXES,
)
from core.home import SOURCES, Home
from core.identifiers import is_cpr_like

DATA_SUFFIXES = (".csv", ".parquet")
CPR_REDACTED = "[cpr]"  # shorter than any CPR number, so a redacted name is never longer
_NAME = re.compile(
    r"^(?P<dataset>[A-Za-z_]+)__(?P<date>\d{8})(?:__(?P<free>[^/\\]+))?\.(?P<ext>csv|parquet)\Z",
    re.IGNORECASE,
)
# Categories escaped by `shown`: control characters (C0, DEL, C1), format characters (bidi
# overrides that reorder a line), line and paragraph separators, and lone surrogates (bytes of a
# name that are not UTF-8).
_UNSHOWN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def shown(text: str) -> str:
    r"""`text` safe for a terminal, a log or a reason file: control characters escaped.

    `\n` becomes the two characters backslash-n, ESC becomes `\x1b`, U+202E `\u202e`; letters
    (æøå included) stay as they are. A backslash is left alone so that escaping twice changes
    nothing (reasons that quote a name pass through it again)."""
    return "".join(_escaped(char) if unicodedata.category(char) in _UNSHOWN else char for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: an undecodable byte of the name
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def redacted_name(name: str) -> str:
    """The name with every part that holds a CPR-like word replaced by `[cpr]`.

    The name is cut at the characters that cannot be inside a CPR number (anything but letters,
    digits and the hyphen of DDMMYY-SSSS); each part is judged by the project's CPR detection
    (`core.identifiers.is_cpr_like`), so there is no second pattern to keep in step."""
    parts = re.split(r"([^\w-]|_)", name)
    return "".join(CPR_REDACTED if part and is_cpr_like(part) else part for part in parts)


def name_bytes(name: str) -> int:
    return len(os.fsencode(name))


class BadFileName(ValueError):
    """The file's name does not follow the agreement (the file is rejected)."""


@dataclass(frozen=True)
class DeliveredFile:
    path: Path
    source: str | None  # None for `sammen check` outside a landing folder
    found: os.stat_result | None = field(default=None, compare=False)  # lstat when listed
    has_manifest: bool = False  # a regular file `<name>.manifest.json` lies beside it
    snapshot: Path | None = None  # the staged copy: what is hashed, read and archived

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> Path:
        return self.path.with_name(self.name + MANIFEST_SUFFIX)

    @property
    def bytes_path(self) -> Path:
        """Where the file's bytes are read from: the snapshot once it is taken."""
        return self.snapshot or self.path

    @property
    def display_name(self) -> str:
        """The name as stored and shown: redacted when it holds a CPR number, then escaped."""
        return shown(redacted_name(self.name))

    @property
    def name_problem(self) -> str | None:
        """Why the name alone rejects the file before its bytes are read (None: it does not)."""
        if is_cpr_like(self.name):
            return "cpr"
        if name_bytes(self.name) > MAX_NAME_BYTES:
            return "long"
        return None


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


@dataclass(frozen=True)
class Refused:
    """A landing entry that is never followed or read: it is recorded once and left in place."""

    path: Path
    source: str
    kind: str  # what it is, in words
    unknown_source: bool = False  # in a folder that is no partner's (landing/hospital/)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def reason(self) -> str:
        if self.unknown_source:
            return (f"landing/{self.source}/ is no partner's folder (partners: {', '.join(SOURCES)}): "
                    "the file is not read; it is left in place (deliver it into its partner's folder)")
        return (f"{self.kind} in landing/{self.source}/: sammen never follows or reads one; "
                "it is left in place (deliver the file itself, as a regular file)")


@dataclass
class Landing:
    """What lies in the landing folders: candidates, entries refused, and what only gets a message."""

    files: list[DeliveredFile] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    orphan_manifests: list[Path] = field(default_factory=list)
    temporary: list[Path] = field(default_factory=list)


def is_temporary(name: str) -> bool:
    """A name a file carries while it is written, before a rename gives it its final name."""
    return name.startswith(".") or name.lower().endswith(TEMPORARY_SUFFIXES)


def _kind(mode: int) -> str | None:
    """What a non-regular entry is, in words (None for a regular file)."""
    if st.S_ISREG(mode):
        return None
    kinds = ((st.S_ISLNK, "a symbolic link"), (st.S_ISFIFO, "a FIFO (named pipe)"),
             (st.S_ISCHR, "a character device"), (st.S_ISBLK, "a block device"),
             (st.S_ISSOCK, "a socket"), (st.S_ISDIR, "a directory"))
    return next((words for test, words in kinds if test(mode)), "a special file")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except OSError:  # gone since the listing, or a name the file system refuses
        return None


def scan_landing(home: Home, only: list[str | Path] | None = None) -> Landing:
    """Sort what lies in landing/<source>/ without following a link or opening anything.

    `only` narrows the candidates to these names or paths (Airflow passes one partner's files)."""
    wanted = {Path(p).name for p in only} if only is not None else None
    landing = Landing()
    for source in SOURCES:
        folder = home.landing_for(source)
        if not folder.is_dir():
            continue
        entries = {path.name: _lstat(path) for path in folder.iterdir()}
        for name in sorted(entries):
            path, found = folder / name, entries[name]
            if found is None or (wanted is not None and name not in wanted):
                continue
            if is_temporary(name):
                landing.temporary.append(path)
            elif (kind := _kind(found.st_mode)) is not None:
                landing.refused.append(Refused(path, source, kind))
            elif name.endswith(MANIFEST_SUFFIX):
                if entries.get(name[: -len(MANIFEST_SUFFIX)]) is None:
                    landing.orphan_manifests.append(path)
            else:
                manifest = entries.get(name + MANIFEST_SUFFIX)
                has_manifest = manifest is not None and st.S_ISREG(manifest.st_mode)
                landing.files.append(DeliveredFile(path, source, found, has_manifest))
    landing.refused += _in_unknown_folders(home, wanted)
    return landing


def _in_unknown_folders(home: Home, wanted: set[str] | None) -> list[Refused]:
    """Entries of landing/<folder>/ for a folder that is no partner's: each is refused (a ledger
    row, left in place), so a partner delivering to the wrong folder hears of it. One level only,
    links not followed; temporary names stay silent as in the partners' folders."""
    if not home.landing.is_dir():
        return []
    refused = []
    for folder in sorted(home.landing.iterdir()):
        if folder.name in SOURCES or is_temporary(folder.name) or not st.S_ISDIR(folder.lstat().st_mode):
            continue
        for path in sorted(folder.iterdir()):
            if is_temporary(path.name) or (wanted is not None and path.name not in wanted):
                continue
            refused.append(Refused(path, folder.name, "a file", unknown_source=True))
    return refused


def landing_files(home: Home, only: list[str | Path] | None = None) -> list[DeliveredFile]:
    """The candidate data files waiting in landing/<source>/ (see `scan_landing`)."""
    return scan_landing(home, only).files


def settled_by_age(found: os.stat_result, settle_seconds: float, now: float | None = None) -> bool:
    """Were the file's bytes left alone for `settle_seconds`? A time in the future: no."""
    if settle_seconds <= 0:
        return True
    age = (now if now is not None else time.time()) - found.st_mtime
    return age >= settle_seconds


class Unsettled(Exception):
    """The file changed while it was copied: it is still being written."""


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns)


def take_snapshot(file: DeliveredFile, staging: Path) -> DeliveredFile:
    """Copy the file into `staging`: the copy is what is hashed, read and archived.

    The file is opened without following a link and without blocking (it was a regular file when
    listed; this holds if it was swapped since). Its size and modification time must be the same
    before, during and after the copy, or Unsettled: it stays in landing for a later run."""
    staging.mkdir(parents=True, exist_ok=True)
    # the copy's name: the file's own (the reader's messages name it), unless that name is one
    # sammen must not write (a CPR number in it, or too long to stage)
    copy = staging / (file.name if file.name_problem is None else "snapshot" + Path(file.name).suffix[:16])
    before = file.found or file.path.lstat()
    descriptor = os.open(file.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        opened = os.fstat(descriptor)
        if not st.S_ISREG(opened.st_mode) or not _same(before, opened):
            raise Unsettled("it changed since it was listed")
        with copy.open("wb") as target:
            _copy_bytes(descriptor, target)
        after = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    now = _lstat(file.path)
    if now is None or not _same(before, after) or not _same(before, now):
        copy.unlink(missing_ok=True)
        raise Unsettled("it changed while it was copied")
    return DeliveredFile(file.path, file.source, before, file.has_manifest, copy)


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    size: int
    modified_at: dt.datetime
    nul: bool  # the bytes hold a NUL: binary, not CSV text (DuckDB's reader would accept it)


def _copy_bytes(descriptor: int, target: BinaryIO) -> None:
    """All bytes from `descriptor` on into `target`: in the kernel where it can (copy_file_range,
    a reflink on btrfs/xfs), else through a buffer."""
    try:
        while os.copy_file_range(descriptor, target.fileno(), 1 << 30):
            pass
        return
    except (AttributeError, OSError):  # no copy_file_range here, or not between these file systems
        os.lseek(descriptor, 0, os.SEEK_SET)
        target.seek(0)
        target.truncate()
    with open(descriptor, "rb", closefd=False) as source:
        shutil.copyfileobj(source, target, 1 << 22)


def fingerprint(path: Path, found: os.stat_result | None = None) -> Fingerprint:
    """sha256, size, modification time and NUL bytes in one pass. hashlib and file reads release
    the GIL, so ingestion runs this in a thread while DuckDB reads the same file.

    `found`: the landing file's stat when `path` is its snapshot (the delivery's own time)."""
    digest, nul = hashlib.sha256(), False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
            nul = nul or b"\x00" in chunk
    stat = path.stat()
    modified = (found or stat).st_mtime
    return Fingerprint(digest.hexdigest(), stat.st_size, dt.datetime.fromtimestamp(modified), nul)


@dataclass(frozen=True)
class Manifest:
    rows: int
    sha256: str
    bytes: int | None = None  # optional: the data file's size; a careful partner gives it

    def announces(self, facts: Fingerprint) -> bool:
        """Does the manifest describe exactly these bytes (the file is complete)?"""
        return self.sha256 == facts.sha256 and self.bytes in (None, facts.size)


def read_manifest(path: Path) -> Manifest:
    """The sidecar manifest; ValueError (without echoing its content) when it is malformed."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        rows, sha, size = document["rows"], document["sha256"], document.get("bytes")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(f"manifest {shown(path.name)} is not JSON of the form "
                         "{\"rows\": <int>, \"sha256\": \"<hex>\"[, \"bytes\": <int>]}") from None
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (rows, size if size is not None else 0)) \
            or not isinstance(sha, str):
        raise ValueError(f"manifest {shown(path.name)}: rows and bytes must be integers and sha256 a string")
    return Manifest(rows, sha.strip().lower(), size)


def destination(folder: Path, name: str, file_id: int) -> Path:
    """Where a file goes in archive/ or rejected/: its own name, or made unique with its file id.

    A name too long to carry sidecars (`MAX_NAME_BYTES`) is cut to fit, and always tagged with
    the file id (two long names may share their beginning); the ledger keeps the full name."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if name_bytes(name) > MAX_NAME_BYTES:
        ext = ext[:16]
        room = MAX_NAME_BYTES - name_bytes(ext) - 1
        stem = os.fsencode(stem)[:room].decode("utf-8", "ignore")  # whole characters only
        return folder / f"{stem}.f{file_id}.{ext}"
    target = folder / name
    if not target.exists():
        return target
    return folder / (f"{stem}.f{file_id}.{ext}" if dot else f"{name}.f{file_id}")


def ensure_private(folder: Path) -> Path:
    """Create `folder` owner-only (0700), as `Home.restricted` and what lies in it must be."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def move_with_sidecars(file: DeliveredFile, target: Path, reason: str | None = None) -> None:
    """Move the data file (last, so a crash leaves it in landing) with its manifest and reason.

    With a snapshot, the snapshot is what goes to `target`; the landing file is then removed if
    it is still the file that was copied (same inode, size and time). If it changed since, it is
    a new delivery and stays for the next run."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if reason is not None:
        target.with_name(target.name + REASON_SUFFIX).write_text(reason + "\n", encoding="utf-8")
    if file.has_manifest and _lstat(file.manifest) is not None:
        os.replace(file.manifest, target.with_name(target.name + MANIFEST_SUFFIX))
    if file.snapshot is None:
        os.replace(file.path, target)
        return
    os.replace(file.snapshot, target)
    remove_if_unchanged(file)


def remove_if_unchanged(file: DeliveredFile) -> None:
    """Remove the landing file if it is still the one that was listed (see `move_with_sidecars`)."""
    now = _lstat(file.path)
    if now is not None and file.found is not None and _same(file.found, now):
        file.path.unlink()
