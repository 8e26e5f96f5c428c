"""The attacker who keeps every release (spec 1.2 "Successive releases").

Given the published tables of a home's releases, oldest first, it tries to learn a count of 1 to
4 persons (1 to T-1):
- from each release alone: the single-release attack (`helpers.publishing.attack`), with carried
  cells counted as hidden (their value is an earlier release's, not today's);
- from every pair of releases (i, j): three layers of unknowns, the values of release i, those of
  release j and their differences d = i - j, for every cell and quantity (numerator, denominator,
  n_persons). A value is known where the release published the cell with its own value, or
  left it out while publishing its indicator and period (then it is 0). Every layer has the
  margin and linked-group sums and the equal-population links of one release; the layers are
  tied by d = i - j (two known, the third follows). Solving is peeling to a fixed point.
  Leaks: a hidden value (suppressed or carried) that becomes known, and a known difference of
  1..T-1 in n_persons, a count / share / rate numerator, or a share's denominator - numerator.
Differences are treated as exact even where n_persons is only roughly additive (the attacker's
best case). Non-person-level cells (attendances, sessions_held) are not person counts and are
left out, as in the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from helpers.publishing import QUANTITIES, _equations, attack
from publishing.catalogue import Catalogue

KEY = ["indicator_id", "period", "programme", "municipality"]
Leak = tuple  # ("release", r, cell, quantity) | ("value", r, cell, quantity) | ("change", i, j, cell, quantity)


def read_published(folder: Path) -> pd.DataFrame:
    """A published folder's table (Parquet), as a board would load it."""
    return pd.read_parquet(folder / "indicators.parquet")


def attack_releases(
    tables: Sequence[pd.DataFrame], catalogue: Catalogue, threshold: int = 5
) -> set[Leak]:
    """Everything the attacker holding all these releases (oldest first) can learn."""
    leaks: set[Leak] = set()
    for r, table in enumerate(tables):
        leaks |= {("release", r, *secret) for secret in attack(_carried_as_hidden(table), catalogue)}
    for i in range(len(tables)):
        for j in range(i):
            leaks |= _Pair(tables[i], tables[j], catalogue, threshold).solve(i, j)
    return leaks


def _carried_as_hidden(table: pd.DataFrame) -> pd.DataFrame:
    if "carried_from" not in table:
        return table
    out = table.copy()
    carried = out["carried_from"].notna()
    out["suppressed"] = out["suppressed"].astype(bool) | carried
    for column in ("numerator", "denominator", "value", "n_persons"):
        out[column] = out[column].astype(object).where(~carried, None)
    return out


class _Pair:
    def __init__(self, later: pd.DataFrame, earlier: pd.DataFrame, catalogue: Catalogue, threshold: int) -> None:
        person_level = {spec.id for spec in catalogue.indicators if spec.person_level}
        self.units = {spec.id: spec.unit for spec in catalogue.indicators}
        self.threshold = threshold
        self.tables = [self._cells(t, person_level) for t in (later, earlier)]
        keys = set(self.tables[0]) | set(self.tables[1])
        # every cell as a suppressed row: _equations then builds every group's sums
        union = {k: {"suppressed": True, "denominator": None, "n_persons": None} for k in keys}
        self.sums, self.equal = _equations(union, catalogue.families())
        self.known: list[dict] = [{}, {}, {}]  # layer -> {(cell, quantity): value}; layer 2 = d
        self.hidden: list[set] = [set(), set()]
        for layer, cells in enumerate(self.tables):
            periods = {(k[0], k[1]) for k in cells}
            for cell_key in keys:
                row = cells.get(cell_key)
                for quantity in QUANTITIES:
                    if row is None:
                        if (cell_key[0], cell_key[1]) in periods:
                            self.known[layer][(cell_key, quantity)] = 0.0
                    elif row["hidden"]:
                        self.hidden[layer].add((cell_key, quantity))
                    elif row[quantity] is not None and not pd.isna(row[quantity]):
                        self.known[layer][(cell_key, quantity)] = float(row[quantity])
            # what equal populations publish anyway is no secret (as in the single-release attack)
            self._spread(self.known[layer])
            self.hidden[layer] -= set(self.known[layer])

    @staticmethod
    def _cells(table: pd.DataFrame, person_level: set[str]) -> dict:
        table = table[table["indicator_id"].isin(person_level)]
        carried = table["carried_from"].notna() if "carried_from" in table else False
        table = table.assign(hidden=table["suppressed"].astype(bool) | carried)
        return {tuple(row[k] for k in KEY): row for row in table.to_dict("records")}

    def solve(self, i: int, j: int) -> set[Leak]:
        progress = True
        while progress:
            progress = self._link()
            for layer in range(3):
                progress |= self._peel(self.known[layer])
        leaks: set[Leak] = set()
        for layer, release in ((0, i), (1, j)):
            leaks |= {("value", release, *term) for term in self.hidden[layer] if term in self.known[layer]}
        changes = self.known[2]
        for (cell_key, quantity), change in changes.items():
            unit = self.units[cell_key[0]]
            counted = quantity == "n_persons" or (quantity == "numerator" and unit in ("count", "share", "rate"))
            if counted and self._small(change):
                leaks.add(("change", i, j, cell_key, quantity))
            if quantity == "denominator" and unit == "share" and (cell_key, "numerator") in changes:
                if self._small(change - changes[(cell_key, "numerator")]):
                    leaks.add(("change", i, j, cell_key, "denominator - numerator"))
        return leaks

    def _small(self, change: float) -> bool:
        return 1 <= abs(round(change)) <= self.threshold - 1

    def _link(self) -> bool:
        """d = later - earlier: any two known give the third."""
        later, earlier, change = self.known
        grew = False
        for term in set(later) | set(earlier) | set(change):
            have = (term in later, term in earlier, term in change)
            if sum(have) != 2:
                continue
            if not have[2]:
                change[term] = later[term] - earlier[term]
            elif not have[1]:
                earlier[term] = later[term] - change[term]
            else:
                later[term] = earlier[term] + change[term]
            grew = True
        return grew

    def _spread(self, known: dict) -> bool:
        grew = False
        for group in self.equal:
            values = [known[t] for t in group if t in known]
            if values and len(values) < len(group):
                for term in group:
                    known.setdefault(term, values[0])
                grew = True
        return grew

    def _peel(self, known: dict) -> bool:
        grew = self._spread(known)
        for total, members in self.sums:
            unknown = [term for term in members if term not in known]
            if total in known and len(unknown) == 1:
                known[unknown[0]] = known[total] - sum(known[m] for m in members if m in known)
                grew = True
            elif total not in known and not unknown and members:
                known[total] = sum(known[m] for m in members)
                grew = True
        return grew


def describe(leaks: Iterable[Leak]) -> str:
    """A short, person-free summary for assertion messages (cells and quantities only)."""
    leaks = sorted(leaks, key=str)
    head = ", ".join(str(leak) for leak in leaks[:5])
    return f"{len(leaks)} leak(s): {head}"
