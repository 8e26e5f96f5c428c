"""The report page: masthead, reading notes, one section per programme, definitions.

Each section shows, for municipality `all`: headline cards, before/after charts of stays, bed
days and involuntary admissions, retention, follow-up after discharge, coherence and
participation, well-being change, then a municipality table and quarterly activity. Charts and
tables draw only cells present in the indicator table; a section notes the marks it shows
(`<5`, `skjult`, `*` foreløbig, `–`) under it.

Hidden cells read `<5` only for a small count of persons, elsewhere `skjult` (`publishing.marks`).
Headline cards and the municipality table use each indicator's latest complete period (an
unfinished one only when none has finished, marked `*`); charts and the activity table mark
unfinished periods `*`. The municipality table leaves out a column or a municipality without
any figure (every cell `–`).

Indicator ids come from the catalogue: the activity table shows its `kind: activity` entries.
The tuples below are the page's layout (which chart, card or column shows which catalogue id, in
which colour); tests/unit/test_report_render.py checks that every id they name is catalogued.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from publishing.catalogue import counts_persons
from publishing.marks import HIDDEN, PROVISIONAL_MARK, hidden_mark, period_label
from publishing.report.data import (
    ALL,
    QUARTER,
    YEAR,
    Cell,
    Indicators,
    catalogue_kind,
    definition,
    indicator_title,
)
from publishing.report.i18n import CARRIED, MISSING, Text, decimals_for, format_kind, ui
from publishing.report.svg import NARROW, WIDE, Group, Series, bar_chart, text_attrs

BEFORE, AFTER = "#9fb0c2", "#1d6a96"
BEFORE_AFTER = (
    ("stays_chart", "stay_rate_pre", "stay_rate_post"),
    ("bed_days_chart", "bed_day_rate_pre", "bed_day_rate_post"),
    ("involuntary_chart", "involuntary_share_pre", "involuntary_share_post"),
)
RETENTION = (
    ("retained_3m_share", "#9ecae1"),
    ("retained_6m_share", "#4292c6"),
    ("retained_12m_share", "#08519c"),
)
FOLLOW_UP = (
    ("followed_psychiatry_7d_share", "#2a9d8f"),
    ("followed_cross_sector_7d_share", "#1d6a96"),
    ("readmission_30d_share", "#e76f51"),
)
COHERENCE = (
    ("action_plan_share", "#1d6a96"),
    ("follow_up_on_time_share", "#2a9d8f"),
    ("volunteer_share", "#e9c46a"),
    ("arrived_own_share", "#8d6cab"),
)
WELLBEING = (
    ("swemwbs_change_mean", "#2a9d8f"),
    ("ucla3_change_mean", "#e76f51"),
    ("coherence_change_mean", "#1d6a96"),
)
CARDS = (
    "cohort_size",
    "retained_3m_share",
    "retained_6m_share",
    "retained_12m_share",
    "followed_psychiatry_7d_share",
    "followed_cross_sector_7d_share",
)
MUNICIPALITY_COLUMNS = (
    "cohort_size",
    "retained_3m_share",
    "retained_12m_share",
    "bed_day_rate_pre",
    "bed_day_rate_post",
    "followed_cross_sector_7d_share",
    "swemwbs_change_mean",
)
MAX_YEARS = 6
MAX_QUARTERS = 8


@dataclass
class Context:
    """What every part of the page needs, plus the marks a section has used."""

    table: Indicators
    catalogue: Mapping[str, Mapping[str, Any]]
    municipality_names: Mapping[str, str]
    threshold: int
    used: set[str] = field(default_factory=set)

    def title(self, indicator: str) -> Text:
        return indicator_title(self.catalogue, indicator)

    def kind(self, indicator: str) -> str:
        return catalogue_kind(self.catalogue, indicator)

    def activity_ids(self) -> list[str]:
        """The catalogue's activity indicators (kind `activity`), in its order."""
        return [i for i, entry in self.catalogue.items() if entry.get("kind") == "activity"]

    def cell(self, indicator: str, period: str, programme: str, municipality: str = ALL):
        cell = self.table.cell(indicator, period, programme, municipality)
        if cell is not None and cell.carried_from:
            self.used.add("carried")
        if cell is None or (cell.value is None and not cell.suppressed):
            self.used.add("missing")
        return cell

    def hidden(self, indicator: str, cell: Cell) -> Text:
        """`<5` for a small count of persons, `skjult` / `hidden` for any other hidden cell."""
        small = counts_persons(self.kind(indicator), self.catalogue.get(indicator, {}).get(
            "person_level", True))
        mark = Text(*(hidden_mark(small, cell.reason, self.threshold, lang) for lang in ("da", "en")))
        self.used.add("hidden" if mark.da == HIDDEN["da"] else "small")
        return mark

    def number(self, indicator: str, cell: Cell | None, decimals: int, kind: str | None = None) -> str:
        if cell is not None and cell.suppressed:
            return tag("span", self.hidden(indicator, cell), "num suppressed")
        return number(cell, kind or self.kind(indicator), decimals)

    def period(self, indicators: Sequence[str], period: str) -> Text:
        """The period in words, `*` when it had not ended at the cutoff."""
        label = Text(period_label(period, "da"), period_label(period, "en"))
        if self.table.complete(indicators, period):
            return label
        self.used.add("provisional")
        return label + PROVISIONAL_MARK

    def marks(self, cells: Mapping[tuple[str, str], Cell | None], indicator_of) -> dict:
        """The hidden marks of a chart's suppressed cells, by cell key."""
        return {
            key: self.hidden(indicator_of(key), cell)
            for key, cell in cells.items()
            if cell is not None and cell.suppressed
        }


