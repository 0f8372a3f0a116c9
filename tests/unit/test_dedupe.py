"""De-duplication: directory duplicates, cross-source joins by address, proximity merge rules."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.ingest.assemble import assemble_sites
from dashboard.ingest.facilities import facility_table
from dashboard.ingest.linking import merge_nearby
from dashboard.ingest.sites import Site
from dashboard.vocab import Precision
from tests.fixtures.frames import by_name, make_src, rec

# 0.0001 degree of latitude is about 11 m.
LAT, LON = 34.05, -118.25


def run(src):
    return assemble_sites(src, None)


# --------------------------------------------------------------------------- directory


def test_directory_duplicate_rows_merge_into_one_site_with_all_codes():
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakealpha Clinic",
                "100 Example St",
                "90012",
                codes=("MH", "OP"),
                source_id="mental_1",
            ),
            rec(
                "directory",
                "Fakealpha Clinic",
                "100 Example Street",
                "90012",
                codes=("MH", "TELE"),
                source_id="mental_2",
            ),
        ]
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 1
    assert sites[0].codes == ("MH", "OP", "TELE")
    assert sites[0].source_ids == ["mental_1", "mental_2"]
    assert counts.directory_mental_rows == 2
    assert counts.directory_duplicate_rows_merged == 1


def test_programs_sharing_an_address_stay_separate():
    src = make_src(
        directory=[
            rec("directory", "Fakealpha Clinic", "100 Example St", "90012"),
            rec("directory", "Fakealpha Clinic", "100 Example St", "90012", program="Youth Program"),
            rec("directory", "Fakeother Agency", "100 Example St", "90012"),
        ]
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 3
    assert counts.directory_duplicate_rows_merged == 0


def test_withheld_address_duplicates_merge_by_name_and_zip():
    src = make_src(
        directory=[
            rec("directory", "Fakedelta Services", None, "90001", source_id="mental_6"),
            rec("directory", "Fakedelta Services", None, "90001", source_id="mental_7"),
            rec("directory", "Fakedelta Services", None, "90002", source_id="mental_8"),
        ]
    )
    sites, _, _, _ = run(src)
    assert sorted(len(s.refs) for s in sites) == [1, 2]


def test_substance_rows_join_the_mh_listing_or_are_excluded():
    src = make_src(
        directory=[
            rec("directory", "Fakealpha Clinic", "100 Example St", "90012", source_id="mental_1"),
            rec(
                "directory",
                "Fakealpha Clinic",
                "100 Example Street",
                "90012",
                directory_type="substance",
                source_id="substance_1",
            ),
            rec(
                "directory",
                "Fakesober House",
                "100 Example St",
                "90012",
                directory_type="substance",
                source_id="substance_2",
            ),
        ]
    )
    sites, counts, excluded, _ = run(src)
    assert len(sites) == 1
    assert sites[0].source_ids == ["mental_1", "substance_1"]
    assert counts.directory_substance_rows_matched_to_mh == 1
    assert excluded.to_dict("records") == [
        {
            "source": "samhsa_directory",
            "source_id": "substance_2",
            "name": "Fakesober House",
            "reason": "substance-use directory only (no mental-health listing)",
        }
    ]


# --------------------------------------------------------------------------- locator, LMS, licences


def test_locator_row_joins_the_directory_program_at_its_address():
    src = make_src(
        directory=[
            rec("directory", "Fakealpha Wellness Center", "100 Example Street", "90012", codes=("MH", "OP"))
        ],
        locator=[
            rec(
                "locator",
                "Fakealpha Wellness Ctr Inc",
                "100 Example St",
                "90012",
                lat=LAT,
                lon=LON,
                website="https://fakealpha.example.org",
                source_id="locator-1",
            )
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 1
    s = sites[0]
    assert s.sources == ["samhsa_directory", "samhsa_locator"]
    assert s.codes == ("MH", "OP")  # the directory's attributes are kept
    assert s.website == "https://fakealpha.example.org"  # filled from the locator
    assert (counts.locator_rows_matched, counts.locator_only_sites) == (1, 0)


def test_locator_joins_a_withheld_address_program_by_name_and_zip_but_does_not_place_it():
    """The facility withholds its address: a record of the same name in the ZIP is the same
    program (one site), but its address says nothing about where the program is now."""
    src = make_src(
        directory=[rec("directory", "Fakedelta Services", None, "90001", source_id="mental_6")],
        locator=[
            rec(
                "locator",
                "Fakedelta Services",
                "5 Hidden Way",
                "90001",
                lat=33.97,
                lon=-118.25,
                source_id="locator-6",
            )
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 1
    s = sites[0]
    assert s.source_ids == ["mental_6", "locator-6"]
    assert s.precision == Precision.APPROXIMATE and "address withheld by the facility" in s.location_source
    assert s.other_addresses == []  # withheld now: the 2020 address is not shown beside it
    assert counts.records_linked_by_rule == {"withheld": 1}


def test_withheld_programs_of_one_organisation_are_not_stacked_on_its_office():
    """Four houses of one organisation, addresses withheld; the locator lists one of them at
    the office: only that program is linked, none is placed on the office."""
    houses = ["Fakeoak", "Fakepine", "Fakeelm", "Fakewoodland"]
    src = make_src(
        directory=[
            rec("directory", "Fakedestinations", None, "91367", program=h, source_id=f"mental_{i}")
            for i, h in enumerate(houses)
        ],
        locator=[
            rec(
                "locator",
                "Fakedestinations",
                "21 Office Lane",
                "91367",
                program="Fakewoodland",
                street2="Suite 220",
                lat=34.17,
                lon=-118.59,
                source_id="locator-1",
            )
        ],
    )
    sites, _, _, _ = run(src)
    assert len(sites) == 4
    assert all(s.precision == Precision.APPROXIMATE for s in sites)
    assert [s.program for s in sites if "locator-1" in s.source_ids] == ["Fakewoodland"]


def test_lms_only_site_has_unknown_attributes():
    src = make_src(
        lms=[
            rec(
                "lms",
                "Fakezeta Mental Health Center",
                "400 Mock Street",
                "91101",
                lat=34.15,
                lon=-118.14,
                description="Counseling for adults (fixture).",
                source_id="lms-1",
            )
        ]
    )
    sites, counts, _, _ = run(src)
    assert counts.lms_only_sites == 1
    row = facility_table(sites).iloc[0]
    assert row["attributes"] == "unknown"
    assert row["kind"] == "unknown"
    assert row["primary_source"] == "lms_211"
    assert row["description"] == "Counseling for adults (fixture)."
    assert pd.isna(row["codes"])
    for c in taxonomy.flag_columns():
        assert pd.isna(row[c]), c


def test_excluded_lms_rows_are_not_sites():
    src = make_src(
        lms=[
            rec(
                "lms",
                "Fakeriver Advisory Committee",
                "10 Meeting Row",
                "90012",
                lat=LAT,
                lon=LON,
                source_id="lms-2",
                exclusion_reason="administrative office, advisory body or support organisation",
            )
        ]
    )
    sites, counts, excluded, _ = run(src)
    assert sites == []
    assert counts.lms_rows_excluded == 1
    assert excluded.iloc[0]["source_id"] == "lms-2"


def test_licence_joins_a_site_at_its_address_when_names_share_a_word():
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakehilltop Psychiatric Hospital",
                "500 Sample Road",
                "91010",
                codes=("MH", "HI"),
            )
        ],
        licensed=[
            rec(
                "licensed",
                "FAKEHILLTOP PSYCHIATRIC HOSPITAL",
                "500 SAMPLE RD",
                "91010",
                licence=taxonomy.LICENCE_APH,
                source_id="cdph-1",
            ),
            rec(
                "licensed",
                "FAKEMIND PSYCHOLOGY CLINIC",
                "500 SAMPLE RD",
                "91010",
                licence=taxonomy.LICENCE_PSYCH_CLINIC,
                source_id="cdph-2",
            ),
        ],
    )
    sites, counts, _, _ = run(src)
    hill = by_name(sites, "Fakehilltop Psychiatric Hospital")
    assert hill.licence == taxonomy.LICENCE_APH and "cdph-1" in hill.source_ids
    clinic = by_name(sites, "FAKEMIND PSYCHOLOGY CLINIC")  # same address, another facility
    assert clinic.licence == taxonomy.LICENCE_PSYCH_CLINIC
    assert (counts.licensed_rows_matched, counts.licensed_only_sites) == (1, 1)


# --------------------------------------------------------------------------- proximity merge


def site(
    name,
    street,
    zip5,
    dlat_m=0.0,
    *,
    codes=None,
    licence=None,
    beds=None,
    source="lms_211",
    sid=None,
    precision=Precision.EXACT,
    **attrs,
):
    s = Site(
        name=name,
        program=None,
        street=street,
        street2=None,
        city="Los Angeles",
        zip=zip5,
        phone=None,
        website=None,
        primary_source=source,
        as_of="fixture",
        codes=codes,
        licence=licence,
    )
    s.place(LAT + dlat_m / 111_195, LON, precision, "test")
    s.add_source(source, sid or f"{source}-{name}")
    if source != "dhcs_licensed" and licence:
        s.add_source("dhcs_licensed", f"lic-{name}")
    s.beds = beds
    for k, v in attrs.items():
        setattr(s, k, v)
    return s


def merged(*sites):
    out, n = merge_nearby(list(sites))
    return out, n


def test_same_house_number_and_a_distinctive_word_merge():
    a = site(
        "Fakehaynes Family of Programs",
        "233 Testline Road",
        "91750",
        codes=("MH",),
        source="samhsa_directory",
    )
    b = site(
        "Leroy Fakehaynes Center",
        "233 Test Line Rd",
        "91751",
        dlat_m=100,
        website="https://fakehaynes.example.org",
        description="Residential (fixture).",
    )
    out, n = merged(b, a)  # order does not matter: the coded record absorbs the other
    assert n == 1 and out == [a]
    assert a.sources == ["samhsa_directory", "lms_211"]
    assert a.website == "https://fakehaynes.example.org"
    assert a.description == "Residential (fixture)."


@pytest.mark.parametrize(
    "b_kwargs, why",
    [
        (dict(name="Leroy Fakehaynes Center", street="233 Test Line Rd", dlat_m=200), "too far"),
        (dict(name="Fakeother Center", street="233 Test Line Rd", dlat_m=10), "no shared word"),
        (
            dict(name="Los Angeles County Mental Health Programs", street="233 Test Line Rd", dlat_m=10),
            "only a common word (PROGRAMS) shared",
        ),
        (dict(name="Leroy Fakehaynes Center", street="9 Other St", dlat_m=10), "one word, other number"),
        (
            dict(name="Fakehaynes Fakefamily Center", street="9 Other St", dlat_m=160),
            "two words, other number, over 150 m",
        ),
        (
            dict(name="Fakehaynes Fakefamily Center", street="9 Other St", dlat_m=50, program="Youth"),
            "one organisation's two program names, other number, over 30 m",
        ),
        (
            dict(name="Fakeother Agency", street="233 Testline Road", dlat_m=0),
            "another organisation at the same address",
        ),
    ],
)
def test_no_merge_without_enough_evidence(b_kwargs, why):
    a = site("Fakehaynes Fakefamily Programs", "233 Testline Road", "91750", codes=("MH",), program="Adult")
    b = site(b_kwargs.pop("name"), b_kwargs.pop("street"), "91751", **b_kwargs)
    out, n = merged(a, b)
    assert n == 0 and len(out) == 2, why


def test_two_distinctive_words_within_30_m_merge_despite_other_numbers():
    a = site("Fakeasian Fakepacific Counseling Centers", "1310 Example Blvd", "90017")
    b = site("Fakeasian Fakepacific Counseling Adult Program", "600 Saint Mock Ave", "90017", dlat_m=20)
    out, n = merged(a, b)
    assert n == 1 and len(out) == 1


def test_a_strong_name_match_within_150_m_merges_despite_other_numbers():
    """One organisation's record at two house numbers of one block (15350 / 15400 Sherman Way)."""
    a = site("Fakeasian Fakepacific Counseling Center", "15350 Mock Way", "91406")
    b = site("Fakeasian Fakepacific Counseling - Valley Center", "15400 Mock Way", "91406", dlat_m=95)
    out, n = merged(a, b)
    assert n == 1 and len(out) == 1


