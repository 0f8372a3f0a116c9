"""The committed Leaflet files and the map's own script, and maps that load only them.

The pinned dist files of leaflet 1.9.4 and leaflet.markercluster 1.5.3 are committed under
dashboard/static/vendor/ (from the npm registry tarballs, whose sha512 integrity they were
checked against when they were copied).  Their sha256 is pinned here: a changed or missing
file fails this test, and ``assets.urls()`` names only files that exist.
"""

from __future__ import annotations

import hashlib

import folium
import folium.plugins

from dashboard import config
from dashboard.render import assets

SHA256 = {
    "leaflet": {
        "LICENSE": "53e8dc25862014e4324741ca18fbe3611e11d42ef69f59f86ea8c5389647d4cb",
        "images/layers-2x.png": "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
        "images/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
        "images/marker-icon-2x.png": "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
        "images/marker-icon.png": "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
        "images/marker-shadow.png": "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
        "leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
        "leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    },
    "leaflet.markercluster": {
        "LICENSE": "3133dacd38250bd1f524d8166cc60a016a382522e062fce143691c65bf5e4b3d",
        "MarkerCluster.Default.css": "61258232d98d64dc2a7b1e02130d67421bc5b9bda5994eef70228ff97570c170",
        "MarkerCluster.css": "614dea0a98ff3f4ead74f04918f6b1d1b9ba435c25b5fc23b21a394d1e3e4d87",
        "leaflet.markercluster.js": "1e4e1d22972a3926f48598e0caf14e3fe7049835d428a344fed4f9e3665b3508",
    },
}


def test_committed_files_are_the_pinned_ones():
    on_disk = {
        p.relative_to(assets.VENDOR_DIR).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(assets.VENDOR_DIR.rglob("*"))
        if p.is_file()
    }
    assert on_disk == {f"{pkg}/{name}": h for pkg, files in SHA256.items() for name, h in files.items()}


def test_every_url_points_at_a_committed_file(monkeypatch):
    monkeypatch.delenv("LAMH_STATIC_URL", raising=False)
    for key, url in assets.urls().items():
        path, _, version = url.partition("?v=")
        assert path.startswith(("/app/static/vendor/", "/app/static/js/")), url
        file = config.STATIC_DIR / path.removeprefix("/app/static/")
        assert file.is_file(), key
        if version:  # the app's own script: a new content is a new URL (browsers cache it)
            assert version == hashlib.sha256(file.read_bytes()).hexdigest()[: len(version)]


def test_urls_follow_a_proxy_prefix(monkeypatch):
    monkeypatch.setenv("LAMH_STATIC_URL", "/dash/app/static/")
    assert assets.urls()["leaflet_js"] == "/dash/app/static/vendor/leaflet/leaflet.js"


def collected_links(m):
    """What streamlit_folium.st_folium hands its iframe: default_js/css of every
    JSCSSMixin under the map (same walk + getattr as streamlit_folium 0.27.4)."""
    from folium.elements import JSCSSMixin

    def walk(el):
        if isinstance(el, JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    js, css = [], []
    for el in walk(m):
        js += [src for _, src in getattr(el, "default_js", [])]
        css += [href for _, href in getattr(el, "default_css", [])]
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))


def test_apply_loads_only_the_local_leaflet_and_markercluster(monkeypatch):
    monkeypatch.delenv("LAMH_STATIC_URL", raising=False)
    local = assets.urls()
    class_js = list(folium.Map.default_js)
    m = folium.Map(location=[34.05, -118.25], zoom_start=9, tiles=None)
    folium.Marker([34.0, -118.2], icon=folium.DivIcon(html="<b>1</b>")).add_to(m)
    fg = folium.FeatureGroup(name="facilities")  # e.g. passed as feature_group_to_add
    folium.plugins.MarkerCluster(locations=[[34.0, -118.0]]).add_to(fg)

    leftovers = assets.apply(m, fg)
    fg.add_to(m)  # what st_folium does with feature_group_to_add

    js, css = collected_links(m)
    assert leftovers == []
    assert js == [local["leaflet_js"], local["markercluster_js"]]
    assert css == [local["leaflet_css"], local["markercluster_css"], local["markercluster_default_css"]]
    html = m.get_root().render()
    assert "jquery" not in html and "bootstrap" not in html and "cdn" not in html
    # class-level lists untouched: other maps still get folium's defaults
    assert folium.Map.default_js == class_js


def test_apply_reports_plugins_that_would_still_use_a_cdn():
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    leftovers = assets.apply(m)
    assert leftovers and all(u.startswith("https://") for u in leftovers)


def test_apply_pins_the_default_icon_path_before_any_marker(monkeypatch):
    monkeypatch.delenv("LAMH_STATIC_URL", raising=False)
    m = folium.Map(tiles=None)
    folium.Marker([34.0, -118.2]).add_to(m)
    assets.apply(m)
    assets.apply(m)
    html = m.get_root().render()
    assert html.count("L.Icon.Default.imagePath") == 1
    assert 'L.Icon.Default.imagePath = "/app/static/vendor/leaflet/images/";' in html
    assert html.index("L.Icon.Default.imagePath") < html.index("L.marker(")
