"""What a user waits for in a real browser: the first map, and each filter change.

Starts the app server (``streamlit run dashboard/app.py`` serving a snapshot folder, the
committed data/snapshot/ by default) and drives Debian's headless Chromium through
Playwright, offline (map tiles and every external host aborted; see bench/harness.py).
All times are taken inside the browser: a script injected into every frame records, with a
MutationObserver, when the "Matching sites" headline value and the map's layer-control
text ("Facilities (N)") change, when Leaflet and the first facility marker appear, and
every click — so a figure is the in-page time between two events, not Python polling.

(a) first map: open the app URL in a fresh browser context (empty cache) until the map
    iframe shows its first facility marker (``.lamh-marker``/``.marker-cluster``), measured
    from the page's navigation start.  "cold" = the first session of a freshly started
    server (one server start per run); "warm" = later sessions on a running server.
(b) filter change: the 20 changes of bench/scenario.py made through the real sidebar
    widgets (a pill or the checkbox); the time
    from the click until the headline shows the expected count AND the layer control shows
    the expected "Facilities (N)" (counts from dashboard.analysis.filters on the same
    snapshot).  Then
    the page is left to settle, and the reruns it asked for are counted (a change can cost
    more than one script run: the map component reports its view back).
(c) websocket bytes: every frame the browser receives, per script run and per filter change
    (uncompressed: the server does not enable websocket compression), and how much of it is
    the map component's args (decoded with streamlit.proto).

    python bench/browser.py [--cold 3] [--warm 7] [--changes 20] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import harness, scenario
from bench.common import emit, machine_line, stats

INIT_JS = r"""
(() => {
  if (window.__lamh) { return; }
  const T = () => performance.timeOrigin + performance.now();
  const L = window.__lamh = {clicks: [], metric: [], layers: [], leaflet: null, markers: null,
                            areas: null, paint: null, script: [], ws: []};
  document.addEventListener('click', () => L.clicks.push(T()), true);
  // The app's websocket: when it opened, first and last message (main frame only).
  const WS = window.WebSocket;
  if (WS && window === window.top) {
    const Hook = function (...a) {
      const ws = new WS(...a), rec = {created: T(), open: null, first: null, last: null, n: 0, bytes: 0};
      L.ws.push(rec);
      ws.addEventListener('open', () => { rec.open = T(); });
      ws.addEventListener('message', (e) => { rec.n += 1; rec.last = T();
        if (rec.first === null) { rec.first = rec.last; }
        rec.bytes += (e.data && (e.data.byteLength || e.data.size || e.data.length)) || 0; });
      return ws;
    };
    Hook.prototype = WS.prototype;
    Object.assign(Hook, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
    window.WebSocket = Hook;
  }
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app) { const st = app.getAttribute('data-test-script-state');
      if (!L.script.length || L.script[L.script.length - 1][1] !== st) { L.script.push([T(), st]); } }
    for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
      if (!m.textContent.includes('Matching sites')) { continue; }
      const v = m.querySelector('[data-testid="stMetricValue"]');
      if (v) { const t = v.textContent.trim();
        if (!L.metric.length || L.metric[L.metric.length - 1][1] !== t) { L.metric.push([T(), t]); } }
      break;
    }
    const lc = document.querySelector('.leaflet-control-layers');
    if (lc) { const t = lc.textContent;
      if (!L.layers.length || L.layers[L.layers.length - 1][1] !== t) { L.layers.push([T(), t]); } }
    if (L.leaflet === null && document.querySelector('.leaflet-container')) { L.leaflet = T(); }
    if (L.markers === null && document.querySelector('.lamh-marker, .marker-cluster')) { L.markers = T(); }
    if (L.areas === null && document.querySelector('.leaflet-overlay-pane path')) { L.areas = T(); }
    if (L.paint === null && document.querySelector(
      '[data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stHeading"]')) { L.paint = T(); }
  };
  // A MutationObserver for exact times, re-attached whenever the document element changes
  // (the map component writes its iframe's document), plus a 10 ms poll as a safety net.
  const obs = new MutationObserver(check);
  let root = null;
  setInterval(() => {
    if (document.documentElement && document.documentElement !== root) {
      root = document.documentElement;
      obs.disconnect();
      obs.observe(root, {subtree: true, childList: true, characterData: true});
    }
    check();
  }, 10);
})();
"""

SIDEBAR = '[data-testid="stSidebar"]'


# ------------------------------------------------------------------ websocket accounting


class WsLog:
    """Frames on the app's websocket, grouped into script runs (decoded with streamlit.proto)."""

    def __init__(self, page):
        self.runs: list[dict] = []
        self.tag = "load"
        self.errors: list[str] = []
        page.on("websocket", self._attach)

    def _attach(self, ws):
        if not ws.url.endswith("/_stcore/stream"):
            return
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        m = BackMsg()
        try:
            m.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        except Exception:  # not ours to judge
            return
        if m.WhichOneof("type") == "rerun_script":
            widgets = {
                w.id.rsplit("-", 1)[-1]: str(w).replace("\n", " ")[:600]
                for w in m.rerun_script.widget_states.widgets
            }
            self._new_run(widgets)

    def _new_run(self, sent_widgets: dict) -> None:
        self.runs.append(
            {
                "tag": self.tag,
                "bytes": 0,
                "map_bytes": 0,
                "frames": 0,
                "refs": 0,
                "finished": False,
                "sent_widgets": sent_widgets,
            }
        )

    def _received(self, payload):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        data = payload if isinstance(payload, bytes) else payload.encode()
        if not self.runs:
            self._new_run({})
        run = self.runs[-1]
        run["bytes"] += len(data)
        run["frames"] += 1
        m = ForwardMsg()
        try:
            m.ParseFromString(data)
        except Exception:
            return
        kind = m.WhichOneof("type")
        if kind == "ref_hash":
            run["refs"] += 1
        elif kind == "delta" and m.delta.WhichOneof("type") == "new_element":
            el = m.delta.new_element
            if (
                el.WhichOneof("type") == "component_instance"
                and "folium" in el.component_instance.component_name
            ):
                run["map_bytes"] += len(data)
            if el.WhichOneof("type") == "exception":
                self.errors.append(el.exception.message[:200])
        elif kind == "script_finished":
            run["finished"] = True

    def for_tag(self, tag) -> list[dict]:
        return [r for r in self.runs if r["tag"] == tag]


