"""The site list on the real sources: one record per real site.

An audit of the built table found the site list wrong in about two dozen places: one
hospital counted twice, residential houses stacked on an office, two organisations merged
into one site, 2020 addresses shown as current.  The named cases are regression tests here;
the last tests list every close pair with similar names and every record used twice.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.ingest import checks, match


@pytest.fixture(scope="module")
def fac(real_build):
    return real_build.facilities


def site_of(fac, record_id: str) -> pd.Series:
    hits = fac[fac["source_ids"].str.split(";").map(lambda ids: record_id in ids)]
    assert len(hits) == 1, f"{record_id} is in {len(hits)} sites"
    return hits.iloc[0]


def ids(row) -> set[str]:
    return set(row["source_ids"].split(";"))


# --------------------------------------------------------------------------- 1. false splits


def test_resnick_is_one_inpatient_site_with_its_licence_and_beds(fac):
    s = site_of(fac, "mental_861")  # directory: 150 Westwood Plaza
    assert {"locator-6894", "cdph-106190930", "hcai-12817", "cdph-facid-930000153"} <= ids(s)
    assert (s["psych_beds"], s["kind"], s["location_precision"]) == (74, "inpatient", "exact")
    resnick = fac[fac["name"].str.contains("resnick", case=False)]
    assert len(resnick[resnick["kind"] == "inpatient"]) == 1


def test_tarzana_long_beach_zip_typo_is_one_exact_site(fac):
    s = site_of(fac, "mental_827")  # 5190 Atlantic Avenue, 90806
    assert "locator-7065" in ids(s)  # 5190 Atlantic Avenue, 90805
    assert s["location_precision"] == "exact"


def test_a_street_in_the_second_address_line_joins_its_program(fac):
    s = site_of(fac, "mental_874")  # Wellnest at Adventist Health White Memorial
    assert "locator-6959" in ids(s)  # street1 "Adventist Health White Memorial", street2 the address
    assert s["location_precision"] == "exact"
    assert "cdph-facid-930000860" not in ids(s)  # the hospital's beds are the hospital's


# --------------------------------------------------------------------------- 2. stale duplicates


@pytest.mark.parametrize(
    "program, old, old_street",
    [
        ("mental_837", "locator-6935", "672 South La Fayette Park Place"),  # Didi Hirsch Metro Center
        ("mental_977", "locator-6700", "1529 East Palmdale Boulevard"),  # Childrens Bureau, Palmdale
        ("mental_975", "locator-6707", "38345 30th Street East"),  # Child and Family Center, Palmdale
    ],
)
def test_a_2020_listing_of_a_current_program_is_its_history(fac, program, old, old_street):
    s = site_of(fac, program)
    assert old in ids(s)
    assert old_street in s["other_addresses"]
    assert old_street not in (s["street"] or "")


# --------------------------------------------------------------------------- 3. withheld addresses


def test_withheld_addresses_are_never_exact(fac):
    withheld = fac[fac["street"].isna() & fac["codes"].notna()]
    assert len(withheld) > 20
    assert set(withheld["location_precision"]) == {"approximate"}
    assert withheld["location_source"].str.contains("address withheld").all()


def test_four_houses_are_not_stacked_on_their_office(fac):
    houses = [site_of(fac, f"mental_{n}") for n in (1267, 1268, 1269, 1270)]
    assert len({h["site_id"] for h in houses}) == 4
    assert [("locator-6841" in ids(h)) for h in houses] == [False, False, False, True]
    withheld = fac[fac["street"].isna() & fac["codes"].notna()]
    assert withheld["other_addresses"].isna().all()  # an old address is not shown beside them


# --------------------------------------------------------------------------- 4. false merges


def test_two_organisations_at_one_address_are_two_sites(fac):
    assert site_of(fac, "lms-2833")["site_id"] != site_of(fac, "lms-9594")["site_id"]  # Olive Vista / C&FC
    # 605 W Olympic Blvd: Special Service for Groups' Asian Pacific Islander alliance (suite
    # 780, 213-236-9388) and Asian Pacific Counseling and Treatment Centers' Metro clinic
    # (suite 550, 213-553-1850) were one site under an older-adults label
    alliance, clinic = site_of(fac, "lms-2787"), site_of(fac, "lms-9668")
    assert alliance["site_id"] != clinic["site_id"]
    assert clinic["name"] == "Asian Pacific Counseling And Treatment Centers - Metro Center"


def test_records_at_a_shared_address_join_the_program_they_name(fac):
    assert "locator-7021" in ids(site_of(fac, "mental_878"))  # Aviva, Suite 520
    assert "locator-7022" in ids(site_of(fac, "mental_880"))  # Uplift -> Pacific Clinics, Suite 220
    assert "locator-6928" in ids(site_of(fac, "mental_868"))  # Vista Del Mar residential
    assert "locator-6929" in ids(site_of(fac, "mental_869"))  # Vista Del Mar outpatient


# --------------------------------------------------------------------------- 6. shared points and records


def test_one_point_given_to_two_addresses_is_not_exact(fac):
    for rid in ("lms-9531", "lms-9758"):  # LA DMH Long Beach: 1975 N Long Beach Blvd / 240 E 20th St
        assert site_of(fac, rid)["location_precision"] == "approximate"


def test_no_two_exact_sites_at_different_addresses_share_a_point(fac):
    exact = fac[fac["location_precision"] == "exact"]
    for _, grp in exact.groupby(["lat", "lon"]):
        numbers = {(st.number if (st := match.parse_street(s, None)) else s) for s in grp["street"]}
        assert len(numbers) == 1, grp[["name", "street"]].to_dict("records")


def test_no_source_record_is_used_by_two_sites(real_build, fac):
    every = [rid for ids_ in fac["source_ids"] for rid in dict.fromkeys(ids_.split(";"))]
    twice = sorted({rid for rid in every if every.count(rid) > 1})
    assert twice == []
    assert real_build.manifest.report.matching.records_used_by_several_sites == {}


def test_every_close_pair_with_similar_names_is_explained(real_build, fac):
    """Every pair of located sites within 50 m whose names share a distinctive word, found
    by brute force here, has a reason to be two sites; the report counts the same pairs."""
    loc = fac[fac["location_precision"] != "none"].reset_index(drop=True)
    lat, lon = loc["lat"].tolist(), loc["lon"].tolist()
    found, unexplained = [], []
    for i in range(len(loc)):
        for j in range(i + 1, len(loc)):
            d = _metres(lat[i], lon[i], lat[j], lon[j])
            if d > 50:
                continue
            a, b = loc.iloc[i], loc.iloc[j]
            if match.similar_names(checks._Named(a), checks._Named(b)):
                found.append((a["site_id"], b["site_id"]))
                if checks.explain(a, b) is None:
                    unexplained.append((checks._label(a), checks._label(b), round(d)))
    assert unexplained == []
    rep = real_build.manifest.report.matching.close_pairs_with_similar_names
    assert (rep["pairs"], rep["unexplained"]) == (len(found), 0)
    assert len(found) >= 10  # the 2024 directory's co-located programs are such pairs


def _metres(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


# --------------------------------------------------------------------------- 5. wrong exclusions


def test_a_counselling_centre_named_advisory_is_a_site(real_build, fac):
    s = site_of(fac, "lms-10165")  # West Advisory Christian Counseling Center, Huntington Park
    assert s["location_precision"] == "exact"
    assert "lms-10165" not in set(real_build.excluded["source_id"])
    assert "lms-10857" in set(real_build.excluded["source_id"])  # SA 6 Advisory Committee: not a site


@pytest.mark.parametrize(
    "program, old",
    [
        ("mental_843", "locator-6964"),  # Haven at College: USC's own ZIP 90089 vs 90007
        ("mental_782", "lms-10921"),  # Didi Hirsch Inglewood Center, 211 LA's spelling
        ("mental_664", "lms-10749"),  # El Centro de Amistad, West Valley Office
    ],
)
def test_more_2020_listings_of_current_programs(fac, program, old):
    assert old in ids(site_of(fac, program))


# --------------------------------------------------------------------------- 7. issue 20: quotable numbers


@pytest.mark.parametrize(
    "program, old, rule_text",
    [
        # the program's own phone and a name word, at any distance: an earlier listing
        ("mental_728", "locator-6807", "19900 Plummer Street, Chatsworth"),  # Phillips / CalFam, now Encino
        (
            "mental_756",
            "locator-6873",
            "601 South Glenoaks Boulevard, Burbank",
        ),  # Counseling4Kids, now Glendale
        ("mental_846", "lms-9670", "1282 W 2Nd St"),  # Hillsides Family Resource Center, now Huntington Dr
        ("mental_1238", "lms-9650", None),  # SFV CMHC Cornerstone: the program withholds its address
    ],
)
def test_a_listing_with_a_programs_own_phone_is_its_earlier_address(fac, program, old, rule_text):
    s = site_of(fac, program)
    assert old in ids(s)
    if rule_text:
        assert rule_text in s["other_addresses"]
    else:
        assert pd.isna(s["other_addresses"]) or "14660 Oxnard" not in s["other_addresses"]


def test_one_door_and_one_phone_is_one_site(fac):
    # Harbor View Community Services Center (211) is Children's Bureau's Long Beach office
    assert site_of(fac, "lms-11906")["site_id"] == site_of(fac, "mental_820")["site_id"]
    # "Residential Program" (211) is Hathaway-Sycamores at 44738 Sierra Hwy, Lancaster
    assert site_of(fac, "lms-1653")["site_id"] == site_of(fac, "locator-6648")["site_id"]


def test_a_national_intake_line_links_nothing(fac):
    # Center for Discovery's toll-free number is on its Lakewood program and a 2020 house in
    # Rancho Palos Verdes: an organisation's line says nothing about one house
    assert site_of(fac, "locator-7085")["site_id"] != site_of(fac, "mental_800")["site_id"]


@pytest.mark.parametrize(
    "record, reason",
    [
        ("cdph-206190124", "skilled nursing facility with 105 skilled nursing beds"),  # Grancell Village
        ("lms-2704", "a professional association"),  # San Gabriel Valley Psychological Association
        ("lms-9918", "housing, not treatment"),  # Golden West SRO Housing Corporation
        ("lms-10346", "names no mental-health care"),  # LA Trade Tech career centre
        ("lms-6139", "a correctional program"),  # Probation, juvenile institutions
        ("lms-9483", "administrative"),  # Pacific Clinics: "the administrative site of" an agency
    ],
)
def test_records_that_are_not_treatment_sites_are_left_out_with_their_reason(real_build, record, reason):
    why = real_build.excluded.set_index("source_id")["reason"]
    assert reason in why[record]


@pytest.mark.parametrize(
    "record",
    [
        "lms-9744",  # Enki Margarita Mendez Center: "mental health services for adults"
        "lms-9998",  # Heritage Clinic - Los Angeles (older adults)
        "lms-9980",  # Heritage Clinic - Palmdale
        "lms-9691",  # LA DMH Antelope Valley Mental Health Center, filed under volunteering
    ],
)
def test_clinics_the_211_category_hid_are_sites(fac, record):
    assert site_of(fac, record)["location_precision"] in ("exact", "approximate")


def test_residential_treatment_centres_are_not_hospitals(fac):
    for program in ("mental_1271", "mental_1208"):  # Hillside Recovery, Tarzana Recovery (RTCA)
        s = site_of(fac, program)
        assert s["kind"] == "residential_day" and s["setting__inpatient"] == False  # noqa: E712
