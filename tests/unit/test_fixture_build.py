"""The whole pipeline on the hand-made fixture folder: tables, report, CLI."""

from __future__ import annotations

import json

import pandas as pd

from dashboard import taxonomy
from dashboard.ingest import area_tables, pipeline
from dashboard.manifest import HpsaReport
from dashboard.registry import SOURCES
from tests.fixtures.rawdir import FIXTURE_RAW

# Other modules (filters, metrics, maps, pages) build on these columns: changing them is a
# contract change, not a refactor.
FACILITY_COLUMNS = [
    "site_id",
    "name",
    "program",
    "street",
    "street2",
    "city",
    "zip",
    "phone",
    "website",
    "lat",
    "lon",
    "location_precision",
    "location_source",
    "primary_source",
    "as_of",
    "sources",
    "source_ids",
    "other_addresses",
    "attributes",
    "codes",
    "facility_type",
    "licence",
    "psych_beds",
    "beds_facid",
    "beds_name",
    "state_hospital",
    "description",
    "kind",
    "operator_source",
    "licence_operator",
    "phf_beds",
    "phf_beds_source",
    *taxonomy.flag_columns(),
    "spa",
    "sd",
    "tract",
    "spa_name",
]


def test_facility_table_columns(fixture_build):
    assert list(fixture_build.facilities.columns) == FACILITY_COLUMNS
    fac = fixture_build.facilities
    assert fac["psych_beds"].dtype == "Int64"
    assert all(fac[c].dtype == "boolean" for c in taxonomy.flag_columns())
    assert fac["site_id"].is_unique


def test_other_tables(fixture_build):
    b = fixture_build
    assert list(b.areas.columns) == [
        "level",
        "area",
        "name",
        "pop_total",
        "pop_0_17",
        "pop_18_64",
        "pop_65p",
        "pov133",
        "beds",
        "beds_excl_state",
        "pop_total_area_share",
        "pop_straddling",
        "pop_total_low",
        "pop_total_high",
    ]
    assert list(b.beds.columns) == [
        "facid",
        "facname",
        "fac_type",
        "beds",
        "data_date",
        "state_hospital",
        "location_how",
        "site_id",
        "spa",
        "sd",
        "located",
    ]
    assert list(b.excluded.columns) == ["source", "source_id", "name", "reason"]
    assert list(b.drive_time.columns) == [
        "geoid",
        "spa",
        "sd",
        "pop_total",
        "pop_0_17",
        "pop_18_64",
        "pop_65p",
        "pov133",
        "minutes",
        "providers_30min",
        "reliable",
        "note",
    ]
    assert len(b.hpsa) == 3
    assert len(b.tracts) == 8 and len(b.benchmarks) == 3
    assert [f["id"] for f in b.geojson["spa"]["features"]] == list(range(1, 9))
    assert len(b.geojson["sd"]["features"]) == 5


def test_sites_and_their_locating_tiers(fixture_build):
    fac = fixture_build.facilities
    assert len(fac) == 15
    assert fac["location_precision"].value_counts().to_dict() == {"exact": 9, "approximate": 5, "none": 1}
    by = fac.set_index(["name", fac["program"].fillna("")])
    alpha = by.loc[("Fakealpha Wellness Center", "")]
    assert alpha["source_ids"] == "mental_1;mental_2;substance_1;locator-9001"
    assert alpha["codes"].split() == sorted(set(alpha["codes"].split()))  # duplicates merged
    assert "TELE" in alpha["codes"].split()  # from the duplicate row
    assert by.loc[("Fakealpha Wellness Center", "Youth Program"), "location_precision"] == "exact"
    assert by.loc[("Fakebeta Counseling", ""), "sources"] == "samhsa_directory;samhsa_locator;lms_211"
    assert by.loc[("Fakedelta Services", ""), "location_precision"] == "approximate"
    assert by.loc[("Fakeepsilon Family Place", ""), "attributes"] == "unknown"
    assert by.loc[("Fakeplaya Casa PHF", ""), "attributes"] == "licence only (Psychiatric Health Facility)"
    assert by.loc[("Fakeplaya Casa PHF", ""), "kind"] == "inpatient"
    assert by.loc[("Fakeplaya Casa MHRC", ""), "kind"] == "residential_day"


def test_excluded_records_keep_their_reason(fixture_build):
    ex = fixture_build.excluded.set_index("source_id")["reason"].to_dict()
    assert ex == {
        "substance_2": "substance-use directory only (no mental-health listing)",
        "lms-2": "administrative office, advisory body or support organisation",
        "lms-3": "its own description names no mental-health care (Arts and Recreation / Recreation Centers)",
        "lms-5": "no street address",
        "lms-7": "city is outside Los Angeles County",
    }


