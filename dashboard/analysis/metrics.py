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

from dashboard import snapshot, taxonomy
from dashboard.analysis.filters import FilterState, FlagIndex, Match, match
from dashboard.vocab import DRIVE_MINUTES, Precision

PER = 100_000
MILES_PER_DEGREE_LAT = 69.09
# Straight-line distances use a local flat projection at LA's latitude: across the
# county (~100 miles) the error against great-circle distance is well under 1%.
REF_LAT = 34.2
_COS = float(np.cos(np.radians(REF_LAT)))


def miles_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude as x and y in miles on that projection."""
    k = MILES_PER_DEGREE_LAT
    return np.asarray(lon, float) * _COS * k, np.asarray(lat, float) * k


@dataclass(frozen=True)
class Denominator:
    columns: tuple[str, ...]
    label: str
    note: str = ""

    def values(self, frame: pd.DataFrame) -> np.ndarray:
        """The denominator's residents per row of ``frame`` (the sum of its columns), as floats."""
        return frame[list(self.columns)].to_numpy(dtype=float).sum(axis=1)

    def of(self, frame: pd.DataFrame) -> pd.Series:
        return pd.Series(self.values(frame), index=frame.index)


def denominator(state: FilterState) -> Denominator:
    pop_group = taxonomy.GROUP_BY_ID["population"]
    chosen = [pop_group.value(p) for p in state.population]
    ages = [v.denominator for v in chosen if v.denominator]
    medi_cal_only = state.payment == ("medi_cal",)
    if chosen and len(ages) == len(chosen):
        cols = tuple(dict.fromkeys(ages))
        label = " and ".join(taxonomy.DENOMINATORS[c] for c in cols) + (", combined" if len(cols) > 1 else "")
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
    dest = shapely.points(*miles_xy(to_lon[ok], to_lat[ok]))
    orig = shapely.points(*miles_xy(from_lon, from_lat))
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
    ok = np.asarray(facility_mask, dtype=bool) & (fac["location_precision"].to_numpy() != Precision.NONE)
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
    m: Match,
    tracts: pd.DataFrame,
    areas: pd.DataFrame,
    state: FilterState,
    den: Denominator,
) -> pd.DataFrame:
    """Per SPA or district (``state.level``): matching sites, the sites that might also match
    (attributes unknown), the denominator, sites per 100k and licensed beds per 100k all
    residents (the state forensic hospital counted only when ``state.state_hospital``).

    Numerator and denominator cover the same ground: with an area filter set, each row
    counts the sites and residents inside both the row's area and the selection (tracts by
    their representative point), and rows outside the selection are marked unselected with
    no rates.  (Sums by area id with numpy: a few areas, thousands of tracts, every view.)"""
    level = state.level
    names = snapshot.area_names(areas, level)
    ids = names.index.to_numpy(dtype=int)
    size = int(ids.max()) + 1
    keep = tract_mask(tracts, state)
    tract_area = _area_ids(tracts[level])[keep]
    pop = np.bincount(tract_area, weights=den.values(tracts)[keep], minlength=size)
    total = np.bincount(tract_area, weights=tracts["pop_total"].to_numpy(float)[keep], minlength=size)
    fac_area = _area_ids(fac[level])
    sites = np.bincount(fac_area[np.asarray(m.mask, dtype=bool)], minlength=size)
    unknown = np.bincount(fac_area[m.unknown & ~m.mask], minlength=size)
    beds = beds_in(fac, exclude_state=not state.state_hospital, where=place_mask_areas(fac, state))
    bed_sum = np.bincount(fac_area, weights=beds, minlength=size)
    out = pd.DataFrame({"area": ids, "name": names.to_numpy()})
    out["selected"] = np.isin(ids, tract_area)
    out["sites"] = sites[ids].astype(int)
    out["unknown_sites"] = unknown[ids].astype(int)
    out["population"] = pop[ids].astype(int)
    out["sites_per_100k"] = per_100k(out["sites"], out["population"])
    out["residents"] = total[ids].astype(int)
    out["beds"] = bed_sum[ids].astype(int)
    out["beds_per_100k"] = per_100k(out["beds"], out["residents"])
    return out


