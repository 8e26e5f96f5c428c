"""Disclosure control (outcomes.md v1.2, "Disclosure control" and "Successive releases").

Input: a table shaped like `marts.indicators` (indicator_id, period, programme, municipality,
numerator, denominator, value, n_persons) and, from the release ledger (`publishing.releases`),
what the home's earlier releases published. Output: the same cells with `suppressed`,
`suppression_reason`, `carried_from` and `carry_reason`; a suppressed cell has value, numerator,
denominator and n_persons null; a carried cell shows the values it had in release `carried_from`.

The single-release rules (a home's first release is exactly these):
1. Primary: a person-level cell with 0 < n_persons < T, or a count / share / rate numerator, or a
   share's (denominator - numerator), between 1 and T-1 (means by n_persons alone; a rate's
   numerator counts events, and 1..T-1 events come from 1..T-1 persons); and the complement
   rule: a cohort cell other than `cohort_size` with n_persons > 0 that is 1 to T-1 below the
   n_persons of the `cohort_size` cell of the same year, programme and municipality.
2. One pass visits (a) the margin groups of every indicator and period (sorted), each in the
   order: `(programme, all)` groups with programmes sorted, then `(all, all)` over
   municipalities; `(all, municipality)` groups with municipalities sorted as text, then
   `(all, all)` over programmes; (b) the linked groups (the `new_enrolments` quarters of a year
   under that year's `cohort_size`), by year, programme, municipality as text, `all` last;
   (c) the shared populations: a suppressed `cohort_size` suppresses every cohort indicator of
   its year, programme and municipality; a suppressed family member suppresses every member.
   A group whose total is published must not hold exactly one suppressed member: then the
   unsuppressed member with the smallest n_persons > 0 (ties by programme, municipality as text,
   quarter) goes too, or, when there is none, the total. A group whose total is suppressed
   while none of its members (n_persons > 0) is gets its smallest member suppressed (spec 1.2;
   before 1.2 this was sammen's own guard: `tests/spec` keeps the six-person table on which the
   rules without it leak). Passes repeat until nothing changes.

The release guard (spec 1.2 "Successive releases"; the rule for boards is in docs/methods.md).
For a later release every cell is either shown with its current value, suppressed, or *carried*
(shows the value it had in the latest earlier release that published its own value). Suppressed
and carried cells are both "unknown" to a reader and every single-release rule above treats them
alike. On top, for each earlier release j:
3. Change primary: a cell shown now and known in j whose change since j, in n_persons, a count /
   share / rate numerator, a share's (denominator - numerator), or its complement gap to
   `cohort_size`, is 1..T-1 in absolute value is held (`carry_reason = change`).
4. Change secondary: in the difference table (now minus j), a cell is known when it is shown
   now and was known in j (published with its own value, or absent while its indicator and
   period were published: 0). A margin or linked group whose total's difference is known must not
   hold exactly one unknown member, and a group whose total's difference is unknown must not
   have only known members; the smallest known member (spec tie order), else the total, is held
   (`change_secondary`). Families and shared populations need no difference rule of their own:
   rule 2(c) makes their members unknown together in every release.
Everything iterates to a fixed point. Cells held by rules 2-4 carry their earlier value when
they have one (else they are suppressed, `secondary`); primary cells are always suppressed.
Cells present in an earlier release but absent now (e.g. a withdrawn person's only cell) take
part in the groups as known zeros and are not published. Non-person-level cells (attendances,
sessions_held) are outside all of this, as in the spec: they are never suppressed nor carried.

T is `settings.disclosure_threshold` (5, configurable upward only: `Settings` refuses less).

The groups are aggregates (a few per indicator and period, never per person), so visiting them
one by one in Python is the spec's sequential order, not a row loop; each visit is a few numpy
operations on index arrays built once in bulk. The change rules run over all groups at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.settings import MIN_DISCLOSURE_THRESHOLD
from publishing.catalogue import Catalogue

ALL = "all"
KEY = ["indicator_id", "period", "programme", "municipality"]
MEASURES = ["numerator", "denominator", "value", "n_persons"]
COLUMNS = KEY + MEASURES
CONTROL_COLUMNS = ["suppressed", "suppression_reason", "carried_from", "carry_reason"]
HISTORY_COLUMNS = ["release_seq", "release_id"] + COLUMNS + ["suppressed", "carried_from"]
COHORT_SIZE = "cohort_size"
NEW_ENROLMENTS = "new_enrolments"
PRIMARY, SECONDARY = "primary", "secondary"
CHANGE, CHANGE_SECONDARY = "change", "change_secondary"
_NONE, _PRIMARY, _SECONDARY, _CHANGE, _CHANGE_SECONDARY = 0, 1, 2, 3, 4
REASONS = np.array([None, PRIMARY, SECONDARY, CHANGE, CHANGE_SECONDARY], dtype=object)


class DisclosureInputError(ValueError):
    """The indicator table cannot be controlled as given (names the rule it breaks)."""


@dataclass(frozen=True)
class Group:
    """Members that add up to a total: if the total is published, not exactly one may be hidden."""

    total: int  # row position of the total cell, -1 when the table has none
    members: np.ndarray  # row positions, in tie-break order


@dataclass(frozen=True)
class DisclosureResult:
    table: pd.DataFrame
    primary: int
    secondary: int
    passes: int
    carried: int = 0
    changed: int = 0  # cells held (carried or suppressed) by the change rules 3 and 4

    @property
    def suppressed(self) -> int:
        return self.primary + self.secondary


def control(
    table: pd.DataFrame, catalogue: Catalogue, threshold: int, history: pd.DataFrame | None = None
) -> DisclosureResult:
    """Apply the disclosure rules; `history` is what earlier releases published (HISTORY_COLUMNS,
    from `publishing.releases.history`); None or empty: the home's first release."""
    return _control(table, catalogue, threshold, history, guard_totals=True)