def test_report(fixture_build):
    rep = fixture_build.manifest.report
    assert (rep.spas, rep.districts, rep.population_2018) == (8, 5, 36000)
    assert rep.facilities == 15
    assert rep.source_rows["directory_mental_rows"] == 8
    assert rep.facilities_outside_any_area == 1  # the one unlocated site
    assert rep.population_2018_by_spa["South Bay"] == 8000
    setting = rep.by_taxonomy_value["setting"]
    # 7 coded programs + 3 licence-only + 2 bed-holding hospitals (licensed APH); 3 unknown
    assert setting["known"] == 12 and setting["unknown"] == 3
    assert set(fixture_build.manifest.sources) == set(SOURCES)


def test_site_ids_are_stable_between_builds(fixture_build, tmp_path):
    again = pipeline.build(FIXTURE_RAW, tmp_path / "data", check_counts=False)
    pd.testing.assert_series_equal(again.facilities["site_id"], fixture_build.facilities["site_id"])


def test_cli_report_json_prints_one_object(fixture_build, monkeypatch, capsys):
    monkeypatch.setenv("LAMH_RAW_DIR", str(FIXTURE_RAW))
    monkeypatch.setenv("LAMH_DATA_DIR", str(fixture_build.path))
    assert pipeline.main(["report", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert json.loads(out) == fixture_build.manifest.to_dict()["report"]


def test_cli_report_text(fixture_build, monkeypatch, capsys):
    monkeypatch.setenv("LAMH_RAW_DIR", str(FIXTURE_RAW))
    monkeypatch.setenv("LAMH_DATA_DIR", str(fixture_build.path))
    assert pipeline.main(["report"]) == 0
    out = capsys.readouterr().out
    assert "Licensed acute psychiatric beds: 160 at 3 facilities (60 without DSH-Metropolitan)" in out
    assert "Population 2018: 36,000 in 8 SPAs, 5 districts" in out


def test_drive_time_table_and_figures(fixture_build):
    dt = fixture_build.drive_time.set_index("geoid")
    assert len(dt) == 8  # one row per tract of the tract table
    assert (dt.loc["06037000300", "minutes"], dt.loc["06037000300", "providers_30min"]) == (12.25, 25)
    assert (dt.loc["06037000300", "spa"], dt.loc["06037000300", "pop_total"]) == (3, 3000)
    assert dt.loc["06037000500", "note"] == "the source gives no drive time"
    assert dt.loc["06037000800", "note"] == "no drive-time row in the source"
    assert pd.isna(dt.loc["06037000800", "providers_30min"])
    assert list(dt.index[~dt["reliable"]]) == ["06037000500", "06037000800"]
    rep = fixture_build.manifest.report.drive_time
    # reliable tracts 1,2,3,4,6,7 (residents 1000*k): beyond 10 min 3 (12.25), 4 (22.0), 6 (35.75)
    assert rep.residents_beyond_minutes["10"]["county"] == 3000 + 4000 + 6000
    assert rep.residents_beyond_minutes["20"]["county"] == 4000 + 6000
    assert rep.residents_beyond_minutes["30"]["by_spa"]["South"] == 6000
    assert rep.population_with_a_reliable_value == 36000 - 5000 - 8000
    assert set(rep.tracts_without_a_value) == {"06037000500", "06037000800"}
    assert rep.rows_for_tracts_not_in_the_tract_table == ["06037990100"]
    assert fixture_build.manifest.report.hpsa == HpsaReport(
        rows=3,
        by_status={"Designated": 2, "Proposed For Withdrawal": 1},
        designated_by_type={"HPSA Population": 1, "High Needs Geographic HPSA": 1},
    )


def test_drive_time_island_tracts_and_renumbered_tract_are_handled():
    tracts = pd.DataFrame(
        {
            "geoid": ["06037137000", "06037599000", "06037000100"],
            "spa": [2, 8, 1],
            "sd": [3, 4, 1],
            "lat": [34.2, 33.34, 34.5],
            **{p: [100, 200, 300] for p in taxonomy.DENOMINATORS},
        }
    )
    drive = pd.DataFrame(
        {
            "geoid": ["06037930401", "06037137000", "06037599000", "06037000100"],
            "minutes": [4.14, float("nan"), 8.49, 2.0],
            "providers_30min": [58, 0, 41, 9],
        }
    )
    dt = area_tables.drive_time_table(tracts, drive).set_index("geoid")
    assert (dt.loc["06037137000", "minutes"], dt.loc["06037137000", "providers_30min"]) == (4.14, 58)
    assert dt.loc["06037137000", "note"] == "value of the same area under its 2010 tract id 06037930401"
    assert bool(dt.loc["06037137000", "reliable"]) is True
    assert bool(dt.loc["06037599000", "reliable"]) is False  # Santa Catalina Island
    assert dt.loc["06037599000", "note"].startswith("island tract")
