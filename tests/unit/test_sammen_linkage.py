"""The linkage key (`core.linkage`): DuckDB's bulk function equals Python's `hmac.new` for any key."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import linkage
from synthetic.world import hmac_sha256_hex


def keys_in_duckdb(key: bytes, messages: list[str | None]) -> list[str | None]:
    table = pa.table({"i": pa.array(range(len(messages)), pa.int64()), "m": pa.array(messages, pa.string())})
    with duckdb.connect() as con:
        function = linkage.register(con, key)
        con.register("messages", table)
        return [row[0] for row in con.execute(f"select {function}(m) from messages order by i").fetchall()]


def expected(key: bytes, message: str | None) -> str | None:
    return None if message is None else hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.binary(min_size=0, max_size=200),
       messages=st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=12))
@example(key=b"", messages=["0101901234"])
@example(key=b"k" * 64, messages=["0101901234", "æøå ÆØÅ", ""])
@example(key=b"k" * 65, messages=["0101901234"])
@example(key=bytes(range(200)), messages=["0101901234", None])
def test_equals_python_hmac_for_keys_of_0_to_200_bytes(key, messages):
    assert keys_in_duckdb(key, messages) == [expected(key, message) for message in messages]


def test_many_vectors_keep_their_order_and_nulls():
    # GIVEN more values than one DuckDB vector (2048), every seventh NULL
    messages = [None if n % 7 == 0 else str(1_000_000_000 + n) for n in range(10_000)]
    # THEN every value has its own key, in place
    assert keys_in_duckdb(b"secret", messages) == [expected(b"secret", message) for message in messages]


def test_the_synthetic_keys_take_a_key_longer_than_one_block():
    # a key longer than SHA-256's 64-byte block is hashed first (RFC 2104), as hmac.new does
    key = b"a synthetic key much longer than the sixty-four bytes of one SHA-256 block, on purpose"
    assert len(key) > 64
    assert hmac_sha256_hex(key, 1_234_567_890, 3).to_pylist() == [
        expected(key, str(n)) for n in range(1_234_567_890, 1_234_567_893)]