# ------------------------------------------------------------------ pages


def new_page(browser):
    ctx = harness.offline_context(browser)
    ctx.add_init_script(INIT_JS)
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)[:200]))
    return ctx, page


def settle(page, quiet_ms: int = 600, timeout_s: float = 60) -> None:
    """Until no script run is going on and the page has been quiet for ``quiet_ms``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        harness.wait_for_app(page)
        n = page.evaluate("window.__lamh.clicks.length")  # any evaluate pumps events
        before = len(page._lamh_ws.runs)
        page.wait_for_timeout(quiet_ms)
        running = page.locator('[data-testid="stApp"][data-test-script-state="running"]').count()
        if len(page._lamh_ws.runs) == before and not running and n is not None:
            return


def first_map(browser, url: str) -> dict:
    """Open ``url`` in a fresh context; in-page times (ms from navigation start)."""
    ctx, page = new_page(browser)
    page._lamh_ws = WsLog(page)
    try:
        page.goto(url, wait_until="commit")
        frame = harness.map_frame(page)
        frame.wait_for_function("window.__lamh && window.__lamh.markers !== null", polling=50)
        origin = page.evaluate("performance.timeOrigin")
        page.wait_for_function("window.__lamh.metric.length > 0", polling=50)
        t_metric = page.evaluate("window.__lamh.metric[0][0]")
        t_leaflet, t_markers = frame.evaluate("[window.__lamh.leaflet, window.__lamh.markers]")
        settle(page)
        nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
            const r = performance.getEntriesByType('resource');
            return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, n: r.length,
                    bytes: r.reduce((a, e) => a + (e.transferSize || 0), 0) + (n.transferSize || 0)}; }""")
        ws = page.evaluate("""() => { const w = window.__lamh.ws.find(r => r.first !== null) || {};
            const done = window.__lamh.script.find(e => e[1] === 'notRunning' && e[0] > (w.first || 0));
            return {open: w.open, first: w.first, done: done ? done[0] : null}; }""")
        iframe = frame.evaluate("""() => ({start: performance.timeOrigin,
            bytes: performance.getEntriesByType('resource')
                .reduce((a, e) => a + (e.transferSize || 0), 0)})""")
        runs = page._lamh_ws.runs
        return {
            "markers_ms": t_markers - origin,
            "headline_ms": t_metric - origin,
            "leaflet_ms": t_leaflet - origin,
            "dcl_ms": nav["dcl"],
            "load_ms": nav["load"],
            "ws_open_ms": (ws["open"] or origin) - origin,
            "ws_first_ms": (ws["first"] or origin) - origin,
            "first_run_done_ms": (ws["done"] or origin) - origin,
            "iframe_start_ms": iframe["start"] - origin,
            "http_bytes": nav["bytes"] + iframe["bytes"],
            "runs": len(runs),
            "ws_bytes": sum(r["bytes"] for r in runs),
            "js_errors": len(page.js_errors),
        }
    finally:
        ctx.close()


