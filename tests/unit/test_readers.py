"""Each source reader on its hand-made fixture file (tests/fixtures/raw/<folder>/)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import shapely

from dashboard.ingest import normalize
from dashboard.ingest.sources import (
    cdph_beds,
    common,
    costs,
    covidcaremap,
    dhcs_licensed,
    districts_2021,
    geo,
    hcai,
    hpsa,
    lms_211,
    oeps_drive_time,
    samhsa_directory,
    samhsa_locator,
)
from tests.fixtures.rawdir import FIXTURE_RAW, HCAI_STAFF_COLUMNS, set_cell


def row(df: pd.DataFrame, column: str, value) -> pd.Series:
    hits = df[df[column] == value]
    assert len(hits) == 1, f"{len(hits)} rows with {column} == {value!r}"
    return hits.iloc[0]


# --------------------------------------------------------------------------- SAMHSA directory


def test_directory_reads_both_directories_with_canonical_columns():
    df = samhsa_directory.read(FIXTURE_RAW)
    assert list(df.columns) == [*common.CANONICAL, "directory_type", "codes", "address_withheld"]
    assert df["directory_type"].value_counts().to_dict() == {"mental": 8, "substance": 2}
    assert (df["source"] == "samhsa_directory").all()
    assert df["lat"].isna().all() and df["lon"].isna().all()  # the directory has no coordinates


def test_directory_row_fields_and_decoded_codes():
    df = samhsa_directory.read(FIXTURE_RAW)
    r = row(df, "source_id", "mental_1")
    assert r["name"] == "Fakealpha Wellness Center"
    assert pd.isna(r["program"])
    assert (r["street"], r["street2"], r["city"], r["zip"]) == (
        "100 Example Street",
        "Suite 2",
        "Los Angeles",
        "90012",
    )
    assert r["phone"] == "213-555-0101"
    assert r["codes"] == (
        "MH",
        "SUMH",
        "OP",
        "OMH",
        "CBT",
        "GT",
        "IPT",
        "MD",
        "SF",
        "CHLD",
        "ADLT",
        "SP",
        "PVTN",
    )
    assert row(df, "source_id", "mental_3")["program"] == "Youth Program"


def test_directory_withheld_address_and_intake_phone_fallback():
    r = row(samhsa_directory.read(FIXTURE_RAW), "source_id", "mental_6")
    assert pd.isna(r["street"])  # "- - -" = address not published
    assert bool(r["address_withheld"]) is True
    assert r["phone"] == "323-555-0106"  # no main phone: first intake line


def test_directory_drops_rows_of_other_states(raw_copy):
    path = raw_copy / "samhsa_nsumhss_directory_2024" / "samhsa_directory_2024_la_county.csv"
    set_cell(path, "state", "NV", row=0)
    ids = set(samhsa_directory.read(raw_copy)["source_id"])
    assert "mental_1" not in ids and "mental_2" in ids


def test_code_key_is_per_directory_type():
    key = samhsa_directory.read_code_key(FIXTURE_RAW)
    assert set(key["directory_type"]) == {"mental", "substance"}
    assert set(key.loc[key["directory_type"] == "substance", "code"]) == {"SA", "OP", "OIT", "RES", "MD"}
    labels = samhsa_directory.code_labels(FIXTURE_RAW, "mental")
    assert labels["OP"] == "Outpatient"
    assert "OIT" not in labels  # a substance-only code


# --------------------------------------------------------------------------- SAMHSA locator


def test_locator_keeps_la_county_with_numeric_coordinates():
    df = samhsa_locator.read(FIXTURE_RAW)
    assert list(df.columns) == list(common.CANONICAL)
    assert len(df) == 3  # the Orange County row is dropped
    r = row(df, "source_id", "locator-9001")
    assert (r["lat"], r["lon"]) == (34.06, -118.24)
    assert r["street"] == "100 Example St" and r["zip"] == "90012"
    assert df["lat"].dtype == "float64"


def test_locator_websites_are_normalised():
    df = samhsa_locator.read(FIXTURE_RAW).set_index("source_id")
    assert df.loc["locator-9001", "website"] == "https://www.fakealpha.example.org"
    assert df.loc["locator-9002", "website"] == "http://fakebeta.example.org"
    assert pd.isna(df.loc["locator-9003", "website"])  # "not a url"


# --------------------------------------------------------------------------- LMS / 211


def test_lms_reads_points_phones_and_zips():
    df = lms_211.read(FIXTURE_RAW)
    assert list(df.columns) == [*common.CANONICAL, "description", "category", "exclusion_reason"]
    assert len(df) == 7
    r = row(df, "source_id", "lms-1")
    assert r["zip"] == "91101"  # trailing space in the source
    assert r["phone"] == "626-555-0121"  # the fax line is skipped; one format for every source
    assert r["website"] == "https://www.fakezeta.example.org"
    assert (r["lat"], r["lon"]) == (34.15, -118.14)
    assert r["category"] == "Mental Health Centers"
    assert r["program"] is None


def test_lms_exclusion_reasons():
    reasons = lms_211.read(FIXTURE_RAW).set_index("source_id")["exclusion_reason"]
    assert reasons[["lms-1", "lms-4", "lms-6"]].isna().all()
    assert reasons["lms-2"] == "administrative office, advisory body or support organisation"
    assert reasons["lms-3"] == (
        "its own description names no mental-health care (Arts and Recreation / Recreation Centers)"
    )
    assert reasons["lms-5"] == "no street address"
    assert reasons["lms-7"] == "city is outside Los Angeles County"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("FAX (626) 555-0120, Intake (626) 555-0121", "(626) 555-0121"),
        ("Main 213.555.0199", "213.555.0199"),
        ("Fax (626) 555-0120", None),
        (None, None),
    ],
)
def test_lms_voice_phone(text, expected):
    assert lms_211.voice_phone(text) == expected


# --------------------------------------------------------------------------- CDPH beds


def test_cdph_beds_keeps_la_rows_and_facid_as_text():
    df = cdph_beds.read(FIXTURE_RAW)
    assert list(df.columns) == ["facid", "facname", "fac_type", "bed_type", "beds", "data_date"]
    assert len(df) == 6  # the ORANGE row is dropped
    assert "099000004" in set(df["facid"])  # leading zero kept
    assert df["beds"].dtype.kind == "i"


def test_cdph_acute_psych_one_row_per_facility_with_state_flag():
    acute = cdph_beds.acute_psych(cdph_beds.read(FIXTURE_RAW)).set_index("facid")
    assert acute["beds"].to_dict() == {"999000001": 40, "999000002": 100, "999000003": 20}
    assert acute["state_hospital"].to_dict() == {"999000001": False, "999000002": True, "999000003": False}


# --------------------------------------------------------------------------- HCAI


def test_hcai_reads_active_la_hospitals_without_staff_columns():
    df = hcai.read(FIXTURE_RAW)
    assert list(df.columns) == [*common.CANONICAL, "licence_type"]
    # closed (status C), Orange County and the duplicate facility number are dropped
    assert sorted(df["source_id"]) == ["hcai-90001", "hcai-90002"]
    r = row(df, "source_id", "hcai-90001")
    assert r["street"] == "500 Sample Rd" and r["zip"] == "91010"
    assert r["licence_type"] == "Acute Psychiatric Hospital"
    assert not set(HCAI_STAFF_COLUMNS) & set(df.columns)
    text = df.astype(str).to_string()
    assert "Fakestaff" not in text and "777" not in text


# --------------------------------------------------------------------------- CovidCareMap


def test_covidcaremap_reads_la_hospitals_and_optional_beds():
    df = covidcaremap.read(FIXTURE_RAW)
    assert list(df.columns) == [*common.CANONICAL, "hospital_type", "licensed_beds_all"]
    assert sorted(df["source_id"]) == ["ccm-70000001", "ccm-70000002", "ccm-70000003"]
    beds = df.set_index("source_id")["licensed_beds_all"]
    assert beds["ccm-70000001"] == 1000 and beds["ccm-70000003"] == 16
    assert math.isnan(beds["ccm-70000002"])  # "NA": unknown, not zero
    assert row(df, "source_id", "ccm-70000003")["hospital_type"] == "PSYCHIATRIC"


# --------------------------------------------------------------------------- DHCS / CDPH licences


def test_dhcs_licensed_categories_and_vintages():
    df = dhcs_licensed.read(FIXTURE_RAW).set_index("source_id")
    assert len(df) == 4  # the Orange County row is dropped
    assert df.loc["dhcs-90000001", "licence"] == "Psychiatric Health Facility"
    assert df.loc["dhcs-90000002", "licence"] == "Mental Health Rehabilitation Center"
    assert df.loc["dhcs-90000001", "as_of"] == "2026-09-11"
    assert df.loc["cdph-106999002", "as_of"] == "2026-09-01"
    assert df.loc["cdph-106999002", "licensing_agency"] == "CDPH"
    assert df["lat"].isna().all()


# --------------------------------------------------------------------------- costs


def test_costs_numbers_and_grades():
    df = costs.read(FIXTURE_RAW).set_index("id")
    assert df.loc["OP-01", "value_num"] == 100.5
    assert df.loc["IP-01", "value_num"] == 1200.0  # "1,200"
    assert math.isnan(df.loc["CAP-01", "value_num"]) and df.loc["CAP-01", "value"] == "40-60"
    assert df["grade"].to_dict() == {"OP-01": "A", "IP-01": "B", "CAP-01": "C"}


# --------------------------------------------------------------------------- geo


def test_geo_spas_districts_and_boundary():
    spas = geo.read_spas(FIXTURE_RAW)
    assert sorted(spas["spa"]) == list(range(1, 9))
    assert spas.set_index("spa").loc[4, "name"] == "Metro"
    # SPA 1 is the square lon -118.6..-118.4, lat 34.0..34.3
    assert spas.set_index("spa").loc[1, "geometry"].bounds == pytest.approx((-118.6, 34.0, -118.4, 34.3))
    sds = districts_2021.read(FIXTURE_RAW)  # DISTRICT is text, the features out of order
    assert list(sds["sd"]) == [1, 2, 3, 4, 5] and sds["sd"].dtype == "int64"
    assert list(sds["name"]) == ["District 1", "District 2", "District 3", "District 4", "District 5"]
    assert sds.loc[0, "geometry"].bounds == pytest.approx((-118.6, 33.7, -118.44, 34.3))
    boundary = geo.read_boundary(FIXTURE_RAW)
    assert boundary.area == pytest.approx(0.8 * 0.6)
    assert boundary.contains(shapely.Point(-118.2, 34.0))


def test_geo_tracts_and_spa_population():
    tracts = geo.read_tracts(FIXTURE_RAW).set_index("geoid")
    assert len(tracts) == 8
    t3 = tracts.loc["06037000300"]
    assert (t3["spa"], t3["pop_total"], t3["pop_0_17"], t3["pop_18_64"], t3["pop_65p"], t3["pov133"]) == (
        3,
        3000,
        600,
        1800,
        600,
        300,
    )
    pop = geo.read_spa_population(FIXTURE_RAW).set_index("spa")
    # only the 2018 vintage is read (the fixture also has 2019 rows of 999 per unit)
    assert pop.loc[0, "pop_total"] == 36000 and pop.loc[3, "pop_total"] == 3000
    assert pop.loc[8, "pov133"] == 800


# --------------------------------------------------------------------------- shared helpers


def test_address_lines_put_the_street_address_first():
    line1 = pd.Series(["Fakeadventist Hospital", "100 Example St", None, "P.O. Box 12"])
    line2 = pd.Series(["1701 Mock Ave, Suite 532", "Suite 2", "12 Pretend Place", None])
    street, street2 = common.address_lines(line1, line2)
    assert list(street) == ["1701 Mock Ave, Suite 532", "100 Example St", "12 Pretend Place", "P.O. Box 12"]
    assert list(street2) == ["Fakeadventist Hospital", "Suite 2", None, None]


def test_la_county_rows_whatever_the_spelling():
    df = pd.DataFrame({"county": ["Los Angeles", "LOS ANGELES COUNTY", " los angeles ", "Orange", None]})
    assert len(common.la_county(df, "county")) == 3


def test_check_allowed_names_the_column_and_values(tmp_path):
    df = pd.DataFrame({"category": ["PHF", "Spa", "PHF"]})
    common.check_allowed(df, "category", ("PHF", "Spa"), tmp_path / "f.csv", "unknown category")
    with pytest.raises(common.SourceError, match=r"f\.csv: unknown category; column 'category'.*'Spa'"):
        common.check_allowed(df, "category", ("PHF",), tmp_path / "f.csv", "unknown category")


@pytest.mark.parametrize(
    "name, excluded",
    [
        ("SA 6 Advisory Committee (SAAC) West Central Mental Health", True),
        ("Fakeriver Mental Health Advisory Board", True),
        ("NAMI - Fakeville", True),
        ("County Mental Health Plan", True),
        ("West Advisory Christian Counseling Center", False),  # a counselling centre named "Advisory"
        ("Fakezeta Mental Health Center", False),
    ],
)
def test_lms_administrative_and_advisory_bodies_by_name(name, excluded):
    reason = lms_211.exclusion_reason(
        "Health and Mental Health", "Mental Health Counseling", name, "1 Mock St", "Los Angeles"
    )
    assert (reason == "administrative office, advisory body or support organisation") is excluded


@pytest.mark.parametrize(
    "cat1, cat2, name, description, reason",
    [
        # a county clinic filed under "Government Offices" is a clinic
        (
            "Government",
            "Government Offices",
            "Fakevalley Mental Health Center",
            "The center provides mental health services for adults.",
            None,
        ),
        # a clinic left out by its category before: its name and a health category say care
        (
            "Health and Mental Health",
            "Health Education and Counseling",
            "Fakeheritage Clinic - Fakeville",
            "The center provides services for older adults and their families.",
            None,
        ),
        (
            "Health and Mental Health",
            "Mental Health Counseling",
            "Fakealpha Counseling Center",
            "The agency provides counseling services for youth and adults.",
            None,
        ),
        # a mental-health category holds what says it is something else
        (
            "Health and Mental Health",
            "Mental Health Programs",
            "Fakecollege - Career Resource Center",
            "The school provides employment services and post-secondary education to people.",
            "its own description names no mental-health care",
        ),
        (
            "Health and Mental Health",
            "Mental Health Programs",
            "Fakevalley Psychological Association",
            "The association is a professional organization for psychologists.",
            "a professional association (its own description)",
        ),
        (
            "Health and Mental Health",
            "Mental Health Programs",
            "Fakewest - Sro Housing Corporation",
            "The agency provides low-cost housing for homeless and low-income adults.",
            "housing, not treatment (its own description)",
        ),
        (
            "Health and Mental Health",
            "Mental Health Counseling",
            "Fakeclinics - Fakeside Family Center",
            "This is the administrative site of a comprehensive mental health agency.",
            "administrative office, advisory body or support organisation (its own description)",
        ),
        (
            "Health and Mental Health",
            "Mental Health Programs",
            "Faketherapy Center And Associates",
            "The center provides information and referral to people who live in Los Angeles County.",
            "information and referral only (its own description)",
        ),
        (
            "Health and Mental Health",
            "Mental Health Counseling",
            "Fakerickman Recovery Center",
            "The agency provides substance abuse services for adolescents and adults.",
            "its own description names no mental-health care",
        ),
        # outside the health categories, counselling alone is not enough (a church's food pantry)
        (
            "Arts and Recreation",
            "Recreation Programs",
            "Fake Corps Community Center",
            "This agency provides counseling services, emergency food and holiday assistance.",
            "its own description names no mental-health care (Arts and Recreation / Recreation Programs)",
        ),
        # no description: the category decides, as before
        ("Health and Mental Health", "Mental Health Centers", "Fakehirsch Fakewood Center", None, None),
        (
            "Community Groups",
            "Community Organizations",
            "Fake Wellness Center",
            None,
            "category is not a treatment site (Community Groups / Community Organizations) and no "
            "description says otherwise",
        ),
    ],
)
def test_lms_records_are_classified_by_their_own_description(cat1, cat2, name, description, reason):
    assert lms_211.exclusion_reason(cat1, cat2, name, "1 Mock St", "Los Angeles", description) == reason


# --------------------------------------------------------------------------- OEPS drive time, HPSA


def test_drive_time_reads_tracts_minutes_and_counts():
    df = oeps_drive_time.read(FIXTURE_RAW).set_index("geoid")
    assert list(df.columns) == ["minutes", "providers_30min"]
    assert len(df) == 8
    assert (df.loc["06037000300", "minutes"], df.loc["06037000300", "providers_30min"]) == (12.25, 25)
    assert math.isnan(df.loc["06037000500", "minutes"])  # blank: unknown, not 0
    assert df["providers_30min"].dtype == "int64"


def test_drive_time_reads_a_national_copy_without_leading_zeros(tmp_path):
    folder = tmp_path / "oeps_mental_health_drive_time"
    folder.mkdir()
    (folder / "mentalhealth_drive_tract_la.csv").write_text(
        "origin,count within 30,minutes\n1001020100,3,11.5\n6037000100,12,3.5\n6037000200,40,0.0\n"
    )
    df = oeps_drive_time.read(tmp_path)
    assert list(df["geoid"]) == ["06037000100", "06037000200"]  # Alabama's row left out


def test_drive_time_rejects_a_tract_listed_twice(raw_copy):
    path = raw_copy / "oeps_mental_health_drive_time" / "mentalhealth_drive_tract_la.csv"
    set_cell(path, "origin", "06037000200", row=0)
    with pytest.raises(common.SourceError, match=r"tract listed twice; column 'origin'.*06037000200"):
        oeps_drive_time.read(raw_copy)


def test_hpsa_reads_la_designations():
    df = hpsa.read(FIXTURE_RAW)
    assert list(df.columns) == [
        "hpsa_id",
        "name",
        "type",
        "population_type",
        "status",
        "score",
        "fte",
        "designation_population",
        "formal_ratio",
        "ratio_goal",
        "shortage",
        "designated",
        "last_update",
        "as_of",
    ]
    assert list(df["hpsa_id"]) == ["7990000001", "7990000002", "7990000003"]  # Orange left out
    r = row(df, "hpsa_id", "7990000002")
    assert r["name"] == "LI-MSSA 99.2b/Fakeport E & S"  # the HTML entity decoded
    assert r["formal_ratio"] is None and r["ratio_goal"] == "20000:1"
    assert (r["designated"], r["last_update"], r["as_of"]) == ("2020-07-08", "2021-09-10", "2023-01-17")
    assert (r["score"], r["fte"], r["designation_population"]) == (15, 0.0, 40000)
    assert df["status"].tolist() == ["Designated", "Designated", "Proposed For Withdrawal"]


def test_hpsa_unknown_status_and_bad_date_fail(raw_copy):
    path = raw_copy / "hpsa_mental_health_ca_2023" / "hpsa_mentalhealth.csv"
    set_cell(path, "HPSA_Status", "Maybe")
    with pytest.raises(common.SourceError, match=r"unknown designation status; column 'HPSA_Status'.*Maybe"):
        hpsa.read(raw_copy)
    set_cell(path, "HPSA_Status", "Designated")
    set_cell(path, "HPSA_Designation_Date", "2022-03-14", row=1)
    with pytest.raises(common.SourceError, match=r"M/D/YYYY; column 'HPSA_Designation_Date'.*2022-03-14"):
        hpsa.read(raw_copy)


@pytest.mark.parametrize(
    "phone,placeholder",
    [
        ("888-888-8888", True),
        ("(213) 000-0000", True),
        ("+1 999 999 9999", True),
        ("310-555-0101", False),
        ("213-381-3626 x500", False),
        ("1-800-854-7771", False),
        (None, False),
    ],
)
def test_placeholder_phone_numbers_are_no_numbers(phone, placeholder):
    assert common.is_placeholder_phone(phone) is placeholder


@pytest.mark.parametrize(
    "phone, text, digits",
    [
        ("(323) 644-2000", "323-644-2000", "3236442000"),
        ("323.644.2000", "323-644-2000", "3236442000"),
        ("+1 213 555 0101", "213-555-0101", "2135550101"),
        ("626-962-6061 x2339", "626-962-6061 ext. 2339", "6269626061"),
        ("213-555-0101, 213-555-0199", "213-555-0101, 213-555-0199", None),  # two numbers: kept
        ("  ", None, None),
    ],
)
def test_one_phone_format_for_every_source(phone, text, digits):
    assert normalize.phone_text(phone) == text
    assert normalize.phone_digits(phone) == digits


def test_a_toll_free_number_tells_no_place_apart():
    assert normalize.distinctive_phone("866-862-3631") is None
    assert normalize.distinctive_phone("(818) 386-5600") == "8183865600"


@pytest.mark.parametrize(
    "url, kept",
    [
        (
            "http://fake.example.com/?utm_source=web&utm_medium=referral&utm_campaign=SAMHSA",
            "http://fake.example.com/",
        ),
        ("https://fake.example.org/a?id=3&fbclid=xyz#top", "https://fake.example.org/a?id=3#top"),
        (
            "https://fake.example.org/page?_pageid=33,1049&_dad=ptl",
            "https://fake.example.org/page?_pageid=33,1049&_dad=ptl",
        ),
    ],
)
def test_websites_lose_only_their_tracking_parameters(url, kept):
    assert common.website(pd.Series([url])).iloc[0] == kept


@pytest.mark.parametrize(
    "name, shown",
    [
        ("VERDUGO HILLS HOSPITAL D/P APH", "Verdugo Hills Hospital D/P APH"),
        ("L.A. DOWNTOWN MEDICAL CENTER-D/P APH", "L.A. Downtown Medical Center-D/P APH"),
        (
            "GRANCELL VILLAGE OF THE LOS ANGELES JEWISH HOME",
            "Grancell Village of the Los Angeles Jewish Home",
        ),
        ("C G JUNG INSTITUTE - KIEFFER E FRANTZ CLINIC", "C G Jung Institute - Kieffer E Frantz Clinic"),
        ("MLK MHRC", "MLK MHRC"),
        ("Didi Hirsch MHS", "Didi Hirsch MHS"),  # the publisher's own casing is kept
    ],
)
def test_all_capitals_names_get_their_proper_case(name, shown):
    assert normalize.proper_case(name) == shown


def test_a_name_cut_at_the_sources_two_lines_is_made_whole():
    assert normalize.whole_name("Resnick Neuropsychiatric Hospital at", "UCLA") == (
        "Resnick Neuropsychiatric Hospital at UCLA",
        None,
    )
    assert normalize.whole_name("Hillsides", "Outpatient") == ("Hillsides", "Outpatient")


def test_a_record_named_as_housing_is_housing_whatever_its_agencys_description_says():
    reason = lms_211.exclusion_reason(
        "Health and Mental Health",
        "Mental Health Programs",
        "Fakeview Village - Permanent Supportive Housing",
        "1 Mock St",
        "Los Angeles",
        "The center provides mental health services and residential mental health services.",
    )
    assert reason == "housing, not treatment (its own name)"
