"""Unit prices, episode costs, what-ifs and link parameters (dashboard/costs.py).

Every expected number below can be checked by hand: the arithmetic is in the comment or the
test name.  A tiny hand-made benchmarks frame pins the id -> default mapping; one test reads
the real benchmark file.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from dashboard import config
from dashboard.analysis import costs as c
from dashboard.analysis import prices, whatif
from dashboard.ingest.sources import costs as source

# --- a tiny benchmarks frame with round numbers ------------------------------------------------

PFS = "Medicare PFS national payment, CPT {} (non-facility)"
PFS_LA = "Medicare PFS payment, CPT {}, Los Angeles locality (non-facility)"
ROWS = [
    # id, measure, value, unit, year, geography, grade, note
    (
        "IP-02",
        "Medicare IPF PPS federal per diem base rate, FY2025 (final)",
        "850",
        "USD per patient-day",
        "FY2025",
        "US",
        "B",
        "",
    ),
    (
        "IP-04",
        "Medicare IPF PPS federal per diem base rate, FY2026 (final)",
        "900",
        "USD per patient-day",
        "FY2026",
        "US",
        "B",
        "",
    ),
    (
        "IP-10",
        "Medicare IPF emergency-department adjustment factor",
        "1.54",
        "multiplier",
        "FY2026",
        "US",
        "B",
        "",
    ),
    ("OP-01", PFS.format("90791"), "200", "USD per service", "CY2025", "US", "A", ""),
    ("OP-04", PFS.format("90837"), "100", "USD per session", "CY2025", "US", "A", ""),
    ("OP-05", PFS.format("90847"), "110", "USD per session", "CY2025", "US", "A", ""),
    ("OP-06", PFS.format("90853"), "30", "USD per patient per session", "CY2025", "US", "A", ""),
    ("OP-07", PFS.format("99214"), "120", "USD per visit", "CY2025", "US", "A", ""),
    ("OP-09", PFS_LA.format("90791"), "220", "USD per service", "CY2025", "LA County", "A", ""),
    (
        "OP-10",
        PFS_LA.format("90837"),
        "110",
        "USD per session",
        "CY2025",
        "LA County",
        "A",
        "Other LA NF amounts computed the same way: 90832 $84.44; 90847 $121.00; 90853 $33.00",
    ),
    ("OP-11", PFS_LA.format("99214"), "130", "USD per visit", "CY2025", "LA County", "A", ""),
    (
        "OP-12",
        "Mean annual outpatient psychotherapy visits per psychotherapy patient",
        "8",
        "visits per patient per year",
        "2007 (MEPS)",
        "US",
        "A",
        "",
    ),
    (
        "OP-13",
        "Mean expenditure per outpatient psychotherapy visit",
        "94.59",
        "USD per visit (all payers)",
        "2007 (MEPS)",
        "US",
        "A",
        "",
    ),
    (
        "INT-03",
        "Adult crisis residential treatment, county Medi-Cal rate (historical)",
        "276.02",
        "USD per day",
        "FY2003-04",
        "California (San Mateo County)",
        "C",
        "",
    ),
    (
        "CAP-03",
        "Recommended minimum psychiatric beds per 100,000",
        "40-60",
        "beds per 100,000 population",
        "2008",
        "US",
        "B",
        "",
    ),
]


def bench(rows=ROWS) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["id", "measure", "value", "unit", "year", "geography", "grade", "note"])
    df["value_num"] = pd.to_numeric(df["value"], errors="coerce")
    df["source_publisher"] = "Publisher of " + df["id"]
    df["source_title"] = "Title of " + df["id"]
    df["source_url"] = "https://example.org/" + df["id"]
    df["care_setting"] = "outpatient"
    df["grade_text"] = df["grade"].map(source.GRADE_TEXT)  # as the reader adds it
    return df


def without(bid: str) -> list:
    return [r for r in ROWS if r[0] != bid]


def with_note(bid: str, note: str) -> list:
    return [(*r[:7], note) if r[0] == bid else r for r in ROWS]


OUT = c.OutpatientAssumptions(
    evaluations=1,
    evaluation_price=200,
    individual_sessions=10,
    individual_price=100,
    group_sessions=5,
    group_price=30,
    family_sessions=2,
    family_price=110,
    medication_visits=4,
    medication_price=120,
)
ZERO_OUT = c.OutpatientAssumptions(0, 200, 0, 100, 0, 30, 0, 110, 0, 120)


def reconstructed(ep: c.EpisodeCost) -> float:
    return sum(x.quantity * x.unit_price * x.multiplier for x in ep.lines)


# --- inpatient episode -------------------------------------------------------------------------


def test_inpatient_episode_is_days_times_per_diem_times_adjustment():
    ep = c.inpatient_episode(c.InpatientAssumptions(10, 876.53, 1.0))
    assert ep.total == pytest.approx(8765.30)  # 10 x 876.53 x 1.0
    assert ep.unit == "USD per episode"
    assert len(ep.lines) == 1 and ep.lines[0].subtotal == pytest.approx(8765.30)
    assert reconstructed(ep) == pytest.approx(ep.total)


def test_inpatient_adjustment_multiplies():
    ep = c.inpatient_episode(c.InpatientAssumptions(10, 876.53, 1.54))
    assert ep.total == pytest.approx(13498.562)  # 8765.30 x 1.54


@pytest.mark.parametrize(
    "a",
    [
        c.InpatientAssumptions(0, 900, 1.0),
        c.InpatientAssumptions(10, 0, 1.0),
        c.InpatientAssumptions(10, 900, 0),
    ],
)
def test_inpatient_zero_is_valid_and_costs_zero(a):
    assert c.inpatient_episode(a).total == 0


def test_inpatient_boundaries():
    assert c.inpatient_episode(c.InpatientAssumptions(365, 1, 1)).total == 365
    with pytest.raises(
        c.AssumptionError,
        match=r"Length of stay must be between 0 and 365 days; "
        r"got 365\.5",
    ):
        c.inpatient_episode(c.InpatientAssumptions(365.5, 1, 1))


@pytest.mark.parametrize(
    "a, name, text",
    [
        (
            c.InpatientAssumptions(-3, 900, 1),
            "length_of_stay_days",
            "Length of stay must be between 0 and 365 days; got -3.",
        ),
        (
            c.InpatientAssumptions(float("nan"), 900, 1),
            "length_of_stay_days",
            "Length of stay is blank (not a number); enter a number.",
        ),
        (c.InpatientAssumptions(float("inf"), 900, 1), "length_of_stay_days", "Length of stay"),
        (
            c.InpatientAssumptions("10", 900, 1),
            "length_of_stay_days",
            "Length of stay must be a number; got '10'.",
        ),
        (c.InpatientAssumptions(None, 900, 1), "length_of_stay_days", "must be a number"),
        (c.InpatientAssumptions(True, 900, 1), "length_of_stay_days", "must be a number"),
        (c.InpatientAssumptions(10, -1, 1), "per_diem", "Inpatient per diem must be between 0"),
        (
            c.InpatientAssumptions(10, 1e9, 1),
            "per_diem",
            "Inpatient per diem must be between 0 and 50,000 USD per day",
        ),
        (c.InpatientAssumptions(10, 900, 11), "adjustment", "Per diem adjustment"),
    ],
)
def test_inpatient_invalid_inputs_name_the_input(a, name, text):
    with pytest.raises(c.AssumptionError) as err:
        c.inpatient_episode(a)
    assert isinstance(err.value, ValueError)
    assert err.value.name == name
    assert text in str(err.value)


def test_numpy_numbers_are_accepted():
    np = pytest.importorskip("numpy")
    ep = c.inpatient_episode(c.InpatientAssumptions(np.int64(2), np.float32(100), np.float64(1)))
    assert ep.total == 200


# --- outpatient episode ------------------------------------------------------------------------


def test_outpatient_episode_sums_the_mix():
    ep = c.outpatient_episode(OUT)
    # 1x200 + 10x100 + 5x30 + 2x110 + 4x120 = 200 + 1000 + 150 + 220 + 480
    assert ep.total == pytest.approx(2050)
    assert [x.subtotal for x in ep.lines] == [200, 1000, 150, 220, 480]
    assert [x.label for x in ep.lines] == [
        "Diagnostic evaluation",
        "Individual therapy",
        "Group therapy",
        "Family therapy",
        "Medication management",
    ]
    assert reconstructed(ep) == pytest.approx(ep.total)
    assert all(x.multiplier == 1 for x in ep.lines)


def test_outpatient_fractional_mean_visits():
    ep = c.outpatient_episode(replace(ZERO_OUT, individual_sessions=7.9, individual_price=154.29))
    assert ep.total == pytest.approx(1218.891)  # 7.9 x 154.29


def test_outpatient_zero_counts_cost_zero_and_keep_their_lines():
    ep = c.outpatient_episode(ZERO_OUT)
    assert ep.total == 0 and len(ep.lines) == 5


@pytest.mark.parametrize(
    "change, text",
    [
        ({"group_price": -1}, "Group session price must be between 0 and 50,000"),
        ({"individual_sessions": 1001}, "Individual therapy sessions must be between 0 and 1,000"),
        ({"medication_visits": float("nan")}, "Medication management visits is blank"),
        ({"family_price": "a lot"}, "Family session price must be a number"),
    ],
)
def test_outpatient_invalid_inputs(change, text):
    with pytest.raises(ValueError, match=text):
        c.outpatient_episode(replace(OUT, **change))


def test_arithmetic_text_shows_every_step():
    ip = c.inpatient_episode(c.InpatientAssumptions(10, 876.53, 1.0))
    assert c.arithmetic(ip) == [
        "Inpatient days: 10 days × $876.53 × 1 = $8,765.30",
        "Total: $8,765.30 USD per episode",
    ]
    op = c.arithmetic(c.outpatient_episode(OUT))
    assert op[1] == "Individual therapy: 10 sessions × $100.00 = $1,000.00"
    assert op[-1] == "Total: $2,050.00 USD per episode"


def test_episode_frame_has_one_row_per_line():
    frame = c.episode_frame(
        c.inpatient_episode(c.InpatientAssumptions(10, 900, 1)), c.outpatient_episode(OUT)
    )
    assert len(frame) == 6
    assert frame.groupby("setting")["subtotal"].sum().to_dict() == {"inpatient": 9000, "outpatient": 2050}
    assert {"label", "quantity", "unit_price", "multiplier", "price_source"} <= set(frame.columns)


# --- defaults trace to benchmark ids -----------------------------------------------------------


def test_national_defaults_come_from_the_right_ids():
    d = prices.default_assumptions(bench(), "national")
    assert d.rates == "national"
    assert d.inpatient == c.InpatientAssumptions(10, 900, 1.0)
    assert d.outpatient == c.OutpatientAssumptions(1, 200, 8, 100, 0, 30, 0, 110, 4, 120)
    ids = {k: b.benchmark_id for k, b in d.basis.items()}
    assert ids["per_diem"] == "IP-04"  # most recent final rate, not IP-02
    assert (
        ids["evaluation_price"],
        ids["individual_price"],
        ids["group_price"],
        ids["family_price"],
        ids["medication_price"],
    ) == ("OP-01", "OP-04", "OP-06", "OP-05", "OP-07")
    assert ids["individual_sessions"] == "OP-12"
    assert d.basis["per_diem"].label == "IP-04: Medicare (IPF PPS), FY2026, US; grade B"
    # 10 x 900 x 1 = 9000; 1x200 + 8x100 + 4x120 = 1480
    assert c.inpatient_episode(d.inpatient).total == 9000
    assert c.outpatient_episode(d.outpatient).total == 1480


def test_unsourced_defaults_say_so_and_why():
    d = prices.default_assumptions(bench())
    for name in (
        "length_of_stay_days",
        "adjustment",
        "evaluations",
        "medication_visits",
        "group_sessions",
        "family_sessions",
        "diverted_admissions",
        "added_sites",
    ):
        b = d.basis[name]
        assert not b.sourced and b.benchmark_id is None, name
        assert "not sourced" in b.label and b.note, name
    assert "HCUP" in d.basis["length_of_stay_days"].note
    assert all(b.sourced for k, b in d.basis.items() if k.endswith("price") or k == "per_diem")


def test_la_locality_defaults_use_la_rows_and_the_note_amounts():
    d = prices.default_assumptions(bench(), "la_locality")
    o = d.outpatient
    assert (o.evaluation_price, o.individual_price, o.medication_price) == (220, 110, 130)
    assert (o.group_price, o.family_price) == (33.0, 121.0)  # quoted in OP-10's note
    assert d.basis["group_price"].benchmark_id == "OP-10"
    assert "90853" in d.basis["group_price"].label
    assert d.basis["evaluation_price"].benchmark_id == "OP-09"
    # No LA inpatient figure exists: still the national IP-04, and the note says why.
    assert d.inpatient.per_diem == 900 and d.basis["per_diem"].benchmark_id == "IP-04"
    assert "wage index" in d.basis["per_diem"].note
    # 220 + 8x110 + 4x130 = 220 + 880 + 520
    assert c.outpatient_episode(o).total == 1620


def test_la_locality_falls_back_to_national_when_the_note_lacks_an_amount():
    d = prices.default_assumptions(bench(with_note("OP-10", "no amounts here")), "la_locality")
    assert d.outpatient.group_price == 30 and d.basis["group_price"].benchmark_id == "OP-06"
    assert "No LA-locality amount for CPT 90853" in d.basis["group_price"].note


def test_missing_benchmark_is_named():
    with pytest.raises(c.BenchmarkMissing, match="IP-04 is missing"):
        prices.default_assumptions(bench(without("IP-04")))
    rows = [(*r[:2], "40-60", *r[3:]) if r[0] == "OP-01" else r for r in ROWS]
    with pytest.raises(c.BenchmarkMissing, match="OP-01 has no single number"):
        prices.default_assumptions(bench(rows))


def test_unknown_rate_choice():
    with pytest.raises(ValueError, match="national, la_locality"):
        prices.default_assumptions(bench(), "medi-cal")


def test_lines_carry_their_sources_and_mark_user_values():
    d = prices.default_assumptions(bench())
    line = c.inpatient_episode(d.inpatient, d.basis).lines[0]
    assert line.price_source.startswith("IP-04: Medicare (IPF PPS)")
    assert "not sourced" in line.quantity_source
    changed = c.inpatient_episode(replace(d.inpatient, per_diem=1000), d.basis).lines[0]
    assert changed.price_source.startswith("Your value (default 900: IP-04")
    assert c.outpatient_episode(d.outpatient, d.basis).lines[1].quantity_source.startswith("OP-12")
    assert c.inpatient_episode(d.inpatient).lines[0].price_source == ""  # no basis given


# --- unit prices table -------------------------------------------------------------------------


def test_unit_prices_lists_only_prices_with_payer_and_source():
    up = prices.unit_prices(bench())
    got = up.loc[up["status"] != "missing", "benchmark_id"].tolist()
    # table order; OP-10 is followed by the amounts its note quotes; non-prices are left out
    assert got == [
        "IP-04",
        "IP-02",
        "OP-01",
        "OP-09",
        "OP-04",
        "OP-10",
        "OP-10",
        "OP-10",
        "OP-10",
        "OP-05",
        "OP-06",
        "OP-07",
        "OP-11",
        "OP-13",
        "INT-03",
    ]
    assert not {"OP-12", "IP-10", "CAP-03"} & set(got)
    row = up.iloc[0]
    assert (row["price"], row["unit"], row["payer"], row["year"], row["grade"]) == (
        900,
        "USD per patient-day",
        "Medicare (IPF PPS)",
        "FY2026",
        "B",
    )
    assert row["source_url"] == "https://example.org/IP-04"
    assert row["grade_text"].startswith("B: reputable secondary")
    quoted = up[up["status"] == "sourced (quoted in note)"]
    assert dict(zip(quoted["item"].str.extract(r"CPT (\d+)")[0], quoted["price"], strict=True)) == {
        "90832": 84.44,
        "90847": 121.0,
        "90853": 33.0,
    }
    payers = dict(zip(up["benchmark_id"], up["payer"], strict=True))
    assert payers["OP-01"] == "Medicare PFS, national"
    assert payers["OP-09"] == "Medicare PFS, locality 18 (Los Angeles + Orange counties)"
    assert payers["OP-13"] == "All payers (MEPS survey mean)"
    assert payers["INT-03"] == "Medi-Cal (San Mateo County, historical)"


def test_unit_prices_names_the_missing_figures_without_filling_them():
    missing = prices.unit_prices(bench()).query("status == 'missing'")
    assert len(missing) == len(prices.MISSING_PRICES)
    assert missing["price"].isna().all()
    assert missing["note"].str.contains("Not found").all()
    text = " ".join(missing["item"])
    for needle in ("CalAIM", "LA DMH Medi-Cal per diem", "5851-5854", "crisis-residential"):
        assert needle in text


def test_unit_prices_skips_absent_rows():
    assert prices.unit_prices(bench(without("OP-10")))["benchmark_id"].eq("OP-10").sum() == 0


# --- what-ifs ----------------------------------------------------------------------------------


def test_divert_admissions():
    d = whatif.divert_admissions(100, 9000, 1500)
    assert (d.cost_before, d.cost_after, d.change) == (900_000, 150_000, -750_000)
    assert d.unit == "USD per year"


def test_divert_zero_and_equal_costs():
    assert whatif.divert_admissions(0, 9000, 1500).change == 0
    assert whatif.divert_admissions(50, 1000, 1000).change == 0


@pytest.mark.parametrize(
    "args, text",
    [
        ((-1, 9000, 1500), "Admissions diverted must be between 0 and 1,000,000"),
        ((2.5, 9000, 1500), "Admissions diverted must be a whole number; got 2.5."),
        ((10, -5, 1500), "Inpatient episode cost must be between 0"),
        ((10, 9000, float("nan")), "Outpatient episode cost is blank"),
    ],
)
def test_divert_invalid(args, text):
    with pytest.raises(c.AssumptionError, match=text):
        whatif.divert_admissions(*args)


def test_open_sites_per_100k():
    r = whatif.open_sites(10, 2, 200_000, area="SPA 4")
    # 10 / 200,000 x 100,000 = 5.0; 12 / 200,000 x 100,000 = 6.0
    assert (r.before, r.after, r.change) == (5.0, 6.0, 1.0)
    assert r.unit == "sites per 100,000 residents"
    assert whatif.open_sites(10, 0, 200_000).change == 0
    assert whatif.open_sites(0, 0, 1).after == 0


def test_add_beds_per_100k():
    r = whatif.add_beds(40, 10, 100_000)
    assert (r.before, r.after, r.unit) == (40.0, 50.0, "beds per 100,000 residents")


@pytest.mark.parametrize(
    "pop, text",
    [
        (0, "SPA 4 has no residents in the chosen population (0)"),
        (None, "SPA 4 has no population figure"),
        (float("nan"), "SPA 4 has no population figure"),
        (pd.NA, "SPA 4 has no population figure"),
        (-5, "The population of SPA 4 must be a positive number; got -5."),
        ("many", "The population of SPA 4 must be a number"),
    ],
)
def test_empty_or_bad_area_gets_a_clear_message(pop, text):
    with pytest.raises(c.AssumptionError, match=re.escape(text)):
        whatif.open_sites(10, 1, pop, area="SPA 4")


def test_bad_counts_in_per_capita():
    with pytest.raises(c.AssumptionError, match="Current sites in SPA 4 must be between 0"):
        whatif.open_sites(-1, 1, 100, area="SPA 4")
    with pytest.raises(c.AssumptionError, match="Outpatient sites opened must be a whole number"):
        whatif.open_sites(1, 0.5, 100)
    with pytest.raises(c.AssumptionError, match="Psychiatric beds added must be between 0"):
        whatif.add_beds(1, -2, 100)


# --- the real benchmark file -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    raw = Path(config.raw_dir())
    if not (raw / "costs" / "benchmarks.csv").exists():
        pytest.skip(f"no benchmarks.csv under {raw}")
    return source.read(raw)


def test_real_defaults(real):
    d = prices.default_assumptions(real, "national")
    assert d.inpatient.per_diem == 892.87 and d.basis["per_diem"].benchmark_id == "IP-04"
    assert "FY2026" in d.basis["per_diem"].label
    ip, op = c.inpatient_episode(d.inpatient), c.outpatient_episode(d.outpatient)
    assert ip.total == pytest.approx(8928.70)  # 10 x 892.87 x 1.0
    # 1 x 166.91 + 7.9 x 154.29 + 0 x 28.14 + 0 x 102.86 + 4 x 125.18
    assert op.total == pytest.approx(166.91 + 1218.891 + 500.72)
    la = prices.default_assumptions(real, "la_locality").outpatient
    assert (
        la.evaluation_price,
        la.individual_price,
        la.group_price,
        la.family_price,
        la.medication_price,
    ) == (178.78, 165.07, 30.08, 108.37, 137.58)
    # 178.78 + 7.9 x 165.07 + 4 x 137.58
    assert c.outpatient_episode(la).total == pytest.approx(2033.153)


def test_real_unit_prices(real):
    up = prices.unit_prices(real)
    sourced = up[up["status"] != "missing"]
    assert set(sourced["benchmark_id"]) == set(prices.PRICE_ITEMS)
    for col in ("price", "unit", "payer", "year", "geography", "grade", "source_url"):
        assert sourced[col].notna().all(), col
    assert (sourced["price"] > 0).all()
    assert not sourced["payer"].eq("Payer not stated").any()
    ip = sourced[sourced["benchmark_id"].str.startswith("IP-")]
    assert ip["payer"].eq("Medicare (IPF PPS)").all()


def test_module_does_not_import_streamlit():
    text = Path(c.__file__).read_text()
    assert "import streamlit" not in text and "from streamlit" not in text
    assert not math.isnan(c.MAX_PRICE)
