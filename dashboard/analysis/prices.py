"""Sourced unit prices, the default cost inputs and the bed-availability band, from the
benchmarks table (``dashboard.ingest.sources.costs.read`` / the snapshot's "benchmarks").

Every default records its :class:`~dashboard.analysis.costs.Basis`; a price the benchmarks
lack is listed as missing (``MISSING_PRICES``), never filled in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

import pandas as pd

from dashboard.analysis.costs import (
    LA_LOCALITY,
    NATIONAL,
    RATES,
    Assumptions,
    Basis,
    BenchmarkMissing,
    InpatientAssumptions,
    OutpatientAssumptions,
    Scenario,
)

# Benchmark rows that are prices, in the order the page lists them (id -> plain label).
PRICE_ITEMS = {
    "IP-04": "Inpatient psychiatric day, IPF base rate (quality reporting met)",
    "IP-05": "Inpatient psychiatric day, IPF base rate (quality reporting not met)",
    "IP-02": "Inpatient psychiatric day, IPF base rate (quality reporting met)",
    "IP-03": "Inpatient psychiatric day, IPF base rate (quality reporting not met)",
    "IP-01": "Inpatient psychiatric day, IPF base rate",
    "IP-06": "Inpatient psychiatric day, IPF base rate (trend reference)",
    "IP-08": "Electroconvulsive therapy, per treatment (inpatient)",
    "IP-07": "Electroconvulsive therapy, per treatment (inpatient)",
    "OP-01": "Psychiatric diagnostic evaluation (CPT 90791)",
    "OP-09": "Psychiatric diagnostic evaluation (CPT 90791)",
    "OP-02": "Individual psychotherapy, 30 min (CPT 90832)",
    "OP-03": "Individual psychotherapy, 45 min (CPT 90834)",
    "OP-04": "Individual psychotherapy, 60 min (CPT 90837)",
    "OP-10": "Individual psychotherapy, 60 min (CPT 90837)",
    "OP-05": "Family psychotherapy with patient, 50 min (CPT 90847)",
    "OP-06": "Group psychotherapy, per patient (CPT 90853)",
    "OP-07": "Medication management visit, established patient (CPT 99214)",
    "OP-11": "Medication management visit, established patient (CPT 99214)",
    "OP-08": "Physician Fee Schedule conversion factor",
    "OP-13": "Outpatient psychotherapy visit, mean expenditure",
    "INT-01": "Hospital outpatient (OPPS) conversion factor, base of PHP/IOP rates",
    "INT-03": "Adult crisis residential treatment, per day",
    "INT-04": "Adult transitional residential treatment, per day",
}


# LA-locality amounts that OP-10's note quotes ("Other LA NF amounts computed the same way").
NOTE_SOURCE = "OP-10"


NOTE_ITEMS = {
    "90832": ("Individual psychotherapy, 30 min (CPT 90832)", "USD per session"),
    "90834": ("Individual psychotherapy, 45 min (CPT 90834)", "USD per session"),
    "90847": ("Family psychotherapy with patient, 50 min (CPT 90847)", "USD per session"),
    "90853": ("Group psychotherapy, per patient (CPT 90853)", "USD per patient per session"),
}


_GAP = "Not found when the benchmarks were compiled (costs/PROVENANCE.md, 'Not found (gaps)')."


# (item, unit, payer, geography, why it matters) -- straight from PROVENANCE.md.
MISSING_PRICES = (
    (
        "Specialty mental health outpatient services, LA County Medi-Cal (CalAIM fee schedule)",
        "USD per service",
        "Medi-Cal (LA County DMH)",
        "LA County",
        "LA County's public outpatient system is mostly Medi-Cal; no rate is shown.",
    ),
    (
        "Inpatient psychiatric day, LA DMH Medi-Cal per diem (fee-for-service and Short-Doyle)",
        "USD per patient-day",
        "Medi-Cal (LA County DMH)",
        "LA County",
        "What LA County pays per inpatient day is unknown here.",
    ),
    (
        "Psychiatric health facility (PHF), IMD and crisis-residential day, LA DMH",
        "USD per day",
        "Medi-Cal / county (LA County DMH)",
        "LA County",
        "Only 2003-04 San Mateo County rates (grade C) were found.",
    ),
    (
        "Partial hospitalization / intensive outpatient day (OPPS APCs 5851-5854, 5861-5864)",
        "USD per day",
        "Medicare OPPS",
        "US",
        "Only the OPPS conversion factor (INT-01) was found, not the APC dollar rates.",
    ),
    (
        "Mean hospital cost per psychiatric stay (HCUP statistical briefs)",
        "USD per stay",
        "All payers (HCUP)",
        "US",
        "Would have anchored the inpatient episode; the HCUP mean length of stay is missing too.",
    ),
    (
        "IPF wage index for Los Angeles",
        "multiplier",
        "Medicare (IPF PPS)",
        "LA County",
        "Needed to turn the national base rate into an LA payment (PROVENANCE caveat 2).",
    ),
)


PRICE_COLUMNS = [
    "item",
    "price",
    "unit",
    "payer",
    "year",
    "geography",
    "grade",
    "grade_text",
    "status",
    "note",
    "benchmark_id",
    "measure",
    "source_publisher",
    "source_title",
    "source_url",
]


def payer_of(row: Mapping) -> str:
    """The payer a benchmark price belongs to, read from its measure, unit and geography."""
    measure, unit, geo = str(row["measure"]), str(row["unit"]), str(row["geography"])
    if "IPF" in measure:
        return "Medicare (IPF PPS)"
    if "PFS" in measure or "Physician Fee Schedule" in measure:
        if geo == "LA County":
            return "Medicare PFS, locality 18 (Los Angeles + Orange counties)"
        return "Medicare PFS, national"
    if "OPPS" in measure:
        return "Medicare OPPS (hospital outpatient)"
    if "Medi-Cal" in measure:
        county = re.search(r"\(([^)]*)\)", geo)
        return f"Medi-Cal ({county.group(1) if county else geo}, historical)"
    if "all payers" in unit:
        return "All payers (MEPS survey mean)"
    return "Payer not stated"


def note_prices(benchmarks: pd.DataFrame) -> dict[str, float]:
    """CPT code -> LA-locality amount quoted in OP-10's note (empty if the note lacks them)."""
    rows = benchmarks.loc[benchmarks["id"] == NOTE_SOURCE, "note"]
    if rows.empty or not isinstance(rows.iloc[0], str):
        return {}
    found = re.findall(r"\b(9\d{4}) \$(\d+(?:\.\d+)?)", rows.iloc[0])
    return {code: float(amount) for code, amount in found if code in NOTE_ITEMS}


