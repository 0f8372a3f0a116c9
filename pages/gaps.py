"""Gaps & access: how far residents live from a matching site, by tract and area."""

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import registry
from dashboard.analysis import filters, metrics
from dashboard.render import charts, gaps, legend, maps, tables, text
from dashboard.ui import context, show, urlstate
from dashboard.vocab import DRIVE_MINUTES, Level

ctx = context.page()
data, state = ctx.data, ctx.state
fac, tracts, areas = data.snap.facilities, data.snap.tracts, data.snap.areas
pop_vintage = data.snap.manifest.population_vintage

st.title("Gaps & access")
st.caption(
    f"Showing **{text.escape_markdown(state.describe())}**. Distance is the straight line from each "
    "census tract's representative point (2010 tracts) to the nearest matching site "
    "anywhere in the county — not travel time. Residents: LA County ISD estimates "
    f"({pop_vintage}). Sites placed at a ZIP centroid count where they are placed."
)


view = data.views.cache.get(
    ("gaps", gaps.key(state)),
    lambda: gaps.build(data.snap, data.idx, state, data.geo_urls["tracts"], data.views.miles()),
)
den, am, county = view.denominator, view.matched, view.county
n_sites = am.count
SOURCES = registry.cite(*registry.FACILITY_SOURCES, "geo")
if state.memo:
    show.memo_header(ctx.page_path, data)

with st.container():  # one element whatever it holds, so the map below keeps its place
    if n_sites == 0:
        st.warning(
            "No site matches the current filters, so every resident counts as far from care. "
            "Loosen a filter in the sidebar (or include sites with unknown attributes)."
        )

where = "in the selected area(s)" if (state.spa or state.sd) else "in the county"
c1, c2, c3 = st.columns(3)
c1.metric(
    f"{den.label.capitalize()} farther than {state.miles} mi",
    text.fmt_int(county["residents_far"]),
    help=f"Out of {int(county['residents']):,} {den.label} {where}.",
)
c2.metric(f"Share of {den.label} {where}", text.fmt_pct(county["share_far"]))
c3.metric(
    "Matching sites used",
    text.fmt_int(n_sites),
    help="Matching sites anywhere in the county (a resident may cross an area line for care).",
)
with st.container():  # as above
    if den.note:
        st.caption(f"Denominator note: {den.note}.")
    show.unknown_note(
        int(am.unknown.sum()), state, "anywhere in the county (distances use sites across area lines)"
    )

st.markdown("**At other distances**")
show.table(view.distances, state.memo, "distances")

reach_map = state.gmap == "reach"
shade = view.reach_shading if reach_map else view.distance_shading
# The memo's map is page-wide and carries its own legend; on screen the legend sits beside.
left, right = (st.container(), None) if state.memo else st.columns([3, 1])
if right is not None:
    with right:
        st.radio(
            "Tract map shows",
            options=list(filters.GAPS_MAPS),
            format_func=filters.GAPS_MAPS.get,
            key=urlstate.K_GMAP,
            persist_state="session",
        )
        st.markdown(f"**{shade.title}** ({den.label}, straight line, by tract)")
        st.html(legend.legend_html(shade.legend))
        st.caption(
            "Viridis colours: darker is "
            + ("less capacity within reach" if reach_map else "farther")
            + ". The ranked tables below hold the same numbers."
        )

selected_tracts = data.snap.tracts.loc[metrics.tract_mask(data.snap.tracts, state)]
with left:
    title = f"{filters.GAPS_MAPS[state.gmap]} ({den.label})"
    if state.memo:
        colours = {g: shade.palette[c] for g, c in shade.classes.items()}
        fig = charts.memo_map(
            data.snap.geojson["tracts"],
            colours,
            shade.legend,
            [],
            pd.DataFrame({"lat": [], "lon": [], "kind": [], "approximate": []}),
            {},
            title,
            bounds=maps.bounds(selected_tracts["lat"], selected_tracts["lon"]) if state.selection else None,
            caption=show.figure_caption(state, ctx.page_path, data, SOURCES),
            outline={lv: (data.snap.geojson[lv], ids) for lv, ids in state.selection.items()},
        )
        show.chart(fig, True, "la-mh-gaps-map")
    else:
        payload = (
            data.views.cache.get(
                ("gaps-reach-map", gaps.key(state)),
                lambda: gaps.reach_payload(view, data.snap.geojson["tracts"], data.geo_urls["tracts"]),
            )
            if reach_map
            else view.map_payload
        )
        layers = [maps.area_group(title, payload)]
        centre, zoom = maps.LA_CENTER, maps.DEFAULT_ZOOM
        if state.selection:  # frame and outline the selected areas
            centre, zoom = maps.frame(selected_tracts["lat"], selected_tracts["lon"])
            layers.append(maps.outline_layer(state.selection, data.snap.geojson, data.geo_urls))
        st_folium(
            maps.base_map(),
            key="gaps_map",
            height=520,
            use_container_width=True,
            center=centre,
            zoom=zoom,
            returned_objects=[],
            feature_group_to_add=layers,
            layer_control=folium.LayerControl(collapsed=True),
        )

