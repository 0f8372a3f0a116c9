"""Source text that looks like a Jinja template stays text on the map.

folium/branca compile every rendered map script again as a Jinja template (MacroElement.render
wraps its output in ``Element(...)``, i.e. ``jinja2.Template``).  Data embedded in a layer's
script that holds ``{{``/``{%``/``{#`` is therefore either a template *syntax error* — the
map fragment dies ("This app has encountered an error") for every view that includes the
record — or, where the whole figure is rendered, *evaluated* on the server: a facility name
``{{ cycler.__init__.__globals__.os.name }}`` renders as ``posix`` (server-side template
injection, i.e. arbitrary code through a record in a public source).  Found with the hostile
records of tests/fixtures/hostile.py.  These render with folium's public API;
tests/e2e/test_hostile_data.py runs the same records through streamlit-folium in a browser.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.render import mapdata, maps
from tests.fixtures.facilities import facility, frame

TEMPLATES = [
    "{{ 7*7 }}",
    "{{ cycler.__init__.__globals__.os.name }}",
    "{{constructor.constructor('alert(1)')()}}",
    "{% if %}",
    "{# unterminated comment",
    "Clinic {{ name }} {%raw%}",
]


def layer_for(name: str):
    fac = frame([facility(name, -118.2, 34.0, ["OP"], program=name)])
    data = mapdata.prepare(fac, {"samhsa_directory": "SAMHSA"})
    return maps.facility_layer(data, np.ones(len(fac), dtype=bool))


@pytest.mark.parametrize("name", TEMPLATES)
def test_whole_map_render_does_not_evaluate_source_text(name):
    m = maps.base_map()
    layer_for(name).add_to(m)
    html = m.get_root().render()
    assert "Clinic 49" not in html and '"n":"49' not in html
    assert '"n":"posix' not in html


@pytest.mark.parametrize("tip", ["{{ 7*7 }}", "{% if %}"])
def test_area_tooltips_with_template_syntax(tip):
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
    maps.choropleth_layer(gj, pd.Series({1: 2.5}), {1: tip}, [1.0, 3.0], "t").add_to(m)
    html = m.get_root().render()
    assert "49:" not in html and "\\u007b" in html  # the opener travels escaped, as text