def _control(
    table: pd.DataFrame,
    catalogue: Catalogue,
    threshold: int,
    history: pd.DataFrame | None,
    guard_totals: bool,
) -> DisclosureResult:
    """`guard_totals=False` drops the hidden-total rule: a test-only seam (tests/spec shows the
    leak it closes); the product always calls `control`."""
    if threshold < MIN_DISCLOSURE_THRESHOLD:
        raise ValueError(
            f"disclosure threshold {threshold} is below {MIN_DISCLOSURE_THRESHOLD}: "
            "it may only be raised"
        )
    cells = _prepare(table, catalogue)
    earlier = None
    if history is not None and len(history):
        cells, earlier = _Earlier.build(cells, history, catalogue, threshold)
    state = _State.start(cells, catalogue, threshold, guard_totals)
    groups = list(_margin_groups(cells, catalogue)) + list(_linked_groups(cells))
    shared = _Shared.build(cells, catalogue)
    flat = _FlatGroups.build(groups)
    passes = 0
    while True:
        passes += 1
        changed = False
        for group in groups:
            changed |= state.visit(group)
        changed |= state.share_populations(shared)
        if earlier is not None:
            changed |= earlier.guard(state, flat)
        if not changed:
            break
    out = _finish(cells, state, earlier)
    return DisclosureResult(
        table=out,
        primary=int((out["suppression_reason"] == PRIMARY).sum()),
        secondary=int(out["suppressed"].sum() - (out["suppression_reason"] == PRIMARY).sum()),
        passes=passes,
        carried=int(out["carried_from"].notna().sum()),
        changed=int(out["carry_reason"].isin([CHANGE, CHANGE_SECONDARY]).sum()),
    )


