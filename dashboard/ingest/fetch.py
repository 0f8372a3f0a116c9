"""Download fresh copies of every registered raw source file.

CLI (through the pipeline)::

    python -m dashboard.ingest fetch                  # publishers' direct downloads
    python -m dashboard.ingest fetch --from BASE_URL  # a mirror laid out like the raw folder
    python -m dashboard.ingest fetch --dest DIR       # default data/raw/ (git-ignored)

With ``--from BASE`` every file of ``registry.SOURCES`` is fetched from
``BASE/<folder>/<file>`` (plus ``BASE/<folder>/PROVENANCE.md`` when the mirror has one).
Without it, files that the publisher offers as a direct download of the same format are
fetched from ``download_url``; the others are reported as *manual* with what the publisher
offers instead (``offered_as``: a workbook, a map service, a PDF, ...) and the landing
page.  Both come from the registry's ``SourceFile`` entries.

Each file is downloaded into a staging folder inside ``dest``, checked with the same
checks the readers use (``dashboard.ingest.sources.common``: not empty, expected columns or
properties present, not truncated), and only then moved into place with an atomic
rename.  A failure (network down, HTTP error, bad file) keeps any existing copy and is
reported per file; the exit code is non-zero when any file failed.
"""

from __future__ import annotations

import http.client
import os
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from dashboard import config, registry
from dashboard.errors import SourceError
from dashboard.ingest.sources import common

TIMEOUT = 15.0  # seconds per connection attempt / read; short: a mirror answers fast or not at all
CHUNK = 1 << 16
PROVENANCE = "PROVENANCE.md"
USER_AGENT = "la-mh-capacity-dashboard-fetch/1 (+https://github.com/)"


@dataclass
class Outcome:
    folder: str
    name: str
    status: str  # "ok", "failed", "manual", "absent" (optional PROVENANCE.md not on the mirror)
    detail: str

    @property
    def label(self) -> str:
        return f"{self.folder}/{self.name}"


def plan(base: str | None) -> list[tuple[str, str, str, str | None]]:
    """(source key, folder, file name, URL or None for manual) for every registered file."""
    out = []
    for key, src in registry.SOURCES.items():
        for f in src.files:
            if base:
                url = _join(base, src.folder, f.name)
            else:
                url = f.download_url
            out.append((key, src.folder, f.name, url))
    return out


def _join(base: str, folder: str, name: str) -> str:
    return "/".join([base.rstrip("/"), urllib.parse.quote(folder), urllib.parse.quote(name)])


def _download(url: str, target: Path, timeout: float) -> int:
    """Stream ``url`` into ``target``; returns the byte count.  Raises on any failure."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 - scheme checked above
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        expected = resp.headers.get("Content-Length")
        n = 0
        with open(target, "wb") as fh:
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                fh.write(chunk)
                n += len(chunk)
    if expected is not None and expected.strip().isdigit() and int(expected) != n:
        raise OSError(f"download incomplete: {n} of {int(expected)} bytes")
    if n == 0:
        raise OSError("the server sent an empty file")
    return n


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot connect ({exc.reason})"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def _check(staging: Path, key: str, name: str) -> None:
    """The readers' own checks on the staged copy (raises SourceError)."""
    if name.endswith(".geojson"):
        common.read_geojson(staging, key, name)
    else:
        common.read_csv(staging, key, name)


def fetch_all(base: str | None, dest: Path, *, timeout: float = TIMEOUT, out=None) -> list[Outcome]:
    """Fetch every registered file into ``dest``; one :class:`Outcome` per file."""
    say = (out or sys.stdout).write
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    staging = dest / f".fetch-{os.getpid()}-{time.time_ns()}"
    results: list[Outcome] = []

    def report(o: Outcome) -> None:
        results.append(o)
        say(f"{o.status.upper() if o.status == 'failed' else o.status:<7} {o.label}: {o.detail}\n")

    try:
        for key, folder, name, url in plan(base):
            src = registry.SOURCES[key]
            if url is None:
                offers = src.file(name).offered_as or "no direct download of this file"
                report(
                    Outcome(
                        folder,
                        name,
                        "manual",
                        f"manual: the publisher only offers {offers}; use --from a mirror "
                        f"(landing page: {src.url})",
                    )
                )
                continue
            target = dest / folder / name
            staged = staging / folder / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            keep = "; kept the existing copy" if target.exists() else "; no copy written"
            try:
                size = _download(url, staged, timeout)
                _check(staging, key, name)
            except SourceError as exc:
                exc.hint = None  # the readers' hint (point LAMH_RAW_DIR ...) does not apply here
                text = exc.describe().replace(f"{staged}: ", "")
                report(Outcome(folder, name, "failed", f"bad file from {url}: {text}{keep}"))
                continue
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                report(Outcome(folder, name, "failed", f"{_why(exc)} from {url}{keep}"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            report(Outcome(folder, name, "ok", f"{size:,} bytes from {url}"))
        if base:
            for folder in dict.fromkeys(s.folder for s in registry.SOURCES.values()):
                results_for = _fetch_provenance(base, folder, dest, staging, timeout)
                report(results_for)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return results


def _fetch_provenance(base: str, folder: str, dest: Path, staging: Path, timeout: float) -> Outcome:
    url = _join(base, folder, PROVENANCE)
    staged = staging / folder / PROVENANCE
    staged.parent.mkdir(parents=True, exist_ok=True)
    try:
        size = _download(url, staged, timeout)
        staged.read_bytes().decode("utf-8")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return Outcome(folder, PROVENANCE, "absent", "the mirror has no PROVENANCE.md (optional)")
        return Outcome(folder, PROVENANCE, "failed", f"{_why(exc)} from {url}")
    except UnicodeDecodeError:
        return Outcome(folder, PROVENANCE, "failed", f"not UTF-8 text from {url}")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        return Outcome(folder, PROVENANCE, "failed", f"{_why(exc)} from {url}")
    (dest / folder).mkdir(parents=True, exist_ok=True)
    os.replace(staged, dest / folder / PROVENANCE)
    return Outcome(folder, PROVENANCE, "ok", f"{size:,} bytes from {url}")


def main(base: str | None = None, dest: Path | None = None) -> int:
    """``python -m dashboard.ingest fetch``: 0 when no file failed, 1 otherwise."""
    dest = Path(dest) if dest else config.fetch_dir()
    where = f"the mirror {base}" if base else "the publishers' direct downloads"
    print(f"Fetching raw sources from {where} into {dest}")
    results = fetch_all(base, dest)
    data = [r for r in results if r.name != PROVENANCE]
    n = {s: sum(r.status == s for r in data) for s in ("ok", "failed", "manual")}
    failed = [r for r in results if r.status == "failed"]
    print(
        f"{n['ok']} of {len(data)} files fetched, {n['failed']} failed, {n['manual']} need a mirror "
        "(--from)"
        + (f"; {len(failed) - n['failed']} PROVENANCE.md failed" if len(failed) > n["failed"] else "")
    )
    if n["ok"] and not failed and not n["manual"]:
        print(f"Rebuild with: {config.BUILD_COMMAND}")
    return 1 if failed else 0
