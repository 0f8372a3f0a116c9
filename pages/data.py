"""Data & methods: every source, the code mapping, how sites were placed and merged,
known gaps, data-quality counts and downloads."""

import pandas as pd
import streamlit as st

from dashboard import registry, taxonomy
from dashboard.analysis import filters, metrics
from dashboard.render import text
from dashboard.ui import context, show
from dashboard.vocab import Precision

ctx = context.page()
data, memo = ctx.data, ctx.state.memo
snap = data.snap
manifest = snap.manifest
report = manifest.report
built = manifest.built_on


def grid(frame: pd.DataFrame, what: str, columns: list[str] | None = None, **config) -> None:
    """On screen a sortable grid; in the memo layout the whole table as plain rows that
    print whole (``columns``: the ones a printed page holds)."""
    if memo:
        show.memo_table(frame[columns] if columns else frame, what, rows=len(frame))
    else:
        st.dataframe(frame, hide_index=True, width="stretch", **config)


def folded(label: str):
    """A folded section on screen, open in the memo layout (it prints)."""
    return st.container() if memo else st.expander(label)


st.title("Data & methods")
st.caption(
    f"Processed tables built {built} from the raw public sources below (snapshot "
    f"{snap.id}, committed with the code). Every figure in the dashboard comes from these "
    "tables; `python -m dashboard.ingest build` rebuilds them from the sources."
)

st.header("Sources")
rows = []
for s in registry.SOURCES.values():
    rows.append(
        {
            "Source": s.title,
            "Publisher": s.publisher,
            "Vintage": s.vintage,
            "Licence": s.licence,
            "Link": s.url,
            "Used for": s.role,
            "Method": s.method,
            "Geography": s.geography,
            "Limits": s.limits,
            "Files": ", ".join(f.name for f in s.files),
        }
    )
grid(
    pd.DataFrame(rows),
    "sources",
    ["Source", "Publisher", "Vintage", "Licence", "Link"],
    column_config={"Link": st.column_config.LinkColumn("Link")},
)
counts = report.source_rows
st.markdown(
    f"- SAMHSA mental-health directory: **{counts['directory_mental_rows']}** LA rows read "
    f"({counts['directory_duplicate_rows_merged']} exact repeats merged); the substance-use "
    f"directory's {counts['directory_substance_rows']} rows were used only to note "
    f"{counts['directory_substance_rows_matched_to_mh']} facilities listed in both.\n"
    f"- {registry.cite('samhsa_locator')}: {counts['locator_rows']} rows; "
    f"{counts['locator_rows_matched']} joined a "
    f"directory program by address, {counts['locator_only_sites']} are locations-only sites.\n"
    f"- LA County LMS / 211: {counts['lms_rows']} rows; {counts['lms_rows_excluded']} are not "
    f"treatment sites (see below); {counts['lms_rows_matched']} joined an existing site, "
    f"{counts['lms_only_sites']} are locations-only sites.\n"
    f"- DHCS / CDPH licence list: {counts['licensed_rows']} rows; {counts['licensed_rows_matched']} "
    f"joined an existing site, {counts['licensed_only_sites']} are licence-only sites, "
    f"{counts.get('licensed_rows_other_kind', 0)} left out because the CDPH bed file lists the "
    "facility as another kind with no psychiatric beds (see below).\n"
    f"- CDPH licensed beds: {counts['bed_facilities']} facilities with acute psychiatric beds.\n"
    f"- {registry.cite('oeps_drive_time')}: drive minutes for "
    f"{report.drive_time.tracts_with_a_reliable_value:,} of {report.drive_time.tracts:,} tracts "
    "(Gaps & access).\n"
    f"- {registry.cite('hpsa_mental_health')}: {report.hpsa.rows} LA County rows, "
    f"{report.hpsa.by_status.get('Designated', 0)} designated (Gaps & access)."
)

st.header("How source codes map to the filters")
st.markdown(
    "One module (`dashboard/taxonomy.py`) maps SAMHSA N-SUMHSS 2024 **mental-health directory** "
    "codes to the filter values; the sidebar, the facility flags, popups and this table all read "
    "it. A site matches a value when it carries **any** of the value's codes."
)
note = taxonomy.GROUP_BY_ID["condition"].note
st.info(f"**Anxiety and depression.** {note}")
code_labels = manifest.code_labels
grid(taxonomy.taxonomy_table(code_labels), "codes")
st.caption(
    f"Sites known only from a locations list ({registry.cite('samhsa_locator', 'lms_211')}) have no "
    "coded attributes: every attribute is *unknown* for them (not 'no'), they are counted "
    "separately and shown only when 'Include sites whose attributes are unknown' is on. "
    "Care settings of licensed hospitals, PHFs, MHRCs and psychology clinics come from "
    "their licence category."
)

