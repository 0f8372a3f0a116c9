"""dashboard.assets: download + verify + extract against a local fake npm registry.

Tarballs are built here, laid out like npm's (``package/...``); the registry is an
http.server on 127.0.0.1.  Nothing touches the internet.
"""

from __future__ import annotations

import dataclasses
import http.server
import io
import json
import socket
import tarfile
import threading

import folium
import folium.plugins
import pytest

from dashboard import assets
from dashboard.assets import AssetError, integrity_of

# ---------------------------------------------------------------- fake tarballs + registry

LEAFLET_FILES = {
    "package/package.json": b'{"name": "leaflet", "version": "1.9.4"}',
    "package/LICENSE": b"BSD 2-Clause (test copy)\n",
    "package/dist/leaflet.js": b"/* leaflet js */ window.L = {version: '1.9.4'};\n",
    "package/dist/leaflet.css": b".leaflet-container { overflow: hidden; }\n",
    "package/dist/leaflet-src.js": b"/* not wanted */\n",
    "package/dist/leaflet.js.map": b"{}",
    "package/dist/images/marker-icon.png": b"\x89PNG marker",
    "package/dist/images/layers.png": b"\x89PNG layers",
    "package/dist/images/nested/deep.png": b"\x89PNG too deep, not wanted",
    "package/src/Leaflet.js": b"/* not wanted */\n",
}
CLUSTER_FILES = {
    "package/package.json": b'{"name": "leaflet.markercluster", "version": "1.5.3"}',
    "package/MIT-LICENCE.txt": b"MIT (test copy)\n",
    "package/dist/leaflet.markercluster.js": b"/* markercluster */\n",
    "package/dist/leaflet.markercluster-src.js": b"/* not wanted */\n",
    "package/dist/MarkerCluster.css": b".marker-cluster {}\n",
    "package/dist/MarkerCluster.Default.css": b".marker-cluster-small {}\n",
}


def make_tgz(files: dict[str, bytes], extra: list[tarfile.TarInfo] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 499162500  # npm's fixed 1985-10-26 timestamp
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info)
    return buf.getvalue()