def _prepare(table: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Check the layout, then sort the cells so row order is the spec's tie-break order."""
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise DisclosureInputError(f"indicator table lacks column(s): {', '.join(missing)}")
    cells = table[COLUMNS].copy()
    for column in KEY:
        cells[column] = cells[column].astype(str)
    unknown = sorted(set(cells["indicator_id"]) - set(catalogue.ids))
    if unknown:
        raise DisclosureInputError(
            f"indicator id(s) not in the catalogue: {', '.join(unknown)} "
            "(every published indicator must be declared in publishing/catalogue.yaml)"
        )
    duplicated = cells.duplicated(KEY)
    if duplicated.any():
        first = cells.loc[duplicated, KEY].iloc[0].tolist()
        raise DisclosureInputError(f"indicator cell listed twice: {'/'.join(first)}")
    for column in ("numerator", "denominator", "n_persons"):
        cells[column] = pd.to_numeric(cells[column]).astype("Float64")
    cells["value"] = pd.to_numeric(cells["value"]).astype("Float64")
    return cells.sort_values(KEY, kind="stable").reset_index(drop=True)


@dataclass
class _State:
    suppressed: np.ndarray  # bool per cell
    reason: np.ndarray  # _NONE / _PRIMARY / _SECONDARY per cell
    persons: np.ndarray  # n_persons as float, 0 where null: the secondary choice's key
    guard_totals: bool
    fixed: np.ndarray  # cells that cannot be hidden: absent now (known zeros of earlier releases)
    numerator: np.ndarray  # current values, 0 where null (the change rules compare them)
    complement: np.ndarray

    @classmethod
    def start(
        cls, cells: pd.DataFrame, catalogue: Catalogue, threshold: int, guard_totals: bool
    ) -> _State:
        primary = _primary(cells, catalogue, threshold)
        return cls(
            suppressed=primary.copy(),
            reason=np.where(primary, _PRIMARY, _NONE).astype(np.int8),
            persons=cells["n_persons"].fillna(0).to_numpy(dtype=float),
            guard_totals=guard_totals,
            fixed=cells["_absent"].to_numpy(dtype=bool)
            if "_absent" in cells
            else np.zeros(len(cells), dtype=bool),
            numerator=cells["numerator"].fillna(0).to_numpy(dtype=float),
            complement=(cells["denominator"] - cells["numerator"]).fillna(0).to_numpy(dtype=float),
        )

    def hide(self, positions: np.ndarray, reason: int = _SECONDARY) -> bool:
        """Hide the given cells (secondary unless told); report whether any was still shown."""
        fresh = positions[~self.suppressed[positions] & ~self.fixed[positions]]
        if fresh.size == 0:
            return False
        self.suppressed[fresh] = True
        self.reason[fresh] = reason
        return True

    def visit(self, group: Group) -> bool:
        if group.total < 0:
            return False
        hidden = self.suppressed[group.members]
        candidates = group.members[~hidden & (self.persons[group.members] > 0)]
        if self.suppressed[group.total]:
            # Beyond the spec (see module docstring): a hidden total whose members are all
            # published is their sum; hide the smallest member so addition cannot recover it.
            if not self.guard_totals or hidden.any() or candidates.size == 0:
                return False
            return self.hide(candidates[[np.argmin(self.persons[candidates])]])
        if hidden.sum() != 1:
            return False
        if candidates.size:
            # argmin returns the first of equal minima: members are in tie-break order
            pick = candidates[np.argmin(self.persons[candidates])]
        else:
            pick = group.total
        return self.hide(np.array([pick]))

    def share_populations(self, shared: _Shared) -> bool:
        """Rules (a) and (b): cells publishing one population share its protection."""
        with_persons = self.persons > 0
        size_hidden = self.suppressed[shared.size_position]
        hit = shared.cohort_position[size_hidden[shared.cohort_key] & with_persons[shared.cohort_position]]
        changed = self.hide(hit)
        hidden = self.suppressed[shared.family_position].astype(float)
        any_hidden = np.bincount(shared.family_key, weights=hidden, minlength=shared.family_keys) > 0
        spread = any_hidden[shared.family_key] & with_persons[shared.family_position]
        return self.hide(shared.family_position[spread]) | changed


@dataclass(frozen=True)
class _Shared:
    """Index arrays for the shared-population rules, built once in bulk.

    (a) cohort cells (`cohort_position`) under the cohort_size cell `size_position[cohort_key]`;
    (b) family cells (`family_position`) grouped by `family_key` (family, period, programme,
    municipality).
    """

    size_position: np.ndarray
    cohort_position: np.ndarray
    cohort_key: np.ndarray
    family_position: np.ndarray
    family_key: np.ndarray
    family_keys: int

    @classmethod
    def build(cls, cells: pd.DataFrame, catalogue: Catalogue) -> _Shared:
        cohort_ids = [spec.id for spec in catalogue.indicators if spec.kind == "cohort"]
        sizes = cells.loc[cells["indicator_id"] == COHORT_SIZE, KEY[1:]].reset_index()
        cohort = cells.loc[cells["indicator_id"].isin(cohort_ids), KEY[1:]].reset_index()
        joined = cohort.merge(sizes.reset_index(names="key"), on=KEY[1:], how="inner")
        family_of = {m: name for name, ms in catalogue.families().items() for m in ms}
        members = cells[cells["indicator_id"].isin(family_of)]
        family_key = pd.MultiIndex.from_arrays(
            [members["indicator_id"].map(family_of)] + [members[c] for c in KEY[1:]]
        )
        codes, uniques = pd.factorize(family_key)
        return cls(
            size_position=sizes["index"].to_numpy(),
            cohort_position=joined["index_x"].to_numpy(),
            cohort_key=joined["key"].to_numpy(),
            family_position=members.index.to_numpy(),
            family_key=np.asarray(codes),
            family_keys=len(uniques),
        )


def _primary(cells: pd.DataFrame, catalogue: Catalogue, threshold: int) -> np.ndarray:
    specs = catalogue.by_id
    ids = cells["indicator_id"]
    unit = ids.map(lambda i: specs[i].unit)
    person_level = ids.map(lambda i: specs[i].person_level).astype(bool)
    persons = cells["n_persons"].fillna(0)
    numerator = cells["numerator"].fillna(0)
    complement = (cells["denominator"] - cells["numerator"]).fillna(0)

    def small(series: pd.Series) -> pd.Series:
        return (series >= 1) & (series <= threshold - 1)

    # 1.2: a rate's numerator counts events (stays, bed days); 1..T-1 events come from 1..T-1
    # persons, so it is judged like a count's.
    count_like = (unit.isin(["count", "share", "rate"]) & small(numerator)) | (
        (unit == "share") & small(complement)
    )
    rule = person_level & (small(persons) | count_like | _complement(cells, catalogue, threshold))
    return rule.to_numpy(dtype=bool)


def _complement(cells: pd.DataFrame, catalogue: Catalogue, threshold: int) -> pd.Series:
    """Cohort cells 1..T-1 persons short of their cohort_size cell reveal the few outside."""
    cohort_ids = [spec.id for spec in catalogue.indicators if spec.kind == "cohort"]
    sizes = cells.loc[cells["indicator_id"] == COHORT_SIZE, KEY[1:] + ["n_persons"]]
    sizes = sizes.rename(columns={"n_persons": "cohort_persons"})
    joined = cells[KEY[1:]].merge(sizes, on=KEY[1:], how="left")
    gap = (joined["cohort_persons"] - cells["n_persons"].to_numpy()).fillna(0).to_numpy()
    persons = cells["n_persons"].fillna(0).to_numpy()
    applies = cells["indicator_id"].isin(cohort_ids) & (cells["indicator_id"] != COHORT_SIZE)
    return applies & (persons > 0) & (gap >= 1) & (gap <= threshold - 1)


def _margin_groups(cells: pd.DataFrame, catalogue: Catalogue) -> Iterator[Group]:
    """Margin groups of every person-level indicator and period, in the spec's visiting order."""
    person_level = [spec.id for spec in catalogue.indicators if spec.person_level]
    position = _positions(cells)
    cells = cells[cells["indicator_id"].isin(person_level)]
    programme_is_all = cells["programme"] == ALL
    municipality_is_all = cells["municipality"] == ALL
    inner = cells[~programme_is_all & ~municipality_is_all]
    by_programme = _bucket(inner, "programme")
    by_municipality = _bucket(inner, "municipality")
    under_all_municipalities = _bucket(cells[programme_is_all & ~municipality_is_all], None)
    under_all_programmes = _bucket(cells[~programme_is_all & municipality_is_all], None)
    for indicator, period in sorted(set(zip(cells["indicator_id"], cells["period"], strict=True))):
        both_all = position.get((indicator, period, ALL, ALL), -1)
        for programme, members in by_programme.get((indicator, period), []):
            yield Group(position.get((indicator, period, programme, ALL), -1), members)
        for _, members in under_all_municipalities.get((indicator, period), []):
            yield Group(both_all, members)
        for municipality, members in by_municipality.get((indicator, period), []):
            yield Group(position.get((indicator, period, ALL, municipality), -1), members)
        for _, members in under_all_programmes.get((indicator, period), []):
            yield Group(both_all, members)


def _bucket(
    cells: pd.DataFrame, column: str | None
) -> dict[tuple[str, str], list[tuple[str, np.ndarray]]]:
    """(indicator, period) -> [(label, member positions)], labels sorted as text.

    Positions come out sorted, and the cells are sorted by programme then municipality, so each
    member array is in the spec's tie-break order.
    """
    keys = ["indicator_id", "period"] + ([column] if column else [])
    found: dict[tuple[str, str], list[tuple[str, np.ndarray]]] = {}
    for key, rows in sorted(cells.groupby(keys, sort=True).indices.items()):
        label = key[2] if column else ALL
        found.setdefault((key[0], key[1]), []).append((label, np.sort(cells.index.to_numpy()[rows])))
    return found


def _linked_groups(cells: pd.DataFrame) -> Iterator[Group]:
    """The quarters of a year add up to the year: new_enrolments quarters under cohort_size."""
    position = _positions(cells)
    quarters = cells[cells["indicator_id"] == NEW_ENROLMENTS]
    year = quarters["period"].str.slice(0, 4)
    groups = quarters.groupby([year, quarters["programme"], quarters["municipality"]]).indices
    for year_, programme, municipality in sorted(groups, key=_linked_order):
        members = quarters.index.to_numpy()[groups[(year_, programme, municipality)]]
        total = position.get((COHORT_SIZE, year_, programme, municipality), -1)
        yield Group(total, np.sort(members))


def _linked_order(key: tuple[str, str, str]) -> tuple[str, bool, str, bool, str]:
    year, programme, municipality = key
    return (year, programme == ALL, programme, municipality == ALL, municipality)


def _positions(cells: pd.DataFrame) -> dict[tuple[str, str, str, str], int]:
    """Cell key -> row position; cells are aggregates, so this map is small."""
    keys = zip(*(cells[column] for column in KEY), strict=True)
    return {key: position for position, key in zip(cells.index, keys, strict=True)}


def _finish(cells: pd.DataFrame, state: _State, earlier: _Earlier | None) -> pd.DataFrame:
    """Hidden cells: primary ones suppressed; the others carry their earlier value if they have
    one, else are suppressed. Absent cells (known zeros of earlier releases) are dropped."""
    out = cells[COLUMNS].copy()
    hidden = state.suppressed.copy()
    carried = np.zeros(len(out), dtype=bool)
    carried_from = np.full(len(out), None, dtype=object)
    if earlier is not None:
        carried = hidden & (state.reason != _PRIMARY) & (earlier.last_seq >= 0)
        for column in MEASURES:
            out.loc[carried, column] = earlier.last_values[column][carried]
        carried_from[carried] = earlier.last_release[carried]
    suppressed = hidden & ~carried
    for column in MEASURES:
        out.loc[suppressed, column] = pd.NA
    for column in ("numerator", "denominator", "n_persons"):
        out[column] = out[column].round().astype("Int64")
    out["suppressed"] = suppressed
    reasons = np.where(suppressed & (state.reason != _PRIMARY), _SECONDARY, state.reason)
    out["suppression_reason"] = pd.Series(np.where(suppressed, REASONS[reasons], None), dtype="string")
    out["carried_from"] = pd.Series(carried_from, dtype="string")
    out["carry_reason"] = pd.Series(np.where(carried, REASONS[state.reason], None), dtype="string")
    if "_absent" in cells:
        out = out[~cells["_absent"].to_numpy(dtype=bool)].reset_index(drop=True)
    return out


@dataclass(frozen=True)
class _FlatGroups:
    """Every group with a total as flat arrays (membership -> group), for the change rules."""

    total: np.ndarray  # per group: position of the total cell
    group_of: np.ndarray  # per membership: group number
    member: np.ndarray  # per membership: cell position (tie-break order within a group)

    @classmethod
    def build(cls, groups: list[Group]) -> _FlatGroups:
        kept = [group for group in groups if group.total >= 0 and group.members.size]
        if not kept:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty)
        sizes = [group.members.size for group in kept]
        return cls(
            total=np.array([group.total for group in kept], dtype=np.int64),
            group_of=np.repeat(np.arange(len(kept)), sizes),
            member=np.concatenate([group.members for group in kept]).astype(np.int64),
        )


