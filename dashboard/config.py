"""Where raw sources are read from and processed tables are written to.

Raw sources: ``LAMH_RAW_DIR`` when set; otherwise the first of ``data/raw/`` (filled by
``python -m dashboard.pipeline fetch``) or the shared mirror ``../shared/data/raw`` that
holds every source folder.  Processed tables: ``LAMH_DATA_DIR``, default
``data/processed/``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

RAW_CANDIDATES = (
    PROJECT_ROOT / "data" / "raw",
    PROJECT_ROOT.parent / "shared" / "data" / "raw",
)


def raw_dir() -> Path:
    """The folder that holds one sub-folder per source (see ``registry.SOURCES``)."""
    env = os.environ.get("LAMH_RAW_DIR")
    if env:
        return Path(env).expanduser().resolve()
    from dashboard.registry import SOURCES  # local import: registry imports nothing from here

    folders = [s.folder for s in SOURCES.values()]
    for cand in RAW_CANDIDATES:
        if cand.is_dir() and all((cand / f).is_dir() for f in folders):
            return cand
    # Nothing complete: return the first existing candidate so errors name a real path.
    for cand in RAW_CANDIDATES:
        if cand.is_dir():
            return cand
    return RAW_CANDIDATES[0]


def data_dir() -> Path:
    env = os.environ.get("LAMH_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return PROJECT_ROOT / "data" / "processed"


def fetch_dir() -> Path:
    """Where ``pipeline fetch`` writes fresh downloads (git-ignored)."""
    return PROJECT_ROOT / "data" / "raw"
