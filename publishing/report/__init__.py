"""The board report: one self-contained HTML file built from the published indicator table.

`render(indicators, catalogue, run_info)` returns the page as a string; `publishing.publish`
writes it to `DIR/published/report.html`. The page needs nothing at view time: CSS, the few
lines of script (language switch) and the charts (SVG drawn in Python) are inline, and a
Content-Security-Policy forbids the browser any other load.

Inputs:
- `indicators`: the DISCLOSURE-CONTROLLED table (outcomes.md "Indicators": indicator_id,
  period, programme, municipality, numerator, denominator, value, n_persons, suppressed,
  suppression_reason; carried_from when the release guard held a cell). The report shows only
  its cells; suppressed ones read `<5` when a small count of persons, else `skjult`
  (`publishing.marks`), carried ones their earlier value marked `† R0003`; with
  `period_complete`, unfinished periods are marked `*` and headlines use finished ones.
- `catalogue`: the parsed catalogue YAML (a list of entries with id, title_en, title_da, unit,
  definition; also accepted: `{"indicators": [...]}` or `{id: entry}`).
- `run_info`: run_id, cutoff, pipeline_version (or version), generated_at; optional
  disclosure_threshold (default `core.settings.MIN_DISCLOSURE_THRESHOLD`, 5: small counts then read `<5`, with a higher threshold
  `<k`), programmes (list of programme catalogue entries, default: the catalogue in force) and
  municipalities (code -> name, default: the 98 official ones).

Decisions where the issue is silent: headline figures show each indicator's latest complete
cohort year that has a cell (the latest unfinished one, marked, only when none has finished);
the municipality table does the same per column and prints the year in the header; a missing
cell reads `–`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from functools import cache
from html import escape
from importlib import resources
from string import Template
from typing import Any

import pandas as pd

from core.settings import MIN_DISCLOSURE_THRESHOLD
from publishing.report.data import (
    Indicators,
    catalogue_entries,
    municipality_names,
    programme_names,
)
from publishing.report.i18n import Text, format_date, ui
from publishing.report.page import (
    Context,
    definitions,
    legend,
    programme_section,
    slug,
    tag,
)

__all__ = ["render"]


@cache
def _asset(name: str) -> str:
    return (resources.files(__name__) / name).read_text(encoding="utf-8")


def render(indicators: pd.DataFrame, catalogue: Any, run_info: Mapping[str, Any]) -> str:
    """The report page as one HTML string (Danish by default, with an English switch)."""
    table = Indicators(indicators)
    entries = catalogue_entries(catalogue)
    threshold = int(run_info.get("disclosure_threshold") or MIN_DISCLOSURE_THRESHOLD)
    ctx = Context(
        table=table,
        catalogue=entries,
        municipality_names=municipality_names(run_info),
        threshold=threshold,
    )
    programmes = _programmes(table, run_info)
    sections = [programme_section(ctx, code, name) for code, name in programmes]
    script = _asset("report.js")
    shown_ids = list(entries) or sorted({i for i, *_ in table.keys()})
    return Template(_asset("page.html")).substitute(
        csp=_csp(script),
        version=escape(str(_version(run_info))),
        title=tag("title", ui("title")),
        css=_asset("report.css"),
        heading=tag("h1", ui("title")),
        meta=_meta(run_info),
        button=tag(
            "button",
            ui("switch"),
            extra=' id="lang-toggle" type="button" lang="en" aria-pressed="false"',
        ),
        how_to_read=tag("h2", ui("how_to_read"))
        + tag("p", ui("how_to_read_text"))
        + legend(threshold),
        contents=tag("h2", ui("contents")) + _contents(programmes),
        sections="\n".join(sections),
        definitions=definitions(ctx, shown_ids),
        footer=tag("p", ui("footer")) + "<p>" + tag("a", ui("methods"), extra=' href="methods.md"') + "</p>",
        js=script,
    )


def _programmes(table: Indicators, run_info: Mapping[str, Any]) -> list[tuple[str, Text]]:
    """`all` first, then the catalogue's order, then codes the catalogue does not know."""
    order, names = programme_names(run_info)
    present = table.programmes()
    known = [code for code in order if code in present]
    unknown = sorted(present - set(order))
    listed = [("all", ui("all_programmes"))]
    listed += [(code, names.get(code, Text.same(code))) for code in [*known, *unknown]]
    return listed


def _contents(programmes: list[tuple[str, Text]]) -> str:
    items = "".join(
        f'<li><a href="#p-{slug(code)}">{tag("span", name)}</a></li>' for code, name in programmes
    )
    return f"<ul>{items}</ul>"


def _version(run_info: Mapping[str, Any]) -> str:
    return str(run_info.get("pipeline_version") or run_info.get("version") or "")


def _meta(run_info: Mapping[str, Any]) -> str:
    parts = [ui("data_until").format(cutoff=format_date(run_info.get("cutoff")))]
    if run_info.get("release_id"):
        parts.append(ui("release").format(release_id=str(run_info["release_id"])))
    if run_info.get("run_id"):
        parts.append(ui("run").format(run_id=str(run_info["run_id"])))
    if _version(run_info):
        parts.append(ui("version").format(version=_version(run_info)))
    if run_info.get("generated_at"):
        parts.append(ui("generated").format(when=format_date(run_info["generated_at"])))
    return "".join(tag("span", part) for part in parts)


def _csp(script: str) -> str:
    """Nothing may load: no network, no other file; only this page's own style and script."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; img-src data:; base-uri 'none'; form-action 'none'"
    )
