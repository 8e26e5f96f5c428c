"""Reference lists the contracts check against: municipalities, regions, the programme catalogue."""

from __future__ import annotations

import csv
import os
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

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


@cache
def _programmes(path: Path) -> tuple[dict[str, str], ...]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("programmes") or []
    codes = [entry.get("code") for entry in entries]
    if not codes or not all(isinstance(code, str) and code for code in codes):
        raise ValueError(f"{path}: programme catalogue needs a list 'programmes' of entries with 'code'")
    return tuple(entries)


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
