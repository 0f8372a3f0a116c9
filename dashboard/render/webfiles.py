"""The map's data files: what browsers fetch once and cache instead of receiving it again
with every script run.

Two kinds, both derived from the snapshot: every facility's map data (``mapdata.prepare``:
popups, symbols; a run then sends only which rows match) and the area polygons (a run sends
only colours).  Each file is named by a hash of its content and lives in
``dashboard/static/snapshot/``, which Streamlit serves at ``/app/static/snapshot/``.

The committed snapshot's files are committed too (``make build`` writes them after the
tables), so every copy of the app — several replicas, a read-only folder — serves the same
files, and the server never writes any.  A snapshot served from elsewhere
(``LAMH_DATA_DIR``: test fixtures, benchmark data) has no files here: its layers carry
their data with each run instead (correct, only heavier).

    python -m dashboard.render.webfiles    # after a rebuild: the committed snapshot's files
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dashboard import config, snapshot
from dashboard.render import mapdata

FOLDER = "snapshot"


def source_titles(snap: snapshot.Snapshot) -> dict[str, str]:
    return {k: v.title for k, v in snap.manifest.sources.items()}


def contents(snap: snapshot.Snapshot, map_data: mapdata.MapData | None = None) -> dict[str, str]:
    """Key ("facilities", "spa", "sd", "tracts") -> the text of its file."""
    md = map_data or mapdata.prepare(snap.facilities, source_titles(snap))
    out = {"facilities": md.payload(range(len(md.rows)))}
    out.update({k: json.dumps(g, separators=(",", ":")) for k, g in snap.geojson.items()})
    return out


def name(key: str, text: str) -> str:
    prefix = "facilities" if key == "facilities" else "geo"
    return f"{prefix}-{hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]}.json"


def urls(texts: dict[str, str], static_dir: Path | None = None) -> dict[str, str | None]:
    """Key -> URL of its file where the file is there; None where it is not (that layer
    then carries its data)."""
    folder = Path(static_dir or config.STATIC_DIR) / FOLDER
    return {
        key: f"{config.static_url()}/{FOLDER}/{name(key, text)}"
        if (folder / name(key, text)).is_file()
        else None
        for key, text in texts.items()
    }


def write(texts: dict[str, str], static_dir: Path | None = None) -> None:
    """Write the files of ``texts`` and remove the other files of the folder (those of an
    earlier snapshot).  Run by ``make build``, never by the server."""
    folder = Path(static_dir or config.STATIC_DIR) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    keep = {name(k, t): t for k, t in texts.items()}
    for file_name, text in keep.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    for old in folder.glob("*.json"):
        if old.name not in keep:
            old.unlink()


def main() -> None:
    """The committed snapshot's files (after ``python -m dashboard.ingest build``)."""
    texts = contents(snapshot.read(config.PROJECT_ROOT / "data" / "snapshot"))
    write(texts)
    print(f"{config.STATIC_DIR / FOLDER}: {', '.join(sorted(name(k, t) for k, t in texts.items()))}")


if __name__ == "__main__":
    main()
