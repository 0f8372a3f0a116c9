"""The view state shared by every page and how it selects facilities.

``FilterState`` is a plain value object (its link form is ``dashboard.analysis.link``).
``match`` turns it into a boolean mask over the facility table, with facilities whose
attribute is *unknown* counted separately; ``option_counts`` gives the number beside each
sidebar value: exactly what checking it would show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import taxonomy
from dashboard.vocab import AREA_LEVELS

MAX_QUERY_LENGTH = 100
GROUP_IDS = tuple(g.id for g in taxonomy.GROUPS)
SPAS = tuple(range(1, 9))
DISTRICTS = tuple(range(1, 6))
MEASURES = {
    "sites": "Matching sites per 100k residents",
    "beds": "Licensed acute psychiatric beds per 100k residents",
}
DISTRICT_HELP = (
    "Board of Supervisors districts of the plan adopted in December 2021 (in force since "
    "2022). Shows sites in any selected district."
)
# What the Gaps page's tract map shows, by link value.
GAPS_MAPS = {"miles": "Miles to the nearest matching site", "reach": "Sites per 100k within reach (2SFCA)"}
# The area levels a user can map, by link value, with their names (vocab.Level).
LEVELS = {lv.value: lv.label for lv in AREA_LEVELS}
MILES_CHOICES = (1, 2, 3, 5, 10, 15, 20)
DEFAULT_MILES = 5
# The time leg of the time-or-distance standard (OEPS drive minutes; the Gaps page sets it):
# 30 minutes is the statute's value for Los Angeles' group (for specialists: see the page).
MINUTES_CHOICES = (10, 15, 20, 30, 45)  # the county's longest OEPS drive is under 50 minutes
DEFAULT_MINUTES = 30


@dataclass(frozen=True)
class FilterState:
    condition: tuple[str, ...] = ()
    population: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    setting: tuple[str, ...] = ()
    payment: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    operator: tuple[str, ...] = ()
    spa: tuple[int, ...] = ()
    sd: tuple[int, ...] = ()
    query: str = ""
    include_unknown: bool = False
    state_hospital: bool = False  # count the state forensic hospital's beds (DSH-Metropolitan)
    memo: bool = False  # print / memo layout
    measure: str = "sites"
    level: str = "spa"
    gmap: str = "miles"  # the Gaps page's tract map (GAPS_MAPS)
    miles: int = DEFAULT_MILES
    minutes: int = DEFAULT_MINUTES  # the standard's drive time (MINUTES_CHOICES)
    lat: float | None = None
    lon: float | None = None
    zoom: int | None = None

    def selected(self, group_id: str) -> tuple[str, ...]:
        return getattr(self, group_id)

    @property
    def attribute_filters(self) -> dict[str, tuple[str, ...]]:
        return {g.id: self.selected(g.id) for g in taxonomy.GROUPS if self.selected(g.id)}

    @property
    def selection(self) -> dict[str, tuple[int, ...]]:
        """The selected areas by level ({"sd": (2,)}); empty for the whole county."""
        return {level: ids for level, ids in (("spa", self.spa), ("sd", self.sd)) if ids}

    def partial(self, level: str) -> bool:
        """Whether areas of ``level`` are counted only in part: the selection cuts them (a
        district selected while SPAs are shown), so no area's figure is its whole figure."""
        return any(other != level for other in self.selection)

    def where(self) -> str:
        """The selected areas as a phrase: "in SPA 4, 6 and district 2", "in the county"."""
        parts = []
        if self.spa:
            parts.append(("SPA " if len(self.spa) == 1 else "SPAs ") + ", ".join(map(str, self.spa)))
        if self.sd:
            parts.append(("district " if len(self.sd) == 1 else "districts ") + ", ".join(map(str, self.sd)))
        return "in " + (" and ".join(parts) if parts else "the county")

    def describe(self) -> str:
        """A short plain-language summary (for captions and file names)."""
        parts = []
        for g in taxonomy.GROUPS:
            sel = self.selected(g.id)
            if sel:
                labels = [g.value(v).label for v in sel]
                joiner = " and " if g.mode == taxonomy.ALL else " or "
                parts.append(f"{g.label.lower()}: {joiner.join(labels)}")
        if self.spa:
            parts.append("SPA " + ", ".join(map(str, self.spa)))
        if self.sd:
            parts.append("district " + ", ".join(map(str, self.sd)))
        if self.query:
            parts.append(f'name contains "{self.query}"')
        return "; ".join(parts) if parts else "all facilities"