def _area_ids(col: pd.Series) -> np.ndarray:
    """Area ids as non-negative ints (0 where a row has none: an unplaced site)."""
    return col.fillna(0).to_numpy(dtype=int)


def place_mask_areas(fac: pd.DataFrame, state: FilterState) -> np.ndarray:
    """Facilities inside the selected SPAs and districts (all when none is selected)."""
    keep = np.ones(len(fac), dtype=bool)
    for col, chosen in (("spa", state.spa), ("sd", state.sd)):
        if chosen:
            keep &= fac[col].isin(chosen).to_numpy()
    return keep


def beds_in(fac: pd.DataFrame, *, exclude_state: bool = False, where: np.ndarray | None = None) -> np.ndarray:
    """Licensed acute psychiatric beds per facility row (0 where none, outside ``where`` or,
    with ``exclude_state``, at the state forensic hospital)."""
    beds = fac["psych_beds"].to_numpy(dtype=float, na_value=0.0)
    keep = np.ones(len(fac), dtype=bool)
    if exclude_state:
        keep &= ~fac["state_hospital"].to_numpy(dtype=bool)
    if where is not None:
        keep &= where
    return np.where(keep, beds, 0.0)


@dataclass(frozen=True)
class Headline:
    sites: int
    unknown: int  # sites not shown that might also match (an attribute filtered on is unknown)
    population: int
    sites_per_100k: float
    per_population: tuple[tuple[str, int, float], ...]  # (label, residents, sites per 100k) per group
    residents: int
    beds: int  # licensed acute psychiatric beds; the state forensic hospital only when switched on
    beds_per_100k: float
    state_hospital_beds: int  # its beds inside the selection (counted in ``beds`` or not)
    county_beds: int  # of ``beds``, those in county-run hospitals (by their licence name)
    county_beds_per_100k: float
    residents_far: int
    share_far: float
    denominator: Denominator
    # Of residents_far, those also beyond the view's minutes by OEPS drive time (the
    # time-or-distance standard), and those with no drive time (None without drive times).
    beyond_standard: int | None = None
    beyond_standard_unknown: int | None = None


def headline(
    fac: pd.DataFrame,
    idx: FlagIndex,
    tracts: pd.DataFrame,
    state: FilterState,
    drive: pd.DataFrame | None = None,
) -> Headline:
    """The Map page's headline figures for a view; with ``drive`` (the drive-time table) also
    the residents beyond the time-or-distance standard."""
    m = match(idx, state)
    den = denominator(state)
    keep = tract_mask(tracts, state)
    in_den = den.values(tracts)[keep]  # the denominator's residents per tract in the selection
    population = int(in_den.sum())
    residents = int(tracts["pop_total"].to_numpy()[keep].sum())
    in_area = place_mask_areas(fac, state)
    beds = int(beds_in(fac, exclude_state=not state.state_hospital, where=in_area).sum())
    state_beds = int(beds_in(fac, where=in_area & fac["state_hospital"].to_numpy(dtype=bool)).sum())
    county_run = fac["licence_operator"].to_numpy(dtype=object) == "local_government"
    county_beds = int(beds_in(fac, where=in_area & county_run).sum())
    ok = access_mask(idx, state) & (fac["location_precision"].to_numpy() != Precision.NONE)
    dist = nearest_miles(
        tracts["lon"].to_numpy()[keep],
        tracts["lat"].to_numpy()[keep],
        fac["lon"].to_numpy()[ok],
        fac["lat"].to_numpy()[ok],
    )
    far = int(in_den[dist > state.miles].sum())
    standard = {}
    if drive is not None:
        by_tract = pd.DataFrame({"geoid": tracts["geoid"].to_numpy()[keep], "far": dist > state.miles})
        by_tract["residents"] = in_den
        counted = beyond_standard(with_drive_time(by_tract, drive, state.minutes)).iloc[0]
        standard = {
            "beyond_standard": int(counted["beyond"]),
            "beyond_standard_unknown": int(counted["unknown"]),
        }
    parts = ()
    if len(den.columns) > 1:
        sums = {c: int(tracts[c].to_numpy()[keep].sum()) for c in den.columns}
        parts = tuple((taxonomy.DENOMINATORS[c], n, per_100k(m.count, n)) for c, n in sums.items())
    return Headline(
        sites=m.count,
        unknown=int((m.unknown & ~m.mask).sum()),
        population=population,
        sites_per_100k=per_100k(m.count, population),
        per_population=parts,
        residents=residents,
        beds=beds,
        beds_per_100k=per_100k(beds, residents),
        state_hospital_beds=state_beds,
        county_beds=county_beds,
        county_beds_per_100k=per_100k(county_beds, residents),
        residents_far=far,
        share_far=far / population if population else float("nan"),
        denominator=den,
        **standard,
    )


