"""Shared bits for the benchmark scripts: machine description, timing, JSON output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time


def machine() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "system": platform.system()}


def median_of(fn, runs: int) -> tuple[float, list[float]]:
    """Median wall time (seconds) of ``runs`` calls; all times returned too."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def emit(name: str, figures: dict) -> None:
    """One JSON line for machines, after the human-readable table."""
    print(json.dumps({"bench": name, "machine": machine(), **figures}, sort_keys=True))
