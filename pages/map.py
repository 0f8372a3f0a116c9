"""Map: where matching facilities are, and where capacity per resident is thin."""

from dataclasses import replace

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import registry
from dashboard.analysis import filters, metrics
from dashboard.render import charts, legend, maps, mapview, tables, text
from dashboard.ui import context, show, urlstate
from dashboard.vocab import Level, Precision

ctx = context.page()
data, state = ctx.data, ctx.state
fac, tracts, areas = data.snap.facilities, data.snap.tracts, data.snap.areas
pop_year = data.snap.manifest.population_vintage[:4]
SOURCES = registry.cite(*registry.FACILITY_SOURCES, "cdph_beds", "geo")

st.title("Outpatient mental-health capacity in Los Angeles County")
st.caption(
    f"Showing **{text.escape_markdown(state.describe())}**. Outpatient capacity is counted in sites "
    "(programs at an address): no public source gives slots or clinicians. Anxiety and "
    "depression have no code of their own in the source; they are treated at general "
    "mental-health outpatient sites."
)
if state.memo:
    show.memo_header(ctx.page_path, data)

matched = data.views.match(state)
head = data.views.headline(state)
den = head.denominator
# With an area selected, each figure stands beside the county's (the same filters, no area).
whole = data.views.headline(replace(state, spa=(), sd=())) if (state.spa or state.sd) else None


def county(figure) -> str:
    """' · county: <figure of the whole county>' when an area is selected, else ''."""
    return f" · county: {figure(whole)}" if whole else ""


bed_note = text.beds_note(
    head.beds, head.state_hospital_beds, state.state_hospital, head.county_beds, head.county_beds_per_100k
)
per_group = "".join(f"; {text.fmt_rate(r)} per 100k {lab} ({n:,})" for lab, n, r in head.per_population)
if state.memo:
    show.memo_figures(
        [
            ("Matching sites", text.fmt_int(head.sites), "sites (programs at an address); sources above"),
            (
                f"Sites per 100k {den.label}",
                text.fmt_rate(head.sites_per_100k),
                f"per {head.population:,} {den.label} ({pop_year}){per_group}",
            ),
            (
                "Licensed acute psychiatric beds per 100k residents",
                text.fmt_rate(head.beds_per_100k),
                bed_note + f"; per {head.residents:,} residents",
            ),
            (
                f"{den.label.capitalize()} farther than {state.miles} miles from a matching site",
                f"{text.fmt_pct(head.share_far)} ({head.residents_far:,})",
                "straight line from 2010 tract points",
            ),
        ],
        county=[
            text.fmt_int(whole.sites),
            text.fmt_rate(whole.sites_per_100k),
            text.fmt_rate(whole.beds_per_100k),
            f"{text.fmt_pct(whole.share_far)} ({whole.residents_far:,})",
        ]
        if whole
        else None,
    )
else:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Matching sites",
        text.fmt_int(head.sites),
        help="Sites (programs at an address) that match every filter. Sources: "
        f"{registry.cite(*registry.FACILITY_SOURCES)}.",
    )
    if whole:
        c1.caption(f"{state.where()}; county: {whole.sites:,}")
    c2.metric(
        f"Sites per 100k {den.label}",
        text.fmt_rate(head.sites_per_100k),
        help=f"Denominator: {head.population:,} {den.label} ({registry.cite('geo')}). {den.note}",
    )
    c2.caption(
        f"per {head.population:,} {den.label} ({pop_year}){per_group}"
        + county(lambda h: f"{text.fmt_rate(h.sites_per_100k)} per 100k")
    )
    c3.metric(
        "Psychiatric beds per 100k",
        text.fmt_rate(head.beds_per_100k),
        help=f"Licensed (not staffed) acute psychiatric beds ({registry.cite('cdph_beds')}) per all "
        f"residents ({registry.cite('geo')}). Beds are not broken down by age or payer in the source.",
    )
    c3.caption(bed_note + county(lambda h: f"{text.fmt_rate(h.beds_per_100k)} per 100k"))
    c4.metric(
        f"Live > {state.miles} mi from a site",
        text.fmt_pct(head.share_far),
        help="Share of the denominator population living in census tracts (2010 tracts, 2018 "
        "estimates) whose representative point is farther than the threshold, in a straight "
        "line, from the nearest matching site anywhere in the county. Approximate (ZIP "
        "centroid) locations count where they are placed.",
    )
    c4.caption(
        f"{head.residents_far:,} {den.label} farther than {state.miles} miles "
        "(straight line) from the nearest matching site"
        + county(lambda h: text.fmt_pct(h.share_far))
        + f"; {head.beyond_standard:,} also beyond {state.minutes} minutes' drive "
        f"({registry.SOURCES['oeps_drive_time'].short}; the time-or-distance standard: Gaps & access)"
        + county(lambda h: f"{h.beyond_standard:,}")
    )