class FakeRegistry:
    """Serves {path: bytes} on 127.0.0.1; counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                body = outer.routes.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep pytest output quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def publish(self, pkg: assets.Package, tgz: bytes) -> None:
        self.routes[f"/{pkg.name}/-/{pkg.tarball_name}"] = tgz

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry():
    with FakeRegistry() as reg:
        yield reg


@pytest.fixture
def tarballs():
    """Hand-made tarballs and Package specs pinned to *their* integrity (real file rules)."""
    lt, ct = make_tgz(LEAFLET_FILES), make_tgz(CLUSTER_FILES)
    leaflet = dataclasses.replace(assets.LEAFLET, integrity=integrity_of(lt))
    cluster = dataclasses.replace(assets.MARKERCLUSTER, integrity=integrity_of(ct))
    return {"leaflet": (leaflet, lt), "cluster": (cluster, ct)}


def files_under(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- pins


@pytest.mark.parametrize("pkg", assets.PACKAGES, ids=lambda p: p.name)
def test_pins_are_sha512_integrity_of_the_agreed_versions(pkg):
    assert pkg.integrity.startswith("sha512-") and len(pkg.integrity) == 7 + 88
    assert {p.name: p.version for p in assets.PACKAGES} == {
        "leaflet": "1.9.4", "leaflet.markercluster": "1.5.3"}
    assert pkg.tarball_url() == (f"https://registry.npmjs.org/{pkg.name}/-/"
                                 f"{pkg.name}-{pkg.version}.tgz")
    assert pkg.version in pkg.cdn


def test_check_integrity_accepts_only_the_matching_hash():
    assert assets.check_integrity(b"abc", integrity_of(b"abc"))
    assert assets.check_integrity(b"abc", "sha1-xx " + integrity_of(b"abc", "sha256"))
    assert not assets.check_integrity(b"abd", integrity_of(b"abc"))
    assert not assets.check_integrity(b"abc", "")


# ---------------------------------------------------------------- fetch


def test_good_tarballs_extract_exactly_the_needed_files(tmp_path, registry, tarballs):
    (leaflet, lt), (cluster, ct) = tarballs["leaflet"], tarballs["cluster"]
    registry.publish(leaflet, lt)
    registry.publish(cluster, ct)
    dest = tmp_path / "static" / "vendor"

    report = assets.fetch(dest, registry.url, packages=[leaflet, cluster])

    assert report.ok and [p.status for p in report.packages] == ["fetched", "fetched"]
    assert files_under(dest / "leaflet") == [
        ".manifest.json", "LICENSE", "images/layers.png", "images/marker-icon.png",
        "leaflet.css", "leaflet.js"]
    assert files_under(dest / "leaflet.markercluster") == [
        ".manifest.json", "LICENSE", "MarkerCluster.Default.css", "MarkerCluster.css",
        "leaflet.markercluster.js"]
    assert (dest / "leaflet" / "leaflet.js").read_bytes() == LEAFLET_FILES["package/dist/leaflet.js"]
    assert (dest / "leaflet" / "images" / "marker-icon.png").read_bytes() == b"\x89PNG marker"
    man = json.loads((dest / "leaflet" / ".manifest.json").read_text())
    assert man["version"] == "1.9.4" and man["integrity"] == leaflet.integrity
    assert not [p for p in dest.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    assert registry.requests == ["/leaflet/-/leaflet-1.9.4.tgz",
                                 "/leaflet.markercluster/-/leaflet.markercluster-1.5.3.tgz"]


def test_fetch_is_idempotent_and_skips_verified_copies_without_network(tmp_path, registry, tarballs):
    (leaflet, lt) = tarballs["leaflet"]
    registry.publish(leaflet, lt)
    assets.fetch(tmp_path, registry.url, packages=[leaflet])
    n = len(registry.requests)

    report = assets.fetch(tmp_path, f"http://127.0.0.1:{closed_port()}", packages=[leaflet])

    assert [p.status for p in report.packages] == ["present"]
    assert len(registry.requests) == n


def test_tampered_copy_is_detected_and_replaced(tmp_path, registry, tarballs):
    (leaflet, lt) = tarballs["leaflet"]
    registry.publish(leaflet, lt)
    assets.fetch(tmp_path, registry.url, packages=[leaflet])
    (tmp_path / "leaflet" / "leaflet.js").write_text("alert('edited')")
    (tmp_path / "leaflet" / "stray.txt").write_text("left over")
    ok, why = assets.verify(leaflet, tmp_path)
    assert not ok and "leaflet.js" in why

    report = assets.fetch(tmp_path, registry.url, packages=[leaflet])

    assert report.packages[0].status == "fetched"
    assert (tmp_path / "leaflet" / "leaflet.js").read_bytes() == LEAFLET_FILES["package/dist/leaflet.js"]
    assert not (tmp_path / "leaflet" / "stray.txt").exists()  # replaced as a whole
    assert assets.verify(leaflet, tmp_path) == (True, "ok")


def test_integrity_mismatch_writes_nothing_and_errors(tmp_path, registry, tarballs):
    (leaflet, lt) = tarballs["leaflet"]
    registry.publish(leaflet, make_tgz({**LEAFLET_FILES, "package/dist/leaflet.js": b"evil()"}))
    dest = tmp_path / "vendor"

    with pytest.raises(AssetError) as err:
        assets.fetch(dest, registry.url, packages=[leaflet])

    msg = str(err.value)
    assert "integrity mismatch" in msg and leaflet.integrity in msg and "Nothing was written" in msg
    assert not dest.exists()
    assert err.value.report.packages[0].status == "error"


def test_integrity_mismatch_leaves_an_existing_copy_untouched(tmp_path, registry, tarballs):
    (leaflet, lt) = tarballs["leaflet"]
    registry.publish(leaflet, lt)
    assets.fetch(tmp_path, registry.url, packages=[leaflet])
    before = {p: (tmp_path / "leaflet" / p).read_bytes() for p in files_under(tmp_path / "leaflet")}
    registry.publish(leaflet, make_tgz({**LEAFLET_FILES, "package/dist/leaflet.js": b"evil()"}))

    with pytest.raises(AssetError, match="integrity mismatch"):
        assets.fetch(tmp_path, registry.url, packages=[leaflet], force=True)

    after = {p: (tmp_path / "leaflet" / p).read_bytes() for p in files_under(tmp_path / "leaflet")}
    assert after == before


def test_real_pins_reject_a_forged_tarball(tmp_path, registry):
    """The shipped pins are what is checked: a tarball that is not npm's is refused."""
    registry.publish(assets.LEAFLET, make_tgz(LEAFLET_FILES))
    with pytest.raises(AssetError, match="leaflet@1.9.4: integrity mismatch"):
        assets.fetch(tmp_path / "v", registry.url, packages=[assets.LEAFLET])
    assert not (tmp_path / "v").exists()


