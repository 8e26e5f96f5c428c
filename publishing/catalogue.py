"""The indicator catalogue (`publishing/catalogue.yaml`): the one place an indicator is defined.

Disclosure control, the published files and the report read ids, units, kinds and families from
here; the dbt model `marts.indicators` computes exactly these ids: transform hands them to dbt
(var `indicators`), which refuses to compile when its recipes and the catalogue differ.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.settings import INDICATOR_CATALOGUE

CATALOGUE_PATH = INDICATOR_CATALOGUE


class IndicatorSpec(BaseModel):
    """One indicator as the catalogue describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="indicator_id in every table")
    title_en: str = Field(min_length=1)
    title_da: str = Field(min_length=1)
    unit: Literal["count", "share", "rate", "mean"]
    decimals: int = Field(
        ge=0, le=4, description="decimals boards see; of the percentage for a share (44.8 %)"
    )
    kind: Literal["activity", "cohort"] = Field(
        description="activity: period = calendar quarter; cohort: period = enrolment year"
    )
    theme: str = Field(description="the sheet of indicators.xlsx (Catalogue.themes)")
    person_level: bool = Field(description="false: n_persons null and never suppressed")
    family: str | None = Field(
        default=None, description="shared population: suppression spreads to every member"
    )
    definition: str = Field(min_length=1)
    definition_da: str = Field(min_length=1)
    numerator: str = Field(min_length=1)
    denominator: str | None
    n_persons: str = Field(min_length=1)

    @model_validator(mode="after")
    def _counts_have_no_denominator(self) -> IndicatorSpec:
        # outcomes.md: "Counts: value = numerator = the count, denominator null."
        if (self.unit == "count") != (self.denominator is None):
            raise ValueError(f"{self.id}: a count has no denominator and only a count lacks one")
        return self

    @property
    def counts_persons(self) -> bool:
        """A count of persons (or of their enrolments): the only cells a `<5` mark may describe.

        A share, rate or mean hidden by disclosure control is not "under 5" of anything, and a
        count hidden only to protect another cell may hold any number, so boards read "<5" only
        for a primary suppression of such a count (`publishing.board.hidden_mark`)."""
        return counts_persons(self.unit, self.person_level)


def counts_persons(unit: str, person_level: bool) -> bool:
    """A person-level count: the number of persons (or of their enrolments) in the cell."""
    return unit == "count" and person_level


class Theme(BaseModel):
    """A group of indicators read together: one sheet of indicators.xlsx."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title_da: str = Field(min_length=1, max_length=31)  # an Excel sheet name: at most 31 characters
    title_en: str = Field(min_length=1, max_length=31)


class Catalogue(BaseModel):
    """The whole catalogue, in file order (the order tables and the report list indicators)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    themes: tuple[Theme, ...]
    indicators: tuple[IndicatorSpec, ...]

    @model_validator(mode="after")
    def _ids_unique(self) -> Catalogue:
        ids = [spec.id for spec in self.indicators]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"indicator id(s) listed twice: {', '.join(duplicates)}")
        unknown = sorted({s.theme for s in self.indicators} - {t.id for t in self.themes})
        if unknown:
            raise ValueError(f"theme(s) not listed under `themes`: {', '.join(unknown)}")
        return self

    def members(self, theme: str) -> tuple[IndicatorSpec, ...]:
        """The indicators of a theme, in catalogue order."""
        return tuple(spec for spec in self.indicators if spec.theme == theme)

    @cached_property
    def by_id(self) -> dict[str, IndicatorSpec]:
        return {spec.id: spec for spec in self.indicators}

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(spec.id for spec in self.indicators)

    def families(self) -> dict[str, tuple[str, ...]]:
        """Family name -> member ids (shared populations, disclosure control rule (b))."""
        found: dict[str, list[str]] = {}
        for spec in self.indicators:
            if spec.family:
                found.setdefault(spec.family, []).append(spec.id)
        return {name: tuple(members) for name, members in found.items()}


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read and validate the catalogue; a broken file fails with its path and the field at fault."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Catalogue.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ValueError(f"indicator catalogue {path}: {error}") from error
