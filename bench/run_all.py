"""Every benchmark, one after another, then a summary against the targets.

Runs pipeline_build, compute, browser, floor, actions, load and map_build (each its own process, so each
starts and stops its own server), prints their reports, then a summary table: each figure,
its target (the performance issue's) and whether it is met.  All JSON lines go to
bench/results/<UTC timestamp>.jsonl (git-ignored), plus one "summary" line.

    python bench/run_all.py            # about 20 minutes on 2 cores
    python bench/run_all.py --quick    # fewer runs, about 8 minutes
    make bench                         # installs what it needs, then the full run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.common import machine, machine_line

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

FULL = {
    "pipeline_build": ["--runs", "3"],
    "compute": ["--scales", "1,10,100", "--changes", "20", "--big-changes", "10"],
    "browser": ["--cold", "3", "--warm", "7", "--changes", "20"],
    "floor": ["--rounds", "5"],
    "actions": ["--repeat", "2"],
    "load": ["--replicas", "1,2", "--sessions", "50", "--changes", "8"],
    "map_build": ["--runs", "5"],
}
QUICK = {
    "pipeline_build": ["--runs", "1"],
    "compute": ["--scales", "1,10,100", "--changes", "8", "--big-changes", "4", "--no-naive"],
    "browser": ["--cold", "1", "--warm", "3", "--changes", "20"],
    "floor": ["--rounds", "3"],
    "actions": ["--repeat", "1"],
    "load": ["--replicas", "1,2", "--sessions", "50", "--changes", "5", "--single-changes", "10"],
    "map_build": ["--runs", "3"],
}
USES_DATA_DIR = {"compute", "browser", "floor", "actions", "load"}


def run(name: str, extra: list[str], data_dir: Path) -> tuple[list[dict], float, int]:
    cmd = [sys.executable, str(HERE / f"{name}.py"), *extra]
    if name in USES_DATA_DIR:
        cmd += ["--data-dir", str(data_dir)]
    print(f"\n{'=' * 100}\n$ {' '.join(cmd[1:])}\n", flush=True)
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=harness.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "LAMH_DATA_DIR": str(data_dir)},
    )
    lines = []
    for line in proc.stdout:
        if line.startswith('{"bench"'):
            lines.append(json.loads(line))
            print(line[:300].rstrip() + (" …" if len(line) > 300 else ""), flush=True)
        elif "missing ScriptRunContext" not in line:
            print(line, end="", flush=True)
    rc = proc.wait()
    return lines, time.perf_counter() - t, rc


def _get(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def summary(res: dict[str, dict]) -> list[dict]:
    """(figure, value, target, status) rows."""
    rows = []

    def add(figure, value, target=None, ok=None, note=""):
        rows.append(
            {
                "figure": figure,
                "value": value,
                "target": target or "",
                "met": "" if ok is None else ("yes" if ok else "NO"),
                "note": note,
            }
        )

    pb = res.get("pipeline_build")
    if pb:
        add("cold pipeline build, CLI fresh process (s)", f"{pb['cli_s']['median']} (n={pb['cli_s']['n']})")
        add(
            "cold pipeline build, in-process (s)",
            f"{pb['in_process_s']['median']} (n={pb['in_process_s']['n']})",
        )
    br = res.get("browser")
    if br:
        w, c = br["first_map_ms"]["warm"], br["first_map_ms"]["cold"]
        add(
            "open URL -> first marker, warm server (ms)",
            f"p50 {w['median']}, p95 {w['p95']} (n={w['n']})",
            "<= 1500",
            w["p95"] is not None and w["p95"] <= 1500,
        )
        add(
            "open URL -> first marker, new server (ms)",
            f"p50 {c['median']}, p95 {c['p95']} (n={c['n']})",
            "<= 2000",
            c["p95"] is not None and c["p95"] <= 2000,
        )
        f = br["filter_change_ms"]
        add(
            "filter change -> headline + map updated (ms)",
            f"p50 {f['median']}, p95 {f['p95']} (n={f['n']})",
            "p95 <= 500",
            f["p95"] is not None and f["p95"] <= 500 and br["errors"] == 0,
            f"errors {br['errors']}",
        )
        add(
            "script runs per filter change (browser)",
            f"p50 {br['reruns_per_change']['median']}, max {br['reruns_per_change']['max']}",
        )
        add(
            "websocket bytes per script run (browser)",
            f"p50 {br['ws_bytes_per_run']['median']:,}, max {br['ws_bytes_per_run']['max']:,}",
        )
        m = br["map_bytes_per_run"]
        add(
            "map component bytes per script run (browser)",
            f"p50 {m['median']:,}, p95 {m['p95']:,}, max {m['max']:,}",
            "p95 <= 100 KB, max <= 150 KB",
            m["max"] is not None and m["p95"] <= 100 * 1024 and m["max"] <= 150 * 1024,
        )
    fl = res.get("floor")
    if fl:
        for row in fl["rows"]:
            first = row["figure"].startswith("open link -> first marker")
            for page in ("map", "gaps"):
                r50, r95 = row[f"{page} p50/floor"], row[f"{page} p95/floor"]
                add(
                    f"{page}: {row['figure']} (x bare page)",
                    f"p50 {row[f'{page} p50']} ms = x{r50}, p95 x{r95} (floor p50 {row['floor p50']} ms)",
                    "<= 1.5"
                    if first
                    else (
                        "p50 <= 1.5, p95 <= 2"
                        if "click" in row["figure"] or "on/off" in row["figure"]
                        else None
                    ),
                    (r50 <= 1.5)
                    if first
                    else ((r50 <= 1.5 and r95 <= 2) if "on/off" in row["figure"] else None),
                )
    ac = res.get("actions")
    if ac and "p50/floor" in (ac["after"][0] if ac["after"] else {}):
        rows_ = [r for r in ac["after"] if r.get("p95/floor") == r.get("p95/floor")]  # NaN: failed
        worst = max(rows_, key=lambda r: r["p95/floor"], default=None)
        ok = sum(r["p50/floor"] <= 1.5 and r["p95/floor"] <= 2.0 for r in rows_)
        add(
            "every action, input -> view settled (x bare page)",
            f"{ok} of {len(ac['after'])} within; worst "
            + (f"{worst['page']} '{worst['action']}' p95 x{worst['p95/floor']}" if worst else "-"),
            "p50 <= 1.5, p95 <= 2",
            ok == len(ac["after"]),
        )
    cp = res.get("compute")
    if cp:
        for scale, per in cp["results"].items():
            for page, s in per.items():
                r = s["rerun_ms"]
                if scale == "x1":
                    add(
                        f"server compute per rerun, {page}, LA (ms)",
                        f"p50 {r['median']}, p95 {r['p95']} (n={r['n']})",
                        "<= 150",
                        r["median"] <= 150,
                        "" if r["p95"] <= 150 else "p95 over",
                    )
                else:
                    add(
                        f"server compute per rerun, {page}, {scale} (ms)",
                        f"p50 {r['median']}, p95 {r['p95']} (n={r['n']})",
                    )
            if "map" in per and scale == "x1":
                add(
                    "  of which Streamlit's gc.collect after the run, map, LA (ms)",
                    f"p50 {per['map']['parts_median_ms'].get('gc after run', 0)}",
                )
            if "map" in per:
                fm = per["map"]["filter_metrics_ms"]
                kb = per["map"]["map_bytes"]
                tgt = "<= 200" if scale == "x100" else None
                add(
                    f"filter + metrics per rerun, map page, {scale} (ms)",
                    f"p50 {fm['median']}, p95 {fm['p95']}",
                    tgt,
                    (fm["p95"] <= 200) if tgt else None,
                )
                add(
                    f"map payload per rerun, {scale} (KB)",
                    f"p50 {kb['median'] / 1024:.0f}, p95 {kb['p95'] / 1024:.0f}, max {kb['max'] / 1024:.0f}",
                    "p95 <= 100, max <= 150" if scale == "x1" else ("bounded" if scale == "x100" else None),
                    (kb["p95"] <= 100 * 1024 and kb["max"] <= 150 * 1024)
                    if scale == "x1"
                    else ((kb["max"] <= 300 * 1024) if scale == "x100" else None),
                )
        nv = cp.get("naive_map")
        if nv:
            add(
                "map payload ours vs naive one-Marker build, LA (KB)",
                f"ours p50 {nv['ours_bytes']['median'] / 1024:.0f} / "
                f"naive p50 {nv['naive_bytes']['median'] / 1024:.0f}; "
                f"ratio p50 x{nv['size_ratio']['median']}",
            )
        gaps = _get(cp, "results", "x1", "gaps", "map_bytes")
        if gaps:
            add(
                "gaps page map payload per rerun, LA (KB)",
                f"p50 {gaps['median'] / 1024:.0f}, max {gaps['max'] / 1024:.0f}",
                "<= 150",
                gaps["max"] <= 150 * 1024,
            )
    ld = res.get("load")
    if ld:
        for setup, r in ld["setups"].items():
            c = r["concurrent_ms"]
            add(
                f"{ld['sessions']} concurrent sessions, {setup}: change (ms)",
                f"p50 {c['median']}, p95 {c['p95']} (n={c['n']})",
                "p95 <= 1000, 0 errors",
                c["p95"] is not None
                and c["p95"] <= 1000
                and r["errors"] == 0
                and r["wrong_final_headline"] == 0,
                f"errors {r['errors']}, wrong {r['wrong_final_headline']}; cache {r['cache']}",
            )
            add(
                f"  {setup}: RSS of all processes, peak (MB)",
                f"{r['rss_mb']['peak']} (idle {r['rss_mb']['idle']})",
                "<= 800",
                r["rss_mb"]["peak"] <= 800,
            )
            add(
                f"  {setup}: {ld['sessions']} sessions open one link, views computed",
                f"{r['same_link_cache']['misses']} (hits {r['same_link_cache']['hits']})",
            )
            add(
                f"  {setup}: one session alone, server CPU per change (ms)",
                f"p50 {r['single_cpu_ms']['median']}, p95 {r['single_cpu_ms']['p95']}",
                "<= 40" if setup.startswith("1 ") else None,
                (r["single_cpu_ms"]["median"] <= 40) if setup.startswith("1 ") else None,
            )
    mb = res.get("map_build")
    if mb:
        add(
            "map build, all facilities: ours vs naive (s / KB)",
            f"{mb['ours_s']} s {mb['ours_bytes'] / 1024:.0f} KB vs "
            f"{mb['naive_s']} s {mb['naive_bytes'] / 1024:.0f} KB",
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated subset, e.g. compute,load")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    plan = QUICK if args.quick else FULL
    if args.only:
        plan = {k: v for k, v in plan.items() if k in args.only.split(",")}
    t0 = time.perf_counter()
    print(machine_line())
    data_dir = harness.snapshot_dir(args.data_dir)
    print(f"snapshot: {data_dir} ({harness.data_size(data_dir)})")
    results, lines, failed = {}, [], []
    for name, extra in plan.items():
        got, secs, rc = run(name, extra, data_dir)
        print(f"[{name}: {secs:.0f} s, exit {rc}]")
        if rc != 0 or not got:
            failed.append(name)
        for g in got:
            g["seconds"] = round(secs, 1)
            results[g["bench"]] = g
            lines.append(g)
    total = time.perf_counter() - t0
    rows = summary(results)
    print(
        f"\n{'=' * 100}\nSUMMARY ({'quick' if args.quick else 'full'} run, {total / 60:.1f} min; "
        f"{machine_line().removeprefix('machine: ')})\n"
    )
    w = max(len(r["figure"]) for r in rows) if rows else 10
    v = max(len(r["value"]) for r in rows) if rows else 10
    for r in rows:
        print(f"{r['figure']:<{w}}  {r['value']:<{v}}  {r['target']:<22} {r['met']:<4} {r['note']}")
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = RESULTS / f"{stamp}.jsonl"
    with out.open("w") as fh:
        for g in lines:
            fh.write(json.dumps(g, sort_keys=True) + "\n")
        fh.write(
            json.dumps(
                {
                    "bench": "summary",
                    "machine": machine(),
                    "quick": args.quick,
                    "total_s": round(total, 1),
                    "failed": failed,
                    "rows": rows,
                },
                sort_keys=True,
            )
            + "\n"
        )
    print(f"\nJSON lines: {out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
