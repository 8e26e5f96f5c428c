"""How each partner system writes its files, and the writer that does it in batches.

The spread over datasets (decided here, so every allowed form of extracts.md is delivered at
least once and the ingestion reader meets them all):

| dataset             | first (full) extract                  | later (delta) extract            |
|---------------------|---------------------------------------|----------------------------------|
| admissions          | Parquet (int16 codes, ms timestamps), manifest | CSV `;` cp1252, `ja/nej`, timestamps `YYYY-MM-DDTHH:MM` |
| outpatient_contacts | CSV `,` UTF-8 with BOM, upper-case headers in shuffled order | same, deleted `True/False` |
| enrolments          | CSV `;` cp1252, manifest              | same, deleted `ja/nej`           |
| service_episodes    | Parquet (int32 codes)                 | Parquet, deleted bool            |
| action_plans        | CSV `,` UTF-8 with BOM                | same, deleted `true/false`       |
| plan_follow_ups     | CSV `;` cp1252                        | same, deleted `1/0`              |
| surveys             | Parquet (int8 scores)                 | Parquet, deleted bool            |
| consent_withdrawals | CSV `,` UTF-8 (no BOM)                | same (the full list again)       |
| sessions            | CSV `;` cp1252 (Danish site names)    | same, deleted `ja/nej`           |
| attendance          | Parquet `attendance__<date>__full`    | Parquet `attendance__<date>__redelivery` |

`;` files are written as Danish desktop systems do: cp1252, CRLF line ends, no quotes (the writer
fails rather than write a value holding `;`, a quote or a line break unquoted); `,` files quote
text. Full extracts carry no `deleted` column (it is optional); delta extracts always do.
Files get a modification time from their extract date (05:00 UTC plus a minute per file), so
delivery order never depends on when the generator ran.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from contracts import contract_for
from contracts.columns import Kind

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Delivery:
    kind: str  # csv | parquet
    delimiter: str = ","
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252
    booleans: tuple[str, str] = ("true", "false")
    timestamp_format: str | None = None  # strftime for CSV; None: `YYYY-MM-DD HH:MM:SS`
    upper_case_header: bool = False
    shuffled_columns: bool = False
    quoted: bool = True  # quote text values (as most exporters do); False: never quote
    eol: str = "\n"
    int_type: pa.DataType = pa.int64()  # Parquet: integer columns are written as this type
    free_text: str | None = None
    manifest: bool = False

    @property
    def suffix(self) -> str:
        return "parquet" if self.kind == "parquet" else "csv"


DANISH_CSV = Delivery("csv", delimiter=";", encoding="cp1252", booleans=("ja", "nej"), eol="\r\n",
                      quoted=False)
BOM_CSV = Delivery("csv", encoding="utf-8-sig")
PARQUET = Delivery("parquet")

DELIVERIES: dict[str, tuple[Delivery, Delivery]] = {
    "admissions": (
        replace(PARQUET, int_type=pa.int16(), manifest=True),
        replace(DANISH_CSV, timestamp_format="%Y-%m-%dT%H:%M"),
    ),
    "outpatient_contacts": (
        replace(BOM_CSV, upper_case_header=True, shuffled_columns=True),
        replace(BOM_CSV, upper_case_header=True, shuffled_columns=True, booleans=("True", "False")),
    ),
    "enrolments": (replace(DANISH_CSV, manifest=True), DANISH_CSV),
    "service_episodes": (replace(PARQUET, int_type=pa.int32()), replace(PARQUET, int_type=pa.int32())),
    "action_plans": (BOM_CSV, BOM_CSV),
    "plan_follow_ups": (replace(DANISH_CSV, booleans=("1", "0")), replace(DANISH_CSV, booleans=("1", "0"))),
    "surveys": (replace(PARQUET, int_type=pa.int8()), replace(PARQUET, int_type=pa.int8())),
    "consent_withdrawals": (Delivery("csv"), Delivery("csv")),
    "sessions": (DANISH_CSV, DANISH_CSV),
    "attendance": (replace(PARQUET, free_text="full"), replace(PARQUET, free_text="redelivery")),
}
# The second extract of a keyed dataset is a change set (new, changed and retracted rows); its
# name says so, as partners' systems name their delta exports: `<dataset>__<date>__delta.<ext>`.
# consent_withdrawals re-deliver the full list; attendance is tagged above.
DELIVERIES |= {
    dataset: (full, replace(delta, free_text="delta"))
    for dataset, (full, delta) in DELIVERIES.items()
    if dataset not in ("attendance", "consent_withdrawals")
}


def file_name(dataset: str, extract_day: dt.date, delivery: Delivery) -> str:
    """`<dataset>__<YYYYMMDD>[__<free text>].<csv|parquet>` (extracts.md, Delivery)."""
    free = f"__{delivery.free_text}" if delivery.free_text else ""
    return f"{dataset}__{extract_day:%Y%m%d}{free}.{delivery.suffix}"


def column_order(dataset: str, names: list[str], delivery: Delivery) -> list[str]:
    """The order the columns are written in: the contract's, or a fixed shuffle of it."""
    if not delivery.shuffled_columns:
        return names
    return [names[i] for i in np.random.default_rng(len(dataset)).permutation(len(names))]


