"""Server memory and latency under concurrent sessions, without 50 browsers; one process
beside several replicas behind HAProxy, in one run.

Each setup of ``--replicas`` (default ``1,2``): 1 is one app server (``streamlit run
dashboard/app.py``, LA-scale snapshot), N > 1 is N of them behind HAProxy as ``make serve``
starts them (deploy/serve.py; sessions are spread by the proxy).  Sessions speak the
app's websocket protocol (bench/wsclient.py) — on 2 cores, 20 Chromium pages would measure
the browsers, not the server.  A session opens the map page (landing) and makes filter
changes through the sidebar widgets; the latency of a change is the time from sending the
rerun to the server's ``script_finished`` (everything the page shows has arrived by then;
browser rendering is not included — bench/browser.py measures that).

0. The same link opened by every session at once, on a fresh server: how long opening
   takes, and how often a view was computed (misses) vs shared (hits), from the servers'
   view-cache line in their logs when they stop.
1. RSS (VmRSS of every server process, the proxy included, /proc) when idle after start.
2. One session: opens the app, makes the 20 changes of bench/scenario.py one after another
   (unloaded latency per rerun); RSS while it is connected.
3. N sessions at once (default 20): session i opens the view after change ⌊i·20/N⌋ by its
   URL (a shared link), then makes the next K changes (default 8), with a think time of
   0.5–1.5 s (uniform, seeded) between seeing a result and the next click.  Latency p50/p95
   of every change, errors (exception on the page, a run not finished successfully, a
   timeout, a dropped connection), and isolation: each session's final headline must be the
   count for its own final filters.  RSS sampled every 0.25 s: peak, and after all sessions
   closed.

   The view cache's hits and misses over the whole scenario.

    python bench/load.py [--replicas 1,2] [--sessions 50] [--changes 8] [--think 1.0] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import harness, scenario
from bench.common import emit, machine_line, stats
from bench.wsclient import Session


class RssSampler:
    def __init__(self, rss, every: float = 0.25):
        self.rss, self.every, self.samples = rss, every, []
        self.task = None

    async def _loop(self):
        while True:
            self.samples.append((time.perf_counter(), self.rss()))
            await asyncio.sleep(self.every)

    def start(self):
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self):
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    def peak(self, since: float = 0.0) -> float:
        return max((v for t, v in self.samples if t >= since), default=float("nan"))


async def settle_rss(rss, seconds: float = 2.0) -> float:
    await asyncio.sleep(seconds)
    vals = []
    for _ in range(4):
        vals.append(rss())
        await asyncio.sleep(0.25)
    return statistics.median(vals)


class Setup:
    """``replicas`` == 1: one app server; more: that many behind HAProxy (deploy/serve.py).
    ``url``, ``rss()`` (MB, every process), ``cpu_ms()`` and, once stopped, ``cache()``: the
    view-cache hits and misses the servers logged when they stopped."""

    def __init__(self, replicas: int, data_dir: Path, options: list[str]):
        self.replicas, self.data_dir, self.options = replicas, data_dir, options
        self.log_dir = Path(tempfile.mkdtemp(prefix="lamh-load-"))
        self.server = None

    def __enter__(self) -> Setup:
        if self.replicas == 1:
            self.server = harness.AppServer(self.data_dir, options=self.options, log_dir=self.log_dir)
        else:
            from deploy import serve

            args = [x for opt in self.options for x in harness.option_args(opt)]
            self.server = serve.Deployment(
                self.replicas,
                run_dir=self.log_dir,
                extra_env={"LAMH_DATA_DIR": str(self.data_dir)},
                streamlit_args=args,
            )
        self.server.start()
        self.url = self.server.url
        return self

    def pids(self) -> list[int]:
        if self.replicas == 1:
            return [self.server.pid]
        return [*self.server.pids(), self.server.proxy.pid]

    def rss(self) -> float:
        return sum(harness.tree_rss_mb(p) for p in self.pids())

    def cpu_ms(self) -> float:
        return sum(harness.cpu_ms(p) for p in self.pids())

    def __exit__(self, *exc) -> None:
        self.server.stop()

    def cache(self) -> dict[str, int]:
        out = {"hits": 0, "misses": 0}
        for log in self.log_dir.glob("*.log"):
            for m in re.finditer(r"lamh view cache: (\{.*?\})", log.read_text(errors="replace")):
                found = ast.literal_eval(m.group(1))
                out["hits"] += found["hits"]
                out["misses"] += found["misses"]
        return out


def query_for(state) -> str:
    from dashboard.analysis import link

    return urlencode(link.encode(state))


async def one_session(url: str, cpu_ms, expected, n_changes: int) -> tuple[list[dict], dict]:
    """The scenario's changes one after another in one session: the round trip of each and
    the server's CPU time for it (``harness.cpu_ms``: from the send until 0.2 s after the
    run finished, when nothing else runs)."""
    seq = scenario.states()
    rows = []
    async with Session(url) as s:
        opened = await s.open()
        for i, ch in enumerate(scenario.CHANGES[:n_changes]):
            await s.prepare(ch)
            await asyncio.sleep(0.2)
            cpu = cpu_ms()
            r = await s.change(ch)
            await asyncio.sleep(0.2)
            rows.append(
                {
                    "change": ch.describe(),
                    "ms": r.seconds * 1000,
                    "cpu_ms": cpu_ms() - cpu,
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


SAME_LINK = "pop=seniors&pay=medicare&set=outpatient&lang=spanish"  # in no other phase


async def same_link(url: str, n: int) -> list[float]:
    """``n`` sessions open one link at the same moment: ms until each has its page."""

    async def one() -> float:
        async with Session(url, query=SAME_LINK) as s:
            t = time.perf_counter()
            await s.open()
            return (time.perf_counter() - t) * 1000

    return list(await asyncio.gather(*[one() for _ in range(n)]))


async def measure(replicas: int, args, data_dir: Path, expected, idx, located) -> dict:
    out: dict = {"replicas": replicas}
    with Setup(replicas, data_dir, args.server_option) as fresh:
        out["same_link_ms"] = await same_link(fresh.url, args.sessions)
    out["same_link_cache"] = fresh.cache()
    with Setup(replicas, data_dir, args.server_option) as srv:
        out["rss_idle"] = await settle_rss(srv.rss)
        out["single"], out["opened"] = await one_session(srv.url, srv.cpu_ms, expected, args.single_changes)
        out["rss_one"] = await settle_rss(srv.rss, 0.5)
        sampler = RssSampler(srv.rss)
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
        out["wall"] = time.perf_counter() - t0
        out["rss_peak"] = sampler.peak(t0)
        await sampler.stop()
        out["rss_after"] = await settle_rss(srv.rss, 3.0)
        out["combined"] = await combined_check(srv.url, idx, located) if args.check_combined else None
    out["cache"] = srv.cache()
    out["users"] = users
    out["lat"] = [ms for u in users for ms in u["changes"]]
    out["errors"] = [e for u in users for e in u["errors"]]
    out["wrong"] = [u for u in users if u["right"] is False]
    return out


async def main_async(args) -> tuple[dict, list[dict]]:
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
        f"changes, think time {args.think:.1f} ± 0.5 s; protocol client (websockets), no browser; "
        f"setups: {', '.join(label(n) for n in args.replicas)}"
        + (f"; server options {args.server_option}" if args.server_option else "")
        + "\n"
    )
    return size, [await measure(n, args, data_dir, expected, idx, located) for n in args.replicas]


def label(n: int) -> str:
    return "1 process" if n == 1 else f"{n} replicas + HAProxy"


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


def hit_rate(c: dict) -> str:
    total = c["hits"] + c["misses"]
    return f"{c['hits']:,} hits, {c['misses']:,} misses ({c['hits'] / total:.0%} shared)" if total else "-"


def report(r: dict, sessions: int) -> dict:
    """One setup's figures: printed details, and the row of the side-by-side table."""
    single = pd.DataFrame(r["single"])
    s1, cpu1 = stats(single["ms"]), stats(single["cpu_ms"])
    lat = stats(r["lat"], 0)
    opens = stats([u["open_ms"] for u in r["users"] if u["open_ms"] is not None], 0)
    same = stats(r["same_link_ms"], 0)
    print(f"== {label(r['replicas'])}")
    print(
        f"One session alone: change -> script finished median {s1['median']} ms, p95 {s1['p95']} ms; "
        f"server CPU per change median {cpu1['median']} ms, p95 {cpu1['p95']} ms; wrong "
        f"{int((~single['right']).sum())}; opening the app {[round(x) for x in r['opened']['open_ms']]} ms"
    )
    print(
        f"{sessions} sessions opening one link at once: median {same['median']} ms, p95 {same['p95']} ms; "
        f"view cache {hit_rate(r['same_link_cache'])}"
    )
    print(
        f"{len(r['users'])} concurrent sessions ({r['wall']:.1f} s): {lat['n']} changes, median "
        f"{lat['median']} ms, p95 {lat['p95']} ms, max {lat['max']} ms; opening median {opens['median']} "
        f"ms, p95 {opens['p95']} ms; errors {len(r['errors'])}; wrong final headline {len(r['wrong'])}; "
        f"view cache {hit_rate(r['cache'])}"
    )
    for e in r["errors"][:10]:
        print(f"  error: {e}")
    for u in r["wrong"][:5]:
        print(f"  wrong: session {u['session']} shows {u['final'][0]}, expected {u['final'][1]}")
    if r["combined"]:
        for c in r["combined"]:
            flag = "" if c["shown"] == c["expected"] else "   <-- differs"
            print(f"  several groups: {c['change']:22} shown {c['shown']}, expected {c['expected']}{flag}")
    print()
    return {
        "setup": label(r["replicas"]),
        f"{sessions} sessions: change p50 ms": lat["median"],
        f"{sessions} sessions: change p95 ms": lat["p95"],
        "errors": len(r["errors"]),
        "wrong": len(r["wrong"]),
        f"{sessions} open one link: p95 ms": same["p95"],
        "one link: views computed": r["same_link_cache"]["misses"],
        "scenario: cache hit rate": hit_rate(r["cache"]),
        "1 session: change p50 ms": s1["median"],
        "1 session: CPU/change p50 ms": cpu1["median"],
        "RSS idle MB": round(r["rss_idle"], 1),
        "RSS peak MB": round(r["rss_peak"], 1),
        "RSS after MB": round(r["rss_after"], 1),
        "_raw": {
            "single_ms": s1,
            "single_cpu_ms": cpu1,
            "concurrent_ms": lat,
            "concurrent_open_ms": opens,
            "same_link_ms": same,
            "same_link_cache": r["same_link_cache"],
            "cache": r["cache"],
            "errors": len(r["errors"]),
            "wrong_final_headline": len(r["wrong"]),
            "rss_mb": {k: round(r[f"rss_{k}"], 1) for k in ("idle", "one", "peak", "after")},
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--replicas", default="1,2", help="setups to compare: 1 = one process, N = N behind HAProxy"
    )
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--changes", type=int, default=8, help="filter changes per concurrent session")
    ap.add_argument("--single-changes", type=int, default=len(scenario.CHANGES))
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between changes (s)")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--no-check-combined", dest="check_combined", action="store_false")
    harness.add_server_option(ap)
    args = ap.parse_args()
    args.replicas = [int(x) for x in str(args.replicas).split(",") if x.strip()]
    size, results = asyncio.run(main_async(args))
    rows = [report(r, args.sessions) for r in results]
    table = pd.DataFrame([{k: v for k, v in row.items() if k != "_raw"} for row in rows]).set_index("setup").T
    print("Side by side (targets: 50 sessions p95 <= 1000 ms, 0 errors, 0 wrong; RSS peak <= 800 MB in all)")
    print(table.to_string())
    emit(
        "load",
        {
            "data": size,
            "sessions": args.sessions,
            "changes_per_session": args.changes,
            "think_s": args.think,
            "setups": {row["setup"]: row["_raw"] for row in rows},
        },
    )


if __name__ == "__main__":
    main()
