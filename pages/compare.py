"""Inpatient vs outpatient: availability and cost side by side, with assumptions users can
change and a what-if."""

from dataclasses import fields

import streamlit as st

from dashboard import registry, ui
from dashboard.analysis import costs, metrics
from dashboard.render import charts

ctx = ui.page_context()
data, state = ctx.data, ctx.state
b = data.bundle
fac, tracts, areas, bench = b.facilities, b.tracts, b.areas, b.benchmarks
pop_vintage = b.manifest["population_vintage"]
ss = st.session_state

st.title("Inpatient vs outpatient")
st.caption(
    f"Showing **{ui.text(state.describe())}** (care-setting filter replaced by each "
    "setting below). Outpatient capacity is counted in sites; inpatient capacity in "
    "licensed (not staffed) beds."
)

# ------------------------------------------------------------------ availability
st.header("Availability by Service Planning Area")
den = metrics.denominator(state)
cont = metrics.continuum_table(fac, data.idx, tracts, areas, state)
band = costs.bed_band(bench)
st.plotly_chart(
    charts.availability_figure(cont, band, den.label), width="stretch", config={"displaylogo": False}
)
county = cont.iloc[-1]
st.caption(
    f"Left: matching sites per 100k {den.label} ({registry.cite('geo')}), by setting — "
    "outpatient, then the middle of the continuum (partial hospitalization / day treatment, "
    f"residential). Sources: {registry.cite('samhsa_directory', 'dhcs_licensed')}; sites "
    "whose setting is unknown (locations-only sources) count only when 'Include sites whose "
    "attributes are unknown' is on. Right: "
    f"licensed acute psychiatric beds per 100k residents ({registry.cite('cdph_beds')}), with "
    "and without the "
    f"state forensic hospital (DSH-Metropolitan, Norwalk, SPA 7). County: "
    f"{ui.fmt_rate(county['beds_per_100k'])} per 100k ({int(county['beds']):,} beds), "
    f"{ui.fmt_rate(county['beds_excl_state_per_100k'])} without DSH-Metropolitan "
    f"({int(county['beds_excl_state']):,} beds)." + (f" Shaded: {band.label}." if band else "")
)
if den.note:
    st.caption(f"Denominator note: {den.note}.")
cont_view = cont.rename(
    columns={
        "name": "Area",
        "outpatient_sites": "Outpatient sites",
        "day_sites": "Day treatment sites",
        "residential_sites": "Residential sites",
        "population": f"{den.label} ({pop_vintage[:4]})",
        "residents": f"All residents ({pop_vintage[:4]})",
        "beds": "Licensed acute psych beds",
        "beds_excl_state": "Beds excl. DSH-Metropolitan",
        "outpatient_per_100k": "Outpatient per 100k",
        "day_per_100k": "Day treatment per 100k",
        "residential_per_100k": "Residential per 100k",
        "beds_per_100k": "Beds per 100k",
        "beds_excl_state_per_100k": "Beds per 100k excl. DSH",
    }
).drop(columns=["area"])
with st.expander("Table behind the chart", expanded=False):
    st.dataframe(
        cont_view,
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="%.1f") for c in cont_view.columns if "per 100k" in c
        },
    )
header = [
    f"Availability by SPA for: {state.describe()}",
    f"Sources: {registry.cite('samhsa_directory', 'dhcs_licensed', 'cdph_beds', 'geo')}",
    f"View: {ui.share_link(state)}",
]
st.download_button(
    "Download availability table (CSV)",
    lambda: ui.csv_bytes(cont_view, header),
    file_name="la-mh-availability-by-spa.csv",
    mime="text/csv",
    key="dl_avail",
    on_click="ignore",
)

