"""Point-in-polygon tagging on tiny squares whose answers can be checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.ingest import area_tables, areas


def square(x0, y0, size=1.0):
    return shapely.box(x0, y0, x0 + size, y0 + size)


# A = [0,1]x[0,1] (id 1), B = [1,2]x[0,1] (id 2): they share the edge x = 1.
GEOMS = [square(0, 0), square(1, 0)]
IDS = [1, 2]


def tag(points, **kw):
    lon = [p[0] for p in points]
    lat = [p[1] for p in points]
    return list(areas.tag_points(lon, lat, GEOMS, IDS, **kw))


def test_points_inside_take_their_square():
    assert tag([(0.5, 0.5), (1.5, 0.25), (0.01, 0.99)]) == [1, 2, 1]


def test_points_far_outside_get_none():
    assert tag([(5, 5), (-3, 0.5), (0.5, 1.5)]) == [None, None, None]


def test_missing_coordinates_get_none():
    assert tag([(math.nan, 0.5), (0.5, math.nan)]) == [None, None]
    assert list(areas.tag_points([], [], GEOMS, IDS)) == []


def test_point_on_a_shared_border_takes_the_first_polygon():
    assert tag([(1.0, 0.5)]) == [1]


def test_coastal_point_within_snap_distance_takes_the_nearest_area():
    # 0.005 degree east of B (a ZIP centroid in the sea, say): default snap is 0.01 degree
    assert tag([(2.005, 0.5), (-0.008, 0.5), (0.5, -0.009)]) == [2, 1, 1]
    assert tag([(2.02, 0.5)]) == [None]  # beyond the snap distance
    assert tag([(2.005, 0.5)], snap=0) == [None]  # snapping switched off
    assert tag([(2.005, 0.5)], snap=0.002) == [None]  # the tract snap is tighter


def test_ids_keep_their_type():
    out = areas.tag_points([0.5, 1.5], [0.5, 0.5], GEOMS, ["06037000100", "06037000200"])
    assert list(out) == ["06037000100", "06037000200"]


def test_representative_points_lie_inside():
    x, y = areas.representative_points(GEOMS)
    assert all(g.contains(shapely.Point(a, b)) for g, a, b in zip(GEOMS, x, y, strict=True))


def test_to_geojson_simplifies_and_keeps_ids_and_properties():
    wiggly = shapely.Polygon([(0, 0), (0.5, 0.00001), (1, 0), (1, 1), (0, 1)])
    frame = pd.DataFrame({"spa": np.array([3], dtype="int64"), "name": ["Fakeland"], "geometry": [wiggly]})
    gj = areas.to_geojson(frame, "spa", tolerance=0.001, precision=4, props=("name",))
    feat = gj["features"][0]
    assert feat["id"] == 3 and type(feat["id"]) is int
    assert feat["properties"] == {"id": 3, "name": "Fakeland"}
    assert len(feat["geometry"]["coordinates"][0]) == 5  # the near-straight vertex is gone


def test_tag_areas_on_the_fixture_squares(fixture_build):
    """Fixture SPA k: column (k-1)%4 of 0.2 degree from lon -118.6, north row (34.0-34.3) for
    k<=4; districts are 0.16-degree stripes from the west.  See tests/fixtures/raw/geo/."""
    fac = fixture_build.facilities.set_index("name")
    expect = {
        # name: (lon, lat) as given by the sources -> (spa, sd)
        "Fakeepsilon Family Place": (1, 1),  # -118.44, 34.065
        "Fakezeta Mental Health Center": (3, 3),  # -118.14, 34.15
        "Fakehilltop Psychiatric Hospital": (4, 4),  # -117.96, 34.14
        "Department of State Hospitals - Fakevale": (7, 4),  # -118.07, 33.91
        "Fakegeneral Medical Center D/P APH": (7, 3),  # -118.185, 33.77
    }
    for name, (spa, sd) in expect.items():
        assert (fac.loc[name, "spa"], fac.loc[name, "sd"]) == (spa, sd), name
    assert fac.loc["Fakezeta Mental Health Center", "tract"] == "06037000300"
    assert fac.loc["Fakezeta Mental Health Center", "spa_name"] == "San Gabriel"


def test_coastal_fixture_point_is_snapped_into_the_county(fixture_build):
    # Fakecoast Counseling lies at lon -118.605, 0.005 degree west of the fixture county
    fac = fixture_build.facilities.set_index("name")
    row = fac.loc["Fakecoast Counseling"]
    assert (row["lon"], row["spa"], row["sd"]) == (-118.605, 1, 1)
    assert pd.isna(row["tract"])  # tracts snap only 0.002 degree


def test_unlocated_facilities_have_no_area(fixture_build):
    fac = fixture_build.facilities
    none = fac[fac["location_precision"] == "none"]
    assert list(none["name"]) == ["Fakeomega Outreach"]
    assert none["spa"].isna().all() and none["sd"].isna().all()


def test_tract_table_and_area_sums(fixture_build):
    tracts, area = fixture_build.tracts, fixture_build.areas.set_index(["level", "area"])
    assert int(tracts["pop_total"].sum()) == 36000
    assert area.loc[("county", 0), "pop_total"] == 36000
    assert area.loc[("spa", 5), "pop_total"] == 5000
    assert area.loc[("spa", 5), "pov133"] == 500
    # each tract counts whole in the district holding most of its area: the tract columns are
    # 80/20 (districts 1/2), 60/40 (2/3), 40/60 (3/4) and 20/80 (4/5) per cent
    assert area.loc["sd", "pop_total"].to_dict() == {1: 6000, 2: 8000, 3: 0, 4: 10000, 5: 12000}
    assert list(tracts.sort_values("geoid")["sd"]) == [1, 2, 4, 5, 1, 2, 4, 5]
    assert list(tracts.sort_values("geoid")["sd_share"]) == [0.8, 0.6, 0.6, 0.8] * 2
    assert tracts["sd_straddles"].all()


def test_district_population_split_and_its_error_bound(fixture_build):
    """Columns hold 6,000 / 8,000 / 10,000 / 12,000 residents (two tracts each)."""
    sd = fixture_build.areas.set_index(["level", "area"]).loc["sd"]
    # area-share apportionment: 0.8*6000, 0.2*6000+0.6*8000, 0.4*8000+0.4*10000, ...
    assert sd["pop_total_area_share"].to_dict() == {1: 4800, 2: 6000, 3: 7200, 4: 8400, 5: 9600}
    assert int(sd["pop_total_area_share"].sum()) == int(sd["pop_total"].sum()) == 36000
    # every tract straddles: nothing is wholly inside a district
    assert sd["pop_total_low"].to_dict() == dict.fromkeys(range(1, 6), 0)
    assert sd["pop_straddling"].to_dict() == {1: 6000, 2: 14000, 3: 18000, 4: 22000, 5: 12000}
    assert (sd["pop_total_high"] == sd["pop_total_low"] + sd["pop_straddling"]).all()
    assert ((sd["pop_total_low"] <= sd["pop_total"]) & (sd["pop_total"] <= sd["pop_total_high"])).all()
    assert (
        (sd["pop_total_low"] <= sd["pop_total_area_share"])
        & (sd["pop_total_area_share"] <= sd["pop_total_high"])
    ).all()
    other = fixture_build.areas[fixture_build.areas["level"] != "sd"]
    assert other["pop_straddling"].isna().all()
    rep = fixture_build.manifest.report.districts_2021
    assert rep.by_district["3"] == {
        "pop_total": 0,
        "pop_total_area_share": 7200,
        "pop_straddling": 18000,
        "pop_total_low": 0,
        "pop_total_high": 18000,
    }
    assert (rep.tracts_straddling, rep.population_in_straddling_tracts) == (8, 36000)
    assert "largest share of its area" in rep.tract_split


def test_sites_near_a_district_line_are_counted(fixture_build):
    # the fixture's district lines are the meridians -118.44, -118.28, -118.12 and -117.96
    fac = fixture_build.facilities
    x = fac["lon"].dropna().to_numpy()
    lines = [-118.44, -118.28, -118.12, -117.96]
    near = sum(min(abs(v - line) for line in lines) * 92_300 <= 200 for v in x)
    assert fixture_build.manifest.report.districts_2021.facilities_near_a_line == {
        "metres": 200,
        "sites": near,
    }


@pytest.mark.parametrize("lon, lat, spa", [(-118.5, 34.2, 1), (-117.9, 33.8, 8), (-118.3, 33.75, 6)])
def test_pipeline_tag_areas_frame(lon, lat, spa):
    src = {
        "spas": pd.DataFrame(
            {
                "spa": range(1, 9),
                "name": [f"S{k}" for k in range(1, 9)],
                "geometry": [
                    shapely.box(
                        -118.6 + 0.2 * ((k - 1) % 4),
                        34.0 if k <= 4 else 33.7,
                        -118.4 + 0.2 * ((k - 1) % 4),
                        34.3 if k <= 4 else 34.0,
                    )
                    for k in range(1, 9)
                ],
            }
        ),
        "districts": pd.DataFrame(
            {"sd": [1], "name": ["D1"], "geometry": [shapely.box(-118.6, 33.7, -117.8, 34.3)]}
        ),
        "tracts": pd.DataFrame(
            {"geoid": ["06037000100"], "geometry": [shapely.box(-118.6, 33.7, -117.8, 34.3)]}
        ),
    }
    out = area_tables.tag_areas(pd.DataFrame({"lon": [lon], "lat": [lat]}), src)
    assert (out.loc[0, "spa"], out.loc[0, "sd"], out.loc[0, "spa_name"]) == (spa, 1, f"S{spa}")
