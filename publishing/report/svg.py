"""Grouped bar charts as inline SVG, drawn in Python (no library, no script, no network).

One function, `bar_chart`, serves every chart of the report: groups along the x axis (cohort
years), one bar per series in each group (before/after, 3/6/12 months, ...). A suppressed cell
is drawn as a dashed empty bar marked `<5`; a missing cell as an en dash on the baseline, so a
reader never mistakes a hidden figure for zero. Values may be negative (well-being change): the
axis then spans zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from publishing.marks import HIDDEN
from publishing.report.data import Cell
from publishing.report.i18n import MISSING, Text, decimals_for, format_kind

WIDE, NARROW, HEIGHT = 520, 360, 250
LEFT, RIGHT, TOP, BOTTOM = 46, 8, 22, 42
PLACEHOLDER = 22  # height of the dashed box standing for a suppressed bar


@dataclass(frozen=True)
class Series:
    key: str
    label: Text
    color: str


@dataclass(frozen=True)
class Group:
    key: str
    label: Text
    sublabel: Text | None = None


def text_attrs(text: Text) -> str:
    """The `data-da`/`data-en` pair the language switch reads (none when both are equal)."""
    if text.da == text.en:
        return ""
    return f' data-da="{escape(text.da)}" data-en="{escape(text.en)}"'


def svg_text(text: Text, x: float, y: float, cls: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}"'
        f"{text_attrs(text)}>{escape(text.da)}</text>"
    )


def bar_chart(
    *,
    chart_id: str,
    title: Text,
    groups: Sequence[Group],
    series: Sequence[Series],
    cells: Mapping[tuple[str, str], Cell | None],
    kind: str,
    marks: Mapping[tuple[str, str], Text],
    width: int = WIDE,
) -> str:
    """An accessible SVG: `role="img"`, a `<title>`, and a `<title>` tooltip on every bar."""
    values = [c.value for c in cells.values() if c is not None and c.value is not None]
    decimals = decimals_for(kind, values)
    low, high, ticks = _scale(kind, values)
    plot_h = HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {HEIGHT}"'
        f' role="img" aria-labelledby="{escape(chart_id)}-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(chart_id)}-title"{text_attrs(title)}>{escape(title.da)}</title>',
    ]
    parts += _axis(ticks, y_of, kind, width)
    group_w = (width - LEFT - RIGHT) / max(len(groups), 1)
    bar_w = min(44.0, group_w * 0.78 / max(len(series), 1))
    label_class = _label_class(bar_w, [format_kind(v, kind, decimals).da for v in values])
    for g_index, group in enumerate(groups):
        center = LEFT + group_w * (g_index + 0.5)
        first = center - bar_w * len(series) / 2
        for s_index, one in enumerate(series):
            x = first + s_index * bar_w
            key = (group.key, one.key)
            parts.append(
                _bar(cells.get(key), x, bar_w, y_of, kind, decimals, one, group, marks.get(key),
                     label_class)
            )
        parts.append(svg_text(group.label, center, HEIGHT - BOTTOM + 17, "group"))
        if group.sublabel is not None:
            parts.append(svg_text(group.sublabel, center, HEIGHT - BOTTOM + 33, "sub"))
    parts.append(
        f'<line class="baseline" x1="{LEFT}" x2="{width - RIGHT}"'
        f' y1="{y_of(0):.1f}" y2="{y_of(0):.1f}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _bar(
    cell: Cell | None,
    x: float,
    width: float,
    y_of,
    kind: str,
    decimals: int,
    series: Series,
    group: Group,
    mark: Text | None,
    label_class: str,
) -> str:
    mid = x + width / 2
    zero = y_of(0)
    tip = series.label + " \u00b7 " + group.label + ": "
    if cell is None or (cell.value is None and not cell.suppressed):
        label = Text.same(MISSING)
        return f'<g class="cell missing">{svg_text(label, mid, zero - 5, "value")}</g>'
    if cell.suppressed:
        mark = mark or Text(HIDDEN["da"], HIDDEN["en"])
        return (
            f'<g class="cell suppressed"><title{text_attrs(tip + mark)}>{escape((tip + mark).da)}'
            f'</title><rect class="hidden-bar" x="{x + 2:.1f}" y="{zero - PLACEHOLDER:.1f}"'
            f' width="{width - 4:.1f}" height="{PLACEHOLDER}" stroke="{series.color}"/>'
            f"{svg_text(mark, mid, zero - PLACEHOLDER - 5, 'value')}</g>"
        )
    value = cell.value
    assert value is not None  # an empty cell returned above, a suppressed one too
    top, bottom = sorted((y_of(value), zero))
    label = format_kind(value, kind, decimals)
    label_y = top - 5 if value >= 0 else bottom + 13
    height = max(bottom - top, 0.8)  # a zero still shows as a hairline bar
    return (
        f'<g class="cell"><title{text_attrs(tip + label)}>{escape((tip + label).da)}</title>'
        f'<rect class="bar" x="{x + 2:.1f}" y="{top:.1f}" width="{width - 4:.1f}"'
        f' height="{height:.1f}" fill="{series.color}"/>'
        f"{svg_text(label, mid, label_y, label_class)}</g>"
    )


def _label_class(bar_width: float, labels: Sequence[str]) -> str:
    """Value labels at 11 px, 9.5 px when bars are narrow, hidden (tooltip only) when even
    those would run into the next bar. Suppression marks are short and always shown."""
    longest = max((len(label) for label in labels), default=0)
    for cls, size in (("value", 11.0), ("value small", 9.5)):
        if longest * size * 0.6 <= bar_width + 2:
            return cls
    return "value hidden"


def _axis(ticks: Sequence[float], y_of, kind: str, width: int) -> list[str]:
    parts = []
    tick_decimals = 0 if kind == "share" else _tick_decimals(ticks)
    for tick in ticks:
        y = y_of(tick)
        label = format_kind(tick, "rate" if kind == "mean" else kind, tick_decimals)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(svg_text(label, LEFT - 6, y + 4, "tick", anchor="end"))
    return parts


def _tick_decimals(ticks: Sequence[float]) -> int:
    """The fewest decimals that write every tick exactly (0.25 needs two, 0.5 one)."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    return next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 4)


def _scale(kind: str, values: Sequence[float]) -> tuple[float, float, list[float]]:
    """Axis range and ticks: 0-100 % for shares, a rounded span including zero otherwise."""
    if kind == "share":
        return 0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0]
    low = min([0.0, *values])
    high = max([0.0, *values])
    if high == low:
        high = 1.0
    step = _nice_step((high - low) / 4)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    # room for the value labels above the tallest bar and below the deepest one
    if max([0.0, *values]) > high - step * 0.25:
        high += step
    if min([0.0, *values]) < low + step * 0.35:
        low -= step if low < 0 else 0.0
    count = round((high - low) / step)
    return low, high, [low + i * step for i in range(count + 1)]


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
