"""Map building: hostile text stays text, symbols, colour classes, payload shape."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from dashboard import maps
from tests.fixtures.facilities import facility, frame

HOSTILE = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>&amp;\u2028'


def hostile_frame():
    row = facility(HOSTILE, -118.2, 34.0, ["OP", "IPT"], program="<b>prog</b>")
    row["street"] = "<svg onload=alert(3)>"
    row["website"] = "javascript:alert(4)"
    row["phone"] = "=HYPERLINK(\"http://x\")"
    return frame([row, facility("Plain", -118.3, 34.1, None, precision="approximate", kind="unknown")])


def test_safe_json_cannot_close_a_script():
    text = maps.safe_json({"a": "</script><script>x</script>", "b": "\u2028'&"})
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert json.loads(text) == {"a": "</script><script>x</script>", "b": "\u2028'&"}


def test_popup_escapes_every_source_string():
    row = hostile_frame().iloc[0].to_dict()
    html = maps.popup_html(row, {"samhsa_directory": "SAMHSA <directory>"})
    assert "<img" not in html and "<script" not in html and "<svg" not in html and "<b>prog" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "javascript:" not in html  # a non-http website is not linked
    assert "SAMHSA &lt;directory&gt;" in html


def test_popup_marks_unknown_attributes():
    row = hostile_frame().iloc[1].to_dict()
    html = maps.popup_html(row, {})
    assert html.count("<i>unknown</i>") >= 5
    assert "approximate (ZIP centroid)" in html


def test_rendered_map_holds_no_raw_hostile_markup():
    m = maps.base_map()
    layer = maps.facility_layer(hostile_frame(), {})
    layer.add_to(m)
    html = m.get_root().render()
    # The hostile strings survive only as data inside escaped JSON: no tag can form.
    assert "<img" not in html and "<svg onload" not in html
    assert "</script><script>alert(2)" not in html
    assert "\\u003cimg src=x onerror" in html and "alert(3)" in html
    # Both facilities are in the layer, as GeoJSON points.
    assert len(re.findall(r'"type":"Point"', html)) == 2


def test_facility_layer_skips_unlocated_sites():
    fac = frame([facility("A", -118.2, 34.0, ["OP"]),
                 facility("B", np.nan, np.nan, None, precision="none", kind="unknown")])
    m = maps.base_map()
    maps.facility_layer(fac, {}).add_to(m)
    assert m.get_root().render().count('"type":"Point"') == 1


def test_symbols_differ_by_shape_not_only_colour():
    shapes = {k: re.search(r"<(circle|rect|polygon)", maps.symbol_svg(k)).group(1) for k in maps.KINDS}
    assert shapes["outpatient"] != shapes["inpatient"] != shapes["residential_day"]
    assert 'stroke-dasharray' in maps.symbol_svg("outpatient", approximate=True)


def test_class_breaks_and_colours():
    breaks = maps.class_breaks(np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]))
    assert breaks == sorted(set(breaks)) and breaks[-1] >= 5.0
    assert maps.colour_for(1.0, breaks) == maps.VIRIDIS5[0]
    assert maps.colour_for(5.0, breaks) == maps.VIRIDIS5[-1]
    assert maps.colour_for(float("nan"), breaks) == maps.NO_DATA
    assert maps.class_breaks(np.array([np.nan])) == []


def test_choropleth_tooltips_are_escaped():
    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": 1},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}
    m = maps.base_map()
    maps.choropleth_layer(gj, pd.Series({1: 2.5}), {1: "<i>SPA</i>"}, [1.0, 3.0], "t").add_to(m)
    html = m.get_root().render()
    assert "<i>SPA</i>" not in html and "2.5" in html


@pytest.mark.parametrize("kind", list(maps.KINDS))
def test_every_kind_has_a_legend_entry(kind):
    label, colour, shape = maps.KINDS[kind]
    assert label and colour.startswith("#") and shape
