"""`sammen query`: the evaluators' door, which opens onto the marts only.

It opens `DIR/query/marts.duckdb` (written by transform.martsdb after each build: the public marts
and nothing else), never the warehouse, so it neither sees raw/resolved/ledger rows nor holds the
warehouse's lock: a long query never blocks the nightly writer, and keeps reading the file it
opened while a build swaps in a new one.

Locked down at connect, in layers:

1. one statement, of a whitelisted kind (SELECT, which covers DESCRIBE/SHOW/SUMMARIZE, or
   EXPLAIN); COPY, ATTACH, SET (and PRAGMA settings), CALL, INSTALL/LOAD, EXPORT and every write
   are refused before anything runs;
2. DuckDB itself: `read_only`, `enable_external_access = false` (no read_blob/read_csv/glob/
   COPY/ATTACH of any other path, no extension loading), `lock_configuration = true` (no SET can
   loosen it), no spilling to disk (`temp_directory = ''`), a memory limit and a thread count from
   Settings, and a time limit enforced by `connection.interrupt()` from a timer.

Errors are explained from a whitelist: the kind of error (from the DuckDB exception class) and a
fixed hint, plus those words of DuckDB's message that are names of the marts' tables, columns,
types or functions, or words the evaluator typed in the statement. Nothing else of the message is
shown, so a value that a failing cast, `error()` or string function would quote (a person_key, an
id) never reaches the terminal or a log. (Only a value identical to such a name could pass; a word
never starts with a digit, so no CPR number can.)
"""

from __future__ import annotations

import itertools
import re
import resource
import sys
import threading
from pathlib import Path

import duckdb

from core.home import Home
from core.settings import Settings


class QueryError(RuntimeError):
    pass


ALLOWED_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})

REFUSED = (
    "sammen query is read-only and reads the marts only: one SELECT (or DESCRIBE, SHOW, "
    "SUMMARIZE, EXPLAIN) statement at a time; writes, COPY, ATTACH, SET, PRAGMA settings, CALL, "
    "INSTALL/LOAD and EXPORT are refused. Nothing was run."
)
NO_FILES = (
    "sammen query is read-only and has no file access: only the marts' tables can be read "
    "(`show tables` lists them); no other file, database or extension can be opened."
)

# DuckDB exception class -> (kind of error, hint). Checked in order: subclasses before bases.
_EXPLAINED: tuple[tuple[type[duckdb.Error], str, str], ...] = (
    (duckdb.ConversionException, "conversion error",
     "a value could not be converted to the requested type; try_cast(...) gives NULL instead"),
    (duckdb.OutOfRangeException, "out of range",
     "a value or a result does not fit its type"),
    (duckdb.InvalidInputException, "invalid input",
     "a function could not handle one of its input values (error(), a format, a pattern, JSON)"),
    (duckdb.CatalogException, "unknown name",
     "no such table, column, function or type; `show tables` and `describe <mart>` list them"),
    (duckdb.BinderException, "binder error",
     "a name or a function's arguments do not fit the marts' tables and columns"),
    (duckdb.ParserException, "syntax error", "the statement is not valid SQL"),
    (duckdb.ProgrammingError, "statement error", "the statement could not be prepared"),
)

_BATCH_ROWS = 10_000
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def connect(home: Home, settings: Settings) -> duckdb.DuckDBPyConnection:
    """A locked-down, read-only connection to the marts-only database."""
    if not home.marts_db.exists():
        raise QueryError(
            f"no marts database at {home.marts_db}: run `sammen transform` (or `sammen run`) first"
        )
    config = {
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "temp_directory": "",  # a query that outgrows the memory limit fails; nothing on disk
        "memory_limit": settings.query_memory_limit,
        "threads": settings.query_threads,
        "lock_configuration": True,  # last: it freezes all of the above
    }
    try:
        return duckdb.connect(str(home.marts_db), read_only=True, config=config)
    except duckdb.Error as error:
        raise QueryError(
            f"could not open the marts database {home.marts_db} ({type(error).__name__}); "
            "`sammen transform` writes it anew"
        ) from None