CONTINUUM = ("outpatient", "day", "residential")


def continuum_table(
    fac: pd.DataFrame, idx: FlagIndex, tracts: pd.DataFrame, areas: pd.DataFrame, state: FilterState
) -> pd.DataFrame:
    """Sites per 100k by care setting (the shared filters apply; the setting filter is
    replaced by each setting in turn) next to licensed beds per 100k residents: one row per
    SPA inside the area selection (named "… (part)" when a district selection cuts SPAs:
    ``FilterState.partial``), then the selection as a whole (when an area filter is set),
    then the county.  Columns: area, name, <setting>_sites, <setting>_unknown,
    population, residents, beds, <setting>_per_100k, beds_per_100k."""
    den = denominator(state)
    by_spa = replace(state, level="spa")
    county_state = replace(state, spa=(), sd=())
    out = {}
    totals = {"selection": {}, "county": {}}
    for setting in CONTINUUM:
        m = match(idx, replace(by_spa, setting=(setting,)))
        t = area_table(fac, m, tracts, areas, by_spa, den)  # one row per SPA, same order each time
        out[f"{setting}_sites"] = t["sites"].to_numpy()
        out[f"{setting}_unknown"] = t["unknown_sites"].to_numpy()
        totals["selection"][f"{setting}_sites"] = m.count
        totals["selection"][f"{setting}_unknown"] = int((m.unknown & ~m.mask).sum())
        mc = match(idx, replace(county_state, setting=(setting,)))
        totals["county"][f"{setting}_sites"] = mc.count
        totals["county"][f"{setting}_unknown"] = int((mc.unknown & ~mc.mask).sum())
    out = pd.concat([t[["area", "name"]], pd.DataFrame(out), t[["population", "residents", "beds"]]], axis=1)[
        t["selected"].to_numpy()
    ]
    if state.partial("spa"):
        out["name"] = out["name"] + " (part)"
    rows = [out]
    for key, st8, name in (
        ("selection", state, "Selected area"),
        ("county", county_state, "Los Angeles County"),
    ):
        if key == "selection" and not (state.spa or state.sd):
            continue
        tr = tracts.loc[tract_mask(tracts, st8)]
        keep = place_mask_areas(fac, st8)
        row = {"area": 0, "name": name, **totals[key]}
        row["population"] = int(den.of(tr).sum())
        row["residents"] = int(tr["pop_total"].sum())
        row["beds"] = int(beds_in(fac, exclude_state=not state.state_hospital, where=keep).sum())
        rows.append(pd.DataFrame([row]))
    out = pd.concat(rows, ignore_index=True)
    for setting in CONTINUUM:
        out[f"{setting}_per_100k"] = per_100k(out[f"{setting}_sites"], out["population"])
    out["beds_per_100k"] = per_100k(out["beds"], out["residents"])
    return out


