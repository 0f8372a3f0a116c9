"""Unit prices, episode costs and what-ifs for the "Inpatient vs outpatient" page.

Pure functions on the benchmarks table (``dashboard.ingest.sources.costs.read`` / the processed
"benchmarks" table): no Streamlit here, so every number the page shows can be unit-tested.

Honesty caveats the page must carry (from costs/PROVENANCE.md):

* **Medicare is not what LA County pays.** The sourced prices are Medicare rates (IPF PPS
  per diems, Physician Fee Schedule, OPPS).  LA County's public system is mostly Medi-Cal,
  paid through county Specialty Mental Health Services; those rates and LA DMH's inpatient
  per diems were *not found*.  ``unit_prices`` lists them as missing; nothing fills them in.
* **Base rate is not payment.** The IPF per diem (IP-04, FY2026) is the national,
  unadjusted base rate.  A real payment multiplies it by the wage index (LA's was not
  retrieved), MS-DRG, comorbidity, age and day-of-stay factors, the 1.54 emergency-department
  factor (IP-10) and more.  The episode's ``adjustment`` (default 1.0 = none) is where a
  user can apply such a factor; it is an assumption, never a sourced figure.
* **Locality 18 is LA *and* Orange counties.** The "LA locality" PFS amounts use the CY2025
  GPCIs of Medicare locality 18, which spans both counties.
* **Vintages differ.** IPF rates are federal fiscal years (FY2026 = Oct 2025-Sep 2026; the
  FY2027 rate is not in the file); PFS amounts are CY2025; the visit count is 2007 (MEPS);
  the crisis-residential rates are San Mateo County FY2003-04.
* **Unsourced numbers say so.** Length of stay, evaluations and medication visits per
  episode, the adjustment and the what-if sizes have no sourced figure.  Their defaults are
  round illustrative numbers, recorded in ``Assumptions.basis`` with the reason.

Every default records its :class:`Basis` (benchmark id, payer, year, grade, or "illustrative
assumption" and why).  Invalid inputs raise :class:`AssumptionError` (a ``ValueError``) with
a message naming the input; zero is valid and costs zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import pandas as pd

NATIONAL = "national"
LA_LOCALITY = "la_locality"
RATES = {
    NATIONAL: "Medicare national amounts",
    LA_LOCALITY: "Medicare, LA locality 18 (Los Angeles + Orange counties) where available",
}
USD_EPISODE = "USD per episode"
USD_YEAR = "USD per year"
MAX_PRICE = 50_000.0  # USD per unit; anything above is a typo, not a price
MAX_COUNT = 1_000.0  # services of one kind in one episode

INPATIENT_CAVEATS = (
    "Medicare IPF PPS national base rate: not what LA County (Medi-Cal) pays; LA DMH "
    "inpatient per diems were not found.",
    "Base rate is not payment: wage index, MS-DRG, comorbidity, age, day-of-stay and "
    "facility factors are not applied unless you set the adjustment.",
    "Length of stay is an illustrative assumption (no sourced figure: the HCUP mean length "
    "of stay was not retrieved).",
)
OUTPATIENT_CAVEATS = (
    "Medicare Physician Fee Schedule allowed amounts (CY2025, non-facility, before "
    "cost-sharing): not Medi-Cal rates; LA County Medi-Cal rates were not found.",
    "The LA locality (18) covers Los Angeles and Orange counties.",
    "Visit counts: the mean of 7.9 psychotherapy visits per patient is an annual figure from "
    "2007 (MEPS), not a clinical episode.",
)


class AssumptionError(ValueError):
    """An input the user can change is invalid; the message names it and says why."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(message)


class BenchmarkMissing(LookupError):
    """A benchmark a default is built from is absent or not a single number."""


# --- assumptions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InpatientAssumptions:
    length_of_stay_days: float
    per_diem: float  # USD per patient-day
    adjustment: float  # multiplier on the per diem; 1.0 = national base rate unadjusted


@dataclass(frozen=True)
class OutpatientAssumptions:
    evaluations: float
    evaluation_price: float
    individual_sessions: float
    individual_price: float
    group_sessions: float
    group_price: float  # per patient per group session
    family_sessions: float
    family_price: float
    medication_visits: float
    medication_price: float


