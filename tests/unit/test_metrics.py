"""Per-capita measures, denominators and distances on tiny hand-computable cases."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard.analysis import metrics
from dashboard.analysis.filters import FilterState, FlagIndex, match
from tests.fixtures.facilities import areas, facility, frame, tracts

MI = metrics.MILES_PER_DEGREE_LAT  # miles per degree of latitude


def test_denominator_follows_the_population_filter():
    assert metrics.denominator(FilterState()).columns == ("pop_total",)
    assert metrics.denominator(FilterState(population=("children",))).columns == ("pop_0_17",)
    assert metrics.denominator(FilterState(population=("seniors",))).columns == ("pop_65p",)
    assert metrics.denominator(FilterState(payment=("medi_cal",))).columns == ("pov133",)
    both = metrics.denominator(FilterState(population=("children", "seniors")))
    assert both.columns == ("pop_0_17", "pop_65p")
    assert both.label == "residents aged 0-17 and residents aged 65+, combined"


def test_denominator_notes_where_no_estimate_exists():
    vets = metrics.denominator(FilterState(population=("veterans",)))
    assert vets.columns == ("pop_total",) and "veterans" in vets.note
    kids_mc = metrics.denominator(FilterState(population=("children",), payment=("medi_cal",)))
    assert kids_mc.columns == ("pop_0_17",) and "all incomes" in kids_mc.note
    # Medi-Cal *or* Medicare is not a Medi-Cal population.
    assert metrics.denominator(FilterState(payment=("medi_cal", "medicare"))).columns == ("pop_total",)


def test_per_100k():
    assert metrics.per_100k(5, 250_000) == pytest.approx(2.0)
    assert math.isnan(metrics.per_100k(5, 0))
    np.testing.assert_allclose(metrics.per_100k([1, 2], [100_000, 50_000]), [1.0, 4.0])


def test_nearest_miles_on_a_grid():
    # One facility at the origin; tracts due north 0.1 and 0.2 degrees, and one due east.
    d = metrics.nearest_miles([-118.0, -118.0, -117.9], [34.1, 34.2, 34.0], [-118.0], [34.0])
    assert d[0] == pytest.approx(0.1 * MI, rel=1e-6)
    assert d[1] == pytest.approx(0.2 * MI, rel=1e-6)
    # East-west distance shrinks with latitude (about 0.83 at LA), within 1% of great circle.
    great_circle = 2 * 3958.8 * math.asin(math.cos(math.radians(34)) * math.sin(math.radians(0.05)))
    assert d[2] == pytest.approx(great_circle, rel=0.01)


def test_nearest_miles_with_no_destination_is_infinite():
    d = metrics.nearest_miles([-118.0], [34.0], [], [])
    assert np.isinf(d).all()


TRACTS = tracts(
    [
        # geoid, spa, sd, lon, lat, total, 0-17, 18-64, 65+, pov133
        ("t1", 1, 1, -118.0, 34.00, 1000, 200, 600, 200, 300),
        ("t2", 1, 2, -118.0, 34.10, 2000, 500, 1200, 300, 100),  # 6.9 mi from the facility
        ("t3", 2, 2, -118.0, 34.30, 3000, 1000, 1500, 500, 600),  # 20.7 mi
    ]
)
FAC = frame(
    [
        facility("Near", -118.0, 34.0, ["OP", "CHLD", "MD"], spa=1, sd=1),
        facility(
            "Hospital",
            -118.0,
            34.30,
            None,
            licence="Acute Psychiatric Hospital",
            spa=2,
            sd=2,
            beds=40,
            kind="inpatient",
            licence_operator="local_government",  # a county hospital, by its licence name
        ),
        facility(
            "State",
            -118.0,
            34.31,
            None,
            licence="Acute Psychiatric Hospital",
            spa=2,
            sd=2,
            beds=100,
            state_hospital=True,
            kind="inpatient",
        ),
    ]
)
IDX = FlagIndex.build(FAC)
AREAS = areas()


def test_tract_access_and_far_summary():
    state = FilterState(setting=("outpatient",))
    den = metrics.denominator(state)
    acc = metrics.tract_access(TRACTS, FAC, metrics.access_mask(IDX, state), den, miles=5)
    assert list(acc["far"]) == [False, True, True]
    s = metrics.far_summary(acc).iloc[0]
    assert s["residents"] == 6000 and s["residents_far"] == 5000
    assert s["share_far"] == pytest.approx(5000 / 6000)
    by_spa = metrics.far_summary(acc, by="spa")
    assert by_spa.loc[1, "residents_far"] == 2000 and by_spa.loc[2, "residents_far"] == 3000


def test_catchment_covering_everything_leaves_nobody_far():
    acc = metrics.tract_access(
        TRACTS, FAC, np.ones(len(FAC), bool), metrics.denominator(FilterState()), miles=100
    )
    assert acc["residents_far"].sum() == 0


def test_no_matching_facility_makes_every_tract_far():
    acc = metrics.tract_access(
        TRACTS, FAC, np.zeros(len(FAC), bool), metrics.denominator(FilterState()), miles=5
    )
    assert acc["far"].all() and acc["residents_far"].sum() == 6000


def test_area_table_counts_and_rates():
    state = FilterState(population=("children",))
    den = metrics.denominator(state)
    t = metrics.area_table(FAC, match(IDX, state), TRACTS, AREAS, state, den).set_index("area")
    assert t.loc[1, "sites"] == 1 and t.loc[2, "sites"] == 0
    assert t.loc[2, "unknown_sites"] == 2  # the two hospitals: populations unknown
    assert t.loc[1, "population"] == 700  # children in t1 + t2
    assert t.loc[1, "sites_per_100k"] == pytest.approx(1 / 700 * 100_000)
    assert t["selected"].all()
    # The state forensic hospital counts only when switched on.
    assert t.loc[2, "beds"] == 40 and t.loc[2, "beds_per_100k"] == pytest.approx(40 / 3000 * 100_000)
    on = replace(state, state_hospital=True)
    t_on = metrics.area_table(FAC, match(IDX, on), TRACTS, AREAS, on, den).set_index("area")
    assert t_on.loc[2, "beds"] == 140


def test_area_table_under_a_district_filter_uses_the_same_ground_for_both_sides():
    """SPA rows with district 2 selected: SPA 1 counts only t2 (its district-2 tract) in the
    denominator, as its numerator counts only sites in district 2 (the old table divided
    them by SPA 1's whole population)."""
    state = FilterState(sd=(2,))
    den = metrics.denominator(state)
    t = metrics.area_table(FAC, match(IDX, state), TRACTS, AREAS, state, den).set_index("area")
    assert t.loc[1, "sites"] == 0 and t.loc[1, "population"] == 2000  # t2 only, not t1
    assert t.loc[2, "sites"] == 2 and t.loc[2, "population"] == 3000
    assert bool(t.loc[1, "selected"]) and bool(t.loc[2, "selected"])
    # District 1 selected instead: SPA 2 has no tract in it, so it is out of the selection.
    d1 = FilterState(sd=(1,))
    t1 = metrics.area_table(FAC, match(IDX, d1), TRACTS, AREAS, d1, den).set_index("area")
    assert not t1.loc[2, "selected"] and t1.loc[2, "population"] == 0
    assert math.isnan(t1.loc[2, "sites_per_100k"])


def test_headline_state_hospital_switch():
    h = metrics.headline(FAC, IDX, TRACTS, FilterState())
    assert h.sites == 3 and h.population == 6000 and h.residents == 6000
    assert h.beds == 40 and h.state_hospital_beds == 100 and h.county_beds == 40
    assert h.county_beds_per_100k == pytest.approx(40 / 6000 * 100_000)
    assert h.beds_per_100k == pytest.approx(40 / 6000 * 100_000)
    h_on = metrics.headline(FAC, IDX, TRACTS, FilterState(state_hospital=True))
    assert h_on.beds == 140 and h_on.beds_per_100k == pytest.approx(140 / 6000 * 100_000)
    assert h_on.county_beds == 40  # the state hospital is not county-run
    assert metrics.headline(FAC, IDX, TRACTS, FilterState(spa=(1,))).county_beds == 0
    h_med = metrics.headline(FAC, IDX, TRACTS, FilterState(payment=("medi_cal",), miles=5))
    assert h_med.denominator.columns == ("pov133",) and h_med.population == 1000
    assert h_med.sites == 1 and h_med.unknown == 2
    # Only "Near" accepts Medi-Cal: t2 (100 poor residents) and t3 (600) are > 5 miles away.
    assert h_med.residents_far == 700 and h_med.share_far == pytest.approx(0.7)


def test_headline_gives_one_rate_per_population_when_several_are_chosen():
    h = metrics.headline(FAC, IDX, TRACTS, FilterState(population=("children", "seniors")))
    assert h.population == 1700 + 1000  # 0-17 plus 65+
    assert [(lab, n) for lab, n, _ in h.per_population] == [
        ("residents aged 0-17", 1700),
        ("residents aged 65+", 1000),
    ]
    assert h.per_population[0][2] == pytest.approx(h.sites / 1700 * 100_000)
    assert metrics.headline(FAC, IDX, TRACTS, FilterState(population=("children",))).per_population == ()


def test_headline_for_one_area():
    h = metrics.headline(FAC, IDX, TRACTS, FilterState(spa=(2,), state_hospital=True))
    assert h.sites == 2 and h.population == 3000 and h.beds == 140


def test_continuum_table_rows_follow_the_area_filter():
    t = metrics.continuum_table(FAC, IDX, TRACTS, AREAS, FilterState())
    county = t[t["name"] == "Los Angeles County"].iloc[0]
    assert county["outpatient_sites"] == 1 and county["beds"] == 40
    assert county["beds_per_100k"] == pytest.approx(40 / 6000 * 100_000)
    assert "Selected area" not in set(t["name"])
    t2 = metrics.continuum_table(FAC, IDX, TRACTS, AREAS, FilterState(spa=(2,), state_hospital=True))
    assert list(t2["name"]) == [
        AREAS.set_index(["level", "area"]).loc[("spa", 2), "name"],
        "Selected area",
        "Los Angeles County",
    ]
    sel = t2[t2["name"] == "Selected area"].iloc[0]
    assert sel["beds"] == 140 and sel["population"] == 3000 and sel["outpatient_sites"] == 0
    # A district selection cuts SPAs: each SPA row is only its part inside the district.
    sd = int(TRACTS["sd"].iloc[0])
    t3 = metrics.continuum_table(FAC, IDX, TRACTS, AREAS, FilterState(sd=(sd,)))
    spa_rows = t3["name"].iloc[:-2]
    assert len(spa_rows) and spa_rows.str.endswith(" (part)").all()


def test_drive_time_summary_counts_residents_beyond_each_threshold():
    drive = TRACTS.assign(minutes=[5.0, 25.0, 40.0], reliable=[True, True, True])
    den = metrics.denominator(FilterState())
    total = metrics.drive_time_summary(drive, den).iloc[0]
    assert (total["residents"], total["beyond_10"], total["beyond_20"], total["beyond_30"]) == (
        6000,
        5000,
        5000,
        3000,
    )
    assert total["share_30"] == pytest.approx(0.5)
    by_spa = metrics.drive_time_summary(drive, den, by="spa")
    assert by_spa.loc[1, "beyond_10"] == 2000 and by_spa.loc[2, "beyond_30"] == 3000
    # A tract without a reliable value counts apart, not as near or far.
    drive.loc[2, "reliable"] = False
    kids = metrics.denominator(FilterState(population=("children",)))
    s = metrics.drive_time_summary(drive, kids).iloc[0]
    assert (s["residents"], s["beyond_30"], s["tracts_without_value"]) == (700, 0, 1)


def test_group_sums_is_a_groupby_sum_and_leaves_out_rows_without_a_key():
    keys = pd.array([3, 1, None, 3, 1], dtype="Int64")
    values = np.array([1.0, 2.0, 40.0, 5.0, 7.0])
    out = metrics.group_sums(keys, {"v": values, "n": np.ones(5)})
    want = pd.DataFrame({"k": keys, "v": values}).groupby("k")["v"].sum()
    assert out.index.tolist() == [1, 3] and out["v"].tolist() == want.tolist() == [9.0, 6.0]
    assert out["n"].tolist() == [2.0, 2.0]
    whole = metrics.group_sums(None, {"v": values})
    assert whole.index.tolist() == [0] and whole["v"].iloc[0] == values.sum()