@dataclass
class _Release:
    """One earlier release, aligned to the current cells."""

    known: np.ndarray  # published with its own value, or absent from a published indicator/period
    numerator: np.ndarray  # 0 where unknown or absent
    complement: np.ndarray  # denominator - numerator of shares
    persons: np.ndarray


@dataclass
class _Earlier:
    """What earlier releases published, aligned to the current cells (rules 3 and 4)."""

    releases: list[_Release]
    last_seq: np.ndarray  # latest release that published the cell's own value, -1 if none
    last_release: np.ndarray  # its release id
    last_values: dict[str, np.ndarray]  # the values that release published
    counts_events: np.ndarray  # numerator is a person or event count (count, share, rate)
    is_share: np.ndarray
    person_level: np.ndarray
    size_of: np.ndarray  # position of the cohort_size cell of a cohort cell (complement), or -1
    threshold: int

    @classmethod
    def build(
        cls, cells: pd.DataFrame, history: pd.DataFrame, catalogue: Catalogue, threshold: int
    ) -> tuple[pd.DataFrame, _Earlier]:
        history = history[HISTORY_COLUMNS].copy()
        for column in KEY + ["release_id"]:
            history[column] = history[column].astype(str)
        for column in ("numerator", "denominator", "n_persons", "value"):
            history[column] = pd.to_numeric(history[column]).astype("Float64")
        # cells of earlier releases absent now: known zeros that cannot be hidden
        absent = history[KEY].drop_duplicates().merge(cells[KEY], on=KEY, how="left", indicator=True)
        absent = absent.loc[absent["_merge"] == "left_only", KEY]
        cells = cells.assign(_absent=False)
        if len(absent):
            zeros = absent.assign(numerator=0.0, denominator=0.0, value=np.nan, n_persons=0.0, _absent=True)
            cells = pd.concat([cells, zeros], ignore_index=True)
            for column in MEASURES:
                cells[column] = pd.to_numeric(cells[column]).astype("Float64")
            cells = cells.sort_values(KEY, kind="stable").reset_index(drop=True)
        position = cells[KEY].reset_index(names="position")
        history = history.merge(position, on=KEY, how="left")
        n = len(cells)
        own = ~history["suppressed"].astype(bool) & history["carried_from"].isna()
        cell_period = cells["indicator_id"] + "|" + cells["period"]
        releases = []
        for _, rows in history.groupby("release_seq", sort=True):
            releases.append(cls._release(rows, own[rows.index], cell_period, n))
        latest = history[own].sort_values("release_seq").drop_duplicates(KEY, keep="last")
        at = latest["position"].to_numpy()
        last_seq = np.full(n, -1)
        last_seq[at] = latest["release_seq"].to_numpy()
        last_release = np.full(n, None, dtype=object)
        last_release[at] = latest["release_id"].to_numpy()
        last_values = {}
        for column in MEASURES:
            values = np.full(n, np.nan)
            values[at] = latest[column].to_numpy(dtype=float, na_value=np.nan)
            last_values[column] = values
        specs = catalogue.by_id
        unit = cells["indicator_id"].map(lambda i: specs[i].unit)
        earlier = cls(
            releases=releases,
            last_seq=last_seq,
            last_release=last_release,
            last_values=last_values,
            counts_events=unit.isin(["count", "share", "rate"]).to_numpy(),
            is_share=(unit == "share").to_numpy(),
            person_level=cells["indicator_id"].map(lambda i: specs[i].person_level).to_numpy(dtype=bool),
            size_of=_cohort_size_positions(cells, catalogue),
            threshold=threshold,
        )
        return cells, earlier

    @staticmethod
    def _release(rows: pd.DataFrame, own: pd.Series, cell_period: pd.Series, n: int) -> _Release:
        at = rows["position"].to_numpy()
        published_periods = set(rows["indicator_id"] + "|" + rows["period"])
        present = np.zeros(n, dtype=bool)
        present[at] = True
        known = ~present & cell_period.isin(published_periods).to_numpy()
        known[at[own.to_numpy()]] = True

        def aligned(values: pd.Series) -> np.ndarray:
            out = np.zeros(n)
            out[at] = values.fillna(0).to_numpy(dtype=float)
            return np.where(known, out, 0.0)

        return _Release(
            known=known,
            numerator=aligned(rows["numerator"]),
            complement=aligned(rows["denominator"] - rows["numerator"]),
            persons=aligned(rows["n_persons"]),
        )

    def guard(self, state: _State, flat: _FlatGroups) -> bool:
        current = _Release(
            known=~state.suppressed,
            numerator=state.numerator,
            complement=state.complement,
            persons=state.persons,
        )
        changed = False
        for release in self.releases:
            changed |= self._change_primary(state, current, release)
            changed |= self._change_secondary(state, flat, release)
        return changed

    def _small(self, change: np.ndarray) -> np.ndarray:
        change = np.abs(change)
        return (change >= 1) & (change <= self.threshold - 1)

    def _change_primary(self, state: _State, now: _Release, then: _Release) -> bool:
        both = now.known & then.known & self.person_level
        small = self._small(now.persons - then.persons)
        small |= self.counts_events & self._small(now.numerator - then.numerator)
        small |= self.is_share & self._small(now.complement - then.complement)
        # the complement gap to cohort_size: its change counts persons who left the population
        size = np.where(self.size_of >= 0, self.size_of, 0)
        sized = (self.size_of >= 0) & now.known[size] & then.known[size] & (now.persons > 0)
        gap_now = now.persons[size] - now.persons
        gap_then = then.persons[size] - then.persons
        small |= sized & self._small(gap_now - gap_then)
        return state.hide(np.flatnonzero(both & small), _CHANGE)

    def _change_secondary(self, state: _State, flat: _FlatGroups, then: _Release) -> bool:
        if flat.total.size == 0:
            return False
        known = ~state.suppressed & then.known
        groups = flat.total.size
        unknown_members = np.bincount(
            flat.group_of, weights=~known[flat.member], minlength=groups
        )
        total_known = known[flat.total]
        one_left = total_known & (unknown_members == 1)
        added_up = ~total_known & (unknown_members == 0)
        broken = one_left | added_up
        if not broken.any():
            return False
        candidate = (
            broken[flat.group_of] & known[flat.member] & (state.persons[flat.member] > 0)
            & ~state.fixed[flat.member]
        )
        rows = np.flatnonzero(candidate)
        picks = np.zeros(0, dtype=np.int64)
        covered = np.zeros(groups, dtype=bool)
        if rows.size:
            # per broken group its smallest candidate; ties by position (the spec's tie order)
            rows = rows[np.lexsort((flat.member[rows], state.persons[flat.member[rows]], flat.group_of[rows]))]
            group = flat.group_of[rows]
            first = np.r_[True, group[1:] != group[:-1]]
            picks = flat.member[rows[first]]
            covered[group[first]] = True
        totals = flat.total[one_left & ~covered]
        return state.hide(np.concatenate([picks, totals]).astype(np.int64), _CHANGE_SECONDARY)