def test_server_down_gives_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(AssetError) as err:
        assets.fetch(tmp_path / "v", url, timeout=5)
    msg = str(err.value)
    assert "could not reach" in msg and url in msg
    assert "leaflet@1.9.4" in msg and "leaflet.markercluster@1.5.3" in msg  # all attempted
    assert "python -m dashboard.assets fetch" in msg
    assert not (tmp_path / "v").exists()


def test_missing_tarball_404_names_the_url(tmp_path, registry, tarballs):
    (leaflet, _) = tarballs["leaflet"]
    with pytest.raises(AssetError, match=r"HTTP 404.*leaflet-1\.9\.4\.tgz|leaflet-1\.9\.4\.tgz.*HTTP 404"):
        assets.fetch(tmp_path, registry.url, packages=[leaflet])


def test_one_failure_does_not_stop_the_other_package(tmp_path, registry, tarballs):
    (leaflet, lt), (cluster, _) = tarballs["leaflet"], tarballs["cluster"]
    registry.publish(leaflet, lt)  # markercluster not published -> 404
    with pytest.raises(AssetError) as err:
        assets.fetch(tmp_path, registry.url, packages=[leaflet, cluster])
    assert [p.status for p in err.value.report.packages] == ["fetched", "error"]
    assert assets.verify(leaflet, tmp_path)[0]
    assert not (tmp_path / "leaflet.markercluster").exists()


def test_tarball_without_a_needed_file_is_refused(tmp_path, registry):
    files = {k: v for k, v in LEAFLET_FILES.items() if k != "package/dist/leaflet.css"}
    tgz = make_tgz(files)
    pkg = dataclasses.replace(assets.LEAFLET, integrity=integrity_of(tgz))
    registry.publish(pkg, tgz)
    with pytest.raises(AssetError, match="no file matching package/dist/leaflet.css"):
        assets.fetch(tmp_path / "v", registry.url, packages=[pkg])
    assert not (tmp_path / "v" / "leaflet").exists()


def test_hostile_member_names_and_links_are_never_written(tmp_path, registry):
    evil = tarfile.TarInfo("package/dist/images/evil.png")
    evil.type, evil.linkname = tarfile.SYMTYPE, "/etc/passwd"
    tgz = make_tgz({**LEAFLET_FILES, "package/../../escape.png": b"x",
                    "/abs/dist/leaflet.js": b"x"}, extra=[evil])
    pkg = dataclasses.replace(assets.LEAFLET, integrity=integrity_of(tgz))
    registry.publish(pkg, tgz)
    dest = tmp_path / "a" / "b"
    assets.fetch(dest, registry.url, packages=[pkg])
    assert files_under(dest / "leaflet") == [
        ".manifest.json", "LICENSE", "images/layers.png", "images/marker-icon.png",
        "leaflet.css", "leaflet.js"]
    assert (dest / "leaflet" / "leaflet.js").read_bytes() == LEAFLET_FILES["package/dist/leaflet.js"]
    assert not (tmp_path / "escape.png").exists() and not (tmp_path / "a" / "escape.png").exists()


def test_not_a_tarball_is_a_clear_error(tmp_path, registry):
    junk = b"<html>captive portal</html>"
    pkg = dataclasses.replace(assets.LEAFLET, integrity=integrity_of(junk))
    registry.publish(pkg, junk)
    with pytest.raises(AssetError, match="not a readable tar.gz"):
        assets.fetch(tmp_path, registry.url, packages=[pkg])


# ---------------------------------------------------------------- CLI


