"""Gaps & access: how far residents live from a matching site, by tract and area."""

from dataclasses import replace

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import ui
from dashboard.analysis import filters, metrics
from dashboard.render import maps

ctx = ui.page_context()
data, state = ctx.data, ctx.state
fac, tracts, areas = data.bundle.facilities, data.bundle.tracts, data.bundle.areas
pop_vintage = data.bundle.manifest["population_vintage"]

st.title("Gaps & access")
st.caption(
    f"Showing **{ui.text(state.describe())}**. Distance is the straight line from each "
    "census tract's representative point (2010 tracts) to the nearest matching site "
    "anywhere in the county — not travel time. Residents: LA County ISD estimates "
    f"({pop_vintage}). Sites placed at a ZIP centroid count where they are placed."
)


@st.cache_data(show_spinner=False, max_entries=64)
def access_table(snapshot_id: str, state: filters.FilterState) -> pd.DataFrame:
    den = metrics.denominator(state)
    return metrics.tract_access(tracts, fac, metrics.access_mask(data.idx, state), den, state.miles)


# Only what changes the distances is part of the cache key (not the area or map view).
access_state = replace(
    state,
    spa=(),
    sd=(),
    lat=None,
    lon=None,
    zoom=None,
    measure=filters.DEFAULT.measure,
    level=filters.DEFAULT.level,
)
acc = access_table(data.bundle.id, access_state)
den = metrics.denominator(state)
in_area = metrics.tract_mask(tracts, state)
acc_area = acc.loc[in_area]
n_sites = int(metrics.access_mask(data.idx, state).sum())

if n_sites == 0:
    st.warning(
        "No site matches the current filters, so every resident counts as far from care. "
        "Loosen a filter in the sidebar (or include sites with unknown attributes)."
    )

county = metrics.far_summary(acc_area).iloc[0]
c1, c2, c3 = st.columns(3)
c1.metric(
    f"{den.label.capitalize()} farther than {state.miles} mi",
    ui.fmt_int(county["residents_far"]),
    help=f"Out of {int(county['residents']):,} {den.label} in the selected area(s).",
)
c2.metric("Share of the denominator", ui.fmt_pct(county["share_far"]))
c3.metric(
    "Matching sites used",
    ui.fmt_int(n_sites),
    help="Matching sites anywhere in the county (a resident may cross an area line for care).",
)
if den.note:
    st.caption(f"Denominator note: {den.note}.")

st.markdown("**At other distances**")
rows = []
for miles in (1, 2, 5, 10, 15):
    far = acc_area["miles_to_nearest"] > miles
    total = acc_area["residents"].sum()
    rows.append(
        {
            "Farther than (miles)": miles,
            den.label.capitalize(): int(acc_area.loc[far, "residents"].sum()),
            "Share": (acc_area.loc[far, "residents"].sum() / total) if total else np.nan,
            "Tracts": int(far.sum()),
        }
    )
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    column_config={"Share": st.column_config.NumberColumn(format="percent")},
)

BINS = [1, 2, 5, 10, 20]
BIN_COLOURS = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154", "#000000"]


def bin_colour(miles: float) -> str:
    if not np.isfinite(miles):
        return BIN_COLOURS[-1]
    for b, c in zip(BINS, BIN_COLOURS, strict=False):  # one colour more: beyond the last bin
        if miles <= b:
            return c
    return BIN_COLOURS[-2]


left, right = st.columns([3, 1])
with right:
    st.markdown("**Miles to the nearest matching site** (straight line, by tract)")
    labels = ["≤ 1", "1 – 2", "2 – 5", "5 – 10", "10 – 20", "> 20 or no site"]
    st.markdown(
        "".join(
            f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
            f'border:1px solid #333;margin-right:6px;vertical-align:middle"></span>{lab}</div>'
            for c, lab in zip(BIN_COLOURS, labels, strict=True)
        ),
        unsafe_allow_html=True,
    )
    st.caption("Viridis colours: darker is farther. The ranked tables below hold the same numbers.")

with left:
    dist = acc.set_index("geoid")["miles_to_nearest"]
    res = acc.set_index("geoid")["residents"]
    colours = {g: bin_colour(d) for g, d in dist.items()}
    tips = {
        g: f"Tract {g}: {d:.1f} mi; {int(res[g]):,} {den.label}"
        if np.isfinite(d)
        else f"Tract {g}: no matching site"
        for g, d in dist.items()
    }
    layer = maps.colour_layer(
        data.bundle.geojson["tracts"],
        colours,
        tips,
        f"Distance to nearest site ({den.label})",
        url=data.geo_urls["tracts"],
        weight=0.3,
    )
    base = maps.base_map()
    st_folium(
        base,
        key="gaps_map",
        height=520,
        use_container_width=True,
        returned_objects=[],
        feature_group_to_add=[layer],
        layer_control=folium.LayerControl(collapsed=True),
    )

for level, title in (("spa", "Service Planning Areas"), ("sd", "Supervisorial districts (2011 plan)")):
    names = areas[areas["level"] == level].set_index("area")["name"]
    summary = metrics.far_summary(acc_area, by=level).reset_index().rename(columns={level: "area"})
    summary.insert(1, "name", summary["area"].map(names))
    summary = summary.sort_values("residents_far", ascending=False)
    st.subheader(f"{title}, most residents far from care first")
    st.dataframe(
        summary.rename(
            columns={
                "area": "Area",
                "name": "Name",
                "residents": den.label.capitalize(),
                "residents_far": f"Farther than {state.miles} mi",
                "tracts": "Tracts",
                "tracts_far": "Tracts far",
                "share_far": "Share far",
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"Share far": st.column_config.NumberColumn(format="percent")},
    )

st.subheader(f"Census tracts with the most {den.label} farther than {state.miles} miles")
spa_names = areas[areas["level"] == "spa"].set_index("area")["name"]
tract_view = acc_area.assign(spa_name=acc_area["spa"].map(spa_names)).sort_values(
    ["residents_far", "miles_to_nearest"], ascending=False
)
tract_view = tract_view.rename(
    columns={
        "geoid": "Tract (2010 GEOID)",
        "spa": "SPA",
        "spa_name": "SPA name",
        "sd": "District",
        "residents": den.label.capitalize(),
        "miles_to_nearest": "Miles to nearest site",
        "far": f"Farther than {state.miles} mi",
        "residents_far": "Residents far",
    }
)
st.dataframe(
    tract_view.head(50),
    hide_index=True,
    width="stretch",
    column_config={"Miles to nearest site": st.column_config.NumberColumn(format="%.1f")},
)
header = [
    f"Residents far from mental-health sites matching: {state.describe()}",
    f"Distance: straight line from 2010 tract representative points; population: LA County "
    f"ISD {pop_vintage}; threshold {state.miles} miles",
    f"View: {ui.share_link(state)}",
]
st.download_button(
    "Download all tracts (CSV)",
    lambda: ui.csv_bytes(tract_view, header),
    file_name=f"la-mh-access-tracts-{data.bundle.manifest['built_at'][:10]}.csv",
    mime="text/csv",
    key="dl_tracts",
    on_click="ignore",
)