def _cohort_size_positions(cells: pd.DataFrame, catalogue: Catalogue) -> np.ndarray:
    """Per cell: the row of the cohort_size cell it is compared with (complement rule), or -1."""
    cohort_ids = [spec.id for spec in catalogue.indicators if spec.kind == "cohort"]
    sizes = cells.loc[cells["indicator_id"] == COHORT_SIZE, KEY[1:]].reset_index(names="size_at")
    joined = cells[KEY[1:]].merge(sizes, on=KEY[1:], how="left")
    applies = cells["indicator_id"].isin(cohort_ids) & (cells["indicator_id"] != COHORT_SIZE)
    found = joined["size_at"].fillna(-1).to_numpy(dtype=np.int64)
    return np.where(applies.to_numpy(), found, -1)


class DisclosureBreach(RuntimeError):
    """A controlled table still shows a small count: refuse to publish it."""


def check_controlled(table: pd.DataFrame, catalogue: Catalogue, threshold: int) -> None:
    """Last line of defence before files are written: re-check the primary rule on the output.

    Raises on any published person-level cell whose n_persons, count-like numerator or share
    complement is 1..T-1, or a suppressed cell that still carries a number.
    """
    hidden = table["suppressed"].astype(bool)
    carrying = hidden & table[MEASURES].notna().any(axis=1)
    if carrying.any():
        raise DisclosureBreach(f"{int(carrying.sum())} suppressed cell(s) still carry a number")
    # carried cells show an earlier release's values, checked when that release was published;
    # compared with today's cells (complement rule) they mean nothing
    carried = table["carried_from"].notna() if "carried_from" in table else False
    shown = table.loc[~hidden & ~carried, COLUMNS]
    if shown.empty:
        return
    small = _primary(_as_cells(shown), catalogue, threshold)
    if small.any():
        first = shown.loc[shown.index[small][0], KEY].tolist()
        raise DisclosureBreach(
            f"{int(small.sum())} published cell(s) reveal fewer than {threshold} persons, "
            f"first {'/'.join(map(str, first))}"
        )


def _as_cells(table: pd.DataFrame) -> pd.DataFrame:
    cells = table.copy()
    for column in ("numerator", "denominator", "n_persons", "value"):
        cells[column] = pd.to_numeric(cells[column]).astype("Float64")
    return cells.reset_index(drop=True)
