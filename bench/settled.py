"""When a view has settled: the last visible change after an input, in every frame.

A script injected into every frame (the app and each map iframe) records the in-page time
of every input (pointer down, key down) and of every DOM mutation (children, text and
attributes -- Leaflet moves and restyles by attributes) outside Streamlit's header and
status widget, plus the app's websocket messages and the browser's long tasks.  After an
action, ``settle`` waits until no script run is going on and nothing has changed for
``quiet_ms``; the action's figure is the last mutation minus the input that triggered it.
Used by bench/actions.py (every action on every page) and bench/floor.py (the same
actions beside the smallest Streamlit page of the same kind).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench import harness
from bench.browser import INIT_JS, WsLog, do_change
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


BUSY = "t0 => window.__act.long.filter(e => e[0] >= t0).reduce((a, e) => a + e[1], 0)"


def timed(page, run, i: int, tag: str, quiet_ms: int = 1000) -> dict:
    """Run one action (``run(page, i)`` returns the in-page time of its input) and time it
    to the view settled, with where the time went: the last script run ending, the app's
    websocket messages, the last change in the app's own page and in the map iframe(s),
    the browser's long tasks, re-mounted map frames, script runs and websocket bytes
    (``page._lamh_ws`` runs tagged ``tag``).  A failed action is a row with its error."""
    ws: WsLog = page._lamh_ws
    ws.tag = tag
    row: dict = {"error": ""}
    try:
        t0 = run(page, i)
        last = settle(page, quiet_ms)
        row["settled_ms"] = last - t0 if last > t0 else float("nan")
        done = page.evaluate(
            "t0 => window.__lamh.script.filter(e => e[0] >= t0 && e[1] === 'notRunning')"
            ".map(e => e[0]).pop() || null",
            t0,
        )
        row["run_done_ms"] = done - t0 if done else float("nan")
        row["page_ms"] = page.evaluate("window.__act.last") - t0
        sent, got = page.evaluate(
            "t0 => [window.__act.sent.find(x => x >= t0) || null, window.__act.got.filter(x => x >= t0)]",
            t0,
        )
        row["sent_ms"] = sent - t0 if sent else float("nan")
        row["first_msg_ms"] = got[0] - t0 if got else float("nan")
        row["last_msg_ms"] = got[-1] - t0 if got else float("nan")
        row["busy_ms"] = page.evaluate(BUSY, t0)
        maps = [f for f in page.frames if "st_folium" in f.url]
        row["map_ms"] = max((f.evaluate("window.__act.last") for f in maps), default=t0) - t0
        row["map_busy_ms"] = sum(f.evaluate(BUSY, t0) for f in maps)
        row["mounts"] = sum(b > t0 for b in _frames(page, "window.__act.born"))  # re-mounted maps
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
    return row


def sidebar_change(ch_on: Change, ch_off: Change) -> Callable:
    """One sidebar value on (even i) and off again (odd i), through the real widgets."""

    def run(page, i):
        do_change(page, ch_on if i % 2 == 0 else ch_off)
        return page.evaluate(LAST_INPUT)

    return run
