"""Every file the publish step may write, with its sensitivity: the one place outputs are declared.

As OpenSAFELY refuses unlabelled outputs, `PublishedFolder` refuses to write a name not declared
here, or one declared with any sensitivity but `aggregate`, into `published/`. Files are written
to a staging folder beside `published/`, checked (only declared names, no 64-hex string that is
not a published file's own digest), then swapped in atomically (`PublishedFolder._swap`): a failed
or killed publish leaves the previous `published/` as it was, never half-written nor missing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

import pyarrow.parquet as pq

from core.atomic import exchange
from core.faults import pause_point
from core.home import share_with_group

Sensitivity = Literal["aggregate", "person_level"]
PUBLISHABLE: Sensitivity = "aggregate"
STAGING_MARK, OLD_MARK = ".staging-", ".old-"  # `.published.staging-<pid>`, `.published.old-<pid>`
# the C library's symbols through the running program (no `find_library` subprocess at import)
HEX64 = re.compile(rb"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")


@dataclass(frozen=True)
class DeclaredOutput:
    name: str
    sensitivity: Sensitivity
    description: str


OUTPUTS: tuple[DeclaredOutput, ...] = (
    DeclaredOutput(
        "indicators.csv", "aggregate",
        "Disclosure-controlled indicators; UTF-8, comma-separated, decimal point.",
    ),
    DeclaredOutput(
        "indicators_excel.csv", "aggregate",
        "The same table for Danish Excel: semicolon-separated, decimal comma, UTF-8 with BOM.",
    ),
    DeclaredOutput("indicators.parquet", "aggregate", "The same table as Parquet."),
    DeclaredOutput("indicators.json", "aggregate", "The same table as a JSON array of rows."),
    DeclaredOutput("catalogue.yaml", "aggregate", "The indicator catalogue (ids, titles, units)."),
    DeclaredOutput("report.html", "aggregate", "The board report, built from the table above."),
    DeclaredOutput(
        "manifest.json", "aggregate",
        "Release id, run id, cutoff, pipeline version, disclosure settings, per-file sha256 and rows.",
    ),
)
DECLARED: dict[str, DeclaredOutput] = {output.name: output for output in OUTPUTS}


class UndeclaredOutput(PermissionError):
    """A write into published/ of a file not declared as an aggregate output."""


class UnsafeOutput(RuntimeError):
    """A published file holds something that looks like a person key."""


def declared(name: str) -> DeclaredOutput:
    """The declaration of `name`, refusing anything that may not leave the warehouse."""
    output = DECLARED.get(name)
    if output is None:
        raise UndeclaredOutput(
            f"refusing to write {name!r} into published/: not declared in publishing/outputs.py"
        )
    if output.sensitivity != PUBLISHABLE:
        raise UndeclaredOutput(
            f"refusing to write {name!r} into published/: declared {output.sensitivity}, "
            f"only {PUBLISHABLE} outputs may be published"
        )
    return output


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class PublishedFolder:
    """Write declared outputs into a staging folder; on success, swap it in for `target`."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.staging = target.with_name(f".{target.name}{STAGING_MARK}{os.getpid()}")
        self.written: list[str] = []

    def __enter__(self) -> PublishedFolder:
        self._clean_leftovers()
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        try:
            self._check()
        except BaseException:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise
        self._swap()

    def path_for(self, name: str) -> Path:
        """Where a declared output goes (for writers that want a path, e.g. Parquet)."""
        declared(name)
        if name not in self.written:
            self.written.append(name)
        return self.staging / name

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.path_for(name)
        path.write_bytes(data)
        return path

    def write_text(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        return self.write_bytes(name, text.encode(encoding))

    def digests(self) -> dict[str, str]:
        return {name: sha256_of(self.staging / name) for name in self.written}

    def _check(self) -> None:
        """Nothing undeclared (a writer may have dropped extra files), no person-key-like text."""
        for path in sorted(self.staging.iterdir()):
            if path.name not in self.written:
                declared(path.name)  # raises for an undeclared file
        own_digests = {digest.encode() for digest in self.digests().values()}
        for name in self.written:
            for token in _hex64_tokens(self.staging / name):
                if token.lower() not in own_digests:
                    raise UnsafeOutput(
                        f"{name} holds a 64-hex string (a person key?): refusing to publish"
                    )

    def _swap(self) -> None:
        """Put the staged set in place of `target` in one step, then drop the old set.

        `renameat2(RENAME_EXCHANGE)` (Linux ≥ 3.15, ext4/xfs/btrfs/tmpfs) swaps the two folders
        atomically: at every instant `published/` is the whole old set or the whole new one, so a
        kill anywhere leaves a complete set (the old one then waits under the staging name and the
        next publish removes it). Chosen over a symlink flip (`published -> .published-<id>`)
        because `published/` stays a real folder: the boards' readers, web servers that refuse
        symlinks and existing homes see no change of layout. Where the exchange is missing (not
        Linux, or a filesystem without it) the two renames of before remain, and a kill between
        them is repaired by the next publish (`_clean_leftovers` puts the old set back first).
        """
        share_with_group(self.staging)  # the boards read published/ through the home's group
        pause_point("publish.swap")
        if not self.target.exists():
            os.rename(self.staging, self.target)  # the first publish: a plain rename is atomic
        elif not _exchange(self.staging, self.target):
            self._swap_by_two_renames()
            return
        pause_point("publish.swapped")
        shutil.rmtree(self.staging, ignore_errors=True)  # now the old set

    def _swap_by_two_renames(self) -> None:
        old = self.target.with_name(f".{self.target.name}{OLD_MARK}{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(self.target, old)
        try:
            os.rename(self.staging, self.target)
        except OSError:
            os.rename(old, self.target)
            raise
        shutil.rmtree(old, ignore_errors=True)

    def _clean_leftovers(self) -> None:
        """Remove what killed publishes left beside `target` (`.published.staging-*`, the old sets
        `.published.old-*`). Runs under the writer lock, so no other publish is using them; if a
        kill between the fallback's two renames left no `target`, the old set is put back first."""
        olds = sorted(self.target.parent.glob(f".{self.target.name}{OLD_MARK}*"),
                      key=lambda path: path.stat().st_mtime)
        if olds and not self.target.exists():
            os.rename(olds.pop(), self.target)
        for leftover in [*olds, *self.target.parent.glob(f".{self.target.name}{STAGING_MARK}*")]:
            shutil.rmtree(leftover, ignore_errors=True)


_exchange = exchange  # the one implementation; tests replace this name to try the fallback


def _hex64_tokens(path: Path) -> list[bytes]:
    """64-hex tokens in a file; Parquet is read back (its pages may be compressed)."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        text = "\n".join(
            str(value)
            for column in table.columns
            for value in column.to_pylist()
            if isinstance(value, str)
        )
        return HEX64.findall(text.encode())
    return HEX64.findall(path.read_bytes())
