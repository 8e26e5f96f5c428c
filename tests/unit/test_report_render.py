"""The board report's HTML, checked without a browser: content, privacy, self-containment.

GIVEN small indicator tables after disclosure control (tests/helpers/report.py), WHEN rendered,
THEN the page shows only those cells, hides suppressed ones as `<5`, and loads nothing.
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


def test_suppressed_cells_read_below_threshold_with_the_explanation(html: str) -> None:
    # GIVEN suppressed cells (a small cohort in 147 and three cells under social_referral/all)
    assert HIDDEN_CELLS
    assert html.count('class="num suppressed">&lt;5</span>') >= 7  # the 147 row of two tables
    assert html.count('class="cell suppressed"') == 3  # the hidden bars in the charts
    assert (
        "&lt;5: tallet er skjult, fordi det bygger på eller kan afsløre færre end 5 personer"
        in html
    )
    assert "fewer than 5 persons (disclosure control)" in html


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
                municipality="147", value=None, numerator=None, n_persons=None, suppressed=True
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
