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


def area_shares(geoms, zones, zone_ids) -> pd.DataFrame:
    """For each geometry, the share of its area inside each zone it overlaps.

    Columns ``item`` (position in ``geoms``), ``zone`` (id) and ``share`` (0-1; each item's
    shares sum to 1, so slivers of a simplified outline do not lose population).  Areas are
    in squared degrees: fine for shares within one small geometry.
    """
    geoms = np.asarray(list(geoms), dtype=object)
    zones = np.asarray(list(zones), dtype=object)
    ids = np.asarray(list(zone_ids), dtype=object)
    item, zone = shapely.STRtree(zones).query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[item], zones[zone]))
    out = pd.DataFrame({"item": item, "zone": ids[zone], "area": area})
    out = out[out["area"] > 0]
    out["share"] = out["area"] / out.groupby("item")["area"].transform("sum")
    return out.drop(columns="area").sort_values(["item", "zone"]).reset_index(drop=True)


# Metres per degree at LA County's latitude (~34 N): enough for distances of a few hundred metres.
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0 * float(np.cos(np.radians(34.0)))


def shared_lines(zones):
    """The lines two zones have in common (the county's outer edge and coasts left out)."""
    zones = list(zones)
    parts = [
        shapely.intersection(shapely.boundary(a), shapely.boundary(b))
        for i, a in enumerate(zones)
        for b in zones[i + 1 :]
    ]
    return shapely.union_all([p for p in parts if not p.is_empty])


def metres_to(lon, lat, geom) -> np.ndarray:
    """Distance in metres from each point to ``geom`` (NaN where a coordinate is missing)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)

    def scale(xy):
        return np.column_stack([xy[:, 0] * _M_PER_DEG_LON, xy[:, 1] * _M_PER_DEG_LAT])

    out = np.full(len(lon), np.nan)
    ok = ~(np.isnan(lon) | np.isnan(lat))
    if ok.any():
        pts = shapely.points(lon[ok] * _M_PER_DEG_LON, lat[ok] * _M_PER_DEG_LAT)
        out[ok] = shapely.distance(pts, shapely.transform(geom, scale))
    return out
