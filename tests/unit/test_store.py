"""Processed-table store: atomic builds, CURRENT pointer, failed builds, junk pointers."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from dashboard import store
from tests.fixtures.rawdir import FIXTURE_RAW, copy_raw


def tables(tag: str) -> dict:
    return {name: pd.DataFrame({"tag": [tag], "n": [1]}) for name in store.TABLES}


GEOJSON = {name: {"type": "FeatureCollection", "features": []} for name in store.GEOJSON}


def write(data_dir, tag: str):
    return store.write_build(data_dir, tables(tag), GEOJSON, {"tag": tag})


class Boom(Exception):
    pass


class ExplodingTable:
    def to_parquet(self, *a, **k):
        raise Boom("disk full (simulated)")


def test_write_then_load_round_trip(tmp_path):
    path = write(tmp_path, "one")
    assert (tmp_path / "CURRENT").read_text() == path.name
    b = store.load(tmp_path)
    assert b.path == path and b.build_id == path.name
    assert b.manifest == {"tag": "one"}
    assert b.facilities["tag"].tolist() == ["one"]
    assert b.geojson["spa"]["type"] == "FeatureCollection"


def test_failed_write_keeps_the_previous_build_current(tmp_path):
    first = write(tmp_path, "good")
    bad = tables("bad")
    bad["beds"] = ExplodingTable()  # fails after some tables are already written
    with pytest.raises(Boom):
        store.write_build(tmp_path, bad, GEOJSON, {"tag": "bad"})
    assert (tmp_path / "CURRENT").read_text() == first.name
    assert store.load(tmp_path).manifest == {"tag": "good"}
    leftovers = [p.name for p in (tmp_path / "builds").iterdir() if p.name != first.name]
    assert leftovers == []  # the half-written folder is removed


def test_interrupted_write_keeps_the_previous_build_current(tmp_path):
    first = write(tmp_path, "good")
    bad = tables("bad")
    bad["excluded"] = type("Interrupt", (), {"to_parquet": lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())})()
    with pytest.raises(KeyboardInterrupt):
        store.write_build(tmp_path, bad, GEOJSON, {"tag": "bad"})
    assert store.load(tmp_path).build_id == first.name


def test_failure_while_swapping_the_pointer_keeps_the_previous_build(tmp_path, monkeypatch):
    first = write(tmp_path, "good")
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("CURRENT"):
            raise OSError("simulated crash before the pointer moved")
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)
    with pytest.raises(OSError):
        write(tmp_path, "bad")
    monkeypatch.undo()
    assert store.load(tmp_path).manifest == {"tag": "good"}
    assert (tmp_path / "CURRENT").read_text() == first.name


def test_failed_pipeline_build_keeps_the_previous_build(raw_copy, offline_pipeline, tmp_path, monkeypatch):
    data = tmp_path / "data"
    first = offline_pipeline.build(raw_copy, data, check_counts=False)
    calls = []
    real = pd.DataFrame.to_parquet

    def flaky(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise Boom("simulated failure while writing the third table")
        return real(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", flaky)
    with pytest.raises(Boom):
        offline_pipeline.build(raw_copy, data, check_counts=False)
    monkeypatch.undo()
    again = store.load(data)
    assert again.build_id == first.build_id
    assert len(again.facilities) == len(first.facilities)
    assert sorted(p.name for p in (data / "builds").iterdir()) == [first.build_id]


@pytest.mark.parametrize("junk", [
    b"", b"\n", b"../../etc", b"nonexistent-build", b"a/b", b".tmp-123", b"\xff\xfe\x00garbage",
])
def test_junk_current_is_ignored(tmp_path, junk):
    write(tmp_path, "one")
    (tmp_path / "CURRENT").write_bytes(junk)
    assert store.current_path(tmp_path) is None
    assert store.load(tmp_path) is None
    assert store.read_manifest(tmp_path) is None


def test_current_pointing_at_a_folder_without_manifest_is_ignored(tmp_path):
    path = write(tmp_path, "one")
    (path / "manifest.json").unlink()
    assert store.load(tmp_path) is None


def test_no_current_at_all(tmp_path):
    assert store.load(tmp_path) is None
    assert store.read_manifest(tmp_path) is None


def test_ensure_built_rebuilds_over_a_junk_pointer(offline_pipeline, tmp_path):
    raw = copy_raw(tmp_path / "raw")
    data = tmp_path / "data"
    data.mkdir()
    (data / "CURRENT").write_text("../../../somewhere-else")
    stale, why = offline_pipeline.is_stale(data, raw)
    assert stale and why == "no processed tables yet"
    # ensure_built builds with the default magnitude checks, which the tiny fixture fails;
    # build explicitly, then ensure_built must serve that build without rebuilding
    built = offline_pipeline.build(raw, data, check_counts=False)
    assert offline_pipeline.ensure_built(raw, data).build_id == built.build_id
    assert offline_pipeline.is_stale(data, raw) == (False, "up to date")


def test_changed_raw_file_makes_the_build_stale(offline_pipeline, tmp_path):
    raw = copy_raw(tmp_path / "raw")
    data = tmp_path / "data"
    offline_pipeline.build(raw, data, check_counts=False)
    path = raw / "costs" / "benchmarks.csv"
    path.write_text(path.read_text() + "\n")
    assert offline_pipeline.is_stale(data, raw) == (True, "raw source files changed since the last build")
    assert offline_pipeline.is_stale(data, FIXTURE_RAW)[0] is True  # another raw folder


def test_old_builds_are_pruned(tmp_path):
    paths = [write(tmp_path, str(i)) for i in range(4)]
    kept = sorted(p.name for p in (tmp_path / "builds").iterdir())
    assert kept == sorted(p.name for p in paths[-store.KEEP_BUILDS:])
    assert store.load(tmp_path).manifest == {"tag": "3"}


@pytest.mark.parametrize("module", ["assemble.py", "geocode.py", "taxonomy.py", "crosswalk.py", "normalize.py",
                                    "areas.py", "sources/hcai.py"])
def test_code_changes_that_alter_tables_make_the_build_stale(tmp_path, monkeypatch, module):
    """The build fingerprint hashes every module that shapes the processed tables."""
    import shutil

    from dashboard import pipeline

    pkg = tmp_path / "dashboard"
    shutil.copytree(pipeline.Path(pipeline.__file__).parent, pkg,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(pipeline, "__file__", str(pkg / "pipeline.py"))
    before = pipeline.code_hash()
    with open(pkg / module, "a") as fh:
        fh.write("\n# a change\n")
    assert pipeline.code_hash() != before
