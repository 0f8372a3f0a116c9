"""Capacity within reach (2SFCA / E2SFCA): hand-computed values on small grids, and the
same figures as pysal ``access`` on the committed snapshot's tracts and sites."""

from __future__ import annotations

import access as pysal_access  # pysal's implementation, a test dependency (requirements-dev)
import numpy as np
import pandas as pd
import pytest

from dashboard import config, snapshot
from dashboard.analysis import catchment
from dashboard.analysis.metrics import nearest_miles
from dashboard.vocab import Precision


def test_two_tracts_two_sites_by_hand():
    """Luo & Wang (2003) worked by hand: tract A 1,000 residents, B 3,000; site X supplies
    10, Y 5; miles A-X 5, A-Y 25, B-X 15, B-Y 10; catchment 20 miles.
    X reaches A and B: R_X = 10 / 4,000; Y reaches B only: R_Y = 5 / 3,000.
    A gets R_X = 0.0025; B gets R_X + R_Y = 0.0041667."""
    miles = np.array([[5, 25], [15, 10]], np.float32)
    a = catchment.two_step_fca(catchment.weights(miles, 20), [10, 5], [1000, 3000])
    assert a == pytest.approx([0.0025, 10 / 4000 + 5 / 3000])
    # E2SFCA, zones of a 30-mile catchment (10/20/30 miles: 1, 0.68, 0.22): X's demand is
    # 1000*1 + 3000*0.68; Y's is 3000*1 (A at 25 miles weighs 0.22 for Y).
    w = catchment.weights(miles, 30, catchment.E2SFCA_STEPS)
    assert w.ravel().tolist() == pytest.approx([1.0, 0.22, 0.68, 1.0])
    r_x, r_y = 10 / (1000 + 3000 * 0.68), 5 / (1000 * 0.22 + 3000)
    assert catchment.two_step_fca(w, [10, 5], [1000, 3000]) == pytest.approx(
        [r_x + 0.22 * r_y, 0.68 * r_x + r_y]
    )


def test_no_site_within_reach_is_zero_and_a_site_no_one_reaches_counts_for_no_one():
    miles = np.array([[1, 50], [40, 60]], np.float32)  # tract 2 reaches nothing; site 2 no one
    a = catchment.two_step_fca(catchment.weights(miles, 10), [1, 1], [500, 700])
    assert a.tolist() == pytest.approx([1 / 500, 0.0])
    # Unplaced sites (NaN position) have no weight anywhere.
    m = catchment.miles_matrix([34.0], [-118.0], [34.0, np.nan], [-118.0, np.nan])
    assert catchment.weights(m, 5).tolist() == [[1.0, 0.0]]


def test_miles_are_the_gaps_pages_straight_lines():
    rng = np.random.default_rng(1)
    t_lat, t_lon = 34 + rng.random(30), -118.5 + rng.random(30)
    s_lat, s_lon = 34 + rng.random(12), -118.5 + rng.random(12)
    m = catchment.miles_matrix(t_lat, t_lon, s_lat, s_lon)
    assert m.min(axis=1) == pytest.approx(nearest_miles(t_lon, t_lat, s_lon, s_lat), rel=1e-5)


@pytest.mark.parametrize(
    ("radius", "steps", "beds"),
    [(5, None, False), (10, None, False), (15, catchment.E2SFCA_STEPS, False), (10, None, True)],
)
def test_the_same_figures_as_pysal_access_on_the_countys_tracts_and_sites(radius, steps, beds):
    """Every located site (supply 1, or its licensed beds: the inpatient view) and every
    tract's residents, the same miles: our 2SFCA / E2SFCA equals pysal access's
    two_stage_fca wherever it has a value, and is 0 where it has none (nothing within
    reach)."""
    snap = snapshot.read(config.data_dir())
    fac = snap.facilities[snap.facilities["location_precision"] != Precision.NONE].reset_index(drop=True)
    if beds:
        fac = fac[fac["psych_beds"].fillna(0) > 0].reset_index(drop=True)
    supply = fac["psych_beds"].to_numpy(float) if beds else np.ones(len(fac))
    tracts = snap.tracts
    miles = catchment.miles_matrix(tracts["lat"], tracts["lon"], fac["lat"], fac["lon"])
    ours = catchment.two_step_fca(catchment.weights(miles, radius, steps), supply, tracts["pop_total"])

    i, j = np.nonzero(miles <= radius)
    cost = pd.DataFrame({"origin": i, "dest": j, "miles": miles[i, j].astype(float)})
    a = pysal_access.Access(
        demand_df=pd.DataFrame({"tract": range(len(tracts)), "pop": tracts["pop_total"].astype(float)}),
        demand_index="tract",
        demand_value="pop",
        supply_df=pd.DataFrame({"site": range(len(fac)), "sites": supply}),
        supply_index="site",
        supply_value="sites",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="miles",
    )
    if steps is None:
        theirs = a.two_stage_fca(name="x", max_cost=radius)
    else:
        step = pysal_access.weights.step_fn({share * radius: w for share, w in steps})
        theirs = a.enhanced_two_stage_fca(name="x", max_cost=radius, weight_fn=step)
    theirs = theirs.iloc[:, 0].reindex(range(len(tracts))).to_numpy()
    has = ~np.isnan(theirs)
    assert has.sum() > (1500 if beds else 2000)
    # Per 100k residents the two agree to a millionth (float32 miles, summation order).
    assert np.abs(ours[has] - theirs[has]).max() * 1e5 < 1e-6
    assert (ours[~has] == 0).all()


