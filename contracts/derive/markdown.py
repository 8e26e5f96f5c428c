"""A readable contract document per dataset, for the partners who deliver it.

Plain English a Danish data manager reads easily: short sentences, the column table first, then
allowed values, rules, file naming and delivery rules. Everything dataset-specific comes from the
contract; the delivery rules that hold for every dataset are extracts.md's, stated once here.
"""

from __future__ import annotations

from contracts import CONTRACTS
from contracts.base import FALSE_WORDS, TRUE_WORDS, DatasetContract
from contracts.columns import ColumnSpec, Kind
from contracts.derive.checks import CheckSpec, contract_checks
from contracts.derive.partners import PARTNERS, summary
from contracts.limits import (
    DEFAULT_RESTRICTED_RETENTION_DAYS,
    FILE_LIMITS,
    MAX_NAME_BYTES,
    SETTLE_SECONDS,
    TEMPORARY_SUFFIXES,
)
from contracts.messages import row_message
from contracts.reference import REGIONS, programmes

TYPE_WORDS: dict[Kind, str] = {
    Kind.KEY: "person_key (64 lower-case hex)",
    Kind.ID: "identifier (1-40 of A-Z a-z 0-9 _ . : -)",
    Kind.DATE: "date YYYY-MM-DD",
    Kind.TS: "timestamp YYYY-MM-DD HH:MM[:SS], Danish local time",
    Kind.BOOL: "true/false",
    Kind.INT: "whole number",
    Kind.ENUM: "one of the listed values",
    Kind.TEXT: "text",
    Kind.SECTORS: "'|'-separated list of sectors",
}
# Facts of extracts.md about one dataset's delivery that are behaviour, not columns or rules.
DATASET_NOTES: dict[str, tuple[str, ...]] = {
    "consent_withdrawals": (
        "Repeated rows for one person are one withdrawal; they are never quarantined for repetition.",
        "A withdrawal takes effect in the run that loads it, whatever `withdrawn_on` says: everything "
        "about the person is removed from every stored table and published output. It is final: a "
        "row with `deleted` = true is quarantined.",
    ),
}

DELIVERY_RULES = (
    "Files are CSV (delimiter `,` or `;`, encoding UTF-8, UTF-8 with BOM or cp1252, a header row) "
    "or Parquet with the same column names.",
    "Column names are case-insensitive and their order is free. An empty field is a missing value.",
    "Values are trimmed. Allowed values, programme codes, sector tokens and true/false words match "
    "case-insensitively and are stored exactly as listed here.",
    "A column this contract does not know is not loaded; the file is still accepted and the extra "
    "column is reported. A missing required column rejects the file; a missing optional column "
    "reads as empty.",
    "A row that breaks a rule on this page is quarantined with the column and the rule, never the "
    "value. If more than 5% of a file's rows break rules, the whole file is rejected.",
    "A file in which any field looks like a CPR number (DDMMYY-SSSS or DDMMYYSSSS) is rejected "
    "whole and never loaded; so is a file whose header, manifest (keys and values) or Parquet "
    "metadata (key-value, Arrow schema and field metadata) holds one. Such a file is kept apart, "
    f"readable by the operators only, and deleted after {DEFAULT_RESTRICTED_RETENTION_DAYS} days "
    "(the partnership may agree another period). Send person_key only: the HMAC-SHA256 of the "
    "CPR number under the partnership's shared key, computed on your side.",
    "An optional manifest `<file name>.manifest.json` with `{\"rows\": <data rows>, \"sha256\": "
    "\"<hex of the file>\"}` is checked; a mismatch rejects the file.",
    "Delivering the same file twice changes nothing: the second copy is recorded as a duplicate.",
    "A file with a header row and no data rows is accepted with a warning: a delivery can be empty.",
    *FILE_LIMITS.partner_rules(),
)


def markdown_document(contract: type[DatasetContract]) -> str:
    checks = contract_checks(contract, columns=contract.columns())
    lines = [
        f"<!-- GENERATED from contracts/ ({contract.qualified_name()}): do not edit by hand. "
        "Regenerate with `sammen contracts export`. -->",
        f"# {contract.dataset} (contract v{contract.version})",
        "",
        summary(contract),
        "",
        f"Delivered by: **{PARTNERS[contract.source]}** (source `{contract.source}`).",
        "",
        "## Columns",
        "",
        "| column | type | required | description |",
        "|---|---|---|---|",
        *[_column_row(contract, column) for column in contract.columns()],
        "",
    ]
    lines += _allowed_values(contract.columns())
    lines += ["## Rules", "", "Each rule has a kind, as in OHDSI's Data Quality Dashboard: "
              "*conformance* (the value has the agreed form), *completeness* (the value is "
              "there), *plausibility* (the value is believable).", "",
              "| rule | kind | what it means |", "|---|---|---|",
              *[_rule_row(check) for check in checks], ""]
    lines += _file_section(contract)
    return "\n".join(lines) + "\n"


