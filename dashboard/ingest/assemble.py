"""Assemble sites: merge every source's records into one row per site.

One site = one normalised address (+ name, + program where several programs share an
address).  The SAMHSA mental-health directory gives the attributes; the 2020 locator,
LA County LMS/211, HCAI and CovidCareMap give coordinates; the DHCS/CDPH licence list
gives licence categories; the CDPH bed file gives licensed acute psychiatric beds.
Records that match nothing become sites of their own with *unknown* attributes.

Locating tiers, recorded per site in ``location_precision``: ``exact`` (coordinates of
the same address in a coordinate-bearing source, or the geocoder cache), ``approximate``
(ZIP centroid), ``none``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard import taxonomy
from dashboard.errors import BuildError
from dashboard.ingest import zipgeo
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.crosswalk import BEDS_TO_LOCATION
from dashboard.ingest.geocode import CensusGeocoder
from dashboard.ingest.normalize import address_key, house_key, name_key, significant_words, street_key
from dashboard.ingest.sources import cdph_beds
from dashboard.registry import SOURCES

EXACT, APPROX, NONE = "exact", "approximate", "none"

LOCATION_LABEL = {
    "samhsa_locator": "SAMHSA locator 2020",
    "lms_211": "LA County LMS / 211 LA",
    "hcai": "HCAI facility list 2025",
    "covidcaremap": "CovidCareMap 2020",
}
# Which coordinate source wins when several place the same address.
COORD_PRIORITY = ("samhsa_locator", "hcai", "lms_211", "covidcaremap")
# Words too common in facility names to show that two records are one place.
_STOP = {
    "LOS",
    "ANGELES",
    "LA",
    "L",
    "A",
    "COUNTY",
    "MENTAL",
    "HEALTH",
    "SERVICES",
    "SERVICE",
    "COMMUNITY",
    "FAMILY",
    "CHILD",
    "CHILDREN",
    "CHILDRENS",
    "PROGRAM",
    "PROGRAMS",
    "CLINIC",
    "TREATMENT",
    "BEHAVIORAL",
    "MH",
    "DEPARTMENT",
    "DMH",
    "LAC",
    "SOUTHERN",
    "CALIFORNIA",
    "CA",
    "VALLEY",
    "WEST",
    "EAST",
    "NORTH",
    "SOUTH",
    "AT",
    "FOR",
    "IN",
    "MEMORIAL",
}
NEARBY_METRES = 150


@dataclass
class Site:
    name: str
    program: str | None
    street: str | None
    street2: str | None
    city: str | None
    zip: str | None
    phone: str | None
    website: str | None
    primary_source: str
    as_of: str
    codes: tuple[str, ...] | None = None
    licence: str | None = None
    lat: float = float("nan")
    lon: float = float("nan")
    precision: str = NONE
    location_source: str = "not located"
    refs: list[tuple[str, str]] = field(default_factory=list)  # (source key, record id)
    beds: int | None = None
    beds_facid: str | None = None
    beds_name: str | None = None
    state_hospital: bool = False
    description: str | None = None

    def add_source(self, source: str, source_id: str) -> None:
        if (source, source_id) not in self.refs:
            self.refs.append((source, source_id))

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(src for src, _ in self.refs))

    @property
    def source_ids(self) -> list[str]:
        return [sid for _, sid in self.refs]

    def place(self, lat: float, lon: float, precision: str, label: str) -> None:
        self.lat, self.lon, self.precision, self.location_source = lat, lon, precision, label

    @property
    def located(self) -> bool:
        return self.precision != NONE

    @property
    def akey(self) -> str | None:
        return address_key(self.street, self.zip)

    @property
    def hkey(self) -> str | None:
        return house_key(self.street, self.zip)


def _site_from_row(row, *, codes=None, licence=None) -> Site:
    s = Site(
        name=row["name"],
        program=row["program"],
        street=row["street"],
        street2=row["street2"],
        city=row["city"],
        zip=row["zip"],
        phone=row["phone"],
        website=row["website"],
        primary_source=row["source"],
        as_of=row["as_of"],
        codes=codes,
        licence=licence,
        description=row.get("description") if hasattr(row, "get") else None,
    )
    s.add_source(row["source"], row["source_id"])
    return s


class SiteIndex:
    """Sites looked up by exact address key, then by the looser house-number key."""

    def __init__(self) -> None:
        self.sites: list[Site] = []
        self.by_addr: dict[str, list[Site]] = defaultdict(list)
        self.by_house: dict[str, list[Site]] = defaultdict(list)

    def add(self, site: Site) -> Site:
        self.sites.append(site)
        if site.akey:
            self.by_addr[site.akey].append(site)
        if site.hkey:
            self.by_house[site.hkey].append(site)
        return site

    def at(self, street, zip5) -> list[Site]:
        ak, hk = address_key(street, zip5), house_key(street, zip5)
        if ak and self.by_addr.get(ak):
            return self.by_addr[ak]
        if hk and self.by_house.get(hk):
            return self.by_house[hk]
        return []


class CoordIndex:
    """Coordinates from every coordinate-bearing source, keyed by address."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.by_addr: dict[str, tuple[float, float, str]] = {}
        self.by_house: dict[str, tuple[float, float, str]] = {}
        self.by_id: dict[str, tuple[float, float, str, pd.Series]] = {}
        for source in reversed(COORD_PRIORITY):  # later (higher priority) overwrite
            df = frames[source]
            for _, r in df.iterrows():
                if pd.isna(r["lat"]) or pd.isna(r["lon"]):
                    continue
                val = (float(r["lat"]), float(r["lon"]), source)
                ak, hk = address_key(r["street"], r["zip"]), house_key(r["street"], r["zip"])
                if ak:
                    self.by_addr[ak] = val
                if hk:
                    self.by_house[hk] = val
                self.by_id[r["source_id"]] = (*val, r)

    def lookup(self, street, zip5) -> tuple[float, float, str] | None:
        ak, hk = address_key(street, zip5), house_key(street, zip5)
        if ak and ak in self.by_addr:
            return self.by_addr[ak]
        if hk and hk in self.by_house:
            return self.by_house[hk]
        return None


