"""Where things are: the committed snapshot the app serves, the raw sources a build reads.

Snapshot: ``LAMH_DATA_DIR`` when set, else ``data/snapshot/`` (committed).  Raw sources:
``LAMH_RAW_DIR`` when set; otherwise the first complete one of ``data/raw/`` (filled by
``python -m dashboard.ingest fetch``, git-ignored) and the shared mirror
``../shared/data/raw``.  Static files: ``dashboard/static/``, which Streamlit serves at
``/app/static/`` because the main script (``dashboard/app.py``) sits next to it.
"""

from __future__ import annotations

import os
from pathlib import Path

from dashboard.registry import SOURCES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/app/static"

RAW_CANDIDATES = (
    PROJECT_ROOT / "data" / "raw",
    PROJECT_ROOT.parent / "shared" / "data" / "raw",
)

BUILD_COMMAND = "python -m dashboard.ingest build"
FETCH_COMMAND = "python -m dashboard.ingest fetch"


def is_complete_raw(folder: Path) -> bool:
    """Every registered source folder is there."""
    return folder.is_dir() and all((folder / s.folder).is_dir() for s in SOURCES.values())


def raw_dir() -> Path:
    """The folder that holds one sub-folder per source (see ``registry.SOURCES``)."""
    env = os.environ.get("LAMH_RAW_DIR")
    if env:
        return Path(env).expanduser().resolve()
    for cand in RAW_CANDIDATES:
        if is_complete_raw(cand):
            return cand
    # Nothing complete: return the first existing candidate so errors name a real path.
    for cand in RAW_CANDIDATES:
        if cand.is_dir():
            return cand
    return RAW_CANDIDATES[0]


def data_dir() -> Path:
    """The snapshot folder the app serves and ``build`` writes."""
    env = os.environ.get("LAMH_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return PROJECT_ROOT / "data" / "snapshot"


def fetch_dir() -> Path:
    """Where ``fetch`` writes fresh downloads (git-ignored)."""
    return PROJECT_ROOT / "data" / "raw"


def static_url() -> str:
    """URL prefix of dashboard/static/ as browsers see it: ``$LAMH_STATIC_URL`` behind a
    proxy path or ``server.baseUrlPath`` (e.g. ``/dash/app/static``), else ``/app/static``."""
    return (os.environ.get("LAMH_STATIC_URL") or STATIC_URL).rstrip("/")
