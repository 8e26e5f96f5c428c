"""The methods handbook (`docs/methods.md`): how to read every published figure.

Written by hand, except its indicator section, which is generated from the catalogue
(`publishing/catalogue.yaml`, the one place an indicator's meaning is written) between the
`BEGIN`/`END` markers: `sammen methods` rewrites it, and a test fails when the committed handbook
differs from what the catalogue generates.

Where the handbook is found: `publishing/methods.md` is a symbolic link to `../docs/methods.md` in
the checkout; building the wheel copies the file it points to into the package (package data,
pyproject.toml), so an installed sammen publishes the same handbook (`published/methods.md`)
without a checkout.
"""

from __future__ import annotations

from pathlib import Path

from publishing.catalogue import Catalogue, IndicatorSpec, load_catalogue

METHODS_PATH = Path(__file__).with_name("methods.md")
BEGIN = (
    "<!-- BEGIN indicators: generated from publishing/catalogue.yaml by `sammen methods`; "
    "do not edit by hand -->"
)
END = "<!-- END indicators -->"

_UNITS = {
    "count": "count (antal): value = numerator, no denominator",
    "share": "share (andel): a fraction 0..1, numerator / denominator",
    "rate": "rate (rate): events per person-year, numerator / denominator",
    "mean": "mean (gennemsnit): sum of the values / how many",
}
_PERIODS = {
    "activity": "calendar quarter of the activity (`2026-Q1`)",
    "cohort": "enrolment year (`2025`), over that year's enrolments",
}


def indicator_section(catalogue: Catalogue) -> str:
    """The generated part of the handbook: an overview table, then one entry per indicator."""
    lines = [
        BEGIN,
        "",
        f"Catalogue version {catalogue.version}, {len(catalogue.indicators)} indicators, in the "
        "order every table and the report list them.",
        "",
        "| id | titel (dansk) | title (English) | unit | period |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| [`{spec.id}`](#{spec.id}) | {spec.title_da} | {spec.title_en} | {spec.unit} | "
        f"{'quarter' if spec.kind == 'activity' else 'enrolment year'} |"
        for spec in catalogue.indicators
    ]
    for spec in catalogue.indicators:
        lines += ["", *_entry(spec, catalogue)]
    return "\n".join([*lines, "", END])


def _entry(spec: IndicatorSpec, catalogue: Catalogue) -> list[str]:
    family = catalogue.families().get(spec.family or "", ())
    shares = (
        f"`{spec.family}`: hidden together with {', '.join(f'`{m}`' for m in family if m != spec.id)}"
        if spec.family else "none"
    )
    protected = ("yes: hidden below the threshold (see [Disclosure control](#disclosure-control))"
                 if spec.person_level else "no: not a count of persons, never hidden")
    return [
        f'<a id="{spec.id}"></a>',
        "",
        f"### `{spec.id}`: {spec.title_da} / {spec.title_en}",
        "",
        "| | |",
        "|---|---|",
        f"| unit / enhed | {_UNITS[spec.unit]} |",
        f"| period / periode | {_PERIODS[spec.kind]} |",
        f"| numerator / tæller | {spec.numerator} |",
        f"| denominator / nævner | {spec.denominator or '(none: a count)'} |",
        f"| n_persons | {spec.n_persons} |",
        f"| person-level / personniveau | {protected} |",
        f"| shared population / fælles population | {shares} |",
        "",
        f"**Definition.** {spec.definition}",
        "",
        f"**Definition (dansk).** {spec.definition_da}",
    ]


def refreshed(handbook: str, catalogue: Catalogue) -> str:
    """`handbook` with its indicator section generated anew from `catalogue`."""
    start, end = handbook.find(BEGIN), handbook.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the handbook has no indicator section between {BEGIN!r} and {END!r}")
    return handbook[:start] + indicator_section(catalogue) + handbook[end + len(END):]


def write_indicator_section(path: Path = METHODS_PATH) -> bool:
    """Regenerate the indicator section of the handbook at `path`; whether it changed."""
    before = path.read_text(encoding="utf-8")
    after = refreshed(before, load_catalogue())
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before
