"""Real-browser harness: a Streamlit server + Debian's Chromium driven by Playwright.

Fixtures (all offline; nothing here reaches the internet):

``vendor_assets``      session  Path of static/vendor/, fetched + verified (dashboard.assets).
``processed_data_dir`` session  Path of a tmp folder holding one pipeline build of the raw data.
``app_dir``            session  Path of the folder holding streamlit_app.py: $LAMH_E2E_APP_DIR or
                                the repo root.  Override the fixture to point elsewhere.
``app_server``         session  base URL ("http://127.0.0.1:<port>") of ``streamlit run
                                streamlit_app.py`` started in app_dir with LAMH_DATA_DIR set;
                                ``app_server.startup_seconds`` is how long it took.
``start_server``       session  factory: ``start_server(data_dir, env=None)`` starts one more
                                server of the app on other processed tables (e.g. a build with
                                hostile records) and returns its base URL; all are stopped at
                                the end of the session.
``browser``            session  playwright Browser (/usr/bin/chromium, headless).
``new_page``           function factory: ``new_page()`` -> one more such Page, in its own context
                                (another user / Streamlit session), closed after the test.
``page``               function a Page in a fresh context with offline routing; extra attributes:
                                ``page.js_errors``   console errors + uncaught exceptions (str),
                                                     any frame, minus the "Failed to load
                                                     resource" noise of requests we blocked;
                                ``page.blocked``     URLs aborted (tiles, external hosts);
                                ``page.cdn_served``  Leaflet-family CDN URLs answered from
                                                     static/vendor/ (any version asked for);
                                ``page.cdn_stubbed`` other CDN .js/.css answered with an empty
                                                     stub (jQuery, Bootstrap, awesome-markers..).
                                A self-hosting app leaves cdn_served and cdn_stubbed empty:
                                ``assert_self_hosted(page)``.

Helpers, also available as same-named fixtures (``def test_x(page, app_server,
wait_for_app, map_frame)`` -- no need to import conftest): ``wait_for_app(page)`` (a Streamlit
run finished), ``map_frame(page)`` (the streamlit-folium iframe's Frame once Leaflet has
drawn its container) and ``assert_self_hosted(page)``.

The logic lives in tests/harness.py (plain Python, shared with bench/harness.py); these
fixtures only turn its errors into pytest failures and tie lifetimes to the session/test.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from dashboard import assets
from tests import harness
from tests.harness import REPO_ROOT, assert_self_hosted, map_frame, open_page, wait_for_app


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e/ is marked ``e2e`` (deselect with ``-m "not e2e"``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


# ------------------------------------------------------------------ assets + data


@pytest.fixture(scope="session")
def vendor_assets() -> Path:
    """static/vendor/ with the pinned Leaflet packages, verified.  Offline-safe when CI ran
    ``python -m dashboard.assets fetch`` before the tests (verified copies are skipped)."""
    try:
        assets.fetch()
    except assets.AssetError as exc:
        pytest.fail(f"vendored Leaflet assets are missing and could not be fetched:\n{exc}\n"
                    "Run `python -m dashboard.assets fetch` (needs the npm registry) before the "
                    "e2e tests.", pytrace=False)
    return assets.VENDOR_DIR


@pytest.fixture(scope="session")
def processed_data_dir(tmp_path_factory) -> Path:
    """One offline pipeline build of the raw sources into a tmp folder (LAMH_DATA_DIR)."""
    from dashboard import config, geocode, pipeline

    out = tmp_path_factory.mktemp("processed")
    # Offline, and with a private copy of the geocoder cache: the same locations as a
    # normal offline build, without rewriting data/cache/geocode.json in the repo.
    cache = out.parent / "geocode-cache.json"
    shared = config.PROJECT_ROOT / "data" / "cache" / "geocode.json"
    if shared.is_file():
        cache.write_bytes(shared.read_bytes())

    def offline_geocoder(*args, **kwargs):
        kwargs.update(online=False)
        return geocode.CensusGeocoder(cache, **{k: v for k, v in kwargs.items()
                                               if k != "cache_path"})

    t0 = time.perf_counter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "CensusGeocoder", offline_geocoder)
        pipeline.build(raw_dir=config.raw_dir(), data_dir=out, geocode=False)
    processed_data_dir.build_seconds = time.perf_counter() - t0
    return out


# ------------------------------------------------------------------ server


@pytest.fixture(scope="session")
def app_dir() -> Path:
    return Path(os.environ.get("LAMH_E2E_APP_DIR") or REPO_ROOT).resolve()


def _serve(app_dir: Path, data_dir: Path, logs: Path, extra_env: dict | None = None
           ) -> harness.AppServer:
    """A started (healthy) :class:`tests.harness.AppServer` of app_dir on data_dir, logging
    into ``logs``; a server that does not come up fails the test with its log tails."""
    server = harness.AppServer(data_dir, app_dir, extra_env, log_dir=logs)
    try:
        server.start()
    except harness.HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    return server


@pytest.fixture(scope="session")
def app_server(app_dir, processed_data_dir, vendor_assets, tmp_path_factory):
    """``streamlit run streamlit_app.py`` in app_dir; yields its base URL once healthy."""
    logs = tmp_path_factory.mktemp("streamlit-server")
    server = _serve(app_dir, processed_data_dir, logs)
    try:
        app_server.startup_seconds = server.startup_s
        app_server.log_dir = logs
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def start_server(app_dir, vendor_assets, tmp_path_factory):
    """A factory for more servers of the same app on other data: ``start_server(data_dir,
    env=None)`` -> base URL; ``start_server.logs[url]`` is the folder of its stdout/stderr
    logs.  Every server started is stopped at the end of the session."""
    with contextlib.ExitStack() as stopping:

        def start(data_dir: Path, env: dict | None = None) -> str:
            logs = tmp_path_factory.mktemp("streamlit-server-extra")
            server = _serve(app_dir, Path(data_dir), logs, env)
            stopping.callback(server.stop)
            start.logs[server.url] = logs
            return server.url

        start.logs = {}
        yield start


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser():
    try:
        harness.check_chromium()
    except harness.HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    with harness.chromium() as b:
        yield b


@pytest.fixture
def page(browser, vendor_assets):
    context, pg = open_page(browser)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def new_page(browser, vendor_assets):
    """A factory for more pages, each in its own context (= its own user and Streamlit
    session), with the same routing and ``js_errors`` as ``page``; closed after the test."""
    contexts = []

    def make():
        context, pg = open_page(browser)
        contexts.append(context)
        return pg

    try:
        yield make
    finally:
        for c in contexts:
            c.close()


# ------------------------------------------------------------------ helpers
# wait_for_app, map_frame, assert_self_hosted: tests/harness.py (imported above)


@pytest.fixture(name="assert_self_hosted")
def _assert_self_hosted_fixture():
    return assert_self_hosted


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture():
    """The :func:`wait_for_app` helper as a fixture (no conftest import needed)."""
    return wait_for_app


@pytest.fixture(name="map_frame")
def _map_frame_fixture():
    """The :func:`map_frame` helper as a fixture (no conftest import needed)."""
    return map_frame