def tag(name: str, text: Text, cls: str | None = None, extra: str = "") -> str:
    """A leaf element holding one bilingual label (Danish in the markup)."""
    class_attr = f' class="{cls}"' if cls else ""
    return f"<{name}{class_attr}{extra}{text_attrs(text)}>{escape(text.da)}</{name}>"


def number(cell: Cell | None, kind: str, decimals: int) -> str:
    """A shown cell's value, or `–` (a hidden cell's mark comes from `Context.number`)."""
    if cell is None or cell.value is None:
        return tag("span", Text.same(MISSING), "num missing")
    shown = tag("span", format_kind(cell.value, kind, decimals), "num")
    if cell.carried_from:
        # held by the release guard: the value of an earlier release, which one said beside it
        shown += f'<sup class="carried">{CARRIED}\u00a0{escape(cell.carried_from)}</sup>'
    return shown


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def programme_section(ctx: Context, programme: str, name: Text) -> str:
    ctx.used = set()
    anchor = f"p-{slug(programme)}"
    body = [
        cards(ctx, programme),
        before_after(ctx, programme, anchor),
        '<div class="pair">',
        themed_chart(
            ctx, programme, anchor, "retention", "retention_chart", RETENTION, "retention_note"
        ),
        themed_chart(
            ctx, programme, anchor, "follow_up", "follow_up_chart", FOLLOW_UP, "follow_up_note"
        ),
        "</div>",
        '<div class="pair">',
        themed_chart(ctx, programme, anchor, "coherence", "coherence_chart", COHERENCE, None),
        themed_chart(
            ctx, programme, anchor, "wellbeing", "wellbeing_chart", WELLBEING, "wellbeing_note"
        ),
        "</div>",
        municipality_table(ctx, programme),
        activity_table(ctx, programme),
    ]
    return (
        f'<section class="programme" id="{anchor}">{tag("h2", name)}'
        + "".join(body)
        + marks_note(ctx)
        + "</section>"
    )


def marks_note(ctx: Context) -> str:
    lines = legend(ctx.threshold, ctx.used)
    return f'<div class="marks">{lines}</div>' if lines else ""


LEGEND = ("small", "hidden", "carried", "provisional", "missing")


def legend(threshold: int, used: set[str] | None = None) -> str:
    """The explanation of each mark (of those `used`, or all of them)."""
    marks = {
        "small": ui("small_note").format(mark=f"<{threshold}", k=threshold),
        "hidden": ui("hidden_note").format(mark=Text(HIDDEN["da"], HIDDEN["en"]), k=threshold),
        "carried": ui("carried_note").format(mark=CARRIED, k=threshold),
        "provisional": ui("provisional_note").format(mark=PROVISIONAL_MARK),
        "missing": ui("missing_note").format(mark=MISSING),
    }
    return "".join(
        tag("p", marks[key], "note") for key in LEGEND if used is None or key in used
    )


def cards(ctx: Context, programme: str) -> str:
    items = [card(ctx, programme, indicator) for indicator in CARDS]
    return f'<div class="cards" role="list">{"".join(items)}</div>'


