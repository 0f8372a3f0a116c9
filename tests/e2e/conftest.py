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
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dashboard import assets

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LAMH_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 60.0
DEFAULT_TIMEOUT_MS = 30_000

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
TILE_HOST = re.compile(r"(^|\.)(tile\.openstreetmap\.org|basemaps\.cartocdn\.com|arcgisonline\.com)$"
                       r"|(^|\.)tiles?\.|\.tile\.", re.I)
TILE_PATH = re.compile(r"/\d+/\d+/\d+(@2x)?\.(png|jpg|jpeg|webp|pbf)$", re.I)
CDN_HOSTS = {"unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com",
             "netdna.bootstrapcdn.com", "maxcdn.bootstrapcdn.com", "stackpath.bootstrapcdn.com"}
# .../npm/leaflet@1.9.3/dist/leaflet.js, unpkg.com/leaflet.markercluster@1.5.3/dist/x.css,
# cdnjs .../ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css
CDN_PATH = re.compile(r"^/(?:npm/|ajax/libs/)?(leaflet(?:\.markercluster)?)(?:@[^/]*|/[0-9][^/]*)"
                      r"(?:/dist)?/(.+)$")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _serve(app_dir: Path, data_dir: Path, logs: Path, extra_env: dict | None = None):
    """Start ``streamlit run streamlit_app.py`` in app_dir on a free port with
    LAMH_DATA_DIR=data_dir; returns (process, base URL, startup seconds) once healthy."""
    script = app_dir / "streamlit_app.py"
    if not script.is_file():
        pytest.fail(f"{script} does not exist: nothing to serve", pytrace=False)
    port = _free_port()
    out_path, err_path = logs / "stdout.log", logs / "stderr.log"
    env = {**os.environ, "LAMH_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(extra_env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=app_dir, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode} before it was healthy.\n"
                            f"command: {' '.join(cmd)} (cwd {app_dir})\n"
                            f"stderr:\n{_tail(err_path)}\nstdout:\n{_tail(out_path)}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy at {base}/_stcore/health after "
                            f"{SERVER_START_TIMEOUT_S:.0f} s.\nstderr:\n{_tail(err_path)}\n"
                            f"stdout:\n{_tail(out_path)}", pytrace=False)
            time.sleep(0.1)
    except BaseException:
        _stop(proc)
        raise
    return proc, base, time.perf_counter() - t0


@pytest.fixture(scope="session")
def app_server(app_dir, processed_data_dir, vendor_assets, tmp_path_factory):
    """``streamlit run streamlit_app.py`` in app_dir; yields its base URL once healthy."""
    logs = tmp_path_factory.mktemp("streamlit-server")
    proc, base, seconds = _serve(app_dir, processed_data_dir, logs)
    try:
        app_server.startup_seconds = seconds
        app_server.log_dir = logs
        yield base
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def start_server(app_dir, vendor_assets, tmp_path_factory):
    """A factory for more servers of the same app on other data: ``start_server(data_dir,
    env=None)`` -> base URL; ``start_server.logs[url]`` is the folder of its stdout/stderr
    logs.  Every server started is stopped at the end of the session."""
    procs = []

    def start(data_dir: Path, env: dict | None = None) -> str:
        logs = tmp_path_factory.mktemp("streamlit-server-extra")
        proc, base, _seconds = _serve(app_dir, Path(data_dir), logs, env)
        procs.append(proc)
        start.logs[base] = logs
        return base

    start.logs = {}
    try:
        yield start
    finally:
        for proc in procs:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # our own session: streamlit + anything it spawned
        proc.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `apt-get install -y chromium` "
                    "(never `playwright install`)", pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _vendor_file(url: str) -> Path | None:
    """The local copy of a CDN Leaflet-family URL, if we have that file (any version)."""
    m = CDN_PATH.match(urlsplit(url).path)
    if not m:
        return None
    pkg, rel = m.groups()
    rel = rel.replace("-src.js", ".js")
    path = (assets.VENDOR_DIR / pkg / rel).resolve()
    if assets.VENDOR_DIR.resolve() not in path.parents or not path.is_file():
        return None
    return path


