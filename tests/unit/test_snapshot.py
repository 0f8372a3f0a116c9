"""The snapshot on disk: round trip, a failed write leaves the old snapshot whole, the
content id depends on content only, and a missing or damaged snapshot is a SnapshotError
that names what is wrong."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard import config, snapshot
from dashboard.errors import SnapshotError

GEOJSON = {name: {"type": "FeatureCollection", "features": []} for name in snapshot.GEOJSON}


def tables(tag: str) -> dict:
    return {name: pd.DataFrame({"tag": [tag], "n": [1]}) for name in snapshot.TABLES}


# A whole manifest (the committed snapshot's), the tag carried in a field of its own type.
MANIFEST = snapshot.read(config.data_dir()).manifest.to_dict()


def write(folder, tag: str, **manifest):
    fields = {**MANIFEST, "population_vintage": tag, "built_at": "2026-11-29T10:00:00", **manifest}
    return snapshot.write(folder, tables(tag), GEOJSON, fields)


class Boom(Exception):
    pass


class ExplodingTable:
    def to_parquet(self, *a, **k):
        raise Boom("disk full (simulated)")


def test_write_then_read_round_trip(tmp_path):
    folder = write(tmp_path / "snap", "one")
    s = snapshot.read(folder)
    assert s.manifest.population_vintage == "one" and s.id == s.manifest.content_id
    assert s.facilities["tag"].tolist() == ["one"]
    assert s.geojson["spa"]["type"] == "FeatureCollection"
    assert s.built_on == "2026-11-29 10:00"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]  # no temporary folders left


@pytest.mark.parametrize("failure", [Boom, KeyboardInterrupt])
def test_failed_write_leaves_the_previous_snapshot_whole(tmp_path, failure):
    folder = write(tmp_path / "snap", "good")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    bad = tables("bad")
    bad["beds"] = type("T", (), {"to_parquet": lambda *a, **k: (_ for _ in ()).throw(failure())})()
    with pytest.raises(failure):
        snapshot.write(folder, bad, GEOJSON, {**MANIFEST, "population_vintage": "bad"})
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]


def test_content_id_depends_on_content_not_on_build_time(tmp_path):
    a = snapshot.read(write(tmp_path / "a", "same", built_at="2026-01-01T00:00:00"))
    b = snapshot.read(write(tmp_path / "b", "same", built_at="2026-06-01T00:00:00"))
    c = snapshot.read(write(tmp_path / "c", "other"))
    assert a.id == b.id != c.id
    assert snapshot.comparable(a.manifest) == snapshot.comparable(b.manifest)


def test_stamp_changes_when_a_new_snapshot_is_written(tmp_path):
    folder = write(tmp_path / "snap", "one")
    first = snapshot.stamp(folder)
    write(folder, "two-with-a-longer-tag")
    assert snapshot.stamp(folder) != first


def test_missing_files_are_named(tmp_path):
    folder = write(tmp_path / "snap", "one")
    (folder / "tracts.parquet").unlink()
    (folder / "sd.geojson").unlink()
    with pytest.raises(SnapshotError) as err:
        snapshot.read(folder)
    assert err.value.missing == ["tracts.parquet", "sd.geojson"]
    with pytest.raises(SnapshotError) as err:
        snapshot.read(tmp_path / "nowhere")
    assert "manifest.json" in err.value.missing
    with pytest.raises(SnapshotError):
        snapshot.stamp(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: (f / "areas.parquet").write_bytes(b"PAR1 not really"),
        lambda f: (f / "manifest.json").write_text("{"),
        lambda f: (f / "manifest.json").write_text("{}"),  # not one of ours: no content id
        lambda f: (f / "spa.geojson").write_bytes(b"\xff\xfe"),
    ],
)
def test_damaged_snapshot_is_a_snapshot_error(tmp_path, damage):
    folder = write(tmp_path / "snap", "one")
    damage(folder)
    with pytest.raises(SnapshotError) as err:
        snapshot.read(folder)
    assert err.value.missing == [] and err.value.detail


def test_the_committed_map_files_are_the_committed_snapshots_and_nothing_else():
    """A hosted copy serves dashboard/static/snapshot/ as committed and writes nothing, so the
    files there must be exactly those of data/snapshot/ (after a rebuild: `make build`)."""
    from dashboard.render import webfiles

    snap = snapshot.read(config.PROJECT_ROOT / "data" / "snapshot")
    expected = {webfiles.name(k, t): t for k, t in webfiles.contents(snap).items()}
    folder = config.STATIC_DIR / webfiles.FOLDER
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.json")}
    assert sorted(committed) == sorted(expected), "run `make build` (python -m dashboard.render.webfiles)"
    assert committed == expected


def _edit_manifest(folder, edit) -> None:
    path = folder / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    edit(m)
    path.write_text(json.dumps(m), encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda m: m["report"].pop("drive_time"), "manifest.report: key 'drive_time' is missing"),
        (lambda m: m["report"]["hpsa"].update(rowz=1), "manifest.report.hpsa: unknown key 'rowz'"),
        (lambda m: m["sources"]["geo"].pop("vintage"), "manifest.sources.geo: key 'vintage' is missing"),
        (lambda m: m["report"].update(facilities="many"), "manifest.report.facilities: expected int"),
    ],
)
def test_a_manifest_of_another_shape_names_the_key(tmp_path, edit, named):
    """The typed manifest is checked when the snapshot is read: a renamed, missing or
    mistyped key is a SnapshotError that names it, not a KeyError on one page."""
    folder = write(tmp_path / "snap", "one")
    _edit_manifest(folder, edit)
    with pytest.raises(SnapshotError) as err:
        snapshot.read(folder)
    assert named in err.value.detail


def test_the_typed_manifest_round_trips_the_json():
    path = config.data_dir() / "manifest.json"
    assert snapshot.read(config.data_dir()).manifest.to_dict() == json.loads(path.read_text("utf-8"))
