"""Integration fixtures on the real raw sources (../shared/data/raw or LAMH_RAW_DIR).

The real build takes a few seconds: it runs once per test session into a temporary
LAMH_DATA_DIR, with the geocoder offline and its cache private (never data/cache/).
"""

from __future__ import annotations

import pytest

from dashboard import config
from dashboard.ingest import pipeline
from dashboard.registry import SOURCES


@pytest.fixture(scope="session")
def real_raw():
    raw = config.raw_dir()
    missing = [s.folder for s in SOURCES.values() if not (raw / s.folder).is_dir()]
    assert not missing, (
        f"the real raw sources are not complete under {raw} (missing {missing}); set LAMH_RAW_DIR "
        "to the shared mirror (../shared/data/raw)"
    )
    return raw


@pytest.fixture(scope="session")
def real_build(real_raw, tmp_path_factory):
    """One build of the real raw sources, offline, with the expected-magnitude checks."""
    return pipeline.build(real_raw, tmp_path_factory.mktemp("real_build") / "snapshot")
