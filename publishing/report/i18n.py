"""Bilingual text and number formatting for the board report.

Every visible label is a `Text` holding the Danish and the English wording. The page is written
in Danish (the default, `lang="da"`); elements whose wording differs carry both versions in
`data-da` / `data-en` attributes and a few lines of inline JavaScript swap them. Numbers are
formatted here, in Python, once per language (decimal comma and `.` thousands in Danish), so the
switch never recomputes anything in the browser.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

NBSP = "\u00a0"
MINUS = "\u2212"
MISSING = "\u2013"  # en dash: no cell, or a cell without a value
CARRIED = "\u2020"  # dagger: the cell shows its value of an earlier release (release guard)

DA_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Text:
    """One label in both languages."""

    da: str
    en: str

    @classmethod
    def same(cls, text: str) -> Text:
        return cls(text, text)

    def format(self, **values: Text | str | int) -> Text:
        """Fill `{name}` placeholders, language by language."""
        return Text(
            self.da.format(**{k: _pick(v, "da") for k, v in values.items()}),
            self.en.format(**{k: _pick(v, "en") for k, v in values.items()}),
        )

    def __add__(self, other: Text | str) -> Text:
        return Text(self.da + _pick(other, "da"), self.en + _pick(other, "en"))


def _pick(value: Text | str | int, lang: str) -> str:
    return getattr(value, lang) if isinstance(value, Text) else str(value)


# UI wording that is not an indicator title (indicator titles come from the catalogue).
UI: dict[str, Text] = {
    "title": Text("Partnerskabets bestyrelsesrapport", "Partnership board report"),
    "switch": Text("English", "Dansk"),
    "switch_label": Text("Switch the report to English", "Skift rapporten til dansk"),
    "data_until": Text("Data til og med {cutoff}", "Data up to and including {cutoff}"),
    "run": Text("Kørsel {run_id}", "Run {run_id}"),
    "version": Text("version {version}", "version {version}"),
    "generated": Text("dannet {when}", "generated {when}"),
    "contents": Text("Indhold", "Contents"),
    "how_to_read": Text("Sådan læses rapporten", "How to read this report"),
    "how_to_read_text": Text(
        "Alle tal er samlede tal for grupper af borgere; ingen enkeltpersoner kan ses. "
        "Forløb tælles efter det år, borgeren blev indskrevet (årgang). "
        "Før og efter sammenligner året før indskrivning med året efter, for forløb hvor "
        "begge år er dækket af data.",
        "All figures are totals for groups of citizens; no individual can be seen. "
        "Enrolments count under the year the citizen enrolled (cohort year). "
        "Before and after compares the year before enrolment with the year after, for "
        "enrolments where both years are covered by data.",
    ),
    "small_note": Text(
        "{mark}: færre end {k} personer; antallet er skjult (diskretionering).",
        "{mark}: fewer than {k} persons; the number is hidden (disclosure control).",
    ),
    "hidden_note": Text(
        "{mark}: tallet er skjult af hensyn til diskretion: det bygger på færre end {k} personer,"
        " eller det kunne bruges til at regne et andet skjult tal ud. Det siger intet om tallets"
        " størrelse.",
        "{mark}: the figure is hidden by disclosure control: it rests on fewer than {k} persons,"
        " or could be used to work out another hidden figure. It says nothing about the figure's"
        " size.",
    ),
    "provisional_note": Text(
        "{mark} foreløbig: perioden var ikke afsluttet på skæringsdatoen (en årgang er afsluttet,"
        " når alle dens opfølgningsvinduer er lukket); tallet kan ændre sig. Nøgletal og"
        " kommunetabel viser den seneste afsluttede periode.",
        "{mark} provisional: the period had not ended at the cutoff (a cohort has ended when all"
        " its follow-up windows have closed); the figure may change. Key figures and the"
        " municipality table show the latest finished period.",
    ),
    "provisional": Text("foreløbig", "provisional"),
    "carried_note": Text(
        "{mark} R…: tallet er som i den nævnte tidligere udgivelse (fastholdt), fordi dets"
        " ændring siden da kunne afsløre færre end {k} personer; se metodebeskrivelsen.",
        "{mark} R…: the figure is as in the earlier release named (held), because its change"
        " since then could reveal fewer than {k} persons; see the methods document.",
    ),
    "release": Text("Udgivelse {release_id}", "Release {release_id}"),
    "missing_note": Text(
        "{mark}: intet tal, fordi der ingen data er, eller perioden ikke er afsluttet endnu.",
        "{mark}: no figure, because there are no data or the period has not ended yet.",
    ),
    "all_programmes": Text("Alle programmer", "All programmes"),
    "all_municipalities": Text("Alle kommuner", "All municipalities"),
    "headline": Text("Nøgletal", "Key figures"),
    "cohort_year": Text("årgang {year}", "cohort {year}"),
    "before": Text("Året før indskrivning", "Year before enrolment"),
    "after": Text("Året efter indskrivning", "Year after enrolment"),
    "before_after": Text(
        "Psykiatriske indlæggelser før og efter indskrivning",
        "Psychiatric admissions before and after enrolment",
    ),
    "before_after_note": Text(
        "Pr. personår; kun forløb med et helt år før og efter indskrivning. n = antal personer.",
        "Per person-year; only enrolments with a full year before and after enrolment."
        " n = number of persons.",
    ),
    "stays_chart": Text("Indlæggelser pr. personår", "Stays per person-year"),
    "bed_days_chart": Text("Sengedage pr. personår", "Bed days per person-year"),
    "involuntary_chart": Text("Andel med tvangsindlæggelse", "Share with an involuntary stay"),
    "retention": Text("Fastholdelse i fællesskabet", "Retention in the community"),
    "retention_chart": Text(
        "Andel der stadig deltager efter 3, 6 og 12 måneder",
        "Share still taking part after 3, 6 and 12 months",
    ),
    "retention_note": Text(
        "Deltaget mindst én gang i de sidste 4 uger før 3, 6 og 12 måneder. En årgang vises,"
        " når alle dens forløb har nået målepunktet.",
        "Attended at least once in the last 4 weeks before 3, 6 and 12 months. A cohort is"
        " shown once all its enrolments have reached the point of measurement.",
    ),
    "follow_up": Text("Opfølgning efter udskrivning", "Follow-up after discharge"),
    "follow_up_chart": Text(
        "Andel af udskrivninger med opfølgning", "Share of discharges followed up"
    ),
    "follow_up_note": Text(
        "Udskrivninger fra psykiatrisk indlæggelse i året efter indskrivning.",
        "Discharges from psychiatric stays in the year after enrolment.",
    ),
    "coherence": Text("Sammenhæng og deltagelse", "Coherence and participation"),
    "coherence_chart": Text("Andel af forløb", "Share of enrolments"),
    "wellbeing": Text("Ændring i trivsel", "Change in well-being"),
    "wellbeing_chart": Text(
        "Gennemsnitlig ændring fra start til 6 måneder (point)",
        "Mean change from start to 6 months (points)",
    ),
    "wellbeing_note": Text(
        "Kun forløb med både start- og opfølgningsmåling. For UCLA-3 (ensomhed) er et fald en"
        " forbedring.",
        "Only enrolments with both a baseline and a follow-up measure. For UCLA-3 (loneliness)"
        " a fall is an improvement.",
    ),
    "municipalities": Text("Kommuner", "Municipalities"),
    "municipality": Text("Kommune", "Municipality"),
    "activity": Text("Aktivitet pr. kvartal", "Activity per quarter"),
    "indicator": Text("Indikator", "Indicator"),
    "definitions": Text("Definitioner", "Definitions"),
    "no_data": Text("Ingen data for dette program endnu.", "No data for this programme yet."),
    "n": Text("n = {n}", "n = {n}"),
    "chart_missing": Text("ingen data", "no data"),
    "methods": Text(
        "Sådan læses tallene (definitioner, perioder, diskretionering, datas begrænsninger):"
        " metodehåndbogen methods.md, udgivet sammen med rapporten.",
        "How to read the figures (definitions, periods, disclosure control, limits of the data):"
        " the methods handbook methods.md, published with this report.",
    ),
    "footer": Text(
        "Rapporten indeholder kun offentliggjorte, diskretionerede tal fra indikatortabellen.",
        "This report holds only the published, disclosure-controlled figures of the indicator"
        " table.",
    ),
}


def ui(key: str) -> Text:
    return UI[key]


def format_number(value: float, decimals: int, lang: str, *, signed: bool = False) -> str:
    """A number in the reader's convention: `1.234,5` in Danish, `1,234.5` in English."""
    text = f"{abs(value):,.{decimals}f}"
    if lang == "da":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    rounded_zero = float(f"{abs(value):.{decimals}f}") == 0
    if value < 0 and not rounded_zero:
        return MINUS + text
    if signed and value > 0 and not rounded_zero:
        return "+" + text
    return text


