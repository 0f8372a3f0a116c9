"""Raw public sources -> one located, de-duplicated, area-tagged, validated facility table.

CLI::

    python -m dashboard.ingest build [--geocode]   # raw sources -> data/snapshot/
    python -m dashboard.ingest report [--json]     # counts a maintainer needs (from the snapshot)
    python -m dashboard.ingest fetch [--from URL]  # fresh raw copies into data/raw/

Steps of ``build``: read every source -> assemble sites (directory programs, then the
substance-use directory, locator, LMS/211, licensed facilities and bed-holding hospitals
joined by the matching rules of ``match``) -> locate (exact address match / geocoder cache
/ ZIP centroid / none) -> taxonomy flags -> tag SPA, 2021 supervisorial district and tract
-> denominators (tracts split across district lines by largest area share, with the error
bound) -> drive time by tract, shortage areas -> validate -> write -> report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from dashboard import config, snapshot, taxonomy
from dashboard.errors import BuildError, SnapshotError, SourceError
from dashboard.ingest import areas, checks, overrides
from dashboard.ingest.assemble import assemble_sites
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.crosswalk import BEDS_TO_LOCATION
from dashboard.ingest.facilities import facility_table
from dashboard.ingest.geocode import CensusGeocoder
from dashboard.ingest.sites import LOCATION_LABEL
from dashboard.ingest.sources import (
    cdph_beds,
    common,
    costs,
    covidcaremap,
    dhcs_licensed,
    districts_2021,
    geo,
    hcai,
    hpsa,
    lms_211,
    oeps_drive_time,
    samhsa_directory,
    samhsa_locator,
)
from dashboard.registry import SOURCES
from dashboard.vocab import Precision

SCHEMA_VERSION = 1

Progress = Callable[[str, float], None]


# --------------------------------------------------------------------------- reading


def read_sources(raw_dir: Path) -> dict[str, object]:
    raw_dir = Path(raw_dir)
    out: dict[str, object] = {
        "directory": samhsa_directory.read(raw_dir),
        "code_labels": samhsa_directory.code_labels(raw_dir, "mental"),
        "locator": samhsa_locator.read(raw_dir),
        "lms": lms_211.read(raw_dir),
        "beds": cdph_beds.read(raw_dir),
        "hcai": hcai.read(raw_dir),
        "ccm": covidcaremap.read(raw_dir),
        "licensed": dhcs_licensed.read(raw_dir),
        "benchmarks": costs.read(raw_dir),
        "spas": geo.read_spas(raw_dir),
        "districts": districts_2021.read(raw_dir),
        "tracts": geo.read_tracts(raw_dir),
        "spa_population": geo.read_spa_population(raw_dir),
        "boundary": geo.read_boundary(raw_dir),
        "drive_time": oeps_drive_time.read(raw_dir),
        "hpsa": hpsa.read(raw_dir),
    }
    return out


# --------------------------------------------------------------------------- areas


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


DRIVE_MINUTES = (10, 20, 30)
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


def drive_time_report(dt: pd.DataFrame, drive: pd.DataFrame, areas_: pd.DataFrame) -> dict:
    ok = dt[dt["reliable"]]
    names = {
        "spa": dict(areas_.loc[areas_["level"] == "spa", ["area", "name"]].itertuples(index=False)),
        "sd": dict(areas_.loc[areas_["level"] == "sd", ["area", "name"]].itertuples(index=False)),
    }
    beyond = {}
    for m in DRIVE_MINUTES:
        far = ok[ok["minutes"] > m]
        beyond[str(m)] = {
            "county": int(far["pop_total"].sum()),
            "by_spa": {
                names["spa"][k]: int(far.loc[far["spa"] == k, "pop_total"].sum()) for k in names["spa"]
            },
            "by_district": {
                names["sd"][k]: int(far.loc[far["sd"] == k, "pop_total"].sum()) for k in names["sd"]
            },
        }
    used = set(dt["geoid"].map(lambda g: oeps_drive_time.RENUMBERED.get(g, g)))
    return {
        "tracts": len(dt),
        "tracts_with_a_reliable_value": len(ok),
        "population_with_a_reliable_value": int(ok["pop_total"].sum()),
        "tracts_without_a_value": {
            g: {"population": int(p), "why": n}
            for g, p, n in dt.loc[~dt["reliable"], ["geoid", "pop_total", "note"]].itertuples(index=False)
        },
        "rows_for_tracts_not_in_the_tract_table": sorted(set(drive["geoid"]) - used - set(dt["geoid"])),
        "residents_beyond_minutes": beyond,
    }


def hpsa_report(h: pd.DataFrame) -> dict:
    return {
        "rows": len(h),
        "by_status": {k: int(v) for k, v in h["status"].value_counts().sort_index().items()},
        "designated_by_type": {
            k: int(v)
            for k, v in h.loc[h["status"] == "Designated", "type"].value_counts().sort_index().items()
        },
    }


# --------------------------------------------------------------------------- validation


REQUIRED = (
    "site_id",
    "name",
    "lat",
    "lon",
    "location_precision",
    "primary_source",
    "as_of",
    "sources",
    "spa",
    "sd",
    "kind",
    *taxonomy.flag_columns(),
)


def validate(
    fac: pd.DataFrame, area: pd.DataFrame, src: dict, counts: BuildCounts, *, check_counts: bool = True
) -> None:
    missing = [c for c in REQUIRED if c not in fac.columns]
    if missing:
        raise BuildError(f"facility table lacks columns {missing}")
    located = fac["location_precision"] != Precision.NONE
    outside = located & fac["spa"].isna()
    if outside.any():
        bad = fac.loc[outside, ["primary_source", "name", "lat", "lon"]].head(5)
        raise BuildError(
            "located facilities fall outside Los Angeles County: "
            + "; ".join(
                f"{r.primary_source}: {r.name!r} at ({r.lat:.4f}, {r.lon:.4f})" for r in bad.itertuples()
            )
        )
    # Published SPA totals must equal our tract sums (same 2018 estimates).
    pub = src["spa_population"].set_index("spa")
    ours = area[area["level"] == "spa"].set_index("area")
    path = f"{SOURCES['geo'].folder}/{geo.SPA_POP_FILE}"
    for col in ("pop_total", "pop_0_17", "pop_65p", "pov133"):
        if col in pub.columns:
            diff = (ours[col] - pub.loc[ours.index, col]).abs()
            if (diff > 0).any():
                raise BuildError(
                    f"{path}: column {col!r}: SPA totals differ from the tract sums "
                    f"for SPA {diff[diff > 0].index.tolist()} (tract file and SPA file "
                    "are from different vintages?)"
                )
    if check_counts:
        for key, lo, hi in (
            ("directory_mental_rows", 100, 5000),
            ("bed_facilities", 20, 500),
            ("locator_rows", 100, 5000),
            ("lms_rows", 100, 5000),
            ("licensed_rows", 10, 1000),
        ):
            n = getattr(counts, key)
            if not lo <= n <= hi:
                raise BuildError(
                    f"{key} = {n} is outside the expected range "
                    f"[{lo}, {hi}]: a truncated or wrong source file?"
                )
        if not 9_000_000 < area.loc[area["level"] == "county", "pop_total"].iloc[0] < 12_000_000:
            raise BuildError(f"{path}: county population outside the expected 9-12 million")


def check_rows(raw_dir: Path) -> None:
    """Each registered file holds at least its ``min_rows`` records (a file cut cleanly at a
    record boundary reads without error, but is short).  Run right after reading, so the
    message names the file rather than a later symptom (a count, a crosswalk entry)."""
    for s in SOURCES.values():
        for f in s.files:
            n = common.records_in(Path(raw_dir) / s.folder / f.name)
            if n is None:
                raise BuildError(f"{s.folder}/{f.name} cannot be read to count its records")
            if n < f.min_rows:
                raise BuildError(
                    f"{s.folder}/{f.name}: {n} rows, expected at least {f.min_rows}: the file looks truncated"
                )


# --------------------------------------------------------------------------- build


def fingerprint(raw_dir: Path) -> dict:
    """What a snapshot was built from: the sha256 of every registered raw file (None when
    absent) and the hash of the code that builds it.  Depends on content only, so two
    builds of the same files by the same code carry the same fingerprint anywhere."""
    files = {}
    for s in SOURCES.values():
        for f in s.files:
            p = Path(raw_dir) / s.folder / f.name
            try:
                files[f"{s.folder}/{f.name}"] = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            except OSError:
                files[f"{s.folder}/{f.name}"] = None
    return {"files": files, "code": code_hash(), "schema": SCHEMA_VERSION}


def code_hash() -> str:
    """sha1 of the code a snapshot depends on: the whole ingest package and the shared
    modules it imports (registry, taxonomy, errors, snapshot)."""
    pkg = Path(__file__).resolve().parent
    core = pkg.parent
    paths = sorted(pkg.rglob("*.py")) + [
        core / f"{m}.py" for m in ("registry", "taxonomy", "errors", "snapshot")
    ]
    h = hashlib.sha1(usedforsecurity=False)
    for p in paths:
        h.update(p.relative_to(core).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def build(
    raw_dir: Path | None = None,
    data_dir: Path | None = None,
    *,
    progress: Progress | None = None,
    geocoder: CensusGeocoder | None = None,
    check_counts: bool = True,
) -> snapshot.Snapshot:
    """Raw sources -> a new snapshot in ``data_dir`` (default: the committed data/snapshot/).

    ``geocoder`` defaults to the offline Census geocoder cache (``data/geocode_cache.json``);
    pass ``CensusGeocoder(online=True)`` to ask the geocoder for addresses it lacks."""
    raw_dir = Path(raw_dir or config.raw_dir())
    data_dir = Path(data_dir or config.data_dir())
    say = progress or (lambda msg, frac: None)
    t0 = time.perf_counter()
    if not raw_dir.is_dir():
        raise BuildError(
            f"no raw sources at {raw_dir}: put them there, set LAMH_RAW_DIR, or run `{config.FETCH_COMMAND}`"
        )
    fp = fingerprint(raw_dir)
    say("Reading the raw sources", 0.05)
    src = read_sources(raw_dir)
    if check_counts:
        check_rows(raw_dir)
    say("Matching and locating facilities", 0.35)
    geocoder = geocoder if geocoder is not None else CensusGeocoder()
    sites, counts, excluded, bed_rows = assemble_sites(src, geocoder)
    geocoder.save()
    say("Tagging areas", 0.6)
    fac = tag_areas(facility_table(sites), src)
    shares = district_shares(src)
    tracts = tract_table(src, shares)
    area = area_table(tracts, fac, src, district_split(tracts, shares))
    near_line = areas.metres_to(fac["lon"], fac["lat"], areas.shared_lines(src["districts"]["geometry"]))
    say("Validating", 0.8)
    validate(fac, area, src, counts, check_counts=check_counts)
    beds = _beds_table(bed_rows, fac)
    geojson = {
        "spa": areas.to_geojson(src["spas"], "spa", tolerance=0.003, precision=4, props=("name",)),
        "sd": areas.to_geojson(src["districts"], "sd", tolerance=0.003, precision=4, props=("name",)),
        "tracts": areas.to_geojson(src["tracts"], "geoid", tolerance=0.0015, precision=4),
    }
    report = make_report(fac, area, counts, excluded)
    report["districts_2021"] = district_report(area, tracts, near_line)
    drive = drive_time_table(tracts, src["drive_time"])
    report["drive_time"] = drive_time_report(drive, src["drive_time"], area)
    report["hpsa"] = hpsa_report(src["hpsa"])
    manifest = {
        "schema": SCHEMA_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - t0, 2),
        "fingerprint": fp,
        "sources": {
            k: {
                "title": s.title,
                "publisher": s.publisher,
                "vintage": s.vintage,
                "licence": s.licence,
                "url": s.url,
                **{f: getattr(s, f) for f in ("method", "geography", "limits") if getattr(s, f)},
            }
            for k, s in SOURCES.items()
        },
        "population_vintage": geo.POP_VINTAGE,
        "code_labels": src["code_labels"],
        "bed_crosswalk": {
            facid: {"placed_by": ref, "why": why} for facid, (ref, why) in BEDS_TO_LOCATION.items()
        },
        "match_overrides": overrides.table(),
        "report": report,
    }
    say("Writing the snapshot", 0.9)
    tables = {
        "facilities": fac,
        "areas": area,
        "tracts": tracts,
        "beds": beds,
        "benchmarks": src["benchmarks"],
        "excluded": excluded,
        "drive_time": drive,
        "hpsa": src["hpsa"],
    }
    snapshot.write(data_dir, tables, geojson, manifest)
    say("Done", 1.0)
    return snapshot.read(data_dir)


def _beds_table(bed_rows: pd.DataFrame, fac: pd.DataFrame) -> pd.DataFrame:
    cols = ["facid", "facname", "fac_type", "beds", "data_date", "state_hospital", "location_how"]
    out = bed_rows[cols].copy()
    site = fac[fac["beds_facid"].notna()].set_index("beds_facid")
    out["site_id"] = out["facid"].map(site["site_id"])
    out["spa"] = out["facid"].map(site["spa"]).astype("Int64")
    out["sd"] = out["facid"].map(site["sd"]).astype("Int64")
    out["located"] = out["facid"].map(site["location_precision"]) != Precision.NONE
    return out


# --------------------------------------------------------------------------- report


def make_report(fac: pd.DataFrame, area: pd.DataFrame, counts: BuildCounts, excluded: pd.DataFrame) -> dict:
    county = area[area["level"] == "county"].iloc[0]
    spa = area[area["level"] == "spa"].set_index("name")
    by_value = {}
    for g in taxonomy.GROUPS:
        col0 = taxonomy.flag_column(g.id, g.values[0].id)
        by_value[g.id] = {
            "known": int(fac[col0].notna().sum()),
            "unknown": int(fac[col0].isna().sum()),
            "values": {
                v.id: int(fac[taxonomy.flag_column(g.id, v.id)].fillna(False).sum()) for v in g.values
            },
        }
    return {
        "facilities": len(fac),
        "facilities_by_primary_source": {k: int(v) for k, v in fac["primary_source"].value_counts().items()},
        "facilities_by_source_present": {
            s: int(fac["sources"].str.split(";").map(lambda xs, s=s: s in xs).sum())
            for s in SOURCES
            if s in LOCATION_LABEL  # the sources whose records are sites' records
        },
        "facilities_by_location_precision": {
            k: int(v) for k, v in fac["location_precision"].value_counts().items()
        },
        "facilities_by_kind": {k: int(v) for k, v in fac["kind"].value_counts().items()},
        "facilities_by_spa": {str(k): int(v) for k, v in fac.groupby("spa_name")["site_id"].count().items()},
        "facilities_outside_any_area": int(fac["spa"].isna().sum()),
        "by_taxonomy_value": by_value,
        "source_rows": counts.as_dict(),
        "excluded_by_reason": {k: int(v) for k, v in excluded["reason"].value_counts().items()}
        if len(excluded)
        else {},
        "matching": {
            "close_pairs_with_similar_names": checks.summary(fac),
            "records_used_by_several_sites": checks.shared_records(fac),
            "links_by_rule": dict(counts.records_linked_by_rule),
            "overrides": len(overrides.table()),  # reviewed entries, listed in manifest["match_overrides"]
        },
        "licensed_acute_psych_beds": {
            "facilities": counts.bed_facilities,
            "total": counts.beds_total,
            "excluding_state_hospital": counts.beds_excluding_state_hospital,
            "unlocated_facilities": counts.bed_facilities_unlocated,
            "by_spa": {k: int(v) for k, v in spa["beds"].items()},
            "by_operator": beds_by_operator(fac),
            "phf_beds": counts.phf_beds,
            "phf_without_beds": counts.phf_without_beds,
        },
        "spas": int((area["level"] == "spa").sum()),
        "districts": int((area["level"] == "sd").sum()),
        "population_2018": int(county["pop_total"]),
        "population_2018_by_spa": {k: int(v) for k, v in spa["pop_total"].items()},
    }


def beds_by_operator(fac: pd.DataFrame) -> dict:
    """Licensed acute psychiatric beds by who runs the hospital, as its licence name says
    (``beds.licensee_operator``): county-run, state-run (the forensic state hospital),
    other (private and non-profit hospitals).  ``other_reporting_local_government`` names the
    hospitals among "other" that report "local, county or community government" to SAMHSA
    without a county licence name."""
    beds = fac["psych_beds"].fillna(0)
    county = fac["licence_operator"].eq("local_government")
    state = fac["licence_operator"].eq("state_government")
    reports_local = fac["operator__local_government"].fillna(False).astype(bool) & ~county & (beds > 0)
    return {
        "county_run": int(beds[county].sum()),
        "county_run_hospitals": sorted(fac.loc[county & (beds > 0), "name"]),
        "state_run": int(beds[state & ~county].sum()),
        "other": int(beds[~county & ~state].sum()),
        "other_reporting_local_government": sorted(fac.loc[reports_local, "name"]),
    }


def district_report(area: pd.DataFrame, tracts: pd.DataFrame, near_line) -> dict:
    sd = area[area["level"] == "sd"].set_index("area")
    cols = ["pop_total", "pop_total_area_share", "pop_straddling", "pop_total_low", "pop_total_high"]
    return {
        "plan": districts_2021.PLAN,
        "tract_split": SPLIT_METHOD,
        "straddle_share": STRADDLE_SHARE,
        "tracts_straddling": int(tracts["sd_straddles"].sum()),
        "population_in_straddling_tracts": int(tracts.loc[tracts["sd_straddles"], "pop_total"].sum()),
        "by_district": {str(k): {c: int(r[c]) for c in cols} for k, r in sd.iterrows()},
        "facilities_near_a_line": {"metres": LINE_METRES, "sites": int((near_line <= LINE_METRES).sum())},
    }


def print_report(report: dict, out=None) -> None:
    w = (out or sys.stdout).write  # looked up at call time (redirect_stdout, captured output)
    w(f"Facilities (sites): {report['facilities']}\n")
    for title, key in (
        ("by primary source", "facilities_by_primary_source"),
        ("by location precision", "facilities_by_location_precision"),
        ("by map kind", "facilities_by_kind"),
        ("by SPA", "facilities_by_spa"),
    ):
        w(f"  {title}:\n")
        for k, v in report[key].items():
            w(f"    {k:<40} {v:>6}\n")
    b = report["licensed_acute_psych_beds"]
    w(
        f"Licensed acute psychiatric beds: {b['total']:,} at {b['facilities']} facilities "
        f"({b['excluding_state_hospital']:,} without DSH-Metropolitan)\n"
    )
    if b["unlocated_facilities"]:
        w(f"  not placed on the map: {', '.join(b['unlocated_facilities'])}\n")
    o = b["by_operator"]
    w(f"  county-run {o['county_run']:,}, state-run {o['state_run']:,}, other {o['other']:,}\n")
    uncounted = ", ".join(b["phf_without_beds"]) or "none"
    w(f"PHF beds (CovidCareMap 2020): {b['phf_beds']:,}; no count for {uncounted}\n")
    w(f"Population 2018: {report['population_2018']:,} in {report['spas']} SPAs, ")
    w(f"{report['districts']} districts\n")
    d = report["districts_2021"]
    w(f"Supervisorial districts ({d['plan']}): {d['tract_split']}\n")
    w(f"  {'district':<10}{'population':>12}{'area share':>12}{'straddling':>12}{'low':>12}{'high':>12}\n")
    for k, v in d["by_district"].items():
        w(f"  {k:<10}{v['pop_total']:>12,}{v['pop_total_area_share']:>12,}{v['pop_straddling']:>12,}")
        w(f"{v['pop_total_low']:>12,}{v['pop_total_high']:>12,}\n")
    w(f"  {d['tracts_straddling']} tracts ({d['population_in_straddling_tracts']:,} residents) ")
    w("straddle a line; ")
    n = d["facilities_near_a_line"]
    w(f"{n['sites']} sites lie within {n['metres']} m of a line (the simplified lines' error)\n")
    dt = report["drive_time"]
    w(f"Drive time (OEPS): {dt['tracts_with_a_reliable_value']} of {dt['tracts']} tracts with a value, ")
    w(f"{dt['population_with_a_reliable_value']:,} residents\n")
    for m, b in dt["residents_beyond_minutes"].items():
        w(f"  beyond {m} minutes: {b['county']:,} residents\n")
    for g, v in dt["tracts_without_a_value"].items():
        w(f"  no value for tract {g} ({v['population']:,} residents): {v['why']}\n")
    hp = report["hpsa"]
    w(f"Mental-health HPSA designations: {hp['rows']} rows, by status {hp['by_status']}\n")
    w("Source rows:\n")
    for k, v in report["source_rows"].items():
        w(f"  {k:<45} {v}\n")
    mt = report["matching"]
    cp = mt["close_pairs_with_similar_names"]
    w(f"Site pairs within {cp['metres']:g} m with similar names: {cp['pairs']} ")
    w(f"({cp['pairs'] - cp['unexplained']} explained, {cp['unexplained']} unexplained)\n")
    for k, v in cp["explained"].items():
        w(f"  {v:>4}  {k}\n")
    for p in cp["unexplained_pairs"]:
        w(f"  UNEXPLAINED {p['metres']:>5} m: {p['name_a']} | {p['name_b']}\n")
    shared = mt["records_used_by_several_sites"]
    w(f"Source records used by more than one site: {len(shared)}\n")
    for rid, sites in shared.items():
        w(f"  {rid}: {', '.join(sites)}\n")
    w("Records joined to a site, by matching rule:\n")
    for k, v in mt["links_by_rule"].items():
        w(f"  {v:>4}  {k}\n")
    w("Excluded records by reason:\n")
    for k, v in report["excluded_by_reason"].items():
        w(f"  {v:>4}  {k}\n")
    w("Facilities by taxonomy value (known / unknown attribute):\n")
    for g, d in report["by_taxonomy_value"].items():
        w(f"  {g}: known {d['known']}, unknown {d['unknown']}\n")
        for v, n in d["values"].items():
            w(f"    {v:<20} {n:>5}\n")


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m dashboard.ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="raw sources -> the snapshot in data/snapshot/")
    b.add_argument(
        "--geocode",
        action="store_true",
        help="ask the online US Census geocoder for addresses not in its cache",
    )
    r = sub.add_parser("report", help="counts from the snapshot")
    r.add_argument("--json", action="store_true")
    f = sub.add_parser("fetch", help="download fresh raw sources into data/raw/")
    f.add_argument(
        "--from", dest="base", default=None, help="base URL of a mirror laid out like the raw folder"
    )
    f.add_argument("--dest", default=None, help="target folder (default data/raw/)")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "build":

            def say(msg, frac):
                print(f"[{frac:4.0%}] {msg}", file=sys.stderr)

            snap = build(progress=say, geocoder=CensusGeocoder(online=True) if args.geocode else None)
            print(f"wrote {snap.path} ({snap.id}) in {snap.manifest['build_seconds']} s", file=sys.stderr)
            return 0
        if args.cmd == "report":
            snap = snapshot.read(config.data_dir())
            if args.json:
                print(json.dumps(snap.manifest["report"], sort_keys=True))
            else:
                print_report(snap.manifest["report"])
            return 0
        if args.cmd == "fetch":
            from dashboard.ingest import fetch

            return fetch.main(base=args.base, dest=Path(args.dest) if args.dest else None)
    except (SourceError, BuildError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