with st.container():  # one element whatever it holds, so the map below keeps its place
    if matched.count == 0:
        st.warning(
            "No site matches every filter chosen: the map and tables are empty. Loosen a filter "
            "in the sidebar (or include sites whose attributes are unknown).",
            icon=":material/filter_alt_off:",
        )
    if den.note:
        st.caption(f"Denominator note: {den.note}.")
    show.unknown_note(int(matched.unknown.sum()), state, state.where())

# The memo layout prints the map across the page with its legend (no controls beside it).
left, right = (st.container(), None) if state.memo else st.columns([3, 1])
if right is not None:
    with right:
        for label, choices, key in (
            ("Colour areas by", filters.MEASURES, urlstate.K_MEASURE),
            ("Areas", filters.LEVELS, urlstate.K_LEVEL),
        ):
            st.radio(label, options=list(choices), key=key, format_func=choices.get, persist_state="session")
state = urlstate.current_state()
area_tab = data.views.area_table(state)
chosen = area_tab[area_tab["selected"]]
value_col = "sites_per_100k" if state.measure == "sites" else "beds_per_100k"
values = chosen.set_index("area")[value_col]
breaks = legend.class_breaks(values.to_numpy())
names = area_tab.set_index("area")["name"].to_dict()
level_name = Level(state.level).label.split(" (")[0]
area_selected = bool(state.spa or state.sd)
partial = state.partial(state.level)  # e.g. SPAs shown, a district selected: parts of SPAs
measure_title = (
    f"Matching sites per 100k {den.label}"
    if state.measure == "sites"
    else "Licensed acute psychiatric beds per 100k residents"
)
classes = legend.legend_classes(breaks, unselected=area_selected)
symbols = [(legend.symbol_svg(k), lab) for k, (lab, _c, _s) in legend.KINDS.items()]
symbols.append(
    (legend.symbol_svg("outpatient", approximate=True), "hollow, dashed: approximate location (ZIP centroid)")
)
labels = data.label_points[state.level]
selected = set(chosen["area"]) if area_selected else None

if right is not None:
    with right:
        st.markdown(f"**{measure_title}** by {level_name.lower()}")
        st.html(legend.legend_html(classes))
        st.markdown("**Facilities**")
        st.html(legend.legend_html([*symbols, (legend.CLUSTER_SVG, legend.CLUSTER_LABEL)]))
        st.caption("Colours are Okabe-Ito and viridis (colour-blind safe); shapes repeat the setting.")


def view_for(state) -> tuple:
    """Where the map looks: the position the user moved to, else the selected areas, else
    the county."""
    if state.zoom is not None:
        return (state.lat, state.lon), state.zoom
    if area_selected:
        t = tracts.loc[metrics.tract_mask(tracts, state)]
        return maps.frame(t["lat"], t["lon"])
    return maps.LA_CENTER, maps.DEFAULT_ZOOM


@st.fragment
def map_block(mask, area_values, area_breaks, title, level, classes):
    centre, zoom = view_for(urlstate.current_state())
    session = st.session_state
    move = mapview.move((*centre, zoom), session.get("_map_shows"), session.get("_map_passed"))
    if move is not None:
        session["_map_passed"] = move
    layers = [
        maps.choropleth_layer(
            data.snap.geojson[level],
            area_values,
            names,
            area_breaks,
            title,
            url=data.geo_urls[level],
            selected=selected,
            labels=labels,
            legend={"title": "Legend", "rows": [*classes, *symbols]},
            part_of=state.where() if partial else None,
        ),
        maps.facility_layer(data.map_data, mask),
    ]
    if area_selected:
        layers.append(maps.outline_layer(state.selection, data.snap.geojson, data.geo_urls))
    out = st_folium(
        maps.base_map(),
        key="lamh_map",
        height=560,
        use_container_width=True,
        center=move[:2] if move else None,
        zoom=move[2] if move else None,
        returned_objects=["center", "zoom"],
        feature_group_to_add=layers,
        layer_control=folium.LayerControl(collapsed=True),
    )
    moved = mapview.moved_to(out, (*centre, zoom), session.get("_map_requested"))
    session["_map_requested"] = (*centre, zoom)
    session["_map_shows"] = mapview.view_of(out) or session.get("_map_shows")
    if moved is not None and moved != session.get(urlstate.K_VIEW):
        session[urlstate.K_VIEW] = moved
        st.rerun(scope="app")  # the link, the share box and the screen move together