@dataclass(frozen=True)
class Scenario:
    diverted_admissions: int = 100  # inpatient admissions a year diverted to outpatient care
    added_sites: int = 1  # outpatient sites opened in ``area``
    added_beds: int = 0  # psychiatric beds added in ``area``
    area: int | None = None  # SPA number; None = not chosen yet


@dataclass(frozen=True)
class Basis:
    """Where a default value comes from."""

    value: float | int | None
    benchmark_id: str | None  # None: an unsourced, illustrative assumption
    label: str  # e.g. "IP-04: Medicare (IPF PPS), FY2026 (Oct 2025-Sep 2026), US; grade B"
    note: str = ""  # caveat, or why there is no sourced figure

    @property
    def sourced(self) -> bool:
        return self.benchmark_id is not None


@dataclass(frozen=True)
class Assumptions:
    rates: str
    inpatient: InpatientAssumptions
    outpatient: OutpatientAssumptions
    scenario: Scenario = Scenario()
    basis: Mapping[str, Basis] = field(default_factory=dict)  # field name -> its default


# name -> (label, unit, low, high, whole number?)
class Limit(NamedTuple):
    label: str
    unit: str
    low: float
    high: float
    whole: bool  # whole numbers only (counts)


LIMITS = {
    "length_of_stay_days": Limit("Length of stay", "days", 0, 365, False),
    "per_diem": Limit("Inpatient per diem", "USD per day", 0, MAX_PRICE, False),
    "adjustment": Limit("Per diem adjustment", "multiplier", 0, 10, False),
    "evaluations": Limit("Diagnostic evaluations", "per episode", 0, MAX_COUNT, False),
    "evaluation_price": Limit("Evaluation price", "USD each", 0, MAX_PRICE, False),
    "individual_sessions": Limit("Individual therapy sessions", "per episode", 0, MAX_COUNT, False),
    "individual_price": Limit("Individual session price", "USD each", 0, MAX_PRICE, False),
    "group_sessions": Limit("Group therapy sessions", "per episode", 0, MAX_COUNT, False),
    "group_price": Limit("Group session price", "USD per patient", 0, MAX_PRICE, False),
    "family_sessions": Limit("Family therapy sessions", "per episode", 0, MAX_COUNT, False),
    "family_price": Limit("Family session price", "USD each", 0, MAX_PRICE, False),
    "medication_visits": Limit("Medication management visits", "per episode", 0, MAX_COUNT, False),
    "medication_price": Limit("Medication visit price", "USD each", 0, MAX_PRICE, False),
    "diverted_admissions": Limit("Admissions diverted", "a year", 0, 1_000_000, True),
    "added_sites": Limit("Outpatient sites opened", "sites", 0, 10_000, True),
    "added_beds": Limit("Psychiatric beds added", "beds", 0, 100_000, True),
    "episode_cost": Limit("Episode cost", USD_EPISODE, 0, 100_000_000, False),
    "current_count": Limit("Current count", "", 0, 10_000_000, True),
}


def check(name: str, value) -> float:
    """``value`` as a float if it is a valid ``name`` (see LIMITS), else AssumptionError."""
    label, unit, low, high, whole = LIMITS[name]
    if isinstance(value, bool) or (not isinstance(value, (int, float)) and not _is_np_number(value)):
        raise AssumptionError(name, f"{label} must be a number; got {_short(repr(value))}.")
    x = float(value)
    if math.isnan(x):
        raise AssumptionError(name, f"{label} is blank (not a number); enter a number.")
    if not low <= x <= high:
        unit = f" {unit}" if unit else ""
        raise AssumptionError(
            name,
            f"{label} must be between {fmt_number(low)} and {fmt_number(high)}{unit}; got {fmt_number(x)}.",
        )
    if whole and not x.is_integer():
        raise AssumptionError(name, f"{label} must be a whole number; got {fmt_number(x)}.")
    return x


def _is_np_number(value) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "dtype") and value.dtype.kind in "iuf"


def _check_all(obj) -> None:
    for f in fields(obj):
        if f.name in LIMITS:
            check(f.name, getattr(obj, f.name))


# --- benchmarks: unit prices -------------------------------------------------------------------

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


