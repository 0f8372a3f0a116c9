"""The build report: the counts a maintainer and the Data page need (sources read, links
by rule, exclusions, districts, drive time, shortage areas, beds by operator), and its
plain-text form (``python -m dashboard.ingest report``)."""

from __future__ import annotations

import sys

import pandas as pd

from dashboard import taxonomy
from dashboard.ingest import checks, overrides
from dashboard.ingest.area_tables import (
    LINE_METRES,
    SPLIT_METHOD,
    STRADDLE_SHARE,
)
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.sites import LOCATION_LABEL
from dashboard.ingest.sources import (
    districts_2021,
    oeps_drive_time,
)
from dashboard.registry import SOURCES
from dashboard.vocab import DRIVE_MINUTES


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
    _print_areas(report, w)
    _print_matching(report, w)


def _print_areas(report: dict, w) -> None:
    """Districts (population bounds), drive time, shortage areas, source rows."""
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


def _print_matching(report: dict, w) -> None:
    """Close pairs, shared records, links by rule, exclusions, taxonomy coverage."""
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
