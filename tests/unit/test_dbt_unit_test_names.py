"""Every dbt unit test builds a relation named after it (dbt-core's unit-test parser gives the
test node `alias=name`; the materialization then creates `this` and a temp relation from it), and
dbt-postgres refuses an identifier longer than PostgreSQL's 63 characters ("Relation name ... is
longer than 63 characters"). The temp relation's suffix (`__dbt_tmp` + time) is fitted by
truncating the base name, so the unit test's own name is what must fit."""

from __future__ import annotations

from pathlib import Path

import yaml
from dbt.adapters.postgres.relation import MAX_CHARACTERS_IN_IDENTIFIER

from core.settings import DBT_PROJECT_DIR


def _unit_tests() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(Path(DBT_PROJECT_DIR).rglob("*.yml")):
        if "target" in path.parts or "dbt_packages" in path.parts:
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found += [(test["name"], path) for test in document.get("unit_tests") or []]
    return found


def test_the_project_has_unit_tests():
    assert len(_unit_tests()) > 20


def test_every_unit_test_name_fits_a_postgres_identifier():
    # GIVEN every unit test of the dbt project, WHEN its relation name is built, THEN it fits
    too_long = [f"{path.name}: {name} ({len(name)})" for name, path in _unit_tests()
                if len(name) > MAX_CHARACTERS_IN_IDENTIFIER]
    assert MAX_CHARACTERS_IN_IDENTIFIER == 63
    assert not too_long, "\n".join(too_long)