DEFAULT = FilterState()


# --------------------------------------------------------------------------- matching


@dataclass
class FlagIndex:
    """Boolean arrays per taxonomy value, built once per facility table.

    ``true[col]`` is where the source says yes; ``known[group]`` is where the group's
    attributes are known at all.  Matching is then a handful of numpy operations.
    """

    true: dict[str, np.ndarray]
    known: dict[str, np.ndarray]
    spa: np.ndarray
    sd: np.ndarray
    names: np.ndarray
    n: int

    @classmethod
    def build(cls, fac: pd.DataFrame) -> FlagIndex:
        true, known = {}, {}
        for g in taxonomy.GROUPS:
            for v in g.values:
                col = taxonomy.flag_column(g.id, v.id)
                true[col] = fac[col].fillna(False).to_numpy(dtype=bool)
            known[g.id] = fac[taxonomy.flag_column(g.id, g.values[0].id)].notna().to_numpy()
        names = (fac["name"].fillna("") + " " + fac["program"].fillna("")).str.lower().to_numpy()
        return cls(
            true=true,
            known=known,
            spa=fac["spa"].fillna(0).to_numpy(dtype=int),
            sd=fac["sd"].fillna(0).to_numpy(dtype=int),
            names=names,
            n=len(fac),
        )


@dataclass
class Match:
    mask: np.ndarray  # facilities shown (strict matches, plus unknowns when included)
    strict: np.ndarray  # the source says they match every attribute filter
    unknown: np.ndarray  # would match, but an attribute filtered on is unknown

    @property
    def count(self) -> int:
        return int(self.mask.sum())


def group_match(idx: FlagIndex, group_id: str, selected: Iterable[str]) -> np.ndarray:
    g = taxonomy.GROUP_BY_ID[group_id]
    cols = [idx.true[taxonomy.flag_column(group_id, v)] for v in selected]
    if not cols:
        return np.ones(idx.n, dtype=bool)
    stack = np.vstack(cols)
    return stack.all(axis=0) if g.mode == taxonomy.ALL else stack.any(axis=0)


def place_mask(idx: FlagIndex, state: FilterState) -> np.ndarray:
    """Area and name filters (attributes aside)."""
    m = np.ones(idx.n, dtype=bool)
    if state.spa:
        m &= np.isin(idx.spa, state.spa)
    if state.sd:
        m &= np.isin(idx.sd, state.sd)
    if state.query:
        q = state.query.lower()
        m &= np.fromiter((q in s for s in idx.names), dtype=bool, count=idx.n)
    return m


def match(idx: FlagIndex, state: FilterState, *, skip_group: str | None = None) -> Match:
    strict = place_mask(idx, state)
    maybe = strict.copy()
    for gid, sel in state.attribute_filters.items():
        if gid == skip_group:
            continue
        hit = group_match(idx, gid, sel)
        strict &= hit
        maybe &= hit | ~idx.known[gid]
    unknown = maybe & ~strict
    mask = strict | unknown if state.include_unknown else strict
    return Match(mask=mask, strict=strict, unknown=unknown)


def option_counts(idx: FlagIndex, state: FilterState, group_id: str) -> dict[str, int]:
    """For each value of a group: the number of sites shown after checking it, with every
    other filter as it is (for a value already checked: the number shown now).  Checking a
    value of an "all" group narrows the selection; of an "any" group, widens it."""
    others = match(idx, state, skip_group=group_id)
    maybe = others.strict | others.unknown  # the other filters, unknown attributes allowed
    selected = state.selected(group_id)
    out = {}
    for v in taxonomy.GROUP_BY_ID[group_id].values:
        hit = group_match(idx, group_id, dict.fromkeys((*selected, v.id)))
        if state.include_unknown:
            shown = maybe & (hit | ~idx.known[group_id])
        else:
            shown = others.strict & hit
        out[v.id] = int(shown.sum())
    return out