def format_kind(value: float, kind: str, decimals: int) -> Text:
    """A value of an indicator kind (`share`, `rate`, `mean`, `count`) in both languages."""
    if kind == "share":
        return Text(
            format_number(value * 100, decimals, "da") + NBSP + "%",
            format_number(value * 100, decimals, "en") + "%",
        )
    signed = kind == "mean"
    return Text(
        format_number(value, decimals, "da", signed=signed),
        format_number(value, decimals, "en", signed=signed),
    )


def decimals_for(kind: str, values: list[float]) -> int:
    """Decimals that keep one chart or column consistent and still show differences."""
    if kind == "count":
        return 0
    if kind == "share":
        return 0
    if kind == "mean":
        return 1  # instrument points: one decimal is already finer than the scales
    largest = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    if largest < 10:
        return 2  # stays per person-year: 0.45 against 0.52 must stay apart
    return 1 if largest < 100 else 0


def format_date(value: dt.date | dt.datetime | str | None) -> Text:
    """`31. december 2025` / `31 December 2025` (with `kl. 14:05` / `14:05` for a time)."""
    if value is None or value == "":
        return Text.same(MISSING)
    parsed = _parse_when(value)
    if parsed is None:
        return Text.same(str(value))
    day = parsed.date() if isinstance(parsed, dt.datetime) else parsed
    da = f"{day.day}. {DA_MONTHS[day.month - 1]} {day.year}"
    en = f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
    if isinstance(parsed, dt.datetime):
        da += f" kl. {parsed:%H:%M}"
        en += f", {parsed:%H:%M}"
    return Text(da, en)


def _parse_when(value: dt.date | dt.datetime | str) -> dt.date | dt.datetime | None:
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        return None
