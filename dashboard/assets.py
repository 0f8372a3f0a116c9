"""Vendored Leaflet assets: pinned versions, download + verify, and the URLs maps load.

Folium and streamlit-folium load Leaflet (and every plugin) from public CDNs.  Offline
(tests, locked-down county networks) the map then never appears.  Instead the app serves
the files itself: ``.streamlit/config.toml`` sets ``server.enableStaticServing = true``,
so ``static/vendor/<package>/<file>`` is served at ``/app/static/vendor/<package>/<file>``
(Streamlit 1.67 sends Python ``mimetypes`` content types, e.g. ``application/javascript``
and ``text/css``, with ``nosniff``; older releases sent everything but images, fonts, pdf,
xml and json as ``text/plain`` + ``nosniff``, and browsers refused to run the script).

CLI::

    python -m dashboard.assets fetch [--registry URL] [--dest DIR]   # exit 0 when all present
    python -m dashboard.assets check                                 # verify only, no network
    python -m dashboard.assets urls                                  # what maps will load

Each package tarball comes from the npm registry and is checked against the sha512
``integrity`` pinned below (the value ``npm view <pkg>@<version> dist.integrity`` prints)
before anything is written; only the dist files a map needs are extracted, into a temporary
folder that is then renamed into place.  A ``.manifest.json`` next to the files records the
version, the tarball integrity and each file's sha256, so a later ``fetch`` can verify the
copy on disk without the network and skip it.

Maps use :func:`apply` so only Leaflet (+ markercluster where a cluster is used) load, from
:func:`urls`: the local copy when it is there, else the official CDN URL of the *same* pinned
version, so online users still get a map when nobody ran ``fetch``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import fnmatch
import hashlib
import hmac
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = PROJECT_ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: Where Streamlit serves ``static/`` when ``server.enableStaticServing`` is on.
STATIC_URL = "/app/static"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
MANIFEST = ".manifest.json"
MAX_TARBALL_BYTES = 32 * 1024 * 1024  # leaflet 1.9.4 is 0.9 MB, markercluster 1.5.3 1.2 MB
TIMEOUT_S = 30.0


class AssetError(Exception):
    """A vendored asset could not be downloaded, verified or installed.

    The message names the package, the URL or path involved and what to do about it.
    """


@dataclasses.dataclass(frozen=True)
class Package:
    """One npm package we vendor.

    ``files`` maps a path inside the tarball (relative to its top folder, normally
    ``package/``; ``*`` globs allowed) to a path under ``static/vendor/<name>/``.  A glob
    target ending in ``/`` keeps the matched file's name.  Every pattern must match.
    """

    name: str
    version: str
    integrity: str  # npm "dist.integrity", e.g. "sha512-<base64>"
    files: tuple[tuple[str, str], ...]
    cdn: str  # base URL of the package's files on a public CDN (no trailing slash)

    @property
    def tarball_name(self) -> str:
        return f"{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"

    def tarball_url(self, registry: str = DEFAULT_REGISTRY) -> str:
        return f"{registry.rstrip('/')}/{self.name}/-/{self.tarball_name}"


LEAFLET = Package(
    name="leaflet",
    version="1.9.4",
    integrity="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
    files=(
        ("dist/leaflet.js", "leaflet.js"),
        ("dist/leaflet.css", "leaflet.css"),
        ("dist/images/*.png", "images/"),
        ("LICENSE", "LICENSE"),
    ),
    cdn="https://unpkg.com/leaflet@1.9.4/dist",
)

MARKERCLUSTER = Package(
    name="leaflet.markercluster",
    version="1.5.3",
    integrity="sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
    files=(
        ("dist/leaflet.markercluster.js", "leaflet.markercluster.js"),
        ("dist/MarkerCluster.css", "MarkerCluster.css"),
        ("dist/MarkerCluster.Default.css", "MarkerCluster.Default.css"),
        ("MIT-LICENCE.txt", "LICENSE"),
    ),
    cdn="https://unpkg.com/leaflet.markercluster@1.5.3/dist",
)

PACKAGES: tuple[Package, ...] = (LEAFLET, MARKERCLUSTER)

#: urls() key -> (package, file under static/vendor/<package>/, file under the CDN base)
ASSETS: dict[str, tuple[Package, str, str]] = {
    "leaflet_js": (LEAFLET, "leaflet.js", "leaflet.js"),
    "leaflet_css": (LEAFLET, "leaflet.css", "leaflet.css"),
    "markercluster_js": (MARKERCLUSTER, "leaflet.markercluster.js", "leaflet.markercluster.js"),
    "markercluster_css": (MARKERCLUSTER, "MarkerCluster.css", "MarkerCluster.css"),
    "markercluster_default_css": (MARKERCLUSTER, "MarkerCluster.Default.css", "MarkerCluster.Default.css"),
}


# --------------------------------------------------------------------------- integrity


def integrity_of(data: bytes, algo: str = "sha512") -> str:
    """The npm/SRI integrity string of ``data`` (``sha512-<base64>``)."""
    return f"{algo}-" + base64.b64encode(hashlib.new(algo, data).digest()).decode("ascii")


def check_integrity(data: bytes, integrity: str) -> bool:
    """True when ``data`` matches one of the hashes in an SRI string (sha256/384/512)."""
    for token in integrity.split():
        algo, _, _ = token.partition("-")
        if algo in ("sha256", "sha384", "sha512") and hmac.compare_digest(
            integrity_of(data, algo), token
        ):
            return True
    return False


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- report


@dataclasses.dataclass
class PackageReport:
    name: str
    version: str
    status: str  # "present" (verified on disk, skipped) | "fetched" | "error"
    path: Path
    files: list[str] = dataclasses.field(default_factory=list)
    message: str = ""


@dataclasses.dataclass
class FetchReport:
    dest: Path
    packages: list[PackageReport]

    @property
    def ok(self) -> bool:
        return all(p.status != "error" for p in self.packages)

    def summary(self) -> str:
        lines = []
        for p in self.packages:
            if p.status == "error":
                lines.append(f"{p.name}@{p.version}: ERROR {p.message}")
            else:
                lines.append(f"{p.name}@{p.version}: {p.status} ({len(p.files)} files) in {p.path}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- verify on disk


def _read_manifest(pkg_dir: Path) -> dict | None:
    try:
        return json.loads((pkg_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def verify(pkg: Package, dest: Path = VENDOR_DIR) -> tuple[bool, str]:
    """Is ``dest/<pkg.name>`` a complete, unmodified copy of the pinned version?

    Offline: compares against the manifest written at install time, which must name the
    pinned version and integrity; every listed file must exist with the recorded sha256.
    """
    pkg_dir = Path(dest) / pkg.name
    man = _read_manifest(pkg_dir)
    if man is None:
        return False, f"{pkg_dir} has no readable {MANIFEST}"
    if man.get("version") != pkg.version or man.get("integrity") != pkg.integrity:
        return False, (f"{pkg_dir} holds {man.get('name')}@{man.get('version')}, "
                       f"pinned is {pkg.version}")
    files = man.get("files") or {}
    if not files:
        return False, f"{pkg_dir}/{MANIFEST} lists no files"
    for rel, digest in files.items():
        path = pkg_dir / rel
        try:
            data = path.read_bytes()
        except OSError:
            return False, f"{path} is missing"
        if _sha256(data) != digest:
            return False, f"{path} differs from the file extracted from the verified tarball"
    return True, "ok"


# --------------------------------------------------------------------------- download + extract


def download(url: str, *, timeout: float = TIMEOUT_S, limit: int = MAX_TARBALL_BYTES) -> bytes:
    """GET ``url`` (honours http(s)_proxy); AssetError with the reason on any failure."""
    req = urllib.request.Request(url, headers={"User-Agent": "lamh-dashboard-assets/1"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (https/http only)
            data = resp.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise AssetError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise AssetError(f"could not reach {url}: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise AssetError(f"download of {url} failed: {exc}") from exc
    if len(data) > limit:
        raise AssetError(f"download of {url} is larger than {limit} bytes; refusing it")
    return data


def extract(pkg: Package, tarball: bytes) -> dict[str, bytes]:
    """The wanted files of an npm tarball, in memory: {target path: bytes}.

    Members are looked up by name and read, never extracted by tarfile, so paths in the
    archive cannot escape the target folder; only regular files are accepted.  The top
    folder is whatever the archive uses (``package/`` for almost every npm tarball).
    """
    try:
        tar = tarfile.open(fileobj=io.BytesIO(tarball), mode="r:*")
    except tarfile.TarError as exc:
        raise AssetError(f"{pkg.name}@{pkg.version}: tarball is not a readable tar.gz ({exc})") from exc
    out: dict[str, bytes] = {}
    with tar:
        members = {}
        for m in tar.getmembers():
            parts = PurePosixPath(m.name).parts
            if len(parts) >= 2 and m.isfile():
                members["/".join(parts[1:])] = m
        for pattern, target in pkg.files:
            # same depth: "*" must not cross a "/" (fnmatch's would)
            matched = sorted(n for n in members if fnmatch.fnmatchcase(n, pattern)
                             and n.count("/") == pattern.count("/"))
            if not matched:
                raise AssetError(f"{pkg.name}@{pkg.version}: tarball has no file matching "
                                 f"package/{pattern}")
            for name in matched:
                dest_name = target + PurePosixPath(name).name if target.endswith("/") else target
                if dest_name.startswith("/") or ".." in PurePosixPath(dest_name).parts:
                    raise AssetError(f"{pkg.name}: refusing target path {dest_name!r}")
                f = tar.extractfile(members[name])
                if f is None:  # pragma: no cover - isfile() checked above
                    raise AssetError(f"{pkg.name}: cannot read {name} from the tarball")
                out[dest_name] = f.read()
    return out


@contextlib.contextmanager
def _lock(dest: Path) -> Iterator[None]:
    """Serialise concurrent fetches into one folder (e.g. parallel test workers)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: best effort, no lock
        yield
        return
    with open(dest / ".fetch.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _install(pkg: Package, files: dict[str, bytes], dest: Path) -> Path:
    """Write ``files`` into ``dest/<pkg.name>`` atomically (temp folder + rename)."""
    final = dest / pkg.name
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{pkg.name}-", dir=dest))
    try:
        for rel, data in files.items():
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        manifest = {
            "name": pkg.name,
            "version": pkg.version,
            "integrity": pkg.integrity,
            "files": {rel: _sha256(data) for rel, data in sorted(files.items())},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                    encoding="utf-8")
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; the web server may run as another user
        old = None
        if final.exists() or final.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".old-{pkg.name}-", dir=dest))
            os.replace(final, old / "x")
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def fetch(
    dest: Path | str = VENDOR_DIR,
    registry: str = DEFAULT_REGISTRY,
    *,
    packages: Iterable[Package] = PACKAGES,
    force: bool = False,
    timeout: float = TIMEOUT_S,
) -> FetchReport:
    """Make sure every pinned package is in ``dest/<name>/``, verified.

    Skips a package whose copy verifies (see :func:`verify`) unless ``force``.  Otherwise
    downloads the tarball, checks its integrity against the pinned value (a mismatch writes
    nothing) and installs the needed files atomically.  Every package is attempted; if any
    failed, raises :class:`AssetError` listing all failures (``exc.report`` holds the
    report).  Returns the report when everything is present.
    """
    dest = Path(dest)
    reports: list[PackageReport] = []
    errors: list[str] = []
    for pkg in packages:
        pkg_dir = dest / pkg.name
        rep = PackageReport(pkg.name, pkg.version, "error", pkg_dir)
        reports.append(rep)
        try:
            if not force and verify(pkg, dest)[0]:
                rep.status, rep.files = "present", sorted(_read_manifest(pkg_dir)["files"])
                continue
            url = pkg.tarball_url(registry)
            data = download(url, timeout=timeout)
            if not check_integrity(data, pkg.integrity):
                raise AssetError(
                    f"{pkg.name}@{pkg.version}: integrity mismatch for {url}: expected "
                    f"{pkg.integrity}, got {integrity_of(data)}. Nothing was written. If the "
                    f"pin was changed on purpose, update it from `npm view {pkg.name}@"
                    f"{pkg.version} dist.integrity`; otherwise suspect the registry or a proxy.")
            files = extract(pkg, data)
            dest.mkdir(parents=True, exist_ok=True)
            with _lock(dest):
                if not force and verify(pkg, dest)[0]:  # another process finished first
                    rep.status = "present"
                else:
                    _install(pkg, files, dest)
                    rep.status = "fetched"
            rep.files = sorted(files)
        except (AssetError, OSError) as exc:
            msg = str(exc)
            if not msg.startswith(f"{pkg.name}@"):
                msg = f"{pkg.name}@{pkg.version}: {msg}"
            rep.status, rep.message = "error", msg
            errors.append(msg)
    report = FetchReport(dest, reports)
    if errors:
        err = AssetError("vendored assets incomplete:\n  " + "\n  ".join(errors)
                         + f"\nRun `python -m dashboard.assets fetch` with access to {registry} "
                         "(or --registry <mirror>).")
        err.report = report  # type: ignore[attr-defined]
        raise err
    return report


