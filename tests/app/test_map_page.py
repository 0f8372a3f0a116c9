"""The map page in AppTest: defaults, links, every filter kind, junk links, table = headline."""

from __future__ import annotations

import pytest

from dashboard import taxonomy
from dashboard.analysis import filters, link, metrics
from dashboard.analysis.filters import FilterState
from tests.app.conftest import count, facility_grid, group_pills, metric, share_link, tables_shown


def headline_sites(at) -> int:
    return count(metric(at, "Matching sites"))


def facilities_table(at):
    return facility_grid(at)


def test_defaults_render_every_facility(run, built):
    at = run()
    assert headline_sites(at) == len(built.facilities)
    assert len(facilities_table(at)) == len(built.facilities)
    assert metric(at, "Sites per 100k all residents")
    assert dict(at.query_params) == {}  # nothing to add to a default view


def test_link_state_is_applied(run, built, idx):
    at = run(params={"pop": "children", "pay": "medi_cal", "set": "outpatient"})
    assert at.pills(key="f_population").value == ["children"]
    assert at.pills(key="f_payment").value == ["medi_cal"]
    expected = filters.match(
        idx, FilterState(population=("children",), payment=("medi_cal",), setting=("outpatient",))
    ).count
    assert headline_sites(at) == expected == len(facilities_table(at))
    assert metric(at, "Sites per 100k residents aged 0-17")
    assert at.query_params["pop"] == "children"


@pytest.mark.parametrize(
    "field,value",
    [
        ("condition", ["smi"]),
        ("population", ["seniors"]),
        ("service", ["individual", "group"]),
        ("setting", ["inpatient"]),
        ("payment", ["medicare"]),
        ("language", ["korean"]),
        ("spa", [4]),
        ("sd", [2]),
    ],
)
def test_each_filter_kind_changes_the_view(run, idx, field, value):
    at = run()
    before = headline_sites(at)
    if field in ("spa", "sd"):
        at.pills(key=f"f_{field}").set_value(value).run()
    else:
        for v in value:
            group_pills(at, field).select(v)
        at.run()
    assert not at.exception
    expected = filters.match(idx, FilterState(**{field: tuple(value)})).count
    assert headline_sites(at) == expected == len(facilities_table(at))
    assert expected < before
    param = link.GROUP_PARAMS.get(field, field)
    assert at.query_params[param] == ",".join(map(str, value))


def test_option_counts_survive_count_changes(run, idx):
    """Counts in the labels change with every filter; the chosen values must not."""
    at = run()
    for group, value in (
        ("payment", "medi_cal"),
        ("population", "children"),
        ("language", "spanish"),
        ("setting", "outpatient"),
    ):
        group_pills(at, group).select(value).run()
    state = FilterState(
        payment=("medi_cal",), population=("children",), language=("spanish",), setting=("outpatient",)
    )
    assert headline_sites(at) == filters.match(idx, state).count
    assert dict(at.query_params) == {
        "v": "1",
        "pop": "children",
        "set": "outpatient",
        "pay": "medi_cal",
        "lang": "spanish",
    }
    counts = filters.option_counts(idx, state, "payment")
    values = taxonomy.GROUP_BY_ID["payment"].values
    assert group_pills(at, "payment").options == [f"{v.label} ({counts[v.id]:,})" for v in values]


def test_name_search_and_unknown_toggle(run, idx):
    at = run(params={"set": "outpatient"})
    strict = headline_sites(at)
    at.checkbox(key="f_unknown").check().run()
    m = filters.match(idx, FilterState(setting=("outpatient",)))
    assert headline_sites(at) == strict + int(m.unknown.sum())
    assert at.query_params["unk"] == "1"
    at.text_input(key="f_query").input("didi hirsch").run()
    n = headline_sites(at)
    assert 0 < n < strict and all(
        "didi hirsch" in (r.lower())
        for r in facilities_table(at)["Name"] + " " + facilities_table(at)["Program"]
    )


def test_junk_link_gives_a_notice_and_defaults(run, built):
    at = run(
        params={"pop": "martians", "spa": "99", "zzz": "<script>alert(1)</script>", "miles": "-4", "v": "7"}
    )
    text = " ".join(i.value for i in at.info).replace("\\", "")  # markdown escapes
    assert "martians" in text and "zzz" in text and "v=7" in text
    assert headline_sites(at) == len(built.facilities)


def test_denominator_label_follows_population(run, built, idx):
    at = run(params={"pop": "seniors"})
    h = metrics.headline(built.facilities, idx, built.tracts, FilterState(population=("seniors",)))
    assert metric(at, "Sites per 100k residents aged 65+") == f"{h.sites_per_100k:,.1f}"


def test_measure_and_level_are_in_the_link(run):
    at = run(params={"measure": "beds", "level": "sd"})
    assert at.radio(key="v_measure").value == "beds"
    assert at.radio(key="v_level").value == "sd"
    area_table = tables_shown(at)[0]
    assert len(area_table) == 5  # five districts
    at.radio(key="v_level").set_value("spa").run()
    assert len(tables_shown(at)[0]) == 8
    assert "level" not in at.query_params


def test_share_link_is_shown(run):
    at = run(params={"pop": "children"})
    assert "pop=children" in share_link(at)


def test_a_view_with_no_matching_site_says_so(run):
    at = run(params={"q": "no such facility name xyz"})
    assert headline_sites(at) == 0
    assert any("No site matches every filter" in w.value for w in at.warning)


def test_selecting_a_district_shows_districts_and_the_area_table_says_when_areas_are_parts(run):
    """Issue 21, point 3: the area level follows the selection, and areas the selection cuts
    (SPAs while a district is selected) say they are only that part."""
    at = run()
    at.pills(key="f_sd").set_value([2]).run()
    assert at.radio(key="v_level").value == "sd"
    assert "level=sd" in share_link(at) and "sd=2" in share_link(at)
    assert not any("only its part" in c.value for c in at.caption)
    at.pills(key="f_sd").set_value([]).run()
    at.pills(key="f_spa").set_value([6]).run()
    assert at.radio(key="v_level").value == "spa"
    # An older link that shows SPAs with a district selected: each SPA is only its part.
    at = run(params={"sd": "2", "level": "spa"})
    assert any(
        "Each service planning area here is only its part in district 2" in c.value for c in at.caption
    )


def test_the_headline_says_how_many_are_also_beyond_the_time_or_distance_standard(run, built, idx):
    """Issue 22: the Map headline's distance figure carries the residents also beyond 30
    minutes' drive — the same count as the Gaps page's standard lens."""
    from dashboard.analysis import metrics
    from dashboard.analysis.filters import FilterState

    state = FilterState(population=("children",), payment=("medi_cal",), setting=("outpatient",), miles=15)
    acc = metrics.tract_access(
        built.tracts, built.facilities, metrics.access_mask(idx, state), metrics.denominator(state), 15
    )
    beyond = int(
        metrics.beyond_standard(metrics.with_drive_time(acc, built.drive_time, 30)).iloc[0]["beyond"]
    )
    at = run(params={"pop": "children", "pay": "medi_cal", "set": "outpatient", "miles": "15"})
    assert any(f"; {beyond:,} also beyond 30 minutes' drive" in c.value for c in at.caption)
