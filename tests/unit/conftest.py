"""Shared fixtures for the foundation's unit tests (hand-made raw fixture folder)."""

from __future__ import annotations

import pytest

from dashboard.ingest import pipeline
from tests.fixtures.rawdir import FIXTURE_RAW, copy_raw


@pytest.fixture
def raw_copy(tmp_path):
    """A writable copy of tests/fixtures/raw that a test may break."""
    return copy_raw(tmp_path / "raw")


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory):
    """One build of the fixture raw folder (read-only for tests: copy before changing)."""
    return pipeline.build(FIXTURE_RAW, tmp_path_factory.mktemp("fixture_build") / "data", check_counts=False)
