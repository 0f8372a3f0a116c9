"""Smoke test of the real app through the e2e harness: it serves, renders and self-hosts Leaflet.

Page-level behaviour (filters, map layers, URL state) lives in the page tests; this file only
proves the harness + server + static serving work end to end.
"""

from __future__ import annotations

import urllib.request

import pytest

STATIC_TYPES = [
    ("leaflet/leaflet.js", "javascript"),
    ("leaflet/leaflet.css", "text/css"),
    ("leaflet/images/marker-icon.png", "image/png"),
    ("leaflet.markercluster/leaflet.markercluster.js", "javascript"),
    ("leaflet.markercluster/MarkerCluster.css", "text/css"),
    ("leaflet.markercluster/MarkerCluster.Default.css", "text/css"),
]


def test_app_renders_without_an_exception(page, app_server, wait_for_app):
    page.goto(app_server)
    wait_for_app(page)

    assert "LA County" in page.title()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stMain"]').inner_text().strip()  # something rendered
    assert page.js_errors == []


@pytest.mark.parametrize("path,ctype", STATIC_TYPES, ids=[p for p, _ in STATIC_TYPES])
def test_vendored_assets_are_served_with_executable_content_types(app_server, path, ctype):
    """Browsers refuse a script/stylesheet sent as text/plain with nosniff (what Streamlit's
    static serving did before it used ``mimetypes``), so the map would silently not load."""
    with urllib.request.urlopen(f"{app_server}/app/static/vendor/{path}", timeout=10) as r:
        assert r.status == 200
        assert ctype in r.headers["Content-Type"]
        assert r.read(1)