with left:
    unplaced = int((matched.mask & ~data.map_data.located).sum())
    placed = matched.count - unplaced
    if state.memo:
        points = pd.DataFrame(
            {
                "lat": data.map_data.lat,
                "lon": data.map_data.lon,
                "kind": data.map_data.kind,
                "approximate": fac["location_precision"].to_numpy() == Precision.APPROXIMATE,
            }
        )
        points = points[matched.mask & data.map_data.located]
        fills = {
            a: (
                legend.UNSELECTED
                if selected is not None and a not in selected
                else legend.colour_for(values.get(a, float("nan")), breaks)
            )
            for a in names
        }
        marks = [
            [
                *labels[a],
                names[a] + (" (part)" if partial else ""),
                text.fmt_rate(values.get(a, float("nan"))),
            ]
            for a in names
            if a in labels and (selected is None or a in selected)
        ]
        bounds = None
        if area_selected:
            t = tracts.loc[metrics.tract_mask(tracts, state)]
            bounds = maps.bounds(t["lat"], t["lon"])
        fig = charts.memo_map(
            data.snap.geojson[state.level],
            fills,
            classes,
            marks,
            points,
            legend.KINDS,
            f"{measure_title} ({pop_year})",
            bounds=bounds,
            caption=show.figure_caption(state, ctx.page_path, data, SOURCES),
            outline={lv: (data.snap.geojson[lv], ids) for lv, ids in state.selection.items()},
        )
        show.chart(fig, True, "la-mh-map")
    else:
        map_block(matched.mask, values, breaks, measure_title, state.level, classes)
    st.caption(
        f"{matched.count:,} matching sites"
        + (f", of which {unplaced} could not be placed on the map" if unplaced else "")
        + (
            f". More than {maps.MAX_POINTS:,} to draw, so the map counts them per "
            f"{maps.CELL_DEGREES}° square (about 1.4 miles): narrow the filters or pick an "
            "area to see individual sites"
            if placed > maps.MAX_POINTS
            else ""
        )
        + ("" if state.memo else ". Base map © OpenStreetMap contributors")
        + ". Area boundaries: LA County eGIS."
    )

st.subheader("Matching facilities")


def view(mask=matched.mask, table=data.view):
    """The matching facilities as the table and its CSV show them (made only when needed;
    the defaults hold this run's selection for a download clicked later)."""
    return table.loc[mask]


notes = show.download_notes(
    f"Mental-health facilities in LA County matching: {state.describe()}", SOURCES, ctx.page_path, data
)
if state.memo:
    show.memo_table(view()[["Name", "Setting", "City", "Phone"]], "facilities")
else:
    box = show.on_demand(f"Table of the {matched.count:,} matching facilities (sortable)", "facility_table")
    if box.open:
        with box:
            st.caption(
                "The same sites as the headline count. Click a column to sort."
                + (
                    f" The first {tables.MAX_ROWS_SHOWN:,} are shown; the CSV has them all."
                    if matched.count > tables.MAX_ROWS_SHOWN
                    else ""
                )
            )
            st.dataframe(
                view()[tables.PAGE_COLUMNS].head(tables.MAX_ROWS_SHOWN),
                hide_index=True,
                width="stretch",
                column_config={
                    "Name": st.column_config.TextColumn("Name", pinned=True),
                    "Website": st.column_config.LinkColumn("Website"),
                },
            )
show.download("Download facilities", view, notes, "map-facilities", data)

st.subheader(f"By {Level(state.level).label}")
rows = chosen if whole is None else pd.concat([chosen, tables.county_area_row(whole)], ignore_index=True)
shown = tables.area_view(rows, den.label, pop_year, state)
district_bounds = state.level == "sd" and not area_selected
if district_bounds:  # tracts on a district line are counted whole: the true population's range
    sd = data.snap.areas[data.snap.areas["level"] == "sd"].set_index("area")
    shown[f"All residents, at least ({pop_year})"] = shown["Area"].map(sd["pop_total_low"])
    shown[f"All residents, at most ({pop_year})"] = shown["Area"].map(sd["pop_total_high"])
st.caption(
    "The table behind the map's colours"
    + (
        ": the selected areas only, each counting the sites and residents inside the selection, "
        "and the whole county (area 0) for comparison"
        if area_selected
        else ""
    )
    + (
        f". Each {level_name.lower()} here is only its part {state.where()}, not the whole one"
        if partial
        else ""
    )
    + (
        f"; to compare whole areas, choose '{Level(next(iter(state.selection))).label}' under Areas"
        if partial and len(state.selection) == 1
        else ""
    )
    + (
        ". District populations count each 2010 tract whole in the district holding most of it; "
        "with the tracts on a line, the true figure lies between 'at least' and 'at most'"
        if district_bounds
        else ""
    )
    + ". Beds are licensed, not staffed; per all residents"
    + ("" if state.state_hospital else ", without the state forensic hospital")
    + "."
)
show.table(shown, state.memo)
show.download("Download area table", shown, notes, f"map-{state.level}", data)
if state.memo:
    show.memo_footer(SOURCES)
