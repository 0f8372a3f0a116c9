"""Hostile source data in a real browser: markup and script in facility records stay text.

A copy of the real raw folder gets records whose name, program, street, phone and
description hold HTML/JavaScript (``<img onerror>``, ``<script>``, attribute breakers,
``javascript:`` URLs, markdown links) and spreadsheet formulas; the pipeline builds from it
into a private data folder, and a second server serves that build.  In Chromium we filter
the map to those records by name, open every one of their popups (one by a real click),
hover markers and areas, look at the map page's table and the Data page, and check that

* no payload ran: ``window.__xss`` / ``window.__alerted`` stay undefined in the page, the map
  iframe and every other frame, and no page error was raised;
* no injected element exists in any frame's DOM (``img[src=x]``, ``svg[onload]``,
  ``iframe[src^=javascript]``, any ``on*=`` attribute carrying a payload);
* the text shows literally (the popup text holds the exact hostile strings);
* the facilities CSV downloads (map page and Data page) keep the text verbatim and defuse
  every formula cell (= + - @ tab CR get a leading apostrophe).

The records live in tests/fixtures/hostile.py: ``hostile.RECORDS`` in all (``hostile.COUNT``
with HTML/JS/markdown/formula payloads, ``hostile.JINJA_COUNT`` with template syntax).
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import openpyxl
import pytest
from playwright.sync_api import expect

from dashboard import config, snapshot
from dashboard.render import mapdata, maps
from tests import harness
from tests.fixtures import hostile
from tests.fixtures.hostile import (
    DIRECTORY,
    FORMULA_MINUS,
    FORMULA_PLUS,
    JINJA_TAG,
    LMS,
    LOCATOR,
    TAG,
)

# Elements a payload would create (none of them is ever legitimately in the app).
INJECTED = (
    'img[src="x"], svg[onload], iframe[src^="javascript"], a[href^="javascript"], '
    '[onerror*="__xss"], [onmouseover*="__xss"], [onload*="__xss"], '
    'img[src*="evil.example"]'
)

CATCH_JS = """
window.__alerted = undefined;
for (const f of ['alert', 'confirm', 'prompt']) {
  window[f] = function () { window.__alerted = (window.__alerted || 0) + 1; };
}
"""


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    """(raw_dir, data_dir): the real raw sources plus the hostile records, built by the real
    pipeline."""
    return hostile.build(config.raw_dir(), tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_facilities(hostile_build):
    fac = snapshot.read(hostile_build[1]).facilities
    return fac[fac["name"].str.contains(f"{TAG}|{JINJA_TAG}")]


@pytest.fixture(scope="module")
def hostile_server(start_server, hostile_build):
    raw, data = hostile_build
    # The server reads the same raw copy, so it finds its build fresh and serves it as is.
    return start_server(data, env={"LAMH_RAW_DIR": str(raw)})


def test_the_build_holds_every_hostile_record_verbatim(hostile_facilities):
    assert len(hostile_facilities) == hostile.RECORDS, hostile_facilities[["name", "sources"]]
    names = set(hostile_facilities["name"])
    for r in DIRECTORY + hostile.JINJA_DIRECTORY:
        assert r["name1"] in names
    assert (hostile_facilities["location_precision"] != "none").all()
    lms = hostile_facilities[hostile_facilities["name"] == LMS[0]["name"]].iloc[0]
    assert lms["description"] == LMS[0]["description"]
    # Only http(s) websites are kept: javascript: and markup-carrying URLs are dropped.
    assert hostile_facilities["website"].isna().all()


# --------------------------------------------------------------------------- helpers


def frames_state(page) -> list[dict]:
    """Per frame: did a payload run, and did it leave an element behind?"""
    out = []
    for f in page.frames:
        try:
            out.append(
                f.evaluate(
                    """sel => ({url: location.href, xss: window.__xss, alerted: window.__alerted,
                    injected: Array.from(document.querySelectorAll(sel)).map(e => e.outerHTML.slice(0, 120)),
                    scripts: Array.from(document.scripts)
                      .filter(s => /^\\s*window\\.__xss/.test(s.textContent)).length})""",
                    INJECTED,
                )
            )
        except Exception as exc:  # a frame navigated away meanwhile
            out.append({"url": f.url, "error": str(exc)})
    return out


# A deep link (/data?...) makes Streamlit's frontend probe /data/_stcore/... first (404)
# before it finds the server root: not an app error.
STREAMLIT_PROBE = re.compile(r"status of 404 .*/_stcore/(health|host-config)")


def app_errors(page) -> list[str]:
    return [e for e in page.js_errors if not STREAMLIT_PROBE.search(e)]


def assert_nothing_ran(page) -> None:
    states = frames_state(page)
    assert page.evaluate("window.top.__xss") is None
    for s in states:
        assert "error" not in s or "detached" in s["error"] or "navigat" in s["error"], s
        if "error" in s:
            continue
        assert s["xss"] is None and s["alerted"] is None, s
        assert s["injected"] == [] and s["scripts"] == 0, s
    errors = [e for e in page.js_errors if "__xss" in e or "evil.example" in e]
    assert errors == [], errors
    beacons = [u for u in page.blocked if "evil.example" in u]
    assert beacons == [], f"the page tried to load hostile URLs: {beacons}"


# Bring one marker on screen, unclustered (the layer stops clustering at zoom 15), and
# resolve with it once Leaflet has drawn its element; rejects after 10 s instead of hanging.
SHOW_MARKER = """
const lamhMap = () => Object.values(window).find(v => window.L && v instanceof L.Map);
const lamhMarkers = () => { const out = [];
  lamhMap().eachLayer(l => { if (l instanceof L.MarkerClusterGroup) out.push(...l.getLayers()); });
  return out; };
