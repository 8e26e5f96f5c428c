"""The board report's HTML, checked without a browser: content, privacy, self-containment.

GIVEN small indicator tables after disclosure control (tests/helpers/report.py), WHEN rendered,
THEN the page shows only those cells, hides suppressed ones as `<5` (a small count of persons)
or `skjult`, marks unfinished periods, and loads nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape as html_escape
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.report import (
    HIDDEN_CELLS,
    sample_catalogue,
    sample_indicators,
    sample_run_info,
)

from publishing.catalogue import load_catalogue
from publishing.report import page, render
from publishing.report.data import Indicators, catalogue_entries
from publishing.report.i18n import NBSP, format_date, format_kind, format_number

REPO = Path(__file__).resolve().parents[2]
RESOURCE_ATTRIBUTE = re.compile(
    r"""(?:src|href|xlink:href|action|data)\s*=\s*["']?\s*([^"'\s>]+)""", re.I
)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)


@pytest.fixture(scope="module")
def html() -> str:
    return render(sample_indicators(), sample_catalogue(), sample_run_info())


def one_row(**overrides) -> dict:
    row = {
        "indicator_id": "cohort_size",
        "period": "2025",
        "programme": "social_referral",
        "municipality": "all",
        "numerator": 40.0,
        "denominator": None,
        "value": 40.0,
        "n_persons": 40,
        "suppressed": False,
        "suppression_reason": None,
    }
    return {**row, **overrides}


