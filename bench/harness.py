"""What the benchmark scripts share beyond bench.common: the snapshot, the app server,
process memory, and an offline headless Chromium.

The server, the browser and the offline routing are the real-browser test harness's own
(tests/harness.py, a plain module shared with tests/e2e/conftest.py): the server is
``streamlit run dashboard/app.py`` serving a snapshot folder (``LAMH_DATA_DIR``; the
committed data/snapshot/ by default) in its own process group; the browser is Debian's
/usr/bin/chromium driven by Playwright with the same launch flags; every request to another
host (map tiles, CDNs, fonts) is aborted (no internet here; Leaflet comes from
dashboard/static/vendor/).  What is bench-only lives here: the data helpers, ``streamlit
run`` options as SECTION.NAME=VALUE, the memory of a process tree, and longer timeouts.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests import harness as _h  # noqa: E402
from tests.harness import (  # noqa: E402,F401 - still importable from bench.harness
    CDN_HOSTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    MAP_IFRAME,
    chromium,
    filter_value,
    free_port,
)

SERVER_START_TIMEOUT_S = 90.0
TIMEOUT_MS = 60_000


# ------------------------------------------------------------------ data


def snapshot_dir(data_dir: str | Path | None = None) -> Path:
    """The snapshot folder to measure: ``data_dir`` when given, else ``config.data_dir()``
    (``LAMH_DATA_DIR`` or the committed data/snapshot/).  Only read, never built: raises
    SnapshotError when it holds no complete snapshot."""
    from dashboard import config, snapshot

    target = Path(data_dir) if data_dir else config.data_dir()
    snapshot.stamp(target)
    return target.resolve()


def fresh_build(into: Path) -> Path:
    """A new offline pipeline build in ``into`` (a temporary folder of the caller)."""
    from dashboard import config
    from dashboard.ingest import pipeline

    pipeline.build(config.raw_dir(), into)
    return into


def data_size(data_dir: Path) -> dict:
    """Row counts of what the app serves from ``data_dir``."""
    from dashboard import snapshot

    b = snapshot.read(data_dir)
    fac = b.facilities
    return {
        "facilities": len(fac),
        "located": int((fac["location_precision"] != "none").sum()),
        "tracts": len(b.tracts),
        "tract_polygons": len(b.geojson["tracts"]["features"]),
    }


# ------------------------------------------------------------------ server


def option_args(opt: str) -> list[str]:
    """``runner.postScriptGC=false`` -> ["--runner.postScriptGC", "false"] for streamlit run."""
    key, sep, value = opt.partition("=")
    if not sep or not key:
        raise ValueError(f"server option {opt!r}: expected section.name=value")
    return [f"--{key.removeprefix('--')}", value]


def add_server_option(ap) -> None:
    """The ``--server-option`` argument of the scripts that start servers (see option_args)."""
    ap.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="SECTION.NAME=VALUE",
        help="extra `streamlit run` option, e.g. runner.postScriptGC=false (repeatable)",
    )


class AppServer(_h.AppServer):
    """``streamlit run dashboard/app.py`` in ``app_dir`` serving the snapshot in
    ``data_dir`` (None: the committed one) (:class:`tests.harness.AppServer`, logs in a
    temporary folder).

    Use as a context manager; ``url`` is the base URL once /_stcore/health answers,
    ``startup_s`` how long that took, ``rss_mb()`` the memory of its process tree.
    ``options`` are ``streamlit run`` options as "section.name=value" (:func:`option_args`).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        app_dir: Path = REPO_ROOT,
        extra_env: dict | None = None,
        options: list[str] | None = None,
        log_dir: Path | None = None,
    ):
        self.options = [x for opt in options or () for x in option_args(opt)]
        super().__init__(
            data_dir,
            app_dir,
            extra_env,
            args=self.options,
            log_dir=log_dir,
            start_timeout_s=SERVER_START_TIMEOUT_S,
            poll_s=0.05,
        )

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
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == pid:
            kids.append(int(p.name))
    return kids


def cpu_ms(pid: int) -> float:
    """CPU time used so far by process ``pid`` and its descendants (ms): user + system time
    from /proc/<pid>/stat, which counts every thread, also those that have ended (Streamlit
    runs each script run on a new thread).  The kernel reports it in clock ticks (10 ms):
    compare totals over many changes, or medians."""
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) * tick_ms
        todo.extend(_children(p))
    return total


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
# chromium() and the routing are tests.harness's; the bench waits longer and, for its
# timings, only for the script run (not for the status widget), with Playwright's own errors.


def offline_context(browser, viewport=(1280, 900)):
    """A fresh browser context (empty cache) that never leaves this machine
    (:func:`tests.harness.offline_context`); aborted URLs in ``context.blocked``."""
    return _h.offline_context(browser, viewport, timeout_ms=TIMEOUT_MS)


def wait_for_app(page, timeout: float = TIMEOUT_MS) -> None:
    """Streamlit connected and its script run finished."""
    _h.wait_for_app(page, timeout, status_widget=False)


def map_frame(page, index: int = 0, timeout: float = TIMEOUT_MS):
    """The ``index``-th streamlit-folium iframe's Frame once Leaflet has drawn its container."""
    return _h.map_frame(page, index, timeout, explain=False)
