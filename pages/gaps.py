"""Gaps & access: how far residents live from a matching site, by tract and area."""

from dataclasses import replace

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import registry, ui
from dashboard.analysis import filters, metrics
from dashboard.render import charts, maps, tables

ctx = ui.page_context()
data, state = ctx.data, ctx.state
fac, tracts, areas = data.snap.facilities, data.snap.tracts, data.snap.areas
pop_vintage = data.snap.manifest["population_vintage"]

st.title("Gaps & access")
st.caption(
    f"Showing **{ui.escape_markdown(state.describe())}**. Distance is the straight line from each "
    "census tract's representative point (2010 tracts) to the nearest matching site "
    "anywhere in the county — not travel time. Residents: LA County ISD estimates "
    f"({pop_vintage}). Sites placed at a ZIP centroid count where they are placed."
)


@st.cache_data(show_spinner=False, max_entries=64)
def access_table(snapshot_id: str, state: filters.FilterState) -> pd.DataFrame:
    den = metrics.denominator(state)
    return metrics.tract_access(tracts, fac, metrics.access_mask(data.idx, state), den, state.miles)


# Only what changes the distances is part of the cache key (not the area or map view).
access_state = filters.FilterState(
    **{g: state.selected(g) for g in filters.GROUP_IDS},
    query=state.query,
    include_unknown=state.include_unknown,
    miles=state.miles,
)
acc = access_table(data.snap.id, access_state)
den = metrics.denominator(state)
in_area = metrics.tract_mask(tracts, state)
acc_area = acc.loc[in_area]
am = filters.match(data.idx, replace(state, spa=(), sd=()))
n_sites = am.count
SOURCES = registry.cite(*registry.FACILITY_SOURCES, "geo")
if state.memo:
    ui.memo_header(ctx.page_path, data)

if n_sites == 0:
    st.warning(
        "No site matches the current filters, so every resident counts as far from care. "
        "Loosen a filter in the sidebar (or include sites with unknown attributes)."
    )

county = metrics.far_summary(acc_area).iloc[0]
where = "in the selected area(s)" if (state.spa or state.sd) else "in the county"
c1, c2, c3 = st.columns(3)
c1.metric(
    f"{den.label.capitalize()} farther than {state.miles} mi",
    ui.fmt_int(county["residents_far"]),
    help=f"Out of {int(county['residents']):,} {den.label} {where}.",
)
c2.metric(f"Share of {den.label} {where}", ui.fmt_pct(county["share_far"]))
c3.metric(
    "Matching sites used",
    ui.fmt_int(n_sites),
    help="Matching sites anywhere in the county (a resident may cross an area line for care).",
)
if den.note:
    st.caption(f"Denominator note: {den.note}.")
ui.unknown_note(am, state)

st.markdown("**At other distances**")
rows = []
total = acc_area["residents"].sum()
for miles in (1, 2, 5, 10, 15):
    far = acc_area["miles_to_nearest"] > miles
    rows.append(
        {
            "Farther than (miles)": miles,
            den.label.capitalize(): int(acc_area.loc[far, "residents"].sum()),
            "Share (%)": round(100 * acc_area.loc[far, "residents"].sum() / total, 1) if total else np.nan,
            "Tracts": int(far.sum()),
        }
    )
distances = pd.DataFrame(rows)
if state.memo:
    ui.memo_table(distances, "distances")
else:
    st.dataframe(distances, hide_index=True, column_config=ui.number_formats(distances))

BINS = [1, 2, 5, 10, 20]
BIN_COLOURS = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154", "#000000"]
BIN_LABELS = ["≤ 1", "1 – 2", "2 – 5", "5 – 10", "10 – 20", "> 20 or no site"]


def bin_colour(miles: float) -> str:
    if not np.isfinite(miles):
        return BIN_COLOURS[-1]
    for b, c in zip(BINS, BIN_COLOURS, strict=False):  # one colour more: beyond the last bin
        if miles <= b:
            return c
    return BIN_COLOURS[-2]


legend = list(zip(BIN_COLOURS, BIN_LABELS, strict=True))
dist = acc.set_index("geoid")["miles_to_nearest"]
res = acc.set_index("geoid")["residents"]
colours = {g: bin_colour(d) for g, d in dist.items()}
left, right = st.columns([3, 1])
with right:
    st.markdown("**Miles to the nearest matching site** (straight line, by tract)")
    st.markdown(ui.legend_html(legend), unsafe_allow_html=True)
    st.caption("Viridis colours: darker is farther. The ranked tables below hold the same numbers.")

with left:
    title = f"Miles to the nearest matching site ({den.label})"
    if state.memo:
        fig = charts.memo_map(
            data.snap.geojson["tracts"],
            colours,
            legend,
            [],
            pd.DataFrame({"lat": [], "lon": [], "kind": [], "approximate": []}),
            {},
            title,
        )
        st.plotly_chart(fig, width="stretch", config=ui.chart_config("la-mh-gaps-map"))
    else:
        tips = {
            g: f"Tract {g}: {d:.1f} mi; {int(res[g]):,} {den.label}"
            if np.isfinite(d)
            else f"Tract {g}: no matching site"
            for g, d in dist.items()
        }
        layer = maps.colour_layer(
            data.snap.geojson["tracts"],
            colours,
            tips,
            title,
            url=data.geo_urls["tracts"],
            weight=0.3,
            legend={"title": "Miles to nearest site", "rows": legend},
        )
        st_folium(
            maps.base_map(),
            key="gaps_map",
            height=520,
            use_container_width=True,
            returned_objects=[],
            feature_group_to_add=[layer],
            layer_control=folium.LayerControl(collapsed=True),
        )

notes = ui.download_notes(
    f"Residents farther than {state.miles} miles (straight line from 2010 tract representative points) "
    f"from a mental-health site matching: {state.describe()}",
    SOURCES,
    ctx.page_path,
    data,
)
for level in ("spa", "sd"):
    names = data.snap.area_names(level)
    summary = metrics.far_summary(acc_area, by=level).reset_index().rename(columns={level: "area"})
    summary.insert(1, "name", summary["area"].map(names))
    summary = summary.sort_values("residents_far", ascending=False)
    show = tables.far_view(summary, den.label, state.miles)
    st.subheader(f"{filters.LEVELS[level]}: most {den.label} far from care first")
    if state.memo:
        ui.memo_table(show, "areas", rows=len(show))
    else:
        st.dataframe(show, hide_index=True, width="stretch", column_config=ui.number_formats(show))
    ui.download(
        f"Download {filters.LEVELS[level].split(' (')[0].lower()} table (CSV)",
        show,
        notes,
        f"gaps-{level}",
        data,
    )

st.subheader(f"Census tracts with the most {den.label} farther than {state.miles} miles")
spa_names = data.snap.area_names("spa")
tract_view = tables.tract_view(acc_area, spa_names, den.label, state.miles)
far_tracts = tract_view[tract_view["Residents far"] > 0]
if far_tracts.empty:
    st.info(
        f"No tract in the selection has {den.label} farther than {state.miles} miles from a matching site."
    )
elif state.memo:
    ui.memo_table(far_tracts, "tracts with residents far from care")
else:
    st.dataframe(
        far_tracts.head(50), hide_index=True, width="stretch", column_config=ui.number_formats(far_tracts)
    )
ui.download("Download all tracts (CSV)", tract_view, notes, "gaps-tracts", data)
if state.memo:
    ui.memo_footer(SOURCES)
