"""Offline ZIP facts from the ``zipcodes`` package (USPS ZIP -> city, county, centroid).

Used for the approximate locating tier (ZIP centroid) and to spot records whose city is
outside Los Angeles County.  ZIP centroids are approximate by nature: a ZIP can span miles.
"""

from __future__ import annotations

from functools import cache, lru_cache

import zipcodes

PACKAGE = f"zipcodes {getattr(zipcodes, '__version__', '3.0.0')}"
LA_COUNTY = "Los Angeles County"


@cache
def _ca_rows() -> tuple[dict, ...]:
    return tuple(zipcodes.filter_by(state="CA"))


# A point the package gives to this many ZIPs or more is a placeholder, not a centroid (25 LA
# ZIPs — university, PO-box and other unique ZIPs such as 90095 UCLA and 90089 USC — sit at
# one point in Wilmington; 28 PO-box ZIPs at downtown Los Angeles).
PLACEHOLDER_ZIPS = 5


@cache
def _placeholders() -> frozenset[tuple[str, str]]:
    seen: dict[tuple[str, str], int] = {}
    for r in _ca_rows():
        key = (r.get("lat"), r.get("long"))
        seen[key] = seen.get(key, 0) + 1
    return frozenset(k for k, n in seen.items() if n >= PLACEHOLDER_ZIPS)


@lru_cache(maxsize=4096)
def centroid(zip5: str | None) -> tuple[float, float] | None:
    """(lat, lon) of a ZIP's centroid, or None when the ZIP is unknown, not in LA County, or
    the package only gives it a placeholder point shared by many ZIPs."""
    if not isinstance(zip5, str) or len(zip5) != 5 or not zip5.isdigit():
        return None
    try:
        rows = zipcodes.matching(zip5)
    except (ValueError, TypeError):
        return None
    for r in rows:
        if r.get("county") == LA_COUNTY and r.get("lat") and r.get("long"):
            if (r["lat"], r["long"]) in _placeholders():
                return None
            return float(r["lat"]), float(r["long"])
    return None


@cache
def places_outside_la() -> frozenset[str]:
    """Upper-case CA place names used only by ZIPs outside LA County."""
    inside, outside = set(), set()
    for r in _ca_rows():
        names = {r["city"], *r.get("acceptable_cities", [])}
        names = {n.upper() for n in names if n}
        (inside if r.get("county") == LA_COUNTY else outside).update(names)
    return frozenset(outside - inside)