def test_county_wide_the_residents_mean_is_the_countys_rate():
    """2SFCA shares supply out, it does not create any: with every site reachable by someone,
    the residents' mean within reach is all sites per 100k residents."""
    snap = snapshot.read(config.data_dir())
    fac, tracts = snap.facilities, snap.tracts
    located = fac["location_precision"] != Precision.NONE
    reach = catchment.tract_reach(tracts, fac, located.to_numpy(), tracts["pop_total"].to_numpy(), 10)
    county = catchment.area_reach(reach).iloc[0]
    assert county["reach"] == pytest.approx(located.sum() / tracts["pop_total"].sum() * 1e5)
    by_sd = catchment.area_reach(reach, by="sd")
    assert by_sd["residents"].sum() == tracts["pop_total"].sum() and by_sd["reach"].notna().all()
    assert county["residents_without"] == tracts.loc[reach["reach"] == 0, "pop_total"].sum()


def test_one_miles_table_per_snapshot_gives_the_same_figures():
    """Views.miles: every tract to every facility once; each view slices its sites."""
    snap = snapshot.read(config.data_dir())
    fac, tracts = snap.facilities, snap.tracts
    every = catchment.miles_matrix(tracts["lat"], tracts["lon"], fac["lat"], fac["lon"])
    some = (np.arange(len(fac)) % 3 == 0) & fac["lat"].notna().to_numpy()
    a = catchment.tract_reach(tracts, fac, some, tracts["pop_total"].to_numpy(), 5)
    b = catchment.tract_reach(tracts, fac, some, tracts["pop_total"].to_numpy(), 5, miles_all=every)
    pd.testing.assert_frame_equal(a, b)


def test_beds_within_reach_share_each_hospitals_beds_and_the_table_rows_follow_the_selection():
    """The inpatient view (Views.beds_reach): each hospital's licensed beds shared among the
    residents within reach; county-wide the residents' mean is every placed bed per 100k
    (the state forensic hospital's left out unless counted); by-SPA rows as
    metrics.continuum_table orders them, each SPA's part inside the selection."""
    from dataclasses import replace

    from dashboard.analysis import metrics
    from dashboard.analysis.filters import DEFAULT, FlagIndex
    from dashboard.analysis.views import Views

    snap = snapshot.read(config.data_dir())
    fac, tracts = snap.facilities, snap.tracts
    views = Views(fac, FlagIndex.build(fac), tracts, snap.areas)
    placed = fac["lat"].notna().to_numpy()
    people = tracts["pop_total"].sum()
    for counted in (False, True):
        beds = metrics.beds_in(fac, exclude_state=not counted)
        reach = views.beds_reach(replace(DEFAULT, miles=20, state_hospital=counted))
        county = catchment.area_reach(reach).iloc[0]
        assert county["reach"] == pytest.approx(beds[placed].sum() / people * 1e5)
    state = replace(DEFAULT, sd=(2,), miles=5)
    reach = views.beds_reach(state)
    cont = metrics.continuum_table(fac, FlagIndex.build(fac), tracts, snap.areas, state)
    rows = catchment.table_rows(reach, cont["area"], metrics.tract_mask(tracts, state), with_selection=True)
    assert len(rows) == len(cont) and list(cont["name"].iloc[-2:]) == ["Selected area", "Los Angeles County"]
    in_sd2 = reach.loc[tracts["sd"].to_numpy() == 2]
    assert rows["reach"].iloc[-2] == pytest.approx(catchment.area_reach(in_sd2).iloc[0]["reach"])
    assert rows["reach"].iloc[-1] == pytest.approx(catchment.area_reach(reach).iloc[0]["reach"])
    for i, spa in enumerate(cont["area"].iloc[:-2]):  # SPA rows: only their tracts in District 2
        part = in_sd2.loc[in_sd2["spa"] == spa]
        assert (
            rows["residents"].iloc[i]
            == part["residents"].sum()
            <= reach.loc[reach["spa"] == spa, "residents"].sum()
        )
        assert rows["reach"].iloc[i] == pytest.approx(catchment.area_reach(part).iloc[0]["reach"])
    assert (
        rows["residents"].iloc[:-2]
        < [reach.loc[reach["spa"] == a, "residents"].sum() for a in cont["area"].iloc[:-2]]
    ).any()
    # Without an area filter the table has no selection row: SPAs, then the county.
    whole = metrics.continuum_table(fac, FlagIndex.build(fac), tracts, snap.areas, replace(state, sd=()))
    rows = catchment.table_rows(reach, whole["area"], np.ones(len(tracts), bool), with_selection=False)
    assert len(rows) == len(whole) == 9
    assert rows["reach"].iloc[3] == pytest.approx(
        catchment.area_reach(reach.loc[reach["spa"] == 4]).iloc[0]["reach"]
    )
