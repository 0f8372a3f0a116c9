"""Real-browser harness: a Streamlit server + Debian's Chromium driven by Playwright.

Fixtures (all offline; nothing here reaches the internet):

``snapshot_dir``       session  Path of the snapshot the default server serves (the committed
                                data/snapshot/).
``app_dir``            session  Path of the repository folder to serve: $LAMH_E2E_APP_DIR or
                                this repository.
``app_server``         session  base URL ("http://127.0.0.1:<port>") of ``streamlit run
                                dashboard/app.py`` started in app_dir;
                                ``app_server.startup_seconds`` is how long it took.
``start_server``       session  factory: ``start_server(data_dir, env=None)`` starts one more
                                server of the app on another snapshot (e.g. one with hostile
                                records) and returns its base URL; all are stopped at the end
                                of the session.
``browser``            session  playwright Browser (/usr/bin/chromium, headless).
``new_page``           function factory: ``new_page()`` -> one more such Page, in its own context
                                (another user / Streamlit session), closed after the test.
``page``               function a Page in a fresh context whose requests to any other host are
                                aborted; extra attributes: ``page.js_errors`` (console errors +
                                uncaught exceptions, any frame, minus the noise of the requests
                                we blocked) and ``page.blocked`` (URLs aborted).

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
import re
from pathlib import Path

import pytest

from dashboard import config
from tests import harness
from tests.harness import REPO_ROOT, assert_self_hosted, map_frame, open_page, wait_for_app


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e/ is marked ``e2e`` (deselect with ``-m "not e2e"``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    return config.data_dir()


# ------------------------------------------------------------------ server


@pytest.fixture(scope="session")
def app_dir() -> Path:
    return Path(os.environ.get("LAMH_E2E_APP_DIR") or REPO_ROOT).resolve()


def _serve(
    app_dir: Path, data_dir: Path | None, logs: Path, extra_env: dict | None = None
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
def app_server(app_dir, tmp_path_factory):
    """``streamlit run dashboard/app.py`` in app_dir on its committed snapshot; yields its
    base URL once healthy."""
    logs = tmp_path_factory.mktemp("streamlit-server")
    server = _serve(app_dir, None, logs)
    try:
        app_server.startup_seconds = server.startup_s
        app_server.log_dir = logs
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def start_server(app_dir, tmp_path_factory):
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
def page(browser, request, tmp_path_factory):
    context, pg = open_page(browser)
    try:
        yield pg
    finally:
        keep_evidence(request, pg, tmp_path_factory.getbasetemp())
        context.close()


ARTEFACTS = REPO_ROOT / "test-results"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_report = report  # read by keep_evidence
    return report


def keep_evidence(request, pg, temp: Path) -> None:
    """After a failed test: a screenshot of its page and the tail of every server log, in
    test-results/ (CI keeps the folder as an artefact)."""
    report = getattr(request.node, "call_report", None)
    if report is None or not report.failed:
        return
    ARTEFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
    try:
        pg.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)
    except Exception as exc:  # a crashed page: the log says why
        (ARTEFACTS / f"{name}.screenshot-error.txt").write_text(repr(exc))
    logs = sorted(p for p in Path(temp).rglob("*.log") if "streamlit-server" in str(p))
    text = "\n".join(f"== {p}\n{harness.tail(p)}" for p in logs)
    console = getattr(pg, "js_errors", [])
    (ARTEFACTS / f"{name}.server.log").write_text(f"{text}\n== browser console\n{console}\n")


@pytest.fixture
def new_page(browser):
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
