"""Inpatient vs outpatient, Gaps & access and Data & methods pages in AppTest."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.analysis import costs, metrics, prices
from dashboard.analysis.filters import FilterState
from tests.app.conftest import all_tables, count, group_pills, metric, share_link


def usd(text: str) -> float:
    return float(text.replace("$", "").replace(",", "").replace("−", "-"))


# --------------------------------------------------------------------------- compare


def test_compare_defaults(run, built):
    at = run("compare")
    d = prices.default_assumptions(built.benchmarks)
    ip = costs.inpatient_episode(d.inpatient)
    op = costs.outpatient_episode(d.outpatient)
    assert usd(metric(at, "Inpatient episode")) == pytest.approx(ip.total, abs=0.01)
    assert usd(metric(at, "Outpatient episode")) == pytest.approx(op.total, abs=0.01)
    # The unit-price table names the missing LA Medi-Cal rates instead of filling them in.
    price_table = next(df for df in all_tables(at) if "Payer" in df.columns)
    missing = price_table[price_table["Price (USD)"].isna()]
    assert len(missing) >= 3 and missing["Item"].str.contains("Medi-Cal").any()
    assert "rates" not in at.query_params  # untouched defaults stay out of the link


def test_changing_length_of_stay_moves_the_inpatient_cost_by_days_times_per_diem(run):
    at = run("compare")
    before = usd(metric(at, "Inpatient episode"))
    per_diem = at.number_input(key="c_perdiem").value
    days = at.number_input(key="c_los").value
    at.number_input(key="c_los").set_value(days + 3).run()
    assert not at.exception
    assert usd(metric(at, "Inpatient episode")) == pytest.approx(before + 3 * per_diem, abs=0.01)
    assert at.query_params["los"] == f"{days + 3:g}"


def test_compare_link_reproduces_scenario(run):
    at = run("compare", {"los": "14", "perdiem": "1000", "divert": "50", "wspa": "6", "sites": "3"})
    assert usd(metric(at, "Inpatient episode")) == pytest.approx(14_000.0)
    op = usd(metric(at, "Outpatient episode"))
    assert usd(metric(at, "Change in annual cost")) == pytest.approx(50 * (op - 14_000), abs=1)
    assert at.selectbox(key="c_wspa").value == 6
    assert metric(at, "Outpatient sites per 100k")


def test_compare_junk_inputs_give_a_notice(run, built):
    at = run("compare", {"los": "-5", "perdiem": "abc", "rates": "mars", "wspa": "12"})
    text = " ".join(i.value for i in at.info).replace("\\", "")  # markdown escapes
    assert "los" in text and "perdiem" in text and "rates" in text and "wspa" in text
    d = prices.default_assumptions(built.benchmarks)
    assert usd(metric(at, "Inpatient episode")) == pytest.approx(costs.inpatient_episode(d.inpatient).total)


def test_compare_follows_the_shared_filters(run, built, idx):
    at = run("compare", {"pop": "children"})
    t = metrics.continuum_table(
        built.facilities, idx, built.tracts, built.areas, FilterState(population=("children",))
    )
    table = next(df for df in all_tables(at) if "Outpatient sites" in df.columns)
    assert list(table["Outpatient sites"]) == list(t["outpatient_sites"])


def test_compare_shows_beds_within_reach_beside_beds_inside_the_lines(run, built, idx):
    """Issue 22, the inpatient view: licensed beds per 100k residents within the sidebar's
    distance (2SFCA, each hospital's beds as its supply), per SPA part of District 2, the
    selection and the county, as analysis.catchment gives them; the chart marks them."""
    from dashboard.analysis import catchment

    at = run("compare", {"sd": "2", "miles": "10"})
    state = FilterState(sd=(2,), miles=10)
    fac, tracts = built.facilities, built.tracts
    beds = metrics.beds_in(fac, exclude_state=True)
    reach = catchment.tract_reach(tracts, fac, beds > 0, tracts["pop_total"].to_numpy(), 10, supply=beds)
    cont = metrics.continuum_table(fac, idx, tracts, built.areas, state)
    # Each SPA row: its tracts inside District 2; then District 2; then the county.
    in_sd2 = reach.loc[tracts["sd"].to_numpy() == 2]
    parts = [in_sd2.loc[in_sd2["spa"] == a] for a in cont["area"].iloc[:-2]] + [in_sd2, reach]
    want = pd.Series([catchment.area_reach(p).iloc[0]["reach"] for p in parts])
    table = next(df for df in all_tables(at) if "Outpatient sites" in df.columns)
    shown = table["Beds per 100k residents within 10 mi (2SFCA)"]
    assert shown.tolist() == pytest.approx(want.round(1).tolist(), abs=1e-9)
    assert shown.iloc[-1] == pytest.approx(table["Beds per 100k residents"].iloc[-1], abs=0.1)  # county
    assert (shown.iloc[:-2] != table["Beds per 100k residents"].iloc[:-2]).any()  # lines crossed
    assert any(f"County: {want.iloc[-1]:.1f} per 100k within reach" in c.value for c in at.caption)
    beds_chart = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert [t["type"] for t in beds_chart["data"]] == ["bar", "scatter"]
    marks = beds_chart["data"][1]
    assert marks["name"].startswith("Within 10 mi")
    xs = np.frombuffer(base64.b64decode(marks["x"]["bdata"]), marks["x"]["dtype"])  # plotly's typed array
    assert xs.tolist() == pytest.approx(want.tolist())


# --------------------------------------------------------------------------- gaps


def test_gaps_defaults_and_downloads(run, built):
    at = run("gaps")
    far = count(metric(at, "All residents farther than 5 mi"))
    assert 0 <= far < built.tracts["pop_total"].sum()
    assert any(b.label.startswith("Download all tracts") for b in at.get("download_button"))


def test_gaps_filtered_state_from_link(run, built, idx):
    state = FilterState(population=("children",), setting=("outpatient",), miles=10)
    at = run("gaps", {"pop": "children", "set": "outpatient", "miles": "10"})
    den = metrics.denominator(state)
    acc = metrics.tract_access(built.tracts, built.facilities, metrics.access_mask(idx, state), den, 10)
    assert count(metric(at, "Residents aged 0-17 farther than 10 mi")) == int(acc["residents_far"].sum())


def test_gaps_no_matching_site_says_so(run, built):
    at = run("gaps", {"q": "no such facility name xyz"})
    assert any("No site matches" in w.value for w in at.warning)
    assert count(metric(at, "All residents farther")) == int(built.tracts["pop_total"].sum())


# --------------------------------------------------------------------------- data


def test_data_page_lists_every_filter_value_the_sidebar_offers(run):
    at = run("data")
    table = next(df for df in all_tables(at) if "source codes" in df.columns)
    offered = set()
    for g in taxonomy.GROUPS:
        pills = group_pills(at, g.id)
        labels = [o.rsplit(" (", 1)[0] for o in pills.options]  # "Children and adolescents (123)"
        offered |= {(g.id, v.id) for v in g.values if v.label in labels}
    listed = set()
    for g in taxonomy.GROUPS:
        sub = table[table["filter"] == g.label]
        listed |= {(g.id, v) for v in sub["id"]}
    assert listed == offered
    assert len(offered) == sum(len(g.values) for g in taxonomy.GROUPS)
    assert any("anxiety" in i.value.lower() for i in at.info)


def test_data_page_sources_and_downloads(run, built):
    at = run("data")
    sources = next(df for df in all_tables(at) if "Publisher" in df.columns)
    assert len(sources) == 12
    labels = [b.label for b in at.get("download_button")]
    assert any("Facilities" in b for b in labels) and any("Areas" in b for b in labels)


def test_the_compare_memo_lists_its_inputs_as_one_table_and_keeps_them(run, built):
    """Issue 21, point 2: the memo layout prints the cost inputs as one assumptions table
    (no input boxes), the unit prices as a whole table (no scroll box), charts page-wide;
    back on screen, the values set before are still there."""
    at = run("compare", {"los": "14", "wspa": "6", "memo": "1"})
    assert not at.number_input and not at.selectbox and not at.dataframe
    inputs = next(t for t in all_tables(at) if "Input" in t.columns)
    row = inputs.set_index("Input")
    assert (
        str(row.loc["Length of stay", "Value"]) == "14"
        and "Your value" in row.loc["Length of stay", "Source"]
    )
    assert row.loc["What-if SPA", "Value"] == "SPA 6"
    assert "IP-04" in row.loc["Inpatient per diem", "Source"]
    price_rows = next(t for t in all_tables(at) if "Price (USD)" in t.columns)
    assert len(price_rows) == len(prices.unit_prices(built.benchmarks))
    charts = at.get("plotly_chart")
    assert len(charts) == 3 and all(json.loads(c.proto.spec)["layout"]["width"] == 700 for c in charts)
    assert usd(metric(at, "Inpatient episode")) == pytest.approx(14 * 892.87, abs=0.01)
    at.toggle(key="v_memo").set_value(False).run()  # back to the screen layout
    assert at.number_input(key="c_los").value == 14 and at.selectbox(key="c_wspa").value == 6


def test_the_what_if_spa_follows_the_sidebar_unless_chosen(run):
    """Issue 21, point 8: the sidebar selects SPA 6 -> the what-if starts on SPA 6; a link
    that chose another keeps it."""
    assert run("compare", {"spa": "6"}).selectbox(key="c_wspa").value == 6
    assert run("compare", {"spa": "6", "wspa": "4"}).selectbox(key="c_wspa").value == 4
    assert run("compare", {"spa": "6,7"}).selectbox(key="c_wspa").value is None


def test_gaps_shows_capacity_within_reach_for_the_selection_and_the_county(run, built, idx):
    """Issue 22: children's sites per 100k within the distance (2SFCA) in District 2, the
    same figure as analysis.catchment gives, the county's beside it, tables by area."""
    from dashboard.analysis import catchment

    at = run("gaps", {"sd": "2", "pop": "children", "miles": "5"})
    state = FilterState(sd=(2,), population=("children",), miles=5)
    den = metrics.denominator(state)
    reach = catchment.tract_reach(
        built.tracts, built.facilities, metrics.access_mask(idx, state), den.of(built.tracts).to_numpy(), 5
    )
    mine = catchment.area_reach(reach.loc[metrics.tract_mask(built.tracts, state)]).iloc[0]
    assert metric(at, "Sites per 100k residents aged 0-17 within 5 mi") == f"{mine['reach']:.1f}"
    county = catchment.area_reach(reach).iloc[0]
    assert any(f"County: {county['reach']:.1f} within reach" in c.value for c in at.caption)
    column = "Sites per 100k within 5 mi (2SFCA)"
    assert not any(column in t.columns for t in all_tables(at))  # folded until opened
    at.session_state["x_reach"] = True  # open the section, as a user does
    at.run()
    by_sd = next(t for t in all_tables(at) if column in t.columns and len(t) == 1)
    assert by_sd["Sites per 100k within 5 mi (2SFCA)"].iloc[0] == pytest.approx(mine["reach"], abs=0.05)


def test_gaps_counts_residents_beyond_the_time_or_distance_standard(run, built, idx):
    """Issue 22: children in District 2 and the county beyond 15 miles from an outpatient
    Medi-Cal site and beyond 30 minutes (OEPS), as analysis.metrics counts them; the page says
    the value is not confirmed and names the statute."""
    params = {"sd": "2", "pop": "children", "pay": "medi_cal", "set": "outpatient", "miles": "15"}
    at = run("gaps", params)
    state = FilterState(
        sd=(2,), population=("children",), payment=("medi_cal",), setting=("outpatient",), miles=15
    )
    den = metrics.denominator(state)
    acc = metrics.tract_access(built.tracts, built.facilities, metrics.access_mask(idx, state), den, 15)
    acc = metrics.with_drive_time(acc, built.drive_time, 30)
    county = metrics.beyond_standard(acc).iloc[0]
    mine = metrics.beyond_standard(acc.loc[metrics.tract_mask(built.tracts, state)]).iloc[0]
    assert count(metric(at, "Residents aged 0-17 beyond 15 mi and 30 min")) == mine["beyond"]
    assert county["beyond"] > 0  # the Antelope Valley's far tracts
    captions = " ".join(c.value for c in at.caption)
    assert "§14197" in captions and "could not be confirmed" in captions
    assert f"County: {int(county['beyond']):,} residents aged 0-17" in captions
    by_sd = metrics.beyond_standard(acc, by="sd")
    assert by_sd["beyond"].sum() == county["beyond"]


def test_the_standards_minutes_are_the_users_to_set_and_the_link_keeps_them(run, built, idx):
    """Issue 22: the standard's time could not be confirmed, so the user sets it (as the
    distance): 10 minutes counts the children beyond 10 mi and 10 min, the link carries
    mins=10, and the Map headline opened from that link counts the same minutes."""
    state = FilterState(population=("children",), miles=10)
    acc = metrics.tract_access(
        built.tracts, built.facilities, metrics.access_mask(idx, state), metrics.denominator(state), 10
    )
    counts = {
        m: int(metrics.beyond_standard(metrics.with_drive_time(acc, built.drive_time, m)).iloc[0]["beyond"])
        for m in (10, 30)
    }
    assert counts[10] > counts[30]  # the setting changes the figure
    at = run("gaps", {"pop": "children", "miles": "10"})
    assert count(metric(at, "Residents aged 0-17 beyond 10 mi and 30 min")) == counts[30]
    at.segmented_control(key="v_minutes").set_value(10).run()
    assert count(metric(at, "Residents aged 0-17 beyond 10 mi and 10 min")) == counts[10]
    assert "mins=10" in share_link(at)
    # The Map headline (cached per view across sessions) counts each link's own minutes.
    mapped = run(params={"pop": "children", "miles": "10"})
    assert any(f"; {counts[30]:,} also beyond 30 minutes' drive" in c.value for c in mapped.caption)
    mapped = run(params={"pop": "children", "miles": "10", "mins": "10"})
    assert any(f"; {counts[10]:,} also beyond 10 minutes' drive" in c.value for c in mapped.caption)


def test_the_gaps_tract_map_can_show_capacity_within_reach_and_the_link_keeps_it(run):
    at = run("gaps", {"gmap": "reach", "miles": "10"})
    assert at.radio(key="v_gmap").value == "reach"
    assert any("Sites per 100k within 10 mi" in m.value for m in at.markdown)
    assert "gmap=reach" in share_link(at)
    at.radio(key="v_gmap").set_value("miles").run()
    assert "gmap" not in share_link(at) and any("Miles to nearest site" in m.value for m in at.markdown)