// A pan makes the app rerun and re-send the layer, so the marker is looked up again (by
// its title) on every poll rather than kept.
const showMarker = (title) => new Promise((resolve, reject) => {
  const first = lamhMarkers().find(m => m.options.title === title);
  if (!first) { reject(new Error('no marker titled ' + title)); return; }
  const map = lamhMap();
  map.stop();  // an unfinished pan (a popup's autoPan) would carry the map away again
  map.setView(first.getLatLng(), 17, {animate: false});
  const t0 = Date.now();
  let nudged = t0;
  (function poll() {
    const m = lamhMarkers().find(m => m.options.title === title);
    if (m && m.getElement() && document.contains(m.getElement())) { resolve(m); return; }
    if (Date.now() - t0 > 10000) { reject(new Error('marker never drawn: ' + title)); return; }
    if (Date.now() - nudged > 1000) {  // the cluster layer missed the move: zoom 16 <-> 17
      nudged = Date.now();
      map.setView(first.getLatLng(), map.getZoom() === 17 ? 16 : 17, {animate: false});
    }
    setTimeout(poll, 50);
  })();
});
"""


def open_all_popups(frame) -> list[str]:
    """Open the popup of every facility marker (bring it on screen, then open it the way a
    click does) and return each popup's text."""
    return frame.evaluate(
        SHOW_MARKER
        + """async () => {
      const texts = [];
      for (const title of lamhMarkers().map(m => m.options.title)) {
        const m = await showMarker(title);
        if (m.getPopup()) { m.getPopup().options.autoPan = false; }
        m.openPopup();
        const el = m.getPopup() && m.getPopup().getElement();
        texts.push(el ? el.querySelector('.leaflet-popup-content').textContent : null);
        m.closePopup();
      }
      return texts;
    }"""
    )


def wait_for_markers(frame, minimum: int = 1) -> None:
    frame.wait_for_function(
        "n => document.querySelectorAll('.lamh-marker, .marker-cluster').length >= n", arg=minimum
    )


def download(page, label: str, kind: str = "(CSV)"):
    """A download's file: text for the CSV, the bytes of the Excel workbook."""
    button = page.locator('[data-testid="stDownloadButton"]').filter(has_text=label).filter(has_text=kind)
    with page.expect_download() as info:
        button.locator("button").click()
    path = info.value.path()
    return open(path, encoding="utf-8").read() if kind == "(CSV)" else open(path, "rb").read()


NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def csv_cells(text: str) -> tuple[list[str], list[list[str]]]:
    """The table of a download: the header, then the rows (a CSV holds data only)."""
    rows = list(csv.reader(io.StringIO(text)))
    assert [] not in rows, "an empty row: notes below the table would load as data"
    return rows[0], rows[1:]


def assert_formulas_defused(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))  # the notes below the table too
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.match(cell):
                raise AssertionError(f"formula cell not defused: {cell[:80]!r}")


# --------------------------------------------------------------------------- tests


def open_filtered(page, base, wait_for_app, tag, path=""):
    page.add_init_script(CATCH_JS)
    page.goto(f"{base}/{path}?q={tag.lower()}")
    wait_for_app(page)
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"the page failed: {errors.first.inner_text()}"


