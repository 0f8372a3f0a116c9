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


@lru_cache(maxsize=4096)
def centroid(zip5: str | None) -> tuple[float, float] | None:
    """(lat, lon) of a ZIP's centroid, or None when the ZIP is unknown or not in LA County."""
    if not isinstance(zip5, str) or len(zip5) != 5 or not zip5.isdigit():
        return None
    try:
        rows = zipcodes.matching(zip5)
    except (ValueError, TypeError):
        return None
    for r in rows:
        if r.get("county") == LA_COUNTY and r.get("lat") and r.get("long"):
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