def test_different_organisations_at_one_address_stay_apart_even_with_a_common_word():
    """ "Wellnest / Adventist Health White Memorial" (a program in the hospital's building) is
    not the hospital: the organisation names share no distinctive word."""
    a = site(
        "Fakenest",
        "1701 Mock Ave",
        "90033",
        program="Fakeadventist Fakewhite Memorial",
        codes=("MH", "OP"),
        source="samhsa_directory",
    )
    b = site("Fakeadventist Fakewhite Memorial", "1720 Mock Ave", "90033", dlat_m=55, beds=20)
    assert merged(a, b)[1] == 0


def test_two_coded_programs_never_merge():
    a = site(
        "Fakealpha Adult Clinic", "100 Example St", "90012", codes=("MH", "OP"), source="samhsa_directory"
    )
    b = site(
        "Fakealpha Youth Clinic",
        "100 Example Street",
        "90013",
        dlat_m=5,
        codes=("MH", "OP"),
        source="samhsa_directory",
    )
    out, n = merged(a, b)
    assert n == 0 and len(out) == 2


def test_two_licences_of_different_kinds_never_merge():
    a = site("Fakeplaya Casa PHF", "800 Mockingbird Way", "90802", licence=taxonomy.LICENCE_PHF)
    b = site("Fakeplaya Casa MHRC", "800 Mockingbird Way", "90803", dlat_m=5, licence=taxonomy.LICENCE_MHRC)
    out, n = merged(a, b)
    assert n == 0 and len(out) == 2


