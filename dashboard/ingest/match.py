"""Is this record the same facility as that site?  The evidence, scored by rule.

Every source record that is not a directory program (substance-use directory rows, the
2020 locator, LMS / 211, licence lists, bed-holding hospitals) is compared with the sites
built so far; it joins the one site the rules below accept with the best score, or
becomes a site of its own.  The same rules decide, at the end, whether two located sites
are one place.  Evidence (``compare``):

* address: the street address with house number (``street`` or, where a record put a
  building name first, ``street2``), compared as ``suite`` (same street and same unit),
  ``street`` (same number and street name), ``house`` (same number and first street
  word: "1224 N Vine St" = "1224 Vine Street") or ``number`` (same house number only:
  "150 Westwood Plaza" / "150 Medical Plaza"), always within the same or a neighbouring
  ZIP (or the same city: a mistyped ZIP such as 90805 for 90806 still matches);
* name: the words that tell facilities apart (not "mental", "health", "center", place
  names except at one street address, ...), as ``same`` (the same name and program, or
  the same distinctive words),
  ``strong`` (two or more distinctive words, half of the shorter name's) or ``shared``
  (a distinctive word in common);
* distance between exact coordinates.

Rules (``RULES``, strongest first) — a record is the same facility as a site when:

``address+name``  the same street address and a distinctive name word in common;
``address+suite`` the same street address and the same suite in two different sources
                  (a renamed tenant: "Uplift Family Services" 2020 / "Pacific Clinics" 2024);
``number+name``   the same house number in the same ZIP and a strong name match, or
                  within 150 m with a name word in common;
``nearby+name``   within 150 m and a strong name match;
                  (for both: not two different program names of one organisation, unless
                  the points are within 30 m, one building);
``withheld``      the site's address is withheld by the facility and the record has the
                  same name and program in the same or a neighbouring ZIP (the site stays
                  approximate: a name match says nothing about where the house is; the
                  record's address is not shown beside it either);
``stale``         a 2020 locations-only record with the same name and program as a
                  current (2024) directory program in the same city and the same or a
                  neighbouring ZIP (or within 8 km of its ZIP centroid), at another
                  address: an old listing of that program.  Its address is kept
                  as history, it is not another site.

Never the same: two coded directory programs, two bed-holding facilities, two licence
records, programs at one street address in different suites with different phones and
different names ("Special Service for Groups" and "Asian Pacific Counseling and Treatment
Centers" in three suites of 605 W Olympic Blvd), and the pairs in the reviewed
``overrides.DIFFERENT``.

Once every source is in, ``linking.link_locations_only`` applies ``LATE_RULES`` to the
sites known only from a 2020 locations list: the same distinctive phone at the same door
(``address+phone``), the one directory program with that phone and a name word in common
(``phone+name``), or the one program of that whole name (``name+program``), at any distance.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from dashboard.ingest import zipgeo
from dashboard.ingest.normalize import name_key, phone_digits, street_key

RULES = ("address+suite", "address+name", "number+name", "nearby+name", "withheld", "stale")
LATE_RULES = ("address+phone", "phone+name", "name+program")
NEARBY_METRES = 150
SAME_BUILDING_METRES = 30
# Sources whose records are 2020 locations lists (candidates for the ``stale`` rule).
STALE_SOURCES = ("samhsa_locator", "lms_211")

# Words too common in facility names to show that two records are one place.
# fmt: off
STOP = frozenset({
    "LOS", "ANGELES", "LA", "L", "A", "COUNTY", "MENTAL", "HEALTH", "SERVICES", "SERVICE", "SERVS",
    "SVCS", "COMMUNITY", "FAMILY", "FAMILIES", "CHILD", "CHILDREN", "CHILDRENS", "PROGRAM",
    "PROGRAMS", "CLINIC", "CLINICS", "CENTERS", "TREATMENT", "BEHAVIORAL", "MH", "DEPARTMENT",
    "DMH", "LAC", "SOUTHERN", "CALIFORNIA", "CA", "VALLEY", "WEST", "EAST", "NORTH", "SOUTH", "AT",
    "FOR", "IN", "MEMORIAL", "OFFICE", "OFFICES",
})
# fmt: on
_DIRECTIONS = {"N", "S", "E", "W"}
_SUFFIXES = {
    "ST", "AVE", "BLVD", "RD", "DR", "PL", "CT", "LN", "PKWY", "HWY", "CIR", "TER", "SQ",
    "PLZ", "WAY",
}  # fmt: skip
_UNIT = re.compile(
    r"\b(?:SUITE|STE|UNIT|BLDG|BUILDING|ROOM|RM|FLOOR|FL|POD|APT)\b\.?\s*#?\s*([A-Z0-9-]+)|#\s*([A-Z0-9-]+)"
)


# --------------------------------------------------------------------------- addresses


@dataclass(frozen=True)
class Street:
    number: str
    words: tuple[str, ...]  # street name words without directions (suffix kept)
    unit: str | None

    @property
    def first(self) -> str | None:
        return self.words[0] if self.words else None

    @property
    def core(self) -> tuple[str, ...]:
        """Name words without a trailing suffix ("WESTWOOD PLZ" -> ("WESTWOOD",))."""
        return self.words[:-1] if len(self.words) > 1 and self.words[-1] in _SUFFIXES else self.words


def unit_of(*lines: str | None) -> str | None:
    """The suite / unit identifier in any of the lines ("Suite C-2" -> "C2")."""
    for line in lines:
        if isinstance(line, str):
            m = _UNIT.search(line.upper())
            if m:
                return (m.group(1) or m.group(2)).replace("-", "")
    return None


@cache
def parse_street(street: str | None, street2: str | None = None) -> Street | None:
    """House number, street words and unit of an address line (None without a number)."""
    key = street_key(street)
    if not key:
        return None
    words = key.split()
    if not words[0].isdigit():
        return None
    name = tuple(w for w in words[1:] if w not in _DIRECTIONS)
    return Street(words[0], name, unit_of(street, street2))


def zip_near(a: str | None, b: str | None) -> bool:
    """The same ZIP, or a neighbouring one: numerically close in the same 3-digit area
    (90805 / 90806) or centroids within 8 km (``zipcodes`` centroids; PO-box ZIPs have
    none that help)."""
    if not (isinstance(a, str) and isinstance(b, str)):
        return False
    if a == b:
        return True
    if a[:3] == b[:3] and a.isdigit() and b.isdigit() and abs(int(a) - int(b)) <= 10:
        return True
    ca, cb = zipgeo.centroid(a), zipgeo.centroid(b)
    return bool(ca and cb and metres(ca[0], ca[1], cb[0], cb[1]) <= 8000)


def area_near(a, b) -> bool:
    """The same or a neighbouring ZIP, or one record's exact point within 8 km of the other's
    ZIP centroid (a university's own ZIP, 90089, has no centroid to compare)."""
    if zip_near(a.zip, b.zip):
        return True
    for x, y in ((a, b), (b, a)):
        c = zipgeo.centroid(y.zip)
        if c and x.exact and metres(x.lat, x.lon, c[0], c[1]) <= 8000:
            return True
    return False


def _city(c: str | None) -> str | None:
    return " ".join(c.upper().split()) if isinstance(c, str) and c.strip() else None


def same_area(a, b) -> bool:
    """Same or neighbouring ZIP, or (a ZIP typo) the same city."""
    return zip_near(a.zip, b.zip) or (_city(a.city) is not None and _city(a.city) == _city(b.city))


def address_relation(a, b) -> str | None:
    """'suite' > 'street' > 'house' > 'number', or None (see the module doc)."""
    sa, sb = parse_street(a.street, a.street2), parse_street(b.street, b.street2)
    if sa is None or sb is None or sa.number != sb.number:
        return None
    if not same_area(a, b):
        return None
    if sa.core == sb.core or sa.words == sb.words:
        level = "street"
    elif sa.first is not None and sa.first == sb.first:
        level = "house"
    else:
        return "number" if zip_near(a.zip, b.zip) else None
    if sa.unit and sb.unit and sa.unit == sb.unit:
        return "suite"
    return level


# --------------------------------------------------------------------------- names


def tokens(name: str | None, program: str | None = None, *cities: str | None) -> frozenset[str]:
    """The words of a name (and program) that tell facilities apart (place names of
    ``cities`` left out: "Long Beach" in two names does not make one site)."""
    stop = set(STOP)
    for c in cities:
        stop |= set((name_key(c) or "").split())
    words = set((name_key(name) or "").split()) | set((name_key(program) or "").split())
    return frozenset(w for w in words - stop if not w.isdigit())


def words(x) -> frozenset[str]:
    """The distinctive words of a name and program, place names and numbers included: two
    records with the same ones (and more than a place name) have the same name ("Didi Hirsch
    Inglewood Center" / "Didi Hirsch Mental Health Services, Inglewood Center")."""
    both = set((name_key(x.name) or "").split()) | set((name_key(x.program) or "").split())
    return frozenset(both - STOP)


def full_name(name: str | None, program: str | None) -> str | None:
    return name_key(" ".join(x for x in (name, program) if isinstance(x, str)) or None)


def name_relation(a, b, *, places: bool = False) -> tuple[str | None, float]:
    """('same' | 'strong' | 'shared' | None, similarity 0..1).

    ``strong``: at least two distinctive words in common, covering half of the shorter
    name's.  No relation at all when the organisation names (``name``, without the
    program) have distinctive words and share none: a program named after the hospital it
    sits in is not that hospital.  ``places``: count place names too (at one street
    address, "Compton Family Mental Health" and "DMH Compton Mental Health Center" share
    "Compton").
    """
    if (
        full_name(a.name, a.program) == full_name(b.name, b.program)
        or (name_key(a.name) == name_key(b.name) and name_key(a.program) == name_key(b.program))
        or (words(a) == words(b) and tokens(a.name, a.program, a.city, b.city))
    ):
        return "same", 1.0
    cities = () if places else (a.city, b.city)
    org_a, org_b = tokens(a.name, None, *cities), tokens(b.name, None, *cities)
    if org_a and org_b and not org_a & org_b:
        return None, 0.0  # two organisations ("Wellnest" / "Adventist Health White Memorial")
    ta, tb = tokens(a.name, a.program, *cities), tokens(b.name, b.program, *cities)
    shared = len(ta & tb)
    if not shared:
        return None, 0.0
    sim = shared / len(ta | tb)
    if shared >= 2 and shared / min(len(ta), len(tb)) >= 0.5:
        return "strong", sim
    return "shared", sim


def programs_differ(a, b) -> bool:
    """Both name a program and neither program's words contain the other's ("Youth
    Residential" / "Youth Outpatient"): one organisation's two programs."""
    pa, pb = set((name_key(a.program) or "").split()), set((name_key(b.program) or "").split())
    return bool(pa and pb) and not (pa <= pb or pb <= pa)


def other_tenant(a, b) -> bool:
    """Two programs at one street address: different suites, different phones and
    different names (any of them the same, or unknown, proves nothing)."""
    ua, ub = unit_of(a.street, a.street2), unit_of(b.street, b.street2)
    pa, pb = phone_digits(a.phone), phone_digits(b.phone)
    return bool(ua and ub and ua != ub and pa and pb and pa != pb) and name_relation(a, b)[0] != "same"


def similar_names(a, b) -> bool:
    """For the data checks: a name word in common, or the same name."""
    return name_relation(a, b)[0] is not None


# --------------------------------------------------------------------------- decision


def metres(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Evidence:
    rule: str
    address: str | None
    name: str | None
    similarity: float
    metres: float | None

    @property
    def score(self) -> tuple:
        """Higher is better: rule strength, then name similarity, then closeness."""
        return (
            -RULES.index(self.rule),
            self.name == "same",
            round(self.similarity, 6),
            -(self.metres if self.metres is not None else 1e9),
        )

    @property
    def at_same_address(self) -> bool:
        """The record describes the site's own address (its coordinates place the site)."""
        return self.rule in ("address+suite", "address+name")


def distance(a, b) -> float | None:
    if a.exact and b.exact:
        return metres(a.lat, a.lon, b.lat, b.lon)
    return None


def compare(record, site) -> Evidence | None:
    """The rule by which ``record`` is the same facility as ``site``, or None.

    Either may be a source record or a site (``sites.Record`` / ``sites.Site``: name,
    program, street, street2, city, zip, lat/lon, ``exact``, ``codes``, ``primary_source``);
    the guards (coded programs, beds, licences, overrides) are the caller's.
    """
    addr = address_relation(record, site)
    name, sim = name_relation(record, site)
    d = distance(record, site)
    ev = lambda rule, n=name, s=sim: Evidence(rule, addr, n, s, d)  # noqa: E731
    if site.street is None or record.street is None:
        both = site.street is None and record.street is None
        if name == "same" and (record.zip == site.zip if both else area_near(record, site)):
            return ev("withheld")
        return None
    if addr in ("suite", "street", "house"):
        if other_tenant(record, site):
            return None
        here, here_sim = name_relation(record, site, places=True)
        if here is not None:
            return ev("address+name", here, here_sim)
    if addr == "suite" and record.primary_source != site.primary_source:
        return ev("address+suite")
    # At another street address, two program names of one organisation are two programs
    # unless the points are one building.
    one_building = d is not None and d <= SAME_BUILDING_METRES
    other_program = programs_differ(record, site) and not one_building
    near = d is not None and d <= NEARBY_METRES
    if addr is not None and not other_program and (name in ("same", "strong") or (near and name)):
        return ev("number+name")
    if near and name in ("same", "strong") and not other_program:
        return ev("nearby+name")
    if (
        name == "same"
        and record.primary_source in STALE_SOURCES
        and site.codes is not None
        and addr is None
        and _city(record.city) == _city(site.city)
        and area_near(record, site)
    ):
        return ev("stale")
    return None
