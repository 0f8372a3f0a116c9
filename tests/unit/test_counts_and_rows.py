"""Source facts in one place: the rows-read check comes from the registry and what the readers
parsed; the build's counts are one typed object whose report keys the Data page reads."""

from __future__ import annotations

import dataclasses
import json

import pytest

from dashboard import registry
from dashboard.errors import BuildError
from dashboard.ingest import pipeline
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.sources import common
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
    rows = fixture_build.manifest.report.source_rows
    assert set(rows) >= DATA_PAGE_KEYS
    assert rows["directory_mental_rows"] == 8


def test_records_in_counts_csv_rows_and_geojson_features(tmp_path):
    locator = FIXTURE_RAW / "samhsa_mh_locator_2020_oeps" / "samhsa_mh_providers_la_county.csv"
    assert common.records_in(locator) == 4  # every record of the file, before the LA County filter
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('name,note\nA,"two\nlines"\n\nB,x\n', encoding="utf-8")
    assert common.records_in(quoted) == 2  # a quoted line break and a blank line add no record
    spas = FIXTURE_RAW / "geo" / "la_county_spa_2012.geojson"
    assert common.records_in(spas) == len(json.loads(spas.read_text())["features"])
    assert common.records_in(FIXTURE_RAW / "nowhere.csv") is None


def test_row_check_uses_each_registered_min_rows(monkeypatch):
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
    pipeline.check_rows(FIXTURE_RAW)  # none is short


def test_every_registered_file_has_a_reader(monkeypatch):
    """A file in the registry that no reader opens is an error in the code."""
    opened = set()

    def recording(raw_dir, key, name=None):
        path = registry.source_path(raw_dir, key, name)
        opened.add(path.relative_to(raw_dir).as_posix())
        return path

    monkeypatch.setattr(common, "source_path", recording)
    pipeline.read_sources(FIXTURE_RAW)
    registered = {f"{s.folder}/{f.name}" for s in registry.SOURCES.values() for f in s.files}
    assert registered <= opened, registered - opened
