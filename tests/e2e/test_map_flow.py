"""The map page in a real browser: a shared link opens with its filter, the map draws its
facility markers and choropleth, a filter change updates the URL, and reloading that URL
brings back the same state and the same count."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from dashboard import snapshot
from dashboard.analysis import filters
from dashboard.analysis.filters import FilterState
from tests.harness import filter_value


def headline(page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Matching sites")
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def expected_count(data_dir, **kw) -> int:
    snap = snapshot.read(data_dir)
    return filters.match(filters.FlagIndex.build(snap.facilities), FilterState(**kw)).count


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def wait_for_markers(frame, minimum: int = 1) -> None:
    frame.wait_for_function(
        "n => document.querySelectorAll('.lamh-marker, .marker-cluster').length >= n", arg=minimum
    )


def test_shared_link_filter_change_and_reload(
    page, app_server, snapshot_dir, wait_for_app, map_frame, assert_self_hosted
):
    page.goto(f"{app_server}/?pop=children&set=outpatient")
    wait_for_app(page)
    frame = map_frame(page)
    wait_for_markers(frame)
    # The choropleth: 8 SPA polygons drawn as interactive SVG paths.
    frame.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 8")
    n1 = expected_count(snapshot_dir, population=("children",), setting=("outpatient",))
    assert headline(page) == n1
    layer_names = frame.locator(".leaflet-control-layers").text_content()  # folded: not visible
    assert f"Facilities ({n1})" in layer_names

    # Change a filter in the sidebar: open "Payment accepted", choose Medi-Cal (keyboard).
    medi_cal = filter_value(page, "Payment accepted", "Medi-Cal (Medicaid)")
    medi_cal.focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"pay=medi_cal"))
    n2 = expected_count(
        snapshot_dir, population=("children",), setting=("outpatient",), payment=("medi_cal",)
    )
    expect(
        page.locator('[data-testid="stMetric"]')
        .filter(has_text="Matching sites")
        .locator('[data-testid="stMetricValue"]')
    ).to_have_text(f"{n2:,}")
    frame = map_frame(page)
    expect(frame.locator(".leaflet-control-layers-overlays")).to_contain_text(f"Facilities ({n2})")
    shared = page.url
    assert query(shared) == {"v": "1", "pop": "children", "set": "outpatient", "pay": "medi_cal"}
    # The copy-link box shows the same link.
    assert "pay=medi_cal" in page.locator('[data-testid="stSidebar"] input.lamh-share-link').input_value()

    # Reload the shared URL in a fresh page: same state, same count, same map.
    page.goto(shared)
    wait_for_app(page)
    assert headline(page) == n2
    for group, value in (
        ("Payment accepted", "Medi-Cal (Medicaid)"),
        ("Population served", "Children and adolescents"),
    ):
        expect(filter_value(page, group, value)).to_have_attribute("aria-pressed", "true")
    frame = map_frame(page)
    wait_for_markers(frame)
    expect(frame.locator(".leaflet-control-layers-overlays")).to_contain_text(f"Facilities ({n2})")
    assert query(page.url) == query(shared)
    assert_self_hosted(page)
    assert page.js_errors == []


def test_popup_opens_from_the_keyboard(page, app_server, wait_for_app, map_frame):
    page.goto(f"{app_server}/?set=inpatient")
    wait_for_app(page)
    frame = map_frame(page)
    wait_for_markers(frame)
    frame.wait_for_selector(".lamh-marker")
    marker = frame.locator(".lamh-marker").first
    marker.focus()
    marker.press("Enter")
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Setting:")
    expect(popup).to_contain_text("Source:")
    expect(popup).to_contain_text("Location:")
    assert page.js_errors == []


def test_junk_link_shows_a_notice_not_an_error(page, app_server, wait_for_app):
    page.goto(f"{app_server}/?cond=%3Cscript%3E&spa=99&z=banana&lat=1")
    wait_for_app(page)
    expect(page.locator('[data-testid="stAlert"]').first).to_contain_text("could not be used")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "cond" not in query(page.url)
    assert page.js_errors == []


def test_a_selected_district_is_outlined_and_framed(page, app_server, wait_for_app, map_frame):
    """Issue 21, point 3: District 2 selected: districts are shown, the district is outlined
    on top of the map (a pane of its own) and the map is zoomed in on it; on the Gaps page too."""
    page.goto(f"{app_server}/?sd=2")
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("document.querySelectorAll('.leaflet-lamhOutline-pane path').length === 1")
    frame.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 5")
    zoom = frame.evaluate(
        "() => { for (const k in window) { const m = window[k];"
        " if (m && m instanceof L.Map) return m.getZoom(); } return null; }"
    )
    assert zoom is not None and zoom > 9  # framed on the district, not the whole county
    page.goto(f"{app_server}/gaps?sd=2")
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("document.querySelectorAll('.leaflet-lamhOutline-pane path').length === 1")


def test_a_keyboard_user_can_skip_the_map(page, app_server, wait_for_app, map_frame):
    """Issue 21, point 8: every site and area on the map is a tab stop (dozens), so the map
    offers a 'skip the map' link first; it moves focus to what follows the map on the page."""
    page.goto(f"{app_server}/?pop=children&pay=medi_cal&sd=2")
    wait_for_app(page)
    frame = map_frame(page)
    wait_for_markers(frame)
    skip = frame.locator("a.lamh-skip")
    stops = frame.evaluate("document.querySelectorAll('a[href], [tabindex=\"0\"]').length")
    assert stops > 10  # the reason for the link
    skip.focus()
    expect(skip).to_be_in_viewport()  # shown when focused
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.tagName !== 'IFRAME'")
    frame_box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    focused = page.evaluate(
        "(() => { const r = document.activeElement.getBoundingClientRect();"
        " return r.top + window.scrollY; })()"
    )
    assert focused >= frame_box["y"] + page.evaluate("window.scrollY")  # after the map, not before
