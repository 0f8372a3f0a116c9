"""The committed snapshot (data/snapshot/) is exactly what the pipeline builds from the raw
sources in ../shared/data/raw with the code in this commit.

If this fails, the code (or a raw file) changed what the build produces: run
``python -m dashboard.ingest build`` and commit data/snapshot/ with the change.
"""

from __future__ import annotations

import pandas as pd

from dashboard import config, snapshot
from dashboard.ingest import pipeline


def test_committed_snapshot_equals_a_fresh_build(real_build):
    committed = snapshot.read(config.data_dir())
    hint = f"data/snapshot/ is stale: run `{config.BUILD_COMMAND}` and commit it"
    for name in snapshot.TABLES:
        pd.testing.assert_frame_equal(
            getattr(committed, name), getattr(real_build, name), obj=f"{name} ({hint})"
        )
    assert committed.geojson == real_build.geojson, hint
    assert snapshot.comparable(committed.manifest) == snapshot.comparable(real_build.manifest), hint
    assert committed.id == real_build.id  # byte for byte, with the pinned pyarrow


def test_the_snapshot_records_the_code_and_raw_files_it_came_from(real_raw):
    fp = snapshot.read(config.data_dir()).manifest.fingerprint
    assert fp == pipeline.fingerprint(real_raw)
    assert all(fp["files"].values()), "every registered raw file was present and hashed"


def test_two_builds_are_identical(real_raw, real_build, tmp_path):
    again = pipeline.build(real_raw, tmp_path / "snapshot")
    assert again.id == real_build.id
    assert snapshot.comparable(again.manifest) == snapshot.comparable(real_build.manifest)
