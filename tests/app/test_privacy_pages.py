"""HCAI field-staff names, phone numbers and staff ids never reach a page.

tests/unit/test_privacy.py and tests/data/test_real_build.py check the processed tables (the
committed snapshot included), which every download is made from; this checks what users see:
the full rendered element tree of every page (main area, sidebar, tables, charts, the map
component's payload), for the default view and views that bring the HCAI-located hospitals
forward.
"""

from __future__ import annotations

import csv
import re

import pytest

from dashboard import config
from dashboard.render import webfiles
from tests.app.conftest import facility_grid, open_link
from tests.fixtures.apptext import page_text
from tests.fixtures.privacy import staff_values
from tests.fixtures.rawcopy import file_of

STAFF_ID_COLUMNS = ("ACO", "DSE", "Field_FLSO", "RCO")  # user ids like "RGALLAWAY"

VIEWS = [
    ("map", {}),
    ("map", {"set": "inpatient"}),
    ("map", {"set": "inpatient", "measure": "beds", "level": "sd"}),
    ("compare", {}),
    ("compare", {"set": "inpatient", "wspa": "4"}),
    ("gaps", {"set": "inpatient"}),
    ("data", {}),
]


def hcai_csv():
    return file_of(config.raw_dir(), "hcai", "hcai_facility_list_la_county.csv")


@pytest.fixture(scope="module")
def staff() -> set[str]:
    values = staff_values(hcai_csv())
    with open(hcai_csv(), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for col in STAFF_ID_COLUMNS:
                v = (row.get(col) or "").strip()
                if v and v not in ("NullValue", "NA") and len(v) >= 5:
                    values.add(v)
    # The phone numbers also as a page would format them.
    for v in list(values):
        if re.fullmatch(r"\d{10}", v):
            a, b, c = v[:3], v[3:6], v[6:]
            values |= {f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"{a} {b} {c}"}
    assert len(values) > 60, "the real HCAI list should give names, phones and ids to look for"
    return values


def leaks(text: str, values: set[str]) -> list[str]:
    return sorted(v for v in values if v in text)


def shown(page: str, params: dict) -> str:
    """Everything a user can see of a view: the page with its folded facility table open,
    and the map's data file the browser fetches (names, addresses, phones of every site)."""
    at = open_link(page, params)
    assert not at.exception, [e.value for e in at.exception]
    if page == "map":
        facility_grid(at)
    map_files = sorted((config.STATIC_DIR / webfiles.FOLDER).glob("facilities-*.json"))
    return page_text(at) + "".join(p.read_text(encoding="utf-8") for p in map_files)


@pytest.mark.parametrize("page,params", VIEWS, ids=[f"{p}-{'&'.join(q) or 'default'}" for p, q in VIEWS])
def test_no_staff_data_on_the_page(page, params, built, staff):
    text = shown(page, params)
    assert len(text) > 5_000  # the whole page, not an error box
    assert leaks(text, staff) == []


def test_the_scan_sees_hcai_located_hospitals(built):
    """Control: the text scanned holds the facilities whose location came from the HCAI list
    (so a staff column joined to them would be seen)."""
    fac = built.facilities
    hcai_sites = fac[fac["sources"].str.contains("hcai") & fac["name"].notna()]
    assert len(hcai_sites) >= 10
    at = open_link("map", {"set": "inpatient"})
    text = page_text(at) + str(facility_grid(at).to_dict())
    seen = [n for n in hcai_sites["name"] if n in text]
    assert len(seen) >= 10, seen