st.header("How locations were placed")
prec = report.facilities_by_location_precision
st.markdown(
    f"- **Exact** ({prec.get(Precision.EXACT, 0)} sites): the same normalised street address (or house "
    "number and street name in the ZIP) appears in a source with coordinates — SAMHSA locator "
    "2020, HCAI 2025, LA County LMS/211 or CovidCareMap 2020 — or the US Census geocoder answered "
    "for it (only when the build ran with `--geocode`).\n"
    f"- **Approximate** ({prec.get(Precision.APPROXIMATE, 0)} sites): placed at the centroid of the "
    "site's ZIP code (from the `zipcodes` package; a ZIP whose centroid the package shares with "
    "many others is not used). Many of these facilities asked SAMHSA not to publish their street "
    "address: a withheld address stays approximate even when another record of the program has "
    "a point. Shown as hollow, dashed symbols on the map.\n"
    f"- **Not located** ({prec.get(Precision.NONE, 0)}): no address and no coordinates in any source; "
    "counted county-wide, absent from the map and the area figures."
)
links = report.matching.links_by_rule
pairs = report.matching.close_pairs_with_similar_names
st.markdown(
    "**One record per real site.** Directory programs are the backbone. Every other record "
    "(2020 locator, 211 LA, licences, bed-holding hospitals) joins the site the evidence "
    "supports best — the same street and suite (street and street2), house number, ZIP or a "
    "neighbouring ZIP, distinctive name words and distance — or becomes a site of its own. "
    f"Records joined: {links.get('address+name', 0)} by address and name, "
    f"{links.get('address+suite', 0)} by the same suite, {links.get('number+name', 0)} by house "
    f"number and name, {links.get('nearby+name', 0)} by distance and name; "
    f"{links.get('withheld', 0)} to programs whose address is withheld (they link, they never "
    f"place); {links.get('stale', 0)} 2020 listings of a current program at another address in "
    "its city are kept as its history ('Earlier listed at' in popups and tables), not shown as "
    "another site. Then, for sites known only from a 2020 list (the locations-only counts "
    "above are before this step), at any distance: "
    f"{links.get('address+phone', 0)} records share a street address and a distinctive phone "
    f"with another site (one door, one number), {links.get('phone+name', 0)} are earlier "
    "listings of the one current program with their distinctive phone and a name word in "
    f"common, {links.get('name+program', 0)} of the one program with their whole name. A phone "
    "is distinctive when it is not toll-free and no more than one directory program gives it. "
    "Two organisations at one address stay two sites, and so do programs in different suites "
    "with their own phones and names; a record that fits two sites equally is "
    f"left out with that reason; no record feeds two sites. {report.matching.overrides} "
    "cases no rule decides are settled in a reviewed table, each with its reason (below). "
    f"Check: {pairs['pairs']} pairs of sites within {pairs['metres']:.0f} m share a distinctive "
    f"name word, all explained ({pairs['unexplained']} unexplained): "
    + "; ".join(f"{n} {why}" for why, n in pairs["explained"].items())
    + "."
)
with folded("Reviewed matching decisions"):
    grid(
        pd.DataFrame(
            [
                {"Decision": o["decision"], "Records": ", ".join(o["records"]), "Why": o["reason"]}
                for o in manifest.match_overrides
            ]
        ),
        "decisions",
    )
