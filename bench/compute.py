"""Server-side compute per rerun, for every page, at LA scale and on data scaled ×10 and ×100.

Each page runs as the real app does — ``dashboard/app.py`` (sidebar, navigation, URL sync)
plus the page script, in Streamlit's AppTest runner, so every rerun includes what Streamlit
does with the results (Arrow for st.dataframe, plotly JSON, component args, CSV bytes for
the download buttons) but no network and no browser.  One session per page and scale: a
first run (new session; the snapshot is already loaded in this process), then the 20 filter
changes of bench/scenario.py through the sidebar widgets, each a timed rerun.

The time of each rerun is split by wrapping the functions the scripts call (outermost call
only, so nothing is counted twice): sidebar option counts (filters.option_counts), filter
(other dashboard.analysis.filters functions, and the link's encode/decode in
dashboard.analysis.link), metrics, map layers (dashboard.render.maps),
st_folium (folium render + component args), tables, CSV bytes for downloads
(tables.csv_bytes), st.dataframe, st.download_button, charts + st.plotly_chart, costs, and the
full garbage collection Streamlit runs after every script run (``runner.postScriptGC``, on
by default); "other" is the rest (Streamlit elements, page code; AppTest also recompiles
the page script each run, which a server does not).  AppTest skips that garbage
collection, so it is run and timed right after each AppTest run and added to the rerun
time when the app's config leaves ``runner.postScriptGC`` on.  "filter+metrics" = option
counts + filter + metrics.

Map payload: bytes of the st_folium component's JSON args in each rerun (what the browser
receives for the map), next to a naive map of the same matching facilities — one folium
Marker with an escaped-HTML Popup per facility in a MarkerCluster plus the SPA polygons as
folium.GeoJson (as bench/map_build.py) — sent through the same st_folium, in the same run
(LA scale only: the naive build of 49,000 markers would take minutes).

    python bench/compute.py [--scales 1,10,100] [--pages map,compare,gaps,data] [--changes 20]
                            [--profile]   # + cProfile of the map page reruns at LA scale
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import inspect
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import harness, scenario, synthetic
from bench.common import emit, machine_line, stats

APP = harness.REPO_ROOT / "dashboard" / "app.py"
# page paths as st.switch_page takes them: relative to the main script's folder
PAGES = {
    "map": "../pages/map.py",
    "compare": "../pages/compare.py",
    "gaps": "../pages/gaps.py",
    "data": "../pages/data.py",
}
CATEGORIES = (
    "option counts",
    "filter",
    "metrics",
    "map layers",
    "st_folium",
    "tables",
    "csv bytes",
    "st.dataframe",
    "st.download_button",
    "charts",
    "costs",
    "gc after run",
    "other",
)
FILTER_METRICS = ("option counts", "filter", "metrics")
MAP_PART = ("map layers", "st_folium")


# ------------------------------------------------------------------ instrumentation


class Probe:
    """Times the outermost call of each wrapped function, by category, per rerun."""

    def __init__(self):
        self.local = threading.local()
        self.totals: dict[str, float] = {}
        self.calls: dict[str, float] = {}
        self.saved: list[tuple[object, str, object]] = []

    def _wrap(self, fn, category: str, name: str):
        probe = self

        @functools.wraps(fn)
        def wrapper(*a, **kw):
            depth = getattr(probe.local, "depth", 0)
            probe.local.depth = depth + 1
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                dt = time.perf_counter() - t
                probe.local.depth = depth
                probe.calls[name] = probe.calls.get(name, 0.0) + dt
                if depth == 0:
                    probe.totals[category] = probe.totals.get(category, 0.0) + dt

        wrapper.__lamh_probe__ = True
        return wrapper

    def patch(self, owner, attr: str, category: str, name: str | None = None) -> None:
        fn = getattr(owner, attr)
        if getattr(fn, "__lamh_probe__", False):
            return
        self.saved.append((owner, attr, fn))
        setattr(owner, attr, self._wrap(fn, category, name or f"{getattr(owner, '__name__', owner)}.{attr}"))

    def patch_module(self, module, category: str, only: tuple[str, ...] | None = None) -> None:
        for attr, fn in list(vars(module).items()):
            # public functions only: private helpers (called per row) would add overhead
            if (
                inspect.isfunction(fn)
                and fn.__module__ == module.__name__
                and not attr.startswith("_")
                and (only is None or attr in only)
            ):
                self.patch(module, attr, category)

    def install(self) -> None:
        import streamlit as st
        import streamlit_folium

        from dashboard.analysis import costs, filters, link, metrics
        from dashboard.render import charts, maps, tables

        self.patch(filters, "option_counts", "option counts")
        self.patch_module(filters, "filter")
        self.patch_module(link, "filter")
        self.patch_module(metrics, "metrics")
        self.patch_module(maps, "map layers")
        self.patch(streamlit_folium, "st_folium", "st_folium")
        self.patch(tables, "csv_bytes", "csv bytes")  # before the rest of tables: not counted twice
        self.patch_module(tables, "tables")
        self.patch(st, "dataframe", "st.dataframe")
        self.patch(st, "download_button", "st.download_button")
        self.patch_module(charts, "charts")
        self.patch(st, "plotly_chart", "charts")
        self.patch_module(costs, "costs")

    def uninstall(self) -> None:
        while self.saved:
            owner, attr, fn = self.saved.pop()
            setattr(owner, attr, fn)

    def reset(self) -> None:
        self.totals, self.calls = {}, {}


class ThreadProfiler:
    """cProfile of the script thread: AppTest runs each rerun in a new thread, so the
    profiler is switched on from inside it (at context.load_data, the app's first call)."""

    def __init__(self):
        self.stats: pstats.Stats | None = None
        self.active = False
        self.current: cProfile.Profile | None = None
        self.saved = None

    def install(self) -> None:
        from dashboard.ui import context

        orig = context.load_data
        prof = self

        @functools.wraps(orig)
        def load_data(*a, **kw):
            if prof.active and prof.current is None:
                prof.current = cProfile.Profile()
                prof.current.enable()
            return orig(*a, **kw)

        self.saved = orig
        context.load_data = load_data

    def collect(self) -> None:
        if self.current is None:
            return
        self.current.disable()
        s = pstats.Stats(self.current)
        if self.stats is None:
            self.stats = s
        else:
            self.stats.add(s)
        self.current = None

    def uninstall(self) -> None:
        from dashboard.ui import context

        if self.saved is not None:
            context.load_data = self.saved


# ------------------------------------------------------------------ the naive map


def naive_payload(fac: pd.DataFrame, spa_geojson: dict, titles: dict) -> tuple[int, float]:
    """JSON bytes st_folium would send for the naive one-Marker-per-facility map, and the
    seconds it took to build and convert."""
    import folium
    import streamlit_folium
    from folium.plugins import MarkerCluster

    from bench.map_build import naive_popup
    from dashboard.render import maps

    captured = {}
    t = time.perf_counter()
    base = folium.Map(location=list(maps.LA_CENTER), zoom_start=maps.DEFAULT_ZOOM)
    folium.GeoJson(spa_geojson, name="SPAs").add_to(base)
    cluster = MarkerCluster().add_to(base)
    for row in fac[fac["location_precision"] != "none"].to_dict("records"):
        folium.Marker(
            [row["lat"], row["lon"]],
            tooltip=row["name"],
            popup=folium.Popup(naive_popup(row, titles), max_width=320),
        ).add_to(cluster)
    orig = streamlit_folium._component_func
    streamlit_folium._component_func = lambda **kw: captured.update(kw)
    try:
        st_folium = getattr(streamlit_folium.st_folium, "__wrapped__", streamlit_folium.st_folium)
        st_folium(base, key="naive", height=560, returned_objects=["center", "zoom"])
    finally:
        streamlit_folium._component_func = orig
    dt = time.perf_counter() - t
    args = {k: v for k, v in captured.items() if not callable(v)}
    return len(json.dumps(args).encode()), dt


# ------------------------------------------------------------------ running pages


def post_script_gc() -> bool:
    """The app's ``runner.postScriptGC`` (Streamlit's default: on)."""
    import tomllib

    try:
        conf = tomllib.loads((harness.REPO_ROOT / ".streamlit" / "config.toml").read_text())
    except (OSError, ValueError):
        conf = {}
    return bool(conf.get("runner", {}).get("postScriptGC", True))


def set_widget(at, ch: scenario.Change, state) -> None:
    if ch.checkbox:
        at.checkbox(key=ch.widget_key).set_value(ch.on)
    else:  # attribute values and areas are pills (a folded group is opened first)
        if not any(p.key == ch.key for p in at.pills):
            at.session_state[f"x_{ch.field}"] = True
            at.run()
        at.pills(key=ch.key).set_value(scenario.widget_value(state, ch.key))


def headline(at) -> int | None:
    for m in at.metric:
        if m.label.startswith("Matching sites"):
            return int(str(m.value).replace(",", ""))
    return None


def run_page(
    page: str, data_dir: Path, n_changes: int, probe: Probe, prof: ThreadProfiler | None, naive: dict | None
) -> dict:
    from streamlit.testing.v1 import AppTest

    from dashboard import snapshot
    from dashboard.analysis import filters

    os.environ["LAMH_DATA_DIR"] = str(data_dir)
    bundle = snapshot.read(data_dir)
    idx = filters.FlagIndex.build(bundle.facilities)
    located = (bundle.facilities["location_precision"] != "none").to_numpy()
    titles = {k: v.title for k, v in bundle.manifest.sources.items()}
    at = AppTest.from_file(str(APP), default_timeout=600)
    t = time.perf_counter()
    at.run()
    if page != "map":  # a new session lands on the map; then the user opens the page
        at.switch_page(PAGES[page])
        t = time.perf_counter()
        at.run()
    first_s = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    seq = scenario.states()
    rows, wrong = [], 0
    for i, ch in enumerate(scenario.CHANGES[:n_changes]):
        state = seq[i + 1]
        set_widget(at, ch, state)
        probe.reset()
        if prof is not None:
            prof.active = True
        t, c = time.perf_counter(), time.process_time()
        at.run()
        gc_s = 0.0
        if post_script_gc():  # what the server does after every run; AppTest does not
            g = time.perf_counter()
            gc.collect(2)
            gc_s = time.perf_counter() - g
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if prof is not None:
            prof.active = False
            prof.collect()
        if at.exception:
            raise RuntimeError(f"{page} after {ch.describe()}: {[e.value for e in at.exception]}")
        row = {
            "change": ch.describe(),
            "wall": wall,
            "cpu": cpu,
            **{k: probe.totals.get(k, 0.0) for k in CATEGORIES[:-1]},
        }
        row["gc after run"] = gc_s
        row["other"] = max(0.0, wall - sum(probe.totals.values()) - gc_s)
        row["calls"] = dict(probe.calls)
        comps = at.get("component_instance")
        row["map_bytes"] = sum(len(c.proto.json_args.encode()) for c in comps)
        if page == "map":
            exp = scenario.expected(idx, located, state)[0]
            if headline(at) != exp:
                wrong += 1
            if naive is not None:
                mask = filters.match(idx, state).mask
                nb, ns = naive_payload(bundle.facilities.loc[mask], bundle.geojson["spa"], titles)
                naive.setdefault("bytes", []).append(nb)
                naive.setdefault("seconds", []).append(ns)
                naive.setdefault("ours", []).append(row["map_bytes"])
        rows.append(row)
    return {"first_s": first_s, "rows": rows, "wrong_headline": wrong}


def warm_up(data_dir: Path) -> None:
    """One untimed session, so the snapshot is loaded (st.cache_resource) before timing."""
    from streamlit.testing.v1 import AppTest

    os.environ["LAMH_DATA_DIR"] = str(data_dir)
    AppTest.from_file(str(APP), default_timeout=600).run()


def summarise(res: dict) -> dict:
    rows = res["rows"]
    out = {
        "reruns": len(rows),
        "first_run_ms": round(res["first_s"] * 1000, 1),
        "rerun_ms": stats([r["wall"] * 1000 for r in rows]),
        "cpu_ms": stats([r["cpu"] * 1000 for r in rows]),
        "filter_metrics_ms": stats([sum(r[k] for k in FILTER_METRICS) * 1000 for r in rows]),
        "map_part_ms": stats([sum(r[k] for k in MAP_PART) * 1000 for r in rows]),
        "parts_median_ms": {k: round(pd.Series([r[k] * 1000 for r in rows]).median(), 1) for k in CATEGORIES},
        "map_bytes": stats([r["map_bytes"] for r in rows], digits=0),
        "wrong_headline": res["wrong_headline"],
    }
    calls = pd.DataFrame([r["calls"] for r in rows]).fillna(0) * 1000
    out["functions_median_ms"] = {
        k: round(v, 1) for k, v in calls.median().sort_values(ascending=False).head(12).items()
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="1,10,100")
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument(
        "--changes",
        type=int,
        default=len(scenario.CHANGES),
        help="filter changes (reruns) per page and scale, at most 20",
    )
    ap.add_argument(
        "--big-changes", type=int, default=None, help="reruns per page at scales > 10 (default: --changes)"
    )
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="snapshot folder (default: LAMH_DATA_DIR / the committed data/snapshot)",
    )
    ap.add_argument("--profile", action="store_true", help="cProfile the map page reruns at LA scale")
    ap.add_argument("--no-naive", action="store_true")
    args = ap.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    pages = [p for p in args.pages.split(",") if p]

    base = harness.snapshot_dir(args.data_dir)
    tmp = Path(tempfile.mkdtemp(prefix="lamh-bench-compute-"))
    dirs = {k: (base if k == 1 else synthetic.scaled_data_dir(base, k, tmp / f"x{k}")) for k in scales}
    sizes = {k: harness.data_size(d) for k, d in dirs.items()}
    print(machine_line())
    for k in scales:
        print(
            f"data x{k}: {sizes[k]['facilities']:,} facilities ({sizes[k]['located']:,} located), "
            f"{sizes[k]['tracts']:,} tracts" + ("" if k == 1 else f" — synthetic: {synthetic.METHOD}")
        )
    print(
        f"{min(args.changes, 20)} filter changes per page and scale (bench/scenario.py), "
        "one AppTest session each\n"
    )

    probe = Probe()
    probe.install()
    prof = ThreadProfiler() if args.profile else None
    if prof:
        prof.install()
    results: dict = {}
    naive: dict = {}
    try:
        for k in scales:
            n = args.changes if k <= 10 or args.big_changes is None else args.big_changes
            warm_up(dirs[k])
            for page in pages:
                res = run_page(
                    page,
                    dirs[k],
                    min(n, 20),
                    probe,
                    prof if (prof and k == 1 and page == "map") else None,
                    naive if (k == 1 and page == "map" and not args.no_naive) else None,
                )
                results.setdefault(f"x{k}", {})[page] = summarise(res)
                s = results[f"x{k}"][page]
                print(
                    f"  x{k:<3} {page:8} rerun median {s['rerun_ms']['median']:8.1f} ms"
                    f"  p95 {s['rerun_ms']['p95']:8.1f} ms"
                    f"  (first run {s['first_run_ms']:.0f} ms)",
                    flush=True,
                )
    finally:
        probe.uninstall()
        if prof:
            prof.uninstall()
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    for sk, per in results.items():
        for page, s in per.items():
            rows.append(
                {
                    "scale": sk,
                    "page": page,
                    "n": s["reruns"],
                    "rerun p50 ms": s["rerun_ms"]["median"],
                    "rerun p95 ms": s["rerun_ms"]["p95"],
                    "cpu p50 ms": s["cpu_ms"]["median"],
                    "filter+metrics p50": s["filter_metrics_ms"]["median"],
                    "filter+metrics p95": s["filter_metrics_ms"]["p95"],
                    "map part p50": s["map_part_ms"]["median"],
                    "map part p95": s["map_part_ms"]["p95"],
                    "map KB p50": round(s["map_bytes"]["median"] / 1024, 1),
                    "map KB max": round(s["map_bytes"]["max"] / 1024, 1),
                    "first run ms": s["first_run_ms"],
                }
            )
    print("\nPer rerun (wall ms; server side, in-process AppTest; p50 = median over the reruns)")
    print(pd.DataFrame(rows).to_string(index=False))

    print("\nWhere the time goes: median ms per rerun by part")
    parts = pd.DataFrame(
        {f"{sk} {page}": s["parts_median_ms"] for sk, per in results.items() for page, s in per.items()}
    )
    print(parts.to_string())
    for sk, per in results.items():
        if "map" in per:
            print(f"\nMap page x{sk[1:]}: slowest functions (median ms per rerun, inclusive)")
            for name, v in per["map"]["functions_median_ms"].items():
                print(f"  {v:8.1f}  {name}")
    out = {
        "scales": {f"x{k}": sizes[k] for k in scales},
        "results": results,
        "synthetic_method": synthetic.METHOD,
    }
    if naive:
        ratio = [n / o for n, o in zip(naive["bytes"], naive["ours"], strict=True) if o]
        out["naive_map"] = {
            "ours_bytes": stats(naive["ours"], digits=0),
            "naive_bytes": stats(naive["bytes"], digits=0),
            "naive_build_ms": stats([s * 1000 for s in naive["seconds"]]),
            "size_ratio": stats(ratio, digits=2),
        }
        nm = out["naive_map"]
        print(
            f"\nMap payload at LA scale over {len(ratio)} filter states: ours median "
            f"{nm['ours_bytes']['median'] / 1024:.1f} KB (max {nm['ours_bytes']['max'] / 1024:.1f}),"
            f" naive one-Marker-per-facility median {nm['naive_bytes']['median'] / 1024:.1f} KB "
            f"(max {nm['naive_bytes']['max'] / 1024:.1f}); naive/ours median x{nm['size_ratio']['median']}"
        )
    if prof and prof.stats is not None:
        buf = io.StringIO()
        prof.stats.stream = buf
        prof.stats.sort_stats("cumulative").print_stats(45)
        print("\ncProfile of the map page reruns at LA scale (cumulative; profiler overhead inflates times):")
        print("\n".join(line for line in buf.getvalue().splitlines() if line.strip())[:9000])
    emit("compute", out)


if __name__ == "__main__":
    main()
