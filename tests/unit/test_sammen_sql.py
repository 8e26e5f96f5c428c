"""`contracts.sql`: names quoted by one function, values bound, never spliced into SQL text."""

from __future__ import annotations

import re

import duckdb
import pytest

from contracts import CONTRACTS, sql

AWKWARD = ["o'brien", 'a"b', "sp ace", "select", "æøå", "'; drop table t; --", '"";"']


@pytest.mark.parametrize("name", AWKWARD)
def test_ident_names_any_table_and_column(name):
    with duckdb.connect() as con:
        con.execute(f"create schema {sql.ident(name)}")
        con.execute(f"create table {sql.ident(name, name)} ({sql.ident(name)} varchar)")
        con.execute(f"insert into {sql.ident(name, name)} values (?)", [name])
        assert con.execute(f"select {sql.ident(name)} from {sql.ident(name, name)}").fetchall() == [(name,)]
        assert con.execute("select table_schema, table_name from information_schema.tables").fetchall() == [(name, name)]


@pytest.mark.parametrize("text", [*AWKWARD, ""])
def test_literal_is_the_text_itself(text):
    with duckdb.connect() as con:
        assert con.execute(f"select {sql.literal(text)}").fetchone()[0] == text
    assert sql.literal(None) == "null"


def test_variable_binds_a_path_for_sql_built_in_pieces(tmp_path):
    # GIVEN a CSV file whose folder has both quote characters
    folder = tmp_path / "o'brien" / 'a"b'
    folder.mkdir(parents=True)
    path = folder / "x'y.csv"
    path.write_text("a\n1\n2\n")
    with duckdb.connect() as con:
        # WHEN the reader call is text read later, even by a view (which cannot be prepared)
        call = f"read_csv({sql.variable(con, path, 'path')})"
        assert str(path) not in call and "'brien" not in call
        con.execute(f"create temp view v as select * from {call}")
        other = sql.variable(con, tmp_path / "other.csv", "path")
        # THEN it reads the file, and a second variable does not replace the first
        assert other != call and con.execute("select sum(a) from v").fetchone()[0] == 3


def test_the_names_the_code_spells_are_plain_sql_names():
    # the decision in contracts.sql: contract datasets and columns may stand bare in SQL
    plain = re.compile(r"[a-z_][a-z0-9_]*")
    for dataset, contract in CONTRACTS.items():
        assert plain.fullmatch(dataset)
        for column in contract.columns():
            assert plain.fullmatch(column.name), (dataset, column.name)
