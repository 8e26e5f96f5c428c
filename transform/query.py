"""`sammen query`: read-only SQL against the marts for evaluators.

The warehouse is opened read-only, with `marts` first on the search path; any write fails with a
clear message instead of touching the warehouse.
"""

from __future__ import annotations

import duckdb

from sammen.home import Home


class QueryError(RuntimeError):
    pass


def run_query(home: Home, statement: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one read-only statement."""
    if not home.warehouse.exists():
        raise QueryError(f"no warehouse at {home.warehouse}: run `sammen run` first")
    try:
        connection = duckdb.connect(str(home.warehouse), read_only=True)
    except duckdb.IOException as error:
        raise QueryError(
            "the warehouse is busy (a build is writing it); try again when it has finished"
        ) from error
    with connection:
        connection.execute("set search_path = 'marts'")
        try:
            cursor = connection.execute(statement)
        except duckdb.Error as error:
            if "read-only" in str(error).lower():
                raise QueryError(
                    "sammen query is read-only: only reading queries (SELECT ...) against the "
                    "marts are allowed; the warehouse was not changed"
                ) from None
            raise QueryError(f"query failed: {error}") from None
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