def unit_prices(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """The sourced prices (one row per price, with payer, year, geography, grade and source)
    followed by the prices that were looked for and not found (``price`` None, status
    "missing").  Rows absent from ``benchmarks`` are skipped."""
    by_id = benchmarks.set_index("id", drop=False)
    out = []
    for bid, item in PRICE_ITEMS.items():
        if bid not in by_id.index:
            continue
        r = by_id.loc[bid]
        out.append(_price_row(r, item, r["value_num"], r["unit"], "sourced", r["note"]))
        if bid == NOTE_SOURCE:
            for code, amount in note_prices(benchmarks).items():
                label, unit = NOTE_ITEMS[code]
                out.append(
                    _price_row(
                        r,
                        label,
                        amount,
                        unit,
                        "sourced (quoted in note)",
                        f"Quoted in the note of {bid}, computed the same way "
                        "(LA locality 18 GPCIs x CY2025 RVUs x conversion factor).",
                    )
                )
    for item, unit, payer, geo, why in MISSING_PRICES:
        out.append(
            {
                "item": item,
                "price": None,
                "unit": unit,
                "payer": payer,
                "year": None,
                "geography": geo,
                "grade": None,
                "grade_text": None,
                "status": "missing",
                "note": f"{_GAP} {why}",
                "benchmark_id": None,
                "measure": None,
                "source_publisher": None,
                "source_title": None,
                "source_url": None,
            }
        )
    return pd.DataFrame(out, columns=PRICE_COLUMNS)


def _price_row(r, item, price, unit, status, note) -> dict:
    price = float(price)
    return {
        "item": item,
        "price": None if math.isnan(price) else price,
        "unit": unit,
        "payer": payer_of(r),
        "year": r["year"],
        "geography": r["geography"],
        "grade": r["grade"],
        "grade_text": r.get("grade_text"),
        "status": status,
        "note": note,
        "benchmark_id": r["id"],
        "measure": r["measure"],
        "source_publisher": r["source_publisher"],
        "source_title": r["source_title"],
        "source_url": r["source_url"],
    }


# Which benchmark each default price comes from: field -> {rates: id}.  A code (e.g. "90853")
# means the LA-locality amount quoted in OP-10's note.
DEFAULT_PRICE_IDS = {
    "per_diem": {NATIONAL: "IP-04", LA_LOCALITY: "IP-04"},
    "evaluation_price": {NATIONAL: "OP-01", LA_LOCALITY: "OP-09"},
    "individual_price": {NATIONAL: "OP-04", LA_LOCALITY: "OP-10"},
    "group_price": {NATIONAL: "OP-06", LA_LOCALITY: "90853"},
    "family_price": {NATIONAL: "OP-05", LA_LOCALITY: "90847"},
    "medication_price": {NATIONAL: "OP-07", LA_LOCALITY: "OP-11"},
}


PRICE_NOTES = {
    "per_diem": "Most recent final rate in the file (FY2026, IPFs meeting quality reporting); "
    "national and unadjusted in both rate choices, because LA's wage index was not "
    "retrieved. The FY2027 rate (from Oct 2026) is not in the file.",
    "individual_price": "60-min psychotherapy (90837) is a modelling choice; a 45-min session "
    "(90834) costs less, see the price table.",
    "medication_price": "Office visit 99214 stands for medication management; add-on "
    "psychotherapy is not included.",
    "group_price": "Medicare pays group psychotherapy per group member.",
}


_ILLUSTRATIVE = "Illustrative assumption (not sourced)"


# field -> (value, reason); the unsourced defaults.
UNSOURCED_DEFAULTS = {
    "length_of_stay_days": (
        10,
        "Round illustrative number: the benchmark file has no length of "
        "stay (the HCUP mean length of stay was not retrieved).",
    ),
    "adjustment": (
        1.0,
        "1.0 = the national base rate unadjusted. Real payments apply the wage "
        "index, patient and facility factors (e.g. 1.54 for IPFs with an "
        "emergency department, IP-10), which are not modelled.",
    ),
    "evaluations": (1, "One intake evaluation per episode; no sourced count."),
    "group_sessions": (
        0,
        "OP-12 counts all psychotherapy visits together; with no sourced split, "
        "all are priced as individual sessions. Move some here to model a mix.",
    ),
    "family_sessions": (0, "As for group sessions: no sourced split of the 7.9 visits."),
    "medication_visits": (4, "Roughly one medication visit a quarter; no sourced count."),
    "diverted_admissions": (
        100,
        "A round number to start the what-if; no sourced count of LA admissions that could be diverted.",
    ),
    "added_sites": (1, "A starting value for the what-if."),
    "added_beds": (0, "A starting value for the what-if."),
}


SESSIONS_ID = "OP-12"


def default_assumptions(benchmarks: pd.DataFrame, rates: str = NATIONAL) -> Assumptions:
    """Defaults for ``rates`` ("national" or "la_locality") built from the benchmarks by id,
    each with its Basis.  Raises BenchmarkMissing if a needed benchmark is absent."""
    if rates not in RATES:
        raise ValueError(f"Unknown rate choice {rates!r}; choose one of {', '.join(RATES)}.")
    basis: dict[str, Basis] = {}
    quoted = note_prices(benchmarks)
    for name, ids in DEFAULT_PRICE_IDS.items():
        key = ids[rates]
        if key in NOTE_ITEMS and key in quoted:
            r = _benchmark(benchmarks, NOTE_SOURCE)
            basis[name] = Basis(
                quoted[key],
                NOTE_SOURCE,
                f"{_label(r)}; CPT {key} amount quoted in the note of {NOTE_SOURCE}",
                PRICE_NOTES.get(name, ""),
            )
            continue
        if key in NOTE_ITEMS:  # the note lost its amount: fall back to national, and say so
            r = _benchmark(benchmarks, ids[NATIONAL])
            basis[name] = Basis(
                float(r["value_num"]),
                r["id"],
                _label(r),
                f"No LA-locality amount for CPT {key} in the file; national "
                "amount used. " + PRICE_NOTES.get(name, ""),
            )
            continue
        r = _benchmark(benchmarks, key)
        basis[name] = Basis(float(r["value_num"]), r["id"], _label(r), PRICE_NOTES.get(name, ""))
    r = _benchmark(benchmarks, SESSIONS_ID)
    basis["individual_sessions"] = Basis(
        float(r["value_num"]),
        SESSIONS_ID,
        f"{SESSIONS_ID}: mean psychotherapy visits per patient "
        f"per year, {r['year']}, {r['geography']}; grade {r['grade']}",
        "An annual mean per patient from 2007, not a clinical episode; all visits are priced as "
        "individual sessions by default.",
    )
    for name, (value, reason) in UNSOURCED_DEFAULTS.items():
        basis[name] = Basis(value, None, _ILLUSTRATIVE, reason)

    def pick(cls):
        return cls(**{f.name: basis[f.name].value for f in fields(cls)})

    scenario = Scenario(**{f.name: basis[f.name].value for f in fields(Scenario) if f.name in basis})
    return Assumptions(rates, pick(InpatientAssumptions), pick(OutpatientAssumptions), scenario, basis)


def _benchmark(benchmarks: pd.DataFrame, bid: str) -> pd.Series:
    rows = benchmarks.loc[benchmarks["id"] == bid]
    if rows.empty:
        raise BenchmarkMissing(f"Benchmark {bid} is missing from the benchmarks table.")
    r = rows.iloc[0]
    if not math.isfinite(float(r["value_num"])):
        raise BenchmarkMissing(f"Benchmark {bid} has no single number (value {r['value']!r}).")
    return r


def _label(r) -> str:
    return f"{r['id']}: {payer_of(r)}, {r['year']}, {r['geography']}; grade {r['grade']}"


BED_BAND_ID = "CAP-03"


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str  # what it is, who says so, and its caveat


def bed_band(benchmarks: pd.DataFrame) -> Band | None:
    """The published psychiatric-beds-per-100k target band (CAP-03, "40-60"), or None when
    the row is absent or not a range."""
    rows = benchmarks[benchmarks["id"] == BED_BAND_ID]
    if rows.empty:
        return None
    r = rows.iloc[0]
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*", str(r["value"]))
    if not m:
        return None
    low, high = float(m.group(1)), float(m.group(2))
    return Band(
        low,
        high,
        f"{r['source_publisher']} target, {r['year']}: an expert-consensus "
        f"range that TAC says has never been validated; it counts all psychiatric beds "
        f"(public and private, incl. state hospitals) (benchmark {BED_BAND_ID}, grade {r['grade']})",
    )
