"""The board report in real headless Chromium (Debian's chromium, `make system-deps`).

GIVEN the rendered report on disk, WHEN Chromium opens it with every network name unresolvable,
THEN it logs no console error, requests nothing but the file itself, draws every chart, switches
to English and back, and leaves screenshots in test-artifacts/ (report.png, report-en.png).
The checks are shown to bite on pages that do have a script error, a console.error and an
external resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers.browser import Browser, Page
from helpers.report import sample_indicators, sample_run_info

from publishing.report import render

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

DRAWN_CHARTS = """
Array.from(document.querySelectorAll('svg.chart')).filter(svg => {
  const box = svg.getBoundingClientRect();
  const bars = Array.from(svg.querySelectorAll('rect')).filter(r => r.getBBox().height > 0);
  return box.width > 100 && box.height > 50 && bars.length > 0;
}).length
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as running:
        yield running


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    catalogue = yaml.safe_load((REPO / "publishing" / "catalogue.yaml").read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("published") / "report.html"
    path.write_text(render(sample_indicators(), catalogue, sample_run_info()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(browser: Browser, report_file: Path) -> Page:
    return browser.open(report_file)


def test_report_loads_without_console_errors_or_network(report: Page, report_file: Path) -> None:
    assert report.errors == []
    assert report.requests == [report_file.resolve().as_uri()]
    report.screenshot(ARTIFACTS / "report.png")
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_every_chart_is_drawn(report: Page) -> None:
    in_markup = report.evaluate("document.querySelectorAll('svg.chart').length")
    assert in_markup == 21
    assert report.evaluate(DRAWN_CHARTS) == in_markup
    # the script ran to its end (it sets these after wiring the switch)
    assert report.evaluate("document.documentElement.dataset.ready") == "1"
    assert report.evaluate("document.documentElement.dataset.charts") == "21"


def test_the_switch_turns_every_label_to_english_and_back(report: Page) -> None:
    h1 = "document.querySelector('h1').textContent"
    first_tick = "document.querySelector('#p-all-stays_chart .tick:nth-of-type(2)').textContent"
    assert report.evaluate(h1) == "Partnerskabets bestyrelsesrapport"
    danish_tick = report.evaluate(first_tick)
    # WHEN the board member presses the button
    report.evaluate("document.getElementById('lang-toggle').click()")
    report.settle()
    # THEN labels, numbers and the page language are English
    assert report.evaluate("document.documentElement.lang") == "en"
    assert report.evaluate(h1) == "Partnership board report"
    assert report.evaluate("document.getElementById('lang-toggle').textContent") == "Dansk"
    assert report.evaluate(first_tick) == danish_tick.replace(",", ".")
    assert "," in danish_tick
    still_danish = report.evaluate(
        "Array.from(document.querySelectorAll('[data-en]'))"
        ".filter(e => e.textContent !== e.getAttribute('data-en')).length"
    )
    assert still_danish == 0
    report.screenshot(ARTIFACTS / "report-en.png")
    # AND a second press returns to Danish
    report.evaluate("document.getElementById('lang-toggle').click()")
    assert report.evaluate(h1) == "Partnerskabets bestyrelsesrapport"
    assert report.evaluate("document.documentElement.lang") == "da"
    assert report.errors == []


def test_opening_with_en_in_the_address_starts_in_english(
    browser: Browser, report_file: Path
) -> None:
    page = browser.open(report_file.resolve().as_uri() + "#en")
    assert page.evaluate("document.querySelector('h1').textContent") == "Partnership board report"
    assert page.errors == []


def _page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.html"
    path.write_text(f"<!DOCTYPE html><html><body><p>x</p>{body}</body></html>", encoding="utf-8")
    return path


def test_a_script_error_is_reported(browser: Browser, tmp_path: Path) -> None:
    page = browser.open(_page(tmp_path, "<script>undefinedFunction();</script>"))
    assert any("undefinedFunction" in m.text for m in page.errors), page.console


def test_console_error_is_reported(browser: Browser, tmp_path: Path) -> None:
    page = browser.open(_page(tmp_path, "<script>console.error('deliberate failure')</script>"))
    assert [m.text for m in page.errors] == ["deliberate failure"]


def test_an_external_resource_is_seen_and_fails(browser: Browser, tmp_path: Path) -> None:
    page = browser.open(_page(tmp_path, '<img src="https://example.org/logo.png">'))
    assert "https://example.org/logo.png" in page.requests
    assert page.errors, "a load that cannot resolve must show up as a console error"


EMPTY_COLUMNS = """
Array.from(document.querySelectorAll('table.municipalities')).flatMap(table => {
  const rows = Array.from(table.querySelectorAll('tbody tr'));
  const heads = Array.from(table.querySelectorAll('thead th')).slice(1);
  return heads.filter((head, i) => rows.every(r => r.querySelectorAll('td')[i].textContent === '\u2013'))
              .map(head => head.textContent);
})
"""


@pytest.fixture(scope="module")
def board_report(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Page:
    """The sample table at a cutoff where cohort 2024 has finished and cohort 2025 has not, where
    people_need_people's SWEMWBS cells have no value anywhere (no one with both measures), and
    its cohort 2024 in 751 is hidden (cohort_size as a small count, the rest to protect it)."""
    frame = sample_indicators()
    frame["period_complete"] = frame["period"] != "2025"
    small = ((frame["programme"] == "people_need_people") & (frame["municipality"] == "751")
             & (frame["period"] == "2024"))
    frame.loc[small, ["value", "numerator", "denominator", "n_persons"]] = None
    frame.loc[small, "suppressed"] = True
    frame.loc[small, "suppression_reason"] = "secondary"
    frame.loc[small & (frame["indicator_id"] == "cohort_size"), "suppression_reason"] = "primary"
    empty = (frame["indicator_id"] == "swemwbs_change_mean") & (frame["programme"] == "people_need_people")
    frame.loc[empty, ["value", "numerator", "denominator"]] = None
    frame.loc[empty, "suppressed"] = False
    catalogue = yaml.safe_load((REPO / "publishing" / "catalogue.yaml").read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("board") / "report.html"
    path.write_text(render(frame, catalogue, sample_run_info()), encoding="utf-8")
    return browser.open(path)


def test_headlines_show_the_latest_complete_cohort(board_report: Page) -> None:
    subs = board_report.evaluate(
        "Array.from(document.querySelectorAll('#p-all .card-sub')).map(e => e.innerText)"
    )
    # THEN every headline of the whole partnership is on cohort 2024, the finished one
    assert subs and all(sub == "årgang 2024" for sub in subs), subs
    history = board_report.evaluate("document.querySelector('#p-all .card-history').innerText")
    assert "2025*" in history  # the unfinished cohort is there, marked
    header = board_report.evaluate(
        "Array.from(document.querySelectorAll('#p-all table.municipalities thead th'))"
        ".map(e => e.innerText).join(' | ')"
    )
    assert "(2024)" in header and "2025" not in header
    assert board_report.errors == []


def test_no_municipality_table_offers_an_empty_column(board_report: Page) -> None:
    assert board_report.evaluate(EMPTY_COLUMNS) == []
    heads = board_report.evaluate(
        "Array.from(document.querySelectorAll('#p-people-need-people table.municipalities thead th'))"
        ".map(e => e.innerText).join(' | ')"
    )
    assert "SWEMWBS" not in heads and "Kohortestørrelse" in heads  # its column is left out


def test_hidden_cells_read_skjult_or_below_five_with_the_legend(board_report: Page) -> None:
    marks = board_report.evaluate(
        "Array.from(document.querySelectorAll('.num.suppressed')).map(e => e.innerText)"
    )
    assert set(marks) == {"<5", "skjult"}
    visible_legend = board_report.evaluate(
        "Array.from(document.querySelectorAll('.intro p')).filter(p => p.offsetHeight > 0)"
        ".map(p => p.innerText)"
    )
    assert any(line.startswith("skjult: tallet er skjult af hensyn til diskretion") for line in visible_legend)
    assert any(line.startswith("<5: færre end 5 personer") for line in visible_legend)
    assert any(line.startswith("* foreløbig:") for line in visible_legend)
    # AND in English the same marks read "hidden"
    board_report.evaluate("document.getElementById('lang-toggle').click()")
    board_report.settle()
    marks = board_report.evaluate(
        "Array.from(document.querySelectorAll('.num.suppressed')).map(e => e.innerText)"
    )
    assert set(marks) == {"<5", "hidden"}
    board_report.evaluate("document.getElementById('lang-toggle').click()")
