"""What a deputy, a planner and a journalist see under real filter combinations (AppTest):
the state forensic hospital switch, sites with unknown attributes, several populations,
area selections, the memo layout, reset, the cost page's inputs and the Data page's names."""

from __future__ import annotations

import pytest

from dashboard import config, snapshot
from dashboard.analysis import filters, metrics, prices
from dashboard.analysis.filters import FilterState
from dashboard.vocab import DRIVE_MINUTES
from tests.app.conftest import all_tables, count, facility_grid, metric, tables_shown

SNAP = snapshot.read(config.data_dir())
IDX = filters.FlagIndex.build(SNAP.facilities)


def headline(state: FilterState) -> metrics.Headline:
    return metrics.headline(SNAP.facilities, IDX, SNAP.tracts, state)


def test_state_hospital_switch_applies_to_every_bed_figure_and_is_in_the_link(run):
    off, on = headline(FilterState()), headline(FilterState(state_hospital=True))
    assert on.beds - off.beds == off.state_hospital_beds == 1004
    at = run()
    assert metric(at, "Psychiatric beds per 100k") == f"{off.beds_per_100k:.1f}"
    assert at.checkbox(key="f_dsh").value is False
    at.checkbox(key="f_dsh").check().run()
    assert metric(at, "Psychiatric beds per 100k") == f"{on.beds_per_100k:.1f}"
    assert at.query_params["dsh"] == "1"
    # The area table (SPA 7 holds the hospital) and the cost page follow the same switch.
    table = tables_shown(at)[0].set_index("Name")
    beds = next(c for c in table.columns if c.startswith("Licensed acute psych beds"))
    east = SNAP.areas.query("level == 'spa' and area == 7")["name"].iloc[0]
    assert table.loc[east, beds] == SNAP.areas.query("level == 'spa' and area == 7")["beds"].iloc[0]
    compare = run("compare", {"dsh": "1"})
    chart_table = next(d for d in all_tables(compare) if "Beds per 100k residents" in d.columns)
    county = chart_table.set_index("Area").loc["Los Angeles County"]
    assert county["Beds per 100k residents"] == pytest.approx(on.beds_per_100k, abs=0.05)


@pytest.mark.parametrize("page", ["map", "gaps", "compare"])
def test_sites_with_unknown_attributes_are_called_out_where_counts_are(run, page):
    state = FilterState(population=("children",))
    m = filters.match(IDX, state)
    at = run(page, {"pop": "children"})
    warnings = " ".join(w.value for w in at.warning)
    assert "might" in warnings and "unknown" in warnings
    if page == "map":
        assert f"**{int(m.unknown.sum()):,} more sites might match**" in warnings
        assert count(metric(at, "Matching sites")) == m.count
    included = run(page, {"pop": "children", "unk": "1"})
    if page != "compare":
        assert f"**{int(m.unknown.sum()):,} of these sites have unknown attributes**" in " ".join(
            i.value for i in included.info
        )


def test_one_rule_for_what_might_match_and_each_page_says_where_it_counts(run):
    """District 2: the Map counts unknown-attribute sites in the district, the cost page the
    district's possible outpatient sites, Gaps the whole county (its distances cross lines)."""
    state = FilterState(population=("children",), sd=(2,))
    in_district = int(filters.match(IDX, state).unknown.sum())
    county = int(filters.match(IDX, FilterState(population=("children",))).unknown.sum())
    assert 0 < in_district < county
    notes = {
        p: " ".join(w.value for w in run(p, {"pop": "children", "sd": "2"}).warning)
        for p in ("map", "gaps", "compare")
    }
    assert f"**{in_district:,} more sites might match** in district 2 but" in notes["map"]
    assert f"**{county:,} more sites might match** anywhere in the county" in notes["gaps"]
    outpatient = int(
        filters.match(
            IDX, FilterState(population=("children",), sd=(2,), setting=("outpatient",))
        ).unknown.sum()
    )
    assert f"**{outpatient:,} more outpatient sites might match** in district 2 but" in notes["compare"]
    for text in notes.values():  # the rule, stated the same way on every page
        assert "they pass every other filter, and their attributes are unknown" in text


