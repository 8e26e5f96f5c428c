"""`sammen check FILE`: the verdict the pipeline would give a file, before it is delivered.

Runs the same reading and checks as `sammen ingest` in an in-memory DuckDB, without a
warehouse: the manifest's CPR scan and the content limits (`contracts.limits`) included, so a
file too wide or too long is refused in about a second, before DuckDB's reader. References between datasets (a follow-up's plan, an attendance row's session) and
duplicates of earlier deliveries are judged only at ingestion, against the warehouse.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contracts import contract_for
from contracts.limits import MANIFEST_SUFFIX
from contracts.messages import Lang, file_message, row_message, word
from ingestion.evaluate import QUARANTINE_TABLE, Evaluation, evaluate, read_delivered_manifest
from ingestion.files import (
    BadFileName,
    fingerprint,
    parse_name,
    redacted_name,
    shown,
)

ACCEPTED, QUARANTINED, REJECTED = 0, 1, 2
SHOWN_ROWS = 50


@dataclass
class Verdict:
    file: Path
    evaluation: Evaluation
    problems: list[tuple[int, str | None, str, str, str]]  # row, column, rule, kind, description

    @property
    def exit_code(self) -> int:
        if self.evaluation.rejected:
            return REJECTED
        return QUARANTINED if self.evaluation.rows_quarantined else ACCEPTED

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: Lang = "da") -> str:
        """The verdict for a partner: file, row, column and rule of each problem in `lang`,
        each followed by one line saying what to do (texts: `contracts.messages`)."""
        e, name = self.evaluation, shown(redacted_name(self.file.name))
        if e.rejected:
            head = f"{name}: {word('rejected', lang)}"
        elif e.rows_quarantined:
            head = f"{name}: {word('quarantined', lang, bad=e.rows_quarantined, rows=e.rows_read)}"
        else:
            head = f"{name}: {word('accepted', lang, rows=e.rows_read)}"
        lines = [head]
        if e.dataset:
            lines.append(f"  {word('dataset', lang)} {e.dataset}"
                         + (f"; {word('read_as', lang)} {e.dialect}" if e.dialect else ""))
        for finding in e.findings:
            problem, todo = file_message(finding.rule, finding.message, lang, finding.params)
            lines.append(f"  {word('reason', lang)}: {problem} [{finding.rule}, {finding.check_kind}]")
            lines += [f"    {word('todo', lang)}: {todo}"] if todo else []
        for rule in e.warnings:
            problem, todo = file_message(rule, "", lang)
            lines += [f"  {word('warning', lang)}: {problem} [{rule}]", f"    {word('todo', lang)}: {todo}"]
        if e.drift:
            lines.append(f"  {word('extra', lang)}: " + ", ".join(e.drift))
        if self.problems:
            lines.append(f"  {word('rows_head', lang, n=SHOWN_ROWS)}:")
            lines += self._problem_lines(lang)
        return "\n".join(lines)

    def _problem_lines(self, lang: Lang) -> list[str]:
        contract = contract_for(self.evaluation.dataset)
        lines, advised = [], set()
        for row, column, rule, kind, text in self.problems:
            problem, todo = row_message(contract, rule, column, lang, text)
            lines.append(f"    {word('row', lang)} {row}, {word('column', lang)} {column or '-'}: "
                         f"{problem} [{rule}, {kind}]")
            # the advice once per column and rule, not on every row
            if todo and (column, rule) not in advised:
                advised.add((column, rule))
                lines.append(f"      {word('todo', lang)}: {todo}")
        return lines


def check_file(path: Path, *, dataset: str | None = None, threshold: float = 0.05,
               home_config: Path | None = None) -> Verdict:
    """Evaluate one file as ingestion would (dataset from its name unless given)."""
    try:
        name = parse_name(path.name)
        dataset, fmt = dataset or name.dataset, name.format
    except BadFileName as error:
        if dataset is None:
            evaluation = Evaluation("")
            evaluation.fail("file_name", "conformance", str(error))
            evaluation.rows_read = 0
            return Verdict(path, evaluation, [])
        fmt = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    manifest, rejection = read_delivered_manifest(path.with_name(path.name + MANIFEST_SUFFIX), dataset)
    if rejection is not None:
        return Verdict(path, rejection, [])
    con = duckdb.connect()
    try:
        facts = fingerprint(path)
        with tempfile.TemporaryDirectory(prefix="sammen-check-") as scratch:
            evaluation = evaluate(con, path, dataset, fmt, threshold=threshold, scratch=Path(scratch),
                                  home_config=home_config, manifest=manifest, facts=facts)
        problems = []
        if evaluation.checked:
            problems = con.execute(
                f"select row_number, column_name, rule, check_kind, description from {QUARANTINE_TABLE} "
                f"order by row_number, column_name limit {SHOWN_ROWS}"
            ).fetchall()
        return Verdict(path, evaluation, problems)
    finally:
        con.close()