class ExtractWriter:
    """Writes one extract file from Arrow batches with the contract's column names."""

    def __init__(self, path: Path, dataset: str, delivery: Delivery) -> None:
        self.path, self.dataset, self.delivery = path, dataset, delivery
        self.kinds = {column.name: column.kind for column in contract_for(dataset).columns()}
        self.rows = 0
        self._parquet: pq.ParquetWriter | None = None
        self._handle: BinaryIO | None = None
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, table: pa.Table) -> None:
        order = column_order(self.dataset, table.column_names, self.delivery)
        table = table.select(order)
        if self.delivery.kind == "parquet":
            self._write_parquet(table)
        else:
            self._write_csv(table)
        self.rows += table.num_rows

    def _write_parquet(self, table: pa.Table) -> None:
        arrays = []
        for name, column in zip(table.column_names, table.columns, strict=True):
            if self.kinds.get(name) is Kind.INT:
                column = column.cast(self.delivery.int_type)
            elif self.kinds.get(name) is Kind.TS:
                column = column.cast(pa.timestamp("ms"))
            arrays.append(column)
        table = pa.table(arrays, names=table.column_names)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._parquet.write_table(table, row_group_size=500_000)

    def _write_csv(self, table: pa.Table) -> None:
        delivery = self.delivery
        arrays = []
        for name, column in zip(table.column_names, table.columns, strict=True):
            if self.kinds.get(name) is Kind.BOOL:
                true, false = delivery.booleans
                column = pc.if_else(column, true, false)
            elif self.kinds.get(name) is Kind.TS and delivery.timestamp_format:
                column = pc.strftime(column, format=delivery.timestamp_format)
            arrays.append(column)
        table = pa.table(arrays, names=table.column_names)
        if self._handle is None:
            self._handle = self.path.open("wb")
            if delivery.encoding == "utf-8-sig":
                self._handle.write(BOM)
            header = [name.upper() if delivery.upper_case_header else name for name in table.column_names]
            self._handle.write(self._encode(delivery.delimiter.join(header) + delivery.eol))
        buffer = pa.BufferOutputStream()
        options = pacsv.WriteOptions(
            include_header=False, delimiter=delivery.delimiter, eol=delivery.eol,
            quoting_style="needed" if delivery.quoted else "none",
        )
        pacsv.write_csv(table, buffer, options)
        data = buffer.getvalue().to_pybytes()
        self._handle.write(data if delivery.encoding != "cp1252" else self._encode(data.decode()))

    def _encode(self, text: str) -> bytes:
        return text.encode("cp1252" if self.delivery.encoding == "cp1252" else "utf-8")

    def close(self, modified: float) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()
        os.utime(self.path, (modified, modified))
        if self.delivery.manifest:
            manifest = self.path.with_name(self.path.name + ".manifest.json")
            with self.path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            # as a careful partner writes it: last, with the size, so ingestion knows the file is complete
            manifest.write_text(json.dumps({"rows": self.rows, "sha256": digest,
                                            "bytes": self.path.stat().st_size}) + "\n")
            os.utime(manifest, (modified, modified))


def modification_time(extract_day: dt.date, position: int) -> float:
    """05:00 UTC on the extract day plus `position` minutes (a fixed, reproducible mtime)."""
    moment = dt.datetime(extract_day.year, extract_day.month, extract_day.day, 5, 0)
    return float(calendar.timegm(moment.timetuple()) + 60 * position)
