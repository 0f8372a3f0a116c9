"""Per-capita measures, denominators and distances on tiny hand-computable cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dashboard.analysis import metrics
from dashboard.analysis.filters import FilterState, FlagIndex
from tests.fixtures.facilities import areas, facility, frame, tracts

MI = metrics.MILES_PER_DEGREE_LAT  # miles per degree of latitude


def test_denominator_follows_the_population_filter():
    assert metrics.denominator(FilterState()).columns == ("pop_total",)
    assert metrics.denominator(FilterState(population=("children",))).columns == ("pop_0_17",)
    assert metrics.denominator(FilterState(population=("seniors",))).columns == ("pop_65p",)
    assert metrics.denominator(FilterState(payment=("medi_cal",))).columns == ("pov133",)
    both = metrics.denominator(FilterState(population=("children", "seniors")))
    assert both.columns == ("pop_0_17", "pop_65p") and "0-17 or" in both.label


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
    from dashboard.analysis.filters import match

    t = metrics.area_table(FAC, match(IDX, state).mask, TRACTS, AREAS, "spa", den).set_index("area")
    assert t.loc[1, "sites"] == 1 and t.loc[2, "sites"] == 0
    assert t.loc[1, "population"] == 700  # children in t1 + t2
    assert t.loc[1, "sites_per_100k"] == pytest.approx(1 / 700 * 100_000)
    assert t.loc[2, "beds"] == 140 and t.loc[2, "beds_excl_state"] == 40
    assert t.loc[2, "beds_per_100k"] == pytest.approx(140 / 3000 * 100_000)


def test_headline_with_and_without_state_hospital():
    h = metrics.headline(FAC, IDX, TRACTS, FilterState())
    assert h.sites == 3 and h.population == 6000 and h.residents == 6000
    assert h.beds == 140 and h.beds_excl_state == 40
    assert h.beds_per_100k == pytest.approx(140 / 6000 * 100_000)
    h_med = metrics.headline(FAC, IDX, TRACTS, FilterState(payment=("medi_cal",), miles=5))
    assert h_med.denominator.columns == ("pov133",) and h_med.population == 1000
    assert h_med.sites == 1 and h_med.unknown == 2
    # Only "Near" accepts Medi-Cal: t2 (100 poor residents) and t3 (600) are > 5 miles away.
    assert h_med.residents_far == 700 and h_med.share_far == pytest.approx(0.7)


def test_headline_for_one_area():
    h = metrics.headline(FAC, IDX, TRACTS, FilterState(spa=(2,)))
    assert h.sites == 2 and h.population == 3000 and h.beds == 140


def test_continuum_table_county_row():
    t = metrics.continuum_table(FAC, IDX, TRACTS, AREAS, FilterState())
    county = t[t["area"] == 0].iloc[0]
    assert county["outpatient_sites"] == 1 and county["beds"] == 140
    assert county["beds_excl_state_per_100k"] == pytest.approx(40 / 6000 * 100_000)
