"""Serve the dashboard as several Streamlit processes behind HAProxy with sticky sessions.

One Streamlit process runs every session's script on one Python interpreter: with a room
full of people on one link their reruns queue behind each other.  This starts N replicas
(one per core by default) of ``streamlit run dashboard/app.py`` on loopback ports and
HAProxy (Debian's package) in front of them on one public port, with what Streamlit needs
of a proxy: sticky sessions by cookie (a session, its media and downloads live in one
replica's memory), websocket upgrade and long tunnel timeouts, health checks on
``/_stcore/health``, and redispatch to a live replica when one fails (the page reconnects
and its link reseeds the view).  Every replica serves the same committed snapshot and map
files and writes nothing.

    python deploy/serve.py [--replicas N] [--port 8501] [--address 0.0.0.0] [--base-url-path dash]
    make serve                     # installs HAProxy when missing, then the above

``Deployment`` is the same as a context manager, for tests and benchmarks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "haproxy.cfg.template"
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(bind: str, ports: list[int], base_url_path: str = "") -> str:
    """HAProxy's configuration for replicas on ``ports`` (loopback), listening on ``bind``."""
    base = f"/{base_url_path.strip('/')}" if base_url_path.strip("/") else ""
    servers = "\n".join(
        f"    server r{i + 1} 127.0.0.1:{port} check cookie r{i + 1}" for i, port in enumerate(ports)
    )
    return string.Template(TEMPLATE.read_text()).substitute(BIND=bind, BASE=base, SERVERS=servers)


def _healthy(url: str, timeout_s: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{' '.join(proc.args)} exited ({proc.returncode}):\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s:\n{_tail(log)}")
        time.sleep(0.1)


def _tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class Deployment:
    """``replicas`` Streamlit processes and HAProxy in front, started by ``start()`` (or as a
    context manager) and stopped by ``stop()``.  ``url`` is the proxy's base URL; ``ports``
    the replicas'; ``kill(i)`` stops replica i (as a crash would); logs go to ``run_dir``."""

    def __init__(
        self,
        replicas: int | None = None,
        port: int = 0,
        address: str = "127.0.0.1",
        base_url_path: str = "",
        run_dir: Path | None = None,
        extra_env: dict | None = None,
        streamlit_args: list[str] | None = None,
    ):
        self.n = replicas or os.cpu_count() or 1
        self.port = port or free_port()
        self.address = address
        self.base_url_path = base_url_path.strip("/")
        self._own_dir = run_dir is None
        self.run_dir = Path(run_dir or tempfile.mkdtemp(prefix="lamh-deploy-"))
        self.extra_env = dict(extra_env or {})
        self.streamlit_args = list(streamlit_args or ())
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen] = []
        self.proxy: subprocess.Popen | None = None
        host = "127.0.0.1" if address in ("0.0.0.0", "::") else address  # noqa: S104 - what to connect to
        self.url = f"http://{host}:{self.port}" + (f"/{self.base_url_path}" if self.base_url_path else "")

    def __enter__(self) -> Deployment:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _spawn(self, cmd: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
        with open(log, "wb") as out:
            return subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def start(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(haproxy).exists():
            raise RuntimeError("HAProxy is not installed: `make serve` installs it (apt-get install haproxy)")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env}
        if self.base_url_path:
            env.setdefault("LAMH_STATIC_URL", f"/{self.base_url_path}/app/static")
        try:
            for i in range(self.n):
                port = free_port()
                cmd = [
                    sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
                    "--server.port", str(port), "--server.address", "127.0.0.1",
                    "--server.headless", "true", "--browser.gatherUsageStats", "false",
                    *(["--server.baseUrlPath", self.base_url_path] if self.base_url_path else []),
                    *self.streamlit_args,
                ]  # fmt: skip
                self.ports.append(port)
                self.procs.append(self._spawn(cmd, self.run_dir / f"replica-{i + 1}.log", env))
            base = f"/{self.base_url_path}" if self.base_url_path else ""
            for port, proc, i in zip(self.ports, self.procs, range(self.n), strict=True):
                log = self.run_dir / f"replica-{i + 1}.log"
                _healthy(f"http://127.0.0.1:{port}{base}/_stcore/health", START_TIMEOUT_S, proc, log)
            cfg = self.run_dir / "haproxy.cfg"
            cfg.write_text(haproxy_config(f"{self.address}:{self.port}", self.ports, self.base_url_path))
            self.proxy = self._spawn([haproxy, "-db", "-f", str(cfg)], self.run_dir / "haproxy.log")
            _healthy(f"{self.url}/_stcore/health", 30, self.proxy, self.run_dir / "haproxy.log")
        except BaseException:
            self.stop()
            raise

    def revive(self) -> list[int]:
        """Start again, on its port, every replica that has exited; returns their indexes."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env}
        revived = []
        for i, proc in enumerate(self.procs):
            if proc.poll() is not None:
                self.procs[i] = self._spawn(list(proc.args), self.run_dir / f"replica-{i + 1}.log", env)
                revived.append(i)
        return revived

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def kill(self, i: int) -> None:
        """Stop replica ``i`` (0-based) at once, as a crash would."""
        proc = self.procs[i]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{_tail(p)}" for p in sorted(self.run_dir.glob("*.log")))

    def stop(self) -> None:
        _stop(self.proxy)
        self.proxy = None
        for proc in self.procs:
            _stop(proc)
        self.procs = []
        if self._own_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=os.cpu_count() or 1, help="Streamlit processes")
    ap.add_argument("--port", type=int, default=8501, help="the proxy's port")
    ap.add_argument("--address", default="0.0.0.0", help="the proxy's address")  # noqa: S104 - a server
    ap.add_argument("--base-url-path", default="", help="serve under a path, e.g. dash")
    ap.add_argument("--run-dir", type=Path, default=ROOT / "deploy" / "run", help="config and logs")
    args = ap.parse_args()
    args.run_dir.mkdir(parents=True, exist_ok=True)
    dep = Deployment(args.replicas, args.port, args.address, args.base_url_path, args.run_dir)
    stop = {"now": False}

    def on_signal(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    dep.start()
    print(
        f"{dep.n} replicas on ports {dep.ports} behind HAProxy: {dep.url} (logs in {dep.run_dir})", flush=True
    )
    try:
        while not stop["now"] and dep.proxy is not None and dep.proxy.poll() is None:
            for i in dep.revive():  # HAProxy sends its users elsewhere until it answers again
                print(f"replica {i + 1} had stopped: started again", flush=True)
            time.sleep(1.0)
    finally:
        dep.stop()


if __name__ == "__main__":
    main()
