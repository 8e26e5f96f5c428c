"""What a partner reads from `sammen check`: one message catalogue, keyed by rule, in Danish and
English.

Every rule a row or a file can break (the column rules of `contracts.base.COLUMN_RULES`, the
cross-column rules of `contracts.rules` by class, and the file-level rules of ingestion) has here
its text in both languages and one line saying what to do. The texts are filled from the
contract (allowed values, bounds, lists), never from a delivered value. pydantic's English is not
shown to partners; the ledger keeps the engineers' English descriptions.

Decision (spec silent): Danish is the default language of `sammen check` (the partners are
Danish); `--lang en` gives English. Rules not in the catalogue fall back to the English text
they came with, so a new rule is never silent.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Literal

from contracts.base import DatasetContract
from contracts.columns import ColumnSpec, Kind
from contracts.rules import Rule

Lang = Literal["da", "en"]
LANGUAGES: tuple[Lang, ...] = ("da", "en")

# how a value of each kind must be written (rules `type` and `pattern`)
WRITTEN_AS: dict[Kind, dict[Lang, str]] = {
    Kind.DATE: {"da": "en dato skrevet ÅÅÅÅ-MM-DD", "en": "a date written YYYY-MM-DD"},
    Kind.TS: {"da": "et tidspunkt skrevet ÅÅÅÅ-MM-DD TT:MM[:SS]", "en": "a timestamp written YYYY-MM-DD HH:MM[:SS]"},
    Kind.INT: {"da": "et helt tal", "en": "a whole number"},
    Kind.BOOL: {"da": "en sandhedsværdi (true/false, 1/0, ja/nej)", "en": "a boolean (true/false, 1/0, ja/nej)"},
    Kind.KEY: {"da": "64 hex-tegn med små bogstaver", "en": "64 lower-case hex characters"},
    Kind.ID: {"da": "1-40 tegn af A-Z a-z 0-9 _ . : -", "en": "1-40 characters of A-Z a-z 0-9 _ . : -"},
}

# row rules: (what is wrong, what to do); placeholders from the contract (see `_row_params`)
ROW_RULES: dict[str, dict[Lang, tuple[str, str]]] = {
    "not_null": {
        "da": ("der mangler en værdi", "Udfyld feltet; kolonnen må ikke være tom."),
        "en": ("a value is required", "Fill in the field; the column must not be empty."),
    },
    "type": {
        "da": ("værdien er ikke {written_as}", "Skriv værdien som {written_as}."),
        "en": ("the value is not {written_as}", "Write the value as {written_as}."),
    },
    "pattern": {
        "da": ("værdien er ikke skrevet som {written_as}", "Skriv værdien som {written_as}."),
        "en": ("the value is not written as {written_as}", "Write the value as {written_as}."),
    },
    "enum": {
        "da": ("værdien er ikke en af de tilladte", "Brug en af: {values}."),
        "en": ("the value is not one of those allowed", "Use one of: {values}."),
    },
    "sectors": {
        "da": ("ukendt eller tom sektor", "Skriv sektorer adskilt af '|', blandt: {values}."),
        "en": ("an unknown or empty sector", "Write sectors separated by '|', from: {values}."),
    },
    "reference": {
        "da": ("ikke en kendt kode i listen {reference}", "Brug en kode fra listen {reference} (se kontraktdokumentet)."),
        "en": ("not a known code of the {reference} list", "Use a code of the {reference} list (see the contract document)."),
    },
    "range": {
        "da": ("værdien ligger uden for {minimum}-{maximum}", "Ret værdien, så den ligger mellem {minimum} og {maximum}."),
        "en": ("the value lies outside {minimum}-{maximum}", "Correct the value to lie between {minimum} and {maximum}."),
    },
    "field_count": {
        "da": ("rækken har et andet antal felter end overskriftsrækken",
               "Tjek skilletegn og anførselstegn i rækken (et felt med skilletegn skal stå i \"...\")."),
        "en": ("the row has another number of fields than the header",
               "Check the row's delimiters and quotes (a field holding the delimiter must be in \"...\")."),
    },
    "unique": {
        "da": ("{column} er den naturlige nøgle: én gældende række pr. værdi", "Lever hver nøgle én gang pr. fil."),
        "en": ("{column} is the natural key: one current row per value", "Deliver each key once per file."),
    },
    "references": {
        "da": ("{column} skal findes i {dataset}.{column}", "Lever den række, der henvises til, senest samtidig."),
        "en": ("{column} must exist in {dataset}.{column}", "Deliver the row referred to, at the latest at the same time."),
    },
    "duplicate_key": {
        "da": ("nøglen {column} står på mere end én række i filen", "Lever hver nøgle én gang pr. fil."),
        "en": ("the key {column} appears on more than one row of this file", "Deliver each key once per file."),
    },
    # the cross-column rules of contracts.rules, by class; placeholders are the rule's fields
    "NotBefore": {
        "da": ("{later} ligger før {earlier}", "Ret datoerne: {later} må ikke ligge før {earlier}."),
        "en": ("{later} lies before {earlier}", "Correct the dates: {later} must not be before {earlier}."),
    },
    "AdultInYearOf": {
        "da": ("personen er under {age} år i året for {date_column}",
               "Tjek {birth_year} og {date_column}; kun personer på {age} år eller derover må leveres."),
        "en": ("the person is under {age} in the year of {date_column}",
               "Check {birth_year} and {date_column}; only persons of {age} or older may be delivered."),
    },
    "RangeBy": {
        "da": ("{column} ligger uden for intervallet for sin {by}", "Ret {column}; intervaller: {ranges}."),
        "en": ("{column} lies outside the range of its {by}", "Correct {column}; ranges: {ranges}."),
    },
    "NeverTrue": {
        "da": ("{column} = true er ikke tilladt", "Fjern rækken eller sæt {column} til false: {reason_da}."),
        "en": ("{column} = true is not allowed", "Remove the row or set {column} to false: {reason}."),
    },
}

# file rules: (what is wrong, what to do); `{where}` is the row and column the finding names
FILE_RULES: dict[str, dict[Lang, tuple[str, str]]] = {
    "readable": {
        "da": ("dette er ikke en CSV-fil (binært indhold eller ulæselig fil)",
               "Eksportér udtrækket igen som CSV-tekst (UTF-8) eller Parquet."),
        "en": ("this is not a CSV file (binary content or an unreadable file)",
               "Export the extract again as CSV text (UTF-8) or Parquet."),
    },
    "readable_parquet": {
        "da": ("filen er ikke en læsbar Parquet-fil (beskadiget eller afkortet)", "Eksportér filen igen."),
        "en": ("not a readable Parquet file (corrupt or truncated)", "Export the file again."),
    },
    "decodable": {
        "da": ("dette er ikke en CSV-fil: teksten er hverken UTF-8 eller cp1252",
               "Eksportér udtrækket igen som CSV-tekst i UTF-8."),
        "en": ("this is not a CSV file: the text is neither UTF-8 nor cp1252",
               "Export the extract again as CSV text in UTF-8."),
    },
    "truncated": {
        "da": ("filen er afkortet (ufuldstændig){where}", "Lever hele filen igen."),
        "en": ("the file is truncated (incomplete){where}", "Deliver the whole file again."),
    },
    "header": {
        "da": ("overskriftsrækken mangler eller er forkert{where}",
               "Første linje skal være kolonnenavnene, hvert navn én gang."),
        "en": ("the header row is missing or wrong{where}",
               "The first line must hold the column names, each name once."),
    },
    "required_columns": {
        "da": ("påkrævede kolonner mangler: {columns}", "Tilføj kolonnerne med de navne, kontraktdokumentet giver."),
        "en": ("required column(s) missing: {columns}", "Add the columns, named as the contract document says."),
    },
    "cpr": {
        "da": ("et CPR-lignende tal{where}; filen indlæses aldrig",
               "Fjern CPR-numre: brug `sammen pseudonymise` og lever kun person_key."),
        "en": ("a CPR-like number{where}; the file is never loaded",
               "Remove CPR numbers: use `sammen pseudonymise` and deliver person_key only."),
    },
    "column_count": {
        "da": ("filen har for mange kolonner{where}", "Lever kun kontraktens kolonner."),
        "en": ("the file has too many columns{where}", "Deliver the contract's columns only."),
    },
    "line_length": {
        "da": ("en række er for lang{where}", "Tjek anførselstegn og linjeskift i rækken."),
        "en": ("a row is too long{where}", "Check the row's quotes and line breaks."),
    },
    "field_size": {
        "da": ("et felt er for langt{where}", "Tjek anførselstegn i rækken; et felt må højst fylde 4.096 bytes."),
        "en": ("a field is too long{where}", "Check the row's quotes; a field may hold at most 4,096 bytes."),
    },
    "manifest": {
        "da": ("filen passer ikke med sit manifest (.manifest.json)", "Skriv manifestet igen efter filen er færdig."),
        "en": ("the file does not match its manifest (.manifest.json)", "Write the manifest again once the file is complete."),
    },
    "quarantine_threshold": {
        "da": ("{bad} af {rows} rækker bryder kontrakten; mere end {threshold} betyder en fejlet eksport",
               "Ret eksporten og lever filen igen."),
        "en": ("{bad} of {rows} data rows break the contract; more than {threshold} means a broken export",
               "Correct the export and deliver the file again."),
    },
    "file_name": {
        "da": ("filnavnet følger ikke aftalen <datasæt>__<ÅÅÅÅMMDD>.csv",
               "Omdøb filen, eller angiv datasættet med --dataset."),
        "en": ("the file name does not follow <dataset>__<YYYYMMDD>.csv",
               "Rename the file, or give the dataset with --dataset."),
    },
    "empty": {
        "da": ("filen har ingen datarækker (tom levering)",
               "Er det meningen? En tom levering godtages; ellers eksportér igen."),
        "en": ("the file has no data rows (an empty delivery)",
               "Is that intended? An empty delivery is accepted; otherwise export again."),
    },
}

WORDS: dict[str, dict[Lang, str]] = {
    "rejected": {"da": "AFVIST", "en": "REJECTED"},
    "accepted": {"da": "godkendt ({rows} rækker)", "en": "accepted ({rows} rows)"},
    "quarantined": {"da": "godkendt med {bad} af {rows} rækker i karantæne",
                    "en": "accepted with {bad} quarantined row(s) of {rows}"},
    "dataset": {"da": "datasæt", "en": "dataset"},
    "read_as": {"da": "læst som", "en": "read as"},
    "reason": {"da": "årsag", "en": "reason"},
    "warning": {"da": "advarsel", "en": "warning"},
    "todo": {"da": "gør sådan", "en": "what to do"},
    "row": {"da": "række", "en": "row"},
    "column": {"da": "kolonne", "en": "column"},
    "extra": {"da": "ekstra kolonner (indlæses ikke)", "en": "extra columns (not loaded)"},
    "rows_head": {"da": "rækker der ville komme i karantæne (de første {n})",
                  "en": "rows that would be quarantined (first {n})"},
}

_WHERE = re.compile(r"\b(row|line) (\d+)(?:[,;]? column (\S+?))?(?=[;:,)\s]|$)")


def word(key: str, lang: Lang, **values: object) -> str:
    return WORDS[key][lang].format(**values)


def row_message(contract: type[DatasetContract], rule: str, column: str | None, lang: Lang,
                fallback: str, **extra: object) -> tuple[str, str]:
    """(what is wrong, what to do) for one quarantined row's broken rule (`extra`: more
    placeholders, e.g. the `dataset` a reference points to)."""
    contract_rule = next((r for r in contract.rules() if r.name == rule), None)
    key = type(contract_rule).__name__ if contract_rule else rule
    texts = ROW_RULES.get(key)
    if texts is None:
        return fallback, ""
    params = _rule_params(contract_rule) if contract_rule else _row_params(contract, column, lang)
    params.setdefault("column", column or "")
    params |= extra
    problem, todo = texts[lang]
    return problem.format(**params), todo.format(**params)


def file_message(rule: str, message: str, lang: Lang, params: dict[str, object] | None = None) -> tuple[str, str]:
    """(what is wrong, what to do) for a file-level finding; `message` is the English text it came
    with (its row and column are carried over, never a value)."""
    if rule == "readable" and "Parquet" in message:
        rule = "readable_parquet"
    texts = FILE_RULES.get(rule)
    if texts is None:
        return message, ""
    values: dict[str, object] = {"where": _where(message, lang), "columns": "", "bad": "", "rows": "", "threshold": ""}
    values |= {k: v for k, v in (params or {}).items() if v is not None}
    problem, todo = texts[lang]
    if rule == "quarantine_threshold" and not params:
        return message, todo
    return problem.format(**values), todo.format(**values)


def _where(message: str, lang: Lang) -> str:
    found = _WHERE.search(message)
    if not found:
        return ""
    text = f" ({word('row', lang)} {found.group(2)}"
    return text + (f", {word('column', lang)} {found.group(3)})" if found.group(3) else ")")


def _row_params(contract: type[DatasetContract], column: str | None, lang: Lang) -> dict[str, object]:
    try:
        spec: ColumnSpec | None = contract.column(column) if column else None
    except KeyError:
        spec = None
    if spec is None:
        return {}
    return {
        "written_as": WRITTEN_AS.get(spec.kind, {}).get(lang, spec.kind.value),
        "values": ", ".join(spec.enum_values or ()),
        "reference": spec.reference or "",
        "minimum": spec.minimum, "maximum": spec.maximum,
    }


def _rule_params(rule: Rule) -> dict[str, object]:
    params: dict[str, object] = {f.name: getattr(rule, f.name) for f in fields(rule)}
    ranges = params.get("ranges")
    if isinstance(ranges, tuple):
        params["ranges"] = ", ".join(f"{value} {low}-{high}" for value, low, high in ranges)
    return params
