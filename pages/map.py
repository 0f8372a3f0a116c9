"""Map: where matching facilities are, and where capacity per resident is thin."""

import folium
import streamlit as st
from streamlit_folium import st_folium

from dashboard import registry, ui
from dashboard.analysis import filters, metrics
from dashboard.render import maps, tables

ctx = ui.page_context()
data, state = ctx.data, ctx.state
fac, tracts, areas = data.bundle.facilities, data.bundle.tracts, data.bundle.areas
pop_vintage = data.bundle.manifest["population_vintage"]

st.title("Outpatient mental-health capacity in Los Angeles County")
st.caption(
    f"Showing **{ui.text(state.describe())}**. Outpatient capacity is counted in sites "
    "(programs at an address): no public source gives slots or clinicians. Anxiety and "
    "depression have no code of their own in the source; they are treated at general "
    "mental-health outpatient sites."
)

m = filters.match(data.idx, state)
h = metrics.headline(fac, data.idx, tracts, state)
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "Matching sites",
    ui.fmt_int(h.sites),
    help="Sites (programs at an address) that match every filter. Sources: "
    f"{registry.cite(*registry.FACILITY_SOURCES)}.",
)
if h.unknown:
    c1.caption(
        f"{h.unknown:,} more with unknown attributes "
        + ("included" if state.include_unknown else "not shown (see sidebar)")
    )
c2.metric(
    f"Sites per 100k {h.denominator.label}",
    ui.fmt_rate(h.sites_per_100k),
    help=f"Denominator: {h.population:,} {h.denominator.label} "
    f"({registry.cite('geo')}). {h.denominator.note}",
)
c2.caption(f"per {h.population:,} {h.denominator.label} ({pop_vintage[:4]})")
c3.metric(
    "Psychiatric beds per 100k",
    ui.fmt_rate(h.beds_per_100k),
    help=f"Licensed (not staffed) acute psychiatric beds ({registry.cite('cdph_beds')}) per "
    f"all residents ({registry.cite('geo')}). Beds are not broken down by age or payer in "
    "the source.",
)
c3.caption(
    f"{h.beds:,} licensed acute psychiatric beds ({registry.cite('cdph_beds')}); "
    f"{ui.fmt_rate(h.beds_excl_state_per_100k)} per 100k ({h.beds_excl_state:,} beds) "
    "without the state forensic hospital (DSH-Metropolitan)"
)
c4.metric(
    f"Live > {state.miles} mi from a site",
    ui.fmt_pct(h.share_far),
    help="Share of the denominator population living in census tracts (2010 tracts, 2018 "
    "estimates) whose representative point is farther than the threshold, in a straight "
    "line, from the nearest matching site anywhere in the county. Approximate (ZIP "
    "centroid) locations count where they are placed.",
)
c4.caption(
    f"{h.residents_far:,} {h.denominator.label} farther than {state.miles} miles "
    "(straight line) from the nearest matching site"
)
if h.denominator.note:
    st.caption(f"Denominator note: {h.denominator.note}.")

left, right = st.columns([3, 1])
with right:
    st.radio(
        "Colour areas by",
        options=list(filters.MEASURES),
        key=ui.K_MEASURE,
        format_func=lambda k: filters.MEASURES[k],
        persist_state="session",
    )
    st.radio(
        "Areas",
        options=list(filters.LEVELS),
        key=ui.K_LEVEL,
        format_func=lambda k: filters.LEVELS[k],
        persist_state="session",
    )
state = ui.current_state()
den = metrics.denominator(state)
area_tab = metrics.area_table(fac, m.mask, tracts, areas, state.level, den)
value_col = "sites_per_100k" if state.measure == "sites" else "beds_per_100k"
values = area_tab.set_index("area")[value_col]
breaks = maps.class_breaks(values.to_numpy())
labels = area_tab.set_index("area")["name"].to_dict()
measure_title = (
    f"Matching sites per 100k {den.label}"
    if state.measure == "sites"
    else "Licensed acute psychiatric beds per 100k residents"
)

with right:
    st.markdown(f"**{measure_title}** by {filters.LEVELS[state.level].split(' (')[0].lower()}")
    legend = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'border:1px solid #333;margin-right:6px;vertical-align:middle"></span>{lab}</div>'
        for c, lab in maps.legend_classes(breaks)
    )
    st.markdown(legend, unsafe_allow_html=True)
    st.markdown("**Facilities**")
    symbols = "".join(f"<div>{maps.symbol_svg(k)} {lab}</div>" for k, (lab, _c, _s) in maps.KINDS.items())
    symbols += (
        f"<div>{maps.symbol_svg('outpatient', approximate=True)} hollow, dashed: "
        "approximate location (ZIP centroid)</div>"
    )
    st.markdown(symbols, unsafe_allow_html=True)
    st.caption("Colours are Okabe-Ito and viridis (colour-blind safe); shapes repeat the setting.")