def markdown_documents() -> dict[str, str]:
    return {name: markdown_document(contract) for name, contract in CONTRACTS.items()}


# --- the Danish document: same facts, Danish words (column texts from the contract's `da`) ---
TYPE_WORDS_DA: dict[Kind, str] = {
    Kind.KEY: "person_key (64 hex-tegn, små bogstaver)",
    Kind.ID: "id (1-40 af A-Z a-z 0-9 _ . : -)",
    Kind.DATE: "dato ÅÅÅÅ-MM-DD",
    Kind.TS: "tidspunkt ÅÅÅÅ-MM-DD TT:MM[:SS], dansk lokaltid",
    Kind.BOOL: "true/false",
    Kind.INT: "helt tal",
    Kind.ENUM: "en af de anførte værdier",
    Kind.TEXT: "tekst",
    Kind.SECTORS: "'|'-adskilt liste af sektorer",
}
PARTNERS_DA: dict[str, str] = {
    "region": "Regionspsykiatrien",
    "municipality": "Kommunerne (socialforvaltning, jobcenter, programkoordinatorer)",
    "ngo": "Civilsamfundets partnere (frivillige organisationer)",
}
KINDS_DA = {"conformance": "form", "completeness": "fuldstændighed", "plausibility": "troværdighed"}


def markdown_document_da(contract: type[DatasetContract]) -> str:
    """The partner document in Danish (`<dataset>.da.md`): columns, allowed values, rules (their
    texts from `contracts.messages`, as `sammen check` says them) and the main delivery rules;
    the English document is the complete reference."""
    checks = contract_checks(contract, columns=contract.columns())
    rules = []
    for check in checks:
        key = check.name if check.rule == "contract_rule" else check.rule
        problem, todo = row_message(contract, key, check.column, "da", check.description,
                                    dataset=check.params.get("dataset", ""))
        rules.append(f"| `{check.name}` | {KINDS_DA[check.check_kind]} | {_cell(todo or problem)} |")
    lines = [
        f"<!-- GENERATED from contracts/ ({contract.qualified_name()}): do not edit by hand. "
        "Regenerate with `sammen contracts export`. -->",
        f"# {contract.dataset} (kontrakt v{contract.version})",
        "",
        contract.title_da,
        "",
        f"Leveres af: **{PARTNERS_DA[contract.source]}** (kilde `{contract.source}`). "
        f"English: [{contract.dataset}.md]({contract.dataset}.md) (the complete reference).",
        "",
        "## Kolonner",
        "",
        "| kolonne | type | påkrævet | beskrivelse |",
        "|---|---|---|---|",
        *[f"| `{c.name}`{' (naturlig nøgle)' if c.name in contract.natural_key else ''} | "
          f"{_cell(TYPE_WORDS_DA[c.kind])} | {'ja' if not c.nullable else 'nej'} | {_cell(c.description_da)} |"
          for c in contract.columns()],
        "",
    ]
    allowed = [f"- `{c.name}`: " + ", ".join(f"`{v}`" for v in c.enum_values or ())
               for c in contract.columns() if c.kind in (Kind.ENUM, Kind.SECTORS)]
    lines += ["## Tilladte værdier", "", *allowed, ""] if allowed else []
    lines += ["## Regler", "", "En række, der bryder en regel, kommer i karantæne med kolonne og regel, aldrig "
              "værdien. `sammen check FIL` viser, hvad der skal rettes, før filen leveres.", "",
              "| regel | art | sådan overholdes den |", "|---|---|---|", *rules, ""]
    lines += ["## Filer og levering", "", *[f"- {rule}" for rule in _delivery_rules_da(contract)], ""]
    return "\n".join(lines) + "\n"


def _da(number: int) -> str:
    """A whole number as Danish writes it (4.096)."""
    return f"{number:,}".replace(",", ".")


def _delivery_rules_da(contract: type[DatasetContract]) -> tuple[str, ...]:
    limits = FILE_LIMITS
    return (
        f"Læg filer i `landing/{contract.source}/` med navnet `{contract.dataset}__ÅÅÅÅMMDD.csv` (eller "
        "`.parquet`), hvor ÅÅÅÅMMDD er udtræksdatoen; fri tekst må følge efter endnu et `__`.",
        "CSV med skilletegn `,` eller `;`, kodning UTF-8 (med eller uden BOM) eller cp1252, og en "
        "overskriftsrække; eller Parquet med de samme kolonnenavne.",
        "Kolonnenavne skelner ikke mellem store og små bogstaver, rækkefølgen er fri, et tomt felt er en "
        "manglende værdi. En ukendt kolonne indlæses ikke; mangler en påkrævet kolonne, afvises filen.",
        "Bryder mere end 5 % af rækkerne reglerne, afvises hele filen.",
        "En fil med noget, der ligner et CPR-nummer (DDMMÅÅ-LLLL eller DDMMÅÅLLLL), afvises helt og "
        f"indlæses aldrig; den slettes efter {DEFAULT_RESTRICTED_RETENTION_DAYS} dage. Send kun person_key.",
        "En fil med kun overskriftsrækken (ingen datarækker) godtages med en advarsel: en levering kan være tom.",
        "En fil i en mappe, der ikke er en partners (fx `landing/hospital/`), indlæses ikke; den registreres "
        "som afvist og bliver liggende.",
        f"Højst {_da(limits.max_columns)} kolonner, højst {_da(limits.max_field_bytes)} bytes pr. felt og "
        f"{_da(limits.max_line_bytes)} bytes pr. række (UTF-8); en fil over en grænse afvises med række og grænse.",
        "Samme fil leveret to gange ændrer intet: anden kopi registreres som en dublet.",
    )


