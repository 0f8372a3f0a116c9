"""Licensed acute psychiatric beds (CDPH) joined to coordinate sources: name match, crosswalk."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.errors import BuildError
from dashboard.ingest import crosswalk
from dashboard.ingest.assemble import assemble_sites
from dashboard.ingest.facilities import facility_table
from dashboard.vocab import Precision
from tests.fixtures.frames import bed, by_name, make_src, rec

HILLTOP_HCAI = rec(
    "hcai",
    "Fakehilltop Psychiatric Hospital",
    "500 Sample Rd",
    "91010",
    lat=34.14,
    lon=-117.96,
    source_id="hcai-90001",
)
STATE_CCM = rec(
    "ccm",
    "DEPARTMENT OF STATE HOSPITALS - FAKEVALE",
    "700 TRIAL STREET",
    "90650",
    lat=33.91,
    lon=-118.07,
    source_id="ccm-70000001",
)


def run(src):
    return assemble_sites(src, None)


def test_name_match_in_hcai_places_the_beds():
    src = make_src(hcai=[HILLTOP_HCAI], beds=[bed("999000001", "FAKEHILLTOP PSYCHIATRIC HOSPITAL", 40)])
    sites, counts, _, beds = run(src)
    s = by_name(sites, "FAKEHILLTOP PSYCHIATRIC HOSPITAL")
    assert (s.beds, s.beds_facid, s.precision, s.lat, s.lon) == (
        40,
        "999000001",
        Precision.EXACT,
        34.14,
        -117.96,
    )
    assert s.licence == taxonomy.LICENCE_APH
    assert s.source_ids == ["hcai-90001", "cdph-facid-999000001"]
    assert beds.iloc[0]["location_how"] == "name match in HCAI facility list 2025"
    assert counts.bed_facilities_unlocated == []


def test_name_match_falls_back_to_covidcaremap():
    src = make_src(ccm=[STATE_CCM], beds=[bed("999000002", "DEPARTMENT OF STATE HOSPITALS - FAKEVALE", 100)])
    sites, _, _, beds = run(src)
    assert (sites[0].lat, sites[0].lon) == (33.91, -118.07)
    assert beds.iloc[0]["location_how"] == "name match in CovidCareMap 2020"


def test_only_acute_psychiatric_beds_are_counted():
    src = make_src(
        hcai=[HILLTOP_HCAI],
        beds=[
            bed("999000001", "FAKEHILLTOP PSYCHIATRIC HOSPITAL", 40),
            bed("999000001", "FAKEHILLTOP PSYCHIATRIC HOSPITAL", 10, bed_type="CHEMICAL DEPENDENCY RECOVERY"),
            bed("999000009", "FAKESKILLED NURSING", 99, bed_type="SKILLED NURSING"),
        ],
    )
    sites, counts, _, _beds = run(src)
    assert (counts.bed_facilities, counts.beds_total) == (1, 40)
    assert len(sites) == 1 and sites[0].beds == 40


def test_beds_attach_to_the_inpatient_directory_program_at_the_hospital_address():
    src = make_src(
        directory=[
            rec("directory", "Fakehilltop Outpatient Clinic", "500 Sample Road", "91010", codes=("MH", "OP")),
            rec(
                "directory",
                "Fakehilltop Psychiatric Hospital",
                "500 Sample Road",
                "91010",
                codes=("MH", "HI", "PSY"),
            ),
        ],
        hcai=[HILLTOP_HCAI],
        beds=[bed("999000001", "FAKEHILLTOP PSYCHIATRIC HOSPITAL", 40)],
    )
    sites, _, _, _ = run(src)
    assert len(sites) == 2
    hosp = by_name(sites, "Fakehilltop Psychiatric Hospital")
    assert hosp.beds == 40 and hosp.licence == taxonomy.LICENCE_APH
    assert (hosp.precision, hosp.lat) == (Precision.EXACT, 34.14)
    assert by_name(sites, "Fakehilltop Outpatient Clinic").beds is None


def test_crosswalk_entry_places_a_facility_whose_name_differs(monkeypatch):
    monkeypatch.setitem(
        crosswalk.BEDS_TO_LOCATION,
        "999000003",
        ("hcai-90002", "Fakebrotman is now Fakegeneral Medical Center"),
    )
    src = make_src(
        hcai=[
            rec(
                "hcai",
                "Fakegeneral Medical Center",
                "600 Demo Ave",
                "90802",
                lat=33.77,
                lon=-118.185,
                source_id="hcai-90002",
            )
        ],
        beds=[bed("999000003", "FAKEBROTMAN MEDICAL CENTER D/P APH", 20)],
    )
    sites, _, _, beds = run(src)
    assert (sites[0].lat, sites[0].lon, sites[0].beds) == (33.77, -118.185, 20)
    assert beds.iloc[0]["location_how"] == "crosswalk: Fakebrotman is now Fakegeneral Medical Center"


def test_crosswalk_entry_to_a_vanished_record_fails_naming_the_crosswalk(monkeypatch):
    monkeypatch.setitem(crosswalk.BEDS_TO_LOCATION, "999000003", ("hcai-11111", "gone"))
    src = make_src(beds=[bed("999000003", "FAKEBROTMAN MEDICAL CENTER D/P APH", 20)])
    with pytest.raises(BuildError, match=r"crosswalk\.py.*999000003.*hcai-11111"):
        run(src)


def test_crosswalk_none_counts_the_beds_without_a_place(monkeypatch):
    monkeypatch.setitem(crosswalk.BEDS_TO_LOCATION, "999000007", (None, "no source lists it"))
    src = make_src(beds=[bed("999000007", "FAKEVISTA SPECIALTY HOSPITAL", 25)])
    sites, counts, _, _ = run(src)
    s = sites[0]
    assert s.beds == 25 and s.precision == Precision.NONE and math.isnan(s.lat)
    assert counts.beds_total == 25
    assert counts.bed_facilities_unlocated == ["FAKEVISTA SPECIALTY HOSPITAL"]


def test_ambiguous_name_fails_and_points_at_the_crosswalk():
    src = make_src(
        hcai=[
            rec("hcai", "Fakecollege Hospital", "1 A St", "90703", lat=33.87, lon=-118.07),
            rec("hcai", "FAKECOLLEGE HOSPITAL INC", "2 B St", "90806", lat=33.79, lon=-118.19),
        ],
        beds=[bed("999000008", "FAKECOLLEGE HOSPITAL", 187)],
    )
    with pytest.raises(BuildError) as err:
        run(src)
    msg = str(err.value)
    assert "dashboard/ingest/crosswalk.py" in msg
    assert "999000008" in msg and "2 places" in msg and "cdph_bed_types_2025" in msg


def test_unmatched_name_fails_and_points_at_the_crosswalk():
    src = make_src(hcai=[HILLTOP_HCAI], beds=[bed("999000010", "FAKENOWHERE BEHAVIORAL HOSPITAL", 30)])
    with pytest.raises(BuildError, match=r"999000010.*matches no HCAI or CovidCareMap.*crosswalk\.py"):
        run(src)


def test_state_hospital_flag_and_totals_with_and_without_it():
    src = make_src(
        hcai=[HILLTOP_HCAI],
        ccm=[STATE_CCM],
        beds=[
            bed("999000001", "FAKEHILLTOP PSYCHIATRIC HOSPITAL", 40),
            bed("999000002", "DEPARTMENT OF STATE HOSPITALS - FAKEVALE", 100),
        ],
    )
    sites, counts, _, beds = run(src)
    assert (counts.beds_total, counts.beds_excluding_state_hospital) == (140, 40)
    assert by_name(sites, "DEPARTMENT OF STATE HOSPITALS - FAKEVALE").state_hospital is True
    assert by_name(sites, "FAKEHILLTOP PSYCHIATRIC HOSPITAL").state_hospital is False
    assert beds.set_index("facid")["state_hospital"].to_dict() == {"999000001": False, "999000002": True}


def test_fixture_build_bed_tables(fixture_build):
    """The whole pipeline on the fixture: 3 facilities, 160 beds, 60 without the state hospital."""
    b = fixture_build
    rep = b.manifest.report.licensed_acute_psych_beds
    assert (rep.facilities, rep.total, rep.excluding_state_hospital) == (3, 160, 60)
    area = b.areas.set_index(["level", "area"])
    assert (area.loc[("county", 0), "beds"], area.loc[("county", 0), "beds_excl_state"]) == (160, 60)
    # Hilltop (40) is in SPA 4; the state hospital (100) and Fakegeneral (20) in SPA 7
    assert area.loc[("spa", 4), "beds"] == 40
    assert (area.loc[("spa", 7), "beds"], area.loc[("spa", 7), "beds_excl_state"]) == (120, 20)
    assert b.beds["located"].all()
    assert b.beds.set_index("facid")["spa"].to_dict() == {"999000001": 4, "999000002": 7, "999000003": 7}
    fac = b.facilities.set_index("beds_facid")
    assert fac.loc["999000001", "name"] == "Fakehilltop Psychiatric Hospital"  # the directory program
    assert int(b.facilities["psych_beds"].sum()) == 160


def test_real_crosswalk_entries_are_well_formed():
    for facid, (ref, why) in crosswalk.BEDS_TO_LOCATION.items():
        assert re.fullmatch(r"\d{9}", facid), facid
        assert ref is None or re.fullmatch(r"(hcai|ccm)-\d+", ref), ref
        assert why.strip(), facid


def test_the_bed_files_kind_beats_a_licence_lists_category():
    """Grancell Village: 'Acute Psychiatric Hospital' in the licence list, a skilled-nursing
    facility with 105 nursing beds and no psychiatric beds in the bed file; the psychiatric
    unit at the same door keeps its licence."""
    src = make_src(
        hcai=[HILLTOP_HCAI],
        licensed=[
            rec(
                "licensed",
                "FAKEGRANCELL VILLAGE",
                "7150 MOCK AVENUE",
                "91335",
                licence=taxonomy.LICENCE_APH,
                source_id="cdph-206190124",
            ),
            rec(
                "licensed",
                "Fakehilltop Psychiatric Hospital",
                "500 Sample Rd",
                "91010",
                licence=taxonomy.LICENCE_APH,
                source_id="cdph-106190001",
            ),
        ],
        beds=[
            bed("920000060", "FAKEGRANCELL VILLAGE", 105, "SKILLED NURSING", "SKILLED NURSING FACILITY"),
            bed("630011475", "Fakehilltop Psychiatric Hospital", 10),
        ],
    )
    sites, counts, excluded, _ = run(src)
    assert [s.name for s in sites] == ["Fakehilltop Psychiatric Hospital"]
    (why,) = excluded.loc[excluded["source_id"] == "cdph-206190124", "reason"]
    assert "skilled nursing facility with 105 skilled nursing beds and no psychiatric beds" in why
    assert counts.licensed_rows_other_kind == 1


def test_the_county_and_state_run_hospitals_take_their_operator_from_the_licence_name():
    src = make_src(
        hcai=[
            HILLTOP_HCAI,
            rec("hcai", "LAC/Fakeharbor Medical Center", "1 Mock Way", "90502", lat=33.83, lon=-118.29),
        ],
        ccm=[STATE_CCM],
        beds=[
            bed("999000001", "FAKEHILLTOP PSYCHIATRIC HOSPITAL", 40),
            bed("999000002", "DEPARTMENT OF STATE HOSPITALS - FAKEVALE", 100),
            bed("999000003", "LAC/FAKEHARBOR MEDICAL CENTER D/P APH", 38),
        ],
    )
    sites, _, _, _ = run(src)
    fac = facility_table(sites).set_index("name")
    op = lambda v: taxonomy.flag_column("operator", v)  # noqa: E731
    county = fac.loc["LAC/Fakeharbor Medical Center D/P APH"]
    assert county["licence_operator"] == "local_government"
    assert (county[op("local_government")], county[op("for_profit")]) == (True, False)
    assert county["operator_source"] == "licence holder's name (CDPH / HCAI)"
    assert fac.loc["Department of State Hospitals - Fakevale", op("state_government")] == True  # noqa: E712
    private = fac.loc["Fakehilltop Psychiatric Hospital"]
    assert pd.isna(private[op("for_profit")]) and pd.isna(private["operator_source"])  # not said: unknown


def test_phf_beds_come_from_covidcaremap_where_it_counts_them():
    src = make_src(
        ccm=[
            rec(
                "ccm",
                "FAKEPLAYA PSYCHIATRIC HEALTH FACILITY",
                "10 MOCK ST",
                "90802",
                lat=33.77,
                lon=-118.19,
                hospital_type="PSYCHIATRIC",
                licensed_beds_all=16,
            ),
        ],
        licensed=[
            rec(
                "licensed",
                "Fakeplaya Psychiatric Health Facility",
                "10 Mock Street",
                "90802",
                licence=taxonomy.LICENCE_PHF,
            ),
            rec("licensed", "Fakeocean PHF", "20 Mock Street", "90802", licence=taxonomy.LICENCE_PHF),
        ],
    )
    sites, counts, _, _ = run(src)
    assert by_name(sites, "Fakeplaya Psychiatric Health Facility").phf_beds == 16
    assert by_name(sites, "Fakeocean PHF").phf_beds is None
    assert (counts.phf_beds, counts.phf_without_beds) == (16, ["Fakeocean PHF"])
