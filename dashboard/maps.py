"""Folium maps built from frames (no streamlit import).

The base map (tiles, view) stays the same between reruns so streamlit-folium keeps the
component mounted; what changes with the filters — the facility points and the area
choropleth — is returned as feature groups for ``st_folium(feature_group_to_add=...)``.

Facilities are ONE GeoJSON layer inside a marker cluster (not one Python ``Marker`` each).
Every string that comes from a source is HTML-escaped in Python before it enters a popup,
and all data is embedded as JSON with ``<``, ``>``, ``&`` and quotes escaped, so a hostile
facility name shows as text and cannot close the script tag.
"""

from __future__ import annotations

import html
import json

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from dashboard import assets, taxonomy
from dashboard.filters import DEFAULT_ZOOM, LA_CENTER

# Okabe-Ito colours (colour-blind safe); the symbol shape carries the same information.
KINDS = {
    "outpatient": ("Outpatient", "#0072B2", "circle"),
    "inpatient": ("Inpatient (hospital or PHF; may also offer outpatient)", "#D55E00", "square"),
    "residential_day": ("Residential or day treatment (no outpatient)", "#009E73", "triangle"),
    "other": ("Other setting (e.g. crisis services only)", "#CC79A7", "diamond"),
    "unknown": ("Setting unknown (locations-only source)", "#6B6B6B", "diamond"),
}
# Viridis, 5 classes (colour-blind safe, monotone in lightness).
VIRIDIS5 = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
NO_DATA = "#d9d9d9"


def safe_json(obj) -> str:
    """JSON that is safe to place inside an HTML <script> element."""
    return (
        json.dumps(obj, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("'", "\\u0027").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def symbol_svg(kind: str, approximate: bool = False, size: int = 16) -> str:
    """The marker symbol as inline SVG (also used for the legend)."""
    _label, colour, shape = KINDS.get(kind, KINDS["unknown"])
    fill, dash = ("#ffffff", ' stroke-dasharray="2,1.5"') if approximate else (colour, "")
    s, h = size, size / 2
    stroke = f'stroke="{colour if approximate else "#1A1A1A"}" stroke-width="1.6"{dash}'
    if shape == "circle":
        body = f'<circle cx="{h}" cy="{h}" r="{h - 1.5}" fill="{fill}" {stroke}/>'
    elif shape == "square":
        body = f'<rect x="1.5" y="1.5" width="{s - 3}" height="{s - 3}" fill="{fill}" {stroke}/>'
    elif shape == "triangle":
        body = f'<polygon points="{h},1.5 {s - 1.5},{s - 1.5} 1.5,{s - 1.5}" fill="{fill}" {stroke}/>'
    else:
        body = f'<polygon points="{h},1 {s - 1},{h} {h},{s - 1} 1,{h}" fill="{fill}" {stroke}/>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" '
            f'viewBox="0 0 {s} {s}" aria-hidden="true">{body}</svg>')


def _e(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def popup_html(row: dict, source_titles: dict[str, str]) -> str:
    """Popup for one facility; every value escaped."""
    def line(label, value):
        return f"<div><b>{label}:</b> {value}</div>" if value else ""

    addr = ", ".join(x for x in (_e(row.get("street")), _e(row.get("street2")), _e(row.get("city")),
                                 _e(row.get("zip"))) if x)
    if not row.get("street"):
        addr = (addr + " " if addr else "") + "<i>(street address not published)</i>"
    web = row.get("website")
    web_html = ""
    if isinstance(web, str) and web.lower().startswith(("http://", "https://")):
        web_html = (f'<a href="{_e(web)}" target="_blank" rel="noopener noreferrer">'
                    f"{_e(web[:60])}</a>")
    groups = {}
    for gid in ("setting", "service", "population", "condition", "payment", "language"):
        if taxonomy.group_known(row, gid):
            groups[gid] = _e(", ".join(taxonomy.labels_for(row, gid))) or "none reported"
        else:
            groups[gid] = "<i>unknown</i>"
    beds = row.get("psych_beds")
    beds_html = ""
    if beds is not None and beds is not pd.NA and not (isinstance(beds, float) and np.isnan(beds)):
        beds_html = line("Licensed acute psychiatric beds",
                         f"{int(beds)} (CDPH 2025-01-16; {_e(row.get('beds_name'))})")
    sources = "; ".join(_e(source_titles.get(s, s)) for s in str(row.get("sources") or "").split(";") if s)
    precision = row.get("location_precision")
    where = {"exact": "exact address", "approximate": "approximate (ZIP centroid)"}.get(precision, "not located")
    program = _e(row.get("program"))
    return (
        '<div class="lamh-popup" style="font:13px/1.35 sans-serif;max-width:300px">'
        f"<div style=\"font-weight:600;font-size:14px\">{_e(row.get('name'))}</div>"
        + (f"<div>{program}</div>" if program else "")
        + line("Address", addr)
        + line("Phone", _e(row.get("phone")))
        + line("Website", web_html)
        + line("Facility type", _e(row.get("facility_type")))
        + line("Setting", groups["setting"])
        + beds_html
        + line("Services", groups["service"])
        + line("Populations", groups["population"])
        + line("Programs for", groups["condition"])
        + line("Payment", groups["payment"])
        + line("Languages", groups["language"])
        + line("Location", _e(where))
        + line("Source", f"{sources} (as of {_e(row.get('as_of'))})")
        + "</div>"
    )


class _GeoJsonScript(JSCSSMixin, MacroElement):
    """A GeoJSON layer whose data is embedded as escaped JSON and drawn by a small script."""

    def __init__(self, data: dict, script: str):
        super().__init__()
        self._name = "LamhLayer"
        self.data_js = safe_json(data)
        self._template = Template(
            "{% macro script(this, kwargs) %}(function(){var data = {{ this.data_js }};"
            + script + "})();{% endmacro %}"
        )


def facility_layer(fac: pd.DataFrame, source_titles: dict[str, str]) -> folium.FeatureGroup:
    """Matching facilities: one clustered GeoJSON layer with keyboard-focusable markers."""
    feats = []
    located = fac[fac["location_precision"] != "none"]
    for row in located.to_dict("records"):
        approx = row["location_precision"] == "approximate"
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(row["lon"], 5), round(row["lat"], 5)]},
            "properties": {
                "i": symbol_svg(row["kind"], approx),
                "t": (row["name"] or "")[:120] + (" (approximate location)" if approx else ""),
                "p": popup_html(row, source_titles),
                "k": row["kind"],
            },
        })
    script = (
        "var cluster = L.markerClusterGroup({showCoverageOnHover:false, maxClusterRadius:40,"
        " spiderfyOnMaxZoom:true, disableClusteringAtZoom:15});"
        "var layer = L.geoJSON(data, {pointToLayer: function(f, ll){"
        " return L.marker(ll, {icon: L.divIcon({className:'lamh-marker lamh-' + f.properties.k,"
        " html: f.properties.i, iconSize:[16,16], iconAnchor:[8,8]}), title: f.properties.t,"
        " alt: f.properties.t, keyboard: true});},"
        " onEachFeature: function(f, l){ l.bindPopup(f.properties.p, {maxWidth: 320}); }});"
        "cluster.addLayer(layer);"
        "{{ this._parent.get_name() }}.addLayer(cluster);"
    )
    el = _GeoJsonScript({"type": "FeatureCollection", "features": feats}, script)
    el.default_js = [("markercluster_js", assets.urls()["markercluster_js"])]
    el.default_css = [("markercluster_css", assets.urls()["markercluster_css"]),
                      ("markercluster_default_css", assets.urls()["markercluster_default_css"])]
    fg = folium.FeatureGroup(name=f"Facilities ({len(feats)})", overlay=True, control=True)
    el.add_to(fg)
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