def test_cli_fetch_fails_with_a_clear_message_when_registry_is_down(tmp_path, capsys):
    rc = assets.main(["fetch", "--registry", f"http://127.0.0.1:{closed_port()}",
                      "--dest", str(tmp_path / "v")])
    err = capsys.readouterr().err
    assert rc != 0
    assert err.startswith("error: vendored assets incomplete") and "could not reach" in err


def test_cli_fetch_and_check_exit_zero_when_everything_is_present(tmp_path, registry, tarballs,
                                                                  monkeypatch, capsys):
    (leaflet, lt), (cluster, ct) = tarballs["leaflet"], tarballs["cluster"]
    registry.publish(leaflet, lt)
    registry.publish(cluster, ct)
    monkeypatch.setattr(assets, "PACKAGES", (leaflet, cluster))
    assert assets.main(["check", "--dest", str(tmp_path)]) == 2
    assert "run `python -m dashboard.assets fetch`" in capsys.readouterr().err
    assert assets.main(["fetch", "--registry", registry.url, "--dest", str(tmp_path)]) == 0
    assert "fetched" in capsys.readouterr().err
    assert assets.main(["fetch", "--registry", registry.url, "--dest", str(tmp_path)]) == 0
    assert "present" in capsys.readouterr().err
    assert assets.main(["check", "--dest", str(tmp_path)]) == 0


# ---------------------------------------------------------------- urls()


def test_urls_fall_back_to_the_pinned_cdn_when_nothing_is_fetched(tmp_path):
    u = assets.urls(static_dir=tmp_path)
    assert u == {
        "leaflet_js": "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js",
        "leaflet_css": "https://unpkg.com/leaflet@1.9.4/dist/leaflet.css",
        "markercluster_js": "https://unpkg.com/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js",
        "markercluster_css": "https://unpkg.com/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
        "markercluster_default_css":
            "https://unpkg.com/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
    }


def test_urls_are_local_once_fetched_and_per_package(tmp_path, registry, tarballs):
    (leaflet, lt) = tarballs["leaflet"]
    registry.publish(leaflet, lt)
    assets.fetch(tmp_path / "vendor", registry.url, packages=[leaflet])  # leaflet only

    u = assets.urls(static_dir=tmp_path)

    assert u["leaflet_js"] == "/app/static/vendor/leaflet/leaflet.js"
    assert u["leaflet_css"] == "/app/static/vendor/leaflet/leaflet.css"
    assert u["markercluster_js"].startswith("https://unpkg.com/leaflet.markercluster@1.5.3/")
    assert assets.urls(static_dir=tmp_path, prefix="/base/app/static/")["leaflet_js"] == \
        "/base/app/static/vendor/leaflet/leaflet.js"


def test_urls_prefix_from_the_environment(tmp_path, registry, tarballs, monkeypatch):
    (leaflet, lt) = tarballs["leaflet"]
    registry.publish(leaflet, lt)
    assets.fetch(tmp_path / "vendor", registry.url, packages=[leaflet])
    monkeypatch.setenv("LAMH_STATIC_URL", "../../app/static")
    assert assets.urls(static_dir=tmp_path)["leaflet_css"] == "../../app/static/vendor/leaflet/leaflet.css"
    monkeypatch.delenv("LAMH_STATIC_URL")
    assert assets.urls(static_dir=tmp_path)["leaflet_css"] == "/app/static/vendor/leaflet/leaflet.css"


def test_urls_ignore_a_copy_of_another_version(tmp_path, registry, tarballs):
    (leaflet, lt) = tarballs["leaflet"]
    old = dataclasses.replace(leaflet, version="1.7.1")
    registry.publish(old, lt)
    assets.fetch(tmp_path / "vendor", registry.url, packages=[old])
    assert (tmp_path / "vendor" / "leaflet" / "leaflet.js").is_file()
    assert assets.urls(static_dir=tmp_path)["leaflet_js"] == "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"


def test_urls_fall_back_per_file(tmp_path, registry, tarballs):
    (leaflet, lt) = tarballs["leaflet"]
    registry.publish(leaflet, lt)
    assets.fetch(tmp_path / "vendor", registry.url, packages=[leaflet])
    (tmp_path / "vendor" / "leaflet" / "leaflet.css").unlink()
    u = assets.urls(static_dir=tmp_path)
    assert u["leaflet_js"].startswith("/app/static/")
    assert u["leaflet_css"] == "https://unpkg.com/leaflet@1.9.4/dist/leaflet.css"