notes = show.download_notes(
    f"Residents farther than {state.miles} miles (straight line from 2010 tract representative points) "
    f"from a mental-health site matching: {state.describe()}",
    SOURCES,
    ctx.page_path,
    data,
)
for level in ("spa", "sd"):
    st.subheader(f"{Level(level).label}: most {den.label} far from care first")
    show.table(view.by_level[level], state.memo)
    show.download(
        f"Download {Level(level).label.split(' (')[0].lower()} table",
        view.by_level[level],
        notes,
        f"gaps-{level}",
        data,
    )

st.subheader(f"Census tracts with the most {den.label} farther than {state.miles} miles")
far_tracts = view.tracts[view.tracts["Residents far"] > 0]
if far_tracts.empty:
    st.info(
        f"No tract in the selection has {den.label} farther than {state.miles} miles from a matching site."
    )
else:  # the first 15, whole (the CSV has every tract)
    show.memo_table(far_tracts, "tracts with residents far from care")
show.download("Download all tracts", view.tracts, notes, "gaps-tracts", data)


def tables_by_level(frames: dict, title: str, download: str, notes: list[str], name: str) -> None:
    """One table per area level (SPA, district), each with its CSV and Excel downloads."""
    for level in ("spa", "sd"):
        st.markdown(f"**{Level(level).label}{title}**")
        show.table(frames[level], state.memo)
        show.download(f"{download} by {level.upper()}", frames[level], notes, f"{name}-{level}", data)


# ------------------------------------------------------------------ network standard
OEPS = registry.SOURCES["oeps_drive_time"].short
st.header("Against the Medi-Cal time-or-distance standard")
st.caption(
    "California sets time-or-distance standards for Medi-Cal networks (Welfare and Institutions "
    "Code §14197, added by AB 205 in 2017; county mental health plans are certified against them "
    "by DHCS notices, e.g. BHIN 23-041 for 2023-24; the State Auditor's report 2023-115 found "
    "DHCS approves potentially unreasonable alternative standards). **The outpatient "
    "mental-health values for Los Angeles County could not be confirmed here** from the "
    "statute's or the notices' text (the statute puts Los Angeles in its '15 miles or 30 "
    "minutes' group for specialists). So **set the standard you apply**: the distance is the "
    "sidebar's threshold (15 miles to match that group), the time is set "
    + ("on the page (`mins=` in the link; " if state.memo else "below (")
    + f"{filters.DEFAULT_MINUTES} minutes unless changed). "
    f"A resident meets the standard within {state.miles} miles (straight line to a matching site) "
    f"**or** within {state.minutes} minutes' drive ({OEPS}: to any SAMHSA-listed provider, "
    f"not to the sidebar's sites): the figures below count those beyond both. Sources: {SOURCES}."
)
if not state.memo:  # the memo states the minutes in its figures
    st.segmented_control(
        "Drive time of the standard (minutes)",
        options=filters.MINUTES_CHOICES,
        selection_mode="single",
        required=True,
        key=urlstate.K_MINUTES,
        persist_state="session",
        help=f"Drive minutes from each tract to the nearest SAMHSA-listed provider ({OEPS}); the "
        f"longest in the county is {data.snap.drive_time['minutes'].max():.0f} minutes.",
    )
std = data.views.cache.get(
    ("gaps-standard", gaps.key(state), state.minutes), lambda: gaps.standard(data.snap, view, state)
)
sel, whole = std.table.loc["selection"], std.table.loc["county"]
s1, s2, s3 = st.columns(3)
s1.metric(
    f"{den.label.capitalize()} beyond {state.miles} mi and {state.minutes} min",
    text.fmt_int(sel["beyond"]),
    help=f"{where}; county: {text.fmt_int(whole['beyond'])}",
)
s2.metric(
    "Share beyond the standard", text.fmt_pct(sel["share"]), help=f"county: {text.fmt_pct(whole['share'])}"
)
s3.metric(
    f"Beyond {state.miles} mi, no drive time",
    text.fmt_int(sel["unknown"]),
    help="Tracts OEPS gives no reliable drive time (islands, tracts without a route): they may be beyond.",
)
if state.selection:
    st.caption(
        f"County: {text.fmt_int(whole['beyond'])} {den.label} ({text.fmt_pct(whole['share'])}) beyond "
        f"{state.miles} miles and {state.minutes} minutes; {text.fmt_int(whole['unknown'])} beyond "
        f"{state.miles} miles with no drive time."
    )


def tables_on_demand(label: str, key: str):
    """A section's tables: open in the memo layout; on screen folded, drawn when opened (a
    rerun of the page draws none of them until then)."""
    if state.memo:
        return st.container()
    box = show.on_demand(label, key)
    return box if box.open else None


box = tables_on_demand("Tables by SPA and district, with downloads", "x_standard")
if box is not None:
    standard_notes = show.download_notes(
        f"{den.label.capitalize()} beyond {state.miles} miles (straight line to a site matching: "
        f"{state.describe()}) and beyond {state.minutes} minutes' drive ({OEPS})",
        f"{SOURCES}; {OEPS}",
        ctx.page_path,
        data,
    )
    with box:
        tables_by_level(
            std.by_level,
            ": most beyond the standard first",
            "Download the standard",
            standard_notes,
            "gaps-standard",
        )

