"""Map building: hostile text stays text, symbols, colour classes, payload shape."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from dashboard.render import assets, legend, mapdata, maps, text, webfiles
from tests.fixtures.facilities import facility, frame

HOSTILE = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>&amp;\u2028'


def hostile_frame():
    row = facility(HOSTILE, -118.2, 34.0, ["OP", "IPT"], program="<b>prog</b>")
    row["street"] = "<svg onload=alert(3)>"
    row["website"] = "javascript:alert(4)"
    row["phone"] = '=HYPERLINK("http://x")'
    return frame([row, facility("Plain", -118.3, 34.1, None, precision="approximate", kind="unknown")])


def test_safe_json_cannot_close_a_script():
    out = text.safe_json({"a": "</script><script>x</script>", "b": "\u2028'&"})
    assert "<" not in out and ">" not in out and "&" not in out and "'" not in out
    assert json.loads(out) == {"a": "</script><script>x</script>", "b": "\u2028'&"}


def test_records_keep_unknown_apart_from_none():
    prepared = mapdata.prepare(hostile_frame(), {"samhsa_directory": "SAMHSA <directory>"})
    data = prepared.meta
    coded, plain = (json.loads(r) for r in prepared.rows)
    groups = [g for g, _ in mapdata.POPUP_GROUPS]
    # Coded site: setting "Outpatient" (index 0), service "Individual therapy" (index 0),
    # no language reported -> [] (known, none); unknown site -> None for every group.
    assert coded["f"][groups.index("setting")] == [0]
    assert coded["f"][groups.index("service")] == [0]
    assert coded["f"][groups.index("language")] == []
    assert plain["f"] == [None] * len(groups)
    assert plain["q"] == 1 and coded["q"] == 0
    assert data["sources"][coded["s"][0]] == "SAMHSA <directory>"
    assert coded["n"] == HOSTILE  # kept as data; the browser sets it as text


def test_the_layer_is_data_and_one_call_into_the_map_script():
    """Popups are built by the map's own script (tests/unit/test_map_script.py checks it
    uses text nodes only); the rendered map carries data and the call, no markup code."""
    m = maps.base_map()
    fac = hostile_frame()
    maps.facility_layer(mapdata.prepare(fac, {}), np.ones(len(fac), bool)).add_to(m)
    html = m.get_root().render()
    assert "innerHTML" not in html and "insertAdjacentHTML" not in html
    assert html.count("LamhMap.facilities(") == 1 and assets.urls()["map_js"] in html


def test_rendered_map_holds_no_raw_hostile_markup():
    m = maps.base_map()
    fac = hostile_frame()
    layer = maps.facility_layer(mapdata.prepare(fac, {}), np.ones(len(fac), bool))
    layer.add_to(m)
    html = m.get_root().render()
    # The hostile strings survive only as data inside escaped JSON: no tag can form.
    assert "<img" not in html and "<svg onload" not in html
    assert "</script><script>alert(2)" not in html
    assert "\\u003cimg src=x onerror" in html and "alert(3)" in html
    # Both facilities are in the layer.
    assert len(re.findall(r'"k":"(outpatient|unknown)"', html)) == 2


def test_facility_layer_skips_unlocated_sites():
    fac = frame(
        [
            facility("A", -118.2, 34.0, ["OP"]),
            facility("B", np.nan, np.nan, None, precision="none", kind="unknown"),
        ]
    )
    prepared = mapdata.prepare(fac, {})
    assert prepared.rows[1] is None and prepared.located.tolist() == [True, False]
    m = maps.base_map()
    maps.facility_layer(prepared, np.ones(2, bool)).add_to(m)
    assert m.get_root().render().count('"k":"outpatient"') == 1


def test_many_sites_are_counted_per_square_not_shipped_one_by_one(monkeypatch):
    # Three sites in one 0.02-degree square, one in another; above MAX_POINTS the layer
    # carries counts per square, not the sites.
    fac = frame(
        [
            facility("A", -118.201, 34.001, ["OP"]),
            facility("B", -118.202, 34.002, ["HI"], kind="inpatient"),
            facility("C", -118.203, 34.003, ["OP"]),
            facility("D", -118.5, 34.3, ["OP"]),
        ]
    )
    prepared = mapdata.prepare(fac, {})
    c = maps.cells(prepared, np.arange(4))
    assert sorted(c["n"]) == [1, 3]
    assert c.loc[c["n"] == 3, "outpatient"].item() == 2
    monkeypatch.setattr(maps, "MAX_POINTS", 2)
    m = maps.base_map()
    layer = maps.facility_layer(prepared, np.ones(4, bool))
    layer.add_to(m)
    html = m.get_root().render()
    assert "counted per" in layer.layer_name and '"n":"A"' not in html
    assert html.count("LamhMap.cells(") == 1  # one call drawing every square


def test_symbols_differ_by_shape_not_only_colour():
    shapes = {k: legend.KINDS[k][2] for k in legend.KINDS}
    assert len(set(shapes.values())) == len(shapes)  # every kind has its own shape
    drawn = {re.sub(r'fill="[^"]*"|stroke="[^"]*"', "", legend.symbol_svg(k)) for k in legend.KINDS}
    assert len(drawn) == len(legend.KINDS)  # ... and it differs beyond colour
    assert "stroke-dasharray" in legend.symbol_svg("outpatient", approximate=True)


def test_class_breaks_and_colours():
    breaks = legend.class_breaks(np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]))
    assert breaks == sorted(set(breaks)) and breaks[-1] >= 5.0
    assert legend.colour_for(1.0, breaks) == legend.VIRIDIS5[0]
    assert legend.colour_for(5.0, breaks) == legend.VIRIDIS5[-1]
    assert legend.colour_for(float("nan"), breaks) == legend.NO_DATA
    assert legend.class_breaks(np.array([np.nan])) == []


def test_choropleth_tooltips_are_escaped():
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": 1},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    m = maps.base_map()
    maps.choropleth_layer(gj, pd.Series({1: 2.5}), {1: "<i>SPA</i>"}, [1.0, 3.0], "t").add_to(m)
    html = m.get_root().render()
    assert "<i>SPA</i>" not in html and "2.5" in html


@pytest.mark.parametrize("kind", list(legend.KINDS))
def test_every_kind_has_a_legend_entry(kind):
    label, colour, shape = legend.KINDS[kind]
    assert label and colour.startswith("#") and shape


def test_geometry_is_published_once_and_reruns_send_only_colours(tmp_path):
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": 7},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    texts = {"spa": json.dumps(gj, separators=(",", ":"))}
    assert webfiles.urls(texts, tmp_path) == {"spa": None}  # not written: the layer carries it
    (tmp_path / "snapshot").mkdir()
    (tmp_path / "snapshot" / "geo-old.json").write_text("{}")
    webfiles.write(texts, tmp_path)
    files = list((tmp_path / "snapshot").iterdir())  # the earlier snapshot's file is gone
    url = webfiles.urls(texts, tmp_path)["spa"]
    assert len(files) == 1 and url.endswith("/snapshot/" + files[0].name)
    assert json.loads(files[0].read_text()) == gj
    m = maps.base_map()
    maps.colour_layer(gj, "t", maps.AreaStyle({7: "#440154"}, {7: "SPA 7: 1.0"}, url=url)).add_to(m)
    html = m.get_root().render()
    assert url in html and "#440154" in html and '"coordinates"' not in html


def test_without_a_map_file_the_layer_carries_its_rows(tmp_path):
    assert webfiles.urls({"facilities": "{}"}, tmp_path) == {"facilities": None}
    fac = frame([facility("A", -118.2, 34.0, ["OP"])])
    m = maps.base_map()
    maps.facility_layer(mapdata.prepare(fac, {}), np.ones(1, bool)).add_to(m)  # no url: rows embedded
    assert '"n":"A"' in m.get_root().render()


def test_popup_data_carries_the_operator_and_earlier_addresses():
    fac = frame([facility("A", -118.2, 34.0, ["OP", "PVTP"]), facility("B", -118.3, 34.1, None)])
    fac["other_addresses"] = ["9 Old Rd, Los Angeles 90012 (SAMHSA locator 2020, 2020)", None]
    prepared = mapdata.prepare(fac, {"samhsa_directory": "SAMHSA"})
    a, b = (json.loads(r) for r in prepared.rows)
    groups = [g for g, _ in mapdata.POPUP_GROUPS]
    operator = dict(prepared.meta["groups"])["Operated by"]
    assert [operator[i] for i in a["f"][groups.index("operator")]] == ["Private for-profit organisation"]
    assert b["f"][groups.index("operator")] is None  # unknown, not "none"
    assert a["h"].startswith("9 Old Rd") and b["h"] is None
    assert "line(box, 'Earlier listed at', r.h)" in assets.MAP_JS.read_text()


def test_distance_classes_put_tracts_beyond_20_miles_in_the_last_class():
    miles = [0.5, 1.0, 1.01, 2.0, 4.9, 10.0, 19.99, 20.0, 20.5, 55.0, float("inf"), float("nan")]
    assert legend.distance_classes(miles).tolist() == [0, 0, 1, 1, 2, 3, 4, 4, 5, 5, 5, 5]
    assert legend.DISTANCE_LABELS[5] == "> 20 or no site"  # not "10 – 20" (an earlier bug)


def test_the_tract_payload_follows_the_geometry_order_and_leaves_tooltips_to_the_browser():
    gj = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": g}, "geometry": {"type": "Point", "coordinates": [0, 0]}}
            for g in ("b", "a", "c")
        ],
    }
    miles = pd.Series({"a": 0.5, "b": 30.0, "c": float("inf")})
    res = pd.Series({"a": 1200, "b": 15, "c": 0})
    payload = json.loads(maps.tract_payload(gj, legend.distance_shading(miles), res, "/x.json", " children"))
    t = payload["tracts"]
    assert t["cls"] == "505" and t["val"] == [30.0, 0.5, None] and t["res"] == [15, 1200, 0]
    assert t["unit"] == " mi" and t["none"] == "no matching site"
    assert payload["url"] == "/x.json" and "geo" not in payload and payload["suffix"] == " children"


def test_the_reach_map_marks_none_within_reach_black_and_less_darker():
    """Issue 22: the 2SFCA tract map: no site within reach black (class 0), then quantile
    classes of the rest, tracts without residents grey (the last class), in the legend too."""
    reach = pd.Series({"a": 0.0, "b": 1.0, "c": 9.0, "d": 4.0, "e": 2.0})
    res = pd.Series({"a": 100, "b": 100, "c": 100, "d": 0, "e": 100})
    shade = legend.reach_shading(reach, res, 5)
    cls = shade.classes.to_dict()
    assert cls["a"] == 0 and shade.palette[0] == "#000000" and shade.legend[0][1] == "none within 5 mi"
    assert cls["b"] < cls["e"] < cls["c"] and shade.palette[cls["d"]] == legend.NO_DATA
    assert shade.legend[-1] == (legend.NO_DATA, "no residents in the denominator")
    assert {shade.palette[c] for c in (cls["b"], cls["e"], cls["c"])} <= {r[0] for r in shade.legend[1:-1]}


def test_the_memo_maps_image_carries_its_caption_escaped():
    from dashboard.render import charts

    square = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": 1},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]},
            }
        ],
    }
    points = pd.DataFrame({"lat": [], "lon": [], "kind": [], "approximate": []})
    caption = 'Showing name contains "<img src=x onerror=alert(1)>". 03 December 2026; ' + "Sources: X. " * 20
    fig = charts.memo_map(square, {1: "#ffffff"}, [], [], points, {}, "Title", caption=caption)
    texts = [a.text for a in fig.layout.annotations]
    assert len(texts) >= 2  # wrapped into lines, every line below the map
    joined = " ".join(texts)
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined and "<img" not in joined
    assert fig.layout.margin.b >= 14 * len(texts)
    bare = charts.memo_map(square, {1: "#ffffff"}, [], [], points, {}, "Title")
    assert not bare.layout.annotations and bare.layout.height == 360


def _squares(*ids: int) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": i},
                "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 0]]]},
            }
            for i in ids
        ],
    }


def _area_data(layer) -> dict:
    """The JSON one area layer hands the map's script."""
    call = next(c for c in layer._children.values() if getattr(c, "call", None) == "areas")
    return json.loads(call.data_js)


