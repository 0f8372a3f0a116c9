"""Inpatient vs outpatient: availability and cost side by side, with assumptions users can
change and a what-if."""

from dataclasses import fields, replace

import streamlit as st

from dashboard import registry
from dashboard.analysis import costs, link, metrics, prices, whatif
from dashboard.render import charts, tables, text
from dashboard.ui import context, show, urlstate

ctx = context.page()
data, state = ctx.data, ctx.state
snap = data.snap
fac, bench = snap.facilities, snap.benchmarks
pop_vintage = snap.manifest.population_vintage
session = st.session_state

st.title("Inpatient vs outpatient")
area_selected = bool(state.spa or state.sd)
st.caption(
    f"Showing **{text.escape_markdown(state.describe())}** (care-setting filter replaced by each "
    "setting below). Outpatient capacity is counted in sites; inpatient capacity in "
    "licensed (not staffed) beds. Availability follows every sidebar filter, areas included; "
    "episode costs are per episode and the same anywhere in the county."
)
SOURCES = registry.cite("samhsa_directory", "dhcs_licensed", "cdph_beds", "geo", "costs")
if state.memo:
    show.memo_header(ctx.page_path, data)

# ------------------------------------------------------------------ availability
st.header("Availability by Service Planning Area" + (" in the selection" if area_selected else ""))
den = metrics.denominator(state)
cont = data.views.continuum(state)  # shared: read-only
band = prices.bed_band(bench)
beds_label = "Licensed acute psychiatric beds" + (
    "" if state.state_hospital else " (without the state forensic hospital)"
)
beds_note = "Licensed (not staffed); the state forensic hospital " + (
    "counted" if state.state_hospital else "left out"
)
fig_sites, fig_beds = charts.availability_figures(cont, band, den.label, beds_note, state.miles)
# Side by side on a screen, one above the other on a phone and in the memo (each page-wide).
left, right = (st.container(), st.container()) if state.memo else st.columns(2)
with left:
    show.chart(fig_sites, state.memo, "la-mh-sites-by-setting")
with right:
    show.chart(fig_beds, state.memo, "la-mh-beds")
county = cont.iloc[-1]
st.caption(
    f"Left: matching sites per 100k {den.label} ({registry.cite('geo')}), by setting — "
    "outpatient, then the middle of the continuum (partial hospitalization / day treatment, "
    f"residential). Sources: {registry.cite('samhsa_directory', 'dhcs_licensed')}. Right: "
    f"licensed acute psychiatric beds per 100k residents ({registry.cite('cdph_beds')}). "
    f"County: {text.fmt_rate(county['beds_per_100k'])} per 100k ({int(county['beds']):,} beds; "
    + (
        "the state forensic hospital, DSH-Metropolitan, included"
        if state.state_hospital
        else f"the state forensic hospital's {data.state_hospital_beds:,} beds left out"
    )
    + ")."
    + (f" Shaded: {band.label}." if band else "")
)
beds_all = metrics.beds_in(fac, exclude_state=not state.state_hospital)
unplaced = int(beds_all[fac["lat"].isna().to_numpy()].sum())
st.caption(
    f"Diamonds: beds within {state.miles} mi (2SFCA, the sidebar's distance): each hospital's "
    f"beds are shared among all residents within {state.miles} miles of it (straight line), "
    "each tract adds up its shares, and an area shows its residents' mean. Bars count the beds "
    "inside an area's lines; diamonds the beds its residents can reach, across the lines. "
    f"County: {text.fmt_rate(county['beds_reach_per_100k'])} per 100k within reach"
    + (f" ({unplaced:,} beds at a hospital with no location left out)" if unplaced else "")
    + ". The shorter the distance, the closer the two; at 15–20 mi areas share most hospitals. "
    "The table also gives the distance-decay form (E2SFCA: beds in the nearer third of the "
    "distance count in full, then 0.68 and 0.22). "
    f"Sources: {registry.cite('cdph_beds', 'geo')}."
)
counted = cont.set_index("name").loc["Selected area"] if area_selected else county
if not state.include_unknown:
    show.unknown_note(int(counted["outpatient_unknown"]), state, state.where(), "outpatient sites")
if den.note:
    st.caption(f"Denominator note: {den.note}.")
cont_view = tables.continuum_view(cont, den.label, pop_vintage[:4], beds_label, state.miles)
with st.container() if state.memo else st.expander("Table behind the charts", expanded=False):
    show.table(cont_view, state.memo)
notes = show.download_notes(f"Availability by SPA for: {state.describe()}", SOURCES, ctx.page_path, data)
show.download("Download availability table", cont_view, notes, "compare-availability", data)