# ------------------------------------------------------------------ capacity within reach
st.header("Capacity within reach (2SFCA)")
st.caption(
    f"Sites per 100k {den.label} **within {state.miles} miles** (the sidebar's distance "
    "threshold), each matching site shared among all the residents who can reach it: the "
    "two-step floating catchment area (2SFCA; Luo & Wang 2003), by straight line from each "
    "2010 tract's representative point. Unlike sites per 100k inside an area's lines, it counts "
    "sites just over a line and does not count one site twice for two areas; county-wide it "
    "equals the county's rate. With distance decay (E2SFCA; Luo & Qi 2009) a site counts in "
    "full within the first third of the distance, 0.68 within two thirds and 0.22 beyond. It "
    "measures sites, not their size, and depends on the distance chosen: a short one leaves "
    "more tracts with none within reach, a long one evens tracts out. "
    f"Sources: {SOURCES}."
)
rc, rw = view.reach_county, view.reach_whole
r1, r2, r3 = st.columns(3)
r1.metric(
    f"Sites per 100k {den.label} within {state.miles} mi",
    text.fmt_rate(rc["reach"]),
    help=f"Residents' mean (each tract weighted by its residents) {where}.",
)
r2.metric("With distance decay (E2SFCA)", text.fmt_rate(rc["reach_decay"]))
r3.metric(
    f"{den.label.capitalize()} with no site within {state.miles} mi", text.fmt_int(rc["residents_without"])
)
if state.selection:
    st.caption(
        f"County: {text.fmt_rate(rw['reach'])} within reach (E2SFCA {text.fmt_rate(rw['reach_decay'])}); "
        f"{text.fmt_int(rw['residents_without'])} {den.label} with no site within {state.miles} mi."
    )
box = tables_on_demand("Tables by SPA, district and tract, with downloads", "x_reach")
if box is not None:
    with box:
        reach_notes = show.download_notes(
            f"Matching sites per 100k {den.label} within {state.miles} miles (2SFCA and E2SFCA, "
            f"straight line from 2010 tract representative points), sites matching: {state.describe()}",
            SOURCES,
            ctx.page_path,
            data,
        )
        tables_by_level(
            view.reach_by_level,
            ": least capacity within reach first",
            "Download capacity within reach",
            reach_notes,
            "gaps-reach",
        )
        st.markdown(f"**Census tracts with the least capacity within {state.miles} miles**")
        show.memo_table(view.reach_tracts, "tracts")
        show.download(
            "Download capacity within reach by tract",
            view.reach_tracts,
            reach_notes,
            "gaps-reach-tracts",
            data,
        )

# ------------------------------------------------------------------ travel time
drive_src = registry.SOURCES["oeps_drive_time"]
st.header("Travel time: a second lens")
st.caption(
    f"**{drive_src.short}.** {drive_src.method}. {drive_src.limits}. It is **not recomputed for "
    "the sidebar's filters** (only the population filter and the area selection apply, to whom "
    "it counts): read it beside the straight-line distances above, not as the same measure."
)
overall = view.drive_overall
d1, d2, d3 = st.columns(3)
for col, minutes in zip((d1, d2, d3), DRIVE_MINUTES, strict=True):
    col.metric(
        f"{den.label.capitalize()} beyond {minutes} min",
        text.fmt_int(overall[f"beyond_{minutes}"]),
        help=f"{text.fmt_pct(overall[f'share_{minutes}'])} of {int(overall['residents']):,} "
        f"{den.label} {where}.",
    )
if overall["tracts_without_value"]:
    st.caption(
        f"{int(overall['tracts_without_value'])} tract(s) in the selection have no usable value "
        "and are left out."
    )
drive_notes = show.download_notes(
    f"Residents by drive minutes to the nearest SAMHSA-listed mental-health provider (not the sidebar's "
    f"filters); population: {den.label}",
    f"{drive_src.short}; {registry.cite('geo')}",
    ctx.page_path,
    data,
)
tables_by_level(view.drive_by_level, "", "Download drive times", drive_notes, "gaps-drive")

# ------------------------------------------------------------------ shortage areas
hpsa_src = registry.SOURCES["hpsa_mental_health"]
st.header("Mental-health shortage areas (HPSA)")
hpsa = data.snap.hpsa
designated = hpsa[hpsa["status"] == "Designated"]
st.caption(
    f"**{hpsa_src.short}**: {len(hpsa)} Los Angeles County rows, {len(designated)} designated. "
    f"{hpsa_src.geography}. {hpsa_src.limits}. Federal designations for the whole population "
    "or a low-income group, not for the sidebar's filters."
)
hpsa_view = tables.hpsa_view(hpsa)
show.table(hpsa_view, state.memo, "designations")
show.download(
    "Download shortage areas",
    hpsa_view,
    ["Mental-health HPSA designations in Los Angeles County", f"Source: {hpsa_src.short}"],
    "gaps-hpsa",
    data,
)
if state.memo:
    show.memo_footer(SOURCES)
