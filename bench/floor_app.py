"""The floor: the smallest Streamlit page of the dashboard's kind (served by bench/floor.py).

Sidebar checkboxes in an expander, one ``st.metric`` and a small folium map through
``st_folium`` whose markers follow the checkboxes (``feature_group_to_add``), Leaflet served
by the app itself as the dashboard does.  Whatever the dashboard takes beyond this page on
the same machine, in the same run, is the dashboard's own cost.  The points are a fixed
grid over the county, not facility data: the page only has to be of the same kind.
"""

import folium
import streamlit as st
from streamlit_folium import st_folium

GROUPS = ("Children", "Young adults", "Adults", "Seniors", "Veterans", "LGBTQ+", "Deaf")
POINTS = [(33.8 + 0.05 * (i // 6), -118.55 + 0.08 * (i % 6)) for i in range(36)]
LEAFLET = "/app/static/vendor/leaflet"

with st.sidebar, st.expander("Population served", expanded=True):
    ticked = [i for i, g in enumerate(GROUPS) if st.checkbox(g, key=f"g{i}")]

shown = [p for k, p in enumerate(POINTS) if all(k % (i + 2) for i in ticked)]
st.metric("Matching sites", len(shown))

m = folium.Map(location=(34.0, -118.3), zoom_start=9, tiles=None)
m.default_js = [("leaflet", f"{LEAFLET}/leaflet.js")]
m.default_css = [("leaflet_css", f"{LEAFLET}/leaflet.css")]
fg = folium.FeatureGroup(name=f"Sites ({len(shown)})")
for lat, lon in shown:
    folium.CircleMarker((lat, lon), radius=5, fill=True, class_name="lamh-marker").add_to(fg)
st_folium(m, key="floor_map", height=400, returned_objects=[], feature_group_to_add=fg)
