"""Filter semantics and unknown-attribute handling (the link form: test_link.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import taxonomy
from dashboard.analysis.filters import FilterState, FlagIndex, match, option_counts
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
    # An "any" group: checking another payment widens the selection.
    counts = option_counts(IDX, FilterState(payment=("medi_cal",)), "payment")
    assert counts["private"] == 3 and counts["medi_cal"] == 2 and counts["cash"] == 2


def test_option_counts_of_an_all_group_count_the_sites_left_after_checking():
    """Checking a second population narrows to sites serving both: the number beside it
    says so (it used to count sites serving that population alone)."""
    state = FilterState(population=("children",))
    counts = option_counts(IDX, state, "population")
    assert counts["adults"] == 1  # only Alpha serves children and adults
    assert counts["children"] == 2  # already checked: what is shown now


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_number_beside_a_value_is_the_result_of_checking_it(data):
    """For any state and any value: option_counts == the count after checking it."""
    kw = {}
    for g in taxonomy.GROUPS:
        kw[g.id] = tuple(v for v in g.ids if v in data.draw(st.sets(st.sampled_from(g.ids), max_size=2)))
    state = FilterState(**kw, include_unknown=data.draw(st.booleans()))
    g = data.draw(st.sampled_from(taxonomy.GROUPS))
    counts = option_counts(IDX, state, g.id)
    for v in g.values:
        checked = FilterState(
            **{**kw, g.id: tuple(x for x in g.ids if x in (*state.selected(g.id), v.id))},
            include_unknown=state.include_unknown,
        )
        assert counts[v.id] == match(IDX, checked).count, (g.id, v.id)


def test_describe_states_semantics():
    s = FilterState(service=("individual", "group"), payment=("medi_cal", "private"), spa=(4,))
    text = s.describe()
    assert "Individual therapy and Group therapy" in text
    assert "Medi-Cal (Medicaid) or Private insurance" in text and "SPA 4" in text


def test_the_selection_by_level_and_which_levels_it_cuts():
    assert FilterState().selection == {} and not FilterState().partial("spa")
    s = FilterState(sd=(2,))
    assert s.selection == {"sd": (2,)} and s.partial("spa") and not s.partial("sd")
    both = FilterState(spa=(6,), sd=(2,))
    assert both.partial("spa") and both.partial("sd")
