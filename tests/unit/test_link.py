"""The link scheme (dashboard.analysis.link): the shared view state and the cost page's
assumptions, to and from query parameters; decoding never raises."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import taxonomy
from dashboard.analysis import costs as c
from dashboard.analysis import filters, link, prices
from dashboard.analysis.filters import FilterState
from dashboard.analysis.link import decode, encode
from tests.unit.test_costs import bench


@pytest.mark.parametrize("group", [g.id for g in taxonomy.GROUPS])
def test_every_group_has_a_url_parameter(group):
    assert group in link.GROUP_PARAMS
    assert all(v.id.replace("_", "").isalnum() for v in taxonomy.GROUP_BY_ID[group].values)


def test_encode_leaves_defaults_out_and_versions_the_rest():
    assert encode(FilterState()) == {}
    assert encode(FilterState(population=("children",), payment=("medi_cal",), spa=(4, 1))) == {
        "v": "1",
        "pop": "children",
        "pay": "medi_cal",
        "spa": "4,1",
    }


def test_decode_reads_a_hand_written_link():
    state, notices = decode(
        {
            "pop": "children",
            "pay": "medi_cal",
            "spa": "4,1",
            "q": "  Didi   Hirsch ",
            "unk": "1",
            "measure": "beds",
            "level": "sd",
            "miles": "10",
        }
    )
    assert notices == []
    assert state == FilterState(
        population=("children",),
        payment=("medi_cal",),
        spa=(1, 4),
        query="Didi Hirsch",
        include_unknown=True,
        measure="beds",
        level="sd",
        miles=10,
    )


def test_a_retired_value_opens_the_values_that_replaced_it():
    # "Psychiatric emergency / crisis" (set=emergency) was split in two; the setting group
    # matches any selected value, so the two together match the sites it matched.
    state, notices = decode({"v": "1", "set": "emergency,outpatient"})
    assert notices == []
    assert state.setting == ("outpatient", "psych_emergency", "crisis_team")
    assert "emergency" not in encode(state)["set"].split(",")


def test_decode_junk_gives_defaults_and_notices():
    state, notices = decode(
        {
            "cond": "smi,nonsense",
            "spa": "9,x,2",
            "unk": "maybe",
            "measure": "<b>",
            "miles": "7",
            "lat": "51.5",
            "lon": "0",
            "z": "9",
            "utm_source": "mail",
            "v": "99",
        }
    )
    assert state.condition == ("smi",) and state.spa == (2,)
    assert state.include_unknown is False and state.measure == "sites" and state.miles == 5
    assert state.lat is None and state.zoom is None
    text = " ".join(notices)
    for word in ("nonsense", "SPA", "unk", "measure", "miles", "map position", "utm_source", "v=99"):
        assert word in text


def test_decode_repeated_keys_and_order():
    state, notices = decode({"svc": ["group", "individual", "group"]})
    assert state.service == ("individual", "group") and notices == []


def test_cost_keys_are_not_reported_by_the_shared_decoder():
    _, notices = decode({"los": "10", "wspa": "3"})
    assert notices == []


def test_flags_and_the_memo_layout_round_trip():
    state = FilterState(include_unknown=True, state_hospital=True, memo=True)
    assert encode(state) == {"v": "1", "unk": "1", "dsh": "1", "memo": "1"}
    assert decode(encode(state)) == (state, [])


GROUP_VALUES = {g.id: g.ids for g in taxonomy.GROUPS}


@st.composite
def states(draw):
    kw = {}
    for gid, ids in GROUP_VALUES.items():
        chosen = draw(st.sets(st.sampled_from(ids)))  # one draw per group (not one per value)
        kw[gid] = tuple(v for v in ids if v in chosen)
    kw["spa"] = tuple(sorted(draw(st.sets(st.sampled_from(filters.SPAS)))))
    kw["sd"] = tuple(sorted(draw(st.sets(st.sampled_from(filters.DISTRICTS)))))
    q = draw(st.text(max_size=filters.MAX_QUERY_LENGTH))
    kw["query"] = " ".join(q.split())
    kw["include_unknown"] = draw(st.booleans())
    kw["state_hospital"] = draw(st.booleans())
    kw["memo"] = draw(st.booleans())
    kw["measure"] = draw(st.sampled_from(list(filters.MEASURES)))
    kw["level"] = draw(st.sampled_from(list(filters.LEVELS)))
    kw["miles"] = draw(st.sampled_from(filters.MILES_CHOICES))
    if draw(st.booleans()):
        kw["lat"] = round(draw(st.floats(33.0, 35.0)), 4)
        kw["lon"] = round(draw(st.floats(-119.5, -117.5)), 4)
        kw["zoom"] = draw(st.integers(6, 18))
    return FilterState(**kw)


@settings(max_examples=100, deadline=None)
@given(states())
def test_round_trip_any_state(state):
    back, notices = decode(encode(state))
    assert notices == []
    assert back == state


junk_values = st.one_of(
    st.text(max_size=3000),
    st.lists(st.text(max_size=50), max_size=5),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
junk_keys = st.one_of(st.sampled_from(sorted(link.KEYS)), st.text(max_size=20))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(junk_keys, junk_values, max_size=12))
def test_decode_never_raises_and_stays_valid(params):
    state, notices = decode(params)
    for gid, ids in GROUP_VALUES.items():
        assert set(state.selected(gid)) <= set(ids)
    assert set(state.spa) <= set(filters.SPAS) and set(state.sd) <= set(filters.DISTRICTS)
    assert len(state.query) <= filters.MAX_QUERY_LENGTH
    assert state.measure in filters.MEASURES and state.level in filters.LEVELS
    assert state.miles in filters.MILES_CHOICES
    assert (state.zoom is None) == (state.lat is None) == (state.lon is None)
    assert all(isinstance(n, str) and len(n) < 400 for n in notices)
    # Whatever came in, the state encodes to a link that decodes to itself.
    assert decode(encode(state))[0] == state


# --------------------------------------------------------------------------- the cost page's part


def test_cost_params_are_short_stable_keys_and_text():
    d = prices.default_assumptions(bench())
    assert link.encode_costs(d, d) == {}  # nothing while every assumption is its default
    changed = replace(d, outpatient=replace(d.outpatient, individual_sessions=9))
    assert link.encode_costs(changed, d) == {
        "rates": "national",
        "los": "10",
        "perdiem": "900",
        "adj": "1",
        "eval": "1",
        "evalp": "200",
        "ind": "9",
        "indp": "100",
        "grp": "0",
        "grpp": "30",
        "fam": "0",
        "famp": "110",
        "med": "4",
        "medp": "120",
        "divert": "100",
        "sites": "1",
        "beds": "0",
    }
    assert "spa" not in link.COST_KEYS  # the sidebar's area filter owns "spa"


@pytest.mark.parametrize("rates", ["national", "la_locality"])
def test_params_round_trip(rates):
    d = prices.default_assumptions(bench(), rates)
    a = replace(
        d,
        inpatient=replace(d.inpatient, length_of_stay_days=1 / 3, adjustment=1.54),
        outpatient=replace(d.outpatient, group_sessions=6, individual_price=154.29),
        scenario=replace(d.scenario, diverted_admissions=250, area=4),
    )
    back, notices = link.decode_costs(link.cost_params(a), bench())
    assert notices == []
    assert back == a


def test_empty_params_give_defaults():
    a, notices = link.decode_costs({}, bench())
    assert a == prices.default_assumptions(bench()) and notices == []


def test_junk_params_fall_back_with_notices():
    params = {
        "los": "-3",
        "perdiem": "abc",
        "adj": "",
        "ind": "nan",
        "grp": "1e999",
        "divert": "2.5",
        "rates": "medicare",
        "wspa": "9",
        "med": "9" * 80,
        "cond": "smi",
        "spa": "1,4",
        "whatever": "x",
    }
    a, notices = link.decode_costs(params, bench())
    assert a == prices.default_assumptions(bench())
    text = "\n".join(notices)
    assert len(notices) == 9  # one per bad cost key; other pages' keys are not reported
    assert "'los=-3': Length of stay must be between 0 and 365 days; got -3. Using the default, 10." in text
    assert "'perdiem=abc': Inpatient per diem must be a number." in text
    assert "'adj=': Per diem adjustment is blank." in text
    assert "'divert=2.5': Admissions diverted must be a whole number" in text
    assert "'rates=medicare'" in text and "Using national" in text
    assert "'wspa=9': choose an SPA from 1 to 8" in text
    assert "'med': its value is too long" in text
    assert "cond" not in text and "whatever" not in text


def test_good_values_survive_next_to_bad_ones():
    a, notices = link.decode_costs(
        {"rates": "la_locality", "los": "14", "perdiem": "-1", "wspa": "3", "sites": "4", "ind": ["12"]},
        bench(),
    )
    assert a.rates == "la_locality" and a.outpatient.evaluation_price == 220
    assert a.inpatient.length_of_stay_days == 14 and a.inpatient.per_diem == 900
    assert a.scenario.area == 3 and a.scenario.added_sites == 4
    assert a.outpatient.individual_sessions == 12  # a repeated parameter arrives as a list
    assert len(notices) == 1 and "perdiem" in notices[0]


def test_area_choices_can_be_given():
    a, notices = link.decode_costs({"wspa": "3"}, bench(), areas=[1, 2])
    assert a.scenario.area is None and "from 1 to 2" in notices[0]


COST_KEYS = st.sampled_from(sorted(link.COST_KEYS)) | st.text(max_size=8)
VALUES = (
    st.text(max_size=60)
    | st.floats(allow_nan=True).map(repr)
    | st.integers(-(10**6), 10**7).map(str)
    | st.sampled_from(["la_locality", "national"])
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(COST_KEYS, VALUES, max_size=12))
def test_arbitrary_params_never_raise_and_give_valid_assumptions(params):
    a, notices = link.decode_costs(params, bench())
    assert all(isinstance(n, str) and n for n in notices)
    assert a.rates in c.RATES
    assert c.inpatient_episode(a.inpatient).total >= 0
    assert c.outpatient_episode(a.outpatient).total >= 0
    for name in ("diverted_admissions", "added_sites", "added_beds"):
        assert isinstance(getattr(a.scenario, name), int)
        c.check(name, getattr(a.scenario, name))
    assert a.scenario.area in (None, *filters.SPAS)


@settings(max_examples=100, deadline=None)
@given(
    los=st.floats(0, 365),
    price=st.floats(0, 50_000),
    sessions=st.floats(0, 1000),
    divert=st.integers(0, 1_000_000),
)
def test_valid_values_round_trip_exactly(los, price, sessions, divert):
    d = prices.default_assumptions(bench())
    a = replace(
        d,
        inpatient=replace(d.inpatient, length_of_stay_days=los, per_diem=price),
        outpatient=replace(d.outpatient, family_sessions=sessions),
        scenario=replace(d.scenario, diverted_admissions=divert),
    )
    back, notices = link.decode_costs(link.cost_params(a), bench())
    assert notices == [] and back == a


def test_every_ignored_value_is_named_or_counted():
    _, notices = decode({"pop": "a,b,c,d,e,f,g,children", "spa": "0,9,10,11,12,13,14"})
    assert "Ignored unknown population served value(s): a, b, c, d, e and 2 more." in notices
    assert "Ignored unknown SPA value(s): 0, 9, 10, 11, 12 and 2 more." in notices
