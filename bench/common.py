"""Shared bits for the benchmark scripts: machine description, timing, statistics, JSON output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _mem_gb() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (None, None, None)
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpu_model": _cpu_model(),
        "mem_gb": _mem_gb(),
        "loadavg_1m": round(load[0], 2) if load[0] is not None else None,
    }


def machine_line() -> str:
    """One line for the top of a report: CPUs, memory, Python, load when started."""
    m = machine()
    return (
        f"machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['mem_gb']} GB, Python {m['python']}, "
        f"{m['system']} {m['machine']}; load average (1 min) at start {m['loadavg_1m']}"
    )


def median_of(fn, runs: int) -> tuple[float, list[float]]:
    """Median wall time (seconds) of ``runs`` calls; all times returned too."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def p95(values: list[float]) -> float:
    """95th percentile by nearest rank on n-1: the maximum for n <= 11, the second
    largest for n = 12..30."""
    s = sorted(values)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def stats(values, digits: int = 1) -> dict:
    """median, p95, min, max and n of ``values`` (rounded to ``digits``)."""
    v = [float(x) for x in values]
    if not v:
        return {"n": 0, "median": None, "p95": None, "min": None, "max": None}

    def r(x):
        return round(x, digits) if digits else round(x)

    return {
        "n": len(v),
        "median": r(statistics.median(v)),
        "p95": r(p95(v)),
        "min": r(min(v)),
        "max": r(max(v)),
    }


def emit(name: str, figures: dict) -> None:
    """One JSON line for machines, after the human-readable table."""
    print(json.dumps({"bench": name, "machine": machine(), **figures}, sort_keys=True))