# ---------------------------------------------------------------- apply()

LOCAL = {k: f"/app/static/vendor/x/{k}" for k in assets.ASSETS}


def collected_links(m):
    """What streamlit_folium.st_folium hands its iframe: default_js/css of every
    JSCSSMixin under the map (same walk + getattr as streamlit_folium 0.27.4)."""
    from folium.elements import JSCSSMixin

    def walk(el):
        if isinstance(el, JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    js, css = [], []
    for el in walk(m):
        js += [src for _, src in getattr(el, "default_js", [])]
        css += [href for _, href in getattr(el, "default_css", [])]
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))


def test_apply_loads_only_leaflet_and_markercluster(tmp_path):
    class_js = list(folium.Map.default_js)
    m = folium.Map(location=[34.05, -118.25], zoom_start=9, tiles=None)
    folium.CircleMarker([34.0, -118.2], radius=4).add_to(m)
    fg = folium.FeatureGroup(name="facilities")  # e.g. passed as feature_group_to_add
    folium.plugins.FastMarkerCluster([[34.0, -118.2], [34.1, -118.3]],
                                     callback=assets.CIRCLE_MARKER_CALLBACK).add_to(fg)

    leftovers = assets.apply(m, fg, asset_urls=LOCAL)
    fg.add_to(m)  # what st_folium does with feature_group_to_add

    js, css = collected_links(m)
    assert leftovers == []
    assert js == [LOCAL["leaflet_js"], LOCAL["markercluster_js"]]
    assert css == [LOCAL["leaflet_css"], LOCAL["markercluster_css"], LOCAL["markercluster_default_css"]]
    html = m.get_root().render()
    assert "jquery" not in html and "bootstrap" not in html and "cdn" not in html
    # class-level lists untouched: other maps still get folium's defaults
    assert folium.Map.default_js == class_js
    assert collected_links(folium.Map())[0][0].startswith("https://cdn.jsdelivr.net/npm/leaflet@")


def test_apply_reports_plugins_that_would_still_use_a_cdn():
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    leftovers = assets.apply(m, asset_urls=LOCAL)
    assert leftovers and all(u.startswith("https://") for u in leftovers)


def test_apply_defaults_to_urls(monkeypatch):
    monkeypatch.setattr(assets, "urls", lambda: LOCAL)
    m = folium.Map(tiles=None)
    assets.apply(m)
    assert collected_links(m) == ([LOCAL["leaflet_js"]], [LOCAL["leaflet_css"]])


@pytest.mark.parametrize("make", [
    lambda m: folium.plugins.FastMarkerCluster([[34.0, -118.2]]).add_to(m),  # default callback
    lambda m: folium.Marker([34.0, -118.2], icon=folium.Icon(color="red")).add_to(m),
], ids=["fastmarkercluster-default-callback", "folium-icon"])
def test_apply_refuses_elements_that_need_awesome_markers(make):
    m = folium.Map(tiles=None)
    make(m)
    with pytest.raises(ValueError, match="awesome-markers"):
        assets.apply(m, asset_urls=LOCAL)


def test_plain_leaflet_markers_are_accepted():
    m = folium.Map(tiles=None)
    folium.Marker([34.0, -118.2]).add_to(m)  # L.Icon.Default: images next to leaflet.css
    folium.Marker([34.1, -118.2], icon=folium.DivIcon(html="<b>1</b>")).add_to(m)
    folium.plugins.MarkerCluster(locations=[[34.0, -118.0]]).add_to(m)
    assert assets.apply(m, asset_urls=LOCAL) == []


def test_apply_pins_the_default_icon_path_before_any_marker():
    m = folium.Map(tiles=None)
    folium.Marker([34.0, -118.2]).add_to(m)
    assets.apply(m, asset_urls=LOCAL)
    assets.apply(m, asset_urls={**LOCAL, "leaflet_css": "/app/static/vendor/leaflet/leaflet.css"})
    html = m.get_root().render()
    assert html.count("L.Icon.Default.imagePath") == 1
    assert 'L.Icon.Default.imagePath = "/app/static/vendor/leaflet/images/";' in html
    assert html.index("L.Icon.Default.imagePath") < html.index("L.marker(")
