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
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import harness
from bench.browser import INIT_JS, SIDEBAR, WsLog, do_change
from bench.common import emit, machine_line, stats
from bench.scenario import Change

ACT_JS = r"""
(() => {
  if (window.__act) { return; }
  const T = () => performance.timeOrigin + performance.now();
  const A = window.__act = {inputs: [], last: 0, n: 0, born: T()};
  const input = () => { const t = T();  // a press: the first of its events
    if (!A.inputs.length || t - A.inputs[A.inputs.length - 1] > 5) { A.inputs.push(t); } };
  for (const ev of ['pointerdown', 'mousedown', 'keydown']) { window.addEventListener(ev, input, true); }
  const SKIP = '[data-testid="stHeader"], [data-testid="stStatusWidget"], ' +
               '[data-testid="stToolbar"], [data-testid="stDecoration"]';
  const obs = new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && el.closest && el.closest(SKIP)) { continue; }
      A.last = T(); A.n += 1; return;
    }
  });
  // the app's websocket: when a message was sent and when each one arrived (main frame)
  A.sent = []; A.got = [];
  const WS = window.WebSocket;
  if (WS && window === window.top) {
    const Hook = function (...a) {
      const ws = new WS(...a);
      const send = ws.send.bind(ws);
      ws.send = (d) => { A.sent.push(T()); return send(d); };
      ws.addEventListener('message', () => { A.got.push(T()); });
      return ws;
    };
    Hook.prototype = WS.prototype;
    Object.assign(Hook, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
    window.WebSocket = Hook;
  }
  // long tasks (>50 ms of the frame's main thread): [start, duration]
  A.long = [];
  try { new PerformanceObserver((l) => { for (const e of l.getEntries()) {
    A.long.push([performance.timeOrigin + e.startTime, e.duration]); } })
    .observe({type: 'longtask', buffered: false}); } catch (err) { /* not supported */ }
  // re-attached whenever the document element changes (the map component writes its
  // iframe's document)
  let root = null;
  const attach = () => {
    if (document.documentElement && document.documentElement !== root) {
      root = document.documentElement;
      obs.disconnect();
      obs.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
    }
  };
  attach();
  setInterval(attach, 20);
})();
"""

LAST_INPUT = "window.__act.inputs[window.__act.inputs.length - 1]"
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


def sidebar_change(ch_on: Change, ch_off: Change) -> Callable:
    """One sidebar value on (even i) and off again (odd i), through the real widgets."""

    def run(page, i):
        do_change(page, ch_on if i % 2 == 0 else ch_off)
        return page.evaluate(LAST_INPUT)

    return run


def click_label(scope: str, text: str, other: str | None = None) -> Callable:
    """Click the widget label ``text`` (even i) and ``other`` (odd i; same label if None)."""

    def run(page, i):
        want = text if i % 2 == 0 or other is None else other
        page.locator(f"{scope} label").filter(has_text=want).first.click()
        return page.evaluate(LAST_INPUT)

    return run


def slider_step(page, i):
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
        Action("distance threshold", slider_step),
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


def _frames(page, expr: str) -> list:
    out = []
    for f in page.frames:
        try:
            out.append(f.evaluate(f"window.__act ? {expr} : null"))
        except Exception:  # noqa: S112 - a frame that went away while we asked
            continue
    return [v for v in out if v is not None]


def _frames_last(page) -> float:
    return max(_frames(page, "window.__act.last"), default=0.0)


def settle(page, quiet_ms: int = 1000, timeout_s: float = 30) -> float:
    """Wait until no script run is going on and nothing visible changed for ``quiet_ms``;
    returns the in-page time of the last change."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_timeout(100)
        running = page.locator('[data-testid="stApp"][data-test-script-state="running"]').count()
        last = _frames_last(page)
        now = page.evaluate("performance.timeOrigin + performance.now()")
        if not running and now - last >= quiet_ms:
            return last
        if time.monotonic() > deadline:
            return float("nan")


def new_page(browser):
    ctx = harness.offline_context(browser)
    ctx.add_init_script(INIT_JS)  # bench.browser's recorder: do_change reads its click times
    ctx.add_init_script(ACT_JS)
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)[:200]))
    page._lamh_ws = WsLog(page)
    return ctx, page


def measure_page(browser, base: str, page_name: str, repeat: int, quiet_ms: int) -> list[dict]:
    ctx, page = new_page(browser)
    ws: WsLog = page._lamh_ws
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
                ws.tag = tag
                row = {"page": page_name, "action": act.name, "error": ""}
                try:
                    t0 = act.run(page, i)
                    last = settle(page, quiet_ms)
                    row["settled_ms"] = last - t0 if last > t0 else float("nan")
                    # where the time went: the last script run ending, the last change in
                    # the app's own page and in the map iframe(s)
                    done = page.evaluate(
                        "t0 => window.__lamh.script.filter(e => e[0] >= t0 && e[1] === 'notRunning')"
                        ".map(e => e[0]).pop() || null",
                        t0,
                    )
                    row["run_done_ms"] = done - t0 if done else float("nan")
                    row["page_ms"] = page.evaluate("window.__act.last") - t0
                    sent, got = page.evaluate(
                        "t0 => [window.__act.sent.find(x => x >= t0) || null, "
                        "window.__act.got.filter(x => x >= t0)]",
                        t0,
                    )
                    row["sent_ms"] = sent - t0 if sent else float("nan")
                    row["first_msg_ms"] = got[0] - t0 if got else float("nan")
                    row["last_msg_ms"] = got[-1] - t0 if got else float("nan")
                    busy = "t0 => window.__act.long.filter(e => e[0] >= t0).reduce((a, e) => a + e[1], 0)"
                    row["busy_ms"] = page.evaluate(busy, t0)
                    maps = [f for f in page.frames if "st_folium" in f.url]
                    row["map_ms"] = max((f.evaluate("window.__act.last") for f in maps), default=t0) - t0
                    row["map_busy_ms"] = sum(f.evaluate(busy, t0) for f in maps)
                    # frames (re)created by the action: a re-mounted map component
                    row["mounts"] = sum(b > t0 for b in _frames(page, "window.__act.born"))
                    if not last > t0:
                        row["error"] = "no visible change"
                except Exception as exc:  # a failed action is a result, not a crash
                    row["settled_ms"] = float("nan")
                    row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                    settle(page, quiet_ms)
                runs = ws.for_tag(tag)
                row.update(
                    reruns=len(runs),
                    ws_kb=sum(r["bytes"] for r in runs) / 1024,
                    map_kb=sum(r["map_bytes"] for r in runs) / 1024,
                )
                rows.append(row)
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
    args = ap.parse_args()
    data_dir = harness.snapshot_dir(args.data_dir)
    pages = [p for p in args.pages.split(",") if p]
    print(machine_line())
    print(f"headless Chromium {harness.CHROMIUM}, 1280x900, offline; settled = {args.quiet} ms quiet\n")
    apps = {"after": harness.REPO_ROOT}
    if args.before:
        apps = {"before": args.before.resolve(), **apps}
    results = {k: [] for k in apps}
    with harness.chromium() as browser:
        servers = {k: harness.AppServer(data_dir, app_dir=d) for k, d in apps.items()}
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
        f"actions: {len(after)}; p95 <= 300 ms: {(all_ok <= 300).sum()} of {len(all_ok)}; "
        f"worst p95 {all_ok.max():.0f} ms ({after.loc[all_ok.idxmax(), 'action']})"
    )
    emit("actions", {k: t.to_dict(orient="records") for k, t in tables.items()})


if __name__ == "__main__":
    main()