districts = report.districts_2021
st.markdown(
    f"**Supervisorial districts** are the {districts.plan} ({registry.cite('districts_2021')}). "
    f"{districts.tract_split} {districts.tracts_straddling} tracts "
    f"({districts.population_in_straddling_tracts:,} residents) straddle a line; "
    f"{districts.facilities_near_a_line['sites']} sites lie within "
    f"{districts.facilities_near_a_line['metres']} m of one (the lines are simplified)."
)
bounds = snap.areas[snap.areas["level"] == "sd"][
    ["name", "pop_total", "pop_total_area_share", "pop_straddling", "pop_total_low", "pop_total_high"]
].rename(
    columns={
        "name": "District",
        "pop_total": "Residents (tracts whole, by largest area share)",
        "pop_total_area_share": "Residents (split by area share)",
        "pop_straddling": "In tracts on a line",
        "pop_total_low": "At least",
        "pop_total_high": "At most",
    }
)
grid(bounds, "districts", column_config=show.number_formats(bounds))
beds = report.licensed_acute_psych_beds
st.markdown(
    f"**Psychiatric beds.** The {registry.cite('cdph_beds')} file lists **{beds.total:,}** "
    f"licensed acute psychiatric beds at {beds.facilities} LA facilities — "
    f"**{beds.excluding_state_hospital:,}** without the Department of State Hospitals – "
    "Metropolitan (a state forensic hospital). They are *licensed*, not staffed or available "
    "beds. CDPH gives no coordinates: facilities are placed by matching names to the HCAI "
    "facility list and CovidCareMap, with the reviewed crosswalk below for names that differ."
)
ops = beds.by_operator
if ops:
    per100k = lambda n: text.fmt_rate(metrics.per_100k(n, report.population_2018))  # noqa: E731
    local = ops.get("other_reporting_local_government", [])
    st.markdown(
        f"Who runs them, as the licence name says (CDPH, HCAI): **{ops['county_run']:,}** beds in "
        f"county-run hospitals ({', '.join(map(text.escape_markdown, ops['county_run_hospitals']))}; "
        f"{per100k(ops['county_run'])} per 100k residents), **{ops['state_run']:,}** in the state "
        f"hospital, **{ops['other']:,}** in private and non-profit hospitals "
        f"({per100k(ops['other'])} per 100k"
        + (
            f"; {', '.join(map(text.escape_markdown, local))}, which "
            + ("reports" if len(local) == 1 else "report")
            + " 'local, county or community government' to SAMHSA, counted here"
            if local
            else ""
        )
        + f"). Residents: {registry.cite('geo')}."
    )
    st.markdown(
        f"**Psychiatric health facility (PHF) beds** are licensed by DHCS and are not in the CDPH "
        f"file: {registry.cite('covidcaremap')} counts **{beds.phf_beds:,}** licensed beds at the "
        "PHFs it lists"
        + (
            "; no source here counts the beds of "
            + ", ".join(map(text.escape_markdown, beds.phf_without_beds))
            if beds.phf_without_beds
            else ""
        )
        + ". They are not in the bed figures above."
    )
if beds.unlocated_facilities:
    st.caption(
        "Not placed (counted county-wide only): "
        + ", ".join(text.escape_markdown(n) for n in beds.unlocated_facilities)
    )
xw = pd.DataFrame(
    [
        {"CDPH FACID": k, "Placed by": v["placed_by"] or "(not placed)", "Why": v["why"]}
        for k, v in manifest.bed_crosswalk.items()
    ]
)
with folded("Bed crosswalk (reviewed by hand)"):
    grid(xw, "crosswalk entries")
grid(
    snap.beds.rename(
        columns={
            "facid": "CDPH FACID",
            "facname": "Licensed name",
            "fac_type": "Licence type",
            "beds": "Acute psych beds",
            "data_date": "Data date",
            "state_hospital": "State hospital",
            "location_how": "Placed by",
            "spa": "SPA",
            "sd": "District",
            "located": "On map",
            "site_id": "Site id",
        }
    ),
    "bed facilities",
    ["CDPH FACID", "Licensed name", "Acute psych beds", "Data date", "SPA", "District", "On map"],
)

st.header("Capacity within reach (Gaps & access)")
st.markdown(
    "Sites per 100k residents **within reach** are the two-step floating catchment area "
    "(2SFCA; Luo & Wang 2003, *Environment and Planning B* 30): each matching site's supply "
    "(1) is divided by all the residents (of the population filter) in tracts within the "
    "distance threshold, and each tract sums the shares of the sites within that distance. "
    "Distances are straight lines from each 2010 tract's representative point, as for "
    "'miles to the nearest site'. The enhanced form (E2SFCA; Luo & Qi 2009, *Health & Place* "
    "15) weights a site 1, 0.68 and 0.22 in the first, second and last third of the distance "
    "(their 10/20/30-minute zones). A tract with no site within reach gets 0. Area figures are "
    "the residents' mean (each tract weighted by its residents); county-wide this equals the "
    "county's sites per 100k. The computation matches pysal's `access` package "
    "(`two_stage_fca`) on every tract, which a test checks. Limits: it counts sites, not "
    "their size (no public source gives slots or clinicians), and it depends on the distance."
)
st.markdown(
    "**Beds within reach** (Inpatient vs outpatient): the same 2SFCA with each hospital's "
    "licensed acute psychiatric beds as its supply and every resident as demand (as for beds "
    "per 100k inside an area's lines; the state forensic hospital counts only when the sidebar "
    "counts it). Beds at a hospital with no location count for no one. Licensed beds are not "
    "staffed beds, and the figure does not know who a hospital admits."
)