def do_change(page, ch: scenario.Change) -> float:
    """Make one change through the sidebar; returns the in-page time of the decisive click.
    (Checkouts before the pills, measured with ``actions.py --before``, had a checkbox per
    value and multiselects for areas: those are driven too.)"""
    if ch.key == "f_unknown":
        page.locator(f'{SIDEBAR} [data-testid="stCheckbox"]').filter(has_text=ch.label()).locator(
            "label"
        ).click()
    elif page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').count():
        pill = harness.filter_value(page, ch.group_label(), ch.label())
        pill.scroll_into_view_if_needed()
        pill.click()
    else:
        _legacy_change(page, ch)
    return page.evaluate("window.__lamh.clicks[window.__lamh.clicks.length - 1]")


def _legacy_change(page, ch: scenario.Change) -> None:
    """The sidebar before the pills: a checkbox per value, multiselects for the areas."""
    label = re.sub(r"([.^$*+?{}\[\]\\|()/])", r"\\\1", ch.label())  # for a regex sent as /…/
    if ch.key not in ("f_spa", "f_sd"):
        expander = page.locator(f'{SIDEBAR} [data-testid="stExpander"]').filter(
            has=page.locator("summary", has_text=ch.group_label())
        )
        if not expander.locator("details").first.evaluate("d => d.open"):
            expander.locator("summary").first.click()
        row = expander.locator('[data-testid="stCheckbox"]').filter(
            has=page.get_by_role("checkbox", name=re.compile(f"^{label} \\("))
        )
        row.scroll_into_view_if_needed()
        row.locator("label").first.click()
        return
    box = page.locator(f'{SIDEBAR} [data-testid="stMultiSelect"]').filter(has_text=ch.group_label())
    if ch.op == "add":
        field = box.locator("input")
        field.scroll_into_view_if_needed()
        field.click()
        option = page.get_by_role("option", name=re.compile(f"^{label}( ·|$)"))
        try:
            option.wait_for(state="visible", timeout=2000)
        except Exception:  # the list closed again (it closes when the sidebar scrolls)
            field.press("ArrowDown")
            option.wait_for(state="visible", timeout=10_000)
        option.click()
        page.keyboard.press("Escape")
    else:
        box.get_by_role("button", name=re.compile(f"^Remove {label}( ·|$)")).click()


WAIT_METRIC = """([t0, want]) => window.__lamh.metric.some(e => e[0] >= t0 && e[1] === want)"""
WAIT_LAYER = """([t0, want]) => window.__lamh.layers.some(e => e[0] >= t0 && e[1].includes(want))"""
FIRST_METRIC = """([t0, want]) => window.__lamh.metric.find(e => e[0] >= t0 && e[1] === want)[0]"""
FIRST_LAYER = """([t0, want]) => window.__lamh.layers.find(e => e[0] >= t0 && e[1].includes(want))[0]"""


