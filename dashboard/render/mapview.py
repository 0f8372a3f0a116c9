"""Where the map looks, and whether the user moved it (pure functions, no Streamlit).

A view is ``(lat, lon, zoom)``.  The map is drawn at the county view and then moved to the
view the page asks for (a link's position, the selected areas, or the county); the map
component reports where it is, and only a report that is none of those is the user's move
(which then goes into the link).
"""

from __future__ import annotations

from dashboard.render import maps

COUNTY_VIEW = (*maps.LA_CENTER, maps.DEFAULT_ZOOM)  # where the map is drawn before it moves


def view_of(out: dict | None) -> tuple | None:
    """(lat, lon, zoom) the map component last reported, or None."""
    try:
        c, z = out["center"], out["zoom"]
        return (round(float(c["lat"]), 4), round(float(c["lng"]), 4), int(z))
    except (TypeError, KeyError, ValueError):
        return None


def same_view(a: tuple, b: tuple) -> bool:
    """Two views alike but for Leaflet's snapping of the centre to whole pixels."""
    two_pixels = 2 * 360.0 / (256 * 2 ** int(a[2]))
    return int(a[2]) == int(b[2]) and abs(a[0] - b[0]) <= two_pixels and abs(a[1] - b[1]) <= two_pixels


def moved_to(out: dict | None, requested: tuple, previous: tuple | None = None) -> tuple | None:
    """(lat, lon, zoom) the user moved the map to, or None while it shows a view the page
    asked for: ``requested`` (the link's position, the selected areas or the county) or,
    until the map has moved on, ``previous`` (what the last run asked for).

    The map is drawn at the county view and then moved to the requested one, and its reports
    can come before a move: the county view and the previous view are no moves of the user's."""
    view = view_of(out)
    if view is None or any(same_view(view, v) for v in (requested, COUNTY_VIEW, previous) if v):
        return None
    return view


def move(requested: tuple, shows: tuple | None, passed: tuple | None) -> tuple | None:
    """What to hand st_folium as (lat, lon, zoom) to show ``requested``: None while the map
    already shows it (``shows``: its last report; before any, the county view it is drawn
    at), which spares the map a move and the page a rerun.  streamlit-folium moves the map
    only when the value differs from the one it was last given (``passed``), so a view asked
    for again after the user moved away is nudged by a hair (Leaflet snaps it back)."""
    if same_view(requested, shows or COUNTY_VIEW):
        return None
    lat, lon, zoom = requested
    if passed is not None and (lat, lon) == tuple(passed[:2]):
        lat += 1e-6
    if passed is not None and zoom == passed[2]:
        zoom += 1e-6
    return (lat, lon, zoom)