# --- defaults ---------------------------------------------------------------------------------

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


def source_of(name: str, value, basis: Mapping[str, Basis] | None) -> str:
    """The source label of ``value`` for input ``name``: the default's basis if the value is
    the default, otherwise "Your value" plus what the default was."""
    if not basis or name not in basis:
        return ""
    b = basis[name]
    if b.value is not None and math.isclose(float(value), float(b.value), rel_tol=0, abs_tol=1e-9):
        return b.label
    return f"Your value (default {fmt_number(b.value)}: {b.label})"


# --- episodes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One visible line of arithmetic: subtotal = quantity x unit_price x multiplier."""

    label: str
    quantity: float
    quantity_unit: str
    unit_price: float
    price_unit: str
    multiplier: float
    subtotal: float
    quantity_source: str = ""
    price_source: str = ""
    multiplier_source: str = ""


@dataclass(frozen=True)
class EpisodeCost:
    setting: str  # "inpatient" or "outpatient"
    lines: tuple[Line, ...]
    total: float  # sum of the line subtotals
    unit: str = USD_EPISODE
    caveats: tuple[str, ...] = ()


def _line(label, qty_name, qty_unit, price_name, price_unit, a, basis, mult=1.0, mult_name=None):
    q, p = getattr(a, qty_name), getattr(a, price_name)
    return Line(
        label,
        float(q),
        qty_unit,
        float(p),
        price_unit,
        float(mult),
        float(q) * float(p) * float(mult),
        source_of(qty_name, q, basis),
        source_of(price_name, p, basis),
        source_of(mult_name, mult, basis) if mult_name else "",
    )


def inpatient_episode(a: InpatientAssumptions, basis: Mapping[str, Basis] | None = None) -> EpisodeCost:
    """Length of stay x per diem x adjustment, as one line."""
    _check_all(a)
    line = _line(
        "Inpatient days",
        "length_of_stay_days",
        "days",
        "per_diem",
        "USD per day",
        a,
        basis,
        a.adjustment,
        "adjustment",
    )
    return EpisodeCost("inpatient", (line,), line.subtotal, caveats=INPATIENT_CAVEATS)


OUTPATIENT_LINES = (
    ("Diagnostic evaluation", "evaluations", "evaluations", "evaluation_price", "USD each"),
    ("Individual therapy", "individual_sessions", "sessions", "individual_price", "USD per session"),
    ("Group therapy", "group_sessions", "sessions", "group_price", "USD per patient per session"),
    ("Family therapy", "family_sessions", "sessions", "family_price", "USD per session"),
    ("Medication management", "medication_visits", "visits", "medication_price", "USD per visit"),
)


def outpatient_episode(a: OutpatientAssumptions, basis: Mapping[str, Basis] | None = None) -> EpisodeCost:
    """Evaluation + sessions x price for each kind of service (zero-count lines included)."""
    _check_all(a)
    lines = tuple(_line(label, q, qu, p, pu, a, basis) for label, q, qu, p, pu in OUTPATIENT_LINES)
    return EpisodeCost("outpatient", lines, sum(x.subtotal for x in lines), caveats=OUTPATIENT_CAVEATS)


def arithmetic(episode: EpisodeCost) -> list[str]:
    """The episode's arithmetic as text, one string per line plus the total."""
    out = []
    for x in episode.lines:
        mult = f" × {fmt_number(x.multiplier)}" if episode.setting == "inpatient" else ""
        out.append(
            f"{x.label}: {fmt_number(x.quantity)} {x.quantity_unit} × {_usd(x.unit_price)}"
            f"{mult} = {_usd(x.subtotal)}"
        )
    out.append(f"Total: {_usd(episode.total)} {episode.unit}")
    return out


def episode_frame(*episodes: EpisodeCost) -> pd.DataFrame:
    """The lines of one or more episodes as a table (for the page's table, chart and CSV)."""
    rows = [
        {"setting": e.setting, **{f.name: getattr(x, f.name) for f in fields(Line)}}
        for e in episodes
        for x in e.lines
    ]
    return pd.DataFrame(rows, columns=["setting"] + [f.name for f in fields(Line)])