def _dedupe_key(site: Site) -> tuple:
    where = site.akey or f"withheld|{site.zip}"
    return (where, name_key(site.name), name_key(site.program))


def assemble_sites(
    src: dict, geocoder: CensusGeocoder | None = None
) -> tuple[list[Site], BuildCounts, pd.DataFrame, pd.DataFrame]:
    """Merge every source into sites.

    Returns (sites, counts, excluded-records table, bed facilities with their placement).
    """
    counts = BuildCounts()
    excluded: list[dict] = []
    index = SiteIndex()

    # 1. SAMHSA MH directory programs: the attribute backbone.
    directory = src["directory"]
    mental = directory[directory["directory_type"] == "mental"]
    counts.directory_mental_rows = len(mental)
    by_key: dict[tuple, Site] = {}
    merged_dupes = 0
    for _, row in mental.iterrows():
        site = _site_from_row(row, codes=tuple(row["codes"]))
        k = _dedupe_key(site)
        if k in by_key:  # the same program listed twice (e.g. two intake lines)
            other = by_key[k]
            other.codes = tuple(sorted(set(other.codes) | set(site.codes)))
            other.add_source(row["source"], row["source_id"])
            merged_dupes += 1
            continue
        by_key[k] = index.add(site)
    counts.directory_duplicate_rows_merged = merged_dupes

    # 2. Substance-use directory rows: the same facility in both directories is noted on
    #    the MH site; SUD-only facilities are not mental-health capacity and are left out.
    substance = directory[directory["directory_type"] == "substance"]
    sub_matched = 0
    for _, row in substance.iterrows():
        hits = [s for s in index.at(row["street"], row["zip"]) if name_key(s.name) == name_key(row["name"])]
        if hits:
            for s in hits:
                s.add_source(row["source"], row["source_id"])
            sub_matched += 1
        else:
            excluded.append(_excluded(row, "substance-use directory only (no mental-health listing)"))
    counts.directory_substance_rows = len(substance)
    counts.directory_substance_rows_matched_to_mh = sub_matched

    coords = CoordIndex(
        {
            "samhsa_locator": src["locator"],
            "lms_211": src["lms"],
            "hcai": src["hcai"],
            "covidcaremap": src["ccm"],
        }
    )

    # 3. SAMHSA locator 2020: coordinates for directory programs at the same address;
    #    otherwise a locations-only facility (attributes unknown).
    loc_matched = loc_added = 0
    name_zip = defaultdict(list)
    for s in index.sites:
        name_zip[(name_key(s.name), s.zip)].append(s)
    for _, row in src["locator"].iterrows():
        hits = index.at(row["street"], row["zip"])
        if not hits:
            hits = [s for s in name_zip.get((name_key(row["name"]), row["zip"]), []) if s.street is None]
        if hits:
            for s in hits:
                s.add_source(row["source"], row["source_id"])
                if not s.located:
                    s.place(
                        row["lat"],
                        row["lon"],
                        EXACT,
                        f"Exact: address matched to {LOCATION_LABEL['samhsa_locator']}",
                    )
                s.website = s.website or row["website"]
            loc_matched += 1
        else:
            site = _site_from_row(row)
            site.place(
                row["lat"], row["lon"], EXACT, f"Exact: {LOCATION_LABEL['samhsa_locator']} coordinates"
            )
            index.add(site)
            loc_added += 1
    counts.locator_rows = len(src["locator"])
    counts.locator_rows_matched = loc_matched
    counts.locator_only_sites = loc_added

    # 4. LA County LMS / 211: treatment sites only; attributes unknown.
    lms = src["lms"]
    lms_matched = lms_added = 0
    for _, row in lms.iterrows():
        if isinstance(row["exclusion_reason"], str):
            excluded.append(_excluded(row, row["exclusion_reason"]))
            continue
        hits = index.at(row["street"], row["zip"])
        if hits:
            for s in hits:
                s.add_source(row["source"], row["source_id"])
                if not s.located:
                    s.place(
                        row["lat"],
                        row["lon"],
                        EXACT,
                        f"Exact: address matched to {LOCATION_LABEL['lms_211']}",
                    )
                s.website = s.website or row["website"]
                s.description = s.description or row["description"]
            lms_matched += 1
        else:
            site = _site_from_row(row)
            site.place(row["lat"], row["lon"], EXACT, f"Exact: {LOCATION_LABEL['lms_211']} coordinates")
            index.add(site)
            lms_added += 1
    counts.lms_rows = len(lms)
    counts.lms_rows_excluded = int(lms["exclusion_reason"].notna().sum())
    counts.lms_rows_matched = lms_matched
    counts.lms_only_sites = lms_added

    # 5. State-licensed PHFs, MHRCs, psychiatric hospitals, psychology clinics.
    lic_matched = lic_added = 0
    for _, row in src["licensed"].iterrows():
        hits = [
            s
            for s in index.at(row["street"], row["zip"])
            if s.licence is None and _same_place_name(s, row["name"], row["program"])
        ]
        if hits:
            for s in hits:
                s.licence = row["licence"]
                s.add_source(row["source"], row["source_id"])
            lic_matched += 1
            continue
        site = _site_from_row(row, licence=row["licence"])
        index.add(site)
        lic_added += 1
    counts.licensed_rows = len(src["licensed"])
    counts.licensed_rows_matched = lic_matched
    counts.licensed_only_sites = lic_added

    # 6. Licensed acute psychiatric beds (CDPH), placed via HCAI / CovidCareMap.
    bed_rows = attach_beds(src, index, coords, counts)

    # 7. Records of one place that addresses did not join (ZIP typos, "150 Westwood
    #    Plaza" vs "150 W. Westwood Blvd."): same house number or a few metres apart,
    #    and a distinctive word in common.
    sites, counts.sites_merged_by_proximity = merge_nearby(index.sites)

    # 8. Locate what is still unplaced: address match, geocoder cache, ZIP centroid.
    for s in sites:
        if s.located:
            continue
        hit = coords.lookup(s.street, s.zip) if s.street else None
        if hit:
            s.place(hit[0], hit[1], EXACT, f"Exact: address matched to {LOCATION_LABEL[hit[2]]}")
            continue
        if geocoder is not None and s.street:
            g = geocoder.lookup(s.street, s.city, s.zip)
            if g:
                s.place(g[0], g[1], EXACT, "Exact: US Census geocoder (cached)")
                continue
        c = zipgeo.centroid(s.zip)
        if c:
            why = "address withheld by the facility" if s.street is None else "no address match"
            s.place(c[0], c[1], APPROX, f"Approximate: ZIP {s.zip} centroid ({why}; {zipgeo.PACKAGE})")
    counts.excluded_records = len(excluded)
    return sites, counts, pd.DataFrame(excluded, columns=["source", "source_id", "name", "reason"]), bed_rows


