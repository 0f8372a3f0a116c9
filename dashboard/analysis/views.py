"""What a view needs, computed once per view and shared by every session of a process.

A shared link opened by 50 people, or the same filters ticked again, asks for the same
matches, counts, headline and area table: ``Views`` computes each once per *canonical*
state — the state with only the settings that result depends on (the map's position, the
memo layout or the page do not change a headline) — and keeps it in a bounded LRU cache.
Results never go stale: they depend on the snapshot only, which a process never changes (a
new snapshot is a new ``Views``).  Cached results are shared, so they are read-only: arrays
are marked unwriteable, frames must be copied before they are changed.

Concurrent sessions asking for the same missing entry wait for the first one's result
instead of each computing it (``LruCache.get``); ``stats()`` counts hits and misses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import TypeVar

import numpy as np
import pandas as pd

from dashboard.analysis import catchment, filters, metrics
from dashboard.analysis.filters import DEFAULT, FilterState, FlagIndex, Match

T = TypeVar("T")


class LruCache:
    """A thread-safe mapping of at most ``max_entries`` results, least recently used first
    out, that computes a missing result once however many threads ask for it at once."""

    def __init__(self, max_entries: int = 1024):
        self.max_entries = max_entries
        self.hits = self.misses = 0
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[return-value]
            waiting = self._pending.get(key)
            if waiting is None:
                self._pending[key] = threading.Event()
                self.misses += 1
        if waiting is not None:  # another thread computes it: wait for its result
            waiting.wait()
            with self._lock:
                if key in self._entries:
                    self.hits += 1
                    return self._entries[key]  # type: ignore[return-value]
            return compute()  # it failed there: try here (and let the error show here)
        try:
            value = compute()
            with self._lock:
                self._entries[key] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop(key).set()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "entries": len(self._entries)}


def match_key(state: FilterState) -> FilterState:
    """The settings that decide which sites match (and the counts beside the filters)."""
    return replace(
        DEFAULT,
        **{g: state.selected(g) for g in filters.GROUP_IDS},
        spa=state.spa,
        sd=state.sd,
        query=state.query,
        include_unknown=state.include_unknown,
    )


def _frozen(m: Match) -> Match:
    for a in (m.mask, m.strict, m.unknown):
        a.setflags(write=False)
    return m


class Views:
    """Per snapshot: the filter matches, option counts, headline and area table of a view,
    each cached by the part of the state it depends on."""

    def __init__(
        self,
        fac: pd.DataFrame,
        idx: FlagIndex,
        tracts: pd.DataFrame,
        areas: pd.DataFrame,
        drive: pd.DataFrame | None = None,
        max_entries: int = 2048,
    ):
        self.fac, self.idx, self.tracts, self.areas, self.drive = fac, idx, tracts, areas, drive
        self.cache = LruCache(max_entries)

    def miles(self) -> np.ndarray:
        """Straight-line miles from every tract to every facility (``catchment.miles_matrix``;
        NaN for the unplaced), made once: capacity within reach slices it per view."""

        def make():
            m = catchment.miles_matrix(
                self.tracts["lat"], self.tracts["lon"], self.fac["lat"], self.fac["lon"]
            )
            m.flags.writeable = False
            return m

        return self.cache.get(("miles",), make)

    def beds_reach(self, state: FilterState) -> pd.DataFrame:
        """Licensed acute psychiatric beds per 100k residents within ``state.miles`` of each
        tract (``catchment.tract_reach`` with each hospital's beds as its supply and every
        resident as demand, as the beds per 100k inside an area's lines): it depends on the
        distance and on whether the state forensic hospital counts, nothing else."""

        def make() -> pd.DataFrame:
            beds = metrics.beds_in(self.fac, exclude_state=not state.state_hospital)
            people = self.tracts["pop_total"].to_numpy(float)
            return catchment.tract_reach(
                self.tracts, self.fac, beds > 0, people, state.miles, miles_all=self.miles(), supply=beds
            )

        return self.cache.get(("beds_reach", state.state_hospital, state.miles), make)

    def continuum(self, state: FilterState) -> pd.DataFrame:
        """``metrics.continuum_table`` with the beds within ``state.miles`` beside the beds
        inside each row's lines (``beds_reach_per_100k`` and ``_decay_``: ``beds_reach``
        averaged over the row's tracts, ``catchment.table_rows``).  Read-only."""
        key = replace(match_key(state), state_hospital=state.state_hospital, miles=state.miles)

        def compute() -> pd.DataFrame:
            cont = metrics.continuum_table(self.fac, self.idx, self.tracts, self.areas, key)
            in_area = metrics.tract_mask(self.tracts, key)
            near = catchment.table_rows(self.beds_reach(key), cont["area"], in_area, bool(key.selection))
            cont["beds_reach_per_100k"] = near["reach"].to_numpy()  # the same rows, same order
            cont["beds_reach_decay_per_100k"] = near["reach_decay"].to_numpy()
            return cont

        return self.cache.get(("continuum", key), compute)

    def match(self, state: FilterState) -> Match:
        key = match_key(state)
        return self.cache.get(("match", key), lambda: _frozen(filters.match(self.idx, key)))

    def option_counts(self, state: FilterState) -> dict[str, dict[str, int]]:
        """Per group, per value: the sites shown after choosing it (``filters.option_counts``)."""
        key = match_key(state)
        return self.cache.get(
            ("counts", key),
            lambda: {g: filters.option_counts(self.idx, key, g) for g in filters.GROUP_IDS},
        )

    def headline(self, state: FilterState) -> metrics.Headline:
        key = replace(
            match_key(state), state_hospital=state.state_hospital, miles=state.miles, minutes=state.minutes
        )
        return self.cache.get(
            ("headline", key), lambda: metrics.headline(self.fac, self.idx, self.tracts, key, self.drive)
        )

    def area_table(self, state: FilterState) -> pd.DataFrame:
        """``metrics.area_table`` at ``state.level`` (read-only: copy before changing it)."""
        key = replace(match_key(state), state_hospital=state.state_hospital, level=state.level)

        def compute() -> pd.DataFrame:
            den = metrics.denominator(key)
            return metrics.area_table(self.fac, self.match(key), self.tracts, self.areas, key, den)

        return self.cache.get(("areas", key), compute)

    def stats(self) -> dict[str, int]:
        return self.cache.stats()
