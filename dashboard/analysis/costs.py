"""Cost inputs and episode costs for the "Inpatient vs outpatient" page.

The inputs (:class:`Assumptions`, each checked against its :data:`LIMITS`) and the episode
arithmetic live here; the sourced unit prices and default inputs come from the benchmarks
table in :mod:`dashboard.analysis.prices`, and the what-ifs are :mod:`dashboard.analysis.whatif`.
Pure functions, no Streamlit, so every number the page shows can be unit-tested.

Honesty caveats the page must carry (from costs/PROVENANCE.md):

* **Medicare is not what LA County pays.** The sourced prices are Medicare rates (IPF PPS
  per diems, Physician Fee Schedule, OPPS).  LA County's public system is mostly Medi-Cal,
  paid through county Specialty Mental Health Services; those rates and LA DMH's inpatient
  per diems were *not found*.  ``prices.unit_prices`` lists them as missing; nothing fills them in.
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
        raise AssumptionError(name, f"{label} must be a number; got {short(repr(value))}.")
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
            f"{x.label}: {fmt_number(x.quantity)} {x.quantity_unit} × {usd(x.unit_price)}"
            f"{mult} = {usd(x.subtotal)}"
        )
    out.append(f"Total: {usd(episode.total)} {episode.unit}")
    return out


def episode_frame(*episodes: EpisodeCost) -> pd.DataFrame:
    """The lines of one or more episodes as a table (for the page's table, chart and CSV)."""
    rows = [
        {"setting": e.setting, **{f.name: getattr(x, f.name) for f in fields(Line)}}
        for e in episodes
        for x in e.lines
    ]
    return pd.DataFrame(rows, columns=["setting"] + [f.name for f in fields(Line)])


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


def usd(x: float) -> str:
    return f"${x:,.2f}"


def short(text, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
