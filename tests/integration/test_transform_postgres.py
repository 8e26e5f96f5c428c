"""The same dbt project on PostgreSQL gives the same marts as on DuckDB, row by row."""

from __future__ import annotations

import datetime as dt
import decimal
import os

import pytest
from helpers.warehouse import MARTS, demo_rows, read_marts, write_resolved

from sammen.home import Home
from sammen.progress import Progress
from sammen.settings import Settings
from transform import build, postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ONLY_OUTCOME_MARTS = ("path:models/marts/indicators", "test_type:unit")


@pytest.fixture(scope="module")
def both_targets(tmp_path_factory):
    database = f"sammen_test_{os.getpid()}"
    home = Home.at(tmp_path_factory.mktemp("pg")).ensure()
    write_resolved(home.warehouse, demo_rows(persons=40, seed=5))
    cutoff = dt.date(2025, 10, 15)
    for target in ("duckdb", "postgres"):
        build(home, Settings(), cutoff, Progress(quiet=True), target=target,
              postgres_database=database, exclude=ONLY_OUTCOME_MARTS, docs=False)
    yield home, database
    postgres.drop_database(database)


def _postgres_marts(database: str) -> dict[str, list[tuple]]:
    with postgres.connect(database) as connection:
        return {
            mart: sorted((tuple(_plain(v) for v in row) for row in
                          connection.execute(f"select * from marts.{mart}").fetchall()),
                         key=lambda row: tuple((v is None, str(v)) for v in row))
            for mart in MARTS
        }


def _plain(value: object) -> object:
    return float(value) if isinstance(value, decimal.Decimal) else value


def test_every_mart_row_is_the_same_on_duckdb_and_postgres(both_targets):
    home, database = both_targets
    on_duckdb, on_postgres = read_marts(home.warehouse), _postgres_marts(database)
    for mart in MARTS:
        assert len(on_duckdb[mart]) > 0, mart
        assert on_postgres[mart] == on_duckdb[mart], mart