def run_query(
    home: Home, statement: str, settings: Settings | None = None
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one read-only statement against the marts."""
    settings = settings or Settings()
    with connect(home, settings) as connection:
        _check_statement(connection, statement)
        return _run_with_limits(connection, statement, settings)


def cap_process_memory(settings: Settings) -> None:
    """For the `sammen query` process only: cap its heap at what it holds now plus twice the
    memory limit. DuckDB's memory_limit bounds its operators (sorts, joins, aggregates) but not
    the rows of a result it buffers for the client; past this cap an allocation fails and DuckDB
    reports it as out of memory (a clean error) instead of the process growing without bound."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = _data_bytes_in_use() + 2 * settings.query_memory_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft == resource.RLIM_INFINITY or cap < soft:
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


def _data_bytes_in_use() -> int:
    """VmData of this process (Linux), which is what RLIMIT_DATA counts."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def _check_statement(connection: duckdb.DuckDBPyConnection, statement: str) -> None:
    try:
        statements = connection.extract_statements(statement)
    except duckdb.Error as error:
        raise QueryError(_explain(connection, error, statement)) from None
    if len(statements) != 1:
        raise QueryError(f"{REFUSED} (got {len(statements)} statements)")
    kind = statements[0].type
    if kind not in ALLOWED_STATEMENTS:
        raise QueryError(f"{REFUSED} (this was a {kind.name} statement)")


def _run_with_limits(
    connection: duckdb.DuckDBPyConnection, statement: str, settings: Settings
) -> tuple[list[str], list[tuple]]:
    """Execute and fetch; a timer interrupts the connection at the time limit."""
    seconds = settings.query_timeout_seconds
    timer = threading.Timer(seconds, connection.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cursor = connection.execute(statement)
        columns = [d[0] for d in cursor.description] if cursor.description else []
        rows = _fetch(cursor, settings.query_memory_bytes) if columns else []
    except duckdb.InterruptException:
        raise QueryError(
            f"query stopped at the time limit of {seconds:g} s (SAMMEN_QUERY_TIMEOUT); "
            "narrow it down or aggregate first"
        ) from None
    except (duckdb.OutOfMemoryException, _ResultTooLarge):
        raise QueryError(
            f"query needs more memory than the limit of {settings.query_memory_limit} "
            "(SAMMEN_QUERY_MEMORY_LIMIT); narrow it down or aggregate first"
        ) from None
    except duckdb.PermissionException:
        raise QueryError(NO_FILES) from None
    except duckdb.Error as error:
        raise QueryError(_explain(connection, error, statement)) from None
    finally:
        timer.cancel()
        timer.join()  # an interrupt already under way ends before the connection closes
    return columns, rows


class _ResultTooLarge(Exception):
    pass


def _fetch(cursor: duckdb.DuckDBPyConnection, limit: int) -> list[tuple]:
    """All rows, in batches; DuckDB's memory limit does not cover the rows once they are Python
    objects, so their size counts against the same limit here (the process stays within about
    twice the limit)."""
    rows: list[tuple] = []
    held = 0
    while batch := cursor.fetchmany(_BATCH_ROWS):
        held += sys.getsizeof(batch) + sum(map(sys.getsizeof, itertools.chain(batch, *batch)))
        if held > limit:
            raise _ResultTooLarge
        rows += batch
    return rows


def _explain(connection: duckdb.DuckDBPyConnection, error: duckdb.Error, statement: str) -> str:
    """A whitelisted explanation: kind, hint, and the words of DuckDB's message that are names of
    the marts' tables or columns, type names (upper case, as DuckDB prints them), or words the
    evaluator typed in the statement (a mistyped identifier), SQL's reserved words excepted."""
    kind, hint = next(
        ((kind, hint) for cls, kind, hint in _EXPLAINED if isinstance(error, cls)),
        ("error", f"DuckDB refused the query ({type(error).__name__})"),
    )
    catalog, types, reserved = _vocabulary(connection)
    typed = {word.lower(): word for word in _WORD.findall(statement) if word.lower() not in reserved}
    message = str(error).split("\nLINE ")[0]  # not the statement DuckDB quotes back
    names = set()
    for word in _WORD.findall(message):
        if word.lower() in catalog:
            names.add(catalog[word.lower()])
        elif word in types or word.lower() in typed:
            names.add(types.get(word) or typed[word.lower()])
    mentioned = f" [DuckDB's message names: {', '.join(sorted(names))}]" if names else ""
    return f"query failed: {kind}: {hint}{mentioned} (values are never shown in errors)"


def _vocabulary(
    connection: duckdb.DuckDBPyConnection,
) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """The marts' table and column names (lower-cased -> name), DuckDB's type names (upper case),
    and SQL's reserved words: none of them is a row's value."""
    try:
        catalog = connection.execute(
            "select table_name from information_schema.tables "
            "union select column_name from information_schema.columns"
        ).fetchall()
        types = connection.execute("select distinct upper(type_name) from duckdb_types()").fetchall()
        reserved = connection.execute(
            "select keyword_name from duckdb_keywords() where keyword_category = 'reserved'"
        ).fetchall()
    except duckdb.Error:
        return {}, {}, set()
    return (
        {name.lower(): name for (name,) in catalog if _WORD.fullmatch(name)},
        {name: name for (name,) in types if _WORD.fullmatch(name)},
        {name.lower() for (name,) in reserved},
    )


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """A plain aligned text table (NULL shown as empty)."""
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)]
    lines = ["  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)
