"""Residents far from a matching site for a few realistic filters, and how long it takes.

For each filter: residents (in the filter's denominator) whose census tract lies farther
than 5 and 10 miles, straight line, from the nearest matching site; and the median time
of the vectorised computation (nearest-site search over all 2,345 tracts).

    python bench/access.py [--runs 21]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from bench.common import emit, median_of, p95
from dashboard import snapshot
from dashboard.analysis import filters, metrics
from dashboard.analysis.filters import FilterState
from dashboard.config import data_dir

CASES = {
    "any outpatient site, all residents": FilterState(setting=("outpatient",)),
    "outpatient for children taking Medi-Cal (residents 0-17)": FilterState(
        setting=("outpatient",), population=("children",), payment=("medi_cal",)
    ),
    "outpatient for seniors (residents 65+)": FilterState(setting=("outpatient",), population=("seniors",)),
    "outpatient in Spanish taking Medi-Cal (residents < 133% FPL)": FilterState(
        setting=("outpatient",), language=("spanish",), payment=("medi_cal",)
    ),
    "first-episode psychosis programs (all residents)": FilterState(condition=("psychosis",)),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    b = snapshot.read(data_dir())
    idx = filters.FlagIndex.build(b.facilities)
    rows, out = [], {}
    for name, state in CASES.items():
        den = metrics.denominator(state)
        mask = metrics.access_mask(idx, state)

        def compute(miles, mask=mask, den=den):
            return metrics.tract_access(b.tracts, b.facilities, mask, den, miles)

        far5, far10 = compute(5)["residents_far"].sum(), compute(10)["residents_far"].sum()
        total = den.of(b.tracts).sum()
        med, times = median_of(lambda: compute(5), args.runs)
        rows.append(
            {
                "filter": name,
                "sites": int(mask.sum()),
                "denominator": den.label,
                "residents": int(total),
                "> 5 mi": int(far5),
                "% > 5 mi": far5 / total * 100,
                "> 10 mi": int(far10),
                "% > 10 mi": far10 / total * 100,
                "median ms": med * 1000,
                "p95 ms": p95(times) * 1000,
            }
        )
        out[name] = {
            "sites": int(mask.sum()),
            "residents": int(total),
            "far5": int(far5),
            "far10": int(far10),
            "median_ms": round(med * 1000, 2),
        }
    print(f"Tracts: {len(b.tracts):,} (2010 tracts, ISD 2018 population); runs per case: {args.runs}\n")
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(pd.DataFrame(rows).round(1).to_string(index=False))
    emit("access", {"runs": args.runs, "tracts": len(b.tracts), "cases": out})


if __name__ == "__main__":
    main()