def test_an_area_the_selection_cuts_says_it_is_only_a_part():
    """Issue 21, point 3: SPAs shown with a district selected carry only their part there."""
    names = {1: "East", 2: "West"}
    whole = maps.choropleth_layer(
        _squares(1, 2), pd.Series({1: 2.5, 2: 1.0}), names, [1.0, 3.0], "t", labels={1: (0.5, 1.5)}
    )
    part = maps.choropleth_layer(
        _squares(1, 2),
        pd.Series({1: 2.5, 2: 1.0}),
        names,
        [1.0, 3.0],
        "t",
        labels={1: (0.5, 1.5)},
        part_of="in district 2",
    )
    assert _area_data(whole)["style"]["1"][1] == "East: 2.5"
    assert _area_data(part)["style"]["1"][1] == "East — only its part in district 2: 2.5"
    assert _area_data(part)["labels"][0][2] == "East (part)"


def test_the_selection_is_outlined_from_its_levels_polygons():
    layer = maps.outline_layer(
        {"sd": (2,), "spa": (6, 7)}, {"sd": _squares(2), "spa": _squares(6, 7)}, {"sd": "/s.json"}
    )
    call = next(c for c in layer._children.values() if getattr(c, "call", None) == "outline")
    parts = json.loads(call.data_js)["parts"]
    assert parts[0] == {"ids": [2], "url": "/s.json", "geo": None}  # the cached file, not the geometry
    assert parts[1]["ids"] == [6, 7] and parts[1]["url"] is None and len(parts[1]["geo"]["features"]) == 2


def test_the_memo_map_outlines_the_selection():
    from dashboard.render import charts

    points = pd.DataFrame({"lat": [], "lon": [], "kind": [], "approximate": []})
    geo = _squares(1, 2, 3)
    fig = charts.memo_map(geo, {}, [], [], points, {}, "T", outline={"sd": (geo, (2,))})
    heavy = [t for t in fig.data if t.line.width == 2.5]
    xs = {x for x in heavy[0].x if x is not None}
    assert len(heavy) == 1 and xs == {2, 3}  # district 2's square only
    assert not [t for t in charts.memo_map(geo, {}, [], [], points, {}, "T").data if t.line.width == 2.5]