st.markdown(
    "**Against the time-or-distance standard** (Gaps & access, and the Map headline): a tract's "
    "residents count as beyond it when the tract's representative point is farther than the "
    "sidebar's distance from a matching site (straight line) *and* more than the standard's "
    f"minutes ({filters.DEFAULT_MINUTES} unless changed on the Gaps page) from a provider by drive "
    f"time ({registry.SOURCES['oeps_drive_time'].short}), which is to any "
    "SAMHSA-listed provider, not to the filter's sites; tracts without a reliable drive time "
    "are counted apart. California's standards are in Welfare and Institutions Code §14197 "
    "(AB 205, 2017) and DHCS's network certification notices for county mental health plans "
    "(e.g. BHIN 23-041, 2023-24). The outpatient mental-health value for Los Angeles County "
    "could not be confirmed from those texts here, so both the distance and the time are left "
    "to the user (the statute's '15 miles or 30 minutes' group holds Los Angeles for "
    "specialists)."
)

st.header("Known gaps")
st.markdown(
    "- **No slots or clinicians**: outpatient capacity is counted in sites; no public source gives "
    "appointment slots, caseloads or clinician counts.\n"
    "- **Staffed beds**: only licensed beds are published; staffed or available beds are not.\n"
    "- **LA County Medi-Cal rates** (specialty mental health, psychiatric inpatient per diems) were "
    "not found; prices shown are Medicare rates, labelled as such.\n"
    "- **LA County DMH directly operated clinics** are mostly absent from the SAMHSA 2024 "
    "directory; some appear through the 2020 locator and 211 (attributes unknown).\n"
    f"- **Vintages differ**: {registry.cite(*registry.FACILITY_SOURCES, 'cdph_beds', 'geo')}. "
    "Facilities may have opened, moved or closed since.\n"
    "- **LA County's own clinics**: the federal directory lists few county-run clinics "
    f"({report.by_taxonomy_value.get('operator', {}).get('values', {}).get('local_government', 0)} "
    "sites report local government); the county's own clinic network is not in any source "
    "available here.\n"
    "- **Crisis residential, crisis stabilisation units and urgent care centres** are not in any "
    "source used here.\n"
    "- **Distances** are straight lines; travel time comes only from OEPS, for another provider "
    "list and at free-flow driving speeds (no transit), and shortage areas have no map (no "
    "MSSA polygons are available)."
)

st.header("Data quality")
q1, q2 = st.columns(2)
with q1:
    st.markdown("**Sites by source that holds their attributes**")
    by_source = {
        registry.SOURCES[k].short if k in registry.SOURCES else k: v
        for k, v in report.facilities_by_primary_source.items()
    }
    grid(pd.Series(by_source, name="sites").rename_axis("source").reset_index(), "sources")
    st.markdown("**Sites by SPA**")
    grid(pd.Series(report.facilities_by_spa, name="sites").rename_axis("SPA").reset_index(), "SPAs")
with q2:
    st.markdown("**Records left out, by reason**")
    grid(pd.Series(report.excluded_by_reason, name="records").rename_axis("reason").reset_index(), "reasons")
    box = show.on_demand(f"Every record left out ({len(snap.excluded):,}), with its reason", "x_excluded")
    if box.open:
        with box:
            st.dataframe(
                snap.excluded.rename(
                    columns={
                        "source": "Source",
                        "source_id": "Record",
                        "name": "Name",
                        "reason": "Why left out",
                    }
                ),
                hide_index=True,
                width="stretch",
            )
    st.markdown("**Known vs unknown attributes**")
    grid(
        pd.DataFrame(
            {
                taxonomy.GROUP_BY_ID[g].label if g in taxonomy.GROUP_BY_ID else g: {
                    "known": d["known"],
                    "unknown": d["unknown"],
                }
                for g, d in report.by_taxonomy_value.items()
            }
        )
        .T.rename_axis("attribute")
        .reset_index(),
        "attributes",
    )

st.header("Downloads")
notes = show.download_notes(
    "LA County mental-health capacity dashboard: processed table (codes and flags as in the snapshot)",
    registry.cite(*registry.SOURCES),
    ctx.page_path,
    data,
)
downloads = [
    ("Facilities, one row per site, all columns", snap.facilities, "facilities"),
    ("Areas: SPA, district, county denominators and beds", snap.areas, "areas"),
    ("Census tracts: denominators, SPA, district", snap.tracts, "tracts"),
    ("Psychiatric bed facilities", snap.beds, "beds"),
    ("Records left out, with reasons", snap.excluded, "excluded"),
    ("Drive time by tract, OEPS", snap.drive_time, "drive-time"),
    ("Shortage areas, HPSA", snap.hpsa, "hpsa"),
]
for label, frame, name in downloads:
    show.download(label, frame, notes, f"data-{name}", data)
