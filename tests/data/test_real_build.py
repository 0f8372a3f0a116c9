"""The real raw sources: the figures their PROVENANCE documents give, joins, privacy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dashboard import config, taxonomy
from dashboard.ingest.sources import geo, samhsa_directory
from tests.fixtures.privacy import assert_no_staff_data, staff_values


def report(snap) -> dict:
    """The build report as manifest.json holds it (and ``report --json`` prints it)."""
    return snap.manifest.to_dict()["report"]


def test_directory_rows_before_deduplication(real_build):
    rows = report(real_build)["source_rows"]
    assert rows["directory_mental_rows"] == 203
    assert rows["directory_substance_rows"] == 306


@pytest.mark.parametrize(
    "code, n",
    [
        ("OP", 149),
        ("PHDT", 49),
        ("RES", 56),
        ("HI", 14),
        ("OMH", 86),
        ("CHLD", 133),
        ("MD", 97),
        ("SP", 120),
        ("TELE", 154),
        ("PEFP", 37),
    ],
)
def test_directory_code_counts_match_provenance(real_raw, code, n):
    d = samhsa_directory.read(real_raw)
    mental = d[d["directory_type"] == "mental"]
    assert int(mental["codes"].map(lambda cs: code in cs).sum()) == n


def test_licensed_acute_psychiatric_beds(real_build):
    beds = report(real_build)["licensed_acute_psych_beds"]
    assert (beds["facilities"], beds["total"], beds["excluding_state_hospital"]) == (43, 3331, 2327)
    state = real_build.beds[real_build.beds["state_hospital"]]
    assert len(state) == 1 and int(state["beds"].iloc[0]) == 1004
    assert "METROPOLITAN" in state["facname"].iloc[0]
    fac = real_build.facilities
    assert int(fac["psych_beds"].sum()) == 3331
    assert int(fac.loc[~fac["state_hospital"], "psych_beds"].sum()) == 2327


def test_bed_totals_by_area_add_up(real_build):
    area = real_build.areas
    county = area[area["level"] == "county"].iloc[0]
    assert (county["beds"], county["beds_excl_state"]) == (3331, 2327)
    unplaced = int(real_build.beds.loc[~real_build.beds["located"], "beds"].sum())
    for level in ("spa", "sd"):
        assert int(area.loc[area["level"] == level, "beds"].sum()) + unplaced == 3331


def test_areas_and_population(real_build):
    rep = report(real_build)
    assert (rep["spas"], rep["districts"]) == (8, 5)
    assert rep["population_2018"] == 10_278_834
    assert sum(rep["population_2018_by_spa"].values()) == 10_278_834
    assert len(real_build.tracts) == 2345
    assert int(real_build.tracts["pop_total"].sum()) == 10_278_834


def test_published_spa_totals_match(real_raw, real_build):
    pub = geo.read_spa_population(real_raw).set_index("spa")
    ours = real_build.areas[real_build.areas["level"] == "spa"].set_index("area")
    assert pub.loc[0, "pop_total"] == 10_278_834
    for spa in range(1, 9):
        assert ours.loc[spa, "pop_total"] == pub.loc[spa, "pop_total"]


def test_every_located_facility_is_inside_the_county(real_build):
    fac = real_build.facilities
    located = fac[fac["location_precision"] != "none"]
    assert len(located) > 300
    assert located["spa"].notna().all()
    assert located["sd"].notna().all()
    assert set(fac["location_precision"]) <= {"exact", "approximate", "none"}


def test_every_directory_program_is_a_site_or_merged(real_build):
    fac = real_build.facilities
    ids = ";".join(fac["source_ids"]).split(";")
    mental = [i for i in ids if i.startswith("mental_")]
    assert len(mental) == len(set(mental)) == 203  # none lost, none in two sites


def test_flags_are_known_only_where_a_source_says(real_build):
    fac = real_build.facilities
    col = taxonomy.flag_column("population", "children")
    coded = fac["codes"].notna()
    assert fac.loc[coded, col].notna().all()
    assert fac.loc[~coded, col].isna().all()


def test_no_staff_data_in_the_real_build(real_raw, real_build):
    values = staff_values(real_raw / "hcai_facility_list_2025" / "hcai_facility_list_la_county.csv")
    assert len(values) > 20  # the raw file does hold staff names and phones
    assert_no_staff_data(real_build.path, values)
    assert_no_staff_data(config.data_dir(), values)  # the committed snapshot


def test_cli_report_json(real_raw, real_build):
    env = dict(os.environ, LAMH_RAW_DIR=str(real_raw), LAMH_DATA_DIR=str(real_build.path))
    proc = subprocess.run(
        [sys.executable, "-m", "dashboard.ingest", "report", "--json"],
        cwd=config.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    rep = json.loads(lines[0])
    assert rep["source_rows"]["directory_mental_rows"] == 203
    beds = rep["licensed_acute_psych_beds"]
    assert (beds["facilities"], beds["total"], beds["excluding_state_hospital"]) == (43, 3331, 2327)
    assert (rep["spas"], rep["districts"], rep["population_2018"]) == (8, 5, 10_278_834)
    assert rep["facilities_outside_any_area"] == rep["facilities_by_location_precision"].get("none", 0)
    assert rep == report(real_build)


def test_operator_codes_become_the_operated_by_filter(real_raw, real_build):
    d = samhsa_directory.read(real_raw)
    mental = d[d["directory_type"] == "mental"]
    count = lambda code: int(mental["codes"].map(lambda cs: code in cs).sum())  # noqa: E731
    assert [count(c) for c in ("PVTN", "PVTP", "LCCG", "FED", "VAMC")] == [100, 96, 5, 2, 2]
    fac = real_build.facilities
    group = taxonomy.GROUP_BY_ID["operator"]
    cols = [taxonomy.flag_column("operator", v.id) for v in group.values]
    coded = fac["codes"].notna()
    licensee = fac["licence_operator"].notna() & fac.loc[:, cols].notna().all(axis=1) & ~coded
    assert fac.loc[coded, cols].notna().all().all() and fac.loc[~coded & ~licensee, cols].isna().all().all()
    assert fac.loc[coded, cols].any(axis=1).all()  # every directory program reports an operator
    # Harbor-UCLA, LAC+USC (LA General) and DSH-Metropolitan: operator from the licence name
    assert sorted(fac.loc[licensee, "licence_operator"]) == ["local_government"] * 2 + ["state_government"]
    assert (fac.loc[licensee, cols].sum(axis=1) == 1).all()
    by_value = real_build.manifest.report.by_taxonomy_value["operator"]
    assert by_value["known"] == int(coded.sum() + licensee.sum())
    # five directory programs plus the two county hospitals the directory gives no operator
    assert by_value["values"]["local_government"] == 5 + 2 and by_value["values"]["va"] == 2


def test_beds_by_who_runs_the_hospital(real_build):
    beds = real_build.manifest.report.licensed_acute_psych_beds
    ops = beds.by_operator
    assert (ops["county_run"], ops["state_run"]) == (166, 1004)  # Olive View 52, Harbor 38, LA General 76
    assert ops["county_run"] + ops["state_run"] + ops["other"] == beds.total
    # reports "local, county or community government" to SAMHSA; no county licence name
    assert ops["other_reporting_local_government"] == ["Kedren Community Mental Health Center"]
    assert (beds.phf_beds, len(beds.phf_without_beds)) == (48, 2)
