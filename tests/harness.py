"""Real-browser harness shared by the e2e tests and the benchmarks: a Streamlit server and
Debian's Chromium driven by Playwright, all offline.  A plain module (no pytest): the
fixtures in tests/e2e/conftest.py and bench/harness.py are thin layers over it.

- ``AppServer``: ``streamlit run dashboard/app.py`` in a repository folder (serving its
  committed snapshot, or the one in ``data_dir``), in its own process group, on a free port;
  ``start()`` returns once ``/_stcore/health`` answers (or raises :class:`HarnessError` with
  the server's log tails).
- ``chromium()``: a headless /usr/bin/chromium (``$LAMH_E2E_CHROMIUM``) with fixed flags.
- ``offline_context(browser)``: a fresh browser context whose requests never leave this
  machine: every request to another host is aborted and recorded (``context.blocked``).
- ``open_page(browser)``: such a context plus a page carrying ``blocked`` and ``js_errors``
  (console errors + uncaught exceptions).
- ``wait_for_app``, ``map_frame``, ``filter_value``, ``facility_table``, ``assert_self_hosted``:
  page helpers.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("LAMH_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT_S = 60.0
DEFAULT_TIMEOUT_MS = 30_000

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
CDN_HOSTS = {
    "unpkg.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "code.jquery.com",
    "netdna.bootstrapcdn.com",
    "maxcdn.bootstrapcdn.com",
    "stackpath.bootstrapcdn.com",
}
# Streamlit's client, opened on /<page>, first probes /<page>/_stcore/health and host-config
# in case <page> is the server's base path; the 404s are expected and harmless.
STREAMLIT_PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")
MAP_IFRAME = 'iframe[title*="st_folium"], iframe[src*="streamlit_folium"]'


class HarnessError(RuntimeError):
    """The server or the browser could not be started; the message says why."""


# ------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def stop_process_group(proc: subprocess.Popen) -> None:
    """SIGTERM (then SIGKILL after 10 s) the process group of ``proc``, which was started
    with ``start_new_session=True``: the server and anything it spawned, nothing else."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class AppServer:
    """``python -m streamlit run dashboard/app.py`` in ``app_dir`` (a repository folder),
    serving ``data_dir`` (``LAMH_DATA_DIR``) or, when it is None, the committed snapshot.

    ``command`` replaces the command's start (default ``[python, -m, streamlit]``; e.g. the
    ``streamlit`` console script a hosting service runs) and ``clean_env`` starts the server
    with only PATH, HOME and ``extra_env`` (nothing of this test process's environment).
    ``extra_env`` is added to the server's environment, ``args`` to its command line (e.g.
    ``["--runner.postScriptGC", "false"]``).  Its stdout/stderr go to ``log_dir``
    (``stdout.log``/``stderr.log``); without one, a temporary folder removed by ``stop()``.
    Use as a context manager or ``start()``/``stop()``; ``url`` is the base URL
    ("http://127.0.0.1:<port>"), ``startup_s`` how long ``start()`` took to get a healthy
    answer from /_stcore/health, polled every ``poll_s`` for up to ``start_timeout_s``.
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        app_dir: str | Path = REPO_ROOT,
        extra_env: dict | None = None,
        args: list[str] | None = None,
        log_dir: Path | None = None,
        start_timeout_s: float = SERVER_START_TIMEOUT_S,
        poll_s: float = 0.1,
        command: list[str] | None = None,
        clean_env: bool = False,
    ):
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.app_dir = Path(app_dir)
        self.clean_env = clean_env
        self.extra_env = dict(extra_env or {})
        self.args = list(args or ())
        self.start_timeout_s, self.poll_s = start_timeout_s, poll_s
        self._own_log_dir = log_dir is None
        self.log_dir = Path(tempfile.mkdtemp(prefix="lamh-server-")) if log_dir is None else Path(log_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            *(command or [sys.executable, "-m", "streamlit"]),
            "run",
            "dashboard/app.py",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            *self.args,
        ]
        self.proc: subprocess.Popen | None = None
        self.startup_s = float("nan")

    def __enter__(self) -> AppServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        script = self.app_dir / "dashboard" / "app.py"
        if not script.is_file():
            raise HarnessError(f"{script} does not exist: nothing to serve")
        base = (
            {"PATH": "/usr/bin:/bin", "HOME": str(self.log_dir)}
            if self.clean_env
            else {k: v for k, v in os.environ.items() if k != "LAMH_DATA_DIR"}
        )
        env = {**base, "PYTHONUNBUFFERED": "1", **self.extra_env}
        if self.data_dir is not None:
            env["LAMH_DATA_DIR"] = str(self.data_dir)
        t0 = time.perf_counter()
        with open(self.log_dir / "stdout.log", "wb") as out, open(self.log_dir / "stderr.log", "wb") as err:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=self.app_dir,
                env=env,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - t0

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"streamlit exited with code {self.proc.returncode} before it was "
                    f"healthy.\ncommand: {' '.join(self.cmd)} (cwd {self.app_dir})\n"
                    f"{self.logs()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise HarnessError(
                    f"streamlit not healthy at {self.url}/_stcore/health after "
                    f"{self.start_timeout_s:.0f} s.\n{self.logs()}"
                )
            time.sleep(self.poll_s)

    def logs(self, n: int = 4000) -> str:
        """The last ``n`` characters of the server's stderr and stdout."""
        return (
            f"stderr:\n{tail(self.log_dir / 'stderr.log', n)}\n"
            f"stdout:\n{tail(self.log_dir / 'stdout.log', n)}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process_group(proc)
        if self._own_log_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


# ------------------------------------------------------------------ browser


def check_chromium() -> None:
    if not Path(CHROMIUM).exists():
        raise HarnessError(
            f"{CHROMIUM} not found: `apt-get install -y chromium` (never `playwright install`)"
        )


@contextlib.contextmanager
def chromium():
    """A headless Debian Chromium (Playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    check_chromium()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# A phone as a browser context presents it: touch, mobile, its own user agent.
PHONE = {
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36",
}


def offline_context(browser, viewport=(1280, 900), timeout_ms: float = DEFAULT_TIMEOUT_MS, **device):
    """A fresh browser context (its own cookies, storage and cache, i.e. its own Streamlit
    session) that never leaves this machine: every request to another host (map tiles, a
    CDN, fonts) is aborted and recorded in ``context.blocked``.  ``device``: e.g. ``PHONE``."""
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block", **device
    )
    context.set_default_timeout(timeout_ms)
    blocked: list[str] = []
    context.blocked = blocked

    def route(r):
        url = r.request.url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() in LOCAL_HOSTS:
            return r.continue_()
        blocked.append(url)
        return r.abort("blockedbyclient")

    context.route("**/*", route)
    return context


def open_page(browser, timeout_ms: float = DEFAULT_TIMEOUT_MS, viewport=(1280, 900), **device):
    """(context, page): an :func:`offline_context` and a page in it carrying that context's
    ``blocked`` list and ``js_errors``: console errors and uncaught exceptions (str) of any
    frame, minus the "Failed to load resource" noise of the requests we blocked."""
    context = offline_context(browser, viewport=viewport, timeout_ms=timeout_ms, **device)
    pg = context.new_page()
    pg.js_errors = []
    pg.blocked = context.blocked

    def on_console(msg):
        if msg.type != "error":
            return
        loc = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and (
            loc in pg.blocked or "ERR_BLOCKED_BY_CLIENT" in msg.text
        ):
            return  # our own aborts (tiles, external hosts): recorded in page.blocked
        if "404" in msg.text and STREAMLIT_PROBE.search(loc):
            return  # on a deep link Streamlit first asks /<page>/_stcore/... (a base path?)
        pg.js_errors.append(f"console: {msg.text} ({loc})")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: pg.js_errors.append(f"pageerror: {exc}"))
    return context, pg


# ------------------------------------------------------------------ page helpers


def wait_for_app(page, timeout: float = DEFAULT_TIMEOUT_MS, *, status_widget: bool = True) -> None:
    """Wait until Streamlit is connected and its script run finished (and, with
    ``status_widget``, its running/connecting status widget is gone).

    After a widget interaction, the run may not have started yet when this is called; pass
    through an expected change (e.g. ``expect(locator).to_have_text(...)``) rather than
    relying on this alone.
    """
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    if status_widget:
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="hidden", timeout=timeout)


def map_frame(page, index: int = 0, timeout: float = DEFAULT_TIMEOUT_MS, *, explain: bool = True):
    """The Frame of the ``index``-th streamlit-folium map once Leaflet has drawn it.

    When Leaflet never initialises (e.g. its script could not load), raises an
    AssertionError with the page's JS errors and blocked requests (``explain``), or lets
    Playwright's own error through (``explain=False``).
    """
    # attached, not visible: the iframe has height 0 until the component reports its size
    page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout)
    handle = page.query_selector_all(MAP_IFRAME)[index]
    frame = handle.content_frame()
    assert frame is not None, "streamlit-folium iframe has no frame"
    try:
        frame.wait_for_selector(".leaflet-container", timeout=timeout)
    except Exception as exc:
        if not explain:
            raise
        raise AssertionError(
            f"Leaflet never rendered in the map iframe ({exc.__class__.__name__}).\n"
            f"JS errors: {getattr(page, 'js_errors', [])}\n"
            f"blocked requests: {getattr(page, 'blocked', [])[:20]}"
        ) from None
    return frame


def filter_value(page, group: str, value: str, *, unfold: bool = True):
    """The pill of one value of a sidebar filter: a toggle button named "<value> (<count>)"
    (attribute groups, each in an expander named ``group``, unfolded first if folded) or
    "<value> · <name>" / "<value>" (the area filters, pills labelled ``group``);
    ``aria-pressed="true"`` when chosen."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    name = re.compile(rf"^{re.escape(value)}( \(| ·|$)")
    folded = sidebar.locator('[data-testid="stExpander"]').filter(has=page.locator("summary", has_text=group))
    if folded.count() == 0:
        pills = sidebar.locator('[data-testid="stButtonGroup"]').filter(
            has=page.locator('[data-testid="stWidgetLabel"]', has_text=group)
        )
        return pills.get_by_role("button", name=name)
    if unfold:
        details = folded.locator("details").first
        details.wait_for()
        if details.get_attribute("open") is None:
            folded.locator("summary").first.click()
    return folded.get_by_role("button", name=name)


def facility_table(page):
    """The Map page's facility grid, its folded section opened first (the grid is drawn only
    while the section is open)."""
    box = page.locator('[data-testid="stMain"] [data-testid="stExpander"]').filter(
        has=page.locator("summary", has_text="matching facilities")
    )
    details = box.locator("details").first
    details.wait_for()
    if details.get_attribute("open") is None:
        box.locator("summary").first.click()
    grid = box.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    return grid


def assert_self_hosted(page) -> None:
    """The page asked no other host for a script or stylesheet (Leaflet and its plugin came
    from /app/static/): the map works on a network that blocks CDNs."""
    outside = [
        u
        for u in page.blocked
        if urlsplit(u).hostname in CDN_HOSTS or urlsplit(u).path.endswith((".js", ".css"))
    ]
    assert outside == [], f"scripts or stylesheets requested from other hosts: {outside}"
