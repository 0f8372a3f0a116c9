"""Licensed beds onto sites: CDPH acute psychiatric beds placed via HCAI / CovidCareMap
(or the reviewed crosswalk), PHF beds from CovidCareMap, and the operator a licence name
states.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboard import taxonomy
from dashboard.errors import BuildError
from dashboard.ingest import match
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.crosswalk import BEDS_TO_LOCATION
from dashboard.ingest.normalize import (
    name_key,
    significant_words,
)
from dashboard.ingest.sites import (
    LOCATION_LABEL,
    CoordIndex,
    Site,
    SiteIndex,
    record_from_row,
)
from dashboard.ingest.sources import cdph_beds
from dashboard.registry import SOURCES
from dashboard.vocab import Precision


def _same_place_name(site: Site, *other_names: str | None) -> bool:
    """Two records at one address are one facility when their names share a word that is
    not common to facility names (e.g. "Kedren", "Gateways", "Casitas")."""
    a = significant_words(site.name, match.STOP) | significant_words(site.program, match.STOP)
    return any(a & significant_words(n, match.STOP) for n in other_names)


def attach_beds(src: dict, index: SiteIndex, coords: CoordIndex, counts: BuildCounts) -> pd.DataFrame:
    """Each CDPH facility with acute psychiatric beds onto its site: the site at the place
    HCAI / CovidCareMap (or the crosswalk) gives it, else a site of its own (unplaced when
    no source places it).  Returns the bed facilities with how each was placed."""
    acute = cdph_beds.acute_psych(src["beds"])
    located_rows = []
    for _, r in acute.iterrows():
        ref, how = _bed_location(r, src, coords)
        located_rows.append({**r.to_dict(), "location_ref": ref, "location_how": how})
    # Explicit columns: a bed file without acute psychiatric rows gives an empty table, not a crash.
    acute = pd.DataFrame(located_rows, columns=[*acute.columns, "location_ref", "location_how"])
    unmatched = []
    for _, r in acute.iterrows():
        ref = r["location_ref"] if isinstance(r["location_ref"], str) else None
        if ref is None:
            unmatched.append(r["facname"])
            site = _bed_site(r)
        else:
            site = _site_at(r, ref, index, coords)
        site.beds = int(r["beds"])
        site.beds_facid = r["facid"]
        site.beds_name = r["facname"]
        site.state_hospital = bool(r["state_hospital"])
        site.add_source("cdph_beds", f"cdph-facid-{r['facid']}")
        if not any(site is s for s in index.sites):
            index.add(site)
    counts.bed_facilities = len(acute)
    counts.beds_total = int(acute["beds"].sum())
    counts.beds_excluding_state_hospital = int(acute.loc[~acute["state_hospital"], "beds"].sum())
    counts.bed_facilities_unlocated = unmatched
    return acute


def _bed_site(r, place=None) -> Site:
    """A site of its own for a bed facility, at ``place`` (a coordinate source's row)."""
    return Site(
        name=r["facname"],
        program=None,
        street=place["street"] if place is not None else None,
        street2=None,
        city=place["city"] if place is not None else None,
        zip=place["zip"] if place is not None else None,
        phone=None,
        website=None,
        primary_source="cdph_beds",
        as_of=r["data_date"],
        licence=taxonomy.LICENCE_APH,
    )


def _site_at(r, ref: str, index: SiteIndex, coords: CoordIndex) -> Site:
    """The site at the place ``ref`` gives a bed facility: a directory program there that
    offers hospital inpatient care, a licensed psychiatric hospital, or a site whose name
    shares a word with the facility's — else a new site placed there."""
    lat, lon, source, crow = coords.by_id[ref]
    rec = record_from_row(crow)
    hits = [s for s in index.at(rec) if s.beds is None]
    inpatient = [s for s in hits if s.codes and "HI" in s.codes]
    hosp = [s for s in hits if s.licence == taxonomy.LICENCE_APH]
    named = [s for s in hits if _same_place_name(s, r["facname"], crow["name"])]
    site = (inpatient or hosp or named or [None])[0]
    if site is None:
        site = _bed_site(r, crow)
    else:
        site.licence = site.licence or taxonomy.LICENCE_APH
        index.add_facet(site, rec)
    site.add_source(source, ref)
    site.records.append(rec)
    if not site.located or site.precision == Precision.APPROXIMATE:
        site.place(lat, lon, Precision.EXACT, f"Exact: {LOCATION_LABEL[source]} coordinates")
    return site


def attach_phf_beds(sites: list[Site], ccm: pd.DataFrame) -> tuple[int, list[str]]:
    """Licensed beds of psychiatric health facilities (PHFs are licensed by DHCS, so the CDPH
    bed file has none): CovidCareMap's licensed bed count for the psychiatric hospital record
    at the PHF's street address or of its name.  Returns (beds counted, PHFs without a count)."""
    psychiatric = ccm["hospital_type"].fillna("").str.upper().eq("PSYCHIATRIC")
    psych = ccm[psychiatric & ccm["licensed_beds_all"].notna()]
    total, missing = 0, []
    for s in sites:
        if s.licence != taxonomy.LICENCE_PHF:
            continue
        hits = [
            r
            for _, r in psych.iterrows()
            if match.address_relation(record_from_row(r), s) in ("suite", "street", "house")
            or name_key(r["name"]) in {name_key(x.name) for x in s.records}
        ]
        if len(hits) == 1:
            s.phf_beds = int(hits[0]["licensed_beds_all"])
            s.phf_beds_source = f"{LOCATION_LABEL['covidcaremap']} ({hits[0]['name']}, licensed beds)"
            total += s.phf_beds
        else:
            missing.append(s.name)
    return total, sorted(missing)


# Operators no directory code gives, from the licence holder's name as the state writes it
# (CDPH bed file, HCAI, licence list): the county's and the state's own hospitals.
LICENSEE_OPERATOR = (
    (re.compile(r"^(LAC\b|LOS ANGELES COUNTY\b)", re.I), "local_government"),
    (re.compile(r"^DEPARTMENT OF STATE HOSPITALS?\b", re.I), "state_government"),
)


LICENSEE_SOURCES = ("cdph_beds", "hcai", "dhcs_licensed")


def licensee_operator(site: Site) -> str | None:
    """The operator value a licensed hospital's licence name states, or None."""
    names = [site.beds_name, *(r.name for r in site.records if r.source in LICENSEE_SOURCES)]
    for pattern, value in LICENSEE_OPERATOR:
        if any(isinstance(n, str) and pattern.search(n) for n in names):
            return value
    return None


def licence_overruled(licensed: pd.DataFrame, beds: pd.DataFrame) -> dict[str, str]:
    """Licence-list records of a psychiatric hospital that the CDPH bed file, by the same
    name, knows as another kind of facility with no psychiatric beds (e.g. a skilled-nursing
    home at the door of a psychiatric unit): record id -> the reason it is left out."""
    psych = set(beds.loc[beds["bed_type"] == cdph_beds.ACUTE_PSYCH, "facname"].map(name_key))
    by_name = beds.assign(key=beds["facname"].map(name_key)).groupby("key")
    out = {}
    aph = licensed[licensed["licence"] == taxonomy.LICENCE_APH]
    for sid, name in zip(aph["source_id"], aph["name"], strict=True):
        key = name_key(name)
        if key in psych or key not in by_name.groups:
            continue
        rows = by_name.get_group(key)
        kinds = " / ".join(sorted(set(rows["fac_type"].str.lower())))
        held = ", ".join(f"{n:,} {t.lower()}" for t, n in rows.groupby("bed_type")["beds"].sum().items())
        out[sid] = (
            f"the CDPH bed file ({rows['data_date'].iloc[0]}) lists this facility as a {kinds} "
            f"with {held} beds and no psychiatric beds; the licence list's "
            f"'{taxonomy.LICENCE_APH}' category is not taken"
        )
    return out


def _bed_location(r, src, coords: CoordIndex) -> tuple[str | None, str]:
    if r["facid"] in BEDS_TO_LOCATION:
        ref, why = BEDS_TO_LOCATION[r["facid"]]
        if ref is not None and ref not in coords.by_id:
            raise BuildError(
                f"crosswalk.py: {r['facid']} points at {ref}, which no coordinate "
                "source contains any more; review the crosswalk"
            )
        return ref, f"crosswalk: {why}"
    key = name_key(r["facname"])
    for source, frame in (("hcai", src["hcai"]), ("covidcaremap", src["ccm"])):
        hits = frame[frame["name"].map(name_key) == key]
        if len(hits) == 1:
            return hits.iloc[0]["source_id"], f"name match in {LOCATION_LABEL[source]}"
        if len(hits) > 1:
            raise BuildError(
                f"{SOURCES['cdph_beds'].folder}: facility {r['facid']} {r['facname']!r} matches "
                f"{len(hits)} places in {source} by name; add it to dashboard/ingest/crosswalk.py"
            )
    raise BuildError(
        f"{SOURCES['cdph_beds'].folder}: facility {r['facid']} {r['facname']!r} with "
        f"{r['beds']} acute psychiatric beds matches no HCAI or CovidCareMap record by name; "
        "add it to dashboard/ingest/crosswalk.py (use None if no source places it)"
    )