def _rank(site: Site) -> tuple:
    return (
        site.codes is not None,
        site.licence is not None,
        site.beds is not None,
        -COORD_PRIORITY.index(site.primary_source) if site.primary_source in COORD_PRIORITY else 0,
    )


def _house_number(street: str | None) -> str | None:
    words = (street_key(street) or "").split()
    return words[0] if words and words[0].isdigit() else None


def _can_merge(a: Site, b: Site, metres: float) -> bool:
    if a.codes is not None and b.codes is not None:
        return False  # two coded directory programs are two programs
    if a.beds is not None and b.beds is not None:
        return False
    if a.licence and b.licence and a.licence != b.licence:
        return False  # e.g. a PHF and an MHRC on one campus are two licensed facilities
    lic_a = {sid for src, sid in a.refs if src == "dhcs_licensed"}
    lic_b = {sid for src, sid in b.refs if src == "dhcs_licensed"}
    if lic_a and lic_b and not lic_a & lic_b:
        return False  # two licence records (even of one kind) are two licensed facilities
    # Place names are not distinctive: "Long Beach" in two names does not make one site.
    stop = _STOP | significant_words(a.city, set()) | significant_words(b.city, set())
    shared = (significant_words(a.name, stop) | significant_words(a.program, stop)) & (
        significant_words(b.name, stop) | significant_words(b.program, stop)
    )
    same_number = _house_number(a.street) is not None and _house_number(a.street) == _house_number(b.street)
    return bool(shared) and (same_number or (metres < 30 and len(shared) >= 2))