def filter_changes(browser, url: str, n: int, data_dir: Path) -> tuple[list[dict], dict]:
    from dashboard import snapshot
    from dashboard.analysis import filters

    b = snapshot.read(data_dir)
    idx = filters.FlagIndex.build(b.facilities)
    located = (b.facilities["location_precision"] != "none").to_numpy()
    seq = scenario.states()
    ctx, page = new_page(browser)
    page._lamh_ws = ws = WsLog(page)
    out = []
    try:
        page.goto(url)
        frame = harness.map_frame(page)
        frame.wait_for_function("window.__lamh && window.__lamh.markers !== null")
        settle(page)
        for i, ch in enumerate(scenario.CHANGES[:n]):
            ws.tag = i
            sites, shown = scenario.expected(idx, located, seq[i + 1])
            want_metric, want_layer = f"{sites:,}", f"Facilities ({shown})"
            t0 = do_change(page, ch)
            row = {"change": ch.describe(), "expect": f"{sites}/{shown}", "error": ""}
            try:
                page.wait_for_function(WAIT_METRIC, arg=[t0, want_metric], polling=20, timeout=30_000)
                frame = harness.map_frame(page)
                frame.wait_for_function(WAIT_LAYER, arg=[t0, want_layer], polling=20, timeout=30_000)
                t_m = page.evaluate(FIRST_METRIC, [t0, want_metric])
                t_l = frame.evaluate(FIRST_LAYER, [t0, want_layer])
                row.update(latency_ms=max(t_m, t_l) - t0, headline_ms=t_m - t0, map_ms=t_l - t0)
            except Exception as exc:  # a timeout is a result here
                shown_metric = page.evaluate("window.__lamh.metric.slice(-1)[0]")
                row.update(
                    latency_ms=float("nan"),
                    headline_ms=float("nan"),
                    map_ms=float("nan"),
                    error=f"{type(exc).__name__}: wanted {want_metric} / {want_layer}, "
                    f"headline shows {shown_metric and shown_metric[1]}, url {page.url}",
                )
            settle(page)
            runs = ws.for_tag(i)
            row.update(
                reruns=len(runs),
                ws_bytes=sum(r["bytes"] for r in runs),
                map_bytes=sum(r["map_bytes"] for r in runs),
                run_bytes=[r["bytes"] for r in runs],
                run_map_bytes=[r["map_bytes"] for r in runs],
            )
            out.append(row)
        extra = {"js_errors": page.js_errors[:5], "exceptions": ws.errors[:5], "final_url": page.url}
        return out, extra
    finally:
        ctx.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cold", type=int, default=3, help="first-map runs, each on a new server")
    ap.add_argument("--warm", type=int, default=7, help="first-map runs on a running server")
    ap.add_argument("--changes", type=int, default=len(scenario.CHANGES))
    ap.add_argument("--data-dir", type=Path, default=None)
    harness.add_server_option(ap)
    args = ap.parse_args()
    data_dir = harness.snapshot_dir(args.data_dir)
    size = harness.data_size(data_dir)
    print(machine_line() + (f"; server options {args.server_option}" if args.server_option else ""))
    print(
        f"data: {size['facilities']:,} facilities ({size['located']:,} located), LA scale; "
        f"headless Chromium {harness.CHROMIUM}, viewport 1280x900, offline\n"
    )

    cold, warm = [], []
    with harness.chromium() as browser:
        for _ in range(args.cold):
            with harness.AppServer(data_dir, options=args.server_option) as srv:
                cold.append({**first_map(browser, srv.url), "server_start_s": srv.startup_s})
        with harness.AppServer(data_dir, options=args.server_option) as srv:
            first_map(browser, srv.url)  # the server's first session: not counted as warm
            for _ in range(args.warm):
                warm.append(first_map(browser, srv.url))
            changes, extra = filter_changes(browser, srv.url, args.changes, data_dir)

    def col(rows, k):
        return [r[k] for r in rows if r.get(k) == r.get(k)]

    print("(a) Open the app URL -> first facility marker on the map (ms from navigation start)")

    def first_col(rows):
        out = stats(col(rows, "markers_ms"), 0)
        for k, name in (
            ("dcl_ms", "DOMContentLoaded p50"),
            ("load_ms", "load event p50"),
            ("ws_open_ms", "websocket open p50"),
            ("ws_first_ms", "first message p50"),
            ("headline_ms", "headline shown p50"),
            ("first_run_done_ms", "first run done p50"),
            ("iframe_start_ms", "map iframe starts p50"),
            ("leaflet_ms", "Leaflet + markers p50"),
        ):
            out[name] = stats(col(rows, k), 0)["median"]
        out["HTTP KB p50"] = round(stats(col(rows, "http_bytes"), 0)["median"] / 1024)
        out["websocket KB p50"] = round(stats(col(rows, "ws_bytes"), 0)["median"] / 1024)
        return out

    t = pd.DataFrame({"cold (new server)": first_col(cold), "warm (running server)": first_col(warm)})
    print(t.to_string())
    print(f"script runs during the first load: {[r['runs'] for r in warm]}\n")

    ok = [r for r in changes if not r["error"]]
    print(
        f"(b) Filter change -> headline AND map layer show the new counts "
        f"({len(changes)} changes, in-page ms)"
    )
    view = pd.DataFrame(changes)[
        ["change", "expect", "latency_ms", "headline_ms", "map_ms", "reruns", "ws_bytes", "map_bytes"]
    ]
    print(view.round(0).to_string(index=False))
    lat = stats(col(ok, "latency_ms"), 0)
    print(
        f"\nlatency median {lat['median']} ms, p95 {lat['p95']} ms, max {lat['max']} ms; "
        f"errors {len(changes) - len(ok)}"
    )
    for r in changes:
        if r["error"]:
            print(f"  ERROR {r['change']}: {r['error']}")
    per_run = [b for r in changes for b in r["run_bytes"]]
    per_run_map = [b for r in changes for b in r["run_map_bytes"]]
    print(
        f"\n(c) Websocket bytes received: per filter change median "
        f"{stats(col(changes, 'ws_bytes'), 0)['median']:,} "
        f"(p95 {stats(col(changes, 'ws_bytes'), 0)['p95']:,}); per script run median "
        f"{stats(per_run, 0)['median']:,} "
        f"of which map component {stats(per_run_map, 0)['median']:,}; script runs per change "
        f"{stats(col(changes, 'reruns'), 1)['median']} (max {max(col(changes, 'reruns'), default=0)})"
    )
    if extra["js_errors"] or extra["exceptions"]:
        print(f"page errors: {extra}")
    emit(
        "browser",
        {
            "data": size,
            "runs": {"cold": len(cold), "warm": len(warm), "changes": len(changes)},
            "first_map_ms": {
                "cold": stats(col(cold, "markers_ms"), 0),
                "warm": stats(col(warm, "markers_ms"), 0),
                "cold_headline": stats(col(cold, "headline_ms"), 0),
                "warm_headline": stats(col(warm, "headline_ms"), 0),
            },
            "first_load_ws_bytes": stats(col(warm, "ws_bytes"), 0),
            "first_load_http_bytes": stats(col(warm, "http_bytes"), 0),
            "first_load_milestones_ms": {
                k: stats(col(warm, k), 0)["median"]
                for k in (
                    "dcl_ms",
                    "load_ms",
                    "ws_open_ms",
                    "ws_first_ms",
                    "headline_ms",
                    "first_run_done_ms",
                    "iframe_start_ms",
                    "leaflet_ms",
                    "markers_ms",
                )
            },
            "filter_change_ms": lat,
            "filter_change_headline_ms": stats(col(ok, "headline_ms"), 0),
            "filter_change_map_ms": stats(col(ok, "map_ms"), 0),
            "errors": len(changes) - len(ok),
            "reruns_per_change": stats(col(changes, "reruns"), 1),
            "ws_bytes_per_change": stats(col(changes, "ws_bytes"), 0),
            "ws_bytes_per_run": stats(per_run, 0),
            "map_bytes_per_run": stats(per_run_map, 0),
            "page_errors": extra,
        },
    )


if __name__ == "__main__":
    main()