def card(ctx: Context, programme: str, indicator: str) -> str:
    year = ctx.table.latest_year(indicator, programme)
    cell = ctx.cell(indicator, year, programme) if year else None
    if year is None:
        ctx.used.add("missing")
    sub = ui("cohort_year").format(year=year) if year else Text.same(MISSING)
    if year and not ctx.table.complete([indicator], year):
        ctx.used.add("provisional")
        sub = sub + Text.same(" (") + ui("provisional") + ")"
    others = other_years(ctx, programme, indicator, year) if indicator == "cohort_size" and year else ""
    return (
        f'<div class="card" role="listitem">'
        f'<div class="card-value">{ctx.number(indicator, cell, 0)}</div>'
        f"{tag('div', ctx.title(indicator), 'card-label')}"
        f"{tag('div', sub, 'card-sub')}{others}</div>"
    )


def other_years(ctx: Context, programme: str, indicator: str, shown: str) -> str:
    """The three latest other years (later unfinished ones marked `*`), newest first."""
    years = [t for t in ctx.table.periods([indicator], programme) if YEAR.match(t) and t != shown]
    if not years:
        return ""
    items = [
        f"{tag('span', ctx.period([indicator], t))}: "
        f"{ctx.number(indicator, ctx.cell(indicator, t, programme), 0, 'count')}"
        for t in reversed(years[-3:])
    ]
    return f'<div class="card-history">{" · ".join(f"<span>{i}</span>" for i in items)}</div>'


def years_of(ctx: Context, programme: str, indicators: Sequence[str]) -> list[str]:
    return [t for t in ctx.table.periods(indicators, programme) if YEAR.match(t)][-MAX_YEARS:]


def figure(
    ctx: Context, chart_id: str, title: Text, groups, series, cells, kind, marks,
    width: int = WIDE,
) -> str:
    legend = "".join(
        f'<li><span class="swatch" style="background:{s.color}"></span>{tag("span", s.label)}</li>'
        for s in series
    )
    if any(cell is None or (cell.value is None and not cell.suppressed) for cell in cells.values()):
        ctx.used.add("missing")
    chart = bar_chart(
        chart_id=chart_id,
        title=title,
        groups=groups,
        series=series,
        cells=cells,
        kind=kind,
        marks=marks,
        width=width,
    )
    return (
        f'<figure class="figure">{tag("figcaption", title)}'
        f'<ul class="legend">{legend}</ul>{chart}</figure>'
    )


def no_data() -> str:
    return tag("p", ui("no_data"), "empty")


def before_after(ctx: Context, programme: str, anchor: str) -> str:
    figures = []
    for key, pre, post in BEFORE_AFTER:
        years = years_of(ctx, programme, (pre, post))
        if not years:
            continue
        series = (Series("pre", ui("before"), BEFORE), Series("post", ui("after"), AFTER))
        cells = {}
        groups = []
        for year in years:
            cells[(year, "pre")] = ctx.table.cell(pre, year, programme, ALL)
            cells[(year, "post")] = ctx.table.cell(post, year, programme, ALL)
            label = ctx.period((pre, post), year)
            groups.append(Group(year, label, persons_label(cells[(year, "pre")])))
        marks = ctx.marks(cells, lambda k, pre=pre, post=post: pre if k[1] == "pre" else post)
        figures.append(figure(
            ctx, f"{anchor}-{key}", ui(key), groups, series, cells, ctx.kind(pre), marks, NARROW
        ))
    content = f'<div class="trio">{"".join(figures)}</div>' if figures else no_data()
    return (
        f'<div class="block">{tag("h3", ui("before_after"))}{content}'
        f"{tag('p', ui('before_after_note'), 'note')}</div>"
    )


def persons_label(cell: Cell | None) -> Text | None:
    if cell is None or cell.n_persons is None or cell.suppressed:
        return None
    return ui("n").format(n=format_kind(float(cell.n_persons), "count", 0))


def themed_chart(
    ctx: Context,
    programme: str,
    anchor: str,
    heading: str,
    chart_title: str,
    members: Sequence[tuple[str, str]],
    note: str | None,
) -> str:
    indicators = [indicator for indicator, _ in members]
    years = years_of(ctx, programme, indicators)
    if years:
        series = [Series(i, ctx.title(i), color) for i, color in members]
        groups = [Group(year, ctx.period(indicators, year)) for year in years]
        cells = {
            (year, i): ctx.table.cell(i, year, programme, ALL) for year in years for i in indicators
        }
        kind = ctx.kind(indicators[0])
        marks = ctx.marks(cells, lambda key: key[1])
        content = figure(
            ctx, f"{anchor}-{heading}", ui(chart_title), groups, series, cells, kind, marks
        )
    else:
        content = no_data()
    note_html = tag("p", ui(note), "note") if note else ""
    return f'<div class="block">{tag("h3", ui(heading))}{content}{note_html}</div>'


