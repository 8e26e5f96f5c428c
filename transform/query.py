"""`sammen query`: read-only SQL against the marts for evaluators.

The warehouse is opened read-only, with `marts` first on the search path; any write fails with a
clear message instead of touching the warehouse. File access is switched off and the
configuration locked: `COPY ... TO`, `ATTACH`, `INSTALL` or `read_csv` would otherwise let one
statement write person-level rows to a file outside the warehouse or read other files.
"""

from __future__ import annotations

import duckdb

from sammen.home import Home
from transform.runner import redact


class QueryError(RuntimeError):
    pass


_LOCKED_DOWN = {"enable_external_access": False, "lock_configuration": True}
_REFUSED = (
    "sammen query is read-only: only reading queries (SELECT ...) against the marts are allowed "
    "(no writes, no files); the warehouse was not changed"
)


def run_query(home: Home, statement: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one read-only statement."""
    if not home.warehouse.exists():
        raise QueryError(f"no warehouse at {home.warehouse}: run `sammen run` first")
    try:
        connection = duckdb.connect(str(home.warehouse), read_only=True, config=_LOCKED_DOWN)
    except duckdb.IOException as error:
        raise QueryError(
            "the warehouse is busy (a build is writing it); try again when it has finished"
        ) from error
    with connection:
        connection.execute("set search_path = 'marts'")
        try:
            cursor = connection.execute(statement)
        except duckdb.PermissionException:
            raise QueryError(_REFUSED) from None
        except duckdb.Error as error:
            if "read-only" in str(error).lower() or "configuration has been locked" in str(error):
                raise QueryError(_REFUSED) from None
            # a database error may quote a row's value (a person_key): keep names, drop literals
            raise QueryError(f"query failed: {redact(error)}") from None
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """A plain aligned text table (NULL shown as empty)."""
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)]
    lines = ["  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)
