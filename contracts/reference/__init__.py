"""Reference lists the contracts check against: municipalities, regions, the programme catalogue."""

from __future__ import annotations

import csv
import os
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MUNICIPALITIES_CSV = Path(str(resources.files(__name__) / "municipalities.csv"))
DEFAULT_PROGRAMMES_YAML = Path(str(resources.files(__name__) / "programmes.yaml"))

# extracts.md, admissions.region_code
REGIONS: dict[int, str] = {
    1081: "Nordjylland",
    1082: "Midtjylland",
    1083: "Syddanmark",
    1084: "Hovedstaden",
    1085: "Sjælland",
}


@cache
def municipalities() -> dict[int, str]:
    """The 98 official municipality codes and names."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        return {int(row["municipality_code"]): row["name"] for row in csv.DictReader(handle)}


def programmes_file(home_config: Path | None = None) -> Path:
    """The catalogue in force: SAMMEN_PROGRAMMES_FILE, else DIR/config/programmes.yaml, else default."""
    if env := os.environ.get("SAMMEN_PROGRAMMES_FILE"):
        return Path(env)
    if home_config is not None and (home_config / "programmes.yaml").exists():
        return home_config / "programmes.yaml"
    return DEFAULT_PROGRAMMES_YAML


class Programme(BaseModel):
    """One entry of the programme catalogue. Keys beyond these are kept as written."""

    model_config = ConfigDict(extra="allow", frozen=True)
    code: str = Field(min_length=1)
    title_en: str | None = None
    title_da: str | None = None
    description: str | None = None


class ProgrammeCatalogue(BaseModel):
    """programmes.yaml: a non-empty list `programmes` of entries with distinct codes (decision:
    a code twice is refused, as the catalogue's order and titles would be ambiguous)."""

    programmes: list[Programme] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_codes(self) -> ProgrammeCatalogue:
        codes = [entry.code for entry in self.programmes]
        if twice := sorted({code for code in codes if codes.count(code) > 1}):
            raise ValueError(f"code {', '.join(twice)} appears more than once")
        return self


@cache
def _programmes(path: Path) -> tuple[dict[str, str], ...]:
    try:
        catalogue = ProgrammeCatalogue.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except ValidationError as error:
        where = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in error.errors())
        raise ValueError(f"{path}: programme catalogue needs a list 'programmes' of entries with 'code' ({where})") from None
    return tuple(entry.model_dump(exclude_none=True) for entry in catalogue.programmes)


def programmes(home_config: Path | None = None) -> tuple[dict[str, str], ...]:
    return _programmes(programmes_file(home_config))


def programme_codes(home_config: Path | None = None) -> frozenset[str]:
    return frozenset(entry["code"] for entry in programmes(home_config))


def municipality_codes() -> frozenset[int]:
    return frozenset(municipalities())


def region_codes() -> frozenset[int]:
    return frozenset(REGIONS)


def allowed_values(reference: str, home_config: Path | None = None) -> frozenset:
    """The allowed values of a reference list by name (used by derived checks)."""
    lookup = {
        "municipalities": municipality_codes,
        "regions": region_codes,
        "programmes": lambda: programme_codes(home_config),
    }
    if reference not in lookup:
        raise KeyError(f"unknown reference list {reference!r}")
    return lookup[reference]()
