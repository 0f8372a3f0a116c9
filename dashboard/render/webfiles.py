"""The map's data files: what browsers fetch once and cache instead of receiving it again
with every script run.

Two kinds, both derived from the snapshot: every facility's map data (``maps.prepare``:
popups, symbols; a run then sends only which rows match) and the area polygons (a run sends
only colours).  Each file is named by a hash of its content and lives in
``dashboard/static/snapshot/``, which Streamlit serves at ``/app/static/snapshot/``.

The committed snapshot's files are committed too, so a hosted copy (several replicas, a
read-only folder) serves the same files and writes nothing.  A snapshot served from
elsewhere (``LAMH_DATA_DIR``: tests, benchmarks) has its files written when the app first
loads it, or, where the folder cannot be written, its layers carry their data instead.

    python -m dashboard.render.webfiles    # after a rebuild: the committed snapshot's files
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from dashboard import config, snapshot
from dashboard.render import maps

FOLDER = "snapshot"


def source_titles(snap: snapshot.Snapshot) -> dict[str, str]:
    return {k: v["title"] for k, v in snap.manifest["sources"].items()}


def contents(snap: snapshot.Snapshot, map_data: maps.MapData | None = None) -> dict[str, str]:
    """Key ("facilities", "spa", "sd", "tracts") -> the text of its file."""
    md = map_data or maps.prepare(snap.facilities, source_titles(snap))
    out = {"facilities": md.payload(range(len(md.rows)))}
    out.update({k: json.dumps(g, separators=(",", ":")) for k, g in snap.geojson.items()})
    return out


def name(key: str, text: str) -> str:
    prefix = "facilities" if key == "facilities" else "geo"
    return f"{prefix}-{hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]}.json"


def publish(texts: dict[str, str], static_dir: Path | None = None) -> dict[str, str | None]:
    """Key -> URL of its file, written first where it is missing; None where the folder
    cannot be written (that layer then carries its data)."""
    folder = Path(static_dir or config.STATIC_DIR) / FOLDER
    urls: dict[str, str | None] = {}
    for key, text in texts.items():
        path = folder / name(key, text)
        try:
            if not path.exists():
                folder.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, path)
        except OSError:
            urls[key] = None
            continue
        urls[key] = f"{config.static_url()}/{FOLDER}/{path.name}"
    return urls


def main() -> None:
    """Write the committed snapshot's files and remove files of earlier snapshots."""
    snap = snapshot.read(config.PROJECT_ROOT / "data" / "snapshot")
    texts = contents(snap)
    publish(texts)
    keep = {name(k, t) for k, t in texts.items()}
    folder = config.STATIC_DIR / FOLDER
    for old in folder.glob("*.json"):
        if old.name not in keep:
            old.unlink()
    print(f"{folder}: {', '.join(sorted(keep))}")


if __name__ == "__main__":
    main()
