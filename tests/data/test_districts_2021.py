"""The 2021 supervisorial districts replace the 2011 plan everywhere in the data."""

from __future__ import annotations

import json

import shapely

from dashboard.registry import SOURCES

COUNTY = 10_278_834


def raw_districts(real_raw):
    path = real_raw / SOURCES["districts_2021"].folder / "supervisorial_districts_2021.geojson"
    data = json.loads(path.read_text())
    return {
        int(f["properties"]["DISTRICT"]): shapely.from_geojson(json.dumps(f["geometry"]))
        for f in data["features"]
    }


def test_district_populations_add_up_to_the_county(real_build):
    sd = real_build.areas[real_build.areas["level"] == "sd"].set_index("area")
    assert list(sd.index) == [1, 2, 3, 4, 5]
    assert int(sd["pop_total"].sum()) == COUNTY
    assert int(sd["pop_total_area_share"].sum()) == COUNTY
    assert (sd["pop_total_low"] <= sd["pop_total"]).all() and (sd["pop_total"] <= sd["pop_total_high"]).all()
    assert (sd["pop_total_low"] <= sd["pop_total_area_share"]).all()
    assert (sd["pop_total_area_share"] <= sd["pop_total_high"]).all()
    # equal-population districts: about 2 million each
    assert sd["pop_total"].between(1_800_000, 2_300_000).all()
    assert int(real_build.tracts.groupby("sd")["pop_total"].sum().sum()) == COUNTY


def test_the_error_bound_is_the_population_of_straddling_tracts(real_build):
    tracts, sd = real_build.tracts, real_build.areas[real_build.areas["level"] == "sd"].set_index("area")
    straddling = tracts[tracts["sd_straddles"]]
    assert 20 < len(straddling) < 200
    for d in range(1, 6):
        wholly = tracts[(tracts["sd"] == d) & ~tracts["sd_straddles"]]
        assert sd.loc[d, "pop_total_low"] == int(wholly["pop_total"].sum())
    # every straddling tract is counted in the bound of at least two districts
    assert int(sd["pop_straddling"].sum()) >= 2 * int(straddling["pop_total"].sum())
    rep = real_build.manifest.report.districts_2021
    assert rep.tracts_straddling == len(straddling)
    assert rep.by_district["1"]["pop_total"] == sd.loc[1, "pop_total"]


def test_facility_and_tract_districts_are_the_2021_polygons(real_raw, real_build):
    polys = raw_districts(real_raw)
    fac = real_build.facilities
    located = fac[fac["location_precision"] != "none"]
    for _, row in located.iterrows():
        pt = shapely.Point(row["lon"], row["lat"])
        inside = [d for d, g in polys.items() if g.covers(pt)]
        if inside:  # (a coastal ZIP centroid may be snapped to the nearest district)
            assert row["sd"] in inside, row["name"]
    tracts = real_build.tracts
    assert tracts["sd"].notna().all() and set(tracts["sd"]) == {1, 2, 3, 4, 5}


def test_the_snapshot_has_the_2021_lines_and_not_the_2011_plan(real_raw, real_build):
    feats = real_build.geojson["sd"]["features"]
    assert [f["id"] for f in feats] == [1, 2, 3, 4, 5]
    d4 = shapely.from_geojson(json.dumps(feats[3]["geometry"]))
    assert len(d4.geoms) == 3  # the mainland, Santa Catalina and San Clemente islands
    raw = raw_districts(real_raw)
    for f in feats:
        g = shapely.from_geojson(json.dumps(f["geometry"]))
        assert abs(g.area - raw[f["id"]].area) / raw[f["id"]].area < 0.01
    files = real_build.manifest.fingerprint["files"]
    assert not any("2011" in name for name in files)
    assert "lacounty_supervisorial_districts_2021/supervisorial_districts_2021.geojson" in files