# --- what-ifs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diversion:
    diverted: int  # admissions a year
    inpatient_cost: float  # USD per episode
    outpatient_cost: float  # USD per episode
    cost_before: float  # diverted x inpatient_cost, USD per year
    cost_after: float  # diverted x outpatient_cost, USD per year
    change: float  # after - before (negative = saving), USD per year
    unit: str = USD_YEAR


def divert_admissions(diverted, inpatient_cost, outpatient_cost) -> Diversion:
    """Annual cost of ``diverted`` episodes as inpatient stays vs as outpatient episodes."""
    n = int(check("diverted_admissions", diverted))
    ip = _check_cost("Inpatient episode cost", inpatient_cost)
    op = _check_cost("Outpatient episode cost", outpatient_cost)
    return Diversion(n, ip, op, n * ip, n * op, n * op - n * ip)


def _check_cost(label, value) -> float:
    try:
        return check("episode_cost", value)
    except AssumptionError as exc:
        raise AssumptionError("episode_cost", str(exc).replace("Episode cost", label)) from None


@dataclass(frozen=True)
class PerCapitaChange:
    what: str  # "sites" or "beds"
    area: str
    current: int
    added: int
    population: float
    before: float  # per 100,000 residents
    after: float
    change: float
    unit: str  # e.g. "sites per 100,000 residents"


def per_100k(count, population) -> float:
    return float(count) / float(population) * 100_000


def per_capita_change(
    current,
    added,
    population,
    *,
    what: str = "sites",
    area: str = "The area",
    added_name: str = "added_sites",
) -> PerCapitaChange:
    """``what`` per 100,000 residents of ``area`` before and after adding ``added``."""
    pop = _check_population(population, area)
    try:
        cur = int(check("current_count", current))
    except AssumptionError as exc:
        raise AssumptionError(
            "current_count", str(exc).replace("Current count", f"Current {what} in {area}")
        ) from None
    add = int(check(added_name, added))
    before, after = per_100k(cur, pop), per_100k(cur + add, pop)
    return PerCapitaChange(
        what, area, cur, add, pop, before, after, after - before, f"{what} per 100,000 residents"
    )


def open_sites(current_sites, added_sites, population, *, area: str = "The area") -> PerCapitaChange:
    """Outpatient sites per 100,000 before and after opening ``added_sites``."""
    return per_capita_change(current_sites, added_sites, population, what="sites", area=area)


def add_beds(current_beds, added_beds, population, *, area: str = "The area") -> PerCapitaChange:
    """Psychiatric beds per 100,000 before and after adding ``added_beds``."""
    return per_capita_change(
        current_beds, added_beds, population, what="beds", area=area, added_name="added_beds"
    )


def _check_population(population, area: str) -> float:
    if population is None or (pd.api.types.is_scalar(population) and pd.isna(population)):
        raise AssumptionError(
            "population",
            f"{area} has no population figure, so a rate per "
            "100,000 residents cannot be computed. Choose another area.",
        )
    try:
        pop = float(population)
    except (TypeError, ValueError):
        raise AssumptionError(
            "population", f"The population of {area} must be a number; got {_short(repr(population))}."
        ) from None
    if isinstance(population, bool) or math.isnan(pop):
        raise AssumptionError(
            "population", f"The population of {area} must be a number; got {_short(repr(population))}."
        )
    if pop == 0:
        raise AssumptionError(
            "population",
            f"{area} has no residents in the chosen population "
            "(0), so a rate per 100,000 residents cannot be "
            "computed. Choose another area or population.",
        )
    if pop < 0 or math.isinf(pop):
        raise AssumptionError(
            "population", f"The population of {area} must be a positive number; got {fmt_number(pop)}."
        )
    return pop


# --- shareable link ---------------------------------------------------------------------------

# URL key -> (part of Assumptions, field).  Short and stable: never rename, only add.
# --- formatting -------------------------------------------------------------------------------


def fmt_number(x) -> str:
    """A number without needless decimals: 10 -> '10', 1234.5 -> '1,234.5'."""
    if x is None:
        return "none"
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if 0 < abs(x) < 1e-4:
        return repr(x)
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def _usd(x: float) -> str:
    return f"${x:,.2f}"


def _short(text, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- availability benchmark -------------------------------------------------------------------

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
