"""Source text that looks like a Jinja template stays text on the map.

folium/branca compile every rendered map script again as a Jinja template (MacroElement.render
wraps its output in ``Element(...)``, i.e. ``jinja2.Template``).  Data embedded in a layer's
script that holds ``{{``/``{%``/``{#`` is therefore either a template *syntax error* — the
map fragment dies ("This app has encountered an error") for every view that includes the
record — or, where the whole figure is rendered, *evaluated* on the server: a facility name
``{{ cycler.__init__.__globals__.os.name }}`` renders as ``posix`` (server-side template
injection, i.e. arbitrary code through a record in a public source).  Found with the hostile
records of tests/fixtures/hostile.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit_folium import _get_feature_group_string

from dashboard.render import maps
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
    data = maps.prepare(fac, {"samhsa_directory": "SAMHSA"})
    return maps.facility_layer(data, np.ones(len(fac), dtype=bool))


@pytest.mark.parametrize("name", TEMPLATES)
def test_facility_layer_renders_as_streamlit_folium_sends_it(name):
    """What st_folium(feature_group_to_add=...) does with the layer on every rerun."""
    script = _get_feature_group_string(layer_for(name), maps.base_map())
    assert "49" not in script.split('"n":', 1)[1][:40]


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
    layer = maps.choropleth_layer(gj, pd.Series({1: 2.5}), {1: tip}, [1.0, 3.0], "t")
    script = _get_feature_group_string(layer, maps.base_map())
    assert "49:" not in script
