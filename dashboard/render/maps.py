"""Folium maps built from frames (no streamlit import).

The base map (tiles, view) stays the same between reruns so streamlit-folium keeps the
component mounted; what changes with the filters — the facility points and the area
choropleth — is returned as feature groups for ``st_folium(feature_group_to_add=...)``.

Facilities are ONE compact data layer inside a marker cluster (not one Python ``Marker``
each); the browser builds a popup only when one is opened, from DOM nodes and
``textContent``, so source text is never parsed as HTML.  All data is JSON with ``<``,
``>``, ``&`` and quotes escaped, so a hostile facility name cannot close a script tag
either.  Area tooltips are set as text too.  Area polygons and every facility's map data
are published once per build as static files the browser caches (``webfiles``): a rerun
sends only area colours and the positions of the matching facilities, and the map keeps
its polygons across reruns, restyling them in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import folium
import numpy as np
import pandas as pd
import shapely
import xyzservices
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from dashboard.render import assets
from dashboard.render.legend import (
    KINDS,
    NO_DATA,
    UNSELECTED,
    TractShading,
    colour_for,
)
from dashboard.render.mapdata import MapData
from dashboard.render.text import safe_json

LA_CENTER = (34.26, -118.30)  # centre of the mainland county; zoom 9 shows all of it
DEFAULT_ZOOM = 9


class _Layer(JSCSSMixin, MacroElement):
    """One of the map's layers: a call into the map's own script
    (``dashboard/static/js/lamh-map.js``, which the browser loads once and caches) with the
    layer's data as script-safe JSON.  When that script could not be loaded, the map says so."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "if (window.LamhMap) { LamhMap.{{ this.call }}({{ this._parent.get_name() }}, {{ this.data_js }}); }"
        " else if (!document.querySelector('.lamh-noscript')) { var d = document.createElement('div');"
        " d.className = 'lamh-noscript'; d.setAttribute('role', 'alert');"
        " d.textContent = 'The map could not load its script: reload the page.';"
        " document.body.insertBefore(d, document.body.firstChild); }"
        "{% endmacro %}"
    )

    def __init__(self, call: str, data: dict | list | str, plugins: tuple[str, ...] = ()):
        super().__init__()
        self._name = "LamhLayer"
        self.call = call
        self.data_js = data if isinstance(data, str) else safe_json(data)  # str: already safe
        urls = assets.urls()
        self.default_js = [
            *((k, urls[k]) for k in plugins if k.endswith("_js")),
            ("lamh_map_js", urls["map_js"]),
        ]
        self.default_css = [(k, urls[k]) for k in plugins if k.endswith("_css")]


# Above this many matching sites the map shows counts per grid square instead of points,
# so the payload stays bounded whatever the data size.
MAX_POINTS = 2000
CELL_DEGREES = 0.02  # about 1.4 miles north-south


CLUSTER_PLUGIN = ("markercluster_js", "markercluster_css", "markercluster_default_css")


def facility_layer(data: MapData, mask: np.ndarray) -> folium.FeatureGroup:
    """Matching facilities: one clustered layer of keyboard-focusable markers whose popups
    are built on demand in the browser (or, above MAX_POINTS, counts per grid square).  With
    every facility's data in a static file (``data.url``) a run sends only the positions of
    the matching rows; without, the rows themselves."""
    pos = np.flatnonzero(np.asarray(mask, dtype=bool) & data.located)
    if len(pos) > MAX_POINTS:
        return _cell_layer(data, pos)
    payload = safe_json({"url": data.url, "pick": pos.tolist()}) if data.url else data.payload(pos)
    fg = folium.FeatureGroup(name=f"Facilities ({len(pos)})", overlay=True, control=True)
    _Layer("facilities", payload, CLUSTER_PLUGIN).add_to(fg)
    return fg


def cells(data: MapData, pos: np.ndarray, size: float = CELL_DEGREES) -> pd.DataFrame:
    """Matching sites counted per grid square: centre (mean position) and count per kind."""
    frame = pd.DataFrame(
        {
            "gy": np.floor(data.lat[pos] / size).astype(int),
            "gx": np.floor(data.lon[pos] / size).astype(int),
            "lat": data.lat[pos],
            "lon": data.lon[pos],
            "kind": data.kind[pos],
        }
    )
    g = frame.groupby(["gy", "gx"])
    out = g[["lat", "lon"]].mean()
    out["n"] = g.size()
    kinds = frame.pivot_table(index=["gy", "gx"], columns="kind", aggfunc="size", fill_value=0)
    return out.join(kinds).reset_index(drop=True).fillna(0)


