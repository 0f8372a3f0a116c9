"""The dashboard beside the floor: the smallest Streamlit page of the same kind, in one run.

The floor (bench/floor_app.py: sidebar checkboxes in an expander, one ``st.metric``, a
small folium map through ``st_folium``) is served by the same Streamlit, with the same
``.streamlit/config.toml`` and the same local Leaflet, from a temporary folder; the
dashboard is served from this checkout.  Both are driven by the same headless Chromium,
alternately, so the machine's noise falls on both.  Figures (medians, p95, and the ratio of
each to the floor's median):

- first paint: a link opened in a fresh browser context (empty cache) -> the first
  headline or heading on screen, from the navigation start;
- first map: the same -> the first facility marker (Map page, floor) or the first tract
  polygon (Gaps page) in the map's frame;
- a population value on/off in the sidebar -> the view settled (bench/settled.py: the last
  visible change in the page and every map frame before 1 s of quiet).

    python bench/floor.py [--rounds 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import harness
from bench.browser import SIDEBAR
from bench.common import emit, machine_line, stats
from bench.scenario import Change
from bench.settled import LAST_INPUT, new_page, settle, sidebar_change, timed

HERE = Path(__file__).resolve().parent
# A shared link of the kind a deputy sends: children, Medi-Cal.
LINK = "?pop=children&pay=medi_cal"


@contextmanager
def floor_server():
    """The floor app served like the dashboard: ``streamlit run dashboard/app.py`` in a
    temporary folder holding the floor script, this repository's .streamlit/config.toml and
    its vendored Leaflet."""
    with tempfile.TemporaryDirectory(prefix="lamh-floor-") as tmp:
        root = Path(tmp)
        (root / "dashboard").mkdir()
        shutil.copy(HERE / "floor_app.py", root / "dashboard" / "app.py")
        shutil.copytree(harness.REPO_ROOT / ".streamlit", root / ".streamlit")
        shutil.copytree(
            harness.REPO_ROOT / "dashboard" / "static" / "vendor", root / "dashboard" / "static" / "vendor"
        )
        with harness.AppServer(app_dir=root) as server:
            yield server


def floor_click(page, i):
    """The floor's first checkbox on (even i) and off (odd i)."""
    page.locator(f'{SIDEBAR} [data-testid="stCheckbox"] label').first.click()
    return page.evaluate(LAST_INPUT)


def first_view(browser, url: str, map_mark: str | None) -> dict:
    """Open ``url`` in a fresh context: ms from the navigation start to the first headline or
    heading (``paint_ms``) and, with ``map_mark`` ("markers" or "areas"), to the first such
    thing in the map's frame (``map_ms``)."""
    ctx, page = new_page(browser)
    try:
        page.goto(url, wait_until="commit")
        origin = page.evaluate("performance.timeOrigin")
        out = {}
        if map_mark:
            frame = harness.map_frame(page)
            frame.wait_for_function(f"window.__lamh && window.__lamh.{map_mark} !== null", polling=50)
            out["map_ms"] = frame.evaluate(f"window.__lamh.{map_mark}") - origin
        page.wait_for_function("window.__lamh.paint !== null", polling=50)
        out["paint_ms"] = page.evaluate("window.__lamh.paint") - origin
        settle(page)
        return out
    finally:
        ctx.close()


def clicks(browser, url: str, run, n: int, tag: str, wait_map: bool = True) -> list[float]:
    """``n`` timed clicks (``run(page, i)``) on the page at ``url``, each to the view settled."""
    ctx, page = new_page(browser)
    try:
        page.goto(url)
        if wait_map:
            harness.map_frame(page)
        settle(page)
        return [timed(page, run, i, f"{tag}:{i}")["settled_ms"] for i in range(n)]
    finally:
        ctx.close()


def reference(browser, floor_url: str, rounds: int) -> dict:
    """The floor's own figures: first paint, first map and checkbox clicks (``rounds`` each,
    clicks 2 x ``rounds``), as lists of ms."""
    out = {"paint_ms": [], "map_ms": [], "click_ms": []}
    for _ in range(rounds):
        v = first_view(browser, floor_url, "markers")
        out["paint_ms"].append(v["paint_ms"])
        out["map_ms"].append(v["map_ms"])
    out["click_ms"] = clicks(browser, floor_url, floor_click, 2 * rounds, "floor")
    return out


def ratio(value, floor_median) -> float:
    return round(value / floor_median, 2) if value is not None and floor_median else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    data_dir = harness.snapshot_dir(args.data_dir)
    print(machine_line())
    print(f"headless Chromium {harness.CHROMIUM}, 1280x900, offline; link {LINK}\n")
    population = sidebar_change(
        Change("add", "f_population", "children"), Change("remove", "f_population", "children")
    )
    samples: dict[str, list[float]] = {}

    def add(key, value):
        samples.setdefault(key, []).append(value)

    with harness.chromium() as browser, floor_server() as floor, harness.AppServer(data_dir) as app:
        for url, mark in ((floor.url, "markers"), (app.url, "markers")):  # first sessions: not measured
            first_view(browser, url, mark)
        for _ in range(args.rounds):  # alternately, so noise falls on all three
            v = first_view(browser, floor.url, "markers")
            add("floor first paint", v["paint_ms"])
            add("floor first map", v["map_ms"])
            v = first_view(browser, f"{app.url}/{LINK}", "markers")
            add("map first paint", v["paint_ms"])
            add("map first map", v["map_ms"])
            v = first_view(browser, f"{app.url}/gaps{LINK}", "areas")
            add("gaps first paint", v["paint_ms"])
            add("gaps first map", v["map_ms"])
        for _ in range(2):
            for key, url, run in (
                ("floor click", floor.url, floor_click),
                ("map click", f"{app.url}/", population),
                ("gaps click", f"{app.url}/gaps", population),
            ):
                samples.setdefault(key, []).extend(clicks(browser, url, run, args.rounds, key))

    s = {k: stats([x for x in v if x == x], 0) for k, v in samples.items()}
    rows = []
    for what, label in (
        ("first paint", "open link -> first headline"),
        ("first map", "open link -> first marker / tract"),
        ("click", "population value on/off -> settled"),
    ):
        f = s[f"floor {what}"]
        row = {"figure": label, "floor p50": f["median"], "floor p95": f["p95"]}
        for page in ("map", "gaps"):
            p = s[f"{page} {what}"]
            row[f"{page} p50"] = p["median"]
            row[f"{page} p95"] = p["p95"]
            row[f"{page} p50/floor"] = ratio(p["median"], f["median"])
            row[f"{page} p95/floor"] = ratio(p["p95"], f["median"])
        rows.append(row)
    print("ms; ratios are to the floor's median (targets: clicks p50 <= 1.5x, p95 <= 2x; first map <= 1.5x)")
    print(pd.DataFrame(rows).to_string(index=False))
    emit("floor", {"stats": s, "rows": rows, "link": LINK})


if __name__ == "__main__":
    main()