def test_several_populations_name_their_denominator_and_give_one_rate_each(run):
    h = headline(FilterState(population=("children", "adults")))
    at = run(params={"pop": "children,adults"})
    label = "Sites per 100k residents aged 0-17 and residents aged 18-64, combined"
    assert metric(at, label) == f"{h.sites_per_100k:.1f}"
    captions = " ".join(c.value for c in at.caption)
    for lab, n, rate in h.per_population:
        assert f"{rate:.1f} per 100k {lab} ({n:,})" in captions


def test_a_district_selection_keeps_rates_on_the_same_ground(run):
    at = run(params={"sd": "2"})
    table = tables_shown(at)[0]
    state = FilterState(sd=(2,))
    t = SNAP.tracts[metrics.tract_mask(SNAP.tracts, state)]
    areas, county = table[table["Area"] != 0], table[table["Area"] == 0]  # the county's row last
    assert len(areas) == t["spa"].nunique() < 8  # only SPAs with ground in district 2
    assert areas["All residents (2018)"].sum() == t["pop_total"].sum()
    assert areas["Matching sites"].sum() == filters.match(IDX, state).count
    assert county["All residents (2018)"].item() == SNAP.tracts["pop_total"].sum()
    captions = " ".join(c.value for c in at.caption)
    assert "the selected areas only" in captions


def test_memo_layout_prints_tables_whole_and_the_map_as_a_chart(run):
    at = run(params={"sd": "2", "memo": "1"})
    assert len(at.dataframe) == 0  # scroll boxes would be cut in print
    shown = tables_shown(at)
    assert len(shown) >= 3  # headline figures, facilities, areas
    assert at.get("plotly_chart"), "the map as a static chart (saves as PNG, prints)"
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Showing district 2." in spec and "data built" in spec and "View:" in spec  # the PNG caption
    figures = shown[0]
    assert list(figures.columns) == ["Figure", "Value", "Los Angeles County", "Denominator and source"]
    assert "per" in " ".join(figures["Denominator and source"])
    assert any("this view:" in m.value for m in at.markdown)


def test_reset_restores_every_setting(run):
    at = run(
        params={"pop": "children", "miles": "10", "measure": "beds", "level": "sd", "dsh": "1", "sd": "2"}
    )
    at.button[0].click().run()
    assert dict(at.query_params) == {}
    assert at.checkbox(key="f_dsh").value is False and at.segmented_control(key="f_miles").value == 5


def test_reset_puts_the_cost_inputs_back_to_their_defaults_too(run, built):
    at = run("compare", {"los": "12", "perdiem": "900", "wspa": "4", "pop": "children"})
    assert at.number_input(key="c_los").value == 12
    at.button[0].click().run()
    assert not at.exception
    d = prices.default_assumptions(built.benchmarks)
    assert at.number_input(key="c_los").value == d.inpatient.length_of_stay_days
    assert at.number_input(key="c_perdiem").value == d.inpatient.per_diem
    assert at.selectbox(key="c_wspa").value is None
    assert dict(at.query_params) == {}


def test_cost_inputs_stay_on_the_cost_page(run):
    at = run("compare", {"los": "12", "pop": "children"})
    assert at.query_params["los"] == "12"
    at.switch_page("../pages/map.py").run()
    assert not at.exception
    assert dict(at.query_params) == {"v": "1", "pop": "children"}
    at.switch_page("../pages/compare.py").run()  # and back: the assumptions are still there
    assert at.query_params["los"] == "12"


def test_cost_page_inputs_and_savings_read_plainly(run):
    at = run("compare")
    labels = [n.label for n in at.number_input]
    assert "Per diem adjustment (multiplier)" in labels and not any("((" in lab for lab in labels)
    assert {n.proto.format for n in at.number_input} <= {"%g", "%d"}  # 10 and 7.9, not 10.00
    captions = " ".join(c.value for c in at.caption)
    assert "A saving: 100 admissions a year" in captions
    assert "the same anywhere in the county" in " ".join(c.value for c in at.caption)