def _cell_layer(data: MapData, pos: np.ndarray) -> folium.FeatureGroup:
    c = cells(data, pos)
    kinds = [k for k in KINDS if k in c.columns]
    rows = [
        [
            round(r.lat, 4),
            round(r.lon, 4),
            int(r.n),
            "; ".join(
                f"{KINDS[k][0].split(' (')[0].lower()} {int(getattr(r, k))}" for k in kinds if getattr(r, k)
            ),
        ]
        for r in c.itertuples()
    ]
    fg = folium.FeatureGroup(
        name=f"Facilities ({len(pos)}, counted per {CELL_DEGREES}° square)", overlay=True, control=True
    )
    _Layer("cells", rows).add_to(fg)
    return fg


def label_points(geojson: dict) -> dict:
    """A point inside each area (feature id -> (lat, lon)) for its map label."""
    out = {}
    for f in geojson["features"]:
        p = shapely.geometry.shape(f["geometry"]).representative_point()
        out[f["properties"]["id"]] = (round(p.y, 4), round(p.x, 4))
    return out


def bounds(lat, lon, pad: float = 0.03) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) around the points given, for a static map."""
    return (min(lat) - pad, max(lat) + pad, min(lon) - pad, max(lon) + pad)


def frame(lat: np.ndarray, lon: np.ndarray, width_px: int = 700, height_px: int = 560) -> tuple:
    """(centre, zoom) that shows every point given (e.g. the selected tracts' points)."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    if len(lat) == 0:
        return LA_CENTER, DEFAULT_ZOOM
    pad = 0.02
    lo_lat, hi_lat = lat.min() - pad, lat.max() + pad
    lo_lon, hi_lon = lon.min() - pad, lon.max() + pad
    centre = (round((lo_lat + hi_lat) / 2, 4), round((lo_lon + hi_lon) / 2, 4))
    cos = np.cos(np.radians(centre[0]))
    z_lon = np.log2(width_px * 360 / (256 * (hi_lon - lo_lon)))
    z_lat = np.log2(height_px * 360 * cos / (256 * (hi_lat - lo_lat)))
    return centre, int(np.clip(np.floor(min(z_lon, z_lat)), 8, 14))


def choropleth_layer(
    geojson: dict,
    values: pd.Series,
    names: dict,
    breaks: list[float],
    title: str,
    url: str | None = None,
    selected: set | None = None,
    labels: dict | None = None,
    legend: dict | None = None,
    part_of: str | None = None,
) -> folium.FeatureGroup:
    """Area polygons coloured by ``values`` (indexed by area id), each with a text tooltip
    that keyboard users reach too; areas outside ``selected`` (when given) are white with a
    dashed outline; ``labels`` (area id -> (lat, lon)) puts each area's name and value on the
    map.  ``part_of`` (e.g. "in district 2"): each value is only the area's part there, and
    its tooltip and label say so."""
    colours, tips, marks = {}, {}, []
    for f in geojson["features"]:
        area = f["properties"]["id"]
        v = values.get(area, np.nan)
        out = selected is not None and area not in selected
        colours[area] = UNSELECTED if out else colour_for(v, breaks)
        shown = "not selected" if out else (f"{v:.1f}" if np.isfinite(v) else "no data")
        name = str(names.get(area, area))
        tips[area] = f"{name}{f' — only its part {part_of}' if part_of else ''}: {shown}"
        if labels and area in labels and not out:
            marks.append([*labels[area], name + (" (part)" if part_of else ""), shown])
    dashed = frozenset(k for k, c in colours.items() if c == UNSELECTED)
    look = AreaStyle(colours, tips, url, dashed=dashed, labels=marks, focusable=True, legend=legend)
    return colour_layer(geojson, title, look)


@dataclass
class AreaStyle:
    """How a layer of polygons looks: per feature id a fill colour and a tooltip text.

    ``url``: the geometry as a cached static file (``webfiles.urls``), so a run sends only
    colours and tooltips (without, the geometry is embedded); ``weight``: outline width;
    ``dashed``: ids drawn with a dashed outline; ``labels``: [lat, lon, name, value] texts
    shown on the map; ``focusable``: each polygon a tab stop whose focus opens its tooltip
    (for a few areas, not thousands of tracts); ``legend``: {"title", "rows": [[colour or
    svg, label]]} drawn inside the map (bottom left, folded), so it is at hand on a phone;
    ``tip_suffix``: text after every tooltip, sent once rather than with each tract."""

    colours: dict
    tips: dict
    url: str | None = None
    weight: float = 1.0
    dashed: frozenset = frozenset()
    labels: list = field(default_factory=list)
    focusable: bool = False
    legend: dict | None = None
    tip_suffix: str = ""


def outline_layer(selection: dict[str, tuple[int, ...]], geojson: dict, urls: dict) -> folium.FeatureGroup:
    """The selected areas (level -> area ids, e.g. {"sd": (2,)}) outlined on top of the map,
    from the level's cached polygon file (embedded when it has none)."""
    parts = [
        {"ids": list(ids), "url": urls.get(level), "geo": None if urls.get(level) else geojson[level]}
        for level, ids in selection.items()
    ]
    fg = folium.FeatureGroup(name="Selected areas (outline)", overlay=True, control=False)
    _Layer("outline", {"parts": parts}).add_to(fg)
    return fg


def area_group(title: str, payload: str) -> folium.FeatureGroup:
    """A layer of polygons drawn by ``LamhMap.areas`` from its (script-safe JSON) data."""
    fg = folium.FeatureGroup(name=title, overlay=True, control=True)
    _Layer("areas", payload).add_to(fg)
    return fg


def tract_payload(
    geojson: dict, shade: TractShading, residents: pd.Series, url: str | None, tip_suffix: str
) -> str:
    """The tract map's data, compactly: per tract in the geometry's order its class (one
    character indexing ``palette``), its value (0.1; null for none) and residents; the
    browser makes each tooltip ("Tract <id>: 3.4 mi; 1,234" + ``tip_suffix``).  About a sixth
    of a colour-and-tooltip per tract, which a run would send and the server compile."""
    ids = [f["properties"]["id"] for f in geojson["features"]]
    v = shade.values.reindex(ids).to_numpy(dtype=float)
    r = residents.reindex(ids).fillna(0).to_numpy(dtype=float)
    payload: dict = {
        "tracts": {
            "palette": list(shade.palette),
            "cls": "".join(map(str, shade.classes.reindex(ids).fillna(len(shade.palette) - 1).astype(int))),
            "val": [round(float(x), 1) if np.isfinite(x) else None for x in v],
            "unit": shade.unit,
            "none": shade.none,
            "res": [int(x) for x in r],
        },
        "labels": [],
        "focusable": False,
        "legend": {"title": shade.title, "rows": shade.legend},
        "suffix": tip_suffix,
        "weight": 0.3,
    }
    if url:
        payload["url"] = url
    else:
        payload["geo"] = geojson
    return safe_json(payload)


def colour_layer(geojson: dict, title: str, look: AreaStyle) -> folium.FeatureGroup:
    """Polygons coloured and labelled as ``look`` says, drawn by ``LamhMap.areas``."""
    style = {}
    for f in geojson["features"]:
        fid = f["properties"]["id"]
        style[str(fid)] = [
            look.colours.get(fid, NO_DATA),
            str(look.tips.get(fid, fid)),
            int(fid in look.dashed),
        ]
    payload: dict = {
        "style": style,
        "labels": look.labels,
        "focusable": look.focusable,
        "legend": look.legend,
        "suffix": look.tip_suffix,
        "weight": look.weight,
    }
    if look.url:
        payload["url"] = look.url
    else:
        payload["geo"] = geojson
    return area_group(title, safe_json(payload))


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
# A provider object, not a name or URL string: folium looks a string up among every known
# provider first (4 ms per run, most of the base map's cost).
OSM = xyzservices.TileProvider(
    name="OpenStreetMap",
    url=OSM_TILES,
    attribution="(C) OpenStreetMap contributors",
    html_attribution=OSM_ATTRIBUTION,
    max_zoom=19,
)


def base_map(center: tuple[float, float] | None = None, zoom: int | None = None) -> folium.Map:
    """The stable part of the map: tiles and initial view (the mainland county unless a
    link gives a view); Leaflet served locally when the vendored assets are present."""
    m = folium.Map(
        location=list(center or LA_CENTER),
        zoom_start=zoom or DEFAULT_ZOOM,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    folium.TileLayer(OSM, name="Base map (OpenStreetMap)", control=False).add_to(m)
    assets.apply(m)
    return m
