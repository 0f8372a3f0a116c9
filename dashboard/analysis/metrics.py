"""Per-capita measures, access distances and gaps: pure functions over processed tables.

Denominators come from the tract table (2018 ISD estimates) and follow the population
filter: children -> residents 0-17, seniors -> 65+, adults / young adults -> 18-64,
Medi-Cal only -> residents below 133% of poverty; otherwise all residents.  Beds are
licensed (not staffed) acute psychiatric beds and are always per all residents: the CDPH
file does not say which beds serve which ages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import shapely

from dashboard import taxonomy
from dashboard.analysis.filters import FilterState, FlagIndex, match

PER = 100_000
MILES_PER_DEGREE_LAT = 69.09
# Straight-line distances use a local flat projection at LA's latitude: across the
# county (~100 miles) the error against great-circle distance is well under 1%.
REF_LAT = 34.2
_COS = float(np.cos(np.radians(REF_LAT)))


@dataclass(frozen=True)
class Denominator:
    columns: tuple[str, ...]
    label: str
    note: str = ""

    def of(self, frame: pd.DataFrame) -> pd.Series:
        return frame[list(self.columns)].sum(axis=1)


def denominator(state: FilterState) -> Denominator:
    pop_group = taxonomy.GROUP_BY_ID["population"]
    chosen = [pop_group.value(p) for p in state.population]
    ages = [v.denominator for v in chosen if v.denominator]
    medi_cal_only = state.payment == ("medi_cal",)
    if chosen and len(ages) == len(chosen):
        cols = tuple(dict.fromkeys(ages))
        label = " or ".join(taxonomy.DENOMINATORS[c] for c in cols)
        note = "; ".join(v.note for v in chosen if v.note)
        if medi_cal_only:
            note = (note + "; " if note else "") + (
                "no estimate by age and poverty together: the denominator is all incomes"
            )
        return Denominator(cols, label, note)
    if medi_cal_only:
        col = taxonomy.GROUP_BY_ID["payment"].value("medi_cal").denominator
        note = ""
        if chosen:
            note = "no estimate of this population by area: the denominator is all ages"
        return Denominator((col,), taxonomy.DENOMINATORS[col], note)
    note = ""
    if chosen:
        note = (
            f"no population estimate by area for {', '.join(v.label.lower() for v in chosen)}: "
            "per-capita figures use all residents"
        )
    return Denominator(("pop_total",), taxonomy.DENOMINATORS["pop_total"], note)


def per_100k(count, population):
    """count per 100,000; NaN where the population is zero."""
    count = np.asarray(count, dtype=float)
    population = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(population > 0, count / population * PER, np.nan)
    return out if out.ndim else float(out)


def tract_mask(tracts: pd.DataFrame, state: FilterState) -> np.ndarray:
    m = np.ones(len(tracts), dtype=bool)
    if state.spa:
        m &= tracts["spa"].isin(state.spa).to_numpy()
    if state.sd:
        m &= tracts["sd"].isin(state.sd).to_numpy()
    return m


def nearest_miles(from_lon, from_lat, to_lon, to_lat) -> np.ndarray:
    """Straight-line miles from each origin to the nearest destination (inf if none)."""
    from_lon, from_lat = np.asarray(from_lon, float), np.asarray(from_lat, float)
    to_lon, to_lat = np.asarray(to_lon, float), np.asarray(to_lat, float)
    ok = ~(np.isnan(to_lon) | np.isnan(to_lat))
    out = np.full(len(from_lon), np.inf)
    if not ok.any() or len(from_lon) == 0:
        return out
    k = MILES_PER_DEGREE_LAT
    dest = shapely.points(to_lon[ok] * _COS * k, to_lat[ok] * k)
    orig = shapely.points(from_lon * _COS * k, from_lat * k)
    tree = shapely.STRtree(dest)
    o_idx, d_idx = tree.query_nearest(orig, all_matches=False)
    out[o_idx] = shapely.distance(orig[o_idx], dest[d_idx])
    return out


def access_mask(idx: FlagIndex, state: FilterState) -> np.ndarray:
    """Facilities that count for access: matching anywhere in the county (a resident may
    cross an area line for care), located on the map."""
    return match(idx, replace(state, spa=(), sd=())).mask


def tract_access(
    tracts: pd.DataFrame, fac: pd.DataFrame, facility_mask: np.ndarray, den: Denominator, miles: float
) -> pd.DataFrame:
    """Per tract: distance to the nearest facility in the mask, and residents beyond ``miles``."""
    ok = np.asarray(facility_mask, dtype=bool) & (fac["location_precision"].to_numpy() != "none")
    dist = nearest_miles(tracts["lon"], tracts["lat"], fac["lon"].to_numpy()[ok], fac["lat"].to_numpy()[ok])
    out = tracts[["geoid", "spa", "sd"]].copy()
    out["residents"] = den.of(tracts).to_numpy()
    out["miles_to_nearest"] = dist
    out["far"] = dist > miles
    out["residents_far"] = np.where(out["far"], out["residents"], 0)
    return out


def far_summary(access: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Residents farther than the threshold, by area (or county-wide when ``by`` is None)."""
    keys = access[by] if by else pd.Series(0, index=access.index)
    g = access.groupby(keys)
    out = pd.DataFrame(
        {
            "residents": g["residents"].sum(),
            "residents_far": g["residents_far"].sum(),
            "tracts": g.size(),
            "tracts_far": g["far"].sum(),
        }
    )
    out["share_far"] = np.where(out["residents"] > 0, out["residents_far"] / out["residents"], np.nan)
    return out