def test_gaps_tables_use_one_format_and_list_only_tracts_with_residents_far(run):
    at = run("gaps", {"miles": "10"})
    frames = all_tables(at)
    distances = frames[0]
    assert distances["Share (%)"].round(1).equals(distances["Share (%)"])
    tracts = next(f for f in frames if "Tract (2010 GEOID)" in f.columns)
    assert (tracts["Residents far"] > 0).all() and len(tracts) > 0
    spa = next(f for f in frames if "Share far (%)" in f.columns)
    assert spa["Share far (%)"].round(1).equals(spa["Share far (%)"])


def test_data_page_names_sources_not_internal_ids(run):
    at = run("data")
    frames = all_tables(at)
    by_source = next(f for f in frames if list(f.columns) == ["source", "sites"])
    assert not any("_" in str(i) for i in by_source["source"]), list(by_source["source"])


def test_gaps_page_shows_drive_time_as_a_second_lens_and_the_shortage_areas(run):
    at = run("gaps")
    drive = metrics.drive_time_summary(SNAP.drive_time, metrics.denominator(FilterState())).iloc[0]
    for minutes in DRIVE_MINUTES:
        assert count(metric(at, f"All residents beyond {minutes} min")) == drive[f"beyond_{minutes}"]
    captions = " ".join(c.value for c in at.caption)
    assert "not recomputed for the sidebar's filters" in captions and "free-flow" in captions
    hpsa = next(d for d in all_tables(at) if "HPSA id" in d.columns)
    assert len(hpsa) == len(SNAP.hpsa) == 31 and (hpsa["Status"] == "Designated").sum() == 26
    assert "no polygons" in captions  # why there is no map of them
    by_district = next(d for d in all_tables(at) if "Beyond 30 min" in d.columns and len(d) == 5)
    assert by_district["Beyond 10 min"].sum() == drive["beyond_10"]


def test_operator_filter_is_in_the_sidebar_the_link_and_the_tables(run):
    state = FilterState(operator=("for_profit",))
    at = run(params={"op": "for_profit"})
    assert at.pills(key="f_operator").value == ["for_profit"]
    assert count(metric(at, "Matching sites")) == filters.match(IDX, state).count
    assert facility_grid(at)["Operated by"].str.contains("Private for-profit").all()
    # The sidebar says how little of the county's own network the federal directory holds.
    assert "own clinic network" in at.pills(key="f_operator").label


def test_district_table_gives_the_population_range_of_tracts_on_a_line(run):
    at = run(params={"level": "sd"})
    table = tables_shown(at)[0]
    pop = table["All residents (2018)"]
    low, high = table["All residents, at least (2018)"], table["All residents, at most (2018)"]
    assert ((low <= pop) & (pop <= high) & (low < high)).all()
    assert pop.sum() == SNAP.areas.query("level == 'county'")["pop_total"].iloc[0]
    assert "between 'at least' and 'at most'" in " ".join(c.value for c in at.caption)


def test_an_area_figure_stands_beside_the_county_figure(run):
    """District 2 and children: each headline figure's caption gives the county's, and the
    area table ends with the whole county (area 0), the same figures as the unfiltered view."""
    at = run("map", {"pop": "children", "sd": "2"})
    whole = headline(FilterState(population=("children",)))
    captions = " ".join(c.value for c in at.caption)
    assert f"in district 2; county: {whole.sites:,}" in captions
    assert f"county: {whole.sites_per_100k:.1f} per 100k" in captions
    table = next(d for d in all_tables(at) if "Sites per 100k" in d.columns)
    last = table.iloc[-1]
    assert (last["Area"], last["Name"]) == (0, "Los Angeles County (all areas)")
    assert last["Matching sites"] == whole.sites
    assert last["Sites per 100k"] == pytest.approx(whole.sites_per_100k, abs=0.05)
    # without an area there is no county row and no county caption
    plain = run("map", {"pop": "children"})
    assert "county:" not in " ".join(c.value for c in plain.caption)
    memo = run("map", {"pop": "children", "sd": "2", "memo": "1"})
    figures = next(d for d in all_tables(memo) if "Figure" in d.columns)
    assert "Los Angeles County" in figures.columns