def test_two_licence_records_of_one_kind_never_merge():
    """Two PHF licences on one campus are two licensed facilities (each with its own beds)."""
    a = site("Fakeplaya Casa Adult PHF", "800 Mockingbird Way", "90802", licence=taxonomy.LICENCE_PHF)
    b = site(
        "Fakeplaya Casa Adolescent PHF",
        "800 Mockingbird Way",
        "90803",
        dlat_m=5,
        licence=taxonomy.LICENCE_PHF,
    )
    out, n = merged(a, b)
    assert n == 0 and len(out) == 2


def test_a_licence_and_an_unlicensed_record_merge_and_keep_the_licence():
    a = site("Fakeplaya Casa PHF", "800 Mockingbird Way", "90802", licence=taxonomy.LICENCE_PHF)
    b = site("Fakeplaya Casa", "800 Mockingbird Way", "90803", dlat_m=5, source="samhsa_locator")
    out, n = merged(a, b)
    assert n == 1 and len(out) == 1
    assert out[0].licence == taxonomy.LICENCE_PHF
    assert set(out[0].sources) >= {"lms_211", "samhsa_locator", "dhcs_licensed"}


def test_two_bed_holding_facilities_never_merge_but_beds_travel_to_the_kept_site():
    a = site("Fakegeneral Medical Center", "600 Demo Ave", "90802", beds=20)
    b = site("Fakegeneral Behavioral Unit", "600 Demo Avenue", "90803", dlat_m=5, beds=12)
    assert merged(a, b)[1] == 0
    c = site(
        "Fakegeneral Outpatient Clinic",
        "600 Demo Ave",
        "90012",
        dlat_m=5,
        codes=("MH", "OP"),
        source="samhsa_directory",
    )
    d = site(
        "Fakegeneral Medical Center",
        "600 Demo Ave",
        "90802",
        beds=20,
        beds_facid="999000003",
        state_hospital=False,
    )
    out, n = merged(d, c)
    assert n == 1 and out == [c]
    assert (c.beds, c.beds_facid) == (20, "999000003")


