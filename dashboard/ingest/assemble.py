"""Assemble sites: merge every source's records into one row per site.

The SAMHSA mental-health directory gives the sites and their attributes (one site per
program at an address).  Every other record — the substance-use directory, the 2020
locator, LA County LMS/211, the DHCS/CDPH licence list, bed-holding hospitals placed by
HCAI / CovidCareMap — is compared with the sites built so far (``match.compare``: street
and suite, house number, ZIP and neighbouring ZIPs, name, distance) and joins the one site
it matches best, or becomes a site of its own with *unknown* attributes.  A record that
matches several sites equally is left out with that reason; one record never feeds two
sites.  A 2020 record that repeats a current program at another address joins it as
history (``other_addresses``) instead of becoming a second site.

Locating tiers, recorded per site in ``location_precision``: ``exact`` (coordinates of
the site's own street address in a coordinate-bearing source, or the geocoder cache),
``approximate`` (ZIP centroid; always so when the facility withholds its address),
``none``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from dashboard import taxonomy
from dashboard.errors import BuildError
from dashboard.ingest import match, overrides, zipgeo
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.crosswalk import BEDS_TO_LOCATION
from dashboard.ingest.geocode import CensusGeocoder
from dashboard.ingest.normalize import (
    address_key,
    distinctive_phone,
    house_key,
    name_key,
    proper_case,
    significant_words,
    whole_name,
)
from dashboard.ingest.sources import cdph_beds
from dashboard.registry import SOURCES
from dashboard.vocab import Kind, Precision

LOCATION_LABEL = {
    "samhsa_directory": "SAMHSA directory 2024",
    "samhsa_locator": "SAMHSA locator 2020",
    "lms_211": "LA County LMS / 211 LA",
    "hcai": "HCAI facility list 2025",
    "covidcaremap": "CovidCareMap 2020",
    "dhcs_licensed": "DHCS / CDPH licence list 2026",
    "cdph_beds": "CDPH licensed beds 2025",
}
# Which coordinate source wins when several place the same address.
COORD_PRIORITY = ("samhsa_locator", "hcai", "lms_211", "covidcaremap")
# Rules by which two placed sites may merge in the final pass (not ``withheld`` / ``stale``:
# those link one record to a current directory program, as history).
PLACE_RULES = ("address+suite", "address+name", "number+name", "nearby+name")


@dataclass
class Record:
    """One source record, as matching sees it."""

    name: str | None
    program: str | None
    street: str | None
    street2: str | None
    city: str | None
    zip: str | None
    source: str
    source_id: str
    as_of: str
    lat: float = float("nan")
    lon: float = float("nan")
    codes: tuple[str, ...] | None = None
    licence: str | None = None
    beds: int | None = None
    phone: str | None = None
    # "site": at the site's own address; "alias": the same facility under another address
    # spelling or a neighbouring point; "history": an old or withheld-address listing.
    role: str = "site"

    @property
    def primary_source(self) -> str:
        return self.source

    @property
    def exact(self) -> bool:
        return self.lat == self.lat and self.lon == self.lon

    def address_text(self) -> str:
        where = " ".join(x for x in (self.city, self.zip) if x)
        return ", ".join(x for x in (self.street, where) if x)


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
    precision: Precision = Precision.NONE
    location_source: str = "not located"
    refs: list[tuple[str, str]] = field(default_factory=list)  # (source key, record id)
    records: list[Record] = field(default_factory=list)  # every record linked, own first
    other_addresses: list[str] = field(default_factory=list)
    beds: int | None = None
    beds_facid: str | None = None
    beds_name: str | None = None
    state_hospital: bool = False
    description: str | None = None
    untrusted_point: str | None = None  # why the source's own coordinates were not used
    phf_beds: int | None = None  # a PHF's licensed beds, where a source gives them
    phf_beds_source: str | None = None

    def add_source(self, source: str, source_id: str) -> None:
        if (source, source_id) not in self.refs:
            self.refs.append((source, source_id))

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(src for src, _ in self.refs))

    @property
    def source_ids(self) -> list[str]:
        return [sid for _, sid in self.refs]

    def place(self, lat: float, lon: float, precision: Precision, label: str) -> None:
        self.lat, self.lon, self.precision, self.location_source = lat, lon, precision, label

    @property
    def located(self) -> bool:
        return self.precision != Precision.NONE

    @property
    def exact(self) -> bool:
        return self.precision == Precision.EXACT

    @property
    def withheld(self) -> bool:
        """A directory program whose address the facility asked SAMHSA not to publish."""
        return self.street is None and self.codes is not None

    @property
    def akey(self) -> str | None:
        return address_key(self.street, self.zip)

    def facets(self) -> list:
        """What a record is compared with: the site as a whole (its address and current
        location), then every record linked to it at its address or as an alias (not the
        history: an old address of a program says nothing about what is there now)."""
        return [self, *(r for r in self.records if r.role != "history")]


def _record(row, *, codes=None, licence=None) -> Record:
    lat = row["lat"] if pd.notna(row["lat"]) else float("nan")
    lon = row["lon"] if pd.notna(row["lon"]) else float("nan")
    return Record(
        name=row["name"],
        program=row["program"],
        street=row["street"],
        street2=row["street2"],
        city=row["city"],
        zip=row["zip"],
        source=row["source"],
        source_id=row["source_id"],
        as_of=row["as_of"],
        lat=float(lat),
        lon=float(lon),
        codes=codes,
        licence=licence,
        phone=row["phone"] if isinstance(row["phone"], str) else None,
    )


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
    s.records.append(_record(row, codes=codes, licence=licence))
    return s


# --------------------------------------------------------------------------- index


class SiteIndex:
    """Sites with candidate look-ups (house number, name, ~200 m grid) over every facet."""

    CELL = 0.002  # degrees, ~200 m

    def __init__(self) -> None:
        self.sites: list[Site] = []
        self._by_number: dict[str, list[Site]] = defaultdict(list)
        self._by_name: dict[str | frozenset, list[Site]] = defaultdict(list)
        self._grid: dict[tuple[int, int], list[Site]] = defaultdict(list)

    def add(self, site: Site) -> Site:
        self.sites.append(site)
        for f in site.facets():
            self.add_facet(site, f)
        return site

    def add_facet(self, site: Site, f) -> None:
        st = match.parse_street(f.street, f.street2)
        if st:
            self._by_number[st.number].append(site)
        for key in (name_key(f.name), match.full_name(f.name, f.program), match.words(f)):
            if key:
                self._by_name[key].append(site)
        if f.exact:
            self._grid[self._cell(f.lat, f.lon)].append(site)

    def _cell(self, lat, lon) -> tuple[int, int]:
        return int(lat // self.CELL), int(lon // self.CELL)

    def candidates(self, r) -> list[Site]:
        out: dict[int, Site] = {}
        st = match.parse_street(r.street, r.street2)
        if st:
            out.update((id(s), s) for s in self._by_number.get(st.number, ()))
        for key in (name_key(r.name), match.full_name(r.name, r.program), match.words(r)):
            if key:
                out.update((id(s), s) for s in self._by_name.get(key, ()))
        if r.exact:
            gy, gx = self._cell(r.lat, r.lon)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    out.update((id(s), s) for s in self._grid.get((gy + dy, gx + dx), ()))
        return list(out.values())

    def at(self, r) -> list[Site]:
        """Sites with a facet at ``r``'s street address (same number and street, same or
        neighbouring ZIP)."""
        return [
            s
            for s in self.candidates(r)
            if any(match.address_relation(r, f) in ("suite", "street", "house") for f in s.facets())
        ]


class CoordIndex:
    """Coordinates from every coordinate-bearing source, keyed by address."""

    def __init__(self, frames: dict[str, pd.DataFrame], untrusted: set[str] = frozenset()) -> None:
        self.by_addr: dict[str, tuple[float, float, str]] = {}
        self.by_house: dict[str, tuple[float, float, str]] = {}
        self.by_id: dict[str, tuple[float, float, str, pd.Series]] = {}
        for source in reversed(COORD_PRIORITY):  # later (higher priority) overwrite
            df = frames[source]
            for _, r in df.iterrows():
                if pd.isna(r["lat"]) or pd.isna(r["lon"]):
                    continue
                val = (float(r["lat"]), float(r["lon"]), source)
                self.by_id[r["source_id"]] = (*val, r)
                if r["source_id"] in untrusted:
                    continue
                ak, hk = address_key(r["street"], r["zip"]), house_key(r["street"], r["zip"])
                if ak:
                    self.by_addr[ak] = val
                if hk:
                    self.by_house[hk] = val

    def lookup(self, street, zip5) -> tuple[float, float, str] | None:
        ak, hk = address_key(street, zip5), house_key(street, zip5)
        if ak and ak in self.by_addr:
            return self.by_addr[ak]
        if hk and hk in self.by_house:
            return self.by_house[hk]
        return None


def points_at_several_addresses(frame: pd.DataFrame) -> set[str]:
    """Ids of records whose source gives the very same point to another record with another
    house number: at least one of them is misplaced and the source cannot say which, so
    neither point is used as an exact location."""
    out: set[str] = set()
    located = frame[frame["lat"].notna() & frame["lon"].notna()]
    for _, grp in located.groupby(["lat", "lon"]):
        numbers = {
            (st.number if (st := match.parse_street(s, s2)) else None)
            for s, s2 in zip(grp["street"], grp["street2"], strict=True)
        }
        if len(numbers) > 1:
            out.update(grp["source_id"])
    return out


# --------------------------------------------------------------------------- matching


def _dedupe_key(site: Site) -> tuple:
    where = site.akey or f"withheld|{site.zip}"
    return (where, name_key(site.name), name_key(site.program))


def _licence_ids(site: Site) -> set[str]:
    return {sid for src, sid in site.refs if src == "dhcs_licensed"}


def _ids(x) -> set[str]:
    return {sid for _, sid in x.refs} if isinstance(x, Site) else {x.source_id}


def can_join(a: Site, b: Site | Record) -> bool:
    """Guards no evidence overrides: two coded directory programs, two bed-holding
    facilities, two licence records or two licence kinds, reviewed pairs of different places."""
    if a.codes is not None and b.codes is not None:
        return False
    if a.beds is not None and b.beds is not None:
        return False
    if a.licence and b.licence and a.licence != b.licence:
        return False
    lic_a = _licence_ids(a)
    lic_b = (
        _licence_ids(b) if isinstance(b, Site) else ({b.source_id} if b.source == "dhcs_licensed" else set())
    )
    if lic_a and lic_b and not lic_a & lic_b:
        return False
    return not overrides.different(_ids(a), _ids(b))


def evidence(r, site: Site, rules=match.RULES) -> match.Evidence | None:
    """The best evidence that ``r`` (a record, or another site) is the same place as ``site``."""
    best = None
    for x in r.facets() if isinstance(r, Site) else (r,):
        for f in site.facets():
            if x is f:
                continue
            ev = match.compare(x, f)
            if ev is not None and ev.rule in rules and (best is None or ev.score > best.score):
                best = ev
    return best


@dataclass
class Found:
    site: Site | None
    evidence: match.Evidence | None
    ambiguous: list[Site] = field(default_factory=list)


def find(r, index: SiteIndex, *, rules=match.RULES, only=None) -> Found:
    """The one site ``r`` joins, or none; ties between sites are reported as ambiguous."""
    scored = []
    for s in index.candidates(r):
        if (only is not None and not only(s)) or not can_join(s, r):
            continue
        ev = evidence(r, s, rules)
        if ev is not None:
            scored.append((ev.score, ev, s))
    forced = [s for s in index.sites if overrides.same(_ids(r), _ids(s)) and can_join(s, r)]
    if forced:
        return Found(forced[0], match.Evidence("override", None, None, 0.0, None))
    if not scored:
        return Found(None, None)
    scored.sort(key=lambda t: t[0], reverse=True)
    top = [t for t in scored if t[0] == scored[0][0]]
    if len(top) > 1:
        return Found(None, top[0][1], [t[2] for t in top])
    return Found(scored[0][2], scored[0][1])


def link(site: Site, rec: Record, ev: match.Evidence, index: SiteIndex, counts: BuildCounts) -> None:
    """``rec`` is ``site``: note its id, fill gaps, place the site if it is at its address."""
    site.add_source(rec.source, rec.source_id)
    site.records.append(rec)
    counts.linked(ev.rule)
    if ev.rule in ("stale", "withheld"):
        rec.role = "history"
        counts.records_linked_as_history += 1
    elif not ev.at_same_address:
        rec.role = "alias"
    if rec.role != "history":
        index.add_facet(site, rec)
    if rec.role == "site" and rec.exact and not site.located and not site.withheld:
        site.place(
            rec.lat, rec.lon, Precision.EXACT, f"Exact: address matched to {LOCATION_LABEL[rec.source]}"
        )
    if ev.rule == "withheld":
        return  # the facility withholds its address now: an older one is not shown beside it
    if (
        rec.role != "site"
        and rec.street
        and match.address_relation(rec, site) not in ("suite", "street", "house")
    ):
        text = f"{rec.address_text()} ({LOCATION_LABEL[rec.source]}, {rec.as_of})"
        if text not in site.other_addresses:
            site.other_addresses.append(text)


def _ambiguous_reason(found: Found) -> str:
    n, rule = len(found.ambiguous), found.evidence.rule
    return f"matches {n} sites equally ({rule}); one record never feeds two sites"


def _add_records(
    frame: pd.DataFrame,
    index: SiteIndex,
    counts: BuildCounts,
    excluded: list[dict],
    untrusted: set[str],
    *,
    licence_col: str | None = None,
) -> tuple[int, int]:
    """Join each record to its site or make it a site of its own; (matched, new sites)."""
    matched = added = 0
    for _, row in frame.iterrows():
        rec = _record(row, licence=row[licence_col] if licence_col else None)
        if row["source_id"] in untrusted:
            rec.lat = rec.lon = float("nan")
        found = find(rec, index)
        if found.ambiguous:
            excluded.append(_excluded(row, _ambiguous_reason(found)))
            counts.records_ambiguous += 1
            continue
        if found.site is not None:
            s = found.site
            link(s, rec, found.evidence, index, counts)
            s.website = s.website or row["website"]
            if "description" in row.index:
                s.description = s.description or row["description"]
            if licence_col:
                s.licence = s.licence or row[licence_col]
            matched += 1
            continue
        site = _site_from_row(row, licence=row[licence_col] if licence_col else None)
        site.records[0] = rec
        if rec.exact:
            site.place(rec.lat, rec.lon, Precision.EXACT, f"Exact: {LOCATION_LABEL[rec.source]} coordinates")
        elif row["source_id"] in untrusted:
            site.untrusted_point = f"{LOCATION_LABEL[rec.source]} gives its point to another address too"
        index.add(site)
        added += 1
    return matched, added


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
    for _, row in mental.iterrows():
        site = _site_from_row(row, codes=tuple(row["codes"]))
        k = _dedupe_key(site)
        if k in by_key:  # the same program listed twice (e.g. two intake lines)
            other = by_key[k]
            other.codes = tuple(sorted(set(other.codes) | set(site.codes)))
            other.add_source(row["source"], row["source_id"])
            other.records.append(site.records[0])
            counts.directory_duplicate_rows_merged += 1
            continue
        by_key[k] = index.add(site)

    # 2. Substance-use directory rows: the same facility in both directories is noted on
    #    the MH site; SUD-only facilities are not mental-health capacity and are left out.
    substance = directory[directory["directory_type"] == "substance"]
    counts.directory_substance_rows = len(substance)
    for _, row in substance.iterrows():
        rec = _record(row)
        found = find(rec, index, only=lambda s: s.codes is not None)
        if found.site is not None:
            link(found.site, rec, found.evidence, index, counts)
            counts.directory_substance_rows_matched_to_mh += 1
        elif found.ambiguous:
            excluded.append(_excluded(row, "substance-use directory row " + _ambiguous_reason(found)))
            counts.records_ambiguous += 1
        else:
            excluded.append(_excluded(row, "substance-use directory only (no mental-health listing)"))

    frames = {
        "samhsa_locator": src["locator"],
        "lms_211": src["lms"],
        "hcai": src["hcai"],
        "covidcaremap": src["ccm"],
    }
    untrusted = set().union(*(points_at_several_addresses(f) for f in frames.values()))
    counts.points_given_to_several_addresses = len(untrusted)
    coords = CoordIndex(frames, untrusted)

    # 3. SAMHSA locator 2020: coordinates for directory programs at the same address, an
    #    old address of a current program, or a locations-only site (attributes unknown).
    counts.locator_rows = len(src["locator"])
    counts.locator_rows_matched, counts.locator_only_sites = _add_records(
        src["locator"], index, counts, excluded, untrusted
    )

    # 4. LA County LMS / 211: treatment sites only; attributes unknown.
    lms = src["lms"]
    counts.lms_rows = len(lms)
    counts.lms_rows_excluded = int(lms["exclusion_reason"].notna().sum())
    for _, row in lms[lms["exclusion_reason"].notna()].iterrows():
        excluded.append(_excluded(row, row["exclusion_reason"]))
    counts.lms_rows_matched, counts.lms_only_sites = _add_records(
        lms[lms["exclusion_reason"].isna()], index, counts, excluded, untrusted
    )

    # 5. State-licensed PHFs, MHRCs, psychiatric hospitals, psychology clinics — unless the
    #    bed file, the better source for what a facility is, says it is something else.
    licensed = src["licensed"]
    counts.licensed_rows = len(licensed)
    other_kind = licence_overruled(licensed, src["beds"])
    for _, row in licensed[licensed["source_id"].isin(other_kind)].iterrows():
        excluded.append(_excluded(row, other_kind[row["source_id"]]))
    counts.licensed_rows_other_kind = len(other_kind)
    counts.licensed_rows_matched, counts.licensed_only_sites = _add_records(
        licensed[~licensed["source_id"].isin(other_kind)],
        index,
        counts,
        excluded,
        untrusted,
        licence_col="licence",
    )

    # 6. Licensed acute psychiatric beds (CDPH), placed via HCAI / CovidCareMap.
    bed_rows = attach_beds(src, index, coords, counts)

    # 7. Sites placed since they were compared (licence-only and bed-only sites) that are
    #    one place with another site.
    locate(index.sites, coords, geocoder, approximate=False)
    sites, counts.sites_merged_by_proximity = merge_nearby(index.sites)

    # 8. Locations-only sites that are a current program by phone or whole name, anywhere.
    sites = link_locations_only(sites, counts)

    # 9. Locate what is still unplaced: address match, geocoder cache, ZIP centroid.
    locate(sites, coords, geocoder)

    # 10. PHF beds where a source counts them (CovidCareMap 2020; none in the bed file).
    counts.phf_beds, counts.phf_without_beds = attach_phf_beds(sites, src["ccm"])
    counts.excluded_records = len(excluded)
    return sites, counts, pd.DataFrame(excluded, columns=["source", "source_id", "name", "reason"]), bed_rows


def locate(
    sites: list[Site], coords: CoordIndex, geocoder: CensusGeocoder | None, *, approximate: bool = True
) -> None:
    """Place unplaced sites: the same street address in a coordinate source, the geocoder
    cache, then (``approximate``) the ZIP centroid.  A withheld address is never exact."""
    for s in sites:
        if s.located:
            continue
        if not s.withheld:
            hit = coords.lookup(s.street, s.zip) if s.street else None
            if hit:
                s.place(
                    hit[0], hit[1], Precision.EXACT, f"Exact: address matched to {LOCATION_LABEL[hit[2]]}"
                )
                continue
            if geocoder is not None and s.street:
                g = geocoder.lookup(s.street, s.city, s.zip)
                if g:
                    s.place(g[0], g[1], Precision.EXACT, "Exact: US Census geocoder (cached)")
                    continue
        if not approximate:
            continue
        c = zipgeo.centroid(s.zip)
        if c:
            if s.withheld:
                why = "address withheld by the facility"
            elif s.untrusted_point:
                why = s.untrusted_point
            else:
                why = "no address match"
            s.place(
                c[0],
                c[1],
                Precision.APPROXIMATE,
                f"Approximate: ZIP {s.zip} centroid ({why}; {zipgeo.PACKAGE})",
            )


def _rank(site: Site) -> tuple:
    return (
        site.codes is not None,
        site.licence is not None,
        site.beds is not None,
        -COORD_PRIORITY.index(site.primary_source) if site.primary_source in COORD_PRIORITY else 0,
    )


def merge_nearby(sites: list[Site]) -> tuple[list[Site], int]:
    """Merge placed sites that the matching rules call one place (the richer absorbs the
    other); approximate points are never merged (a ZIP centroid says nothing)."""
    index = SiteIndex()
    for s in sites:
        if s.exact:
            index.add(s)
    absorbed: set[int] = set()
    n = 0
    for s in list(index.sites):
        if id(s) in absorbed:
            continue
        for o in index.candidates(s):
            if o is s or id(o) in absorbed or not o.exact:
                continue
            if not (can_join(s, o) and can_join(o, s)):
                continue
            ev = evidence(s, o, PLACE_RULES)
            if ev is None:
                continue
            keep, drop = (s, o) if _rank(s) >= _rank(o) else (o, s)
            _absorb(keep, drop)
            for f in drop.facets():
                index.add_facet(keep, f)
            absorbed.add(id(drop))
            n += 1
            if drop is s:
                break
    return [s for s in sites if id(s) not in absorbed], n


def _absorb(keep: Site, drop: Site) -> None:
    for src, sid in drop.refs:
        keep.add_source(src, sid)
    keep.records.extend(drop.records)
    keep.other_addresses.extend(a for a in drop.other_addresses if a not in keep.other_addresses)
    for attr in ("website", "phone", "description", "licence", "street", "city", "zip"):
        if getattr(keep, attr) is None and getattr(drop, attr) is not None:
            setattr(keep, attr, getattr(drop, attr))
    if keep.beds is None and drop.beds is not None:
        keep.beds, keep.beds_facid, keep.beds_name = drop.beds, drop.beds_facid, drop.beds_name
        keep.state_hospital = drop.state_hospital


def locations_only(site: Site) -> bool:
    """Known only from a 2020 locations list: no coded profile, licence or beds."""
    return (
        site.codes is None
        and site.licence is None
        and site.beds is None
        and set(site.sources) <= set(match.STALE_SOURCES)
    )


def link_locations_only(sites: list[Site], counts: BuildCounts) -> list[Site]:
    """Fold locations-only sites into the site they are, by rules the address-first pass
    cannot see (``match.LATE_RULES``):

    ``address+phone``  another site at the same street address has the same distinctive
                       number (one door, one phone, two names): one site;
    ``phone+name``     the one current directory program with that distinctive number
                       shares a distinctive name word, at any distance: an earlier listing
                       of that program (its address kept as history);
    ``name+program``   the one current directory program with the same whole name and
                       program, of an organisation with no other program listed: an earlier
                       listing, at any distance.

    A number is distinctive when it is not toll-free and at most one directory program
    gives it (an organisation's central line tells no program apart).
    """
    by_phone: dict[str, list[Site]] = defaultdict(list)
    for s in sites:
        if (p := distinctive_phone(s.phone)) is not None:
            by_phone[p].append(s)
    coded = [s for s in sites if s.codes is not None]
    by_name: dict[str | None, list[Site]] = defaultdict(list)
    for s in coded:
        by_name[match.full_name(s.name, s.program)].append(s)
    programs_of = defaultdict(int)
    for s in coded:
        programs_of[name_key(s.name)] += 1
    gone: set[int] = set()
    for s in sites:
        if id(s) in gone or not locations_only(s):
            continue
        same = [
            o for o in by_phone.get(distinctive_phone(s.phone) or "", []) if o is not s and id(o) not in gone
        ]
        programs = [o for o in same if o.codes is not None]
        if len(programs) > 1:
            same = programs = []  # an organisation's line
        here = [o for o in same if match.address_relation(s, o) in ("suite", "street", "house")]
        if len(here) == 1:
            keep, drop = (s, here[0]) if _rank(s) >= _rank(here[0]) else (here[0], s)
            _fold(keep, drop, "address+phone", counts, history=False)
            gone.add(id(drop))
            continue
        if len(programs) == 1 and _a_name_word_in_common(s, programs[0]):
            _fold(programs[0], s, "phone+name", counts, history=True)
            gone.add(id(s))
            continue
        named = by_name.get(match.full_name(s.name, s.program), [])
        if len(named) == 1 and programs_of[name_key(s.name)] == 1 and match.tokens(s.name, s.program):
            _fold(named[0], s, "name+program", counts, history=True)
            gone.add(id(s))
    return [s for s in sites if id(s) not in gone]


def _a_name_word_in_common(a: Site, b: Site) -> bool:
    """A distinctive word in the two names with their programs, place names left out (the
    phone already ties them: "Prototypes I-Can - Pasadena" / "HealthRIGHT 360, Prototypes
    Outpatient")."""
    return bool(
        match.tokens(a.name, a.program, a.city, b.city) & match.tokens(b.name, b.program, a.city, b.city)
    )


def _fold(keep: Site, drop: Site, rule: str, counts: BuildCounts, *, history: bool) -> None:
    """``drop``'s records are ``keep``'s: at its door (an alias) or an earlier listing."""
    for r in drop.records:
        counts.linked(rule)
        if history:
            r.role = "history"
            counts.records_linked_as_history += 1
        elif r.role == "site":
            r.role = "alias"
    if history:
        addresses = [] if keep.withheld else [r for r in drop.records if r.street]
        for r in addresses:
            if match.address_relation(r, keep) not in ("suite", "street", "house"):
                text = f"{r.address_text()} ({LOCATION_LABEL[r.source]}, {r.as_of})"
                if text not in keep.other_addresses:
                    keep.other_addresses.append(text)
        for src, sid in drop.refs:
            keep.add_source(src, sid)
        keep.records.extend(drop.records)
        if not keep.withheld:
            keep.other_addresses.extend(a for a in drop.other_addresses if a not in keep.other_addresses)
    else:
        _absorb(keep, drop)


def _excluded(row, reason: str) -> dict:
    return {"source": row["source"], "source_id": row["source_id"], "name": row["name"], "reason": reason}


def _same_place_name(site: Site, *other_names: str | None) -> bool:
    """Two records at one address are one facility when their names share a word that is
    not common to facility names (e.g. "Kedren", "Gateways", "Casitas")."""
    a = significant_words(site.name, match.STOP) | significant_words(site.program, match.STOP)
    return any(a & significant_words(n, match.STOP) for n in other_names)


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
            rec = _record(crow)
            hits = [s for s in index.at(rec) if s.beds is None]
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
                site.place(lat, lon, Precision.EXACT, f"Exact: {LOCATION_LABEL[source]} coordinates")
                site.add_source(source, ref)
                site.records.append(rec)
            else:
                site = target
                site.licence = site.licence or taxonomy.LICENCE_APH
                site.add_source(source, ref)
                site.records.append(rec)
                index.add_facet(site, rec)
                if not site.located or site.precision == Precision.APPROXIMATE:
                    site.place(lat, lon, Precision.EXACT, f"Exact: {LOCATION_LABEL[source]} coordinates")
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
            if match.address_relation(_record(r), s) in ("suite", "street", "house")
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
OPERATOR_COLUMNS = [taxonomy.flag_column("operator", v) for v in taxonomy.GROUP_BY_ID["operator"].ids]


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


# --------------------------------------------------------------------------- table


def kind_of(flags: dict, beds) -> Kind:
    """Map symbol class: inpatient (incl. inpatient + outpatient), outpatient,
    residential / day treatment, other (e.g. crisis only), or setting unknown."""
    f = lambda v: flags[taxonomy.flag_column("setting", v)] is True  # noqa: E731
    if f("inpatient") or (beds is not None and beds > 0):
        return Kind.INPATIENT
    if f("outpatient"):
        return Kind.OUTPATIENT
    if f("residential") or f("day"):
        return Kind.RESIDENTIAL_DAY
    if flags[taxonomy.flag_column("setting", "outpatient")] is pd.NA:
        return Kind.UNKNOWN
    return Kind.OTHER


def facility_table(sites: list[Site]) -> pd.DataFrame:
    rows = []
    for s in sites:
        flags = taxonomy.flags_for(s.codes, s.licence)
        operator = licensee_operator(s)
        operator_known = any(flags[c] is True for c in OPERATOR_COLUMNS)
        if operator and not operator_known:
            for c in OPERATOR_COLUMNS:
                flags[c] = c == taxonomy.flag_column("operator", operator)
        ftypes = [taxonomy.FACILITY_TYPES[c] for c in (s.codes or ()) if c in taxonomy.FACILITY_TYPES]
        ident = "|".join(str(x) for x in (_dedupe_key(s), s.beds_facid, sorted(s.source_ids)[0]))
        name, program = whole_name(proper_case(s.name), s.program)
        rows.append(
            {
                "site_id": "s" + hashlib.sha1(ident.encode(), usedforsecurity=False).hexdigest()[:10],
                "name": name,
                "program": program,
                "street": s.street,
                "street2": s.street2,
                "city": s.city,
                "zip": s.zip,
                "phone": s.phone,
                "website": s.website,
                "lat": s.lat,
                "lon": s.lon,
                "location_precision": s.precision.value,
                "location_source": s.location_source,
                "primary_source": s.primary_source,
                "as_of": s.as_of,
                "sources": ";".join(s.sources),
                "source_ids": ";".join(s.source_ids),
                "other_addresses": "; ".join(s.other_addresses) or None,
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
                "kind": kind_of(flags, s.beds).value,
                "operator_source": (
                    "SAMHSA directory 2024"
                    if operator_known
                    else "licence holder's name (CDPH / HCAI)"
                    if operator
                    else None
                ),
                "licence_operator": operator,
                "phf_beds": s.phf_beds,
                "phf_beds_source": s.phf_beds_source,
                **flags,
            }
        )
    # Alphabetical: tables and downloads read in this order without sorting per view.
    df = pd.DataFrame(rows)
    df = df.sort_values(
        ["name", "program", "site_id"], key=lambda c: c.str.lower(), na_position="first", kind="stable"
    ).reset_index(drop=True)
    df["psych_beds"] = df["psych_beds"].astype("Int64")
    df["phf_beds"] = df["phf_beds"].astype("Int64")
    for col in taxonomy.flag_columns():
        df[col] = df[col].astype("boolean")
    if df["site_id"].duplicated().any():
        dup = df.loc[df["site_id"].duplicated(keep=False), ["site_id", "name", "source_ids"]]
        raise BuildError(f"two sites share an id: {dup.head(4).to_dict('records')}")
    return df
