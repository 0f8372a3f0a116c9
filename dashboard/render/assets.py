"""The Leaflet files maps load, served by the app itself (no CDN).

Folium and streamlit-folium load Leaflet and every plugin from public CDNs; on a locked-down
county network (or offline) the map would never appear.  The pinned dist files of
``leaflet`` 1.9.4 and ``leaflet.markercluster`` 1.5.3 (npm registry tarballs, with their
licences) are committed under ``dashboard/static/vendor/<package>/``, which Streamlit serves
at ``/app/static/vendor/<package>/`` (``server.enableStaticServing`` in
``.streamlit/config.toml``).  ``tests/unit/test_assets.py`` pins their sha256.

To upgrade: download the new tarballs (``npm pack leaflet@<version>``), copy the same dist
files over, update the versions here and the hashes in the test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from branca.element import MacroElement
from folium.template import Template

from dashboard import config

LEAFLET_VERSION = "1.9.4"
MARKERCLUSTER_VERSION = "1.5.3"
VENDOR_DIR = config.STATIC_DIR / "vendor"

#: urls() key -> file under dashboard/static/vendor/
FILES = {
    "leaflet_js": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markercluster_js": "leaflet.markercluster/leaflet.markercluster.js",
    "markercluster_css": "leaflet.markercluster/MarkerCluster.css",
    "markercluster_default_css": "leaflet.markercluster/MarkerCluster.Default.css",
}


MAP_JS = config.STATIC_DIR / "js" / "lamh-map.js"  # the map's own layers (not vendored)
# Its URL carries a hash of its content: browsers cache it, and a new version is a new URL.
MAP_JS_VERSION = hashlib.sha256(MAP_JS.read_bytes()).hexdigest()[:12]


def urls() -> dict[str, str]:
    """URL of each file as the browser asks for it (see ``config.static_url``)."""
    prefix = config.static_url()
    out = {key: f"{prefix}/vendor/{path}" for key, path in FILES.items()}
    out["map_js"] = f"{prefix}/js/{MAP_JS.name}?v={MAP_JS_VERSION}"
    return out


class _IconPath(MacroElement):
    """A map child whose script sets ``L.Icon.Default.imagePath`` (template compiled once)."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.Icon.Default.imagePath = {{ this.path|tojson }};{% endmacro %}"
    )

    def __init__(self, path: str):
        super().__init__()
        self._name = "IconDefaultImagePath"
        self.path = path


def _walk(el) -> Iterator[object]:
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk(child)


def apply(m, *extra_elements) -> list[str]:
    """Make a folium Map (and any MarkerCluster in it or in ``extra_elements``, e.g. feature
    groups passed to ``st_folium(feature_group_to_add=...)``) load only the local Leaflet
    files: no jQuery, Bootstrap, awesome-markers or Font Awesome from a CDN.  Sets *instance*
    attributes (folium's ``add_js_link`` mutates the class-level lists in place, which would
    leak to every map).  Call after the layers are added.

    Returns the URLs any other element would still fetch from elsewhere (empty when the map
    is fully served locally), so tests can assert on it."""
    import folium
    from folium.elements import JSCSSMixin
    from folium.plugins import MarkerCluster

    u = urls()
    leftovers: list[str] = []
    seen: set[int] = set()
    for root in (m, *extra_elements):
        for el in _walk(root):
            if id(el) in seen:
                continue
            seen.add(id(el))
            if isinstance(el, folium.Map):
                el.default_js = [("leaflet", u["leaflet_js"])]
                el.default_css = [("leaflet_css", u["leaflet_css"])]
                _set_icon_path(el, u["leaflet_css"].rsplit("/", 1)[0] + "/images/")
            elif isinstance(el, MarkerCluster):
                el.default_js = [("markerclusterjs", u["markercluster_js"])]
                el.default_css = [
                    ("markerclustercss", u["markercluster_css"]),
                    ("markerclusterdefaultcss", u["markercluster_default_css"]),
                ]
            elif isinstance(el, JSCSSMixin):
                leftovers += [
                    url
                    for _, url in (*el.default_js, *el.default_css)
                    if not url.startswith(config.static_url())
                ]
    return list(dict.fromkeys(leftovers))


def _set_icon_path(m, path: str) -> None:
    """Pin ``L.Icon.Default.imagePath`` as the map's first child script.

    Leaflet guesses it from leaflet.css, but streamlit-folium appends the stylesheet and
    runs the map script at once; when a default-icon marker is created before the CSS has
    loaded, Leaflet 1.9's fallback yields ``.../vendor/leaflet`` + ``marker-icon.png`` ->
    ``/app/static/vendor/leafletmarker-icon.png`` (404).
    """
    for key, child in list(m._children.items()):
        if getattr(child, "_name", "") == "IconDefaultImagePath":
            del m._children[key]
    el = _IconPath(path)
    m.add_child(el)
    m._children.move_to_end(el.get_name(), last=False)  # before any marker is created