def area_table(
    fac: pd.DataFrame,
    mask: np.ndarray,
    tracts: pd.DataFrame,
    areas: pd.DataFrame,
    level: str,
    den: Denominator,
) -> pd.DataFrame:
    """Per SPA or district: matching sites, denominator, sites per 100k, licensed beds per
    100k (all residents; with and without the state forensic hospital)."""
    names = areas[areas["level"] == level].set_index("area")["name"]
    pop = den.of(tracts).groupby(tracts[level]).sum()
    total = tracts.groupby(level)["pop_total"].sum()
    sites = pd.Series(fac[level].to_numpy()[np.asarray(mask, dtype=bool)]).value_counts()
    beds = _beds_by(fac, level)
    beds_x = _beds_by(fac, level, exclude_state=True)
    out = pd.DataFrame({"area": names.index.astype(int), "name": names.to_numpy()})
    out["sites"] = out["area"].map(sites).fillna(0).astype(int)
    out["population"] = out["area"].map(pop).fillna(0).astype(int)
    out["sites_per_100k"] = per_100k(out["sites"], out["population"])
    out["residents"] = out["area"].map(total).fillna(0).astype(int)
    out["beds"] = out["area"].map(beds).fillna(0).astype(int)
    out["beds_per_100k"] = per_100k(out["beds"], out["residents"])
    out["beds_excl_state"] = out["area"].map(beds_x).fillna(0).astype(int)
    out["beds_excl_state_per_100k"] = per_100k(out["beds_excl_state"], out["residents"])
    return out


def _beds_by(
    fac: pd.DataFrame, level: str | None, *, exclude_state: bool = False, where: np.ndarray | None = None
):
    """Licensed acute psychiatric beds summed by area (a Series), or in total (level None),
    working on columns only (the facility table is wide; beds sit on a few dozen rows)."""
    beds = fac["psych_beds"]
    keep = beds.notna().to_numpy()
    if exclude_state:
        keep = keep & ~fac["state_hospital"].to_numpy(dtype=bool)
    if where is not None:
        keep = keep & where
    values = beds.to_numpy(dtype=float, na_value=0.0)[keep]
    if level is None:
        return int(values.sum())
    return pd.Series(values).groupby(fac[level].to_numpy()[keep]).sum()