def merge_nearby(sites: list[Site], metres: float = NEARBY_METRES) -> tuple[list[Site], int]:
    """Merge exact-located sites that are one place; the richer record absorbs the other."""
    cell = 0.002  # ~200 m grid for neighbour search
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, s in enumerate(sites):
        if s.precision == EXACT:
            grid[(int(s.lat // cell), int(s.lon // cell))].append(i)
    absorbed: dict[int, int] = {}

    def root(i: int) -> int:
        while i in absorbed:
            i = absorbed[i]
        return i

    for i, s in enumerate(sites):
        if s.precision != EXACT:
            continue
        gy, gx = int(s.lat // cell), int(s.lon // cell)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for j in grid.get((gy + dy, gx + dx), ()):
                    if j <= i:
                        continue
                    a, b = root(i), root(j)
                    if a == b:
                        continue
                    sa, sb = sites[a], sites[b]
                    d = _metres(sites[i].lat, sites[i].lon, sites[j].lat, sites[j].lon)
                    if d <= metres and _can_merge(sa, sb, d):
                        keep, drop = (a, b) if _rank(sa) >= _rank(sb) else (b, a)
                        _absorb(sites[keep], sites[drop])
                        absorbed[drop] = keep
    return [s for i, s in enumerate(sites) if i not in absorbed], len(absorbed)


def _absorb(keep: Site, drop: Site) -> None:
    for src, sid in drop.refs:
        keep.add_source(src, sid)
    for attr in ("website", "phone", "description", "licence", "street", "city", "zip"):
        if getattr(keep, attr) is None and getattr(drop, attr) is not None:
            setattr(keep, attr, getattr(drop, attr))
    if keep.beds is None and drop.beds is not None:
        keep.beds, keep.beds_facid, keep.beds_name = drop.beds, drop.beds_facid, drop.beds_name
        keep.state_hospital = drop.state_hospital


def _metres(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return float(2 * 6_371_000 * np.arcsin(np.sqrt(a)))


def _excluded(row, reason: str) -> dict:
    return {"source": row["source"], "source_id": row["source_id"], "name": row["name"], "reason": reason}


def _same_place_name(site: Site, *other_names: str | None) -> bool:
    """Two records at one address are one facility when their names share a word that is
    not common to facility names (e.g. "Kedren", "Gateways", "Casitas")."""
    a = significant_words(site.name, _STOP) | significant_words(site.program, _STOP)
    return any(a & significant_words(n, _STOP) for n in other_names)


def attach_beds(src: dict, index: SiteIndex, coords: CoordIndex, counts: BuildCounts) -> pd.DataFrame:
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
            site = Site(
                name=r["facname"],
                program=None,
                street=None,
                street2=None,
                city=None,
                zip=None,
                phone=None,
                website=None,
                primary_source="cdph_beds",
                as_of=r["data_date"],
                licence=taxonomy.LICENCE_APH,
            )
        else:
            lat, lon, source, crow = coords.by_id[ref]
            hits = [s for s in index.at(crow["street"], crow["zip"]) if s.beds is None]
            inpatient = [s for s in hits if s.codes and "HI" in s.codes]
            hosp = [s for s in hits if s.licence == taxonomy.LICENCE_APH]
            named = [s for s in hits if _same_place_name(s, r["facname"], crow["name"])]
            target = (inpatient or hosp or named or [None])[0]
            if target is None:
                site = Site(
                    name=r["facname"],
                    program=None,
                    street=crow["street"],
                    street2=None,
                    city=crow["city"],
                    zip=crow["zip"],
                    phone=None,
                    website=None,
                    primary_source="cdph_beds",
                    as_of=r["data_date"],
                    licence=taxonomy.LICENCE_APH,
                )
                site.place(lat, lon, EXACT, f"Exact: {LOCATION_LABEL[source]} coordinates")
                site.add_source(source, ref)
            else:
                site = target
                site.licence = site.licence or taxonomy.LICENCE_APH
                site.add_source(source, ref)
                if not site.located or site.precision == APPROX:
                    site.place(lat, lon, EXACT, f"Exact: {LOCATION_LABEL[source]} coordinates")
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


# --------------------------------------------------------------------------- table


def kind_of(flags: dict, beds) -> str:
    """Map symbol class: inpatient (incl. inpatient + outpatient), outpatient,
    residential / day treatment, emergency only, or setting unknown."""
    f = lambda v: flags[taxonomy.flag_column("setting", v)] is True  # noqa: E731
    if f("inpatient") or (beds is not None and beds > 0):
        return "inpatient"
    if f("outpatient"):
        return "outpatient"
    if f("residential") or f("day"):
        return "residential_day"
    if flags[taxonomy.flag_column("setting", "outpatient")] is pd.NA:
        return "unknown"
    return "other"


def facility_table(sites: list[Site]) -> pd.DataFrame:
    rows = []
    for s in sites:
        flags = taxonomy.flags_for(s.codes, s.licence)
        ftypes = [taxonomy.FACILITY_TYPES[c] for c in (s.codes or ()) if c in taxonomy.FACILITY_TYPES]
        ident = "|".join(str(x) for x in (_dedupe_key(s), s.beds_facid, sorted(s.source_ids)[0]))
        rows.append(
            {
                "site_id": "s" + hashlib.sha1(ident.encode(), usedforsecurity=False).hexdigest()[:10],
                "name": s.name,
                "program": s.program,
                "street": s.street,
                "street2": s.street2,
                "city": s.city,
                "zip": s.zip,
                "phone": s.phone,
                "website": s.website,
                "lat": s.lat,
                "lon": s.lon,
                "location_precision": s.precision,
                "location_source": s.location_source,
                "primary_source": s.primary_source,
                "as_of": s.as_of,
                "sources": ";".join(s.sources),
                "source_ids": ";".join(s.source_ids),
                "attributes": (
                    "SAMHSA directory 2024"
                    if s.codes is not None
                    else f"licence only ({s.licence})"
                    if s.licence
                    else "unknown"
                ),
                "codes": " ".join(s.codes) if s.codes is not None else None,
                "facility_type": "; ".join(ftypes) or (s.licence or None),
                "licence": s.licence,
                "psych_beds": s.beds,
                "beds_facid": s.beds_facid,
                "beds_name": s.beds_name,
                "state_hospital": s.state_hospital,
                "description": s.description,
                "kind": kind_of(flags, s.beds),
                **flags,
            }
        )
    # Alphabetical: tables and downloads read in this order without sorting per view.
    df = pd.DataFrame(rows)
    df = df.sort_values(
        ["name", "program", "site_id"], key=lambda c: c.str.lower(), na_position="first", kind="stable"
    ).reset_index(drop=True)
    df["psych_beds"] = df["psych_beds"].astype("Int64")
    for col in taxonomy.flag_columns():
        df[col] = df[col].astype("boolean")
    if df["site_id"].duplicated().any():
        dup = df.loc[df["site_id"].duplicated(keep=False), ["site_id", "name", "source_ids"]]
        raise BuildError(f"two sites share an id: {dup.head(4).to_dict('records')}")
    return df
