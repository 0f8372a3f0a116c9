"""The matching rules (dashboard/ingest/match.py) on hand-made records, and the classes of
error an audit of the site list found, each as a small assembly."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.ingest import checks, match, overrides
from dashboard.ingest.assemble import assemble_sites
from dashboard.ingest.sites import Record, points_at_several_addresses
from dashboard.vocab import Precision
from tests.fixtures.frames import bed, by_name, make_src, rec


def r(
    name,
    street=None,
    zip5="90012",
    *,
    program=None,
    street2=None,
    city="Los Angeles",
    lat=None,
    lon=None,
    source="samhsa_locator",
    codes=None,
):
    return Record(
        name=name,
        program=program,
        street=street,
        street2=street2,
        city=city,
        zip=zip5,
        source=source,
        source_id=f"{source}-{name}",
        as_of="fixture",
        lat=float("nan") if lat is None else lat,
        lon=float("nan") if lon is None else lon,
        codes=codes,
    )


def run(src):
    return assemble_sites(src, None)


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (("100 Example St", "Suite 2"), ("100 Example Street", "Ste. 2"), "suite"),
        (("100 Example St", None), ("100 Example Street", "Suite 2"), "street"),
        (("1224 N Testing Ave", None), ("1224 Testing Avenue", None), "street"),
        (("233 Base Line Rd", None), ("233 Baseline Road", None), "number"),
        (("150 Westwood Plaza", None), ("150 Medical Plaza", None), "number"),
        (("1224 Testing Ave", None), ("1226 Testing Ave", None), None),
        (("P.O. Box 12", None), ("12 Pretend Place", None), None),
    ],
)
def test_address_relation(a, b, expected):
    assert match.address_relation(r("X", a[0], street2=a[1]), r("Y", b[0], street2=b[1])) == expected


def test_a_zip_typo_in_the_same_city_or_a_neighbouring_zip_still_matches():
    assert match.zip_near("90805", "90806")
    assert not match.zip_near("90805", "91356")
    a = r("X", "5190 Atlantic Avenue", "90806", city="Long Beach")
    assert match.address_relation(a, r("Y", "5190 Atlantic Ave", "90805", city="Long Beach")) == "street"
    # the same number and street in another part of the county is another place
    assert match.address_relation(a, r("Y", "5190 Atlantic Ave", "90201", city="Bell")) is None


@pytest.mark.parametrize(
    "lines, unit", [(("Suite C-2",), "C2"), (("23504 Lyons Avenue, Suite 204",), "204"), (("#12",), "12")]
)
def test_unit_of(lines, unit):
    assert match.unit_of(*lines) == unit


# --------------------------------------------------------------------------- names


def test_name_relations():
    same = match.name_relation(
        r("Resnick Neuropsychiatric Hospital at", program="UCLA"),
        r("RESNICK NEUROPSYCHIATRIC HOSPITAL AT UCLA"),
    )
    assert same[0] == "same"
    assert match.name_relation(r("Fakeasian Fakepacific Counseling"), r("Fakeasian Fakepacific Center"))[
        0
    ] == ("strong")
    assert match.name_relation(r("Fakenest"), r("Fakenest", program="Youth"))[0] == "shared"
    assert match.name_relation(r("Fakeone Center"), r("Fakeother Center")) == (None, 0.0)


def test_a_program_named_after_its_host_is_not_the_host():
    wellnest = r("Fakenest/Integrated Servs Management", program="Fakeadventist Fakewhite Memorial")
    hospital = r("Fakeadventist Fakewhite Memorial")
    assert match.name_relation(wellnest, hospital) == (None, 0.0)


def test_place_names_count_only_at_one_street_address():
    a = r("Compton Family Mental Health Services", city="Compton")
    b = r("Department of Mental Health - Compton Mental Health Center", city="Compton")
    assert match.name_relation(a, b)[0] is None
    assert match.name_relation(a, b, places=True)[0] == "shared"


def test_programs_differ():
    assert match.programs_differ(r("T", program="Youth Residential"), r("T", program="Youth Outpatient"))
    assert not match.programs_differ(r("T", program="Youth"), r("T", program="Youth Outpatient"))
    assert not match.programs_differ(r("T"), r("T", program="Youth Outpatient"))


# --------------------------------------------------------------------------- rules


def rule(a, b):
    ev = match.compare(a, b)
    return ev.rule if ev else None


def test_rule_address_name():
    assert rule(r("Fakealpha Clinic Inc", "100 Example St"), r("Fakealpha Clinic", "100 Example Street")) == (
        "address+name"
    )
    # another organisation at the same address is not this one
    assert rule(r("Fakeother Agency", "100 Example St"), r("Fakealpha Clinic", "100 Example Street")) is None


def test_rule_address_suite_needs_two_sources():
    tenant_2020 = r("Fakeuplift Services", "3680 Mock Hwy", street2="Suite 220")
    program_2024 = r(
        "Fakepacific Clinics", "3680 Mock Highway", street2="Suite 220", source="samhsa_directory"
    )
    assert rule(tenant_2020, program_2024) == "address+suite"
    other_suite = r(
        "Fakepacific Clinics", "3680 Mock Highway", street2="Suite 520", source="samhsa_directory"
    )
    assert rule(tenant_2020, other_suite) is None
    same_list = r("Fakeshuster Counseling", "3680 Mock Hwy", street2="Suite 220")
    assert rule(tenant_2020, same_list) is None  # two practices sharing a suite in one list


def test_rule_number_name_and_nearby_name():
    licence = r("FAKERESNICK NEUROPSYCHIATRIC HOSPITAL AT FAKEUCLA", "150 Medical Plaza", "90095")
    program = r("Fakeresnick Neuropsychiatric Hospital at", "150 Westwood Plaza", "90095", program="Fakeucla")
    assert rule(licence, program) == "number+name"
    a = r("Fakeasian Fakepacific Counseling Center", "15350 Mock Way", lat=34.2, lon=-118.47)
    b = r("Fakeasian Fakepacific Counseling - Valley", "15400 Mock Way", lat=34.2008, lon=-118.47)
    assert rule(b, a) == "nearby+name"  # 89 m
    far = r("Fakeasian Fakepacific Counseling - Valley", "15400 Mock Way", lat=34.202, lon=-118.47)
    assert rule(far, a) is None  # 222 m


def test_two_programs_of_one_organisation_at_two_numbers_are_two_sites():
    out = r("Faketarzana Centers", "44443 Mock St", program="Youth Outpatient", lat=34.6902, lon=-118.148)
    res = r("Faketarzana Centers", "44447 Mock St", program="Youth Residential", lat=34.6909, lon=-118.1488)
    assert rule(res, out) is None
    # ... unless the two points are one building
    res_same_building = r(
        "Faketarzana Centers", "44447 Mock St", program="Youth Residential", lat=34.69021, lon=-118.148
    )
    assert rule(res_same_building, out) == "nearby+name"


def test_rule_withheld_links_but_never_by_a_different_program():
    program = r(
        "Fakedestinations", None, "91367", program="Fakewoodland", source="samhsa_directory", codes=("MH",)
    )
    office = r("Fakedestinations", "21 Office Lane", "91367", program="Fakewoodland")
    assert rule(office, program) == "withheld"
    other_house = r(
        "Fakedestinations", None, "91367", program="Fakeoak", source="samhsa_directory", codes=("MH",)
    )
    assert rule(office, other_house) is None


def test_rule_stale_needs_a_current_program_the_same_city_and_a_near_zip():
    current = r(
        "Fakehirsch Services",
        "221 N Mock Ave",
        "90004",
        program="Metro Center",
        source="samhsa_directory",
        codes=("MH",),
    )
    old = r("Fakehirsch Services", "672 S Mock Pl", "90057", program="Metro Center")
    assert rule(old, current) == "stale"
    assert (
        rule(r("Fakehirsch Services", "672 S Mock Pl", "90057", program="Inglewood Center"), current) is None
    )
    assert (
        rule(
            r("Fakehirsch Services", "1 Mock Way", "90805", program="Metro Center", city="Long Beach"),
            current,
        )
        is None
    )
    not_a_program = r(
        "Fakehirsch Services", "221 N Mock Ave", "90004", program="Metro Center", source="lms_211"
    )
    assert rule(old, not_a_program) != "stale"  # a locations list is not a current program
    assert (
        rule(
            r(
                "Fakehirsch Services",
                "672 S Mock Pl",
                "90057",
                program="Metro Center",
                source="dhcs_licensed",
            ),
            current,
        )
        is None
    )


# --------------------------------------------------------------------------- the audit's classes


def test_class1_a_licence_at_another_address_of_the_same_hospital_is_one_site():
    """Resnick: the directory program at 150 Westwood Plaza and the licence with its beds at 150
    Medical Plaza (same ZIP, same name) were two inpatient sites."""
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakeresnick Neuropsychiatric Hospital at",
                "150 Westwood Plaza",
                "90095",
                program="Fakeucla",
                codes=("MH", "HI"),
                source_id="mental_861",
            ),
        ],
        locator=[
            rec(
                "locator",
                "Fakeresnick Neuropsychiatric Hospital at",
                "150 Westwood Plaza",
                "90095",
                program="Fakeucla",
                lat=34.0728,
                lon=-118.4448,
                source_id="locator-6894",
            ),
        ],
        licensed=[
            rec(
                "licensed",
                "FAKERESNICK NEUROPSYCHIATRIC HOSPITAL AT FAKEUCLA",
                "150 Medical Plaza",
                "90095",
                licence=taxonomy.LICENCE_APH,
                source_id="cdph-1",
            ),
        ],
        hcai=[
            rec(
                "hcai",
                "FAKERESNICK NEUROPSYCHIATRIC HOSPITAL AT FAKEUCLA",
                "150 Medical Plaza",
                "90095",
                lat=34.0662,
                lon=-118.4453,
                source_id="hcai-1",
            ),
        ],
        beds=[bed("999000153", "FAKERESNICK NEUROPSYCHIATRIC HOSPITAL AT FAKEUCLA", 74)],
    )
    sites, _, _, _ = run(src)
    assert len(sites) == 1
    s = sites[0]
    assert (s.beds, s.licence, s.precision, s.lat) == (74, taxonomy.LICENCE_APH, Precision.EXACT, 34.0728)
    assert set(s.source_ids) == {"mental_861", "locator-6894", "cdph-1", "hcai-1", "cdph-facid-999000153"}
    assert s.other_addresses == [
        "150 Medical Plaza, Los Angeles 90095 (DHCS / CDPH licence list 2026, fixture)"
    ]


def test_class1_the_same_street_with_a_mistyped_zip_is_one_site():
    """Tarzana Treatment Centers Long Beach: 5190 Atlantic Avenue, ZIP 90806 vs 90805."""
    src = make_src(
        directory=[
            rec(
                "directory",
                "Faketarzana Treatment Centers Inc",
                "5190 Atlantic Avenue",
                "90806",
                program="Long Beach",
                city="Long Beach",
            )
        ],
        locator=[
            rec(
                "locator",
                "Faketarzana Treatment Centers Inc",
                "5190 Atlantic Avenue",
                "90805",
                city="Long Beach",
                lat=33.8508,
                lon=-118.1839,
            )
        ],
    )
    sites, _, _, _ = run(src)
    assert len(sites) == 1 and (sites[0].precision, sites[0].lat) == (Precision.EXACT, 33.8508)


def test_class2_a_stale_listing_of_a_current_program_is_history_not_a_site():
    """Didi Hirsch Metro Center: the 2020 locator at 672 S La Fayette Park Pl, the 2024 directory
    at 221 N Ardmore Ave (2.5 km): one site, where the directory says, the old address kept."""
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakehirsch Services",
                "221 North Mock Avenue",
                "90004",
                program="Metro Center",
                source_id="mental_837",
            )
        ],
        locator=[
            rec(
                "locator",
                "Fakehirsch Services",
                "672 South Mock Place",
                "90057",
                program="Metro Center",
                street2="Suite 6",
                lat=34.0602,
                lon=-118.2838,
                source_id="locator-6935",
            )
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 1
    s = sites[0]
    assert s.source_ids == ["mental_837", "locator-6935"]
    assert s.precision == Precision.APPROXIMATE  # the current address has no coordinates of its own here
    assert s.other_addresses == ["672 South Mock Place, Los Angeles 90057 (SAMHSA locator 2020, fixture)"]
    assert (counts.locator_only_sites, counts.records_linked_as_history) == (0, 1)


def test_class4_two_organisations_at_one_address_are_two_sites():
    """Olive Vista and Child and Family Center, both 23504 Lyons Ave (suites 204 and 304)."""
    src = make_src(
        lms=[
            rec(
                "lms",
                "Fakechild Center - Newhall 304 Office",
                "23504 Lyons Ave",
                "91321",
                street2="Suite 304",
                lat=34.3795,
                lon=-118.5445,
                source_id="lms-9594",
            ),
            rec(
                "lms",
                "Fakeolive Vista",
                "23504 Lyons Avenue, Suite 204",
                "91321",
                lat=34.3794,
                lon=-118.5445,
                source_id="lms-2833",
            ),
        ]
    )
    sites, _, _, _ = run(src)
    assert sorted(s.source_ids[0] for s in sites) == ["lms-2833", "lms-9594"]


def test_class6_one_point_for_two_addresses_is_not_exact():
    src = make_src(
        lms=[
            rec(
                "lms",
                "Fakecounty - Mental Health Services",
                "1975 N Long Beach Blvd",
                "90806",
                lat=33.7933,
                lon=-118.1899,
                source_id="lms-9531",
            ),
            rec(
                "lms",
                "Fakecounty - Child Program",
                "240 E 20th St",
                "90806",
                lat=33.7933,
                lon=-118.1899,
                source_id="lms-9758",
            ),
        ]
    )
    assert points_at_several_addresses(src["lms"]) == {"lms-9531", "lms-9758"}
    sites, counts, _, _ = run(src)
    assert {s.precision for s in sites} == {Precision.APPROXIMATE}
    assert all("gives its point to another address too" in s.location_source for s in sites)
    assert counts.points_given_to_several_addresses == 2


def test_class6_one_record_feeds_one_site():
    """Two programs at 3200 Motor Avenue and two locator records there: each record joins the
    program whose name it carries, not both."""
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakevista Del Mar Child and Family Servs",
                "3200 Motor Avenue",
                "90034",
                program="Residential Services",
                source_id="mental_868",
            ),
            rec(
                "directory",
                "Fakevista Del Mar Outpatient Center",
                "3200 Motor Avenue",
                "90034",
                source_id="mental_869",
            ),
        ],
        locator=[
            rec(
                "locator",
                "Fakevista Del Mar Child and Family Servs",
                "3200 Motor Avenue",
                "90034",
                program="Residential Services",
                lat=34.0315,
                lon=-118.4105,
                source_id="locator-6928",
            ),
            rec(
                "locator",
                "Fakevista Del Mar Outpatient Center",
                "3200 Motor Avenue",
                "90034",
                lat=34.0315,
                lon=-118.4105,
                source_id="locator-6929",
            ),
        ],
    )
    sites, _, _, _ = run(src)
    assert sorted(s.source_ids for s in sites) == [
        ["mental_868", "locator-6928"],
        ["mental_869", "locator-6929"],
    ]


def test_a_record_matching_two_sites_equally_is_left_out_with_its_reason():
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakebureau",
                "1910 Mock Avenue",
                "90007",
                program="Southern CA",
                source_id="mental_834",
            ),
            rec(
                "directory",
                "Fakebureau",
                "3435 Mock Blvd",
                "90010",
                program="Southern CA",
                source_id="mental_835",
            ),
        ],
        locator=[
            rec(
                "locator",
                "Fakebureau of Southern CA",
                "3910 Mock Ave",
                "90004",
                lat=34.07,
                lon=-118.29,
                source_id="locator-6919",
            )
        ],
    )
    sites, counts, excluded, _ = run(src)
    assert len(sites) == 2 and counts.records_ambiguous == 1
    assert (
        excluded.set_index("source_id")
        .loc["locator-6919", "reason"]
        .startswith("matches 2 sites equally (stale)")
    )


# --------------------------------------------------------------------------- overrides


def test_overrides_split_and_join(monkeypatch):
    a = rec(
        "lms", "Fakepacific - El Camino", "11721 Mock Rd", "90670", lat=33.93, lon=-118.06, source_id="lms-1"
    )
    b = rec(
        "lms",
        "Fakepacific - El Camino Annex",
        "11731 Mock Rd",
        "90670",
        lat=33.9302,
        lon=-118.06,
        source_id="lms-2",
    )
    c = rec(
        "locator", "Fakeuplift Services", "815 Mock Ave", "90038", lat=34.08, lon=-118.32, source_id="loc-3"
    )
    d = rec("directory", "Fakepacific Clinics", "815 Mock Avenue", "90038", source_id="mental_4")
    assert len(run(make_src(lms=[a, b]))[0]) == 1  # a strong name match 22 m apart
    assert len(run(make_src(locator=[c], directory=[d]))[0]) == 2  # no shared name word
    monkeypatch.setattr(overrides, "DIFFERENT", {frozenset({"lms-1", "lms-2"}): "reviewed"})
    monkeypatch.setattr(overrides, "SAME", {frozenset({"loc-3", "mental_4"}): "renamed"})
    assert len(run(make_src(lms=[a, b]))[0]) == 2
    sites = run(make_src(locator=[c], directory=[d]))[0]
    assert len(sites) == 1 and sites[0].source_ids == ["mental_4", "loc-3"]
    assert {e["decision"] for e in overrides.table()} == {"different", "same"}


def test_reviewed_overrides_name_real_record_ids_and_give_reasons():
    for pair, reason in {**overrides.DIFFERENT, **overrides.SAME}.items():
        assert len(pair) == 2 and len(reason) > 40


# --------------------------------------------------------------------------- checks


def _fac(rows):
    cols = [
        "site_id",
        "name",
        "program",
        "city",
        "lat",
        "lon",
        "location_precision",
        "codes",
        "psych_beds",
        "licence",
        "source_ids",
        "street",
        "street2",
        "phone",
    ]
    base = dict.fromkeys(cols)
    return pd.DataFrame([{**base, "city": "Los Angeles", "location_precision": "exact", **r} for r in rows])


def test_close_pairs_with_similar_names_are_listed_and_explained():
    fac = _fac(
        [
            dict(
                site_id="s1",
                name="Fakealpha Clinic",
                program="Adult",
                lat=34.0,
                lon=-118.0,
                codes="MH",
                source_ids="mental_1",
            ),
            dict(
                site_id="s2",
                name="Fakealpha Clinic",
                program="Youth",
                lat=34.0001,
                lon=-118.0,
                codes="MH",
                source_ids="mental_2",
            ),
            dict(site_id="s3", name="Fakealpha Clinic Inc", lat=34.0002, lon=-118.0, source_ids="lms-3"),
            dict(site_id="s4", name="Fakeother Agency", lat=34.0, lon=-118.0, source_ids="lms-4"),
            dict(site_id="s5", name="Fakealpha Clinic", lat=34.01, lon=-118.0, source_ids="lms-5"),
            # two programs of one agency at one door: their own suites and phones
            dict(
                site_id="s6",
                name="Fakegroups - Older Adults",
                lat=34.1,
                lon=-118.0,
                source_ids="lms-6",
                street="605 W Mock Blvd",
                street2="Suite 610",
                phone="213-553-1884",
            ),
            dict(
                site_id="s7",
                name="Fakegroups - Youth",
                lat=34.1,
                lon=-118.0,
                source_ids="lms-7",
                street="605 W Mock Blvd",
                street2="Suite 780",
                phone="213-236-9388",
            ),
        ]
    )
    pairs = checks.close_pairs(fac)
    got = {
        (p.site_a, p.site_b): None if pd.isna(p.explanation) else p.explanation for p in pairs.itertuples()
    }
    assert got == {
        ("s1", "s2"): "two programs the 2024 directory lists separately",
        ("s1", "s3"): None,
        ("s2", "s3"): None,
        ("s6", "s7"): "two programs in different suites with their own phones",
    }
    summary = checks.summary(fac)
    assert (summary["pairs"], summary["unexplained"]) == (4, 2)


def test_records_used_by_several_sites_are_listed():
    fac = _fac(
        [
            dict(site_id="s1", source_ids="mental_1;locator-6841"),
            dict(site_id="s2", source_ids="mental_2;locator-6841"),
        ]
    )
    assert checks.shared_records(fac) == {"locator-6841": ["s1", "s2"]}


def test_the_fixture_build_has_no_unexplained_pair_and_no_shared_record(fixture_build):
    rep = fixture_build.manifest.report.matching
    assert rep.close_pairs_with_similar_names["unexplained"] == 0
    assert rep.records_used_by_several_sites == {}


def test_by_name_helper_still_finds_a_single_site():
    sites, _, _, _ = run(
        make_src(directory=[rec("directory", "Fakealpha Clinic", "100 Example St", "90012")])
    )
    assert by_name(sites, "Fakealpha Clinic").precision == Precision.APPROXIMATE


def test_the_same_distinctive_words_are_the_same_name():
    a = r("Fakehirsch Inglewood Center", city="Inglewood")
    b = r("Fakehirsch Mental Health Services", program="Inglewood Center", city="Inglewood")
    assert match.name_relation(a, b)[0] == "same"
    # a number tells two houses apart
    assert match.name_relation(r("Fakemontare at the Valley 2"), r("Fakemontare at the Valley"))[0] != "same"


def test_a_university_zip_has_no_centroid_but_a_nearby_point_is_near():
    from dashboard.ingest import zipgeo

    assert zipgeo.centroid("90089") is None and zipgeo.centroid("90095") is None  # placeholder points
    assert zipgeo.centroid("90007") is not None
    on_campus = r("X", "817 West 34th Street", "90089", lat=34.0205, lon=-118.2856)
    assert not match.zip_near("90089", "90007")
    assert match.area_near(on_campus, r("Y", "3077 University Avenue", "90007"))
    far = r("X", "1 Mock St", "90089", lat=34.2, lon=-118.6)
    assert not match.area_near(far, r("Y", "3077 University Avenue", "90007"))


# --------------------------------------------------------------------------- late rules


def test_three_programs_in_three_suites_with_their_own_phones_stay_three_sites():
    """605 W Olympic Blvd: two programs of one agency and a clinic of another, suites 610,
    780 and 550, each with its own number (211 LA 2020)."""
    rows = [
        ("Fakeservice For Groups - Older Adults Program", "Suite 610", "213-553-1884"),
        ("Fakeservice For Groups - Asian Pacific Alliance", "Suite 780", "213-236-9388"),
        ("Asian Pacific Fakecounseling - Metro Center", "Suite 550", "213-553-1850"),
    ]
    src = make_src(
        lms=[
            rec("lms", n, "605 W Mock Blvd", "90015", street2=u, phone=p, lat=34.04397, lon=-118.2618)
            for n, u, p in rows
        ]
    )
    sites, _, _, _ = run(src)
    assert sorted(s.name for s in sites) == sorted(n for n, _, _ in rows)
    # one suite, or one phone, is still one site
    src = make_src(
        lms=[
            rec(
                "lms",
                n,
                "605 W Mock Blvd",
                "90015",
                street2="Suite 610",
                phone=p,
                lat=34.04397,
                lon=-118.2618,
            )
            for n, _, p in rows[:2]
        ]
    )
    assert len(run(src)[0]) == 1


def test_one_door_and_one_phone_under_two_names_is_one_site():
    """'Residential Program' (211 LA) and Hathaway-Sycamores' community services (locator
    2020): 44738 Sierra Hwy, Lancaster, both 661-942-5749; no name word in common."""
    src = make_src(
        locator=[
            rec(
                "locator",
                "Fakeway Child Servs",
                "44738 Sierra Highway",
                "93534",
                program="Community Services",
                phone="661-942-5749",
                lat=34.69521,
                lon=-118.13599,
            )
        ],
        lms=[
            rec(
                "lms",
                "Residential Program",
                "44738 Sierra Hwy",
                "93534",
                phone="(661) 942-5749",
                lat=34.69527,
                lon=-118.13607,
            )
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 1 and sites[0].name == "Fakeway Child Servs"
    assert counts.records_linked_by_rule == {"address+phone": 1}


def test_an_old_listing_with_the_programs_own_phone_is_its_history_at_any_distance():
    """Phillips Graduate Institute / CalFam Counseling: 2020 Chatsworth, 2024 Encino (12 km),
    the same number; a toll-free line links nothing."""
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakephillips Institute",
                "16830 Mock Boulevard",
                "91436",
                program="Fakecal Counseling",
                phone="818-386-5600",
                city="Encino",
            ),
            rec(
                "directory",
                "Fakediscovery Center",
                "4136 Mock Road",
                "90712",
                program="Lakewood",
                phone="866-862-3631",
                city="Lakewood",
            ),
        ],
        locator=[
            rec(
                "locator",
                "Fakephillips Institute",
                "19900 Mock Street",
                "91311",
                phone="818-386-5600",
                city="Chatsworth",
                lat=34.2415,
                lon=-118.5610,
            ),
            rec(
                "locator",
                "Fakediscovery Center",
                "30175 Mock Tranquila",
                "90275",
                program="Rancho Palos Verdes",
                phone="866-862-3631",
                city="Rancho Palos Verdes",
                lat=33.7565,
                lon=-118.3480,
            ),
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 3
    s = by_name([x for x in sites if x.codes], "Fakephillips Institute")
    assert s.other_addresses == ["19900 Mock Street, Chatsworth 91311 (SAMHSA locator 2020, fixture)"]
    assert [r.role for r in s.records] == ["site", "history"]
    assert counts.records_linked_by_rule == {"phone+name": 1}
    assert counts.locator_only_sites == 2  # counted when read; the late pass folds one


def test_a_phone_two_programs_give_is_an_organisations_line():
    """Two directory programs with one number: a 2020 listing with it joins neither."""
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakeclinics",
                "1 Mock St",
                "91101",
                program="Alpha Youth",
                phone="626-441-4221",
                city="Pasadena",
            ),
            rec(
                "directory",
                "Fakeclinics",
                "2 Mock St",
                "91101",
                program="Beta Adult",
                phone="626-441-4221",
                city="Pasadena",
            ),
        ],
        locator=[
            rec(
                "locator",
                "Fakeclinics",
                "66 Mock Street",
                "91104",
                program="Gamma Seniors",
                phone="626-441-4221",
                city="Pasadena",
                lat=34.16,
                lon=-118.13,
            )
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 3 and counts.records_linked_by_rule == {}


def test_the_one_program_of_that_whole_name_is_the_old_listings_program_anywhere():
    """No phone in common, the same name and program, in another city: an earlier listing;
    an organisation with several programs listed is not decided by name."""
    src = make_src(
        directory=[
            rec("directory", "Fakecounseling4Kids", "225 Mock Broadway", "91204", city="Glendale"),
        ],
        lms=[
            rec(
                "lms",
                "Fakecounseling4kids",
                "601 Mock Glenoaks Blvd",
                "91502",
                city="Burbank",
                lat=34.18,
                lon=-118.31,
            ),
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 1 and counts.records_linked_by_rule == {"name+program": 1}
    src["directory"] = pd.concat(
        [
            src["directory"],
            make_src(
                directory=[
                    rec("directory", "Fakecounseling4Kids", "21535 Mock Blvd", "90503", city="Torrance")
                ]
            )["directory"],
        ]
    )
    assert len(run(src)[0]) == 3


def test_the_programs_own_phone_and_a_word_of_its_program_name_are_enough():
    """Prototypes I-Can (211 LA 2020) and HealthRIGHT 360's Prototypes outpatient program
    (directory 2024), 626-577-2261, 400 m apart: the organisations' names differ."""
    src = make_src(
        directory=[
            rec(
                "directory",
                "Fakeright 360",
                "2650 East Mock Boulevard",
                "91107",
                city="Pasadena",
                program="Fakeprototypes Outpatient Behavioral Hlth",
                phone="626-577-2261",
            ),
        ],
        lms=[
            rec(
                "lms",
                "Fakeprototypes I-Can - Pasadena I",
                "2555 E Mock Blvd",
                "91107",
                city="Pasadena",
                phone="(626) 577-2261",
                lat=34.146,
                lon=-118.095,
            ),
        ],
    )
    sites, counts, _, _ = run(src)
    assert len(sites) == 1 and counts.records_linked_by_rule == {"phone+name": 1}
