"""What the benchmark scripts share beyond bench.common: processed data, the app server,
process memory, and an offline headless Chromium.

It mirrors the real-browser test harness (tests/e2e/conftest.py) without importing it, so
benchmarks keep working while tests change: the server is ``streamlit run
streamlit_app.py`` started with ``LAMH_DATA_DIR`` in its own process group; the browser is
Debian's /usr/bin/chromium driven by Playwright with the same launch flags; map tiles and
every other external host are aborted (no internet here), Leaflet-family CDN files are
answered from static/vendor/ and other CDN .js/.css with an empty stub.
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

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

CHROMIUM = os.environ.get("LAMH_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 90.0
TIMEOUT_MS = 60_000

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
CDN_HOSTS = {"unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com",
             "netdna.bootstrapcdn.com", "maxcdn.bootstrapcdn.com", "stackpath.bootstrapcdn.com"}
CDN_PATH = re.compile(r"^/(?:npm/|ajax/libs/)?(leaflet(?:\.markercluster)?)(?:@[^/]*|/[0-9][^/]*)"
                      r"(?:/dist)?/(.+)$")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
MAP_IFRAME = 'iframe[title*="st_folium"], iframe[src*="streamlit_folium"]'


# ------------------------------------------------------------------ data


def processed_data(data_dir: str | Path | None = None) -> Path:
    """A folder holding a current build of the processed tables.

    ``data_dir`` given: built there when missing or stale (``pipeline.ensure_built``).
    Otherwise the default LAMH_DATA_DIR / data/processed, also built when needed.
    """
    from dashboard import config, pipeline

    target = Path(data_dir) if data_dir else config.data_dir()
    pipeline.ensure_built(config.raw_dir(), target)
    return target.resolve()


def fresh_build(into: Path) -> Path:
    """A new offline pipeline build in ``into`` (a temporary folder of the caller)."""
    from dashboard import config, pipeline

    pipeline.build(config.raw_dir(), into, geocode=False)
    return into


def data_size(data_dir: Path) -> dict:
    """Row counts of what the app serves from ``data_dir``."""
    from dashboard import store

    b = store.load(data_dir)
    fac = b.facilities
    return {"facilities": len(fac),
            "located": int((fac["location_precision"] != "none").sum()),
            "tracts": len(b.tracts),
            "tract_polygons": len(b.geojson["tracts"]["features"])}


# ------------------------------------------------------------------ server


def option_args(opt: str) -> list[str]:
    """``runner.postScriptGC=false`` -> ["--runner.postScriptGC", "false"] for streamlit run."""
    key, sep, value = opt.partition("=")
    if not sep or not key:
        raise ValueError(f"server option {opt!r}: expected section.name=value")
    return [f"--{key.removeprefix('--')}", value]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``streamlit run streamlit_app.py`` in ``app_dir`` serving ``data_dir``.

    Use as a context manager; ``url`` is the base URL once /_stcore/health answers,
    ``startup_s`` how long that took, ``rss_mb()`` the memory of its process tree.
    """

    def __init__(self, data_dir: Path, app_dir: Path = REPO_ROOT, extra_env: dict | None = None,
                 options: list[str] | None = None):
        self.data_dir, self.app_dir = Path(data_dir), Path(app_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_dir = Path(tempfile.mkdtemp(prefix="lamh-bench-server-"))
        self.extra_env = extra_env or {}
        self.options = [x for opt in options or () for x in option_args(opt)]
        self.proc: subprocess.Popen | None = None
        self.startup_s = float("nan")

    def __enter__(self) -> "AppServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        env = {**os.environ, "LAMH_DATA_DIR": str(self.data_dir), "PYTHONUNBUFFERED": "1",
               "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **self.extra_env}
        cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--browser.gatherUsageStats", "false", *self.options]
        t0 = time.perf_counter()
        with open(self.log_dir / "stdout.log", "wb") as out, open(self.log_dir / "stderr.log", "wb") as err:
            self.proc = subprocess.Popen(cmd, cwd=self.app_dir, env=env, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode}:\n{self.logs()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit not healthy after {SERVER_START_TIMEOUT_S:.0f} s:\n{self.logs()}")
            time.sleep(0.05)
        self.startup_s = time.perf_counter() - t0

    def logs(self, n: int = 3000) -> str:
        out = []
        for name in ("stderr.log", "stdout.log"):
            try:
                out.append((self.log_dir / name).read_text(errors="replace")[-n:])
            except OSError:
                pass
        return "\n".join(out)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # our own process group only
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        shutil.rmtree(self.log_dir, ignore_errors=True)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_mb(self) -> float:
        return tree_rss_mb(self.pid)


def _children(pid: int) -> list[int]:
    kids = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces, so split after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(p.name))
    return kids


def tree_rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and all its descendants, in MB (1e6 bytes)."""
    total_kb, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
        todo.extend(_children(p))
    return total_kb * 1024 / 1e6


# ------------------------------------------------------------------ browser


@contextlib.contextmanager
def chromium():
    """A headless Debian Chromium (Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: `apt-get install -y chromium` (never `playwright install`)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _vendor_file(url: str) -> Path | None:
    from dashboard import assets

    m = CDN_PATH.match(urlsplit(url).path)
    if not m:
        return None
    pkg, rel = m.groups()
    path = (assets.VENDOR_DIR / pkg / rel.replace("-src.js", ".js")).resolve()
    if assets.VENDOR_DIR.resolve() not in path.parents or not path.is_file():
        return None
    return path


def offline_context(browser, viewport=(1280, 900)):
    """A fresh browser context (empty cache) that never leaves this machine."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    context.blocked = []

    def route(r):
        url = r.request.url
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host in LOCAL_HOSTS:
            return r.continue_()
        if host in CDN_HOSTS:
            local = _vendor_file(url)
            if local is not None:
                return r.fulfill(path=str(local), status=200, headers={
                    "Content-Type": CONTENT_TYPES.get(local.suffix, "application/octet-stream"),
                    "Access-Control-Allow-Origin": "*"})
            suffix = Path(parts.path).suffix
            if suffix in (".js", ".css"):
                return r.fulfill(status=200, body="/* offline stub */\n", headers={
                    "Content-Type": CONTENT_TYPES[suffix], "Access-Control-Allow-Origin": "*"})
        context.blocked.append(url)  # map tiles and any other external host
        return r.abort("blockedbyclient")

    context.route("**/*", route)
    return context


def wait_for_app(page, timeout: float = TIMEOUT_MS) -> None:
    """Streamlit connected and its script run finished."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


def map_frame(page, index: int = 0, timeout: float = TIMEOUT_MS):
    """The ``index``-th streamlit-folium iframe's Frame once Leaflet has drawn its container."""
    page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout)
    frame = page.query_selector_all(MAP_IFRAME)[index].content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=timeout)
    return frame
