# ruff: noqa: E501  (the recorded labels are long: they name the denominator)
"""Links in the wild open the same view: a fixed set of v=1 links, with the headline figures
the dashboard showed for them before the sidebar and the pages were rebuilt for speed (issue
18; recorded from commit 8cfb2fe on the committed snapshot).  A change that alters what a
shared link shows fails here; a data refresh that changes the figures updates them (and
says so in its commit)."""

from __future__ import annotations

import pytest

from tests.app.conftest import open_to_end

# (page, link parameters, every st.metric label -> value the page showed)
LINKS = [
    (
        "map",
        {},
        {
            # 486 / 4.7 at 8cfb2fe; issue 20's site-list rules (earlier listings folded by
            # phone or whole name, 211 records classified by their own description, a
            # skilled-nursing home that is not a hospital) leave 461 sites
            "Matching sites": "461",
            "Sites per 100k all residents": "4.5",
            "Psychiatric beds per 100k": "22.6",
            "Live > 5 mi from a site": "0.9%",
        },
    ),
    (
        "map",
        {"pop": "children", "pay": "medi_cal", "set": "outpatient"},
        {
            "Matching sites": "72",
            "Sites per 100k residents aged 0-17": "3.2",
            "Psychiatric beds per 100k": "22.6",
            "Live > 5 mi from a site": "5.8%",
        },
    ),
    (
        "map",
        {"pop": "children,seniors", "lang": "spanish", "unk": "1"},
        {
            # 333 / 9.3 / 1.8% at 8cfb2fe: the sites of unknown attributes are issue 20's list
            "Matching sites": "308",
            "Sites per 100k residents aged 0-17 and residents aged 65+, combined": "8.6",
            "Psychiatric beds per 100k": "22.6",
            "Live > 5 mi from a site": "1.7%",
        },
    ),
    # "Psychiatric emergency / crisis" (set=emergency) is two values now; its old links
    # open the same sites (recorded from 8cfb2fe)
    (
        "map",
        {"set": "emergency"},
        {
            "Matching sites": "103",
            "Sites per 100k all residents": "1.0",
            "Psychiatric beds per 100k": "22.6",
            "Live > 5 mi from a site": "3.2%",
        },
    ),
    (
        "map",
        {"set": "emergency", "pop": "children", "sd": "2"},
        {
            "Matching sites": "13",
            "Sites per 100k residents aged 0-17": "2.6",
            "Psychiatric beds per 100k": "13.5",
            "Live > 5 mi from a site": "0.0%",
        },
    ),
    (
        "map",
        {"cond": "smi", "svc": "individual,group", "sd": "2", "dsh": "1", "miles": "10"},
        {
            "Matching sites": "15",
            "Sites per 100k all residents": "0.7",
            "Psychiatric beds per 100k": "13.5",
            "Live > 10 mi from a site": "0.0%",
        },
    ),
    (
        "map",
        {"set": "inpatient", "measure": "beds", "level": "sd", "spa": "4,6"},
        {
            "Matching sites": "8",
            "Sites per 100k all residents": "0.4",
            "Psychiatric beds per 100k": "16.6",
            "Live > 5 mi from a site": "1.5%",
        },
    ),
    (
        "map",
        {"pay": "medi_cal", "q": "didi hirsch", "lat": "34.05", "lon": "-118.25", "z": "11"},
        {
            "Matching sites": "6",
            "Sites per 100k residents below 133% of the federal poverty level (Medi-Cal income proxy)": "0.3",
            "Psychiatric beds per 100k": "22.6",
            "Live > 5 mi from a site": "65.7%",
        },
    ),
    ("map", {"op": "for_profit", "memo": "1"}, {}),
    (
        "gaps",
        {"pop": "children", "miles": "10"},
        {
            "Residents aged 0-17 farther than 10 mi": "5,607",
            "Share of residents aged 0-17 in the county": "0.3%",
            "Matching sites used": "132",
            "Residents aged 0-17 beyond 10 min": "104,517",
            "Residents aged 0-17 beyond 20 min": "10,991",
            "Residents aged 0-17 beyond 30 min": "3,012",
        },
    ),
    (
        "gaps",
        {"set": "outpatient", "pay": "medi_cal", "sd": "2"},
        {
            "Residents below 133% of the federal poverty level (medi-cal income proxy) farther than 5 mi": "1,023",
            "Share of residents below 133% of the federal poverty level (Medi-Cal income proxy) in the selected area(s)": "0.2%",
            "Matching sites used": "91",
            "Residents below 133% of the federal poverty level (medi-cal income proxy) beyond 10 min": "0",
            "Residents below 133% of the federal poverty level (medi-cal income proxy) beyond 20 min": "0",
            "Residents below 133% of the federal poverty level (medi-cal income proxy) beyond 30 min": "0",
        },
    ),
    (
        "compare",
        {"pop": "seniors", "spa": "7"},
        {
            "Inpatient episode": "$8,928.70",
            "Outpatient episode": "$1,886.52",
            "Inpatient ÷ outpatient": "4.7×",
            "Change in annual cost": "−$704,218",
            # Issue 21: with one SPA in the sidebar, the what-if takes it (it was left empty):
            # SPA 7 with one site and no beds added (the what-if's defaults)
            "Outpatient sites per 100k residents aged 65+": "3.1",
            "Licensed psych beds per 100k residents": "19.4",
        },
    ),
    (
        "compare",
        {"los": "12", "perdiem": "900", "wspa": "4"},
        {
            "Inpatient episode": "$10,800.00",
            "Outpatient episode": "$1,886.52",
            "Inpatient ÷ outpatient": "5.7×",
            "Change in annual cost": "−$891,348",
            "Outpatient sites per 100k all residents": "1.6",
            "Licensed psych beds per 100k residents": "22.0",
        },
    ),
    (
        "map",
        {"v": "1", "pop": "martians", "cond": "smi"},
        {
            "Matching sites": "107",
            "Sites per 100k all residents": "1.0",
            "Psychiatric beds per 100k": "22.6",
            "Live > 5 mi from a site": "3.3%",
        },
    ),
]


@pytest.mark.parametrize(
    "page,params,metrics", LINKS, ids=[f"{p}:{'&'.join(q) or 'default'}" for p, q, _ in LINKS]
)
def test_a_shared_link_shows_the_same_figures_as_before(page, params, metrics):
    at = open_to_end(page, params)
    shown = {m.label: m.value for m in at.metric}
    # Every figure recorded is shown with the same value (figures added since, such as the
    # Gaps page's capacity within reach, are not part of the record).
    assert {label: shown.get(label) for label in metrics} == metrics
