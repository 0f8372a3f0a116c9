"""Build the map for the full facility table our way and the naive way, in one run.

Ours: one compact data layer of all facilities inside a marker cluster, popups built in
the browser on demand, plus the SPA choropleth (dashboard.render.maps).  Naive: one folium.Marker
with a folium.Popup of escaped HTML (the same fields) per facility in a MarkerCluster, plus
folium.GeoJson for the SPAs.
Prints the median build+render time and HTML size of each, and their ratios.

    python bench/map_build.py [--runs 7]
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium
import pandas as pd
from folium.plugins import MarkerCluster

from bench.common import emit, median_of
from dashboard import snapshot, taxonomy
from dashboard.analysis import filters, metrics
from dashboard.config import data_dir
from dashboard.render import legend, mapdata, maps


def load():
    bundle = snapshot.read(data_dir())
    return bundle, {k: v.title for k, v in bundle.manifest.sources.items()}


def ours(bundle, titles) -> str:
    fac = bundle.facilities
    idx = filters.FlagIndex.build(fac)
    state = filters.FilterState()  # all facilities, areas by SPA
    den = metrics.denominator(state)
    m = filters.match(idx, state)
    tab = metrics.area_table(fac, m, bundle.tracts, bundle.areas, state, den).set_index("area")
    breaks = legend.class_breaks(tab["sites_per_100k"].to_numpy())
    base = maps.base_map()
    maps.choropleth_layer(
        bundle.geojson["spa"], tab["sites_per_100k"], tab["name"].to_dict(), breaks, "Sites per 100k"
    ).add_to(base)
    maps.facility_layer(mapdata.prepare(fac, titles), m.mask).add_to(base)
    return base.get_root().render()


def naive_popup(row, titles) -> str:
    """The popup a straightforward build would write: the same fields, escaped HTML."""
    e = lambda v: html.escape(str(v)) if v is not None and v == v else ""  # noqa: E731
    parts = [
        f"<b>{e(row['name'])}</b>",
        e(row["program"]),
        e(row["street"]),
        e(row["city"]),
        e(row["phone"]),
        e(row["website"]),
        e(row["facility_type"]),
    ]
    for gid in ("setting", "service", "population", "condition", "payment", "language"):
        known = taxonomy.group_known(row, gid)
        parts.append(f"{gid}: " + (", ".join(taxonomy.labels_for(row, gid)) if known else "unknown"))
    parts.append("; ".join(titles.get(x, x) for x in str(row["sources"]).split(";")))
    parts.append(e(row["as_of"]) + " " + e(row["location_precision"]))
    return "<br>".join(parts)


def naive(bundle, titles) -> str:
    fac = bundle.facilities
    base = folium.Map(location=list(maps.LA_CENTER), zoom_start=9)
    folium.GeoJson(bundle.geojson["spa"], name="SPAs").add_to(base)
    cluster = MarkerCluster().add_to(base)
    for row in fac[fac["location_precision"] != "none"].to_dict("records"):
        folium.Marker(
            [row["lat"], row["lon"]],
            tooltip=row["name"],
            popup=folium.Popup(naive_popup(row, titles), max_width=320),
        ).add_to(cluster)
    return base.get_root().render()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    bundle, titles = load()
    n = int((bundle.facilities["location_precision"] != "none").sum())
    html_ours, html_naive = ours(bundle, titles), naive(bundle, titles)
    t_ours, _ = median_of(lambda: ours(bundle, titles), args.runs)
    t_naive, _ = median_of(lambda: naive(bundle, titles), args.runs)
    rows = pd.DataFrame(
        {
            "build+render median (s)": [t_ours, t_naive],
            "HTML size (KB)": [len(html_ours.encode()) / 1024, len(html_naive.encode()) / 1024],
        },
        index=["ours: one data layer + cluster", "naive: one Marker per facility"],
    )
    print(f"Map for {n} located facilities + 8 SPA polygons, median of {args.runs} runs\n")
    print(rows.round(3).to_string())
    print(f"\nnaive / ours: time x{t_naive / t_ours:.1f}, size x{len(html_naive) / len(html_ours):.2f}")
    emit(
        "map_build",
        {
            "facilities": n,
            "runs": args.runs,
            "ours_s": round(t_ours, 4),
            "naive_s": round(t_naive, 4),
            "ours_bytes": len(html_ours.encode()),
            "naive_bytes": len(html_naive.encode()),
            "time_ratio": round(t_naive / t_ours, 2),
            "size_ratio": round(len(html_naive) / len(html_ours), 2),
        },
    )


if __name__ == "__main__":
    main()
