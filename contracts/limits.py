"""The size limits of a delivered file's content: file-level rules of every contract.

They are part of the agreement with the partners (the partner documents state them, derived from
here) and protect the night: a file beyond a limit is rejected before the heavy work (DuckDB's
reader), with the line or row and the limit named, so one broken export cannot hold the writer
lock for minutes or exhaust memory (issue 16: 100,000 columns held it for 15 minutes).

Decisions (extracts.md gives no numbers), from the datasets' own widths:
- `max_columns` 256: the widest contract has 10 columns plus `deleted`; extra columns are allowed
  (reported as drift), so the limit leaves room for a source system's full export.
- `max_field_bytes` 4,096 (UTF-8 bytes, as read): the longest values extracts.md allows are the
  free-text `site` (a place name), `diagnosis_group` (an ICD-10 F-block) and programme codes, a
  few dozen characters; ids are at most 40, person_key 64. 4 KiB is 100 times a long site name.
- `max_line_bytes` 65,536 (UTF-8 bytes of one row as written, quoted line breaks included, the
  line break ending it excluded): every contract's widest row with every field at the field
  limit (11 × 4 KiB) fits, and so does a header of 256 names of 63 characters.
The same numbers apply on every path: DuckDB's reader (`max_line_size`, a bulk length check of
every field) and Python's fallback for broken files (bounded line reads, `csv.field_size_limit`).
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Delivery: facts of how a file is handed over that the partner documents state
# (contracts.derive.markdown); ingestion (`ingestion.files`) and the settings (`core.settings`,
# where the environment may override the last two) read them from here.
MANIFEST_SUFFIX = ".manifest.json"
REASON_SUFFIX = ".reason.txt"
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", "~")
# ext4, xfs, btrfs, tmpfs and NTFS allow 255 bytes per name. `destination` may add `.f<file_id>`
# (file ids of up to 12 digits) and the sidecars add their suffix, so a data file's name may use
# what is left: every name sammen derives from it then fits.
NAME_MAX_BYTES = 255
FILE_ID_TAG_BYTES = len(".f") + 12
MAX_NAME_BYTES = NAME_MAX_BYTES - max(len(MANIFEST_SUFFIX), len(REASON_SUFFIX)) - FILE_ID_TAG_BYTES
# days a rejected file holding a CPR number stays in rejected/restricted/ before the nightly
# ingest purges it (issue 16: such files were kept forever)
DEFAULT_RESTRICTED_RETENTION_DAYS = 30
# A landing file without a matching manifest is taken once its bytes were left alone this long
# (its modification time at least this old): a minute covers a stalled SFTP or SMB upload between
# two bursts, and a nightly run never waits for it (the file stays for the next run). 0 = at once.
SETTLE_SECONDS = 60.0


@dataclass(frozen=True)
class FileLimits:
    max_columns: int = 256
    max_field_bytes: int = 4096
    max_line_bytes: int = 65536

    def partner_rules(self) -> tuple[str, ...]:
        """The limits in the partners' words (the Markdown and ODCS documents)."""
        return (
            f"A file has at most {self.max_columns:,} columns (Parquet: columns in its schema).",
            f"A field holds at most {self.max_field_bytes:,} bytes (UTF-8; æ, ø and å count 2).",
            f"A row, as written, is at most {self.max_line_bytes:,} bytes (UTF-8, line breaks inside "
            "quotes included, the line break ending it excluded); the header row too.",
            "A file beyond any of these limits is rejected whole, naming the row and the limit.",
        )


FILE_LIMITS = FileLimits()