# --------------------------------------------------------------------------- URLs + folium


def urls(static_dir: Path | str = STATIC_DIR, prefix: str | None = None) -> dict[str, str]:
    """URL of each asset: ``<prefix>/vendor/<pkg>/<file>`` when the local file is there
    (and the package folder holds the pinned version), else the pinned version on the CDN.

    ``prefix`` defaults to ``$LAMH_STATIC_URL`` or ``/app/static``.  Behind
    ``server.baseUrlPath`` (or any proxy path) set it to ``<base>/app/static``, or to
    ``../../app/static``: the URLs are resolved inside streamlit-folium's iframe, served
    at ``<base>/component/streamlit_folium.st_folium/index.html``.

    Keys: leaflet_js, leaflet_css, markercluster_js, markercluster_css,
    markercluster_default_css.  Cheap (a few stat calls + one small JSON read per package),
    fine to call on every rerun.
    """
    if prefix is None:
        prefix = os.environ.get("LAMH_STATIC_URL") or STATIC_URL
    vendor = Path(static_dir) / "vendor"
    pinned: dict[str, bool] = {}
    out: dict[str, str] = {}
    for key, (pkg, local, remote) in ASSETS.items():
        if pkg.name not in pinned:
            man = _read_manifest(vendor / pkg.name) or {}
            pinned[pkg.name] = man.get("version") == pkg.version
        if pinned[pkg.name] and (vendor / pkg.name / local).is_file():
            out[key] = f"{prefix.rstrip('/')}/vendor/{pkg.name}/{local}"
        else:
            out[key] = f"{pkg.cdn}/{remote}"
    return out


