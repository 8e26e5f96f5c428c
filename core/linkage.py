"""The linkage key: HMAC-SHA256 (RFC 2104) as 64 lower-case hex, one implementation for all.

`sammen pseudonymise` (partners' CPR numbers → person_key) and `sammen synth` (fake numbers →
synthetic person_key) both register `hmac_function` on their DuckDB connection and call it in
SQL, so the key is computed in bulk (one call per Arrow batch of DuckDB's vectors) by Python's
`hmac` (OpenSSL), not rebuilt by hand from ipad/opad.

Decisions:
- the message is the value's UTF-8 bytes; a NULL gives NULL;
- the key is bound into the function, never written into SQL text or a parameter;
- keys longer than SHA-256's 64-byte block are hashed first, as RFC 2104 says. The SQL
  version used until December 2026 did so in `pseudonymise` but refused them in `synth`;
  for keys of at most 64 bytes every key is byte for byte what it was.
Throughput against that SQL version: docs/benchmarks.md ("Linkage key"), `python -m bench.linkage`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

import duckdb
import pyarrow as pa
from duckdb.func import PythonUDFType

FUNCTION = "sammen_person_key"


def hmac_hex(key: bytes) -> Callable[[pa.Array], pa.Array]:
    """A function of an Arrow string array: the HMAC-SHA256 hex of each value under `key`."""
    start = hmac.new(key, digestmod="sha256")  # the key's pads, computed once

    def one(message: bytes | None) -> str | None:
        if message is None:
            return None
        mac = start.copy()
        mac.update(message)
        return mac.hexdigest()

    def batch(values: pa.Array) -> pa.Array:
        # VARCHAR is UTF-8: as binary, the values are the message bytes without a copy
        return pa.array(list(map(one, values.cast(pa.binary()).to_pylist())), pa.string())

    return batch


def register(con: duckdb.DuckDBPyConnection, key: bytes) -> str:
    """Make `FUNCTION(varchar) -> varchar` (HMAC-SHA256 hex under `key`) callable on `con`."""
    con.create_function(FUNCTION, hmac_hex(key), [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"), type=PythonUDFType.ARROW)
    return FUNCTION
