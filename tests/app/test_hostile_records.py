"""Hostile facility records on every page (AppTest): no page breaks.

The browser tests (tests/e2e/test_hostile_data.py) prove that no payload runs, the text
shows literally and the CSVs keep it verbatim with formula cells defused (every download
goes through dashboard.render.tables.csv_bytes: tests/unit/test_ui_helpers.py); this is the
fast, browser-less part: with the hostile records in the build (tests/fixtures/hostile.py),
every page runs to its end — for the default view, which holds all of them, and filtered
to each group.
"""

from __future__ import annotations

import os

import pytest

from dashboard import config
from tests.app.conftest import PAGES, count, metric, open_to_end
from tests.fixtures import hostile


@pytest.fixture(scope="module")
def hostile_env(built, tmp_path_factory):
    """LAMH_DATA_DIR / LAMH_RAW_DIR of a build holding the hostile records (for this module)."""
    raw, data = hostile.build(config.raw_dir(), tmp_path_factory.mktemp("hostile_app"))
    old = {k: os.environ.get(k) for k in ("LAMH_DATA_DIR", "LAMH_RAW_DIR")}
    os.environ.update(LAMH_DATA_DIR=str(data), LAMH_RAW_DIR=str(raw))
    yield data
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


VIEWS = {
    "all facilities": {},
    "html/js/formula records": {"q": hostile.TAG.lower()},
    "template-syntax records": {"q": hostile.JINJA_TAG.lower()},
}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_to_its_end_with_hostile_records(page, view, hostile_env):
    at = open_to_end(page, VIEWS[view])
    if page == "map" and view != "all facilities":
        n = hostile.COUNT if view.startswith("html") else hostile.JINJA_COUNT
        assert count(metric(at, "Matching sites")) == n
