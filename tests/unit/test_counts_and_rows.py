"""Source facts in one place: the rows-read check comes from the registry and what the readers
parsed; the build's counts are one typed object whose report keys the Data page reads."""

from __future__ import annotations

import dataclasses

import pytest

from dashboard import registry
from dashboard.errors import BuildError
from dashboard.ingest import pipeline
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.sources import common, samhsa_locator
from tests.fixtures.rawdir import FIXTURE_RAW

# pages/data.py reads these keys of report["source_rows"]: renaming one is a contract change.
DATA_PAGE_KEYS = {
    "directory_mental_rows",
    "directory_duplicate_rows_merged",
    "directory_substance_rows",
    "directory_substance_rows_matched_to_mh",
    "locator_rows",
    "locator_rows_matched",
    "locator_only_sites",
    "lms_rows",
    "lms_rows_excluded",
    "lms_rows_matched",
    "lms_only_sites",
    "licensed_rows",
    "licensed_rows_matched",
    "licensed_only_sites",
    "bed_facilities",
    "sites_merged_by_proximity",
}


def test_counts_serialise_with_the_keys_the_data_page_reads():
    out = BuildCounts(locator_rows=3).as_dict()
    assert set(out) >= DATA_PAGE_KEYS
    assert out["locator_rows"] == 3


def test_the_report_carries_the_counts(fixture_build):
    rows = fixture_build.manifest["report"]["source_rows"]
    assert set(rows) >= DATA_PAGE_KEYS
    assert rows["directory_mental_rows"] == 8


def test_rows_read_are_the_records_each_reader_parsed():
    samhsa_locator.read(FIXTURE_RAW)
    path = FIXTURE_RAW / "samhsa_mh_locator_2020_oeps" / "samhsa_mh_providers_la_county.csv"
    assert common.rows_read(path) == 4  # every record of the file, before the LA County filter
    assert common.rows_read(FIXTURE_RAW / "nowhere.csv") is None


def test_row_check_uses_each_registered_min_rows(monkeypatch):
    pipeline.read_sources(FIXTURE_RAW)
    # the tiny fixture files are shorter than the real minimums: the first registered file fails
    with pytest.raises(
        BuildError, match=r"samhsa_directory_2024_la_county\.csv: 10 rows, expected at least 300"
    ):
        pipeline.check_rows(FIXTURE_RAW)
    relaxed = {
        k: dataclasses.replace(s, files=tuple(dataclasses.replace(f, min_rows=1) for f in s.files))
        for k, s in registry.SOURCES.items()
    }
    monkeypatch.setattr(pipeline, "SOURCES", relaxed)
    pipeline.check_rows(FIXTURE_RAW)  # every registered file was read, none is short


def test_a_registered_file_no_reader_reads_is_a_code_error(monkeypatch):
    pipeline.read_sources(FIXTURE_RAW)
    extra = dataclasses.replace(
        registry.SOURCES["costs"],
        files=(*registry.SOURCES["costs"].files, registry.SourceFile("unread.csv", min_rows=1)),
    )
    relaxed = {
        k: dataclasses.replace(s, files=tuple(dataclasses.replace(f, min_rows=1) for f in s.files))
        for k, s in {**registry.SOURCES, "costs": extra}.items()
    }
    monkeypatch.setattr(pipeline, "SOURCES", relaxed)
    with pytest.raises(BuildError, match=r"costs/unread\.csv is registered but no reader read it"):
        pipeline.check_rows(FIXTURE_RAW)
