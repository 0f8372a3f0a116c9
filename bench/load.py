"""Server memory and latency under concurrent sessions, without 20 browsers.

One app server (``streamlit run dashboard/app.py``, LA-scale snapshot).  Sessions speak the
app's websocket protocol (bench/wsclient.py) — on 2 cores, 20 Chromium pages would measure
the browsers, not the server.  A session opens the map page (landing) and makes filter
changes through the sidebar widgets; the latency of a change is the time from sending the
rerun to the server's ``script_finished`` (everything the page shows has arrived by then;
browser rendering is not included — bench/browser.py measures that).

1. RSS (VmRSS of the server process and its children, /proc) when idle after start.
2. One session: opens the app, makes the 20 changes of bench/scenario.py one after another
   (unloaded latency per rerun); RSS while it is connected.
3. N sessions at once (default 20): session i opens the view after change ⌊i·20/N⌋ by its
   URL (a shared link), then makes the next K changes (default 8), with a think time of
   0.5–1.5 s (uniform, seeded) between seeing a result and the next click.  Latency p50/p95
   of every change, errors (exception on the page, a run not finished successfully, a
   timeout, a dropped connection), and isolation: each session's final headline must be the
   count for its own final filters.  RSS sampled every 0.25 s: peak, and after all sessions
   closed.

    python bench/load.py [--sessions 20] [--changes 8] [--think 1.0] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import harness, scenario
from bench.common import emit, machine_line, stats
from bench.wsclient import Session


class RssSampler:
    def __init__(self, pid: int, every: float = 0.25):
        self.pid, self.every, self.samples = pid, every, []
        self.task = None

    async def _loop(self):
        while True:
            self.samples.append((time.perf_counter(), harness.tree_rss_mb(self.pid)))
            await asyncio.sleep(self.every)

    def start(self):
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self):
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    def peak(self, since: float = 0.0) -> float:
        return max((v for t, v in self.samples if t >= since), default=float("nan"))


async def settle_rss(pid: int, seconds: float = 2.0) -> float:
    await asyncio.sleep(seconds)
    vals = []
    for _ in range(4):
        vals.append(harness.tree_rss_mb(pid))
        await asyncio.sleep(0.25)
    return statistics.median(vals)


def query_for(state) -> str:
    from dashboard.analysis import link

    return urlencode(link.encode(state))


async def one_session(url: str, pid: int, expected, n_changes: int) -> tuple[list[dict], dict]:
    """The scenario's changes one after another in one session: the round trip of each and
    the server's CPU time for it (``harness.cpu_ms``: from the send until 0.2 s after the
    run finished, when nothing else runs)."""
    seq = scenario.states()
    rows = []
    async with Session(url) as s:
        opened = await s.open()
        for i, ch in enumerate(scenario.CHANGES[:n_changes]):
            await asyncio.sleep(0.2)
            cpu = harness.cpu_ms(pid)
            r = await s.change(ch)
            await asyncio.sleep(0.2)
            rows.append(
                {
                    "change": ch.describe(),
                    "ms": r.seconds * 1000,
                    "cpu_ms": harness.cpu_ms(pid) - cpu,
                    "bytes": r.bytes,
                    "map_bytes": r.map_bytes,
                    "ok": r.ok,
                    "right": r.headline == expected(seq[i + 1]),
                }
            )
        return rows, {
            "open_ms": [r.seconds * 1000 for r in opened],
            "open_bytes": sum(r.bytes for r in opened),
        }


async def user(i: int, n: int, url: str, k: int, think: float, expected, rng: random.Random) -> dict:
    seq = scenario.states()
    start = (i * len(scenario.CHANGES)) // n
    out = {"session": i, "start": start, "open_ms": None, "changes": [], "errors": [], "right": None}
    try:
        await asyncio.sleep(rng.uniform(0, 1.0))  # users do not arrive in the same millisecond
        async with Session(url, query=query_for(seq[start])) as s:
            t = time.perf_counter()
            opened = await s.open()
            out["open_ms"] = (time.perf_counter() - t) * 1000
            for r in opened:
                if not r.ok:
                    out["errors"].append(f"open: {r.status} {r.exceptions[:1]}")
            state = seq[start]
            for j in range(k):
                ch = scenario.CHANGES[(start + j) % len(scenario.CHANGES)]
                state = scenario.apply(state, ch)
                await asyncio.sleep(rng.uniform(max(0.0, think - 0.5), think + 0.5))
                r = await s.change(ch)
                out["changes"].append(r.seconds * 1000)
                if not r.ok:
                    out["errors"].append(f"{ch.describe()}: {r.status} {r.exceptions[:1]}")
                last = r
            out["right"] = last.headline == expected(state)
            out["final"] = (last.headline, expected(state))
    except (TimeoutError, OSError, Exception) as exc:  # an error is a result
        out["errors"].append(f"{type(exc).__name__}: {str(exc)[:200]}")
    return out


async def main_async(args) -> dict:
    from dashboard import snapshot
    from dashboard.analysis import filters

    data_dir = harness.snapshot_dir(args.data_dir)
    size = harness.data_size(data_dir)
    b = snapshot.read(data_dir)
    idx = filters.FlagIndex.build(b.facilities)
    located = (b.facilities["location_precision"] != "none").to_numpy()

    def expected(state):
        return scenario.expected(idx, located, state)[0]

    print(machine_line())
    print(
        f"data: {size['facilities']:,} facilities, LA scale; {args.sessions} sessions x {args.changes} "
        f"changes, think time {args.think:.1f} ± 0.5 s; protocol client (websockets), no browser"
        + (f"; server options {args.server_option}" if args.server_option else "")
        + "\n"
    )
    with harness.AppServer(data_dir, options=args.server_option) as srv:
        rss_idle = await settle_rss(srv.pid)
        single, opened = await one_session(srv.url, srv.pid, expected, args.single_changes)
        rss_one = await settle_rss(srv.pid, 0.5)
        sampler = RssSampler(srv.pid)
        sampler.start()
        t0 = time.perf_counter()
        rng = random.Random(7)
        users = await asyncio.gather(
            *[
                user(
                    i, args.sessions, srv.url, args.changes, args.think, expected, random.Random(rng.random())
                )
                for i in range(args.sessions)
            ]
        )
        wall = time.perf_counter() - t0
        rss_peak = sampler.peak(t0)
        await sampler.stop()
        rss_after = await settle_rss(srv.pid, 3.0)
        combined = await combined_check(srv.url, idx, located) if args.check_combined else None
    lat = [ms for u in users for ms in u["changes"]]
    errors = [e for u in users for e in u["errors"]]
    wrong = [u for u in users if u["right"] is False]
    return {
        "data": size,
        "rss_idle": rss_idle,
        "rss_one": rss_one,
        "rss_peak": rss_peak,
        "rss_after": rss_after,
        "single": single,
        "opened": opened,
        "users": users,
        "lat": lat,
        "errors": errors,
        "wrong": wrong,
        "wall": wall,
        "combined": combined,
    }


async def combined_check(url: str, idx, located) -> list[dict]:
    """Several attribute groups at once (not part of the timed scenario): does each step
    show the count for the filters chosen?  See bench/README.md."""
    steps = (
        scenario.Change("add", "f_payment", "medi_cal"),
        scenario.Change("add", "f_population", "children"),
        scenario.Change("add", "f_language", "spanish"),
        scenario.Change("add", "f_setting", "outpatient"),
    )
    state, out = scenario.states()[0], []
    async with Session(url) as s:
        await s.open()
        for ch in steps:
            state = scenario.apply(state, ch)
            r = await s.change(ch)
            out.append(
                {
                    "change": ch.describe(),
                    "shown": r.headline,
                    "expected": scenario.expected(idx, located, state)[0],
                    "url": s.query,
                }
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--changes", type=int, default=8, help="filter changes per concurrent session")
    ap.add_argument("--single-changes", type=int, default=len(scenario.CHANGES))
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between changes (s)")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--no-check-combined", dest="check_combined", action="store_false")
    harness.add_server_option(ap)
    args = ap.parse_args()
    r = asyncio.run(main_async(args))

    single = pd.DataFrame(r["single"])
    print("One session alone: filter change -> script finished (server round trip, ms)")
    print(
        single[["change", "ms", "cpu_ms", "bytes", "map_bytes", "ok", "right"]]
        .round(0)
        .to_string(index=False)
    )
    s1, cpu1 = stats(single["ms"]), stats(single["cpu_ms"])
    print(
        f"  median {s1['median']} ms, p95 {s1['p95']} ms; server CPU per change median "
        f"{cpu1['median']} ms, p95 {cpu1['p95']} ms; "
        f"opening the app: {[round(x) for x in r['opened']['open_ms']]} ms "
        f"({r['opened']['open_bytes']:,} bytes)\n"
    )
    lat = stats(r["lat"], 0)
    opens = stats([u["open_ms"] for u in r["users"] if u["open_ms"] is not None], 0)
    print(
        f"{len(r['users'])} concurrent sessions ({r['wall']:.1f} s): {lat['n']} filter changes, "
        f"latency median {lat['median']} ms, p95 {lat['p95']} ms, max {lat['max']} ms; "
        f"opening the app median {opens['median']} ms, p95 {opens['p95']} ms; "
        f"errors {len(r['errors'])}; sessions with a wrong final headline {len(r['wrong'])}"
    )
    for e in r["errors"][:10]:
        print(f"  error: {e}")
    for u in r["wrong"][:5]:
        print(f"  wrong: session {u['session']} shows {u['final'][0]}, expected {u['final'][1]}")
    t = pd.DataFrame(
        {
            "server RSS (MB)": {
                "idle after start": r["rss_idle"],
                "1 session connected": r["rss_one"],
                f"{len(r['users'])} sessions (peak)": r["rss_peak"],
                "after all closed": r["rss_after"],
            }
        }
    ).round(1)
    print()
    print(t.to_string())
    if r["combined"]:
        print("\nSeveral attribute groups at once (one session, not timed): shown vs expected headline")
        for c in r["combined"]:
            flag = "" if c["shown"] == c["expected"] else "   <-- differs"
            print(f"  {c['change']:22} shown {c['shown']}, expected {c['expected']}  ({c['url']}){flag}")
    emit(
        "load",
        {
            "data": r["data"],
            "sessions": len(r["users"]),
            "changes_per_session": args.changes,
            "think_s": args.think,
            "single_session_ms": s1,
            "single_session_cpu_ms": cpu1,
            "single_open_ms": r["opened"]["open_ms"],
            "concurrent_ms": lat,
            "concurrent_open_ms": opens,
            "errors": len(r["errors"]),
            "wrong_final_headline": len(r["wrong"]),
            "rss_mb": {
                "idle": round(r["rss_idle"], 1),
                "one_session": round(r["rss_one"], 1),
                "sessions_peak": round(r["rss_peak"], 1),
                "after_close": round(r["rss_after"], 1),
            },
            "combined_check": r["combined"],
        },
    )


if __name__ == "__main__":
    main()