# ------------------------------------------------------------------ unit prices
st.header("Unit prices and their sources")
st.caption(
    "Straight from the benchmark file, each with payer, year, geography, source and "
    "reliability grade. **These are Medicare amounts, not what LA County pays**: LA "
    "County Medi-Cal rates were not found and are listed as missing."
)
PRICE_COLUMNS = {
    "item": "Item",
    "price": "Price (USD)",
    "unit": "Unit",
    "payer": "Payer",
    "year": "Year",
    "geography": "Geography",
    "grade": "Reliability grade",
    "status": "Status",
    "benchmark_id": "Benchmark id",
    "source_publisher": "Source",
    "source_url": "Source link",
    "note": "Note",
}
price_table = prices.unit_prices(bench)[list(PRICE_COLUMNS)].rename(columns=PRICE_COLUMNS)
if state.memo:  # every row, the columns a page holds; sources and notes in the download
    brief = price_table[
        [c for c in price_table.columns if c not in ("Source", "Source link", "Note", "Status")]
    ]
    show.table(brief, True, "prices", rows=len(brief))
    st.caption("Each price's source, link and note: the download below and the Data & methods page.")
else:
    st.dataframe(
        price_table,
        hide_index=True,
        width="stretch",
        column_config={
            "Price (USD)": st.column_config.NumberColumn("Price (USD)", format="$%.2f"),
            "Source link": st.column_config.LinkColumn("Source link"),
        },
    )
show.download(
    "Download unit prices",
    price_table,
    [
        "Unit prices from the cost benchmark file; each row names its source",
        f"Sources: {registry.cite('costs')}",
    ],
    "compare-unit-prices",
    data,
)

# ------------------------------------------------------------------ assumptions
INPUT_KEYS = {name: f"c_{key}" for key, (_part, name) in link.COST_PARAMS.items()}
K_RATES, K_AREA = "c_rates", "c_wspa"


def _fill(a: costs.Assumptions, names=None) -> None:
    for part in ("inpatient", "outpatient", "scenario"):
        for f in fields(getattr(a, part)):
            if f.name in INPUT_KEYS and (names is None or f.name in names):
                value = getattr(getattr(a, part), f.name)
                session[INPUT_KEYS[f.name]] = int(value) if costs.LIMITS[f.name].whole else float(value)


if urlstate.page_needs_seeding():  # a link opened, or Back/Forward: the inputs take the link's values
    seeded, cost_notices = link.decode_costs(urlstate.page_link_params(ctx.page_path), bench)
    session[K_RATES] = seeded.rates
    session[K_AREA] = seeded.scenario.area
    _fill(seeded)
    if cost_notices:
        urlstate.notice_box("Some cost settings in the link could not be used:", cost_notices)


# The what-if SPA follows the sidebar when it selects one SPA (unless the user chose another).
K_FOLLOWS = "_c_wspa_follows"
single_spa = state.spa[0] if len(state.spa) == 1 else None
if single_spa is not None and session.get(K_FOLLOWS) != single_spa:
    if session.get(K_AREA) in (None, session.get(K_FOLLOWS)):
        session[K_AREA] = single_spa
    session[K_FOLLOWS] = single_spa


def _rates_changed() -> None:
    """New rate basis: prices go back to that basis's sourced defaults."""
    prices_only = [n for n in INPUT_KEYS if n.endswith("price") or n == "per_diem"]
    _fill(context.cost_defaults(data, session[K_RATES]), prices_only)


defaults = context.cost_defaults(data, session.get(K_RATES, costs.NATIONAL))
basis = defaults.basis


def _value(name):
    return session.get(INPUT_KEYS[name])


def number(name: str) -> None:
    """The input for one assumption, its default's source below it (not in the memo layout:
    there the assumptions table lists it, and its value is kept while it is not drawn)."""
    if state.memo:
        return
    label, unit, low, high, whole = costs.LIMITS[name]
    bs = basis.get(name)
    help_text = f"Default {bs.value:g} — {bs.label}. {bs.note}" if bs else None
    st.number_input(
        f"{label} ({unit})" if unit else label,
        min_value=int(low) if whole else float(low),
        max_value=int(high) if whole else float(high),
        step=1 if whole else (0.05 if name == "adjustment" else 1.0),
        format="%d" if whole else "%g",  # 10, 7.9, 892.87: no padding zeros
        key=INPUT_KEYS[name],
        help=help_text,
        persist_state="session",
    )
    if bs is not None:
        st.caption(("Source: " if bs.sourced else "") + bs.label)


st.header("Cost of an episode of care")
rates = session.get(K_RATES, costs.NATIONAL)
if state.memo:  # the inputs as one table (their values are kept while they are not drawn)
    st.markdown(f"**Assumptions** ({costs.RATES[rates]}; set them in the screen layout)")
    inputs = tables.assumptions_view({name: _value(name) for name in INPUT_KEYS}, basis, session.get(K_AREA))
    show.table(inputs, True, "inputs", rows=len(inputs))
else:
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