@st.fragment
def map_block(mask, area_values, area_breaks, area_labels, title, level):
    init = st.session_state.setdefault("_map_initial_view", st.session_state.get(ui.K_VIEW))
    center = (init[0], init[1]) if init else None
    zoom = init[2] if init else None
    base = maps.base_map(center, zoom)
    layers = [
        maps.choropleth_layer(
            data.bundle.geojson[level], area_values, area_labels, area_breaks, title, url=data.geo_urls[level]
        ),
        maps.facility_layer(data.map_data, mask),
    ]
    out = st_folium(
        base,
        key="lamh_map",
        height=560,
        use_container_width=True,
        returned_objects=["center", "zoom"],
        feature_group_to_add=layers,
        layer_control=folium.LayerControl(collapsed=False),
    )
    view = ui.map_view_from(out, init)
    if view is not None and view != st.session_state.get(ui.K_VIEW):
        st.session_state[ui.K_VIEW] = view
        ui.sync_url()


with left:
    map_block(m.mask, values, breaks, labels, measure_title, state.level)
    unplaced = int((m.mask & ~data.map_data.located).sum())
    placed = m.count - unplaced
    st.caption(
        f"{m.count:,} matching sites"
        + (f", of which {unplaced} could not be placed on the map" if unplaced else "")
        + (
            f". More than {maps.MAX_POINTS:,} to draw, so the map counts them per "
            f"{maps.CELL_DEGREES}° square (about 1.4 miles): narrow the filters or pick an "
            "area to see individual sites"
            if placed > maps.MAX_POINTS
            else ""
        )
        + ". Base map © OpenStreetMap contributors. Area boundaries: LA County eGIS."
    )

st.subheader("Matching facilities")
view = data.view.loc[m.mask]
st.caption(
    f"{len(view):,} rows — the same sites as the headline count. Click a column to sort."
    + (
        f" The first {tables.MAX_ROWS_SHOWN:,} are shown; the CSV has them all."
        if len(view) > tables.MAX_ROWS_SHOWN
        else ""
    )
)
st.dataframe(
    view[tables.PAGE_COLUMNS].head(tables.MAX_ROWS_SHOWN),
    hide_index=True,
    width="stretch",
    column_config={"Website": st.column_config.LinkColumn("Website")},
)
header = [
    f"LA County mental-health facilities matching: {state.describe()}",
    f"Built {data.bundle.manifest['built_at'][:10]} from: "
    f"{registry.cite(*registry.FACILITY_SOURCES, 'cdph_beds', 'geo')}",
    f"View: {ui.share_link(state)}",
]
st.download_button(
    "Download facilities (CSV)",
    lambda: ui.csv_bytes(view, header),
    file_name=f"la-mh-facilities-{data.bundle.manifest['built_at'][:10]}.csv",
    mime="text/csv",
    key="dl_facilities",
    on_click="ignore",
)

st.subheader(f"By {filters.LEVELS[state.level]}")
show = area_tab.rename(
    columns={
        "area": "Area",
        "name": "Name",
        "sites": "Matching sites",
        "population": f"Denominator: {den.label} ({pop_vintage[:4]})",
        "sites_per_100k": "Sites per 100k",
        "residents": f"All residents ({pop_vintage[:4]})",
        "beds": f"Licensed acute psych beds ({registry.cite('cdph_beds')})",
        "beds_per_100k": "Beds per 100k",
        "beds_excl_state": "Beds excl. DSH-Metropolitan",
        "beds_excl_state_per_100k": "Beds per 100k excl. DSH",
    }
)
st.caption("The table behind the map's colours. Beds are licensed, not staffed; per all residents.")
st.dataframe(
    show,
    hide_index=True,
    width="stretch",
    column_config={
        c: st.column_config.NumberColumn(format="%.1f")
        for c in ("Sites per 100k", "Beds per 100k", "Beds per 100k excl. DSH")
    },
)
st.download_button(
    "Download area table (CSV)",
    lambda: ui.csv_bytes(show, header),
    file_name=f"la-mh-{state.level}-{data.bundle.manifest['built_at'][:10]}.csv",
    mime="text/csv",
    key="dl_areas",
    on_click="ignore",
)
