"""Synthetic facility tables scaled ×k from a real snapshot, to show how cost grows with data.

Method: every facility row is kept once as it is, and k−1 copies are added.  A copy keeps
every attribute (name, program, taxonomy flags, setting, payment, beds, sources, as-of,
location precision, SPA, district and tract tags) and gets a new unique ``site_id``
(``<original>-x<j>``).  Located copies are moved by a random offset (normal, σ = 0.01° ≈
0.7 miles north–south) that is accepted only when the new point still lies inside the same
SPA and the same supervisorial district polygon as the original (the simplified polygons the
app draws); up to 8 draws, else the copy keeps the original position.  So copies stay
inside the county and their area tags stay true.  Sites that are not located stay not
located.  Tracts, areas, beds, benchmarks and geometry are the real ones (the population
does not grow: per-capita figures grow ×k, which is fine for timing).

The scaled copy is written as a complete snapshot folder (the source's manifest plus a
``synthetic`` entry, and its own content id) that the real app can serve through
``LAMH_DATA_DIR``.  The source is only read (by default the committed data/snapshot/).

    python bench/synthetic.py --scale 100 --out /tmp/lamh-x100   # prints sizes
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd
import shapely

SIGMA_DEG = 0.01
MAX_DRAWS = 8
METHOD = (
    "each facility kept + (k-1) copies with the same attributes and area tags, new "
    "site_id, located copies jittered N(0, 0.01 deg) and kept inside the same SPA and "
    "district polygon (else original position)"
)


def _polygons(geojson: dict) -> dict[int, object]:
    return {
        int(f["properties"]["id"]): shapely.make_valid(shapely.geometry.shape(f["geometry"]))
        for f in geojson["features"]
    }


def scale_facilities(fac: pd.DataFrame, k: int, geojson: dict, seed: int = 0) -> pd.DataFrame:
    """The facility table with k−1 jittered copies of every row (see the module docstring)."""
    if k <= 1:
        return fac.copy()
    rng = np.random.default_rng(seed)
    copies = pd.concat([fac] * (k - 1), ignore_index=True)
    rep = np.repeat(np.arange(1, k), len(fac))
    copies["site_id"] = copies["site_id"].astype(str) + "-x" + pd.Series(rep).astype(str)
    lat = copies["lat"].to_numpy(float).copy()
    lon = copies["lon"].to_numpy(float).copy()
    located = ~(np.isnan(lat) | np.isnan(lon))
    spa = copies["spa"].fillna(0).to_numpy(int)
    sd = copies["sd"].fillna(0).to_numpy(int)
    spa_poly, sd_poly = _polygons(geojson["spa"]), _polygons(geojson["sd"])
    todo = located & (spa > 0) & (sd > 0)
    new_lat, new_lon = lat.copy(), lon.copy()
    cos = np.cos(np.radians(34.2))
    for _ in range(MAX_DRAWS):
        idx = np.flatnonzero(todo)
        if len(idx) == 0:
            break
        cy = lat[idx] + rng.normal(0, SIGMA_DEG, len(idx))
        cx = lon[idx] + rng.normal(0, SIGMA_DEG / cos, len(idx))
        ok = np.zeros(len(idx), dtype=bool)
        for a, poly in spa_poly.items():
            sel = spa[idx] == a
            if sel.any():
                ok[sel] = shapely.contains_xy(poly, cx[sel], cy[sel])
        for d, poly in sd_poly.items():
            sel = (sd[idx] == d) & ok
            if sel.any():
                ok[sel] = shapely.contains_xy(poly, cx[sel], cy[sel])
        new_lat[idx[ok]], new_lon[idx[ok]] = cy[ok], cx[ok]
        todo[idx[ok]] = False
    copies["lat"], copies["lon"] = new_lat, new_lon
    out = pd.concat([fac, copies], ignore_index=True)
    for col, dtype in fac.dtypes.items():  # concat may widen nullable dtypes
        if out[col].dtype != dtype:
            out[col] = out[col].astype(dtype)
    return out


def scaled_data_dir(src_data_dir: Path, k: int, out_dir: Path, seed: int = 0) -> Path:
    """A snapshot folder ``out_dir`` like the snapshot in ``src_data_dir`` (only read) whose
    facility table is scaled ×k."""
    from dashboard import snapshot

    out_dir = Path(out_dir).resolve()
    if out_dir == Path(src_data_dir).resolve():
        raise ValueError(f"{out_dir}: would overwrite the snapshot it scales")
    snap = snapshot.read(Path(src_data_dir))
    tables = {t: getattr(snap, t) for t in snapshot.TABLES}
    tables["facilities"] = fac = scale_facilities(snap.facilities, k, snap.geojson, seed=seed)
    manifest = {
        **snap.manifest.to_dict(),
        "synthetic": {
            "scale": k,
            "seed": seed,
            "method": METHOD,
            "facilities": len(fac),
            "from_snapshot": snap.id,
        },
    }
    snapshot.write(out_dir, tables, snap.geojson, manifest)
    return out_dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument(
        "--from",
        dest="src",
        type=Path,
        default=None,
        help="snapshot folder to scale (default: LAMH_DATA_DIR / data/snapshot)",
    )
    args = ap.parse_args()
    from bench import harness

    src = harness.snapshot_dir(args.src)
    out = scaled_data_dir(src, args.scale, args.out)
    print(f"x{args.scale}: {harness.data_size(out)} in {out}")


if __name__ == "__main__":
    main()
