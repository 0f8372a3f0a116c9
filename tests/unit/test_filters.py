"""Filter semantics, unknown-attribute handling and the URL codec."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import taxonomy
from dashboard.analysis import filters
from dashboard.analysis.filters import FilterState, FlagIndex, decode, encode, match, option_counts
from tests.fixtures.facilities import facility, frame

# a: outpatient, children + adults, Medi-Cal, individual + group therapy, Spanish, SMI
# b: outpatient, adults, private, individual therapy only
# c: inpatient hospital licence only (setting known, everything else unknown)
# d: locations-only (all unknown)
# e: residential, children, Medi-Cal + cash, family therapy, SED
FAC = frame(
    [
        facility(
            "Alpha Clinic", -118.2, 34.0, ["OP", "CHLD", "ADLT", "MD", "IPT", "GT", "SP", "SMI"], spa=1, sd=1
        ),
        facility("Beta Counseling", -118.3, 34.1, ["OP", "ADLT", "PI", "IPT"], spa=2, sd=1),
        facility("Gamma Hospital", -118.4, 34.2, None, licence=taxonomy.LICENCE_APH, spa=2, sd=2, beds=50),
        facility("Delta Site", -118.1, 34.3, None, spa=1, sd=2),
        facility("Epsilon House", -118.0, 34.4, ["RES", "CHLD", "MD", "SF", "CFT", "SED"], spa=1, sd=2),
    ]
)
IDX = FlagIndex.build(FAC)


def names(m) -> list[str]:
    return sorted(FAC.loc[m, "name"])


def test_no_filter_matches_everything():
    m = match(IDX, FilterState())
    assert m.count == 5 and m.unknown.sum() == 0


def test_all_mode_requires_every_selected_service():
    assert names(match(IDX, FilterState(service=("individual",))).mask) == ["Alpha Clinic", "Beta Counseling"]
    assert names(match(IDX, FilterState(service=("individual", "group"))).mask) == ["Alpha Clinic"]


def test_any_mode_accepts_any_selected_payment():
    assert names(match(IDX, FilterState(payment=("private",))).mask) == ["Beta Counseling"]
    assert names(match(IDX, FilterState(payment=("private", "medi_cal"))).mask) == [
        "Alpha Clinic",
        "Beta Counseling",
        "Epsilon House",
    ]


def test_setting_from_licence_and_codes():
    assert names(match(IDX, FilterState(setting=("inpatient",))).mask) == ["Gamma Hospital"]
    # Gamma's setting is known (licence), so an outpatient filter excludes it outright;
    # Delta's setting is unknown, so it is an "unknown", not a non-match.
    m = match(IDX, FilterState(setting=("outpatient",)))
    assert names(m.mask) == ["Alpha Clinic", "Beta Counseling"]
    assert names(m.unknown) == ["Delta Site"]


def test_unknown_attributes_counted_separately_and_included_on_request():
    state = FilterState(population=("children",))
    m = match(IDX, state)
    assert names(m.strict) == ["Alpha Clinic", "Epsilon House"]
    assert names(m.unknown) == ["Delta Site", "Gamma Hospital"]
    m2 = match(IDX, FilterState(population=("children",), include_unknown=True))
    assert names(m2.mask) == ["Alpha Clinic", "Delta Site", "Epsilon House", "Gamma Hospital"]


def test_condition_language_and_population_each_filter():
    assert names(match(IDX, FilterState(condition=("smi",))).mask) == ["Alpha Clinic"]
    assert names(match(IDX, FilterState(condition=("sed",))).mask) == ["Epsilon House"]
    assert names(match(IDX, FilterState(language=("spanish",))).mask) == ["Alpha Clinic"]
    assert names(match(IDX, FilterState(population=("adults",))).mask) == ["Alpha Clinic", "Beta Counseling"]


def test_area_and_name_filters():
    assert names(match(IDX, FilterState(spa=(2,))).mask) == ["Beta Counseling", "Gamma Hospital"]
    assert names(match(IDX, FilterState(sd=(2,))).mask) == ["Delta Site", "Epsilon House", "Gamma Hospital"]
    assert names(match(IDX, FilterState(spa=(1,), sd=(2,))).mask) == ["Delta Site", "Epsilon House"]
    assert names(match(IDX, FilterState(query="COUNSEL")).mask) == ["Beta Counseling"]
    assert match(IDX, FilterState(query="<script>")).count == 0


def test_option_counts_use_the_other_filters():
    counts = option_counts(IDX, FilterState(payment=("medi_cal",)), "service")
    assert counts["individual"] == 1 and counts["family"] == 1 and counts["group"] == 1
    # The group's own selection does not restrict its counts.
    counts = option_counts(IDX, FilterState(payment=("medi_cal",)), "payment")
    assert counts["private"] == 1 and counts["medi_cal"] == 2 and counts["cash"] == 1


# --------------------------------------------------------------------------- URL


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


def test_decode_known_extra_keys_are_not_reported():
    _, notices = decode({"los": "10"}, known_extra={"los"})
    assert notices == []


GROUP_VALUES = {g.id: g.ids for g in taxonomy.GROUPS}


@st.composite
def states(draw):
    kw = {
        gid: tuple(v for v in ids if v in draw(st.sets(st.sampled_from(ids))))
        for gid, ids in GROUP_VALUES.items()
    }
    kw["spa"] = tuple(sorted(draw(st.sets(st.sampled_from(filters.SPAS)))))
    kw["sd"] = tuple(sorted(draw(st.sets(st.sampled_from(filters.DISTRICTS)))))
    q = draw(st.text(max_size=filters.MAX_QUERY_LENGTH))
    kw["query"] = " ".join(q.split())
    kw["include_unknown"] = draw(st.booleans())
    kw["measure"] = draw(st.sampled_from(list(filters.MEASURES)))
    kw["level"] = draw(st.sampled_from(list(filters.LEVELS)))
    kw["miles"] = draw(st.sampled_from(filters.MILES_CHOICES))
    if draw(st.booleans()):
        kw["lat"] = round(draw(st.floats(33.0, 35.0)), 4)
        kw["lon"] = round(draw(st.floats(-119.5, -117.5)), 4)
        kw["zoom"] = draw(st.integers(6, 18))
    return FilterState(**kw)


@settings(max_examples=300, deadline=None)
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
junk_keys = st.one_of(st.sampled_from(sorted(filters.PARAM_NAMES)), st.text(max_size=20))


@settings(max_examples=400, deadline=None)
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


def test_describe_states_semantics():
    s = FilterState(service=("individual", "group"), payment=("medi_cal", "private"), spa=(4,))
    text = s.describe()
    assert "Individual therapy and Group therapy" in text
    assert "Medi-Cal (Medicaid) or Private insurance" in text and "SPA 4" in text


@pytest.mark.parametrize("group", [g.id for g in taxonomy.GROUPS])
def test_every_group_has_a_url_parameter(group):
    assert group in filters.GROUP_PARAMS
    assert np.all([v.id.replace("_", "").isalnum() for v in taxonomy.GROUP_BY_ID[group].values])
