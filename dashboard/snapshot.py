"""The processed snapshot the app serves: eight tables, simplified area polygons and a manifest.

It lives in ``data/snapshot/`` and is committed with the code, so a copy of the repository
alone (a hosting service, a laptop with no network) serves the full dashboard.  Only
``python -m dashboard.ingest build`` writes it, from the raw public sources; a test checks
that the committed copy is exactly what that command builds from ``../shared/data/raw``.

Layout::

    facilities.parquet areas.parquet tracts.parquet beds.parquet benchmarks.parquet
    excluded.parquet drive_time.parquet hpsa.parquet
    spa.geojson sd.geojson tracts.geojson   manifest.json

``write`` fills a sibling temporary folder and swaps it in by renaming, so a failed build
never leaves a half-written snapshot in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.errors import SnapshotError
from dashboard.manifest import Manifest

TABLES = ("facilities", "areas", "tracts", "beds", "benchmarks", "excluded", "drive_time", "hpsa")
GEOJSON = ("spa", "sd", "tracts")
MANIFEST = "manifest.json"
# Manifest fields that say when and how fast a build ran: they differ between two builds of
# the same raw files by the same code, everything else must not.
VOLATILE = ("built_at", "build_seconds")


def files() -> list[str]:
    return [f"{t}.parquet" for t in TABLES] + [f"{g}.geojson" for g in GEOJSON] + [MANIFEST]


@dataclass
class Snapshot:
    """One complete snapshot, read-only once loaded."""

    path: Path
    facilities: pd.DataFrame
    areas: pd.DataFrame
    tracts: pd.DataFrame
    beds: pd.DataFrame
    benchmarks: pd.DataFrame
    excluded: pd.DataFrame
    drive_time: pd.DataFrame  # per 2010 tract: OEPS drive minutes to a SAMHSA-listed MH provider
    hpsa: pd.DataFrame  # LA County mental-health shortage-area designations
    geojson: dict
    manifest: Manifest
    _names: dict = field(default_factory=dict, repr=False, compare=False)  # area_names, per level

    @property
    def id(self) -> str:
        return self.manifest.content_id

    @property
    def built_on(self) -> str:
        """Build date and time, e.g. '2026-11-29 18:02'."""
        return self.manifest.built_on

    @property
    def built_date(self) -> str:
        """Build date, e.g. '2026-11-29' (for file names)."""
        return self.manifest.built_at[:10]

    def area_names(self, level: str) -> pd.Series:
        """Area id -> name at ``level`` (computed once per snapshot; read-only)."""
        if level not in self._names:
            self._names[level] = area_names(self.areas, level)
        return self._names[level]


def area_names(areas: pd.DataFrame, level: str) -> pd.Series:
    """Area id -> name for one level of the areas table ("spa" or "sd")."""
    return areas.loc[areas["level"] == level].set_index("area")["name"]


def stamp(folder: Path) -> str:
    """A cheap identity of what is on disk (the manifest's size and time): a cache key that
    changes when a new snapshot is written.  Raises SnapshotError when there is none."""
    try:
        st = (Path(folder) / MANIFEST).stat()
    except OSError:
        raise SnapshotError(folder, [n for n in files() if not (Path(folder) / n).is_file()]) from None
    return f"{st.st_size}-{st.st_mtime_ns}"


def read(folder: Path) -> Snapshot:
    folder = Path(folder)
    missing = [name for name in files() if not (folder / name).is_file()]
    if missing:
        raise SnapshotError(folder, missing)
    try:
        manifest = Manifest.from_dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
        frames = {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}
        geo = {g: json.loads((folder / f"{g}.geojson").read_text(encoding="utf-8")) for g in GEOJSON}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(folder, [], f"{type(exc).__name__}: {exc}") from None
    return Snapshot(path=folder, geojson=geo, manifest=manifest, **frames)


def content_id(folder: Path) -> str:
    """sha256 over the tables and polygons (not the manifest), first 16 hex digits."""
    h = hashlib.sha256()
    for name in files():
        if name != MANIFEST:
            h.update(name.encode())
            h.update((Path(folder) / name).read_bytes())
    return h.hexdigest()[:16]


def write(folder: Path, tables: dict[str, pd.DataFrame], geojson: dict[str, dict], manifest: dict) -> Path:
    """Write a complete snapshot into ``folder``, replacing what was there."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}-new-{os.getpid()}"
    old = folder.parent / f".{folder.name}-old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name in TABLES:
            tables[name].to_parquet(tmp / f"{name}.parquet", index=False)
        for name in GEOJSON:
            (tmp / f"{name}.geojson").write_text(
                json.dumps(geojson[name], separators=(",", ":")), encoding="utf-8"
            )
        manifest = {**manifest, "content_id": content_id(tmp)}
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not folder.exists():
            os.replace(old, folder)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return folder


def comparable(manifest: Manifest) -> dict:
    """The manifest without the fields that say when a build ran."""
    return {k: v for k, v in manifest.to_dict().items() if k not in VOLATILE}
