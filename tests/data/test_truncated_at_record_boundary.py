"""A raw file cut cleanly at a record boundary (a complete but short file) fails the build
with a message naming that file — for every registered file whose length is checked.

tests/unit/test_source_validation.py covers a file cut *inside* a record (and missing,
renamed column, wrong type, empty, header-only) on the fixture folder; a file that ends
neatly after a few records parses fine, so only the build's row checks on the real
sources can catch it.  Before these tests the message named a later symptom instead
("lms_rows = 3 is outside the expected range", "crosswalk.py: ... points at hcai-15801")
or, for the SPA population file, the build died with a bare KeyError.
"""

from __future__ import annotations

import pytest

from dashboard.errors import BuildError, SourceError
from dashboard.ingest import pipeline
from dashboard.registry import SOURCES
from tests.fixtures import rawcopy

CSV_FILES = [(k, f.name) for k, s in SOURCES.items() for f in s.files if f.name.endswith(".csv")]
GEOJSON_FILES = [
    (k, f.name) for k, s in SOURCES.items() for f in s.files if f.name.endswith(".geojson") and f.min_rows > 1
]


@pytest.fixture
def offline_build(tmp_path):
    def build(raw):
        return pipeline.build(raw, tmp_path / "data")  # the default, expected-magnitude checks

    return build


def _fails(build, raw) -> str:
    with pytest.raises((SourceError, BuildError)) as err:
        build(raw)
    return str(err.value)


@pytest.mark.parametrize("key,name", CSV_FILES, ids=[n for _, n in CSV_FILES])
def test_csv_cut_after_three_records(key, name, real_raw, tmp_path, offline_build):
    raw = rawcopy.linked_copy(real_raw, tmp_path / "raw")
    rawcopy.keep_records(rawcopy.file_of(raw, key, name), 3)
    msg = _fails(offline_build, raw)
    assert name in msg, msg
    if name != "service_code_key_2024.csv":  # a short key shows as codes it no longer defines
        assert "truncated" in msg, msg
    # nothing half-built was left where the app would read it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


@pytest.mark.parametrize("key,name", GEOJSON_FILES, ids=[n for _, n in GEOJSON_FILES])
def test_geojson_with_three_features(key, name, real_raw, tmp_path, offline_build):
    raw = rawcopy.linked_copy(real_raw, tmp_path / "raw")
    rawcopy.keep_features(rawcopy.file_of(raw, key, name), 3)
    msg = _fails(offline_build, raw)
    assert name in msg, msg


def test_every_length_checked_file_is_covered():
    checked = {(k, f.name) for k, s in SOURCES.items() for f in s.files if f.min_rows > 1}
    assert checked <= set(CSV_FILES) | set(GEOJSON_FILES)
