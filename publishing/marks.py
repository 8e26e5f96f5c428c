"""How a hidden or an unfinished cell reads to a board: the one rule for the report, the Excel
files (`publishing.board`) and the `sammen run` summary.

- `<5` (`<k` for a higher threshold) only where it is true and means what it says: a count of
  persons (or of their enrolments, `IndicatorSpec.counts_persons`) hidden because fewer than k
  persons are behind it (`primary`). Next to a percentage or a rate "<5" would read as "under
  5 %", and a cell hidden only to protect another (`secondary`, `change_secondary`) may hold any
  number (141 persons, say): both read `skjult` / `hidden`, with the reason in words.
- A period not finished at the cutoff (`period_complete` false) is shown only marked
  `foreløbig` / `provisional` (`*` where room is short).
"""

from __future__ import annotations

import re

from publishing.catalogue import IndicatorSpec
from publishing.disclosure import PRIMARY

LANGUAGES = ("da", "en")
HIDDEN = {"da": "skjult", "en": "hidden"}
PROVISIONAL = {"da": "foreløbig", "en": "provisional"}
PROVISIONAL_MARK = "*"
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def hidden_mark(counts_persons: bool, reason: str | None, threshold: int, lang: str) -> str:
    """`<k` for a small count of persons, `skjult` / `hidden` for every other hidden cell."""
    if counts_persons and reason == PRIMARY:
        return f"<{threshold}"
    return HIDDEN[lang]


def period_label(period: str, lang: str) -> str:
    """`1. kvt. 2026` / `Q1 2026` for a quarter; a year as it is."""
    quarter = QUARTER.match(period)
    if not quarter:
        return period
    return f"{quarter[2]}. kvt. {quarter[1]}" if lang == "da" else f"Q{quarter[2]} {quarter[1]}"


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"board language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


def cell_text(
    spec: IndicatorSpec, value: float | None, suppressed: bool, reason: str | None,
    threshold: int,
) -> str:
    """One cell for a plain-text reader (the `sammen run` summary): the hidden mark, or the
    value rounded as the catalogue says (a share as a percentage)."""
    if suppressed:
        return hidden_mark(spec.counts_persons, reason, threshold, "en")
    if value is None:
        return ""
    if spec.unit == "share":
        return f"{value * 100:.{spec.decimals}f} %"
    return f"{value:.{spec.decimals}f}"


def legend_lines(threshold: int, used: set[str]) -> list[str]:
    """The plain-text legend of the marks used ("small", "hidden", "provisional")."""
    lines = {
        "small": f"<{threshold}: fewer than {threshold} persons (disclosure control)",
        "hidden": f"{HIDDEN['en']}: withheld by disclosure control (a small group, or to protect"
                  " another cell)",
        "provisional": f"{PROVISIONAL_MARK} {PROVISIONAL['en']}: period not ended at the cutoff"
                       " (a cohort: its windows still open)",
    }
    return [lines[key] for key in lines if key in used]
