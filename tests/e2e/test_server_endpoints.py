"""The running server's HTTP surface: no endpoint reads or writes files outside static/.

Against the real ``streamlit run`` server (the e2e ``app_server``), with raw HTTP requests
(``http.client`` sends paths exactly as written, unnormalised):

* path traversal on /app/static (and the component and media routes) never returns a file
  from outside the served folder — encoded, double-encoded, backslashes, absolute paths;
* no method other than GET/HEAD is accepted on /app/static (nothing can be written there);
* the upload endpoint refuses requests without the XSRF token; with a real browser
  session's token and id, whatever it takes stays in memory: no file appears on disk
  (under the app folder, static/, the data folder or the temp folder), none is served back;
* the agent API (an HTTP client driving sessions) is off.
"""

from __future__ import annotations

import http.client
import os
import re
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

SECRETS = {  # file outside static/ -> a string only that file holds
    "dashboard/app.py": b"st.set_page_config",
    ".streamlit/config.toml": b"enableXsrfProtection",
    "dashboard/config.py": b"RAW_CANDIDATES",
    "/etc/passwd": b"root:",
}

TRAVERSALS = [
    "/app/static/../../{f}",
    "/app/static/vendor/../../{f}",
    "/app/static/%2e%2e/%2e%2e/{f}",
    "/app/static/%2e%2e%2f%2e%2e%2f{fq}",
    "/app/static/..%2f..%2f{fq}",
    "/app/static/..%5c..%5c{fq}",
    "/app/static/%252e%252e/%252e%252e/{f}",
    "/app/static/....//....//{f}",
    "/app/static/%c0%ae%c0%ae/%c0%ae%c0%ae/{f}",
    "/app/static//{abs}",
    "/app/static/{absq}",
    "/app/static/vendor/leaflet/../../../{f}",
    "/component/streamlit_folium.st_folium/../../../../../{f}",
    "/component/streamlit_folium.st_folium/..%2f..%2f..%2f..%2f{fq}",
    "/media/..%2f..%2f{fq}",
    "/_stcore/bidi-components/..%2f..%2f{fq}",
]


def request(
    base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def _paths(template: str) -> list[tuple[str, bytes]]:
    """One traversal pattern aimed at every secret file."""
    out = []
    for f, secret in SECRETS.items():
        rel = f.lstrip("/")
        depth = "../../../../../../../.."
        target = f if f.startswith("/") else rel
        if f.startswith("/"):
            # absolute target: climb far enough from wherever the route starts
            path = template.format(
                f=f"{depth}/{rel}", fq=quote(f"{depth}/{rel}", safe=""), abs=rel, absq=quote(f, safe="")
            )
        else:
            path = template.format(
                f=target, fq=quote(target, safe=""), abs=rel, absq=quote(str(Path.cwd() / rel), safe="")
            )
        out.append((path, secret))
    return sorted(set(out))


@pytest.mark.parametrize("template", TRAVERSALS)
def test_path_traversal_reads_nothing_outside_static(app_server, template):
    """Each pattern against every secret file (one test per pattern: the files share a fate)."""
    for path, secret in _paths(template):
        status, _headers, body = request(app_server, "GET", path)
        assert not (status == 200 and secret in body), f"{path} served a file from outside static/"
        assert status in (400, 403, 404), (path, status, body[:100])


def test_static_files_are_served(app_server):
    """Control: the route the traversal tests attack does serve its own files."""
    status, headers, body = request(app_server, "GET", "/app/static/vendor/leaflet/leaflet.css")
    assert status == 200 and b"leaflet" in body
    assert headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
@pytest.mark.parametrize(
    "path", ["/app/static/probe.txt", "/app/static/vendor/leaflet/leaflet.css", "/app/static/../probe.txt"]
)
def test_nothing_can_be_written_through_static(app_server, app_dir, method, path):
    marker = f"LAMH-PROBE-{uuid.uuid4().hex}".encode()
    before = (app_dir / "dashboard" / "static" / "vendor" / "leaflet" / "leaflet.css").read_bytes()
    status, _h, _b = request(app_server, method, path, body=marker, headers={"Content-Type": "text/plain"})
    assert status in (400, 403, 404, 405), (method, path, status)
    assert not (app_dir / "dashboard" / "static" / "probe.txt").exists()
    assert not (app_dir / "probe.txt").exists()
    assert (app_dir / "dashboard" / "static" / "vendor" / "leaflet" / "leaflet.css").read_bytes() == before


def multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: text/html\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_upload_without_the_xsrf_token_is_refused(app_server):
    body, ctype = multipart("probe.txt", b"x")
    for path in (
        "/_stcore/upload_file/any-session/any-file",
        "/_stcore/upload_file/..%2f..%2fstatic/probe.txt",
    ):
        status, _h, text = request(app_server, "PUT", path, body=body, headers={"Content-Type": ctype})
        assert status in (400, 403), (path, status, text[:120])


def _files_holding(marker: bytes, roots: list[Path], since: float) -> list[Path]:
    hits = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in (".git", "__pycache__", "node_modules")]
            for name in filenames:
                p = Path(dirpath) / name
                try:
                    st = p.stat()
                    if st.st_mtime < since or st.st_size > 5_000_000:
                        continue
                    if marker in p.read_bytes():
                        hits.append(p)
                except OSError:
                    continue
    return hits


def test_upload_with_a_real_session_writes_no_file(page, app_server, app_dir, snapshot_dir, wait_for_app):
    """The strongest case: a browser session's own id and XSRF cookie.  Streamlit 1.67 then
    accepts the upload (204) into its in-memory store for that session — the app has no
    upload widget that would ever read it; no file may appear on disk or be served."""
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: frames.append(payload if isinstance(payload, bytes) else payload.encode()),
        ),
    )
    page.goto(app_server)
    wait_for_app(page)
    sessions = {
        m.decode()
        for f in frames
        for m in re.findall(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", f)
    }
    assert sessions, "no session id seen on the websocket"
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert "_streamlit_xsrf" in cookies, cookies.keys()
    token = cookies["_streamlit_xsrf"]
    marker = f"LAMH-UPLOAD-PROBE-{uuid.uuid4().hex}".encode()
    since = time.time() - 1
    statuses = []
    for sid in sorted(sessions):
        for name in ("probe.html", "../../static/probe.html", "/tmp/probe.html", "..\\..\\dashboard\\app.py"):
            r = page.request.put(
                f"{app_server}/_stcore/upload_file/{sid}/{uuid.uuid4().hex}",
                headers={"X-Xsrftoken": token},
                multipart={"file": {"name": name, "mimeType": "text/html", "buffer": marker}},
            )
            statuses.append(r.status)
    assert statuses and all(s in (204, 400, 403, 404) for s in statuses), statuses
    roots = [app_dir, snapshot_dir, Path(tempfile.gettempdir())]
    assert _files_holding(marker, roots, since) == []
    for name in ("probe.html", "static/probe.html"):
        status, _h, body = request(app_server, "GET", f"/app/static/{name}")
        assert status == 404 and marker not in body
    assert not (app_dir / "dashboard" / "static" / "probe.html").exists()


def test_agent_api_is_off(app_server):
    status, _h, body = request(
        app_server,
        "POST",
        "/_stcore/agent/interact",
        body=b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert status in (403, 404), (status, body[:200])
    status, _h, body = request(
        app_server, "POST", "/_stcore/agent/mcp", body=b"{}", headers={"Content-Type": "application/json"}
    )
    assert status in (403, 404) or b"not_available" in body, (status, body[:200])