def test_approximate_points_are_never_merged():
    a = site("Fakegamma Clinic", "200 Nowhere Lane", "91101", precision=Precision.APPROXIMATE)
    b = site("Fakegamma Clinic", "200 Nowhere Lane", "91102", precision=Precision.APPROXIMATE)
    assert merged(a, b)[1] == 0


def test_same_street_in_the_same_city_joins_despite_a_zip_typo():
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakeresnick Neuropsychiatric Hospital",
                "150 Sample Plaza",
                "90095",
                codes=("MH", "HI"),
                source_id="mental_9",
            )
        ],
        locator=[
            rec(
                "locator",
                "Fakeresnick Neuropsychiatric Hospital",
                "150 Sample Plaza",
                "90095",
                lat=34.0664,
                lon=-118.4456,
                source_id="locator-9",
            )
        ],
        lms=[
            rec(
                "lms",
                "Fakeresnick Neuropsych Adult Inpatient",
                "150 W. Sample Blvd.",
                "90024",
                lat=34.0668,
                lon=-118.4454,
                source_id="lms-9",
                description="Inpatient (fixture).",
            )
        ],
    )
    sites, counts, _, _ = run(src)
    # "150 W. Sample Blvd." 90024 = "150 Sample Plaza" 90095: the same number and street name
    # in the same city, and a distinctive name word in common
    assert (counts.lms_rows_matched, counts.lms_only_sites) == (1, 0)
    assert len(sites) == 1
    assert sites[0].source_ids == ["mental_9", "locator-9", "lms-9"]
    assert sites[0].description == "Inpatient (fixture)."