def test_map_popups_tooltips_and_table_show_hostile_text_as_text(
    page, hostile_server, wait_for_app, map_frame
):
    open_filtered(page, hostile_server, wait_for_app, TAG)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Matching sites")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(str(hostile.COUNT))
    frame = map_frame(page)
    wait_for_markers(frame)

    # One popup opened the way a user does: zoom in until a marker shows, hover it (its
    # title tooltip), focus it, press Enter.
    title = DIRECTORY[0]["name1"] + " (approximate location)"
    frame.evaluate(SHOW_MARKER + "title => showMarker(title)", title)
    expect(page).to_have_url(re.compile(r"[?&]z=17"))  # the pan is in the link: rerun done
    wait_for_app(page)
    frame = map_frame(page)
    frame.evaluate(
        SHOW_MARKER + "title => showMarker(title).then(m => m.getElement().setAttribute('data-probe', '1'))",
        title,
    )
    marker = frame.locator(".lamh-marker[data-probe]")
    marker.hover()
    marker.focus()
    marker.press("Enter")
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(TAG)
    first = popup.inner_text()
    assert DIRECTORY[0]["name1"] in first or DIRECTORY[0]["name2"] in first, first
    assert popup.locator("img, svg, script, iframe").count() == 0, popup.inner_html()

    # Every hostile record's popup: the exact strings, as text.
    texts = [t for t in open_all_popups(frame) if t]
    assert len(texts) == hostile.COUNT, texts
    blob = "\n".join(texts)
    for text in hostile.POPUP_TEXTS:
        assert text in blob, f"popup does not show {text!r} literally"
    # Hover every area polygon (their tooltips are area names and figures).
    frame.evaluate(SHOW_MARKER + "() => lamhMap().setView([34.26, -118.3], 9, {animate: false})")
    polys = frame.locator("path.leaflet-interactive")
    for i in range(min(polys.count(), 8)):
        polys.nth(i).hover(force=True)
    assert frame.locator(".leaflet-tooltip").count() >= 1
    assert_nothing_ran(page)

    # The facilities table below the map: its cells hold the text verbatim.
    table = harness.facility_table(page)
    table.scroll_into_view_if_needed()
    table.locator("td").first.wait_for(state="attached")
    cells = table.evaluate("e => Array.from(e.querySelectorAll('td')).map(x => x.textContent)")
    for r in DIRECTORY:  # (the grid draws only the columns in view; the CSV test reads them all)
        assert r["name1"] in cells
    assert_nothing_ran(page)
    assert app_errors(page) == []


def test_template_syntax_in_a_record_does_not_break_the_map(page, hostile_server, wait_for_app, map_frame):
    """A record holding {{ }} / {% %} (plausible in free text) still gets its map and popup;
    the template syntax shows as text, never evaluated ({{ 7*7 }} is not 49)."""
    open_filtered(page, hostile_server, wait_for_app, JINJA_TAG)
    frame = map_frame(page)
    wait_for_markers(frame)
    texts = [t for t in open_all_popups(frame) if t]
    assert len(texts) == hostile.JINJA_COUNT, texts
    for text in hostile.JINJA_TEXTS:
        assert text in texts[0]
    assert_nothing_ran(page)


def test_facilities_csv_from_the_map_page_is_literal_and_defused(page, hostile_server, wait_for_app):
    open_filtered(page, hostile_server, wait_for_app, TAG)
    text = download(page, "Download facilities")
    assert_formulas_defused(text)
    header, rows = csv_cells(text)
    assert len(rows) == hostile.COUNT
    names = [r[header.index("Name")] for r in rows]
    assert "'" + DIRECTORY[2]["name1"] in names  # the formula, defused
    assert DIRECTORY[0]["name1"] in names  # markup kept verbatim (no &lt;)
    assert "'" + FORMULA_PLUS in [r[header.index("Program")] for r in rows]
    assert "'" + FORMULA_MINUS in [r[header.index("Phone")] for r in rows]
    assert "'" + DIRECTORY[2]["street1"] in [r[header.index("Address")] for r in rows]
    assert_nothing_ran(page)


