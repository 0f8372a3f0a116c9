"""The snapshot's geography tables: sites tagged with their SPA, district and tract; the
tract table (population, district shares); the area table (SPA, district, county: residents,
sites, beds); and the drive-time table (OEPS minutes by tract)."""

from __future__ import annotations

import pandas as pd

from dashboard import taxonomy
from dashboard.ingest import areas
from dashboard.ingest.sources import (
    oeps_drive_time,
)


def tag_areas(fac: pd.DataFrame, src: dict) -> pd.DataFrame:
    spas, sds, tracts = src["spas"], src["districts"], src["tracts"]
    fac = fac.copy()
    fac["spa"] = pd.array(
        areas.tag_points(fac["lon"], fac["lat"], spas["geometry"], spas["spa"]), dtype="Int64"
    )
    fac["sd"] = pd.array(areas.tag_points(fac["lon"], fac["lat"], sds["geometry"], sds["sd"]), dtype="Int64")
    fac["tract"] = areas.tag_points(fac["lon"], fac["lat"], tracts["geometry"], tracts["geoid"], snap=0.002)
    names = dict(zip(spas["spa"], spas["name"], strict=True))
    fac["spa_name"] = fac["spa"].map(lambda v: names.get(v) if pd.notna(v) else None)
    return fac


# A tract straddles a district line when at least this share of its area lies in a second
# district (smaller slivers are within the simplified lines' error).
STRADDLE_SHARE = 0.01


SPLIT_METHOD = (
    "Each 2010 census tract is counted whole in the 2021 district that holds the largest "
    f"share of its area. A tract straddles a line when at least {STRADDLE_SHARE:.0%} of its area "
    "lies in another district; the true district population lies between the population of "
    "the tracts wholly inside it (low) and that plus every straddling tract it shares (high). "
    "Area-share apportionment (population split by the share of each tract's area) is shown "
    "beside it."
)


LINE_METRES = 200  # the simplified district lines can be off by this much


def district_shares(src: dict) -> pd.DataFrame:
    """Share of each tract's area in each 2021 district (``areas.area_shares``)."""
    return areas.area_shares(src["tracts"]["geometry"], src["districts"]["geometry"], src["districts"]["sd"])


def tract_table(src: dict, shares: pd.DataFrame) -> pd.DataFrame:
    tracts, spas = src["tracts"], src["spas"]
    x, y = areas.representative_points(tracts["geometry"])
    out = tracts.drop(columns=["geometry"]).copy()
    out["lon"], out["lat"] = x, y
    spa_by_loc = areas.tag_points(x, y, spas["geometry"], spas["spa"])
    out["spa"] = out["spa"].fillna(pd.Series(spa_by_loc, index=out.index)).astype("Int64")
    top = shares.sort_values(["item", "share", "zone"], ascending=[True, False, True]).groupby("item").first()
    out["sd"] = pd.array(pd.Series(top["zone"], dtype="Int64").reindex(out.index), dtype="Int64")
    out["sd_share"] = top["share"].reindex(out.index).round(3)
    zones = shares[shares["share"] >= STRADDLE_SHARE].groupby("item")["zone"].nunique()
    out["sd_straddles"] = zones.reindex(out.index).fillna(0).astype(int) > 1
    return out


def district_split(tracts: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Per 2021 district: population by the method used (largest area share), the population
    of tracts straddling its line, the low / high bounds and area-share apportionment."""
    pop = tracts["pop_total"].to_numpy()
    sh = shares.assign(pop=pop[shares["item"].to_numpy()])
    touching = sh[sh["share"] >= STRADDLE_SHARE]
    straddles = tracts["sd_straddles"].to_numpy()
    rows = {}
    for sd in sorted(int(z) for z in shares["zone"].unique()):
        mine = (tracts["sd"] == sd).to_numpy()
        inside = int(pop[mine & ~straddles].sum())
        shared_items = touching.loc[touching["zone"] == sd, "item"].to_numpy()
        shared = int(pop[shared_items][straddles[shared_items]].sum())
        rows[sd] = {
            "pop_total_area_share": round(float((sh["pop"] * sh["share"])[sh["zone"] == sd].sum())),
            "pop_straddling": shared,
            "pop_total_low": inside,
            "pop_total_high": inside + shared,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def area_table(tracts: pd.DataFrame, fac: pd.DataFrame, src: dict, split: pd.DataFrame) -> pd.DataFrame:
    pops = list(taxonomy.DENOMINATORS)
    rows = []
    county = {"level": "county", "area": 0, "name": "Los Angeles County"}
    county.update({p: int(tracts[p].sum()) for p in pops})
    rows.append(county)
    for level, col, names in (
        ("spa", "spa", dict(zip(src["spas"]["spa"], src["spas"]["name"], strict=True))),
        ("sd", "sd", dict(zip(src["districts"]["sd"], src["districts"]["name"], strict=True))),
    ):
        sums = tracts.groupby(col)[pops].sum()
        for area_id, name in sorted(names.items()):
            r = {"level": level, "area": int(area_id), "name": name}
            r.update({p: int(sums.loc[area_id, p]) if area_id in sums.index else 0 for p in pops})
            rows.append(r)
    out = pd.DataFrame(rows)
    beds = fac[fac["psych_beds"].notna()]
    for name, sub in (("beds", beds), ("beds_excl_state", beds[~beds["state_hospital"]])):
        out[name] = 0
        out.loc[out["level"] == "county", name] = int(sub["psych_beds"].sum())
        for level in ("spa", "sd"):
            s = sub.groupby(level)["psych_beds"].sum()
            m = out["level"] == level
            out.loc[m, name] = out.loc[m, "area"].map(s).fillna(0).astype(int)
    sd = out["level"] == "sd"
    for col in split.columns:
        out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
        out.loc[sd, col] = out.loc[sd, "area"].map(split[col]).astype("Int64").to_numpy()
    return out


# Tracts whose representative point lies south of this latitude are on Santa Catalina or San
# Clemente Island (the mainland ends near 33.70 N at Point Fermin).
ISLAND_LATITUDE = 33.6


ISLAND_NOTE = (
    "island tract: the source's drive time is implausible (no mainland provider is reachable "
    "by car); left out of the drive-time figures"
)


def drive_time_table(tracts: pd.DataFrame, drive: pd.DataFrame) -> pd.DataFrame:
    """Per tract of the tract table: OEPS drive minutes to the nearest SAMHSA-listed
    mental-health provider and providers within 30 minutes, with the tract's SPA, 2021
    district and populations; ``reliable`` marks the values the figures may use."""
    dt = drive.set_index("geoid")
    row = tracts["geoid"].map(lambda g: oeps_drive_time.RENUMBERED.get(g, g))
    out = tracts[["geoid", "spa", "sd", *taxonomy.DENOMINATORS]].copy()
    out["minutes"] = row.map(dt["minutes"]).astype("float64")
    out["providers_30min"] = pd.array(row.map(dt["providers_30min"]), dtype="Int64")
    island = tracts["lat"] < ISLAND_LATITUDE
    has_row = row.isin(dt.index)
    out["reliable"] = has_row & out["minutes"].notna() & ~island
    notes = pd.Series(None, index=out.index, dtype=object)
    notes[row != tracts["geoid"]] = "value of the same area under its 2010 tract id " + row
    notes[~has_row] = "no drive-time row in the source"
    notes[has_row & out["minutes"].isna()] = "the source gives no drive time"
    notes[island] = ISLAND_NOTE
    out["note"] = notes
    return out.reset_index(drop=True)
