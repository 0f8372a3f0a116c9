"""Processed tables on disk: written atomically, read as one consistent build.

Layout under the data directory::

    builds/<build-id>/facilities.parquet ... manifest.json
    CURRENT            <- the name of the last complete build (replaced atomically)

A build is written into its own folder and only then named in CURRENT, so a failed or
interrupted build never touches the tables being served.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

TABLES = ("facilities", "areas", "tracts", "beds", "benchmarks", "excluded")
GEOJSON = ("spa", "sd", "tracts")
KEEP_BUILDS = 2


@dataclass
class Bundle:
    """One complete build: tables, simplified area geometry and the manifest."""

    path: Path
    facilities: pd.DataFrame
    areas: pd.DataFrame
    tracts: pd.DataFrame
    beds: pd.DataFrame
    benchmarks: pd.DataFrame
    excluded: pd.DataFrame
    geojson: dict
    manifest: dict

    @property
    def build_id(self) -> str:
        return self.path.name


def current_path(data_dir: Path) -> Path | None:
    try:
        name = (Path(data_dir) / "CURRENT").read_text().strip()
    except (OSError, UnicodeDecodeError):  # missing, unreadable or binary junk
        return None
    # CURRENT holds a bare folder name; anything else is ignored.
    if not name or "/" in name or name.startswith("."):
        return None
    p = Path(data_dir) / "builds" / name
    return p if (p / "manifest.json").exists() else None


def read_manifest(data_dir: Path) -> dict | None:
    p = current_path(data_dir)
    if p is None:
        return None
    try:
        return json.loads((p / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def write_build(data_dir: Path, tables: dict[str, pd.DataFrame], geojson: dict[str, dict],
                manifest: dict) -> Path:
    data_dir = Path(data_dir)
    builds = data_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    # Sortable by time (microseconds within the second before the pid), so pruning keeps
    # the newest builds even when several are written within one second.
    now = time.time_ns()
    build_id = (time.strftime("%Y%m%dT%H%M%S", time.localtime(now // 10**9))
                + f"-{now // 1000 % 10**6:06d}-{os.getpid()}")
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        for name in TABLES:
            tables[name].to_parquet(tmp / f"{name}.parquet", index=False)
        for name in GEOJSON:
            (tmp / f"{name}.geojson").write_text(json.dumps(geojson[name], separators=(",", ":")))
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
        final = builds / build_id
        os.replace(tmp, final)
        pointer = data_dir / f".CURRENT-{build_id}"
        pointer.write_text(build_id)
        os.replace(pointer, data_dir / "CURRENT")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(builds, keep=build_id)
    return final


def _prune(builds: Path, keep: str) -> None:
    done = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def load(data_dir: Path) -> Bundle | None:
    p = current_path(data_dir)
    if p is None:
        return None
    frames = {name: pd.read_parquet(p / f"{name}.parquet") for name in TABLES}
    geo = {name: json.loads((p / f"{name}.geojson").read_text()) for name in GEOJSON}
    manifest = json.loads((p / "manifest.json").read_text())
    return Bundle(path=p, geojson=geo, manifest=manifest, **frames)


@contextlib.contextmanager
def build_lock(data_dir: Path):
    """One build at a time per data directory (several sessions may ask at once)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(data_dir) / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
