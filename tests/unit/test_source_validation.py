"""Broken raw files fail loudly: SourceError naming the file and the column (parametrized over
every registered source file)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.errors import BuildError, SourceError
from dashboard.ingest import pipeline
from dashboard.ingest.sources import (
    cdph_beds,
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
from dashboard.registry import SOURCES
from tests.fixtures import rawdir


@dataclass(frozen=True)
class Case:
    key: str
    name: str
    read: Callable
    rename: str  # a required column / property
    bad_column: str  # a typed column ...
    bad_value: object  # ... and a value of the wrong type for it

    @property
    def geojson(self) -> bool:
        return self.name.endswith(".geojson")

    def path(self, raw: Path) -> Path:
        return raw / SOURCES[self.key].folder / self.name

    def __str__(self) -> str:
        return self.name


CASES = [
    Case(
        "samhsa_directory",
        "samhsa_directory_2024_la_county.csv",
        samhsa_directory.read,
        "service_code_info",
        "zip",
        "9OO12",
    ),
    Case(
        "samhsa_directory",
        "service_code_key_2024.csv",
        samhsa_directory.read,
        "label",
        "directory_type",
        "12",
    ),
    Case(
        "samhsa_locator",
        "samhsa_mh_providers_la_county.csv",
        samhsa_locator.read,
        "latitude",
        "latitude",
        "north",
    ),
    Case("lms_211", "lms_mental_health_points_la_county.csv", lms_211.read, "addrln1", "longitude", "west"),
    Case(
        "cdph_beds",
        "cdph_healthcare_facility_beds_la_county.csv",
        cdph_beds.read,
        "BED_CAPACITY",
        "BED_CAPACITY",
        "forty",
    ),
    Case("hcai", "hcai_facility_list_la_county.csv", hcai.read, "Latitude", "Latitude", "thirty-four"),
    Case(
        "covidcaremap",
        "hospitals_la_county.csv",
        covidcaremap.read,
        "Licensed.All.Beds",
        "Licensed.All.Beds",
        "many",
    ),
    Case(
        "dhcs_licensed",
        "california_mh_licensed_facilities_la_county.csv",
        dhcs_licensed.read,
        "category",
        "zip",
        "Long Beach",
    ),
    Case("costs", "benchmarks.csv", costs.read, "care_setting", "care_setting", "3.5"),
    Case(
        "oeps_drive_time",
        "mentalhealth_drive_tract_la.csv",
        oeps_drive_time.read,
        "count within 30",
        "minutes",
        "soon",
    ),
    Case("hpsa_mental_health", "hpsa_mentalhealth.csv", hpsa.read, "HPSA_Status", "HPSA_Score", "high"),
    Case("geo", "la_county_spa_2012.geojson", geo.read_spas, "SPA_NUM", "SPA_NUM", "one"),
    Case(
        "districts_2021",
        "supervisorial_districts_2021.geojson",
        districts_2021.read,
        "DISTRICT",
        "DISTRICT",
        "two",
    ),
    Case("geo", "la_county_tracts2010_pop2018.geojson", geo.read_tracts, "pop_2018", "pop_2018", "lots"),
    Case("geo", "la_county_spa_population.csv", geo.read_spa_population, "indicator", "value", "many"),
    Case(
        "geo",
        "la_county_boundary.geojson",
        geo.read_boundary,
        "NAME",
        "geometry",
        {"type": "Polygon", "coordinates": "not coordinates"},
    ),
]


def test_every_registered_file_has_a_case():
    registered = {(k, f.name) for k, s in SOURCES.items() for f in s.files}
    assert registered == {(c.key, c.name) for c in CASES}


def test_the_unbroken_fixture_reads(raw_copy):
    for case in CASES:
        case.read(raw_copy)  # no error: the failures below come from the breakage


def fails(case: Case, raw: Path) -> str:
    with pytest.raises(SourceError) as err:
        case.read(raw)
    msg = str(err.value)
    assert case.name in msg, msg
    assert err.value.path.endswith(case.name)
    return msg


@pytest.mark.parametrize("case", CASES, ids=str)
def test_missing_file(case, raw_copy):
    case.path(raw_copy).unlink()
    msg = fails(case, raw_copy)
    assert "missing" in msg
    assert case.rename in msg  # tells what the file should hold


@pytest.mark.parametrize("case", CASES, ids=str)
def test_renamed_column(case, raw_copy):
    path = case.path(raw_copy)
    if case.geojson:
        rawdir.rename_property(path, case.rename, case.rename + "_renamed")
    else:
        rawdir.rename_column(path, case.rename, case.rename + "_renamed")
    msg = fails(case, raw_copy)
    assert f"column {case.rename!r}" in msg


@pytest.mark.parametrize("case", CASES, ids=str)
def test_wrong_type(case, raw_copy):
    path = case.path(raw_copy)
    if case.bad_column == "geometry":
        rawdir.edit_features(path, lambda f: f.update(geometry=case.bad_value))
    elif case.geojson:
        rawdir.set_property(path, case.bad_column, case.bad_value)
    else:
        rawdir.set_cell(path, case.bad_column, case.bad_value)
    msg = fails(case, raw_copy)
    assert f"column {case.bad_column!r}" in msg
    if isinstance(case.bad_value, str):
        assert case.bad_value in msg  # the offending value is shown


@pytest.mark.parametrize("case", CASES, ids=str)
def test_empty_file(case, raw_copy):
    case.path(raw_copy).write_bytes(b"")
    msg = fails(case, raw_copy)
    assert "empty" in msg
    assert case.rename in msg


@pytest.mark.parametrize("case", [c for c in CASES if not c.geojson], ids=str)
def test_header_only_csv(case, raw_copy):
    path = case.path(raw_copy)
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    msg = fails(case, raw_copy)
    assert "no rows" in msg


@pytest.mark.parametrize("case", CASES, ids=str)
def test_truncated_file(case, raw_copy):
    path = case.path(raw_copy)
    if case.geojson:
        rawdir.truncate_bytes(path)
        msg = fails(case, raw_copy)
        assert "truncated" in msg
        assert case.rename in msg  # the properties the file should hold
    else:
        header, _ = rawdir.read_rows(path)
        rawdir.truncate_csv(path)  # cut 3 characters into the last record
        tail = path.read_text(encoding="utf-8").rsplit("\n", 1)[-1]
        n = len(next(csv.reader([tail])))  # fields left in the cut record
        where = header[n - 1] or f"Unnamed: {n - 1}"  # pandas' name for a blank header
        msg = fails(case, raw_copy)
        assert "truncated" in msg
        assert f"column {where!r}" in msg  # where the record breaks off


def test_truncated_inside_a_quoted_field_is_reported_as_truncation(raw_copy):
    path = raw_copy / "costs" / "benchmarks.csv"
    text = path.read_text(encoding="utf-8").rstrip("\n")
    cut = text.rindex('"Made-up figure') if '"Made-up figure' in text else text.rindex('"')
    path.write_text(text[: cut + 5], encoding="utf-8")  # ends inside an open quote
    msg = fails(next(c for c in CASES if c.name == "benchmarks.csv"), raw_copy)
    assert "truncated" in msg


def test_unknown_service_code_names_file_column_and_code(raw_copy):
    path = raw_copy / "samhsa_nsumhss_directory_2024" / "samhsa_directory_2024_la_county.csv"
    rawdir.set_cell(path, "service_code_info", "MH * OP * ZZTOP")
    with pytest.raises(
        SourceError, match=r"samhsa_directory_2024_la_county\.csv.*'service_code_info'.*ZZTOP"
    ):
        samhsa_directory.read(raw_copy)


def test_substance_code_on_a_mental_row_is_unknown(raw_copy):
    path = raw_copy / "samhsa_nsumhss_directory_2024" / "samhsa_directory_2024_la_county.csv"
    rawdir.set_cell(path, "service_code_info", "MH * OIT")  # OIT exists only in the substance key
    with pytest.raises(SourceError, match="OIT"):
        samhsa_directory.read(raw_copy)


def test_code_key_missing_a_taxonomy_code(raw_copy):
    path = raw_copy / "samhsa_nsumhss_directory_2024" / "service_code_key_2024.csv"
    header, rows = rawdir.read_rows(path)
    rawdir.write_rows(path, header, [r for r in rows if not (r[0] == "mental" and r[1] == "PEFP")])
    with pytest.raises(SourceError, match=r"service_code_key_2024\.csv.*'code'.*PEFP"):
        samhsa_directory.read(raw_copy)


def test_facid_without_leading_zero(raw_copy):
    path = raw_copy / "cdph_bed_types_2025" / "cdph_healthcare_facility_beds_la_county.csv"
    rawdir.set_cell(path, "FACID", "99000004", row=5)
    with pytest.raises(SourceError, match=r"'FACID'.*99000004"):
        cdph_beds.read(raw_copy)


def test_coordinates_outside_the_county(raw_copy):
    path = raw_copy / "samhsa_mh_locator_2020_oeps" / "samhsa_mh_providers_la_county.csv"
    rawdir.set_cell(path, "latitude", "40.75")  # New York: possible, but not in the county
    rawdir.set_cell(path, "longitude", "-73.99")
    with pytest.raises(
        SourceError, match=r"samhsa_mh_providers_la_county\.csv.*outside Los Angeles.*'lat/lon'"
    ):
        samhsa_locator.read(raw_copy)


def test_negative_bed_count(raw_copy):
    path = raw_copy / "cdph_bed_types_2025" / "cdph_healthcare_facility_beds_la_county.csv"
    rawdir.set_cell(path, "BED_CAPACITY", "-4")
    with pytest.raises(SourceError, match=r"'BED_CAPACITY'.*-4"):
        cdph_beds.read(raw_copy)


def test_missing_spa_fails(raw_copy):
    path = raw_copy / "geo" / "la_county_spa_2012.geojson"
    data = json.loads(path.read_text())
    data["features"] = data["features"][:-1]
    path.write_text(json.dumps(data))
    with pytest.raises(SourceError, match=r"la_county_spa_2012\.geojson.*1 to 8.*'SPA_NUM'"):
        geo.read_spas(raw_copy)


# --------------------------------------------------------------------------- build-level checks


def test_spa_totals_that_disagree_with_the_tracts_fail_the_build(raw_copy, tmp_path):
    path = raw_copy / "geo" / "la_county_spa_population.csv"
    header, rows = rawdir.read_rows(path)
    for r in rows:
        if r[0] == "3" and r[2] == "pop_total" and r[6] == "2018-07-01":
            r[4] = "3001"
    rawdir.write_rows(path, header, rows)
    with pytest.raises(BuildError, match=r"la_county_spa_population\.csv.*'pop_total'.*\[3\]"):
        pipeline.build(raw_copy, tmp_path / "data", check_counts=False)


def test_located_facility_outside_every_area_fails_the_build(raw_copy, tmp_path):
    # inside the generous LA box the readers check, but 0.1 degree east of the fixture county
    path = raw_copy / "lacounty_lms_211_mental_health" / "lms_mental_health_points_la_county.csv"
    rawdir.set_cell(path, "longitude", "-117.7")
    with pytest.raises(BuildError, match=r"outside Los Angeles County.*lms_211.*Fakezeta"):
        pipeline.build(raw_copy, tmp_path / "data", check_counts=False)


def test_expected_magnitudes_are_checked_by_default(tmp_path):
    # The tiny fixture files are far shorter than the real ones: the per-file row check
    # (run right after reading, so it names the file) stops the build first.
    with pytest.raises(
        BuildError,
        match=r"samhsa_directory_2024_la_county\.csv: \d+ rows, expected "
        r"at least \d+: the file looks truncated",
    ):
        pipeline.build(rawdir.FIXTURE_RAW, tmp_path / "data")


def test_cli_build_reports_a_broken_source_and_exits_2(raw_copy, tmp_path, monkeypatch, capsys):
    (raw_copy / "hcai_facility_list_2025" / "hcai_facility_list_la_county.csv").write_bytes(b"")
    monkeypatch.setenv("LAMH_RAW_DIR", str(raw_copy))
    monkeypatch.setenv("LAMH_DATA_DIR", str(tmp_path / "data"))
    assert pipeline.main(["build"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "hcai_facility_list_la_county.csv" in err and "empty" in err