def municipality_table(ctx: Context, programme: str) -> str:
    """Each column in its indicator's latest complete year; no column or row without a figure."""
    codes = ctx.table.municipalities(programme, MUNICIPALITY_COLUMNS)
    candidates = [
        (indicator, year)
        for indicator in MUNICIPALITY_COLUMNS
        if (year := ctx.table.latest_year(indicator, programme))
    ]
    columns = [
        (i, y) for i, y in candidates if any(_shown(ctx.table.cell(i, y, programme, c))
                                             for c in [*codes, ALL])
    ]
    codes = {c for c in codes if any(_shown(ctx.table.cell(i, y, programme, c)) for i, y in columns)}
    if not columns or not codes:
        return ""
    ordered = sorted(codes, key=lambda c: (danish_order(ctx.municipality_names.get(c, c)), c))
    head = "".join(
        f'<th scope="col">{tag("span", ctx.title(i))} '
        f'{tag("span", Text.same("(") + ctx.period([i], y) + ")", "year")}</th>'
        for i, y in columns
    )
    decimals = {i: column_decimals(ctx, programme, i, y, ordered) for i, y in columns}
    rows = [
        municipality_row(
            ctx,
            programme,
            code,
            Text.same(ctx.municipality_names.get(code, code)),
            columns,
            decimals,
        )
        for code in ordered
    ]
    rows.append(
        municipality_row(ctx, programme, ALL, ui("all_municipalities"), columns, decimals, "total")
    )
    return (
        f'<div class="block">{tag("h3", ui("municipalities"))}<div class="table-wrap">'
        f'<table class="municipalities"><thead><tr>'
        f'<th scope="col">{tag("span", ui("municipality"))}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></div>"
    )


def _shown(cell: Cell | None) -> bool:
    """Whether a cell puts anything but `–` on the page (a value or a hidden mark)."""
    return cell is not None and (cell.value is not None or cell.suppressed)


DANISH_LETTERS = str.maketrans({"æ": "{", "ø": "|", "å": "}"})


def danish_order(name: str) -> str:
    """Sort key putting æ, ø, å after z, as a Danish reader expects (Ærø after Vejen)."""
    return name.lower().translate(DANISH_LETTERS)


def column_decimals(ctx: Context, programme: str, indicator: str, year: str, codes) -> int:
    cells = [ctx.table.cell(indicator, year, programme, c) for c in [*codes, ALL]]
    return decimals_for(ctx.kind(indicator), [c.value for c in cells if c and c.value is not None])


def municipality_row(ctx, programme, code, name: Text, columns, decimals, cls="") -> str:
    cells = "".join(
        f"<td>{ctx.number(i, ctx.cell(i, y, programme, code), decimals[i])}</td>"
        for i, y in columns
    )
    class_attr = f' class="{cls}"' if cls else ""
    return f'<tr{class_attr}><th scope="row">{tag("span", name)}</th>{cells}</tr>'


def activity_table(ctx: Context, programme: str) -> str:
    activity = ctx.activity_ids()
    quarters = [t for t in ctx.table.periods(activity, programme) if QUARTER.match(t)]
    quarters = quarters[-MAX_QUARTERS:]
    if not quarters:
        return ""
    head = "".join(f'<th scope="col">{tag("span", ctx.period(activity, q))}</th>' for q in quarters)
    rows = "".join(
        f'<tr><th scope="row">{tag("span", ctx.title(i))}</th>'
        + "".join(
            f"<td>{ctx.number(i, ctx.cell(i, q, programme), 0, 'count')}</td>"
            for q in quarters
        )
        + "</tr>"
        for i in activity
        if any(ctx.table.cell(i, q, programme, ALL) is not None for q in quarters)
    )
    return (
        f'<div class="block">{tag("h3", ui("activity"))}<div class="table-wrap">'
        f'<table class="activity"><thead><tr><th scope="col"></th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></div>"
    )


def definitions(ctx: Context, indicator_ids: Sequence[str]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{tag("span", ctx.title(i))}<code>{escape(i)}</code></th>'
        f"<td>{tag('span', definition(ctx.catalogue.get(i, {})))}</td></tr>"
        for i in indicator_ids
    )
    return (
        f'<section id="definitions" class="definitions"><details>'
        f"{tag('summary', ui('definitions'))}<table>{rows}</table></details></section>"
    )