def drive_time_summary(drive: pd.DataFrame, den: Denominator, by: str | None = None) -> pd.DataFrame:
    """Residents (the denominator's) by drive minutes to the nearest SAMHSA-listed provider:
    how many live beyond 10, 20 and 30 minutes, per area (``by``: "spa" or "sd") or overall.
    Tracts without a reliable value are left out of every column but ``tracts_without_value``.
    ``drive``: the snapshot's drive_time table (or the rows of it inside a selection)."""
    minutes = drive["minutes"].to_numpy(dtype=float, na_value=np.nan)
    ok = drive["reliable"].fillna(False).to_numpy(dtype=bool) & ~np.isnan(minutes)
    residents = np.where(ok, den.of(drive).to_numpy(dtype=float), 0)
    out = group_sums(
        drive[by].to_numpy() if by else None,
        {
            "residents": residents,
            **{f"beyond_{m}": np.where(minutes > m, residents, 0) for m in DRIVE_MINUTES},
            "tracts_without_value": ~ok,
        },
    ).astype(int)
    for m in DRIVE_MINUTES:
        out[f"share_{m}"] = np.where(out["residents"] > 0, out[f"beyond_{m}"] / out["residents"], np.nan)
    return out


def group_sums(keys, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Sums of each column per key (sorted keys; one group 0 when ``keys`` is None; rows with
    a missing key left out, as a pandas groupby does): numpy bincount, several times faster
    than a groupby on a few thousand tracts."""
    if keys is None:
        return pd.DataFrame(
            {k: [float(np.sum(v))] for k, v in columns.items()}, index=pd.Index([0], name="key")
        )
    codes, uniques = pd.factorize(np.asarray(keys), sort=True)
    n, has = len(uniques), codes >= 0
    out = {
        k: np.bincount(codes[has], weights=np.asarray(v, float)[has], minlength=n) for k, v in columns.items()
    }
    return pd.DataFrame(out, index=pd.Index(uniques, name="key"))


def with_drive_time(access: pd.DataFrame, drive: pd.DataFrame, minutes: float) -> pd.DataFrame:
    """``access`` (``tract_access`` rows) plus, per tract, whether OEPS gives a reliable drive
    time (``time_known``) and whether it is more than ``minutes`` (``time_far``): the time leg
    of the time-or-distance standard, to any SAMHSA-listed provider (OEPS has no drive times
    to the filter's sites)."""
    by_geoid = drive.set_index("geoid")
    drive_min = access["geoid"].map(by_geoid["minutes"]).to_numpy(dtype=float)
    reliable = access["geoid"].map(by_geoid["reliable"]).fillna(False).to_numpy(dtype=bool)
    known = reliable & ~np.isnan(drive_min)
    return access.assign(time_known=known, time_far=known & (np.nan_to_num(drive_min) > minutes))


def beyond_standard(access: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Residents beyond a time-or-distance standard, per area (or overall when ``by`` is
    None): a tract's residents are beyond it when the tract is farther than the distance from
    a matching site *and* more than the standard's minutes from a provider by OEPS drive time
    (``access``: ``with_drive_time`` rows); where OEPS has no reliable time, residents beyond
    the distance are counted apart (``unknown``: they may be beyond)."""
    far = access["far"].to_numpy(bool)
    residents = access["residents"].to_numpy(float)
    out = group_sums(
        access[by].to_numpy() if by else None,
        {
            "residents": residents,
            "beyond": np.where(far & access["time_far"].to_numpy(bool), residents, 0),
            "unknown": np.where(far & ~access["time_known"].to_numpy(bool), residents, 0),
        },
    )
    out["share"] = np.where(out["residents"] > 0, out["beyond"] / out["residents"], np.nan)
    return out
