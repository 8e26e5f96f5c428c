"""The boards' tables: `indicators_excel.csv` and `indicators.xlsx`, in words a board reads.

The machine-readable files (`indicators.csv`, `.parquet`, `.json`) keep codes and full
precision; these two say the same cells for people: the catalogue's Danish titles, municipality
and programme names, periods in words (`1. kvt. 2026`, `årgang 2025`), shares as percentages
and rates and means rounded to the catalogue's `decimals`, hidden cells as `skjult` with the
reason in the note column, and unfinished periods marked `foreløbig` (`publishing.marks`).
English is an option (`SAMMEN_BOARD_LANGUAGE=en`: English words, comma-separated CSV with a
decimal point).

Decisions where the issue is silent:
- The CSV holds numbers Excel reads as numbers (no thousands separator, a share's percentage
  without the `%` sign: the unit column says `%`); the xlsx holds them as numbers with a number
  format (`44,8 %` in a Danish Excel), so they can be summed and sorted.
- A hidden cell's numerator, denominator and persons are empty: only its value says `skjult`.
- The xlsx has a first sheet explaining the marks and the cutoff, then one sheet per catalogue
  theme (`themes` in catalogue.yaml), rows in the published order, header frozen with a filter.
- The xlsx is written reproducibly (fixed zip timestamps and document dates: the release's
  publication time), so a re-issued release has the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from publishing.catalogue import Catalogue
from publishing.disclosure import CHANGE, CHANGE_SECONDARY, PRIMARY, SECONDARY
from publishing.marks import HIDDEN, check_language, period_label
from publishing.periods import windows
from publishing.report.data import municipality_names, programme_names
from publishing.report.i18n import Text, format_date

# (key, Danish title, English title) of the board tables' columns, in order
COLUMNS = (
    ("indicator", "Indikator", "Indicator"),
    ("period", "Periode", "Period"),
    ("complete", "Perioden afsluttet", "Period complete"),
    ("programme", "Program", "Programme"),
    ("municipality", "Kommune", "Municipality"),
    ("value", "Værdi", "Value"),
    ("unit", "Enhed", "Unit"),
    ("numerator", "Tæller", "Numerator"),
    ("denominator", "Nævner", "Denominator"),
    ("persons", "Antal personer", "Persons"),
    ("note", "Bemærkning", "Note"),
    ("release", "Udgivelse", "Release"),
)
# every word the boards' files use, in both languages (Text: Danish, English)
WORDS: dict[str, Text] = {
    "all_programmes": Text("Alle programmer", "All programmes"),
    "all_municipalities": Text("Alle kommuner", "All municipalities"),
    "cohort": Text("årgang {year}", "cohort {year}"),
    "yes": Text("ja", "yes"),
    "no": Text("nej, foreløbig", "no, provisional"),
    "count": Text("antal", "number"),
    "share": Text.same("%"),
    "rate": Text("pr. personår", "per person-year"),
    "mean": Text("point (gennemsnit)", "points (mean)"),
    PRIMARY: Text("Skjult: bygger på færre end {k} personer.",
                  "Hidden: rests on fewer than {k} persons."),
    SECONDARY: Text("Skjult: kunne ellers bruges til at regne et andet skjult tal ud.",
                    "Hidden: could otherwise be used to work out another hidden figure."),
    CHANGE: Text(
        "Skjult: ændringen siden en tidligere udgivelse bygger på færre end {k} personer.",
        "Hidden: its change since an earlier release rests on fewer than {k} persons.",
    ),
    CHANGE_SECONDARY: Text(
        "Skjult: kunne sammen med en tidligere udgivelse afsløre et skjult tal.",
        "Hidden: together with an earlier release it could reveal a hidden figure.",
    ),
    "carried": Text(
        "Tallet er fra udgivelse {release}: ændringen siden da kunne afsløre færre end {k}"
        " personer.",
        "The figure is from release {release}: its change since then could reveal fewer than"
        " {k} persons.",
    ),
    "provisional": Text(
        "Foreløbig: perioden er ikke afsluttet ved skæringsdatoen {cutoff}; tallet kan ændre sig.",
        "Provisional: the period has not ended at the cutoff {cutoff}; the figure may change.",
    ),
    "guide": Text("Læsevejledning", "How to read"),
    "empty": Text("Intet tal: nævneren er 0.", "No figure: the denominator is 0."),
}
GUIDE = (
    Text("Indikatorer for partnerskabet, data til og med {cutoff} (udgivelse {release}).",
         "Indicators of the partnership, data up to and including {cutoff} (release {release})."),
    Text("Alle tal er samlede tal for grupper af borgere; ingen enkeltperson kan ses.",
         "All figures are totals for groups of citizens; no individual can be seen."),
    Text(
        "skjult: tallet er skjult af hensyn til diskretion (det bygger på færre end {k} personer,"
        " eller det kunne bruges til at regne et andet skjult tal ud); årsagen står i kolonnen"
        " Bemærkning. Det siger intet om tallets størrelse.",
        "hidden: the figure is hidden by disclosure control (it rests on fewer than {k} persons,"
        " or could be used to work out another hidden figure); the reason is in the Note column."
        " It says nothing about the figure's size.",
    ),
    Text(
        "foreløbig: perioden er ikke afsluttet ved skæringsdatoen. Et kvartal er afsluttet, når"
        " det er slut; en årgang, når alle dens opfølgningsvinduer er lukket ({closes} dage efter"
        " årets sidste dag). Tallet kan endnu ændre sig.",
        "provisional: the period has not ended at the cutoff. A quarter has ended when it is"
        " over; a cohort when all its follow-up windows have closed ({closes} days after the"
        " year's last day). The figure may still change.",
    ),
    Text(
        "Andele er i procent med én decimal; rater er pr. personår; gennemsnit er ændringen i"
        " point. Definitioner og metode: methods.md (metodehåndbogen), catalogue.yaml og rapporten (report.html).",
        "Shares are per cent with one decimal; rates are per person-year; means are the change"
        " in points. Definitions and method: methods.md (the methods handbook), catalogue.yaml and the report (report.html).",
    ),
)
NUMBER_FORMATS = {"count": "#,##0", "share": '0.0" %"', "rate": "0.00", "mean": "+0.0;-0.0;0.0"}
COUNT_FORMAT = "#,##0"
MODIFIED = re.compile(rb">[^<]*</dcterms:modified>")


def board_table(
    table: pd.DataFrame, catalogue: Catalogue, info: Mapping[str, Any], lang: str
) -> pd.DataFrame:
    """The published cells in a board's words: one row per cell, COLUMNS' keys, plus `unit_code`,
    `decimals` and `theme` for the writers. `value` is a number (a share in per cent, rounded),
    or HIDDEN for a suppressed cell."""
    words = {key: getattr(text, check_language(lang)) for key, text in WORDS.items()}
    specs = catalogue.by_id
    ids = table["indicator_id"]
    unit = ids.map({i: s.unit for i, s in specs.items()})
    decimals = ids.map({i: s.decimals for i, s in specs.items()}).astype(int)
    kind = ids.map({i: s.kind for i, s in specs.items()})
    hidden = table["suppressed"].to_numpy(dtype=bool)
    scale = np.where(unit == "share", 100.0, 1.0)
    shown = table["value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) * scale
    rounded = [round(v, d) if not np.isnan(v) else None for v, d in zip(shown, decimals, strict=True)]
    value = pd.Series(rounded, index=table.index, dtype=object)
    value[hidden] = HIDDEN[lang]
    threshold = int(info.get("disclosure_threshold") or 5)
    periods = table["period"].map(lambda p: period_label(p, lang))
    complete = table["period_complete"].to_numpy(dtype=bool)
    notes = _notes(table, words, threshold, getattr(format_date(info.get("cutoff")), lang))
    _, programmes = programme_names({})  # the catalogue in force, as the report names them
    municipalities = municipality_names({})
    return pd.DataFrame(
        {
            "indicator": ids.map({i: getattr(s, f"title_{lang}") for i, s in specs.items()}),
            "period": periods.where(kind != "cohort", table["period"].map(
                lambda year: words["cohort"].format(year=year))),
            "complete": np.where(complete, words["yes"], words["no"]),
            "programme": table["programme"].map(
                lambda code: words["all_programmes"] if code == "all"
                else getattr(programmes[code], lang) if code in programmes else code),
            "municipality": table["municipality"].map(
                lambda code: words["all_municipalities"] if code == "all"
                else municipalities.get(code, code)),
            "value": value,
            "unit": unit.map(words),
            "numerator": table["numerator"].astype("Int64"),
            "denominator": table["denominator"].astype("Int64"),
            "persons": table["n_persons"].astype("Int64"),
            "note": notes,
            "release": table["release_id"].astype(str),
            "unit_code": unit,
            "decimals": decimals,
            "theme": ids.map({i: s.theme for i, s in specs.items()}),
        }
    )


def _notes(table: pd.DataFrame, words: Mapping[str, Any], threshold: int, cutoff: str) -> pd.Series:
    """The reason a cell is hidden or held, and that its period is unfinished, in words."""
    reasons = table["suppression_reason"].astype(object).where(table["suppressed"].astype(bool))
    hidden = reasons.map(lambda r: words[r].format(k=threshold) if isinstance(r, str) else "")
    carried = table["carried_from"].astype(object).map(
        lambda r: words["carried"].format(release=r, k=threshold) if isinstance(r, str) else "")
    provisional = np.where(
        table["period_complete"].to_numpy(dtype=bool), "", words["provisional"].format(cutoff=cutoff)
    )
    empty = np.where(table["value"].isna() & ~table["suppressed"].astype(bool), words["empty"], "")
    joined = hidden + " " + carried + " " + empty + " " + provisional
    return joined.str.split().str.join(" ")


def to_excel_csv(board: pd.DataFrame, lang: str) -> bytes:
    """For Excel: UTF-8 with BOM (so æ ø å survive); Danish: semicolons and decimal comma;
    English: commas and decimal point. Empty field = nothing to show."""
    separator, decimal = (";", ",") if lang == "da" else (",", ".")
    text = board[[key for key, *_ in COLUMNS]].copy()
    text["value"] = [
        value if isinstance(value, str) else "" if value is None
        else f"{value:.{places}f}".replace(".", decimal)
        for value, places in zip(board["value"], board["decimals"], strict=True)
    ]
    text.columns = _titles(lang)
    buffer = io.StringIO()
    text.to_csv(buffer, sep=separator, index=False, na_rep="", lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def _titles(lang: str) -> list[str]:
    return [da if lang == "da" else en for _, da, en in COLUMNS]


def to_xlsx(
    board: pd.DataFrame, catalogue: Catalogue, info: Mapping[str, Any], lang: str
) -> bytes:
    """The workbook: a sheet explaining the marks, then one sheet per theme (written row by row
    in openpyxl's write-only mode: a few thousand aggregate rows, no person)."""
    workbook = Workbook(write_only=True)
    guide = workbook.create_sheet(getattr(WORDS["guide"], lang))
    guide.column_dimensions["A"].width = 120
    closes = windows().cohort_days - 1  # 31 December + this many days: the cohort's last window day
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in GUIDE:
        text = getattr(line, lang).format(
            cutoff=getattr(format_date(info.get("cutoff")), lang), release=info.get("release_id", ""),
            k=int(info.get("disclosure_threshold") or 5), closes=closes)
        guide.append([_cell(guide, text, alignment=wrap)])
    for theme in catalogue.themes:
        rows = board[board["theme"] == theme.id]
        if not rows.empty:
            _sheet(workbook, getattr(theme, f"title_{lang}"), rows, lang)
    published = _published_at(info)
    workbook.properties.creator = "sammen"
    workbook.properties.created = workbook.properties.modified = published
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _reproducible(buffer.getvalue(), published)


def _sheet(workbook: Workbook, title: str, rows: pd.DataFrame, lang: str) -> None:
    """One theme: bold frozen header with a filter, numbers with their number formats."""
    sheet = workbook.create_sheet(title)
    keys = [key for key, *_ in COLUMNS]
    widths = {"indicator": 60, "note": 80, "programme": 34, "municipality": 20, "period": 16}
    for position, key in enumerate(keys, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = widths.get(key, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{len(rows) + 1}"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=bold) for title in _titles(lang)])
    counts = {"numerator", "denominator", "persons"}
    formats = rows["unit_code"].map(NUMBER_FORMATS).tolist()
    for record, value_format in zip(rows[keys].itertuples(index=False, name=None), formats, strict=True):
        sheet.append([
            None if pd.isna(value)
            else _cell(sheet, value, number_format=value_format) if key == "value"
            else _cell(sheet, value, number_format=COUNT_FORMAT) if key in counts
            else value
            for key, value in zip(keys, record, strict=True)
        ])


def _cell(sheet: Any, value: Any, **style: Any) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _published_at(info: Mapping[str, Any]) -> dt.datetime:
    text = str(info.get("published_at") or "2000-01-01T00:00:00").rstrip("Z")
    return dt.datetime.fromisoformat(text)


def _reproducible(data: bytes, when: dt.datetime) -> bytes:
    """The same zip with every member, and the document's modified date, at `when` (openpyxl
    stamps the time of writing on both)."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    modified = f">{when.isoformat(timespec='seconds')}Z</dcterms:modified>".encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                content = MODIFIED.sub(modified, content)
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()
