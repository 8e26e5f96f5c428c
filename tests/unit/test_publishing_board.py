"""The boards' files: indicators_excel.csv and indicators.xlsx (opened with openpyxl), in words a
board member reads without a glossary; and the machine files keep codes and full precision."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from helpers.publishing import cell

from core.settings import Settings
from publishing.board import board_table, to_excel_csv, to_xlsx
from publishing.catalogue import load_catalogue
from publishing.disclosure import control
from publishing.publish import published, to_csv

CATALOGUE = load_catalogue()
CUTOFF = dt.date(2026, 3, 30)  # cohort 2024 complete that day (publishing.periods), 2026-Q1 not
INFO = {"cutoff": CUTOFF.isoformat(), "release_id": "R0001", "disclosure_threshold": 5,
        "published_at": "2026-03-01T06:00:00Z"}
SHARE, RATE = 13 / 29, 70 / 139


def table() -> pd.DataFrame:
    """Cells of social_referral: a share of 13/29 in 147, a rate of 70/139, a cohort of 3 persons
    in 101 (hidden: primary), an unfinished quarter and a finished cohort year."""
    programme = "social_referral"
    given = {  # (indicator, period, municipality): (numerator, denominator)
        ("volunteer_share", "2025", "147"): (13, 29), ("volunteer_share", "2025", "all"): (13, 29),
        ("stay_rate_pre", "2024", "all"): (70, 139), ("cohort_size", "2024", "101"): (3, None),
        ("cohort_size", "2024", "147"): (141, None), ("cohort_size", "2024", "all"): (144, None),
        ("new_enrolments", "2026-Q1", "147"): (20, None),
        ("new_enrolments", "2026-Q1", "all"): (20, None),
    }
    rows = [cell(i, period, programme, m, *counts) for (i, period, m), counts in given.items()]
    controlled = control(pd.DataFrame(rows), CATALOGUE, 5).table.assign(release_id="R0001")
    return published(controlled, CATALOGUE, CUTOFF)


def excel_rows(lang: str = "da") -> list[dict[str, str]]:
    data = to_excel_csv(board_table(table(), CATALOGUE, INFO, lang), lang)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel keeps æ ø å
    separator = ";" if lang == "da" else ","
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=separator))


def find(rows: list[dict[str, str]], **wanted: str) -> dict[str, str]:
    found = [row for row in rows if all(row[key] == value for key, value in wanted.items())]
    assert len(found) == 1, wanted
    return found[0]


def test_excel_csv_speaks_danish_with_names_and_rounded_values() -> None:
    rows = excel_rows()
    # THEN the columns have Danish titles, the cells the catalogue's titles and reference names
    assert list(rows[0]) == ["Indikator", "Periode", "Perioden afsluttet", "Program", "Kommune",
                             "Værdi", "Enhed", "Tæller", "Nævner", "Antal personer",
                             "Bemærkning", "Udgivelse"]
    share = find(rows, Indikator="Blev frivillig", Kommune="Frederiksberg")
    assert share["Program"] == "Social ordination" and share["Periode"] == "årgang 2025"
    # AND a share is a percentage with one decimal (44.83 % -> 44,8), a rate has two decimals
    assert share["Værdi"] == f"{SHARE * 100:.1f}".replace(".", ",") == "44,8"
    assert share["Enhed"] == "%" and share["Tæller"] == "13" and share["Nævner"] == "29"
    rate = find(rows, Periode="årgang 2024", Enhed="pr. personår")
    assert rate["Værdi"] == f"{RATE:.2f}".replace(".", ",") == "0,50"
    assert rate["Kommune"] == "Alle kommuner"
    # AND the quarter reads in words and is marked unfinished, with the reason in the note
    quarter = find(rows, Indikator="Nye indskrivninger", Kommune="Alle kommuner")
    assert quarter["Periode"] == "1. kvt. 2026" and quarter["Perioden afsluttet"] == "nej, foreløbig"
    assert "ikke afsluttet ved skæringsdatoen 30. marts 2026" in quarter["Bemærkning"]
    assert find(rows, Kommune="Alle kommuner", Periode="årgang 2024",
                Indikator="Kohortestørrelse")["Perioden afsluttet"] == "ja"


def test_a_hidden_cell_reads_skjult_with_the_reason_and_no_number() -> None:
    rows = excel_rows()
    hidden = find(rows, Indikator="Kohortestørrelse", Kommune="København")
    assert hidden["Værdi"] == "skjult"
    assert hidden["Tæller"] == hidden["Nævner"] == hidden["Antal personer"] == ""
    assert hidden["Bemærkning"] == "Skjult: bygger på færre end 5 personer."
    # AND the cell that would give it away by subtraction (141 of 144) is hidden too, and says
    # why without pretending to be small
    other = [r for r in rows if r["Indikator"] == "Kohortestørrelse" and r["Værdi"] == "skjult"]
    assert len(other) >= 2
    assert any("regne et andet skjult tal ud" in r["Bemærkning"] for r in other)


def test_no_code_flag_or_long_decimal_reaches_the_board_csv() -> None:
    text = "\n".join(";".join(row.values()) for row in excel_rows())
    for code in ("volunteer_share", "social_referral", "true", "false", "primary", ";147;"):
        assert code not in text
    assert "0,4482" not in text and "0,49645" not in text


def test_english_is_an_option() -> None:
    rows = excel_rows("en")
    assert list(rows[0])[:3] == ["Indicator", "Period", "Period complete"]
    share = find(rows, Indicator="Became a volunteer", Municipality="Frederiksberg")
    assert share["Value"] == "44.8" and share["Programme"] == "Social referral"
    assert share["Period"] == "cohort 2025" and share["Period complete"] == "no, provisional"
    assert find(rows, Indicator="Cohort size", Municipality="København")["Value"] == "hidden"


def test_the_machine_files_keep_codes_and_full_precision() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(table()))))
    share = find(rows, indicator_id="volunteer_share", municipality="147")
    assert share["value"] == repr(SHARE) and share["programme"] == "social_referral"
    assert share["period_complete"] == "false"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("xlsx") / "indicators.xlsx"
    path.write_bytes(to_xlsx(board_table(table(), CATALOGUE, INFO, "da"), CATALOGUE, INFO, "da"))
    return openpyxl.load_workbook(path)


def test_the_workbook_has_a_guide_then_one_sheet_per_theme(workbook) -> None:
    # the guide explains the marks; themes without cells get no sheet
    assert workbook.sheetnames == ["Læsevejledning", "Aktivitet", "Årgange",
                                   "Indlæggelser før og efter", "Deltagelse"]
    guide = " ".join(str(row[0].value) for row in workbook["Læsevejledning"].iter_rows())
    assert "30. marts 2026" in guide and "R0001" in guide
    assert "skjult:" in guide and "foreløbig:" in guide


def sheet_rows(sheet) -> list[dict[str, openpyxl.cell.Cell]]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_sheets_have_a_frozen_header_numbers_and_number_formats(workbook) -> None:
    participation = workbook["Deltagelse"]
    assert participation.freeze_panes == "A2"
    assert participation.auto_filter.ref
    assert [c.font.b for c in participation[1]] == [True] * 12
    share = next(r for r in sheet_rows(participation) if r["Kommune"].value == "Frederiksberg")
    # a number (so Excel can sort and sum) shown as a percentage with one decimal
    assert share["Værdi"].value == pytest.approx(44.8) and share["Værdi"].number_format == '0.0" %"'
    assert share["Indikator"].value == "Blev frivillig"
    assert share["Perioden afsluttet"].value == "nej, foreløbig"
    rate = sheet_rows(workbook["Indlæggelser før og efter"])[0]
    assert rate["Værdi"].value == pytest.approx(0.5) and rate["Værdi"].number_format == "0.00"
    cohort = sheet_rows(workbook["Årgange"])
    hidden = next(r for r in cohort if r["Kommune"].value == "København")
    assert hidden["Værdi"].value == "skjult" and hidden["Antal personer"].value is None
    assert "færre end 5 personer" in hidden["Bemærkning"].value
    total = next(r for r in cohort if r["Kommune"].value == "Alle kommuner")
    assert total["Værdi"].value == 144 and total["Værdi"].number_format == "#,##0"


def test_the_same_release_gives_the_same_workbook_bytes() -> None:
    board = board_table(table(), CATALOGUE, INFO, "da")
    assert to_xlsx(board, CATALOGUE, INFO, "da") == to_xlsx(board, CATALOGUE, INFO, "da")
    later = {**INFO, "published_at": "2026-03-02T06:00:00Z"}
    assert to_xlsx(board, CATALOGUE, later, "da") != to_xlsx(board, CATALOGUE, INFO, "da")


def test_a_board_language_other_than_danish_or_english_is_refused() -> None:
    with pytest.raises(ValueError, match="SAMMEN_BOARD_LANGUAGE"):
        Settings(board_language="fr")
