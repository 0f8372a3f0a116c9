"""HCAI field-staff names and phone numbers never reach a processed table or file."""

from __future__ import annotations

import pytest

from dashboard import snapshot
from dashboard.ingest.sources import hcai
from tests.fixtures.privacy import assert_no_staff_data, staff_values
from tests.fixtures.rawdir import FIXTURE_RAW, HCAI_STAFF_COLUMNS

HCAI_CSV = FIXTURE_RAW / "hcai_facility_list_2025" / "hcai_facility_list_la_county.csv"


def test_fixture_holds_staff_data_to_look_for():
    values = staff_values(HCAI_CSV)
    # 5 rows x 4 roles x (name, phone)
    assert len(values) == 40
    assert "Fakestaff Acoperson1" in values and "5550110777" in values


def test_reader_never_returns_staff_columns():
    df = hcai.read(FIXTURE_RAW)
    assert not set(HCAI_STAFF_COLUMNS) & set(df.columns)


def test_fixture_build_has_no_staff_columns_or_values(fixture_build):
    data_dir = fixture_build.path
    n = assert_no_staff_data(data_dir, staff_values(HCAI_CSV))
    assert n == len(snapshot.files())  # every table, polygon file and the manifest


def test_the_check_catches_a_leak(tmp_path):
    """The privacy check itself fails when a staff value is written out."""
    import pandas as pd

    pd.DataFrame({"name": ["x"], "note": ["call Fakestaff Acoperson1"]}).to_parquet(tmp_path / "t.parquet")
    with pytest.raises(AssertionError, match="Fakestaff Acoperson1"):
        assert_no_staff_data(tmp_path, staff_values(HCAI_CSV))
    (tmp_path / "t.parquet").unlink()
    pd.DataFrame({"ACO_Name": ["redacted"]}).to_parquet(tmp_path / "u.parquet")
    with pytest.raises(AssertionError, match="ACO_Name"):
        assert_no_staff_data(tmp_path, {"nothing-like-this"})