#: A FastMarkerCluster ``callback`` that needs nothing beyond Leaflet (folium's default
#: callback calls ``L.AwesomeMarkers.icon()``, which :func:`apply` does not load).
CIRCLE_MARKER_CALLBACK = """function (row) {
    return L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 5, color: "#0072B2", weight: 1, fillColor: "#0072B2", fillOpacity: 0.8});
}"""


_ICON_PATH_CLASS = None


def _icon_path_element(path: str):
    """A map child whose script sets ``L.Icon.Default.imagePath`` (built lazily: folium)."""
    global _ICON_PATH_CLASS
    if _ICON_PATH_CLASS is None:
        from branca.element import MacroElement
        from folium.template import Template

        class IconDefaultImagePath(MacroElement):
            _template = Template(
                "{% macro script(this, kwargs) %}"
                "L.Icon.Default.imagePath = {{ this.path|tojson }};"
                "{% endmacro %}")

            def __init__(self, path: str):
                super().__init__()
                self._name = "IconDefaultImagePath"
                self.path = path

        _ICON_PATH_CLASS = IconDefaultImagePath
    return _ICON_PATH_CLASS(path)


def _walk(el) -> Iterator[object]:
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk(child)


def apply(m, *extra_elements, asset_urls: dict[str, str] | None = None) -> list[str]:
    """Make a folium Map (and any MarkerCluster in it) load only our pinned Leaflet assets.

    Sets *instance* attributes ``default_js`` / ``default_css`` (new lists: folium's
    ``add_js_link`` mutates the class-level list in place, which would leak to every map),
    which both folium's own render and streamlit-folium's link collection read via
    ``getattr``.  The Map keeps only Leaflet: no jQuery / Bootstrap / awesome-markers /
    Font Awesome, so use plain Leaflet vector markers or ``DivIcon`` (not ``folium.Icon``).
    Every ``MarkerCluster`` (incl. ``FastMarkerCluster``) found under ``m`` or under
    ``extra_elements`` (e.g. a FeatureGroup passed as ``feature_group_to_add`` that is not
    yet on the map) gets markercluster 1.5.3.  Call after the layers are added.

    Returns the URLs of any other element's JS/CSS that will still be fetched from a CDN
    (empty when the map is fully served locally), so callers/tests can assert on it.
    Raises ValueError for elements that need the awesome-markers plugin this drops
    (``folium.Icon``; ``FastMarkerCluster`` with folium's default callback -- pass
    ``callback=CIRCLE_MARKER_CALLBACK`` or your own), which would otherwise fail in the
    browser with "Cannot read properties of undefined (reading 'icon')".
    """
    import folium
    from folium.elements import JSCSSMixin
    from folium.plugins import FastMarkerCluster, MarkerCluster

    u = asset_urls or urls()
    leaflet_js = [("leaflet", u["leaflet_js"])]
    leaflet_css = [("leaflet_css", u["leaflet_css"])]
    leftovers: list[str] = []
    seen: set[int] = set()
    for root in (m, *extra_elements):
        for el in _walk(root):
            if id(el) in seen:
                continue
            seen.add(id(el))
            if isinstance(el, folium.Icon) or (
                    isinstance(el, FastMarkerCluster) and "AwesomeMarkers" in (el.callback or "")):
                raise ValueError(
                    f"{type(el).__name__} needs Leaflet.awesome-markers, which apply() does not "
                    "load: use CircleMarker / DivIcon markers, and FastMarkerCluster("
                    "callback=dashboard.assets.CIRCLE_MARKER_CALLBACK) or another plain-Leaflet "
                    "callback")
            if isinstance(el, folium.Map):
                el.default_js = list(leaflet_js)
                el.default_css = list(leaflet_css)
                _set_icon_path(el, u["leaflet_css"].rsplit("/", 1)[0] + "/images/")
            elif isinstance(el, MarkerCluster):
                el.default_js = [("markerclusterjs", u["markercluster_js"])]
                el.default_css = [("markerclustercss", u["markercluster_css"]),
                                  ("markerclusterdefaultcss", u["markercluster_default_css"])]
            elif isinstance(el, JSCSSMixin):
                leftovers += [url for _, url in (*el.default_js, *el.default_css)]
    return list(dict.fromkeys(leftovers))


