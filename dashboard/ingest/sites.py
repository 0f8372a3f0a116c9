"""Sites and source records while they are assembled, and the indexes that find them.

A ``Record`` is one source row; a ``Site`` is one place of care with every record that is
it (``refs``, ``records``), its attributes and its placement.  ``SiteIndex`` finds the sites
a record could be (same street, house number, name or neighbourhood); ``CoordIndex`` finds
coordinates for a street address in the coordinate-bearing sources.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from dashboard.ingest import match
from dashboard.ingest.normalize import (
    address_key,
    house_key,
    name_key,
)
from dashboard.vocab import Precision

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


def record_from_row(row, *, codes=None, licence=None) -> Record:
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


def site_from_row(row, *, codes=None, licence=None) -> Site:
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
    s.records.append(record_from_row(row, codes=codes, licence=licence))
    return s


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


def dedupe_key(site: Site) -> tuple:
    where = site.akey or f"withheld|{site.zip}"
    return (where, name_key(site.name), name_key(site.program))


def licence_ids(site: Site) -> set[str]:
    return {sid for src, sid in site.refs if src == "dhcs_licensed"}


def refs_of(x) -> set[str]:
    return {sid for _, sid in x.refs} if isinstance(x, Site) else {x.source_id}


def excluded_row(row, reason: str) -> dict:
    return {"source": row["source"], "source_id": row["source_id"], "name": row["name"], "reason": reason}
