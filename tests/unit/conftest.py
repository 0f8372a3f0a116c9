"""Shared fixtures for the foundation's unit tests (hand-made raw fixture folder)."""

from __future__ import annotations

import functools

import pytest

from dashboard import geocode, pipeline
from tests.fixtures.rawdir import FIXTURE_RAW, copy_raw


def _offline_geocoder(cache_path):
    """The pipeline's geocoder, offline and with a private cache (never data/cache/)."""
    return functools.partial(geocode.CensusGeocoder, cache_path, online=False)


@pytest.fixture
def raw_copy(tmp_path):
    """A writable copy of tests/fixtures/raw that a test may break."""
    return copy_raw(tmp_path / "raw")


@pytest.fixture
def offline_pipeline(tmp_path, monkeypatch):
    """pipeline.build uses an offline geocoder with a cache under tmp_path."""
    monkeypatch.setattr(pipeline, "CensusGeocoder",
                        lambda *a, **k: _offline_geocoder(tmp_path / "geocode.json")())
    return pipeline


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory):
    """One build of the fixture raw folder (read-only for tests: copy before changing)."""
    base = tmp_path_factory.mktemp("fixture_build")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "CensusGeocoder",
                   lambda *a, **k: _offline_geocoder(base / "geocode.json")())
        bundle = pipeline.build(FIXTURE_RAW, base / "data", check_counts=False)
    return bundle