def test_page_is_danish_by_default_with_an_english_switch(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="da">' in html
    assert re.search(r'<button[^>]*id="lang-toggle"[^>]*>English</button>', html)
    assert "<h1" in html and "Partnerskabets bestyrelsesrapport</h1>" in html
    assert 'data-en="Partnership board report"' in html


def test_every_programme_with_cells_gets_a_section_in_catalogue_order(html: str) -> None:
    # GIVEN cells for people_need_people and social_referral (and the all-programme totals)
    sections = re.findall(r'<section class="programme" id="([^"]+)"', html)
    # THEN the overview first, then the programme catalogue's order
    assert sections == ["p-all", "p-people-need-people", "p-social-referral"]
    assert "Mennesker har brug for mennesker" in html and "Social ordination" in html


def test_charts_are_inline_svg_seven_per_section(html: str) -> None:
    # 3 before/after + retention + follow-up + coherence + well-being, in each of 3 sections
    assert len(re.findall(r'<svg class="chart"', html)) == 21
    assert "<img" not in html and "<canvas" not in html


def test_nothing_is_loaded_from_anywhere(html: str) -> None:
    references = RESOURCE_ATTRIBUTE.findall(html) + CSS_URL.findall(html)
    assert references, "the table of contents links are expected to be found by the scan"
    # anchors, and the methods handbook published beside the report (a link, never loaded)
    assert all(ref.startswith("#") or ref == "methods.md" for ref in references), references
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and "@import" not in html and "<script src" not in html


def test_content_security_policy_allows_exactly_the_inline_script(html: str) -> None:
    # GIVEN the policy that forbids every load, THEN it must still name the script's hash
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in policy
    assert f"script-src 'sha256-{digest}'" in policy


SKJULT = 'class="num suppressed" data-da="skjult" data-en="hidden">skjult</span>'


def test_hidden_cells_read_below_threshold_only_for_small_counts_of_persons(html: str) -> None:
    # GIVEN a small cohort in 147 (cohort_size hidden as primary, the year's other indicators
    # there as secondary) and three share/mean cells hidden under social_referral/all
    assert HIDDEN_CELLS
    # THEN the count reads <5 (the 147 row of the municipality table), every other hidden cell
    # "skjult", in the tables and in the charts, and never "<5"
    assert html.count('class="num suppressed">&lt;5</span>') == 1
    # 147's two bed-day rates, cross-sector share and SWEMWBS; social_referral's two follow-up
    # shares of 2025 in its cards and the cross-sector one in its municipality table
    assert html.count(SKJULT) == 4 + 2 + 1
    assert html.count('class="cell suppressed"') == 3  # the hidden bars in the charts
    assert html.count('data-da="skjult" data-en="hidden"') == 7 + 3
    # AND the legend says what each mark means, in both languages
    assert "&lt;5: færre end 5 personer; antallet er skjult (diskretionering)." in html
    assert "skjult: tallet er skjult af hensyn til diskretion" in html
    assert "It says nothing about the figure&#x27;s size." in html or "says nothing about" in html


def _municipality_cells(page: str, municipality: str) -> list[str]:
    """The cells of one row of the municipality table, as shown (Danish)."""
    table = page[page.index('class="municipalities"'):]
    row = re.search(rf'<th scope="row"><span[^>]*>{municipality}</span></th>(.*?)</tr>', table)
    assert row, municipality
    return re.findall(r"<td><span[^>]*>([^<]*)</span>", row[1])


def test_the_mark_follows_the_kind_and_the_reason_of_the_hidden_cell() -> None:
    # GIVEN hidden cells in 147: a count of persons hidden because small (primary), a count
    # hidden to protect another cell (secondary: it may hold 141 persons) and a share hidden as
    # primary; and the same three shown in 101
    hidden = dict(value=None, numerator=None, denominator=None, n_persons=None, suppressed=True)
    frame = pd.DataFrame([
        *(one_row(indicator_id=i, municipality=m, value=2.5, n_persons=40)
          for i in ("cohort_size", "bed_day_rate_pre", "swemwbs_change_mean")
          for m in ("101", "all")),
        one_row(municipality="147", suppression_reason="primary", **hidden),
        one_row(municipality="751", suppression_reason="secondary", **hidden),
        one_row(indicator_id="bed_day_rate_pre", municipality="147", suppression_reason="primary",
                **hidden),
        one_row(indicator_id="swemwbs_change_mean", municipality="751",
                suppression_reason="secondary", **hidden),
    ])
    # WHEN rendered
    page = render(frame, sample_catalogue(), sample_run_info())
    # THEN only the small count reads <5; the rest read skjult
    assert _municipality_cells(page, "Frederiksberg")[:2] == ["&lt;5", "skjult"]
    assert _municipality_cells(page, "Aarhus")[0] == "skjult"
    assert _municipality_cells(page, "Aarhus")[2] == "skjult"


def test_headlines_use_the_latest_complete_cohort_and_mark_unfinished_ones() -> None:
    # GIVEN cohort 2024 complete at the cutoff (156 enrolments) and 2025 and 2026 not yet
    frame = pd.DataFrame([
        one_row(period=year, municipality=m, value=value, numerator=value, n_persons=int(value),
                period_complete=year == "2024")
        for year, value in (("2024", 156.0), ("2025", 540.0), ("2026", 31.0))
        for m in ("101", "all")
    ])
    # WHEN rendered
    page = render(frame, sample_catalogue(), sample_run_info())
    section = page.index('id="p-social-referral"')
    card = page[page.index('class="card"', section):page.index("</div></div>", section)]
    # THEN the headline is cohort 2024, the later cohorts are listed marked * (provisional)
    assert '<div class="card-value"><span class="num">156</span>' in card
    assert "årgang 2024" in card and "foreløbig" not in card
    assert "<span>2026*</span>: <span" in card and "<span>2025*</span>: <span" in card
    # AND the municipality table's column is 2024, and the legend explains the mark
    head = page[page.index('class="municipalities"', section):page.index("</thead>", section)]
    assert "(2024)" in head and "2025" not in head
    assert "* foreløbig: perioden var ikke afsluttet på skæringsdatoen" in page


def test_an_unfinished_cohort_is_a_headline_only_when_none_has_finished() -> None:
    frame = pd.DataFrame([one_row(period="2026", municipality=m, period_complete=False)
                          for m in ("101", "all")])
    page = render(frame, sample_catalogue(), sample_run_info())
    card = page[page.index('class="card"', page.index('id="p-social-referral"')):]
    assert "årgang 2026 (foreløbig)" in card
    assert "(2026*)" in page[page.index('class="municipalities"'):]


def test_the_municipality_table_offers_no_empty_column_or_row() -> None:
    # GIVEN cohort sizes in 101 and all, a bed-day rate with no value anywhere (denominator 0)
    # and a municipality (751) with only such empty cells
    empty = dict(value=None, numerator=0.0, denominator=0.0, n_persons=0)
    frame = pd.DataFrame([
        one_row(municipality="101"), one_row(municipality="all"),
        *(one_row(indicator_id="bed_day_rate_pre", municipality=m, **empty)
          for m in ("101", "751", "all")),
    ])
    page = render(frame, sample_catalogue(), sample_run_info())
    table = page[page.index('class="municipalities"'):page.index("</table>")]
    # THEN the empty column and the empty row are left out
    assert "Sengedage" not in table and "Indlæggelser" not in table
    assert "Aarhus" not in table and "København" in table


def test_activity_quarters_read_in_words_and_an_unfinished_one_is_marked() -> None:
    frame = pd.DataFrame([
        one_row(indicator_id="new_enrolments", period="2025-Q4", period_complete=True),
        one_row(indicator_id="new_enrolments", period="2026-Q1", period_complete=False),
    ])
    page = render(frame, sample_catalogue(), sample_run_info())
    head = page[page.index('class="activity"'):page.index("</thead>", page.index('class="activity"'))]
    assert 'data-da="4. kvt. 2025" data-en="Q4 2025"' in head
    assert 'data-da="1. kvt. 2026*" data-en="Q1 2026*"' in head


def test_a_suppressed_cell_never_shows_its_value_even_if_one_slipped_through() -> None:
    # GIVEN a suppressed cell that still carries a value and persons (a bug upstream)
    frame = pd.DataFrame(
        [
            one_row(),
            one_row(
                municipality="147",
                value=4321.0,
                numerator=4321.0,
                n_persons=4321,
                suppressed=True,
                suppression_reason="primary",
            ),
        ]
    )
    # WHEN rendered
    page = render(frame, sample_catalogue(), sample_run_info())
    # THEN it reads <5 and the number appears nowhere
    assert "4321" not in page and "4.321" not in page and "4,321" not in page
    assert 'class="num suppressed">&lt;5</span>' in page


def test_values_are_formatted_in_both_languages() -> None:
    # GIVEN one bed-day rate of 12.345 and a share of 0.625 for the overview
    frame = pd.DataFrame(
        [
            one_row(),
            one_row(indicator_id="bed_day_rate_post", value=12.345, numerator=None, n_persons=30),
            one_row(
                indicator_id="retained_3m_share",
                period="2024",
                value=0.625,
                numerator=25.0,
                denominator=40.0,
                n_persons=40,
            ),
        ]
    )
    page = render(frame, sample_catalogue(), sample_run_info())
    # THEN Danish in the text (decimal comma, space before %), English in data-en
    assert 'data-da="12,3" data-en="12.3">12,3<' in page
    assert f'data-da="62{NBSP}%" data-en="62%">62{NBSP}%<' in page


def test_threshold_above_five_changes_the_mark() -> None:
    frame = pd.DataFrame(
        [
            one_row(),
            one_row(
                municipality="147", value=None, numerator=None, n_persons=None, suppressed=True,
                suppression_reason="primary",
            ),
        ]
    )
    page = render(frame, sample_catalogue(), {**sample_run_info(), "disclosure_threshold": 10})
    assert 'class="num suppressed">&lt;10</span>' in page
    assert "færre end 10 personer" in page
    assert "&lt;5" not in page


def test_labels_come_from_the_project_catalogue() -> None:
    # GIVEN the real catalogue file as publish.py hands it over (parsed YAML)
    catalogue = yaml.safe_load((REPO / "publishing" / "catalogue.yaml").read_text(encoding="utf-8"))
    page = render(sample_indicators(), catalogue, sample_run_info())
    for entry in catalogue["indicators"]:
        assert entry["title_da"] in page, entry["id"]
        assert entry["title_en"] in page, entry["id"]
        assert html_escape(entry["definition_da"]) in page, entry["id"]  # the definitions list


def test_the_page_layout_names_only_catalogued_ids_and_the_activity_table_follows_the_catalogue() -> None:
    # GIVEN the real catalogue and the page's layout tuples
    catalogue = load_catalogue()
    named = {item if isinstance(item, str) else item[0] for layout in (
        page.RETENTION, page.FOLLOW_UP, page.COHERENCE, page.WELLBEING, page.CARDS, page.MUNICIPALITY_COLUMNS,
    ) for item in layout} | {i for _, *pair in page.BEFORE_AFTER for i in pair}
    # THEN every id the layout names is catalogued
    assert named <= set(catalogue.ids)
    # AND the activity table's rows are the catalogue's activity entries, whatever they are
    entries = catalogue_entries(sample_catalogue())
    entries["attendances"] = {**entries["attendances"], "kind": "cohort"}
    context = page.Context(Indicators(sample_indicators()), entries, {}, "<5")
    assert context.activity_ids() == ["new_enrolments", "active_participants", "sessions_held"]
    assert [i.id for i in catalogue.indicators if i.kind == "activity"] == page.Context(
        Indicators(sample_indicators()), catalogue_entries(catalogue), {}, "<5").activity_ids()


def test_catalogue_shapes_are_accepted() -> None:
    entries = sample_catalogue()
    as_list = catalogue_entries(entries)
    assert catalogue_entries({"indicators": entries}) == as_list
    assert set(catalogue_entries({e["id"]: e for e in entries})) == set(as_list)
    assert catalogue_entries(None) == {}
    with pytest.raises(ValueError, match="catalogue"):
        catalogue_entries("not a catalogue")


def test_without_a_catalogue_the_ids_stand_in_for_titles() -> None:
    page = render(pd.DataFrame([one_row()]), None, sample_run_info())
    assert ">cohort_size<" in page


def test_text_from_inputs_is_escaped() -> None:
    catalogue = [
        {
            "id": "cohort_size",
            "title_da": "<script>alert(1)</script>",
            "title_en": 'a "quoted" <b>',
            "unit": "count",
            "definition": "x",
        }
    ]
    page = render(pd.DataFrame([one_row()]), catalogue, sample_run_info())
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-en="a &quot;quoted&quot; &lt;b&gt;"' in page


def test_an_empty_table_renders_an_overview_without_charts() -> None:
    frame = pd.DataFrame([one_row()]).iloc[0:0]
    page = render(frame, sample_catalogue(), sample_run_info())
    assert "Ingen data for dette program endnu." in page
    assert '<svg class="chart"' not in page


def test_missing_columns_are_named() -> None:
    frame = pd.DataFrame([one_row()]).drop(columns=["suppressed", "n_persons"])
    with pytest.raises(ValueError, match="n_persons, suppressed"):
        render(frame, sample_catalogue(), sample_run_info())


def test_cells_keep_missing_values_apart_from_zero() -> None:
    # GIVEN a zero, a null value (denominator 0) and pandas' NA in a nullable column
    frame = pd.DataFrame(
        [
            one_row(value=0.0),
            one_row(municipality="101", value=None, n_persons=0),
            one_row(municipality="147", suppressed=pd.NA),
        ]
    ).astype({"n_persons": "Int64", "suppressed": "boolean"})
    table = Indicators(frame)
    assert table.cell("cohort_size", "2025", "social_referral", "all").value == 0.0
    assert table.cell("cohort_size", "2025", "social_referral", "101").value is None
    assert table.cell("cohort_size", "2025", "social_referral", "147").suppressed is False
    assert table.cell("cohort_size", "2024", "social_referral", "all") is None


def test_number_formats() -> None:
    assert format_number(1234.5, 1, "da") == "1.234,5"
    assert format_number(1234.5, 1, "en") == "1,234.5"
    assert format_number(-2.25, 1, "da") == "\u22122,2"
    assert format_number(-0.01, 1, "en") == "0.0"  # no "-0.0"
    assert format_kind(2.04, "mean", 1).da == "+2,0"
    assert format_kind(0.5, "share", 0).en == "50%"


def test_dates_read_naturally() -> None:
    assert format_date("2025-12-31").da == "31. december 2025"
    assert format_date("2026-01-05T14:05:00").en == "5 January 2026, 14:05"
    assert format_date("not a date").da == "not a date"


def test_run_information_is_in_the_masthead(html: str) -> None:
    assert "Data til og med 31. december 2025" in html
    assert "run-20260105-01" in html and "version 0.1.0" in html


def test_the_same_inputs_give_the_same_bytes() -> None:
    # the manifest records the report's sha256: a re-run on the same table must not change it
    first = render(sample_indicators(), sample_catalogue(), sample_run_info())
    second = render(sample_indicators(), sample_catalogue(), sample_run_info())
    assert first == second
    assert render(sample_indicators(seed=4), sample_catalogue(), sample_run_info()) != first


def test_municipalities_are_listed_in_danish_alphabetical_order() -> None:
    frame = pd.DataFrame([one_row(municipality=code) for code in ("all", "492", "101", "851")])
    page = render(frame, sample_catalogue(), sample_run_info())
    table = page[page.index('class="municipalities"') :]
    rows = re.findall(r'<th scope="row"><span[^>]*>([^<]+)</span>', table)
    assert rows[:4] == ["Aalborg", "København", "Ærø", "Alle kommuner"]


def test_a_carried_cell_shows_its_earlier_value_with_the_release_and_the_legend() -> None:
    # GIVEN release R0004 in which cohort_size social_referral/147 is held at its R0002 value
    frame = pd.DataFrame(
        [
            one_row(release_id="R0004"),
            one_row(municipality="147", value=37.0, numerator=37.0, n_persons=37,
                    carried_from="R0002", carry_reason="change", release_id="R0004"),
        ]
    )
    # WHEN rendered
    page = render(frame, sample_catalogue(), {**sample_run_info(), "release_id": "R0004"})
    # THEN the value is shown marked with the release it comes from, the legend explains it,
    # and the page names its own release
    assert '<sup class="carried">\u2020\u00a0R0002</sup>' in page
    assert "tallet er som i den nævnte tidligere udgivelse" in page
    assert "Udgivelse R0004" in page


def test_the_footer_links_the_methods_handbook_published_beside_the_report(html: str) -> None:
    # GIVEN the report WHEN its footer is read THEN it links methods.md, in both languages
    footer = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    assert 'href="methods.md"' in footer and "metodehåndbogen" in footer and "methods handbook" in footer
