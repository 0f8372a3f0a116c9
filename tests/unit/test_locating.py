"""Locating tiers: exact address match, house-number match, geocoder (+ cache), ZIP centroid, none."""

from __future__ import annotations

import http.server
import json
import math
import urllib.parse

import pytest

from dashboard.ingest import zipgeo
from dashboard.ingest.assemble import assemble_sites
from dashboard.ingest.geocode import CensusGeocoder
from dashboard.vocab import Precision
from tests.fixtures.frames import by_name, make_src, rec
from tests.fixtures.httpserver import closed_port_url, serve


def sites_of(src, geocoder=None):
    sites, _counts, _excluded, _beds = assemble_sites(src, geocoder)
    return sites


# --------------------------------------------------------------------------- exact


def test_exact_address_match_to_the_locator():
    src = make_src(
        directory=[rec("directory", "Fakealpha Clinic", "100 Example Street", "90012")],
        locator=[
            rec(
                "locator",
                "Fakealpha Clinic Inc",
                "100 Example St.",
                "90012",
                lat=34.06,
                lon=-118.24,
                source_id="locator-1",
                street2="Suite 2",
            )
        ],
    )
    s = by_name(sites_of(src), "Fakealpha Clinic")
    assert (s.precision, s.lat, s.lon) == (Precision.EXACT, 34.06, -118.24)
    assert s.location_source == "Exact: address matched to SAMHSA locator 2020"
    assert "locator-1" in s.source_ids
    assert len(sites_of(src)) == 1  # the locator row joined the directory program


def test_house_number_match_for_spelling_variants():
    src = make_src(
        directory=[rec("directory", "Fakebeta Counseling", "1224 N Testing Ave", "90028")],
        locator=[rec("locator", "Fakebeta", "1224 Testing Avenue", "90028", lat=34.1, lon=-118.33)],
    )
    sites = sites_of(src)
    assert len(sites) == 1
    assert (sites[0].precision, sites[0].lat) == (Precision.EXACT, 34.1)


def test_different_house_numbers_do_not_match():
    src = make_src(
        directory=[rec("directory", "Fakebeta Counseling", "1226 N Testing Ave", "90028")],
        locator=[rec("locator", "Fakebeta", "1224 Testing Avenue", "90028", lat=34.1, lon=-118.33)],
    )
    d = by_name(sites_of(src), "Fakebeta Counseling")
    assert d.precision == Precision.APPROXIMATE  # not placed at the neighbour's coordinates


def test_unplaced_site_takes_coordinates_of_the_same_address_in_hcai():
    src = make_src(
        licensed=[
            rec(
                "licensed", "Fakeplaya PHF", "600 Demo Avenue", "90802", licence="Psychiatric Health Facility"
            )
        ],
        hcai=[rec("hcai", "Somebody Else Hospital", "600 Demo Ave", "90802", lat=33.77, lon=-118.185)],
    )
    s = by_name(sites_of(src), "Fakeplaya PHF")
    assert (s.precision, s.lat, s.lon) == (Precision.EXACT, 33.77, -118.185)
    assert s.location_source == "Exact: address matched to HCAI facility list 2025"


def test_unplaced_site_matches_coordinates_by_house_number():
    src = make_src(
        licensed=[
            rec(
                "licensed",
                "Fakeplaya PHF",
                "600 E Demo Avenue",
                "90802",
                licence="Psychiatric Health Facility",
            )
        ],
        ccm=[rec("ccm", "Other", "600 DEMO AVE", "90802", lat=33.771, lon=-118.186)],
    )
    s = by_name(sites_of(src), "Fakeplaya PHF")
    assert (s.precision, s.lat) == (Precision.EXACT, 33.771)
    assert s.location_source == "Exact: address matched to CovidCareMap 2020"


def test_locator_coordinates_win_over_hcai_for_one_address():
    src = make_src(
        licensed=[
            rec("licensed", "Fakeplaya PHF", "600 Demo Ave", "90802", licence="Psychiatric Health Facility")
        ],
        hcai=[rec("hcai", "H", "600 Demo Ave", "90802", lat=33.70, lon=-118.10)],
        locator=[rec("locator", "L", "600 Demo Ave", "90802", lat=33.80, lon=-118.20)],
    )
    s = by_name(sites_of(src), "Fakeplaya PHF")
    assert (s.lat, s.lon) == (33.80, -118.20)


def test_first_coordinate_source_to_place_a_site_is_kept():
    src = make_src(
        directory=[rec("directory", "Fakealpha Clinic", "100 Example St", "90012")],
        locator=[rec("locator", "Fakealpha Clinic Inc", "100 Example St", "90012", lat=34.06, lon=-118.24)],
        lms=[
            rec(
                "lms",
                "Fakealpha Clinic",
                "100 Example St",
                "90012",
                lat=34.07,
                lon=-118.25,
                source_id="lms-9",
            )
        ],
    )
    s = by_name(sites_of(src), "Fakealpha Clinic")
    assert (s.lat, s.lon) == (34.06, -118.24)
    assert "lms-9" in s.source_ids


# --------------------------------------------------------------------------- geocoder