def _column_row(contract: type[DatasetContract], column: ColumnSpec) -> str:
    required = "yes" if not column.nullable else "no"
    key = " (natural key)" if column.name in contract.natural_key else ""
    return f"| `{column.name}`{key} | {_cell(TYPE_WORDS[column.kind])} | {required} | {_cell(column.description)} |"


def _allowed_values(columns: tuple[ColumnSpec, ...]) -> list[str]:
    lines = []
    for column in columns:
        if column.kind in (Kind.ENUM, Kind.SECTORS):
            lines.append(f"- `{column.name}`: " + ", ".join(f"`{v}`" for v in column.enum_values or ()))
        elif column.kind is Kind.BOOL:
            true, false = "/".join(sorted(TRUE_WORDS)), "/".join(sorted(FALSE_WORDS))
            lines.append(f"- `{column.name}`: true ({true}) or false ({false})")
        if column.reference == "regions":
            lines.append(f"- `{column.name}`: " + ", ".join(f"`{code}` {name}" for code, name in REGIONS.items()))
        elif column.reference == "municipalities":
            lines.append(f"- `{column.name}`: one of the 98 official municipality codes "
                         "(`municipalities.csv`, e.g. `101` København)")
        elif column.reference == "programmes":
            codes = ", ".join(f"`{entry['code']}`" for entry in programmes())
            lines.append(f"- `{column.name}`: a code of the programme catalogue (default: {codes}; "
                         "the partnership may configure another catalogue)")
    return ["## Allowed values", "", *lines, ""] if lines else []


def _rule_row(check: CheckSpec) -> str:
    return f"| `{check.name}` | {check.check_kind} | {_cell(check.description)} |"


def _file_section(contract: type[DatasetContract]) -> list[str]:
    lines = [
        "## Files and delivery",
        "",
        f"- Put files in `landing/{contract.source}/`, named `{contract.dataset}__YYYYMMDD.csv` "
        f"(or `.parquet`), where YYYYMMDD is the extract date; free text may follow after a second "
        f"`__`, e.g. `{contract.dataset}__20260301__export.csv`.",
    ]
    notes = DATASET_NOTES.get(contract.dataset, ())
    if contract.natural_key:
        key = ", ".join(f"`{name}`" for name in contract.natural_key)
        lines.append(
            f"- {key} identifies a row. Files apply in delivery order (extract date, then file time, "
            "then name): the latest row for a key wins, and a row with `deleted` = true retracts the "
            "key.")
        if not notes:
            lines.append("- A key that appears on more than one row of one file quarantines all those rows.")
    lines += [f"- {note}" for note in notes]
    if replaced_per := getattr(contract, "replaced_per", None):
        lines.append(
            f"- Delivered per `{replaced_per}`: a later file with at least one loaded row for a "
            f"`{replaced_per}` replaces all earlier rows of that `{replaced_per}`.")
    lines += [f"- {rule}" for rule in (*DELIVERY_RULES, *landing_rules())]
    return lines + [""]


def landing_rules() -> tuple[str, ...]:
    """Which files sammen takes from a landing folder: ingestion's rules, with its own limits."""
    temporary = ", ".join(f"`{suffix}`" for suffix in TEMPORARY_SUFFIXES)
    return (
        "A file is taken only when it is complete: when its manifest's `sha256` (and `bytes`, the "
        "file's size, if you add it) match the file, or when the file has not changed for "
        f"{SETTLE_SECONDS:g} seconds. Until then it waits in the landing folder for a later run. "
        "Best: write the file under a temporary name (one starting with `.` or ending in "
        f"{temporary}: such files are never taken) and rename it when it is complete, or write the "
        "manifest last.",
        f"A file name may be at most {MAX_NAME_BYTES} bytes long (UTF-8); a longer name rejects the "
        "file.",
        "A file name must not hold a CPR number: such a file is not read; it is recorded under a "
        "redacted name and kept in a restricted folder.",
        "A file in a folder that is no partner's (e.g. `landing/hospital/`) is not read: it is "
        "recorded as rejected, with the reason, and left where it is.",
        "Only plain files are taken: a symbolic link, a folder, a named pipe, a device or a socket in "
        "the landing folder is recorded as rejected once, and never followed or read.",
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
