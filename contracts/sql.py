"""SQL text: the one quoting function for names, and how values reach SQL without being quoted.

What is what (the decision of issue 13):
- *values* come from outside the code: file paths and names, run ids, sources, dates, settings,
  keys. They reach DuckDB as bound parameters (`?`, `$name`), PostgreSQL through psycopg's
  parameters. Where DuckDB cannot prepare the statement (CREATE VIEW) or the SQL is text built
  in pieces and run later (a reader call that several queries embed), `variable` binds the
  value to a session variable as a parameter and the SQL reads it with `getvariable`.
  The one exception is ATTACH, which takes neither: its path goes through `literal`.
- *names* (schemas, tables, columns) from outside the code (a delivered file's header, a
  catalog's or dbt's relation names) are written into SQL through `ident` (PostgreSQL:
  `psycopg.sql.Identifier`). Names the code itself spells (its schemas, the contracts' datasets
  and columns, which are lower-case Python identifiers, tests/unit/test_sammen_sql.py) may stand
  bare, as they read.
- *constants* generated from the contracts or the code (enum lists, formats, rule descriptions
  in check queries) are written into SQL through `literal`; they are not values.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb

_variables = itertools.count()


def ident(*parts: str) -> str:
    """A (dotted) SQL name, each part double-quoted: `ident("marts", "cohort")` → "marts"."cohort"."""
    return ".".join('"' + str(part).replace('"', '""') + '"' for part in parts)


def literal(text: str | Path | None) -> str:
    """A constant of the code or the contracts (or ATTACH's path) as an SQL string literal."""
    return "null" if text is None else "'" + str(text).replace("'", "''") + "'"


def variable(con: duckdb.DuckDBPyConnection, value: object, prefix: str = "value") -> str:
    """Bind `value` (as a parameter) to a fresh session variable of `con`; the SQL that reads it."""
    name = f"sammen_{prefix}_{next(_variables)}"
    con.execute(f"set variable {name} = ?", [str(value) if isinstance(value, Path) else value])
    return f"getvariable('{name}')"