@dataclass(frozen=True)
class Headline:
    sites: int
    unknown: int
    population: int
    sites_per_100k: float
    residents: int
    beds: int
    beds_per_100k: float
    beds_excl_state: int
    beds_excl_state_per_100k: float
    residents_far: int
    share_far: float
    denominator: Denominator
    unplaced_beds: int


def headline(fac: pd.DataFrame, idx: FlagIndex, tracts: pd.DataFrame, state: FilterState) -> Headline:
    m = match(idx, state)
    den = denominator(state)
    tm = tract_mask(tracts, state)
    population = int(den.of(tracts.loc[tm]).sum())
    residents = int(tracts.loc[tm, "pop_total"].sum())
    in_area = np.ones(len(fac), dtype=bool)
    if state.spa:
        in_area &= np.isin(idx.spa, state.spa)
    if state.sd:
        in_area &= np.isin(idx.sd, state.sd)
    beds = _beds_by(fac, None, where=in_area)
    beds_x = _beds_by(fac, None, exclude_state=True, where=in_area)
    unplaced = 0
    if not (state.spa or state.sd):
        unplaced = _beds_by(fac, None, where=fac["location_precision"].to_numpy() == "none")
    access = tract_access(tracts.loc[tm], fac, access_mask(idx, state), den, state.miles)
    far = int(access["residents_far"].sum())
    return Headline(
        sites=m.count,
        unknown=int(m.unknown.sum()) if not state.include_unknown else 0,
        population=population,
        sites_per_100k=per_100k(m.count, population),
        residents=residents,
        beds=beds,
        beds_per_100k=per_100k(beds, residents),
        beds_excl_state=beds_x,
        beds_excl_state_per_100k=per_100k(beds_x, residents),
        residents_far=far,
        share_far=far / population if population else float("nan"),
        denominator=den,
        unplaced_beds=unplaced,
    )


CONTINUUM = (("outpatient", "outpatient"), ("day", "day"), ("residential", "residential"))


def continuum_table(
    fac: pd.DataFrame, idx: FlagIndex, tracts: pd.DataFrame, areas: pd.DataFrame, state: FilterState
) -> pd.DataFrame:
    """Per SPA and county: sites per 100k by care setting (the shared filters apply, the
    setting filter is replaced by each setting in turn) next to licensed beds per 100k."""
    den = denominator(state)
    base = replace(state, spa=(), sd=())
    out = None
    for name, setting in CONTINUUM:
        m = match(idx, replace(base, setting=(setting,))).mask
        t = area_table(fac, m, tracts, areas, "spa", den)
        cols = t[["area", "name", "sites"]].rename(columns={"sites": f"{name}_sites"})
        out = cols if out is None else out.merge(cols, on=["area", "name"])
        if name == "outpatient":
            keep = t[["area", "population", "residents", "beds", "beds_excl_state"]]
    out = out.merge(keep, on="area")
    county = {"area": 0, "name": "Los Angeles County"}
    for c in out.columns.drop(["area", "name"]):
        county[c] = out[c].sum()
    # County-wide counts include sites and beds outside any SPA polygon (not located).
    for name, setting in CONTINUUM:
        county[f"{name}_sites"] = int(match(idx, replace(base, setting=(setting,))).mask.sum())
    county["beds"] = _beds_by(fac, None)
    county["beds_excl_state"] = _beds_by(fac, None, exclude_state=True)
    out = pd.concat([out, pd.DataFrame([county])], ignore_index=True)
    for name, _ in CONTINUUM:
        out[f"{name}_per_100k"] = per_100k(out[f"{name}_sites"], out["population"])
    out["beds_per_100k"] = per_100k(out["beds"], out["residents"])
    out["beds_excl_state_per_100k"] = per_100k(out["beds_excl_state"], out["residents"])
    return out
