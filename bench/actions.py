"""Every user action on every page, timed in headless Chromium from the input until the view
has settled — the last visible change of map, headline, chart, table or sidebar.

Starts ``streamlit run dashboard/app.py`` (this repository, or ``--before DIR`` too: another
checkout, e.g. a ``git worktree`` of an older commit, measured in the same run, page by
page alternately) and drives Debian's headless Chromium (1280x900, offline).

How "settled" is measured: a script injected into every frame (the app and each map
iframe) records the in-page time of every input (pointer down, key down) and of every DOM
mutation (children, text and attributes — Leaflet moves and restyles by attributes) outside
Streamlit's header and status widget.  After an action, the page is left until no script
run is going on and nothing has changed for ``--quiet`` ms; the figure is the last mutation
minus the input that triggered the action.  An action that changed nothing visible is
reported as such (and not counted as fast).  Each action also counts its script runs and
the websocket bytes they brought (and how many of them were the map component's).

Actions: on each page every sidebar filter group (one value on, then off), the area
filters, the unknown-attributes and state-hospital switches, the distance threshold and the
name search; the Map page's measure and area-level switches, a cluster click (-> zoomed
map), a popup open; the cost page's price basis, a number input and the SPA choice; and
every page switch through the sidebar's page links.  Toggles alternate on/off, so each is
measured ``2 x --repeat`` times; one-way actions ``--repeat`` times.

    python bench/actions.py [--repeat 3] [--pages map,gaps,compare,data] [--before DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import floor, harness
from bench.browser import SIDEBAR
from bench.common import emit, machine_line, stats
from bench.scenario import Change
from bench.settled import LAST_INPUT, new_page, settle, sidebar_change, timed

PAGES = {"map": "/", "gaps": "/gaps", "compare": "/compare", "data": "/data"}
PAGE_LINKS = {
    "map": "Map",
    "compare": "Inpatient vs outpatient",
    "gaps": "Gaps & access",
    "data": "Data & methods",
}


@dataclass(frozen=True)
class Action:
    name: str
    run: Callable  # (page, i) -> in-page time of the input that triggers the change
    reset: Callable | None = None  # (page, base_url): untimed, back to the starting view


# ------------------------------------------------------------------ inputs


def click_label(scope: str, text: str, other: str | None = None) -> Callable:
    """Click the widget label ``text`` (even i) and ``other`` (odd i; same label if None)."""

    def run(page, i):
        want = text if i % 2 == 0 or other is None else other
        page.locator(f"{scope} label").filter(has_text=want).first.click()
        return page.evaluate(LAST_INPUT)

    return run


def distance_step(page, i):
    """The distance threshold 5 -> 10 miles (even i) and back (a slider before the
    segmented control: one step right, then left)."""
    bar = page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').filter(has_text="Distance threshold")
    if bar.count():
        bar.get_by_role("radio", name="10" if i % 2 == 0 else "5", exact=True).click()
    else:
        thumb = page.locator(f'{SIDEBAR} [data-testid="stSlider"] input[type="range"]').first
        thumb.focus()
        thumb.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
    return page.evaluate(LAST_INPUT)


def name_search(page, i):
    field = page.locator(f'{SIDEBAR} [data-testid="stTextInput"] input').first
    field.fill("Hirsch" if i % 2 == 0 else "")
    field.press("Enter")
    return page.evaluate(LAST_INPUT)


def page_link(target: str) -> Callable:
    def run(page, i):
        page.locator(f'{SIDEBAR} a[data-testid="stPageLink-NavLink"]').filter(
            has_text=PAGE_LINKS[target]
        ).first.click()
        return page.evaluate(LAST_INPUT)

    return run


def number_input(page, i):
    field = page.locator('[data-testid="stMain"] [data-testid="stNumberInput"] input').first
    value = float(field.input_value())
    field.fill(f"{value + 1:g}" if i % 2 == 0 else f"{value - 1:g}")
    field.press("Enter")
    return page.evaluate(LAST_INPUT)


def spa_choice(page, i):
    box = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text="SPA").first
    box.click()
    option = page.get_by_role("option", name=re.compile(f"^SPA {4 if i % 2 == 0 else 6} ·"))
    option.click()
    return page.evaluate(LAST_INPUT)


# The index of a marker or cluster well inside the map (the biggest cluster / the i-th marker).
INSIDE = """([sel, i]) => { const c = document.querySelector('.leaflet-container').getBoundingClientRect();
  const els = Array.from(document.querySelectorAll(sel)).map((el, k) => [el, k]).filter(([el]) => {
    const r = el.getBoundingClientRect();
    return r.left > c.left + 60 && r.right < c.right - 60
      && r.top > c.top + 60 && r.bottom < c.bottom - 60; });
  if (sel === '.marker-cluster') { els.sort((a, b) => (+b[0].textContent || 0) - (+a[0].textContent || 0)); }
  return els.length ? els[i % els.length][1] : -1; }"""


def cluster_click(page, i):
    frame = harness.map_frame(page)
    k = frame.evaluate(INSIDE, [".marker-cluster", 0])
    frame.locator(".marker-cluster").nth(k).click()
    return frame.evaluate(LAST_INPUT)


def popup_open(page, i):
    frame = harness.map_frame(page)
    k = frame.evaluate(INSIDE, [".lamh-marker", i])
    frame.locator(".lamh-marker").nth(k).click()
    frame.wait_for_selector(".leaflet-popup", timeout=10_000)
    return frame.evaluate(LAST_INPUT)


def reload(path: str) -> Callable:
    def reset(page, base):
        page.goto(base + path)
        if not path.startswith(("/compare", "/data")):
            harness.map_frame(page)
        settle(page)

    return reset


def actions_for(page_name: str) -> list[Action]:
    """What a user does on ``page_name`` (sidebar filters are on every page)."""

    def g(group, value):
        return sidebar_change(Change("add", f"f_{group}", value), Change("remove", f"f_{group}", value))

    common = [
        Action("setting +/-", g("setting", "outpatient")),
        Action("population +/-", g("population", "children")),
        Action("condition +/-", g("condition", "smi")),
        Action("service +/-", g("service", "individual")),
        Action("payment +/-", g("payment", "medi_cal")),
        Action("language +/-", g("language", "spanish")),
        Action("operator +/-", g("operator", "nonprofit")),
        Action("SPA +/-", sidebar_change(Change("add", "f_spa", 4), Change("remove", "f_spa", 4))),
        Action("district +/-", sidebar_change(Change("add", "f_sd", 2), Change("remove", "f_sd", 2))),
        Action(
            "unknown attrs on/off",
            sidebar_change(Change("check", "f_unknown"), Change("uncheck", "f_unknown")),
        ),
        Action("state hospital on/off", click_label(SIDEBAR, "Count the state forensic hospital", None)),
        Action("distance threshold", distance_step),
        Action("name search", name_search),
    ]
    if page_name == "map":
        return [
            *common,
            Action(
                "measure switch",
                click_label(
                    '[data-testid="stMain"]',
                    "Licensed acute psychiatric beds per 100k residents",
                    "Matching sites per 100k residents",
                ),
            ),
            Action(
                "area level switch",
                click_label(
                    '[data-testid="stMain"]',
                    "Supervisorial district (2021 plan)",
                    "Service Planning Area (2012)",
                ),
            ),
            Action("cluster click -> zoomed map", cluster_click, reset=reload("/")),
            Action("popup open", popup_open, reset=reload("/?lat=34.05&lon=-118.26&z=15")),
            Action("page switch -> Gaps", page_link("gaps"), reset=reload("/")),
        ]
    if page_name == "gaps":
        return [*common, Action("page switch -> Compare", page_link("compare"), reset=reload("/gaps"))]
    if page_name == "compare":
        return [
            *common,
            Action(
                "price basis switch",
                click_label(
                    '[data-testid="stMain"]',
                    "Medicare, LA locality 18 (Los Angeles + Orange counties) where available",
                    "Medicare national amounts",
                ),
            ),
            Action("cost input", number_input),
            Action("SPA for added capacity", spa_choice),
            Action("page switch -> Data", page_link("data"), reset=reload("/compare")),
        ]
    return [*common[:2], Action("page switch -> Map", page_link("map"), reset=reload("/data"))]


# ------------------------------------------------------------------ measuring


def measure_page(browser, base: str, page_name: str, repeat: int, quiet_ms: int) -> list[dict]:
    ctx, page = new_page(browser)
    rows = []
    try:
        page.goto(base + PAGES[page_name])
        if page_name in ("map", "gaps"):
            harness.map_frame(page)
        settle(page, quiet_ms)
        for act in actions_for(page_name):
            n = repeat if act.reset else 2 * repeat
            for i in range(n):
                if act.reset:  # untimed: back to the action's starting view
                    act.reset(page, base)
                tag = f"{page_name}:{act.name}:{i}"
                rows.append({"page": page_name, "action": act.name, **timed(page, act.run, i, tag, quiet_ms)})
            if act.reset:
                act.reset(page, base)
        for msg in page.js_errors[:3]:
            rows.append(
                {"page": page_name, "action": "(page error)", "settled_ms": float("nan"), "error": msg}
            )
        return rows
    finally:
        ctx.close()


def summarise(rows: list[dict]) -> pd.DataFrame:
    out = []
    df = pd.DataFrame(rows)
    for (page_name, action), grp in df.groupby(["page", "action"], sort=False):
        ok = grp["settled_ms"].dropna().tolist()
        s = stats(ok, 0) if ok else {"median": float("nan"), "p95": float("nan"), "max": float("nan")}
        out.append(
            {
                "page": page_name,
                "action": action,
                "n": len(ok),
                "median_ms": s["median"],
                "p95_ms": s["p95"],
                "max_ms": s["max"],
                "run_done": grp["run_done_ms"].median() if "run_done_ms" in grp else float("nan"),
                "sent": grp["sent_ms"].median() if "sent_ms" in grp else float("nan"),
                "first_msg": grp["first_msg_ms"].median() if "first_msg_ms" in grp else float("nan"),
                "last_msg": grp["last_msg_ms"].median() if "last_msg_ms" in grp else float("nan"),
                "page_last": grp["page_ms"].median() if "page_ms" in grp else float("nan"),
                "map_last": grp["map_ms"].median() if "map_ms" in grp else float("nan"),
                "page_busy": grp["busy_ms"].median() if "busy_ms" in grp else float("nan"),
                "map_busy": grp["map_busy_ms"].median() if "map_busy_ms" in grp else float("nan"),
                "reruns": grp["reruns"].median() if "reruns" in grp else float("nan"),
                "mounts": grp["mounts"].median() if "mounts" in grp else float("nan"),
                "ws_kb": round(grp["ws_kb"].median(), 1) if "ws_kb" in grp else float("nan"),
                "map_kb": round(grp["map_kb"].median(), 1) if "map_kb" in grp else float("nan"),
                "errors": "; ".join(sorted({e for e in grp["error"] if e}))[:80],
            }
        )
    return pd.DataFrame(out)


# in the JSON line, not in the printed tables (too wide to read)
WIDE = ["sent", "first_msg", "page_last", "map_last", "map_busy"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--quiet", type=int, default=1000, help="ms without a visible change = settled")
    ap.add_argument("--before", type=Path, default=None, help="another checkout to measure in the same run")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--no-floor", dest="floor", action="store_false", help="skip the bare-page reference")
    args = ap.parse_args()
    data_dir = harness.snapshot_dir(args.data_dir)
    pages = [p for p in args.pages.split(",") if p]
    print(machine_line())
    print(f"headless Chromium {harness.CHROMIUM}, 1280x900, offline; settled = {args.quiet} ms quiet\n")
    apps = {"after": harness.REPO_ROOT}
    if args.before:
        apps = {"before": args.before.resolve(), **apps}
    results = {k: [] for k in apps}
    ref = None
    with harness.chromium() as browser, contextlib.ExitStack() as stack:
        if args.floor:  # the smallest page of the same kind, in the same run (bench/floor.py)
            fl = stack.enter_context(floor.floor_server())
            floor.first_view(browser, fl.url, "markers")  # its first session is not measured
            ref = floor.reference(browser, fl.url, max(args.repeat, 3))
        # Each checkout serves its own committed snapshot (an older checkout may not read
        # a newer snapshot's columns), unless --data-dir names one for both.
        servers = {
            k: harness.AppServer(
                data_dir if args.data_dir or k == "after" else d / "data" / "snapshot", app_dir=d
            )
            for k, d in apps.items()
        }
        for s in servers.values():
            s.start()
        try:
            for s in servers.values():  # each server's first session is not measured
                ctx, page = new_page(browser)
                page.goto(s.url)
                harness.map_frame(page)
                ctx.close()
            for p in pages:
                for k, s in servers.items():
                    results[k] += measure_page(browser, s.url, p, args.repeat, args.quiet)
        finally:
            for s in servers.values():
                s.stop()

    tables = {k: summarise(v) for k, v in results.items()}
    after = tables["after"]
    if ref:
        click, paint = stats(ref["click_ms"], 0)["median"], stats(ref["paint_ms"], 0)["median"]
        switch = after["action"].str.startswith("page switch")
        base = switch.map({True: paint, False: click})
        after["p50/floor"] = (after["median_ms"] / base).round(2)
        after["p95/floor"] = (after["p95_ms"] / base).round(2)
        print(
            f"floor (bare page, same run): checkbox -> settled median {click} ms (n={len(ref['click_ms'])}); "
            f"first paint median {paint} ms; ratios: actions to the click, page switches to the first paint "
            "(targets: p50 <= 1.5, p95 <= 2.0; page switches p95 <= 2.0)\n"
        )
    if "before" in tables:
        b = tables["before"][["page", "action", "median_ms", "p95_ms"]]
        after = after.merge(b, on=["page", "action"], how="left", suffixes=("", "_before"))
        after["p95_ratio"] = (after["p95_ms"] / after["p95_ms_before"]).round(2)
    for p in pages:
        t = after[after["page"] == p].drop(columns=["page", *WIDE])
        print(f"[{p}] input -> view settled (in-page ms), script runs, websocket KB (map component)")
        print(t.to_string(index=False, na_rep="-"))
        print()
    all_ok = after["p95_ms"].dropna()
    print(
        f"actions: {len(after)}; worst p95 {all_ok.max():.0f} ms ({after.loc[all_ok.idxmax(), 'action']})"
        + (
            f"; p50 <= 1.5x floor: {(after['p50/floor'] <= 1.5).sum()} of {len(after)}, "
            f"p95 <= 2x floor: {(after['p95/floor'] <= 2.0).sum()} of {len(after)}"
            if ref
            else ""
        )
    )
    tables["after"] = after
    emit("actions", {**{k: t.to_dict(orient="records") for k, t in tables.items()}, "floor": ref})


if __name__ == "__main__":
    main()