def test_data_page_and_its_downloads(page, hostile_server, wait_for_app):
    open_filtered(page, hostile_server, wait_for_app, TAG, path="data")
    expect(page.locator("h1").first).to_contain_text("Data & methods")
    text = download(page, "Facilities, one row per site, all columns")
    assert_formulas_defused(text)
    header, rows = csv_cells(text)
    desc = [r[header.index("description")] for r in rows if TAG in r[header.index("name")]]
    assert "'" + LMS[0]["description"] in desc
    names = {r[header.index("name")] for r in rows}
    assert {"'" + DIRECTORY[2]["name1"], DIRECTORY[0]["name1"], LOCATOR[0]["name1"]} <= names
    book = openpyxl.load_workbook(
        io.BytesIO(download(page, "Facilities, one row per site", "(Excel, with notes)"))
    )
    data, about = book["Data"], book["About"]
    header = [c.value for c in data[1]]
    cells = [row[header.index("name")] for row in data.iter_rows(min_row=2)]
    # every text is text: the formula-shaped name is a string cell, never a formula
    formula = [c for c in cells if c.value == DIRECTORY[2]["name1"]]
    assert formula and all(c.data_type == "s" for c in formula)
    assert not any(c.data_type == "f" for row in data.iter_rows() for c in row)
    assert any("Sources:" in str(r[0].value) for r in about.iter_rows())
    for label in (
        "Areas: SPA",
        "Census tracts",
        "Psychiatric bed facilities",
        "Records left out",
        "Shortage areas",
    ):
        assert_formulas_defused(download(page, label))
    assert_nothing_ran(page)
    assert app_errors(page) == []


def test_hostile_text_in_a_link_stays_text(page, hostile_server, wait_for_app):
    """A link can carry markup too: the name search (caption) and unknown keys and values
    (the notice) show as text — no element, link or image comes from the link."""
    page.add_init_script(CATCH_JS)
    q = "<img src=x onerror=window.__xss=11>"
    page.goto(
        f"{hostile_server}/?q={q}&%5Bclick%20me%5D(https%3A%2F%2Fevil.example)=1"
        "&cond=!%5Bp%5D(https%3A%2F%2Fevil.example%2Fp.png)"
        "&%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D12%3E=1"
    )
    wait_for_app(page)
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="could not be used")
    expect(notice).to_be_visible()
    assert notice.locator("a, img").count() == 0, notice.inner_html()
    # (zero-width spaces the app puts after ":" / "www" / "@" to stop autolinks are invisible)
    assert "[click me](https://evil.example)" in notice.inner_text().replace("\u200b", "")
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="name contains").first
    assert q in caption.inner_text().replace("\u200b", "")
    assert_nothing_ran(page)


def test_hostile_text_in_a_cost_link_stays_text(page, hostile_server, wait_for_app):
    page.add_init_script(CATCH_JS)
    page.goto(
        f"{hostile_server}/compare?rates=%5Bx%5D(https%3A%2F%2Fevil.example)"
        "&los=!%5Bp%5D(https%3A%2F%2Fevil.example%2Fp.png)"
    )
    wait_for_app(page)
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="cost settings")
    expect(notice).to_be_visible()
    assert notice.locator("a, img").count() == 0, notice.inner_html()
    assert_nothing_ran(page)


def test_map_saved_as_one_html_page_runs_no_payload(page, hostile_server, hostile_facilities, wait_for_app):
    """The same map rendered as one standalone HTML page (folium's own output, as
    bench/map_build.py and any "save map" would produce): here the data sit inside a
    <script> element, so a name holding </script><script>... must not close it."""
    fac = hostile_facilities[hostile_facilities["name"].str.contains(TAG, regex=False)]
    titles = {k: k for k in ("samhsa_directory", "samhsa_locator", "lms_211")}
    m = maps.base_map()
    maps.facility_layer(
        mapdata.prepare(fac.reset_index(drop=True), titles), np.ones(len(fac), dtype=bool)
    ).add_to(m)
    html = m.get_root().render()
    page.add_init_script(CATCH_JS)
    page.route(
        "**/standalone-map.html",
        lambda r: r.fulfill(status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8"}),
    )
    page.goto(f"{hostile_server}/standalone-map.html", wait_until="load")
    assert_nothing_ran(page)  # before anything else: a name that closed the <script> runs here
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function("document.querySelectorAll('.lamh-marker, .marker-cluster').length >= 1")
    texts = [t for t in open_all_popups(page.main_frame) if t]
    assert len(texts) == hostile.COUNT, texts
    for text in hostile.POPUP_TEXTS:
        assert text in "\n".join(texts)
    assert_nothing_ran(page)
    assert app_errors(page) == []