rates_text = costs.RATES[rates]
m1, m2, m3 = st.columns(3)
m1.metric("Inpatient episode", f"${ip.total:,.2f}", help=" ".join(ip.caveats))
m2.metric("Outpatient episode", f"${op.total:,.2f}", help=" ".join(op.caveats))
ratio = ip.total / op.total if op.total else float("nan")
m3.metric("Inpatient ÷ outpatient", text.fmt_rate(ratio, 1) + "×" if op.total else "–")
st.caption(
    f"USD per episode, {rates_text}. The source and year of every price and count is "
    + ("in the assumptions table above" if state.memo else "under its input above")
    + " and in the table below."
)
st.markdown("**The arithmetic**")
st.text("\n".join([*costs.arithmetic(ip), "", *costs.arithmetic(op)]))
frame = costs.episode_frame(ip, op)
show.chart(charts.episode_figure(frame), state.memo, "la-mh-episode-costs")
st.caption(
    "Each bar is one episode; each segment one line of the arithmetic above (the same "
    "numbers as the table below)."
)
for c in ip.caveats + op.caveats:
    st.caption(f"⚠ {c}")
lines = frame.rename(
    columns={
        "setting": "Episode",
        "label": "Line",
        "quantity": "Quantity",
        "quantity_unit": "Quantity unit",
        "unit_price": "Unit price (USD)",
        "price_unit": "Price unit",
        "multiplier": "Multiplier",
        "subtotal": "Subtotal (USD)",
        "quantity_source": "Quantity source",
        "price_source": "Price source",
        "multiplier_source": "Multiplier source",
    }
)
with st.container() if state.memo else st.expander("Episode lines as a table"):
    show.table(lines, state.memo, "lines")
show.download(
    "Download episode arithmetic",
    lines,
    show.download_notes(
        f"Episode costs, {rates_text}; assumptions as set on the page (county-wide)",
        registry.cite("costs"),
        ctx.page_path,
        data,
    ),
    "compare-episode-costs",
    data,
)

# ------------------------------------------------------------------ what-if
st.header("What if …")
w1, w2 = st.columns(2)
with w1:
    st.subheader("… admissions were diverted to outpatient care")
    number("diverted_admissions")
    div = whatif.divert_admissions(_value("diverted_admissions"), ip.total, op.total)
    st.metric("Change in annual cost", text.fmt_usd(div.change))
    st.caption(
        ("A saving: " if div.change < 0 else "An extra cost: " if div.change > 0 else "")
        + f"{div.diverted:,} admissions a year: ${div.cost_before:,.0f} as inpatient stays "
        f"→ ${div.cost_after:,.0f} as outpatient episodes ({div.unit}, {rates_text}). "
        "Assumes every diverted admission becomes exactly one outpatient episode as "
        "priced above; intensive outpatient (IOP) has no sourced price here."
    )
with w2:
    st.subheader("… capacity were added in one SPA")
    st.caption("Whole-SPA figures (the sidebar's area filters do not narrow them); the other filters apply.")
    spa_names = snap.area_names("spa").to_dict()
    if not state.memo:
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
    area = session.get(K_AREA)
    if area is None:
        st.info("Choose an SPA to see how its per-resident figures would move.")
    else:
        whole = data.views.continuum(replace(state, spa=(), sd=()))
        row = whole[whole["area"] == area].iloc[0]
        try:
            sites = whatif.open_sites(
                row["outpatient_sites"], _value("added_sites"), row["population"], area=f"SPA {area}"
            )
            beds = whatif.add_beds(row["beds"], _value("added_beds"), row["residents"], area=f"SPA {area}")
        except costs.AssumptionError as exc:
            st.error(str(exc))
        else:
            st.metric(
                f"Outpatient sites per 100k {den.label}",
                text.fmt_rate(sites.after),
                delta=f"{sites.change:+.2f}",
                delta_color="off",
            )
            st.caption(
                f"{sites.current} → {sites.current + sites.added} matching outpatient sites "
                f"for {int(sites.population):,} {den.label} ({registry.cite('geo')})."
            )
            st.metric(
                "Licensed psych beds per 100k residents",
                text.fmt_rate(beds.after),
                delta=f"{beds.change:+.2f}",
                delta_color="off",
            )
            st.caption(
                f"{beds.current} → {beds.current + beds.added} licensed acute psychiatric "
                f"beds ({registry.cite('cdph_beds')}) for {int(beds.population):,} residents."
            )

# ------------------------------------------------------------------ link state
chosen = costs.Assumptions(
    rates,
    inp,
    outp,
    costs.Scenario(
        diverted_admissions=_value("diverted_admissions"),
        added_sites=_value("added_sites"),
        added_beds=_value("added_beds"),
        area=session.get(K_AREA),
    ),
)
urlstate.set_page_params(
    ctx.page_path, link.encode_costs(chosen, context.cost_defaults(data, costs.NATIONAL))
)
if state.memo:
    show.memo_footer(SOURCES)