def _set_icon_path(m, path: str) -> None:
    """Pin ``L.Icon.Default.imagePath`` as the map's first child script.

    Leaflet guesses it from leaflet.css, but streamlit-folium appends the stylesheet and
    runs the map script at once; when a default-icon marker is created before the CSS has
    loaded, Leaflet 1.9's fallback yields ``.../vendor/leaflet`` + ``marker-icon.png`` ->
    ``/app/static/vendor/leafletmarker-icon.png`` (404).  The same happens with the CDN URL.
    """
    for key, child in list(m._children.items()):
        if type(child).__name__ == "IconDefaultImagePath":
            del m._children[key]
    el = _icon_path_element(path)
    m.add_child(el)
    m._children.move_to_end(el.get_name(), last=False)  # before any marker is created


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.assets", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="download + verify the pinned packages into static/vendor/")
    f.add_argument("--registry", default=os.environ.get("LAMH_NPM_REGISTRY", DEFAULT_REGISTRY),
                   help="npm registry base URL (default: $LAMH_NPM_REGISTRY or %(default)s)")
    f.add_argument("--dest", default=str(VENDOR_DIR), help="target folder (default %(default)s)")
    f.add_argument("--force", action="store_true", help="download even when present")
    c = sub.add_parser("check", help="verify static/vendor/ without the network")
    c.add_argument("--dest", default=str(VENDOR_DIR))
    sub.add_parser("urls", help="print the URLs maps will load")
    args = ap.parse_args(argv)

    if args.cmd == "fetch":
        try:
            report = fetch(Path(args.dest), args.registry, packages=PACKAGES, force=args.force)
        except AssetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(report.summary(), file=sys.stderr)
        return 0
    if args.cmd == "check":
        bad = [(p, msg) for p in PACKAGES for ok, msg in [verify(p, Path(args.dest))] if not ok]
        for p, msg in bad:
            print(f"error: {p.name}@{p.version}: {msg}", file=sys.stderr)
        if bad:
            print("run `python -m dashboard.assets fetch`", file=sys.stderr)
            return 2
        print(f"all {len(PACKAGES)} packages verified in {args.dest}", file=sys.stderr)
        return 0
    if args.cmd == "urls":
        for k, v in urls().items():
            print(f"{k:<27} {v}")
        return 0
    return 1  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
