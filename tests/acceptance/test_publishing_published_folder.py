"""The published folder of a real `sammen run` (the session's demo home): aggregates only, no
person key anywhere, no unsuppressed small count, nothing the attacker can recover."""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers.publishing import attack

from publishing.catalogue import load_catalogue
from publishing.outputs import DECLARED
from sammen.home import Home

pytestmark = pytest.mark.slow
HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", re.IGNORECASE)


def test_published_holds_only_declared_files(demo_home: Home) -> None:
    names = {path.name for path in demo_home.published.iterdir()}
    assert names <= set(DECLARED)
    assert {"indicators.csv", "manifest.json", "catalogue.yaml"} <= names


def test_no_person_key_in_any_published_file(demo_home: Home) -> None:
    manifest = json.loads((demo_home.published / "manifest.json").read_text())
    digests = {entry["sha256"] for entry in manifest["files"].values()}
    with duckdb.connect(str(demo_home.warehouse), read_only=True) as connection:
        keys = {r[0] for r in connection.sql("select distinct person_key from marts.cohort").fetchall()}
    assert keys
    for path in demo_home.published.iterdir():
        if path.suffix == ".parquet":
            text = pq.read_table(path).to_pandas().to_csv()
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        assert not set(HEX64.findall(text)) - digests, path.name
        assert not any(k in text for k in keys), path.name


def test_no_unsuppressed_small_count_and_the_attacker_fails(demo_home: Home) -> None:
    table = pd.read_parquet(demo_home.published / "indicators.parquet")
    shown = table[~table["suppressed"]]
    assert not shown["n_persons"].dropna().between(1, 4).any()
    count_like = shown[shown["indicator_id"].str.endswith("_share")
                       | shown["indicator_id"].isin(["cohort_size", "new_enrolments", "active_participants"])]
    assert not count_like["numerator"].between(1, 4).any()
    assert attack(table, load_catalogue()) == set()


def test_every_indicator_of_the_catalogue_is_published(demo_home: Home) -> None:
    """Retention shares only for years whose windows closed (31 Dec + 30N <= cutoff + 1)."""
    table = pd.read_parquet(demo_home.published / "indicators.parquet")
    cutoff = dt.date.fromisoformat(
        json.loads((demo_home.published / "manifest.json").read_text())["cutoff"]
    )
    years = {int(p) for p in table.loc[table["indicator_id"] == "cohort_size", "period"]}
    expected = set(load_catalogue().ids)
    for months in (3, 6, 12):
        closed = {
            str(y) for y in years
            if dt.date(y, 12, 31) + dt.timedelta(days=30 * months) <= cutoff + dt.timedelta(days=1)
        }
        indicator = f"retained_{months}m_share"
        assert set(table.loc[table["indicator_id"] == indicator, "period"]) == closed
        if not closed:
            expected.discard(indicator)
    assert set(table["indicator_id"]) == expected
