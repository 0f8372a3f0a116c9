"""Point-in-polygon tagging and geometry simplification (shapely 2, vectorised)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import shapely

# Points this close to an area (degrees, ~1.1 km) but outside every polygon — ZIP
# centroids on the coast, for example — are given the nearest area.
SNAP_DEGREES = 0.01


def tag_points(lon, lat, geoms, ids, *, snap: float = SNAP_DEGREES) -> np.ndarray:
    """The id of the polygon containing each point (object array; None when outside all)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(len(lon), None, dtype=object)
    ok = ~(np.isnan(lon) | np.isnan(lat))
    if not ok.any():
        return out
    pts = shapely.points(lon[ok], lat[ok])
    tree = shapely.STRtree(list(geoms))
    ids = np.asarray(list(ids), dtype=object)
    hit_pt, hit_poly = tree.query(pts, predicate="intersects")
    found = np.full(len(pts), None, dtype=object)
    # A point on a shared border takes the first polygon (stable order).
    first = pd.Series(hit_poly).groupby(hit_pt).min()
    found[first.index.to_numpy()] = ids[first.to_numpy()]
    missing = np.flatnonzero(pd.isna(found))
    if len(missing) and snap > 0:
        near_pt, near_poly = tree.query_nearest(pts[missing], max_distance=snap, all_matches=False)
        found[missing[near_pt]] = ids[near_poly]
    out[np.flatnonzero(ok)] = found
    return out


def representative_points(geoms) -> tuple[np.ndarray, np.ndarray]:
    pts = shapely.point_on_surface(np.asarray(list(geoms), dtype=object))
    return shapely.get_x(pts), shapely.get_y(pts)


def to_geojson(
    frame: pd.DataFrame, id_col: str, *, tolerance: float, precision: int = 5, props: tuple[str, ...] = ()
) -> dict:
    """A FeatureCollection of simplified geometries (topology preserved per feature)."""
    geoms = shapely.simplify(
        np.asarray(list(frame["geometry"]), dtype=object), tolerance, preserve_topology=True
    )
    geoms = shapely.set_precision(geoms, 10**-precision, mode="valid_output")
    feats = []
    for (_, row), g in zip(frame.iterrows(), geoms, strict=True):
        p = {"id": _plain(row[id_col])}
        p.update({k: _plain(row[k]) for k in props})
        feats.append(
            {"type": "Feature", "id": p["id"], "properties": p, "geometry": json.loads(shapely.to_geojson(g))}
        )
    return {"type": "FeatureCollection", "features": feats}


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v
