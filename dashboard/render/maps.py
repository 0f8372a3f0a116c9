"""Folium maps built from frames (no streamlit import).

The base map (tiles, view) stays the same between reruns so streamlit-folium keeps the
component mounted; what changes with the filters — the facility points and the area
choropleth — is returned as feature groups for ``st_folium(feature_group_to_add=...)``.

Facilities are ONE compact data layer inside a marker cluster (not one Python ``Marker``
each); the browser builds a popup only when one is opened, from DOM nodes and
``textContent``, so source text is never parsed as HTML.  All data is JSON with ``<``,
``>``, ``&`` and quotes escaped, so a hostile facility name cannot close a script tag
either.  Area tooltips are set as text too.  Area polygons and every facility's map data
are published once per build as static files the browser caches (``publish``): a rerun
sends only area colours and the positions of the matching facilities, and the map keeps
its polygons across reruns, restyling them in place.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import folium
import numpy as np
import pandas as pd
import shapely
import xyzservices
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from dashboard import registry, taxonomy
from dashboard.render import assets
from dashboard.vocab import Kind, Precision

# Okabe-Ito colours (colour-blind safe); the symbol shape carries the same information.
KINDS = {
    k: (k.label, colour, shape)
    for k, colour, shape in (
        (Kind.OUTPATIENT, "#0072B2", "circle"),
        (Kind.INPATIENT, "#D55E00", "square"),
        (Kind.RESIDENTIAL_DAY, "#009E73", "triangle"),
        (Kind.OTHER, "#CC79A7", "plus"),
        (Kind.UNKNOWN, "#6B6B6B", "diamond"),
    )
}
# Viridis, 5 classes (colour-blind safe, monotone in lightness).
VIRIDIS5 = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
NO_DATA = "#d9d9d9"
LA_CENTER = (34.26, -118.30)  # centre of the mainland county; zoom 9 shows all of it
DEFAULT_ZOOM = 9


_TEMPLATE_OPENER = re.compile(r"\{(?=[{%#])")


def safe_json(obj) -> str:
    """JSON that is safe inside an HTML <script> element and inside the Jinja templates
    folium and streamlit-folium render (and render again): ``<``, ``>``, ``&``, quotes and
    line separators are \\u-escaped, and so is any ``{`` that would open a Jinja tag
    (``{{``, ``{%``, ``{#``) — compact JSON never has one outside a string, so a source's
    text can neither close the script nor be evaluated as a template on the server."""
    text = (
        json.dumps(obj, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _TEMPLATE_OPENER.sub(r"\\u007b", text)


def symbol_svg(kind: str, approximate: bool = False, size: int = 16) -> str:
    """The marker symbol as inline SVG (also used for the legend)."""
    _label, colour, shape = KINDS.get(kind, KINDS[Kind.UNKNOWN])
    fill, dash = ("#ffffff", ' stroke-dasharray="2,1.5"') if approximate else (colour, "")
    s, h = size, size / 2
    stroke = f'stroke="{colour if approximate else "#1A1A1A"}" stroke-width="1.6"{dash}'
    if shape == "circle":
        body = f'<circle cx="{h}" cy="{h}" r="{h - 1.5}" fill="{fill}" {stroke}/>'
    elif shape == "square":
        body = f'<rect x="1.5" y="1.5" width="{s - 3}" height="{s - 3}" fill="{fill}" {stroke}/>'
    elif shape == "triangle":
        body = f'<polygon points="{h},1.5 {s - 1.5},{s - 1.5} 1.5,{s - 1.5}" fill="{fill}" {stroke}/>'
    elif shape == "plus":
        a, b = s * 0.34, s * 0.66
        pts = (
            f"{a},1 {b},1 {b},{a} {s - 1},{a} {s - 1},{b} {b},{b} {b},{s - 1} {a},{s - 1} "
            f"{a},{b} 1,{b} 1,{a} {a},{a}"
        )
        body = f'<polygon points="{pts}" fill="{fill}" {stroke}/>'
    else:
        body = f'<polygon points="{h},1 {s - 1},{h} {h},{s - 1} 1,{h}" fill="{fill}" {stroke}/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" '
        f'viewBox="0 0 {s} {s}" aria-hidden="true">{body}</svg>'
    )


POPUP_GROUPS = (
    ("setting", "Setting"),
    ("service", "Services"),
    ("population", "Populations"),
    ("condition", "Programs for"),
    ("payment", "Payment"),
    ("language", "Languages"),
    ("operator", "Operated by"),
)


def _text(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


@dataclass
class MapData:
    """Per build, once: the JSON-ready popup data of every facility (None where the site is
    not located), aligned with the facility table's row positions, plus the labels and
    source titles the rows point into.  A rerun only picks rows by position."""

    meta: dict
    rows: list  # per facility: its JSON (already made script- and template-safe) or None
    lat: np.ndarray
    lon: np.ndarray
    kind: np.ndarray
    located: np.ndarray
    url: str | None = None  # all of it as a static file (publish_facilities): reruns send positions

    def payload(self, positions) -> str:
        """The meta data and the rows at ``positions`` (null where a row is None) as one
        script-safe JSON object."""
        rows = ",".join(self.rows[i] or "null" for i in positions)
        return safe_json(self.meta)[:-1] + ',"rows":[' + rows + "]}"


# The keys of one facility in the map's data (short: every rerun sends the matching rows):
#   y, x   latitude, longitude            k   kind (KINDS key: symbol and colour)
#   q      1 = approximate location        n   name            g   program
#   a      street (and street2)            c   city and ZIP    p   phone
#   w      website                         t   facility type   b   licensed acute psych beds
#   bn     the bed file's facility name    f   per POPUP_GROUPS group: indexes of its values
#          (into meta["groups"]), or None where the group is unknown
#   s      indexes into meta["sources"]    o   as-of date
#   h      earlier addresses of the program in older sources (history), or None


def prepare(fac: pd.DataFrame, source_titles: dict[str, str]) -> MapData:
    """Compact facility data for the map (keys above): labels and source titles once, then
    per facility only short fields and label indexes.  The browser builds each popup from
    this with ``textContent`` — source text is never parsed as HTML."""
    groups = [taxonomy.GROUP_BY_ID[g] for g, _ in POPUP_GROUPS]
    flags = {
        g.id: np.column_stack(
            [fac[taxonomy.flag_column(g.id, v.id)].to_numpy(dtype=object) for v in g.values]
        )
        for g in groups
    }
    source_keys = list(source_titles)
    located = (fac["location_precision"] != Precision.NONE).to_numpy()
    rows: list = []
    for i, r in enumerate(fac.to_dict("records")):
        if not located[i]:
            rows.append(None)
            continue
        per_group = []
        for g in groups:
            vals = flags[g.id][i]
            known = vals[0] is not pd.NA and vals[0] is not None
            per_group.append([j for j, v in enumerate(vals) if v is True] if known else None)
        street = ", ".join(x for x in (_text(r["street"]), _text(r["street2"])) if x)
        beds = r.get("psych_beds")
        rows.append(
            safe_json(
                {
                    "y": round(float(r["lat"]), 5),
                    "x": round(float(r["lon"]), 5),
                    "k": r["kind"],
                    "q": 1 if r["location_precision"] == Precision.APPROXIMATE else 0,
                    "n": _text(r["name"]) or "",
                    "g": _text(r["program"]),
                    "a": street or None,
                    "c": " ".join(x for x in (_text(r["city"]), _text(r["zip"])) if x),
                    "p": _text(r["phone"]),
                    "w": _text(r["website"]),
                    "t": _text(r["facility_type"]),
                    "b": None if beds is None or beds is pd.NA else int(beds),
                    "bn": _text(r.get("beds_name")),
                    "f": per_group,
                    "s": [
                        source_keys.index(x) for x in str(r["sources"] or "").split(";") if x in source_titles
                    ],
                    "o": _text(r["as_of"]),
                    "h": _text(r.get("other_addresses")),
                }
            )
        )
    meta = {
        "groups": [
            [label, [v.label for v in g.values]] for g, (_, label) in zip(groups, POPUP_GROUPS, strict=True)
        ],
        "sources": [source_titles[k] for k in source_keys],
        "icons": {k: [symbol_svg(k), symbol_svg(k, approximate=True)] for k in KINDS},
        "precision": [Precision.EXACT.label, Precision.APPROXIMATE.label],
        "beds_source": registry.cite("cdph_beds"),
    }
    return MapData(
        meta=meta,
        rows=rows,
        lat=fac["lat"].to_numpy(float),
        lon=fac["lon"].to_numpy(float),
        kind=fac["kind"].to_numpy(object),
        located=located,
    )


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


def class_breaks(values: np.ndarray, n: int = 5) -> list[float]:
    """Upper bounds of up to ``n`` quantile classes of the finite values (rounded, unique)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return []
    qs = np.quantile(v, np.linspace(0, 1, n + 1)[1:])
    out = []
    for q in qs:
        r = float(np.round(q, 1))
        if not out or r > out[-1]:
            out.append(r)
    if out[-1] < v.max():
        out[-1] = float(np.ceil(v.max() * 10) / 10)
    return out


def colour_for(value: float, breaks: list[float]) -> str:
    if value is None or not np.isfinite(value) or not breaks:
        return NO_DATA
    for i, b in enumerate(breaks):
        if value <= b:
            return VIRIDIS5[round(i * (len(VIRIDIS5) - 1) / max(len(breaks) - 1, 1))]
    return VIRIDIS5[-1]


# The marker cluster's bubble, for the legend (markercluster draws it in the map).
CLUSTER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">'
    '<circle cx="9" cy="9" r="8" fill="#6ecc39" stroke="#1A1A1A" stroke-width="0.8"/>'
    '<text x="9" y="12.5" font-size="9" font-family="sans-serif" text-anchor="middle">12</text></svg>'
)
CLUSTER_LABEL = "numbered bubble: that many sites close together (click or zoom in)"
UNSELECTED = "#ffffff"  # areas outside the sidebar's area selection: white, dashed outline


def legend_classes(breaks: list[float], *, unselected: bool = False) -> list[tuple[str, str]]:
    """(colour, label) per class, for the legend beside the map."""
    out, lo = [], 0.0
    for b in breaks:
        out.append((colour_for(b, breaks), f"{lo:.1f} – {b:.1f}"))
        lo = b
    out.append((NO_DATA, "no residents in the denominator"))
    if unselected:
        out.append((UNSELECTED, "outside the selected areas"))
    return out


def legend_html(rows: list[tuple[str, str]]) -> str:
    """Legend rows (a colour or one of the app's SVG symbols, then a label): the app's own
    text only, so it may be HTML."""
    out = []
    for swatch, label in rows:
        if swatch.startswith("<"):
            out.append(f'<div style="margin:2px 0">{swatch} {html.escape(label)}</div>')
        else:
            border = "1px dashed #6B6B6B" if swatch == UNSELECTED else "1px solid #333"
            out.append(
                f'<div style="margin:2px 0"><span style="display:inline-block;width:14px;height:14px;'
                f'background:{swatch};border:{border};margin-right:6px;vertical-align:middle"></span>'
                f"{html.escape(label)}</div>"
            )
    return "".join(out)


def label_points(geojson: dict) -> dict:
    """A point inside each area (feature id -> (lat, lon)) for its map label."""
    out = {}
    for f in geojson["features"]:
        p = shapely.geometry.shape(f["geometry"]).representative_point()
        out[f["properties"]["id"]] = (round(p.y, 4), round(p.x, 4))
    return out


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
) -> folium.FeatureGroup:
    """Area polygons coloured by ``values`` (indexed by area id), each with a text tooltip
    that keyboard users reach too; areas outside ``selected`` (when given) are white with a
    dashed outline; ``labels`` (area id -> (lat, lon)) puts each area's name and value on the
    map."""
    colours, tips, marks = {}, {}, []
    for f in geojson["features"]:
        area = f["properties"]["id"]
        v = values.get(area, np.nan)
        out = selected is not None and area not in selected
        colours[area] = UNSELECTED if out else colour_for(v, breaks)
        shown = "not selected" if out else (f"{v:.1f}" if np.isfinite(v) else "no data")
        tips[area] = f"{names.get(area, area)}: {shown}"
        if labels and area in labels and not out:
            marks.append([*labels[area], str(names.get(area, area)).split(" · ")[0], shown])
    dashed = frozenset(k for k, c in colours.items() if c == UNSELECTED)
    look = AreaStyle(colours, tips, url, dashed=dashed, labels=marks, focusable=True, legend=legend)
    return colour_layer(geojson, title, look)


@dataclass
class AreaStyle:
    """How a layer of polygons looks: per feature id a fill colour and a tooltip text.

    ``url``: the geometry as a cached static file (``publish_geometry``), so a run sends only
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


def area_group(title: str, payload: str) -> folium.FeatureGroup:
    """A layer of polygons drawn by ``LamhMap.areas`` from its (script-safe JSON) data."""
    fg = folium.FeatureGroup(name=title, overlay=True, control=True)
    _Layer("areas", payload).add_to(fg)
    return fg


# Miles to the nearest matching site, by tract: upper bounds of the classes, then one more
# class for tracts beyond the last bound or with no matching site at all.
DISTANCE_BINS = (1, 2, 5, 10, 20)
DISTANCE_COLOURS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154", "#000000")  # viridis, then black
DISTANCE_LABELS = ("≤ 1", "1 – 2", "2 – 5", "5 – 10", "10 – 20", "> 20 or no site")


def distance_classes(miles) -> np.ndarray:
    """Class of each distance (index into DISTANCE_COLOURS): the first bound it does not
    exceed; beyond 20 miles, or no matching site (inf / NaN), the last class."""
    m = np.asarray(miles, dtype=float)
    out = np.searchsorted(DISTANCE_BINS, m, side="left")
    out[~np.isfinite(m)] = len(DISTANCE_BINS)
    return out


def distance_legend() -> list[tuple[str, str]]:
    return list(zip(DISTANCE_COLOURS, DISTANCE_LABELS, strict=True))


def distance_payload(
    geojson: dict, miles: pd.Series, residents: pd.Series, url: str | None, tip_suffix: str
) -> str:
    """The tract map's data, compactly: per tract in the geometry's order its distance class
    (one character), miles to the nearest matching site (0.1; null for none) and residents;
    the browser makes each tooltip ("Tract <id>: 3.4 mi; 1,234" + ``tip_suffix``).  About a
    sixth of a colour-and-tooltip per tract, which a run would send and the server compile."""
    ids = [f["properties"]["id"] for f in geojson["features"]]
    m = miles.reindex(ids).to_numpy(dtype=float)
    r = residents.reindex(ids).fillna(0).to_numpy(dtype=float)
    payload: dict = {
        "tracts": {
            "palette": list(DISTANCE_COLOURS),
            "cls": "".join(map(str, distance_classes(m))),
            "miles": [round(float(x), 1) if np.isfinite(x) else None for x in m],
            "res": [int(x) for x in r],
        },
        "labels": [],
        "focusable": False,
        "legend": {"title": "Miles to nearest site", "rows": distance_legend()},
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