def open_page(browser):
    """(context, page): a fresh browser context (its own cookies and storage, i.e. its own
    Streamlit session) with the offline routing and the error bookkeeping described above."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  service_workers="block")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    blocked: list[str] = []
    cdn_served: list[str] = []
    cdn_stubbed: list[str] = []

    def route(r):
        url = r.request.url
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host in LOCAL_HOSTS:
            return r.continue_()
        if TILE_HOST.search(host) or TILE_PATH.search(parts.path):
            blocked.append(url)  # map tiles never load offline: assert on markers, not tiles
            return r.abort("blockedbyclient")
        if host in CDN_HOSTS:
            local = _vendor_file(url)
            if local is not None:
                cdn_served.append(url)
                return r.fulfill(path=str(local), status=200, headers={
                    "Content-Type": CONTENT_TYPES.get(local.suffix, "application/octet-stream"),
                    "Access-Control-Allow-Origin": "*"})
            suffix = Path(parts.path).suffix
            if suffix in (".js", ".css"):
                # jQuery / Bootstrap / awesome-markers / Font Awesome from folium's defaults:
                # an empty stub, so streamlit-folium's sequential script loader (which gives
                # up on the first failed <script>) still reaches the map code.
                cdn_stubbed.append(url)
                return r.fulfill(status=200, body=f"/* offline stub for {url} */\n", headers={
                    "Content-Type": CONTENT_TYPES[suffix], "Access-Control-Allow-Origin": "*"})
        blocked.append(url)  # tiles, fonts/images on CDNs, any other external host
        return r.abort("blockedbyclient")

    context.route("**/*", route)
    pg = context.new_page()
    pg.js_errors = []
    pg.blocked = blocked
    pg.cdn_served = cdn_served
    pg.cdn_stubbed = cdn_stubbed

    def on_console(msg):
        if msg.type != "error":
            return
        loc = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and (
                loc in blocked or "ERR_BLOCKED_BY_CLIENT" in msg.text):
            return  # our own aborts (tiles, external hosts): recorded in page.blocked
        pg.js_errors.append(f"console: {msg.text} ({loc})")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: pg.js_errors.append(f"pageerror: {exc}"))
    return context, pg


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


def wait_for_app(page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until Streamlit is connected and its script run finished.

    After a widget interaction, the run may not have started yet when this is called; pass
    through an expected change (e.g. ``expect(locator).to_have_text(...)``) rather than
    relying on this alone.
    """
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]',
                           timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="hidden", timeout=timeout)


def map_frame(page, index: int = 0, timeout: float = DEFAULT_TIMEOUT_MS):
    """The Frame of the ``index``-th streamlit-folium map once Leaflet has drawn it.

    Fails (with the page's JS errors) when Leaflet never initialises, e.g. because its
    script could not load.
    """
    selector = 'iframe[title*="st_folium"], iframe[src*="streamlit_folium"]'
    # attached, not visible: the iframe has height 0 until the component reports its size
    page.wait_for_selector(selector, state="attached", timeout=timeout)
    handle = page.query_selector_all(selector)[index]
    frame = handle.content_frame()
    assert frame is not None, "streamlit-folium iframe has no frame"
    try:
        frame.wait_for_selector(".leaflet-container", timeout=timeout)
    except Exception as exc:
        raise AssertionError(
            f"Leaflet never rendered in the map iframe ({exc.__class__.__name__}).\n"
            f"JS errors: {getattr(page, 'js_errors', [])}\n"
            f"blocked requests: {getattr(page, 'blocked', [])[:20]}") from None
    return frame


def assert_self_hosted(page) -> None:
    """The page fetched no Leaflet/plugin file from a CDN (all came from /app/static/)."""
    assert page.cdn_served == [] and page.cdn_stubbed == [], (
        "assets loaded from CDNs (the app will not show its map offline; use "
        f"dashboard.assets.apply): served locally {page.cdn_served}, stubbed {page.cdn_stubbed}")


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