def legend_classes(breaks: list[float]) -> list[tuple[str, str]]:
    """(colour, label) per class, for the legend beside the map."""
    out, lo = [], 0.0
    for b in breaks:
        out.append((colour_for(b, breaks), f"{lo:.1f} – {b:.1f}"))
        lo = b
    out.append((NO_DATA, "no residents in the denominator"))
    return out


def choropleth_layer(geojson: dict, values: pd.Series, labels: dict, breaks: list[float],
                     title: str) -> folium.FeatureGroup:
    """Area polygons coloured by ``values`` (indexed by area id) with a text tooltip."""
    colours, tips = {}, {}
    for f in geojson["features"]:
        area = f["properties"]["id"]
        v = values.get(area, np.nan)
        colours[area] = colour_for(v, breaks)
        tips[area] = f"{labels.get(area, area)}: " + (f"{v:.1f}" if np.isfinite(v) else "no data")
    return colour_layer(geojson, colours, tips, title)


def colour_layer(geojson: dict, colours: dict, tips: dict, title: str) -> folium.FeatureGroup:
    """Polygons with a given fill colour and (escaped) tooltip text per feature id."""
    feats = []
    for f in geojson["features"]:
        fid = f["properties"]["id"]
        feats.append({"type": "Feature", "geometry": f["geometry"],
                      "properties": {"c": colours.get(fid, NO_DATA), "t": html.escape(str(tips.get(fid, fid)))}})
    script = (
        "var layer = L.geoJSON(data, {style: function(f){ return {fillColor: f.properties.c,"
        " color:'#333333', weight:1, fillOpacity:0.55}; },"
        " onEachFeature: function(f, l){ l.bindTooltip(f.properties.t, {sticky:true}); }});"
        "{{ this._parent.get_name() }}.addLayer(layer);"
    )
    fg = folium.FeatureGroup(name=title, overlay=True, control=True)
    _GeoJsonScript({"type": "FeatureCollection", "features": feats}, script).add_to(fg)
    return fg


def base_map(center: tuple[float, float] | None = None, zoom: int | None = None) -> folium.Map:
    """The stable part of the map: tiles and initial view (the mainland county unless a
    link gives a view); Leaflet served locally when the vendored assets are present."""
    m = folium.Map(location=list(center or LA_CENTER), zoom_start=zoom or DEFAULT_ZOOM,
                   tiles=None, control_scale=True, prefer_canvas=False)
    folium.TileLayer(
        "OpenStreetMap", name="Base map (OpenStreetMap)", control=False,
    ).add_to(m)
    assets.apply(m)
    return m