class CensusLike(http.server.BaseHTTPRequestHandler):
    """Answers like geocoding.geo.census.gov: one match for '200 Nowhere Lane', none otherwise."""

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        self.server.requests.append(q)
        matches = []
        if q.get("street") == ["200 Nowhere Lane"] and q.get("zip") == ["91101"]:
            matches = [
                {
                    "matchedAddress": "200 NOWHERE LN, PASADENA, CA, 91101",
                    "coordinates": {"x": -118.1234, "y": 34.1567},
                }
            ]
        body = json.dumps({"result": {"input": {}, "addressMatches": matches}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _geocoded_src():
    return make_src(
        directory=[
            rec("directory", "Fakegamma Clinic", "200 Nowhere Lane", "91101", city="Pasadena"),
            rec("directory", "Fakeunknown Clinic", "7 Unknown Court", "91101", city="Pasadena"),
        ]
    )


def test_geocoder_tier_places_unmatched_addresses_and_caches_answers(tmp_path):
    cache = tmp_path / "geocode.json"
    with serve(CensusLike) as (server, url):
        gc = CensusGeocoder(cache, base_url=f"{url}/geocoder/locations/address", online=True)
        sites = sites_of(_geocoded_src(), gc)
        gc.save()
        assert len(server.requests) == 2
        assert server.requests[0]["state"] == ["CA"] and server.requests[0]["format"] == ["json"]
    g = by_name(sites, "Fakegamma Clinic")
    assert (g.precision, g.lat, g.lon) == (Precision.EXACT, 34.1567, -118.1234)
    assert g.location_source == "Exact: US Census geocoder (cached)"
    # "no match" is an answer too: the site falls through to the ZIP centroid
    u = by_name(sites, "Fakeunknown Clinic")
    assert u.precision == Precision.APPROXIMATE
    saved = json.loads(cache.read_text())
    assert saved == {
        "200 NOWHERE LANE|PASADENA|91101": [34.1567, -118.1234],
        "7 UNKNOWN COURT|PASADENA|91101": None,
    }


def test_geocoder_cache_is_reused_offline_without_requests(tmp_path):
    cache = tmp_path / "geocode.json"
    with serve(CensusLike) as (server, url):
        gc = CensusGeocoder(cache, base_url=f"{url}/x", online=True)
        sites_of(_geocoded_src(), gc)
        gc.save()
        before = len(server.requests)
        # a later offline build: same answers from the cache, no network at all
        offline = CensusGeocoder(cache, base_url=f"{url}/x", online=False)
        g = by_name(sites_of(_geocoded_src(), offline), "Fakegamma Clinic")
        # and an online one does not ask again for cached addresses either
        again = CensusGeocoder(cache, base_url=f"{url}/x", online=True)
        sites_of(_geocoded_src(), again)
        assert len(server.requests) == before
    assert (g.precision, g.lat, g.lon) == (Precision.EXACT, 34.1567, -118.1234)
    assert offline.calls == 0 and again.calls == 0


def test_geocoder_offline_without_cache_asks_nobody(tmp_path):
    gc = CensusGeocoder(tmp_path / "none.json", base_url=closed_port_url(), online=False)
    g = by_name(sites_of(_geocoded_src(), gc), "Fakegamma Clinic")
    assert gc.calls == 0
    assert g.precision == Precision.APPROXIMATE


def test_geocoder_network_failure_falls_back_and_stops_trying(tmp_path):
    gc = CensusGeocoder(tmp_path / "g.json", base_url=closed_port_url(), online=True, timeout=2)
    src = make_src(
        directory=[rec("directory", f"Fakeclinic {i}", f"{i} Unknown Court", "91101") for i in range(1, 6)]
    )
    sites = sites_of(src, gc)
    assert all(s.precision == Precision.APPROXIMATE for s in sites)
    assert gc.calls == 3 and gc.failures == 3  # gives up after three failures
    gc.save()
    assert not (tmp_path / "g.json").exists()  # failures are not cached as "no match"


# --------------------------------------------------------------------------- ZIP centroid / none


def test_zip_centroid_is_approximate():
    src = make_src(directory=[rec("directory", "Fakegamma Clinic", "200 Nowhere Lane", "91101")])
    s = by_name(sites_of(src), "Fakegamma Clinic")
    lat, lon = zipgeo.centroid("91101")
    assert (s.precision, s.lat, s.lon) == (Precision.APPROXIMATE, lat, lon)
    assert s.location_source.startswith("Approximate: ZIP 91101 centroid (no address match")
    assert zipgeo.PACKAGE in s.location_source


def test_withheld_address_gets_the_zip_centroid_with_its_reason():
    src = make_src(directory=[rec("directory", "Fakedelta Services", None, "90001")])
    s = by_name(sites_of(src), "Fakedelta Services")
    assert s.precision == Precision.APPROXIMATE
    assert "address withheld by the facility" in s.location_source


@pytest.mark.parametrize("zip5", ["92101", None, "ABCDE"])  # San Diego ZIP, no ZIP, junk
def test_not_located_when_no_tier_applies(zip5):
    src = make_src(directory=[rec("directory", "Fakeomega Outreach", "1 Faraway Road", zip5)])
    s = by_name(sites_of(src), "Fakeomega Outreach")
    assert s.precision == Precision.NONE
    assert math.isnan(s.lat) and math.isnan(s.lon)
    assert s.location_source == "not located"
