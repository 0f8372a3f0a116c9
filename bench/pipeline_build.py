"""Cold pipeline build: raw sources -> a snapshot folder, into an empty folder each time.

Two ways, each N times into a new temporary folder (offline, as ``make build`` does it;
never into the committed data/snapshot/):

* CLI: ``python -m dashboard.ingest build`` in a fresh Python process with ``LAMH_DATA_DIR``
  set to that folder — interpreter start, imports and the build, what a maintainer
  refreshing the snapshot waits for;
* in-process: ``pipeline.build(raw, folder)`` with the modules already imported — the build
  alone, split into its stages by the progress callback (read sources, match + locate, tag
  areas, validate, write).

The raw sources are read from wherever a build reads them (``LAMH_RAW_DIR``, data/raw or
../shared/data/raw); the offline geocoder cache (data/geocode_cache.json) is used if present.

    python bench/pipeline_build.py [--runs 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench import harness
from bench.common import emit, machine_line, stats


def cli_build(into: Path) -> float:
    env = {**os.environ, "LAMH_DATA_DIR": str(into)}
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "dashboard.ingest", "build"],
        cwd=harness.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"pipeline build failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return dt


def in_process_build(into: Path) -> tuple[float, dict[str, float]]:
    from dashboard import config
    from dashboard.ingest import pipeline

    marks: list[tuple[str, float]] = []
    t = time.perf_counter()
    pipeline.build(
        config.raw_dir(), into, progress=lambda msg, frac: marks.append((msg, time.perf_counter()))
    )
    dt = time.perf_counter() - t
    stages = {}
    for (msg, start), (_next, end) in itertools.pairwise(marks):
        stages[msg] = end - start
    return dt, stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from dashboard import config

    print(machine_line())
    print(f"raw sources: {config.raw_dir()}")
    tmp = Path(tempfile.mkdtemp(prefix="lamh-bench-build-"))
    try:
        cli, inproc, stage_rows = [], [], []
        for i in range(args.runs):
            cli.append(cli_build(tmp / f"cli{i}"))
            dt, stages = in_process_build(tmp / f"inproc{i}")
            inproc.append(dt)
            stage_rows.append(stages)
        size = harness.data_size(tmp / "cli0")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"output: {size['facilities']:,} facilities ({size['located']:,} located), {size['tracts']:,} tracts "
        f"and tract polygons; {args.runs} runs each, alternating\n"
    )
    t = pd.DataFrame(
        {"CLI, fresh process (s)": stats(cli, 2), "pipeline.build in-process (s)": stats(inproc, 2)}
    ).T
    print(t.to_string())
    st = pd.DataFrame(stage_rows).median().round(2)
    print("\nin-process stages, median seconds:")
    print(st.to_string())
    emit(
        "pipeline_build",
        {
            "data": size,
            "runs": args.runs,
            "cli_s": stats(cli, 2),
            "in_process_s": stats(inproc, 2),
            "stages_median_s": st.to_dict(),
            "raw_dir": str(config.raw_dir()),
        },
    )


if __name__ == "__main__":
    main()