# ------------------------------------------------------------------ unit prices
st.header("Unit prices and their sources")
st.caption(
    "Straight from the benchmark file, each with payer, year, geography, source and "
    "reliability grade. **These are Medicare amounts, not what LA County pays**: LA "
    "County Medi-Cal rates were not found and are listed as missing."
)
prices = costs.unit_prices(bench)
st.dataframe(
    prices[
        [
            "item",
            "price",
            "unit",
            "payer",
            "year",
            "geography",
            "grade",
            "status",
            "benchmark_id",
            "source_publisher",
            "source_url",
            "note",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "price": st.column_config.NumberColumn("price", format="$%.2f"),
        "source_url": st.column_config.LinkColumn("source"),
    },
)
st.download_button(
    "Download unit prices (CSV)",
    lambda: ui.csv_bytes(prices, ["Unit prices: costs/benchmarks.csv (see the source column of each row)"]),
    file_name="la-mh-unit-prices.csv",
    mime="text/csv",
    key="dl_prices",
    on_click="ignore",
)

# ------------------------------------------------------------------ assumptions
INPUT_KEYS = {name: f"c_{key}" for key, (_part, name) in costs.PARAMS.items()}
K_RATES, K_AREA = "c_rates", "c_wspa"


def _fill(a: costs.Assumptions, names=None) -> None:
    for part in ("inpatient", "outpatient", "scenario"):
        for f in fields(getattr(a, part)):
            if f.name in INPUT_KEYS and (names is None or f.name in names):
                value = getattr(getattr(a, part), f.name)
                ss[INPUT_KEYS[f.name]] = int(value) if costs.LIMITS[f.name][4] else float(value)


if not ss.get("_cost_seeded"):
    ss["_cost_seeded"] = True
    seeded, cost_notices = costs.assumptions_from_params(ui.link_params(), bench)
    ss[K_RATES] = seeded.rates
    ss[K_AREA] = seeded.scenario.area
    _fill(seeded)
    if cost_notices:
        ui.notice_box("Some cost settings in the link could not be used:", cost_notices)


def _rates_changed() -> None:
    """New rate basis: prices go back to that basis's sourced defaults."""
    prices_only = [n for n in INPUT_KEYS if n.endswith("price") or n == "per_diem"]
    _fill(costs.default_assumptions(bench, ss[K_RATES]), prices_only)


defaults = costs.default_assumptions(bench, ss.get(K_RATES, costs.NATIONAL))
basis = defaults.basis


def number(name: str) -> None:
    label, unit, low, high, whole = costs.LIMITS[name]
    bs = basis.get(name)
    help_text = f"Default {bs.value:g} — {bs.label}. {bs.note}" if bs else None
    st.number_input(
        f"{label} ({unit})",
        min_value=int(low) if whole else float(low),
        max_value=int(high) if whole else float(high),
        step=1 if whole else (0.05 if name == "adjustment" else 1.0),
        format=None if whole else "%.2f",
        key=INPUT_KEYS[name],
        help=help_text,
        persist_state="session",
    )
    if bs is not None:
        st.caption(("Source: " if bs.sourced else "") + bs.label)


st.header("Cost of an episode of care")
st.radio(
    "Price basis",
    options=list(costs.RATES),
    format_func=costs.RATES.get,
    key=K_RATES,
    horizontal=True,
    on_change=_rates_changed,
    persist_state="session",
)
st.caption(
    "Every input below is an assumption you can change; defaults come from the sourced "
    "figures where one exists, and say so where none does."
)
col_in, col_out = st.columns(2)
with col_in:
    st.subheader("Inpatient stay")
    for name in ("length_of_stay_days", "per_diem", "adjustment"):
        number(name)
with col_out:
    st.subheader("Outpatient episode")
    for name in (
        "evaluations",
        "evaluation_price",
        "individual_sessions",
        "individual_price",
        "group_sessions",
        "group_price",
        "family_sessions",
        "family_price",
        "medication_visits",
        "medication_price",
    ):
        number(name)


def _value(name):
    return ss.get(INPUT_KEYS[name])


try:
    inp = costs.InpatientAssumptions(**{f.name: _value(f.name) for f in fields(costs.InpatientAssumptions)})
    outp = costs.OutpatientAssumptions(
        **{f.name: _value(f.name) for f in fields(costs.OutpatientAssumptions)}
    )
    ip = costs.inpatient_episode(inp, basis)
    op = costs.outpatient_episode(outp, basis)
except (costs.AssumptionError, TypeError) as exc:
    st.error(f"Cannot compute the episode costs: {exc}")
    st.stop()

rates_text = costs.RATES[ss[K_RATES]]
m1, m2, m3 = st.columns(3)
m1.metric("Inpatient episode", f"${ip.total:,.2f}", help=" ".join(ip.caveats))
m2.metric("Outpatient episode", f"${op.total:,.2f}", help=" ".join(op.caveats))
ratio = ip.total / op.total if op.total else float("nan")
m3.metric("Inpatient ÷ outpatient", ui.fmt_rate(ratio, 1) + "×" if op.total else "–")
st.caption(
    f"USD per episode, {rates_text}. The source and year of every price and count is "
    "under its input above and in the table below."
)
st.markdown("**The arithmetic**")
st.code("\n".join([*costs.arithmetic(ip), "", *costs.arithmetic(op)]), language=None)
frame = costs.episode_frame(ip, op)
st.plotly_chart(charts.episode_figure(frame), width="stretch", config={"displaylogo": False})
st.caption(
    "Each bar is one episode; each segment one line of the arithmetic above (the same "
    "numbers as the table below)."
)
for c in ip.caveats + op.caveats:
    st.caption(f"⚠ {c}")
with st.expander("Episode lines as a table"):
    st.dataframe(frame, hide_index=True, width="stretch")
st.download_button(
    "Download episode arithmetic (CSV)",
    lambda: ui.csv_bytes(
        frame,
        [f"Episode costs, {rates_text}; assumptions as set on the page", f"View: {ui.share_link(state)}"],
    ),
    file_name="la-mh-episode-costs.csv",
    mime="text/csv",
    key="dl_episode",
    on_click="ignore",
)

# ------------------------------------------------------------------ what-if
st.header("What if …")
w1, w2 = st.columns(2)
with w1:
    st.subheader("… admissions were diverted to outpatient care")
    number("diverted_admissions")
    div = costs.divert_admissions(_value("diverted_admissions"), ip.total, op.total)
    st.metric(
        "Change in annual cost",
        ui.fmt_usd(div.change),
        help="Negative means a saving. Both episode costs as set above.",
    )
    st.caption(
        f"{div.diverted:,} admissions a year: ${div.cost_before:,.0f} as inpatient stays "
        f"→ ${div.cost_after:,.0f} as outpatient episodes ({div.unit}, {rates_text}). "
        "Assumes every diverted admission becomes exactly one outpatient episode as "
        "priced above; intensive outpatient (IOP) has no sourced price here."
    )
with w2:
    st.subheader("… capacity were added in one SPA")
    spa_names = areas[areas["level"] == "spa"].set_index("area")["name"].to_dict()
    st.selectbox(
        "SPA",
        options=list(spa_names),
        key=K_AREA,
        index=None,
        format_func=lambda a: f"SPA {a} · {spa_names[a]}",
        placeholder="Choose an SPA",
        persist_state="session",
    )
    number("added_sites")
    number("added_beds")
    area = ss.get(K_AREA)
    if area is None:
        st.info("Choose an SPA to see how its per-resident figures would move.")
    else:
        row = cont[cont["area"] == area].iloc[0]
        try:
            sites = costs.open_sites(
                row["outpatient_sites"], _value("added_sites"), row["population"], area=f"SPA {area}"
            )
            beds = costs.add_beds(row["beds"], _value("added_beds"), row["residents"], area=f"SPA {area}")
        except costs.AssumptionError as exc:
            st.error(str(exc))
        else:
            st.metric(
                f"Outpatient sites per 100k {den.label}",
                ui.fmt_rate(sites.after),
                delta=f"{sites.change:+.2f}",
                delta_color="off",
            )
            st.caption(
                f"{sites.current} → {sites.current + sites.added} matching outpatient sites "
                f"for {int(sites.population):,} {den.label} ({registry.cite('geo')})."
            )
            st.metric(
                "Licensed psych beds per 100k residents",
                ui.fmt_rate(beds.after),
                delta=f"{beds.change:+.2f}",
                delta_color="off",
            )
            st.caption(
                f"{beds.current} → {beds.current + beds.added} licensed acute psychiatric "
                f"beds ({registry.cite('cdph_beds')}) for {int(beds.population):,} residents."
            )

# ------------------------------------------------------------------ link state
chosen = costs.Assumptions(
    ss[K_RATES],
    inp,
    outp,
    costs.Scenario(
        diverted_admissions=_value("diverted_admissions"),
        added_sites=_value("added_sites"),
        added_beds=_value("added_beds"),
        area=ss.get(K_AREA),
    ),
)
params = costs.assumptions_to_params(chosen)
ui.set_page_params(
    params if params != costs.assumptions_to_params(costs.default_assumptions(bench, costs.NATIONAL)) else {}
)
