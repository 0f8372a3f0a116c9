"""What-ifs on the cost page: admissions diverted to outpatient care, and sites or beds
added to an area (per-100k before and after).  Inputs are checked like every cost input."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from dashboard.analysis.costs import (
    USD_YEAR,
    AssumptionError,
    check,
    fmt_number,
    short,
)


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
            "population", f"The population of {area} must be a number; got {short(repr(population))}."
        ) from None
    if isinstance(population, bool) or math.isnan(pop):
        raise AssumptionError(
            "population", f"The population of {area} must be a number; got {short(repr(population))}."
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
